"""Logging for the whole process: one line per event, text or JSON, and no secret ever.

Why a filter on the *handler*: a filter on a logger sees only records logged to that very
logger, so a token in a record of a library logger we did not list (an asyncio "Task
exception was never retrieved", a warning, a child logger created later) would pass. Every
record that reaches our output goes through the root handler, so that is where secrets are
cut: from the message, its arguments and the formatted traceback alike.

What counts as a secret: every configured token and secret (`secrets_of(settings)`), plus
anything shaped like one (a Telegram bot token, Slack `xox?-`/`xapp-` tokens, a Slack
`response_url`, which lets anyone holding it post into the channel), so a token that was
never configured (a test's, a typo's) is cut as well.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from dataclasses import fields
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

MASK = "<redacted>"
MIN_SECRET = 6  # shorter configured values are not secrets worth hiding (and would cut words)

# Shapes of secrets, whether configured or not.
PATTERNS = (
    re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{30,}"),  # Telegram bot token (after "/bot" too)
    re.compile(r"\bx(?:ox[abeprs]|app)-[A-Za-z0-9-]{6,}"),  # Slack tokens
    re.compile(r"https?://[^\s\"'<>]*/(?:commands|actions|services)/T[A-Z0-9]+/[^\s\"'<>]+"),
    # response_url=… in any syntax: form fields, JSON, escaped JSON, percent-encoded JSON
    re.compile(r"(?i)(response_url(?:[\"'=:\s\\]|%22|%3A|%3D|%20)+)[^\s\"'&,}\\]+"),
)

# Libraries that log every request URL (with a bot token in it) at INFO.
CHATTY = {"httpx": logging.WARNING, "httpcore": logging.WARNING}


class Redactor:
    """Cuts known secrets and secret-shaped strings out of text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: tuple[str, ...] = ()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        found = {s for s in secrets if s and len(s) >= MIN_SECRET}
        # Longest first, so a secret containing another is cut whole.
        self.secrets = tuple(sorted(found | set(self.secrets), key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern in PATTERNS:
            text = pattern.sub(_mask, text)
        return text


def _mask(match: re.Match[str]) -> str:
    """Keep a `response_url=` label, cut what follows it; cut anything else whole."""
    return (match.group(1) + MASK) if match.groups() else MASK


REDACT = Redactor()  # the process's one redactor; `configure` adds the configured secrets


def secrets_of(settings: Settings) -> list[str]:
    """Every secret a Settings carries: the fields kept out of its repr (tokens, secrets,
    passwords), so a secret setting added later is cut without anyone remembering to."""
    return [str(getattr(settings, f.name) or "") for f in fields(settings) if not f.repr]


class RedactingFilter(logging.Filter):
    """Renders the record's message and traceback once, redacted, and keeps only that."""

    def __init__(self, redact: Redactor = REDACT) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in a library: keep the raw template
            message = str(record.msg)
        record.msg, record.args = self.redact(message), None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = self.redact(text), None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            event["exception"] = record.exc_text
        return json.dumps(event, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(
    level: int = logging.WARNING, fmt: str = "text", secrets: Iterable[str] = ()
) -> logging.Handler:
    """Route every log record (ours, libraries', warnings, uncaught exceptions in threads)
    through one redacting handler on stderr. Safe to call again: it replaces its handler."""
    REDACT.add(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "agendabot", False)]:
        root.removeHandler(old)
    handler.agendabot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name, floor in CHATTY.items():
        logging.getLogger(name).setLevel(max(floor, level))
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_exception
    return handler


def protect(secrets: Iterable[str]) -> None:
    """Add secrets learnt after `configure` (an adapter's token loaded from its own file)."""
    REDACT.add(secrets)


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    logging.getLogger("agendabot").critical("uncaught exception", exc_info=(kind, value, tb))


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    logging.getLogger("agendabot").error(
        "uncaught exception in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
