"""Configuration in one place: explicit arguments, then environment variables, then an
optional TOML file (`AGENDABOT_CONFIG`), validated once into a frozen Settings.

Secrets (tokens, signing secret) are kept out of `repr`, so logging a Settings never leaks them.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from bot.errors import UsageError

# Environment variable for each setting (the TOML file uses the field names).
ENV = {
    "db_path": "AGENDABOT_DB",
    "tz": "AGENDABOT_TZ",
    "now": "AGENDABOT_NOW",
    "telegram_token": "TELEGRAM_BOT_TOKEN",
    "telegram_base_url": "TELEGRAM_BASE_URL",
    "telegram_admins": "TELEGRAM_ADMINS",
    "telegram_webhook_url": "AGENDABOT_TELEGRAM_WEBHOOK_URL",
    "telegram_webhook_secret": "AGENDABOT_TELEGRAM_WEBHOOK_SECRET",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_api_url": "SLACK_API_URL",
    "slack_admins": "SLACK_ADMINS",
    "http_host": "AGENDABOT_HTTP_HOST",
    "http_port": "AGENDABOT_HTTP_PORT",
    "log_format": "AGENDABOT_LOG_FORMAT",
    "backup_days": "AGENDABOT_BACKUP_DAYS",
    "web": "AGENDABOT_WEB",
    "web_token": "AGENDABOT_WEB_TOKEN",
    "web_user": "AGENDABOT_WEB_USER",
    "web_password": "AGENDABOT_WEB_PASSWORD",
    "public_url": "AGENDABOT_PUBLIC_URL",
    "briefing_key": "AGENDABOT_BRIEFING_KEY",
    "briefing_url": "AGENDABOT_BRIEFING_URL",
    "watch_interval": "AGENDABOT_WATCH_INTERVAL",
    "watch_auto": "AGENDABOT_WATCH_AUTO",
    "admin_chat": "AGENDABOT_ADMIN_CHAT",
}


LOG_FORMATS = ("text", "json")

# What each setting is for (`agendabot run --help` lists them with their variables).
HELP = {
    "db_path": "database file (default: the user data directory)",
    "tz": "time zone of dates and digests (default Asia/Seoul)",
    "now": "pin the clock, ISO 8601 (tests, demos)",
    "telegram_token": "Telegram bot token from @BotFather (enables Telegram)",
    "telegram_base_url": "Bot API server (default https://api.telegram.org)",
    "telegram_admins": "Telegram user ids allowed to edit, comma-separated",
    "telegram_webhook_url": "public HTTPS URL for a webhook (default: long polling)",
    "telegram_webhook_secret": "secret token Telegram sends with webhook calls",
    "slack_bot_token": "Slack bot token xoxb-… (enables Slack)",
    "slack_app_token": "Slack app token xapp-… (Socket Mode; default: HTTP mode)",
    "slack_signing_secret": "Slack signing secret (HTTP mode)",
    "slack_api_url": "Slack Web API base URL (default https://slack.com/api/)",
    "slack_admins": "Slack user ids allowed to edit, comma-separated",
    "http_host": "address of the HTTP server: webhooks, /healthz, /metrics (default 127.0.0.1)",
    "http_port": "its port (default 3000)",
    "log_format": "text (default) or json: one JSON object per line",
    "backup_days": "days of automatic daily backups to keep (default 7)",
    "web": "on: serve the read-only dashboard and calendar feeds (default off)",
    "web_token": "secret token in every dashboard/feed URL (/w/TOKEN/…)",
    "web_user": "HTTP basic auth user for the dashboard (with AGENDABOT_WEB_PASSWORD)",
    "web_password": "HTTP basic auth password",
    "public_url": "public base URL of the HTTP server, for links in chat and calendars",
    "briefing_key": "data.go.kr service key of the 정책브리핑 press-release API (enables the watcher)",
    "briefing_url": "that API's press-release list URL (default: data.go.kr's)",
    "watch_interval": "minutes between the watcher's passes inside agendabot run (default 30)",
    "watch_auto": "on: store new meeting releases at once, telling the admin chat (default off)",
    "admin_chat": "where the watcher posts previews, telegram:ID or slack:CHANNEL",
}

BRIEFING_URL = "https://apis.data.go.kr/1371000/pressReleaseService/pressReleaseList"


def settings_help() -> str:
    """Every setting with its environment variable, for `--help`."""
    lines = ["settings (environment variable, or the same name in the AGENDABOT_CONFIG file):"]
    lines += [f"  {var:<34} {HELP.get(name, name)}" for name, var in ENV.items()]
    lines.append(f"  {'AGENDABOT_CONFIG':<34} optional TOML file with any of the above")
    return "\n".join(lines)


def default_db_path() -> Path:
    """The user data directory: never inside the installed package."""
    return Path(platformdirs.user_data_dir("agendabot")) / "agendabot.json"


def _ids(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(str(v).strip() for v in value or () if str(v).strip())


@dataclass(frozen=True)
class Settings:
    """Everything configurable, validated."""

    db_path: Path = field(default_factory=default_db_path)
    tz: str = "Asia/Seoul"
    now: dt.datetime | None = None
    telegram_token: str = field(default="", repr=False)
    telegram_base_url: str = ""
    telegram_admins: frozenset[str] = frozenset()
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = field(default="", repr=False)
    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_api_url: str = ""
    slack_admins: frozenset[str] = frozenset()
    http_host: str = "127.0.0.1"
    http_port: int = 3000
    log_format: str = "text"  # "json": one JSON object per log line
    backup_days: int = 7  # daily backups kept (`bot.backup.daily`); 0: none are made
    web: bool = False  # the dashboard and calendar feeds (AGENDABOT_WEB=on)
    web_token: str = field(default="", repr=False)  # secret path segment of every web URL
    web_user: str = ""  # HTTP basic auth instead of (or besides) the token
    web_password: str = field(default="", repr=False)
    public_url: str = ""  # how users reach the HTTP server (https://bot.example.org), for links
    briefing_key: str = field(default="", repr=False)  # data.go.kr key: in every watcher URL
    briefing_url: str = BRIEFING_URL
    watch_interval: int = 30  # minutes between watcher passes in `agendabot run`
    watch_auto: bool = False  # store watched meetings without asking an admin
    admin_chat: str = ""  # telegram:ID or slack:CHANNEL: the watcher's previews go there

    @classmethod
    def load(
        cls,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        toml_path: Path | None = None,
    ) -> Settings:
        """Build settings: `overrides` > environment > TOML file > defaults.

        Raises:
            UsageError: a value is invalid (unknown time zone, bad port, bad AGENDABOT_NOW).
        """
        environ = os.environ if environ is None else environ
        raw: dict[str, Any] = {}
        toml_path = toml_path or (
            Path(environ["AGENDABOT_CONFIG"]) if environ.get("AGENDABOT_CONFIG") else None
        )
        if toml_path:
            try:
                raw.update(tomllib.loads(toml_path.read_text(encoding="utf-8")))
            except (OSError, tomllib.TOMLDecodeError) as e:
                raise UsageError(f"설정 파일을 읽을 수 없습니다: {toml_path} ({e})") from None
        raw.update({name: environ[var] for name, var in ENV.items() if environ.get(var)})
        raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
        known = {f.name for f in fields(cls)}
        return cls(**_validate({k: v for k, v in raw.items() if k in known}))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def clock(self) -> dt.datetime:
        """Now, in the configured zone; pinned when AGENDABOT_NOW is set.

        The program's clock: the rest of bot/ and digests/ asks the settings or is handed a
        date, so AGENDABOT_NOW pins everything (`tests/test_clock.py` holds that rule).
        """
        return self.now if self.now is not None else dt.datetime.now(self.zone)

    def today(self) -> dt.date:
        """The date the clock shows in the configured zone (a pinned moment may carry another
        offset)."""
        return self.clock().astimezone(self.zone).date()

    def admins(self, platform: str) -> frozenset[str]:
        return {"telegram": self.telegram_admins, "slack": self.slack_admins}.get(
            platform, frozenset()
        )


def configured_today() -> dt.date:
    """Today by the configured clock (environment and `AGENDABOT_CONFIG`), for a caller that
    was handed no date and has no Settings of its own."""
    return Settings.load().today()


def _validate(raw: dict[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    if "db_path" in out:
        out["db_path"] = Path(out["db_path"]).expanduser()
    tz = str(out.get("tz", "Asia/Seoul"))
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"알 수 없는 시간대입니다: {tz} (예: Asia/Seoul)") from None
    out["tz"] = tz
    if out.get("now"):
        out["now"] = parse_now(str(out["now"]), zone)
    for key in ("telegram_admins", "slack_admins"):
        if key in out:
            out[key] = _ids(out[key])
    if out.get("log_format", "text") not in LOG_FORMATS:
        raise UsageError(f"로그 형식은 text 또는 json 입니다: {out['log_format']}")
    if "web" in out:
        out["web"] = _switch(out["web"])
    _validate_watch(out)
    if "backup_days" in out:
        out["backup_days"] = _backup_days(out["backup_days"])
    if "http_port" in out:
        try:
            port = int(out["http_port"])
        except ValueError:
            port = -1
        if not 0 <= port <= 65535:
            raise UsageError(f"포트 번호가 올바르지 않습니다: {out['http_port']}")
        out["http_port"] = port
    return out


def _switch(value: Any) -> bool:
    """on/off, true/false, 1/0, yes/no (a TOML boolean too)."""
    text = str(value).strip().lower()
    if text in ("on", "true", "1", "yes"):
        return True
    if text in ("off", "false", "0", "no", ""):
        return False
    raise UsageError(f"on 또는 off 로 설정하세요: {value}")


def _backup_days(value: Any) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = -1
    if isinstance(value, bool) or days < 0:
        raise UsageError(f"백업 보관 일수는 0 이상의 정수입니다: {value}")
    return days


def _validate_watch(out: dict[str, Any]) -> None:
    """The watcher's settings (bot/watch/): a switch and a positive number of minutes."""
    if "watch_auto" in out:
        out["watch_auto"] = _switch(out["watch_auto"])
    if "watch_interval" in out:
        out["watch_interval"] = _minutes(out["watch_interval"])


def _minutes(value: Any) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = 0
    if isinstance(value, bool) or minutes < 1:
        raise UsageError(f"감시 주기는 1 이상의 분 단위 정수입니다: {value}")
    return minutes


def parse_now(value: str, zone: ZoneInfo) -> dt.datetime:
    """An ISO 8601 moment; a naive one is taken in the configured zone."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"시각 형식이 올바르지 않습니다: {value} (예: 2026-11-30T09:00+09:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
