"""`agendabot doctor`'s Slack checks, with slack_sdk as the bot itself uses it: the bot token
(auth.test), the scopes it was granted (Slack sends them in the `x-oauth-scopes` header)
against those the app needs, and how the bot receives requests (the app token for Socket
Mode, checked with apps.connections.open, or the signing secret for HTTP mode).

apps.connections.open hands out a one-time WebSocket URL; the doctor never connects to it,
and Slack forgets it unused. No check prints or returns a token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.adapters.slack.client import TOKEN_ERRORS, api_url
from bot.adapters.slack.log_filter import protect_logs
from bot.config import Settings
from bot.doctor import Checkup, Result, fail, ok, skip, warn

# The bot scopes of slack-app-manifest.yml (a test keeps them equal): the manifest is not in
# an installed wheel or the container image, where the doctor matters most.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "app_mentions:read",
    "im:history",
    "im:read",
    "im:write",
    "files:read",
    "files:write",
)
_MEMBER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
REINSTALL = "앱 설정(api.slack.com/apps)에서 앱을 워크스페이스에 다시 설치하고"


@dataclass(frozen=True)
class Auth:
    """What auth.test said of the bot token."""

    error: str = ""  # Slack's error code, or the network error's name; "" when accepted
    team: str = ""
    user: str = ""
    user_id: str = ""
    scopes: frozenset[str] | None = None  # None: Slack did not say

    @property
    def accepted(self) -> bool:
        return not self.error


def _client(settings: Settings, token: str, timeout: float) -> WebClient:
    kwargs: dict[str, Any] = {"token": token, "timeout": max(1, round(timeout))}
    base = api_url(settings)
    if base:
        kwargs["base_url"] = base
    return WebClient(**kwargs)


def _host(settings: Settings) -> str:
    return urlsplit(api_url(settings) or "https://slack.com/api/").netloc


def auth_test(settings: Settings, timeout: float) -> Auth:
    """auth.test with the bot token (once per checkup: `Checkup.once`)."""
    protect_logs([settings.slack_bot_token, settings.slack_app_token])
    try:
        response = _client(settings, settings.slack_bot_token, timeout).auth_test()
    except SlackApiError as e:
        return Auth(error=str(e.response.get("error") or e.response.status_code))
    except (SlackClientError, OSError) as e:
        return Auth(error=type(e).__name__)
    header = next(
        (str(v) for k, v in (response.headers or {}).items() if k.lower() == "x-oauth-scopes"),
        None,
    )
    scopes = None if header is None else frozenset(s.strip() for s in header.split(",") if s)
    return Auth(
        team=str(response.get("team") or ""),
        user=str(response.get("user") or ""),
        user_id=str(response.get("user_id") or ""),
        scopes=scopes,
    )


def _auth(checkup: Checkup) -> Auth:
    return checkup.once("slack.auth", lambda: auth_test(checkup.settings, checkup.timeout))


def check_bot_token(checkup: Checkup) -> Result:
    settings = checkup.settings
    token = settings.slack_bot_token
    if not token:
        return skip("설정 안 됨 (SLACK_BOT_TOKEN)")
    if not token.startswith("xoxb-"):
        return fail(
            "봇 토큰(xoxb-…)이 아닙니다",
            "앱 설정의 OAuth & Permissions 에서 Bot User OAuth Token 을 SLACK_BOT_TOKEN 에 넣으세요"
            " (xoxp- 는 사용자 토큰, xapp- 는 SLACK_APP_TOKEN 에 넣는 앱 토큰입니다)",
        )
    auth = _auth(checkup)
    if auth.accepted:
        return ok(f"{auth.team} 워크스페이스의 @{auth.user} ({auth.user_id})")
    if auth.error in TOKEN_ERRORS:
        return fail(
            f"Slack 이 토큰을 거부했습니다 ({auth.error})",
            f"{REINSTALL} 새 Bot User OAuth Token 을 SLACK_BOT_TOKEN 에 넣으세요",
        )
    return _unreachable(settings, auth.error)


def _unreachable(settings: Settings, error: str) -> Result:
    return fail(
        f"{_host(settings)} 에서 답을 받지 못했습니다 ({error})",
        "네트워크(프록시, 방화벽)와 SLACK_API_URL 을 확인하세요",
    )


def check_scopes(checkup: Checkup) -> Result:
    if not checkup.settings.slack_bot_token.startswith("xoxb-"):
        return skip("봇 토큰이 없어 건너뜁니다")
    auth = _auth(checkup)
    if not auth.accepted:
        return skip("토큰 확인에 실패해 건너뜁니다")
    if auth.scopes is None:
        return warn("Slack 이 권한 목록(x-oauth-scopes)을 보내지 않아 확인하지 못했습니다")
    missing = [s for s in BOT_SCOPES if s not in auth.scopes]
    if missing:
        return fail(
            f"빠진 권한: {', '.join(missing)}",
            "slack-app-manifest.yml 의 권한을 앱 설정 OAuth & Permissions 에 추가하고"
            " 앱을 워크스페이스에 다시 설치하세요",
        )
    return ok(f"필요한 권한 {len(BOT_SCOPES)}개 모두 있음")


def check_receiving(checkup: Checkup) -> Result:
    """Socket Mode's app token (apps.connections.open), or HTTP mode's signing secret."""
    settings = checkup.settings
    if not settings.slack_bot_token:
        return skip("Slack 을 쓰지 않습니다")
    if settings.slack_app_token:
        return _socket_mode(checkup)
    if not settings.slack_signing_secret:
        return fail(
            "요청을 받을 방법이 없습니다",
            "Socket Mode 는 SLACK_APP_TOKEN(xapp-…), HTTP 모드는 SLACK_SIGNING_SECRET 을 설정하세요",
        )
    return ok(
        f"HTTP 모드: {settings.http_host}:{settings.http_port}/slack/events "
        "(앱 설정의 Request URL 이 이 주소로 전달되는지 확인하세요)"
    )


def _socket_mode(checkup: Checkup) -> Result:
    settings = checkup.settings
    token = settings.slack_app_token
    if not token.startswith("xapp-"):
        return fail(
            "앱 토큰(xapp-…)이 아닙니다",
            "Basic Information → App-Level Tokens 에서 connections:write 토큰을 만들어"
            " SLACK_APP_TOKEN 에 넣으세요",
        )
    try:
        _client(settings, token, checkup.timeout).apps_connections_open(app_token=token)
    except SlackApiError as e:
        code = str(e.response.get("error") or e.response.status_code)
        return fail(
            f"Slack 이 앱 토큰을 거부했습니다 ({code})",
            "App-Level Token 에 connections:write 권한이 있는지, Socket Mode 가 켜져 있는지"
            " 확인하세요",
        )
    except (SlackClientError, OSError) as e:
        return _unreachable(settings, type(e).__name__)
    return ok("Socket Mode: 앱 토큰으로 연결할 수 있습니다")


def check_admins(checkup: Checkup) -> Result:
    settings = checkup.settings
    admins = sorted(settings.slack_admins)
    if not admins:
        if not settings.slack_bot_token:
            return skip("Slack 을 쓰지 않습니다")
        return warn(
            "관리자가 없습니다", "각자 /whoami 로 멤버 ID 를 확인해 SLACK_ADMINS 에 넣으세요"
        )
    bad = [a for a in admins if not _MEMBER_ID.fullmatch(a)]
    if bad:
        shown = ", ".join(a[:20] for a in bad[:5])
        return fail(
            f"멤버 ID 가 아닌 값: {shown}",
            "SLACK_ADMINS 에는 U… 또는 W… 로 시작하는 멤버 ID 를 쉼표로 구분해 넣으세요 (/whoami)",
        )
    return ok(f"{len(admins)}명")
