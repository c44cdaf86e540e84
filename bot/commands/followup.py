"""/followup: list open follow-ups; admins add, close, cancel and edit them (all audited)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

from bot import dates, ministries
from bot.commands.base import Call, command, parse_item_ref
from bot.errors import UsageError
from bot.model import STATUS_KO, FollowUp
from bot.reply import Line, Reply, Section, dday, kdate

USAGE = "/followup [list] [부처 | 안건번호]"
ADD = "/followup add 안건번호 마감일 담당부처 내용 (예: /followup add 3 2026-12-15 과기정통부 데이터 구축 점검)"
DONE = "/followup done ID [메모]"
CANCEL = "/followup cancel ID [메모]"
EDIT = "/followup edit ID 항목=값 (항목: text, due, owner, note, status)"
MAX_TEXT = 300
MAX_LIST = 300  # nobody pages through more in a chat; the title gives the total

FIELDS = {
    "text": "text", "내용": "text",
    "due": "due", "마감": "due",
    "owner": "owner", "담당": "owner",
    "note": "note", "메모": "note",
    "status": "status", "상태": "status",
}  # fmt: skip
STATUSES = {"open": "open", "진행": "open", "done": "done", "완료": "done",
            "cancelled": "cancelled", "cancel": "cancelled", "취소": "cancelled"}  # fmt: skip
_FIELD = re.compile(r"(?:^|\s)(" + "|".join(FIELDS) + r")=")


def _writes(args: list[str]) -> bool:
    """True for the sub-commands that change data (a page button must never repeat them)."""
    return bool(args) and args[0].lower() in _ACTIONS and _ACTIONS[args[0].lower()] is not _list


@command(
    "followup",
    usage=f"{USAGE} | add | done | cancel | edit",
    summary="후속조치 목록 (추가·완료·취소·수정은 관리자)",
    examples=(
        "/followup",
        "/followup 중기부",
        "/followup 1.3",
        "/followup add 3 2026-12-15 과기정통부 데이터 구축 점검",
        "/followup done F1 점검 완료",
        "/followup edit F1 due=2027-01-15",
        "/followup cancel F1",
    ),
    admin=True,
    writes=_writes,
)
def followup(call: Call) -> Reply:
    """진행 중인 후속조치를 마감일 순으로 보여 줍니다(부처나 안건으로 거를 수 있습니다).
    관리자는 add(추가), done(완료), cancel(취소), edit(수정)를 쓸 수 있고, 모든 변경은
    누가·언제·무엇을 바꿨는지 감사 기록에 남습니다. 마감일은 2026-12-15, 2026.12.15, 12/15,
    12월 15일, 12.15 처럼 입력합니다."""
    action = _ACTIONS.get(call.args[0].lower()) if call.args else None
    if action is None:
        return _list(call, call.args)
    return action(call, call.args[1:])


def _list(call: Call, args: list[str]) -> Reply:
    store, today = call.ctx.store, call.ctx.today()
    if len(args) > 1 and not all(not re.fullmatch(r"[\d.]+", a) for a in args):
        raise call.usage_error("부처나 안건번호는 하나만 입력하세요.", USAGE)
    what = " ".join(args)
    owners = None
    if not what:
        found, title = store.followups(limit=MAX_LIST), "진행 중인 후속조치"
    elif re.fullmatch(r"[\d.]+", what):
        meeting, number = parse_item_ref(call.ctx, what, USAGE)
        item = store.item(meeting, number)
        found = store.followups(item=(meeting, number), limit=MAX_LIST)
        title = f"[{item.ref}] {item.title} 후속조치"
    else:
        m = call.ministry(what, USAGE)
        owners = ministries.lineage(m.name)
        found = store.followups(owners=owners, limit=MAX_LIST)
        title = f"{m.name} 후속조치"
    if not found:
        return Reply(title=f"{title}: 없습니다.", footer="추가: " + ADD if call.is_admin else "")
    total = len(found)
    if total == MAX_LIST and "[" not in title:
        total = store.count_followups(owners=owners)
    more = f" (앞의 {len(found)}건만 표시)" if total > len(found) else ""
    return Reply(
        title=f"{title} {total}건{more}",
        sections=(Section(lines=tuple(_line(f, today) for f in found)),),
    )


def _line(f: FollowUp, today: Any) -> Line:
    late = " 지연" if f.status == "open" and f.due < today else ""
    return Line(
        label=f.id,
        text=f"{f.text} — {f.owner}",
        detail=f"[{f.item_ref}] {kdate(f.due)} {dday(f.due, today)}{late}",
    )


def _due(call: Call, value: str, usage: str) -> Any:
    try:
        return dates.parse_due(value, call.ctx.today())
    except ValueError as e:
        raise UsageError(str(e), usage) from None


def _leading_due(call: Call, args: list[str]) -> tuple[Any, list[str]]:
    """The due date at the front of `args`, which may span words (12월 15일, 2026년 12월 15일)."""
    for n in (3, 2):
        if len(args) > n and args[n - 1].endswith("일"):
            with contextlib.suppress(UsageError):
                return _due(call, " ".join(args[:n]), ADD), args[n:]
    return _due(call, args[0], ADD), args[1:]


def _text(value: str, usage: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise UsageError("후속조치 내용을 입력하세요.", usage)
    if len(value) > MAX_TEXT:
        raise UsageError(f"내용은 {MAX_TEXT}자 이내로 입력하세요({len(value)}자).", usage)
    return value


def _add(call: Call, args: list[str]) -> Reply:
    call.require_admin(ADD)
    if len(args) < 4:
        raise UsageError("안건번호, 마감일, 담당부처, 내용을 모두 입력하세요.", ADD)
    item_key = parse_item_ref(call.ctx, args[0], ADD)
    item = call.ctx.store.item(*item_key)
    due, rest = _leading_due(call, args[1:])
    if len(rest) < 2:
        raise UsageError("담당부처와 내용을 입력하세요.", ADD)
    owner_text, *words = rest
    owner = call.ministry(owner_text, ADD).name
    text = _text(" ".join(words), ADD)
    fu = call.ctx.store.add_followup(
        item=item_key,
        text=text,
        owner=owner,
        due=due,
        by=call.by,
    )
    today = call.ctx.today()
    return Reply(
        title=f"후속조치 {fu.id}를 추가했습니다.",
        sections=(Section(lines=(_line(fu, today),)),),
        footer=f"[{item.ref}] {item.title} · 완료 처리: /followup done {fu.id}",
    )


def _close(call: Call, args: list[str], status: str, usage: str) -> Reply:
    call.require_admin(usage)
    if not args:
        raise UsageError("후속조치 ID를 입력하세요.", usage)
    store = call.ctx.store
    current = store.followup(args[0])
    if current.status == status:
        raise UsageError(f"{current.id}는 이미 {STATUS_KO[status]} 상태입니다.", usage)
    changes: dict[str, Any] = {"status": status}
    note = " ".join(args[1:]).strip()
    if note:
        changes["note"] = _text(note, usage)
    fu = store.update_followup(current.id, changes, by=call.by)
    return Reply(
        title=f"후속조치 {fu.id}를 {STATUS_KO[status]} 처리했습니다.",
        sections=(Section(lines=(_line(fu, call.ctx.today()),)),),
    )


def _edit(call: Call, args: list[str]) -> Reply:
    call.require_admin(EDIT)
    if len(args) < 2:
        raise UsageError("후속조치 ID와 바꿀 항목=값을 입력하세요.", EDIT)
    store = call.ctx.store
    current = store.followup(args[0])
    spec = " ".join(args[1:])
    marks = list(_FIELD.finditer(spec))
    if not marks or spec[: marks[0].start()].strip():
        raise UsageError(f"바꿀 항목을 알 수 없습니다: '{spec[:30]}'", EDIT)
    changes: dict[str, Any] = {}
    for mark, nxt in zip(marks, [*marks[1:], None], strict=True):
        name = FIELDS[mark.group(1)]
        value = spec[mark.end() : nxt.start() if nxt else len(spec)].strip()
        if name == "due":
            changes["due"] = _due(call, value, EDIT)
        elif name == "owner":
            changes["owner"] = call.ministry(value, EDIT).name
        elif name == "status":
            if value.lower() not in STATUSES:
                raise UsageError(
                    f"상태는 open, done, cancelled 중 하나입니다: '{value[:20]}'", EDIT
                )
            changes["status"] = STATUSES[value.lower()]
        else:
            changes[name] = _text(value, EDIT) if name == "text" else value[:MAX_TEXT]
    fu = store.update_followup(current.id, changes, by=call.by)
    return Reply(
        title=f"후속조치 {fu.id}를 수정했습니다.",
        sections=(Section(lines=(_line(fu, call.ctx.today()),)),),
    )


def _done(call: Call, args: list[str]) -> Reply:
    return _close(call, args, "done", DONE)


def _cancel(call: Call, args: list[str]) -> Reply:
    return _close(call, args, "cancelled", CANCEL)


# Sub-commands by every name they answer to; anything else is a filter of the list.
_ACTIONS: dict[str, Callable[[Call, list[str]], Reply]] = {
    "list": _list, "목록": _list,
    "add": _add, "추가": _add,
    "done": _done, "완료": _done,
    "cancel": _cancel, "취소": _cancel,
    "edit": _edit, "수정": _edit,
}  # fmt: skip
