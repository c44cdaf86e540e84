"""Configuration: arguments > environment > TOML file, validated once, secrets kept out of repr."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bot.cli import _parser
from bot.config import ENV, HELP, Settings
from bot.errors import UsageError


def test_precedence_arguments_environment_file(tmp_path: Path) -> None:
    toml = tmp_path / "agendabot.toml"
    toml.write_text(
        'tz = "Europe/Berlin"\nhttp_port = 4000\ntelegram_admins = ["1", "2"]\n', encoding="utf-8"
    )
    env = {"AGENDABOT_CONFIG": str(toml), "AGENDABOT_HTTP_PORT": "5000"}
    s = Settings.load({"http_port": 6000}, environ=env)
    assert (s.tz, s.http_port, s.telegram_admins) == ("Europe/Berlin", 6000, frozenset({"1", "2"}))
    assert Settings.load(environ=env).http_port == 5000
    assert Settings.load(environ={}).http_port == 3000


def test_defaults() -> None:
    s = Settings.load(environ={})
    assert s.tz == "Asia/Seoul" and s.http_host == "127.0.0.1" and s.now is None
    assert "agendabot" in str(s.db_path) and "site-packages" not in str(s.db_path)


def test_pinned_clock_and_admin_lists() -> None:
    s = Settings.load(environ={"AGENDABOT_NOW": "2026-11-30T09:00", "SLACK_ADMINS": "U1, U2,,"})
    assert s.clock() == dt.datetime(2026, 11, 30, 9, tzinfo=s.zone)
    assert s.today() == dt.date(2026, 11, 30)
    assert s.admins("slack") == {"U1", "U2"} and s.admins("telegram") == frozenset()


def test_secrets_never_in_repr() -> None:
    s = Settings.load(
        environ={
            "TELEGRAM_BOT_TOKEN": "123:secret-telegram",
            "SLACK_BOT_TOKEN": "xoxb-secret",
            "SLACK_APP_TOKEN": "xapp-secret",
            "SLACK_SIGNING_SECRET": "signing-secret",
            "AGENDABOT_TELEGRAM_WEBHOOK_SECRET": "hook-secret",
        }
    )
    text = repr(s)
    assert "secret" not in text and s.telegram_token == "123:secret-telegram"


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"AGENDABOT_TZ": "Mars/Olympus"}, "시간대"),
        ({"AGENDABOT_HTTP_PORT": "70000"}, "포트"),
        ({"AGENDABOT_HTTP_PORT": "abc"}, "포트"),
        ({"AGENDABOT_NOW": "next tuesday"}, "시각"),
        ({"AGENDABOT_CONFIG": "/nonexistent/agendabot.toml"}, "설정 파일"),
    ],
)
def test_invalid_values_are_one_clear_line(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(UsageError) as e:
        Settings.load(environ=env)
    assert fragment in e.value.line() and "\n" not in e.value.line()


def test_run_help_lists_every_setting_with_its_variable() -> None:
    """`agendabot run --help` is the operator's list: no setting may be missing from it."""
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = sub.choices["run"].format_help()
    for f in dataclasses.fields(Settings):
        assert f.name in ENV and f.name in HELP, f.name
        assert ENV[f.name] in text, f.name
