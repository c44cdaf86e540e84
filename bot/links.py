"""Where the web dashboard and the calendar feeds are, as users reach them.

Every web URL is `{base}{prefix}{path}`: `base` is AGENDABOT_PUBLIC_URL (what a reverse proxy
exposes), else the server's own address; `prefix` is `/w/{AGENDABOT_WEB_TOKEN}` when a token
guards the pages (a calendar app cannot send a password, so the token lives in the URL), else
empty (basic auth). One function builds them, so chat answers, feeds and pages agree.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.config import Settings

WEB_ROOT = "/w"


def prefix(settings: Settings) -> str:
    """The path every web route lives under."""
    return f"{WEB_ROOT}/{quote(settings.web_token, safe='')}" if settings.web_token else WEB_ROOT


def web_url(settings: Settings, path: str = "/") -> str | None:
    """The absolute URL of a dashboard page or feed; None when the web is off."""
    if not settings.web:
        return None
    base = settings.public_url.rstrip("/") or f"http://{settings.http_host}:{settings.http_port}"
    return base + prefix(settings) + "/" + path.lstrip("/")
