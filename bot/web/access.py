"""Who may see the dashboard: a secret token in the path, HTTP basic auth, or both.

The web is off unless AGENDABOT_WEB=on, and on only with a guard configured: a dashboard that
opens to anyone who finds the port is the mistake this module refuses to let happen. Every
comparison of a secret is constant-time (`hmac.compare_digest`), so response times say
nothing about how much of a guess was right; a wrong token is the same 404 as a path that does
not exist, so the answer says nothing about whether a token is in use.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re

from bot.config import Settings
from bot.errors import UsageError

REALM = "agendabot"
MIN_TOKEN = 16
# Characters that need no escaping in a URL path: the token appears verbatim in every link.
_TOKEN = re.compile(r"[A-Za-z0-9_\-.~]+")
_MAKE_TOKEN = 'python3 -c "import secrets; print(secrets.token_urlsafe(24))"'


def check(settings: Settings) -> None:
    """Refuse settings that would serve the dashboard unguarded or half guarded.

    Raises:
        UsageError: web is on with neither a token nor a user and password; a user without a
            password (or the reverse); a token too short to be a secret or unfit for a URL.
    """
    if not settings.web:
        return
    token, user, password = settings.web_token, settings.web_user, settings.web_password
    if bool(user) != bool(password):
        raise UsageError(
            "AGENDABOT_WEB_USER 와 AGENDABOT_WEB_PASSWORD 는 함께 설정해야 합니다 "
            "(하나만 있으면 웹 대시보드를 켜지 않습니다)."
        )
    if not token and not user:
        raise UsageError(
            "AGENDABOT_WEB=on 이지만 접근 제한이 없습니다. 실수로 누구에게나 열리지 않도록 "
            "AGENDABOT_WEB_TOKEN(주소에 들어가는 비밀 토큰) 또는 AGENDABOT_WEB_USER·"
            "AGENDABOT_WEB_PASSWORD(기본 인증)를 설정해야 웹 대시보드가 켜집니다."
        )
    if token and (len(token) < MIN_TOKEN or not _TOKEN.fullmatch(token)):
        raise UsageError(
            f"AGENDABOT_WEB_TOKEN 은 영문·숫자·_-.~ 로 된 {MIN_TOKEN}자 이상이어야 합니다 "
            f"(예: {_MAKE_TOKEN} 의 출력)."
        )


def same(given: str, expected: str) -> bool:
    """Constant-time equality of two strings (any characters: compared as UTF-8 bytes)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def token_ok(settings: Settings, given: str | None) -> bool:
    """Is `given` (the path's token segment, decoded) the configured token? True when no
    token is configured."""
    if not settings.web_token:
        return True
    return given is not None and same(given, settings.web_token)


def basic_ok(settings: Settings, header: str | None) -> bool:
    """Does the Authorization header carry the configured user and password? True when basic
    auth is not configured. Both parts are always compared, so a right user name with a wrong
    password takes as long as a wrong user name."""
    if not settings.web_user:
        return True
    user, password = _credentials(header)
    user_ok = same(user, settings.web_user)
    password_ok = same(password, settings.web_password)
    return user_ok and password_ok


def challenge() -> str:
    """The WWW-Authenticate value of a 401."""
    return f'Basic realm="{REALM}", charset="UTF-8"'


def _credentials(header: str | None) -> tuple[str, str]:
    """(user, password) from `Basic base64(user:password)`; empty strings when absent or
    malformed (which then fail the comparison like any wrong value)."""
    scheme, _, encoded = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else ("", "")
