"""/admin add|remove|list: owners (admins from the environment) manage admins in chat."""

from __future__ import annotations

import re

from bot.commands.base import Call, command
from bot.errors import Forbidden
from bot.reply import Line, Reply, Section, kdate
from bot.words import with_particle

USAGE = "/admin [list] | /admin add 사용자ID | /admin remove 사용자ID"
_USER = re.compile(r"(?:([a-z]+):)?([A-Za-z0-9_.\-]{1,64})")


def is_owner(call: Call) -> bool:
    req = call.req
    return (
        call.ctx.trusted
        or req.platform == "console"
        or (req.user_id in call.ctx.settings.admins(req.platform))
    )


@command(
    "admin",
    usage=USAGE,
    summary="관리자 추가·삭제·목록 (소유자)",
    examples=("/admin list", "/admin add 123456789", "/admin remove slack:U0123ABCD"),
    admin=True,
    writes=lambda args: bool(args) and args[0] in ("add", "remove"),
)
def admin(call: Call) -> Reply:
    """환경 설정(TELEGRAM_ADMINS, SLACK_ADMINS)의 관리자는 소유자입니다. 소유자는 채팅에서
    관리자를 추가·삭제할 수 있고(재시작 불필요, 기록됨), 관리자는 목록을 볼 수 있습니다. 사용자
    ID는 /whoami 로 확인하며, 다른 플랫폼의 사용자는 `slack:U0123` 처럼 씁니다."""
    call.require_admin()
    args = call.args or ["list"]
    if args[0] not in ("add", "remove", "list"):
        raise call.usage_error("add, remove, list 중 하나를 입력하세요.")
    if args[0] == "list":
        if len(args) > 1:
            raise call.usage_error("list 에는 인자가 없습니다.")
        return _list(call)
    if not is_owner(call):
        raise Forbidden("관리자 추가·삭제는 소유자(환경 설정의 관리자)만 할 수 있습니다.", USAGE)
    if len(args) != 2:
        raise call.usage_error("사용자 ID를 하나 입력하세요.")
    platform, user = _user(call, args[1])
    store = call.ctx.store
    if args[0] == "add":
        added = store.add_admin(platform, user, by=call.by)
        return Reply(
            title=f"{with_particle(added.key, '을/를')} 관리자로 추가했습니다.",
            footer="되돌리기: /undo",
        )
    removed = store.remove_admin(platform, user, by=call.by)
    return Reply(
        title=f"{with_particle(removed.key, '을/를')} 관리자에서 뺐습니다.",
        footer="되돌리기: /undo",
    )


def _user(call: Call, word: str) -> tuple[str, str]:
    m = _USER.fullmatch(word.strip())
    if m is None:
        raise call.usage_error(f"사용자 ID를 알 수 없습니다: {word[:30]}")
    platform = m[1] or call.req.platform
    if platform not in ("telegram", "slack"):
        raise call.usage_error("플랫폼을 붙여 telegram:123 또는 slack:U0123 처럼 입력하세요.")
    return platform, m[2]


def _list(call: Call) -> Reply:
    settings = call.ctx.settings
    owners = [
        Line(label="소유자", text=f"{p}:{u}")
        for p in ("telegram", "slack")
        for u in sorted(settings.admins(p))
    ]
    added = [
        Line(
            label="관리자",
            text=a.key,
            detail=f"{a.added_by} 추가" + (f" · {kdate(a.added_at.date())}" if a.added_at else ""),
        )
        for a in call.ctx.store.admins()
    ]
    return Reply(
        title=f"소유자 {len(owners)}명 · 관리자 {len(added)}명",
        sections=(Section(lines=tuple(owners + added)),),
    )
