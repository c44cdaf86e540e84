"""/milestone add|edit|done|drop|delay: an admin keeps a milestone's life cycle."""

from __future__ import annotations

from bot.commands.base import Call, command, parse_item_ref
from bot.commands.editing import (
    arguments,
    changed_lines,
    leading_date,
    read_changes,
    split_fields,
)
from bot.commands.meeting import usage_reply
from bot.model import Milestone
from bot.reply import Line, Reply, Section, kdate
from bot.store import MILESTONE_FIELDS
from bot.words import parse_milestone_id, with_particle

USAGE = (
    "/milestone add 회의번호.안건번호 날짜 설명 | /milestone edit ID date=… text=… | "
    "/milestone done|drop ID [메모] | /milestone delay ID 새날짜 [메모]"
)
STATUS = {"done": "done", "완료": "done", "drop": "dropped", "취소": "dropped"}
DELAY = ("delay", "지연")


def milestone_line(m: Milestone) -> str:
    """2027-03-31(수) (지연, 원래 2026-12-31(목)) — the date, and the life cycle when it has one."""
    if m.status == "delayed" and m.original_date is not None:
        return f"{kdate(m.date)} (지연, 원래 {kdate(m.original_date)})"
    if m.status in ("done", "dropped"):
        return f"{kdate(m.date)} ({m.status_ko})"
    return kdate(m.date)


@command(
    "milestone",
    usage=USAGE,
    summary="일정 추가·수정, 완료·취소·지연 표시 (관리자)",
    examples=(
        "/milestone add 1.3 2026-12-31 시범 운영 완료",
        "/milestone edit M7 date=2027-01-31",
        "/milestone done M7 완료 보고",
        "/milestone delay M7 2027-03-31 예산 지연",
        "/milestone drop M7",
    ),
    admin=True,
    writes=True,
)
def milestone(call: Call) -> Reply:
    """안건에 일정을 더하거나(add), 일정의 날짜(날짜=)·내용(내용=)을 고치거나(edit), 완료(done),
    취소(drop), 지연(delay, 새 날짜 필요)으로 표시합니다. 일정 ID(M1, M2…)는 /agenda 1.3 에서
    보입니다. 완료·취소된 일정은 /milestones overdue 와 주간 요약에서 빠지고, 지연된 일정은 새
    날짜와 원래 날짜를 함께 보여 줍니다. 모든 변경은 /undo 로 되돌릴 수 있습니다."""
    call.require_admin()
    args = arguments(call)
    if not args:
        return usage_reply(call)
    action, rest = args[0].lower(), args[1:]
    if action == "add":
        return _add(call, rest)
    mid = _id(call, rest)
    call.ctx.store.ensure_milestone_ids()
    if action == "edit":
        return _edit(call, mid, rest[1:])
    if action in DELAY:
        day, note = leading_date(call, rest[1:])
        m = call.ctx.store.set_milestone_status(
            mid, "delayed", by=call.by, note=" ".join(note), new_date=day
        )
        return _status_reply(m)
    if action in STATUS:
        status = STATUS[action]
        m = call.ctx.store.set_milestone_status(mid, status, by=call.by, note=" ".join(rest[1:]))
        return _status_reply(m)
    raise call.usage_error(f"알 수 없는 동작입니다: {action[:20]}")


def _id(call: Call, rest: list[str]) -> str:
    mid = parse_milestone_id(rest[0]) if rest else None
    if mid is None:
        raise call.usage_error("일정 ID를 M7 처럼 입력하세요 (/agenda 1.3 에서 보입니다).")
    return mid


def _add(call: Call, rest: list[str]) -> Reply:
    if not rest:
        raise call.usage_error("안건 번호, 날짜, 설명을 입력하세요.")
    ref = parse_item_ref(call.ctx, rest[0], USAGE)
    day, words = leading_date(call, rest[1:])
    if not words:
        raise call.usage_error("일정 설명을 입력하세요.")
    store = call.ctx.store
    store.ensure_milestone_ids()
    m = store.add_milestone(ref, day, " ".join(words), by=call.by)
    return Reply(
        title=f"{ref[0]}.{ref[1]} 안건에 일정 {with_particle(m.id, '을/를')} 추가했습니다.",
        sections=(Section(lines=(Line(label=kdate(m.date), text=m.text),)),),
        footer="되돌리기: /undo",
    )


def _edit(call: Call, mid: str, rest: list[str]) -> Reply:
    plain, pairs = split_fields(call, rest, MILESTONE_FIELDS)
    if plain:
        raise call.usage_error(f"값은 name=값 으로 입력하세요: {plain[0][:20]}")
    changes = read_changes(call, pairs)
    _, before = call.ctx.store.milestone(mid)
    after = call.ctx.store.edit_milestone(mid, changes, by=call.by)
    lines = changed_lines(before, after, changes)
    return Reply(
        title=f"일정 {with_particle(mid, '을/를')} 고쳤습니다." if lines else "바뀐 것이 없습니다.",
        sections=(Section(lines=lines),) if lines else (),
        footer="되돌리기: /undo",
    )


def _status_reply(m: Milestone) -> Reply:
    lines = [Line(label=milestone_line(m), text=m.text)]
    if m.note:
        lines.append(Line(label="메모", text=m.note))
    return Reply(
        title=f"일정 {m.id}: {m.status_ko}",
        sections=(Section(lines=tuple(lines)),),
        footer="되돌리기: /undo",
    )
