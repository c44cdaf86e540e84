"""No secret in any output: the process-wide redacting handler (`bot.logs`) and the CLI's
last-resort error line, with tokens in messages, arguments, tracebacks and library loggers."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logs
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
TG_TOKEN = "7654321:AAH-secret-telegram-token-value-xyz0123"
SLACK_TOKEN = "xoxb-1111-2222-secretslacktoken"
SIGNING = "signing-secret-value-42"
RESPONSE_URL = "https://hooks.slack.com/commands/T0001/12345/abcdefSECRET"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Configure logging for the process and capture what the handler writes."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, sys.excepthook, threading.excepthook)
    handler = logs.configure(logging.DEBUG, "text", [SIGNING])
    buffer = io.StringIO()
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    root.handlers[:], root.level = saved[0], saved[1]
    sys.excepthook, threading.excepthook = saved[2], saved[3]


def leaks(text: str) -> list[str]:
    return [s for s in (TG_TOKEN, SLACK_TOKEN, SIGNING, RESPONSE_URL, "abcdefSECRET") if s in text]


def test_secrets_are_cut_from_messages_arguments_and_tracebacks(output: io.StringIO) -> None:
    log = logging.getLogger("some.library.we.never.listed")
    log.info("GET https://api.telegram.org/bot%s/getMe", TG_TOKEN)
    log.warning("auth failed for token " + SLACK_TOKEN)
    log.info("signature checked with %s", SIGNING)
    log.info('body={"response_url": "%s", "text": "x"}', RESPONSE_URL)
    try:
        raise RuntimeError(f"The token `{TG_TOKEN}` was rejected by the server.")
    except RuntimeError:
        log.exception("start failed")
    text = output.getvalue()
    assert leaks(text) == [], text
    assert text.count(logs.MASK) >= 5
    assert "RuntimeError" in text  # the traceback is still there, only cut


def test_json_format_is_one_object_per_line_with_the_traceback_inside(
    output: io.StringIO,
) -> None:
    handler = logs.configure(logging.INFO, "json")
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(output)
    try:
        raise ValueError(f"bad {SLACK_TOKEN}")
    except ValueError:
        logging.getLogger("x").exception("failed with %s", TG_TOKEN)
    lines = output.getvalue().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["level"] == "ERROR" and event["logger"] == "x"
    assert "ValueError" in event["exception"]
    assert leaks(lines[0]) == []


def test_uncaught_exceptions_in_threads_are_logged_redacted(output: io.StringIO) -> None:
    def boom() -> None:
        raise RuntimeError(TG_TOKEN)

    t = threading.Thread(target=boom)
    t.start()
    t.join()
    text = output.getvalue()
    assert "uncaught exception in thread" in text and leaks(text) == []


def test_configured_secrets_of_any_shape_are_cut() -> None:
    settings = Settings.load(
        {"telegram_token": "plain-looking-secret", "slack_signing_secret": SIGNING}, environ={}
    )
    redact = logs.Redactor(logs.secrets_of(settings))
    assert redact("x plain-looking-secret y " + SIGNING) == f"x {logs.MASK} y {logs.MASK}"
    assert redact("짧은 글") == "짧은 글"  # nothing configured is too short to matter


def test_cli_prints_one_redacted_line_for_an_unexpected_error(tmp_path: Path) -> None:
    """A bug inside a command: one line, exit 1, no traceback, no token (here the token is
    in the environment and in the exception's text)."""
    script = (
        "import sys, bot.cli as c\n"
        "def boom(args):\n"
        f"    raise RuntimeError('token {TG_TOKEN} rejected')\n"
        "c._console = boom\n"
        "sys.exit(c.main(['--db', sys.argv[1]]))\n"
    )
    env = {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "db.json")],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "예상하지 못한 오류" in done.stderr
    assert leaks(done.stdout + done.stderr) == []


@pytest.mark.parametrize(
    "body",
    [
        f"payload=%7B%22response_url%22%3A%22{RESPONSE_URL.replace(':', '%3A').replace('/', '%2F')}%22%7D",
        '{\\"response_url\\": \\"' + RESPONSE_URL + '\\"}',
        f"response_url={RESPONSE_URL}&text=x",
    ],
)
def test_response_urls_are_cut_in_every_encoding(body: str) -> None:
    cut = logs.REDACT(body)
    assert "abcdefSECRET" not in cut and "12345" not in cut, cut
