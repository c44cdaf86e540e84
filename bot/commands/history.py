"""/history and /undo: what was changed, by whom, when; and taking one's last change back."""

from __future__ import annotations

import re
from typing import Any

from bot.commands.base import Call, command
from bot.commands.editing import NAMES_KO, shown
from bot.errors import NotFound
from bot.model import AuditEntry
from bot.reply import Line, Reply, Section, shorten
from bot.words import parse_followup_id, parse_milestone_id

USAGE = "/history [회의번호 | 회의번호.안건번호 | F1 | M7]"
ACTIONS = {
    "meeting.add": "회의 추가", "meeting.edit": "회의 수정", "meeting.remove": "회의 삭제",
    "item.add": "안건 추가", "item.edit": "안건 수정", "item.remove": "안건 삭제",
    "milestone.add": "일정 추가", "milestone.edit": "일정 수정", "milestone.done": "일정 완료",
    "milestone.dropped": "일정 취소", "milestone.delayed": "일정 지연",
    "milestone.planned": "일정 예정으로", "followup.add": "후속조치 추가",
    "followup.edit": "후속조치 수정", "followup.remove": "후속조치 삭제",
    "admin.add": "관리자 추가", "admin.remove": "관리자 삭제", "undo": "되돌리기",
    "subscription.save": "구독", "subscription.remove": "구독 해지",
    "subscription.update": "구독 변경", "import.new": "가져오기", "import.updated": "다시 가져오기",
}  # fmt: skip
HIDDEN = frozenset({"terms", "history", "updated_at", "updated_by", "imported_at", "status_at"})
_MEETING = re.compile(r"\d{1,4}")
_ITEM = re.compile(r"\d{1,4}\.\d{1,3}")


def _target(call: Call) -> str | None:
    if not call.args:
        return None
    if len(call.args) > 1:
        raise call.usage_error("대상은 하나만 입력하세요.")
    word = call.args[0].strip()
    found = parse_followup_id(word) or parse_milestone_id(word)
    if found is None and (_MEETING.fullmatch(word) or _ITEM.fullmatch(word)):
        found = word
    if found is None:
        raise call.usage_error(f"대상을 알 수 없습니다: {word[:20]}")
    return found


@command(
    "history",
    usage=USAGE,
    summary="변경 기록: 누가, 언제, 무엇을 (관리자)",
    examples=("/history", "/history 1", "/history 1.3", "/history F1", "/history M7"),
    admin=True,
)
def history(call: Call) -> Reply:
    """변경 기록을 최근 것부터 보여 줍니다: 누가, 언제, 무엇을, 바뀌기 전 → 바뀐 뒤. 회의
    번호(1), 안건(1.3), 후속조치(F1), 일정(M7)을 붙이면 그 대상의 기록만 보여 줍니다."""
    call.require_admin()
    target = _target(call)
    entries = call.ctx.store.history(target)
    zone = call.ctx.settings.zone
    lines = tuple(
        Line(
            label=f"{e.at.astimezone(zone):%Y-%m-%d %H:%M} {e.by}",
            text=f"{ACTIONS.get(e.action, e.action)} {e.target}",
            detail=shorten(describe(e), 300),
        )
        for e in entries
    )
    title = f"변경 기록 {len(lines)}건" + (f" · {target}" if target else "")
    if not lines:
        return Reply(title=title)
    return Reply(title=title, sections=(Section(lines=lines),), footer="되돌리기: /undo")


def describe(e: AuditEntry) -> str:
    """What changed: `제목: 옛 → 새; 날짜: …`; an old entry's old → new as it is."""
    if e.before is not None and e.after is not None:
        return "; ".join(_diff(e.before, e.after)) or "변경 없음"
    if e.table:
        return "추가" if e.before is None else "삭제"
    if e.old is None and e.new is None:
        return ""
    return f"{_plain(e.old)} → {_plain(e.new)}"


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    out = []
    for name in dict.fromkeys([*before, *after]):
        if name in HIDDEN or before.get(name) == after.get(name):
            continue
        if name == "milestones":
            out += _milestone_diff(before.get(name) or [], after.get(name) or [])
            continue
        out.append(
            f"{NAMES_KO.get(name, name)}: {_plain(before.get(name))} → {_plain(after.get(name))}"
        )
    return out


def _milestone_diff(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    old = {m.get("id") or m["text"]: m for m in before}
    new = {m.get("id") or m["text"]: m for m in after}
    out = []
    for key in dict.fromkeys([*old, *new]):
        if key not in old:
            out.append(f"일정 {key} 추가")
        elif key not in new:
            out.append(f"일정 {key} 삭제")
        elif old[key] != new[key]:
            out.append(f"일정 {key} " + ", ".join(_diff(old[key], new[key])))
    return out


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return shorten(str(value.get("title") or value.get("text") or value), 60)
    return shorten(shown(value), 60)


@command(
    "undo",
    usage="/undo",
    summary="내 마지막 변경 되돌리기 (관리자, 하루 이내)",
    examples=("/undo",),
    admin=True,
    writes=True,
)
def undo(call: Call) -> Reply:
    """내가 마지막으로 한 변경(한 명령이 바꾼 것 전체)을 되돌립니다. 하루가 지난 변경이나, 그 뒤에
    누군가 같은 대상을 다시 바꾼 변경은 되돌릴 수 없습니다. 되돌리기도 기록됩니다."""
    call.require_admin()
    call.no_arguments()
    try:
        done = call.ctx.store.undo(call.by, now=call.ctx.now())
    except NotFound as e:  # nothing to undo is an answer, not a mistake
        return Reply(title=e.message)
    lines = tuple(Line(label=e.target, text=describe(e)) for e in done)
    return Reply(
        title=f"되돌렸습니다: {len(done)}건",
        sections=(Section(lines=lines),),
        footer="기록: /history",
    )
