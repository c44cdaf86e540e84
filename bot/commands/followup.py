"""/followup: list follow-ups, show one with its history; admins add, close, cancel and edit
them (all audited)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from bot import dates, ministries, words
from bot.commands.base import Call, command, parse_item_ref
from bot.errors import NotFound, UsageError
from bot.model import STATUS_KO, FollowUp
from bot.reply import Line, Reply, Section, dday, kdate
from bot.words import with_particle

USAGE = "/followup [list] [done | cancelled | all] [부처 | 안건번호] | /followup ID"
SHOW = "/followup ID (예: /followup F1)"
ADD = "/followup add 안건번호 마감일 담당부처 내용 (예: /followup add 3 2026-12-15 과기정통부 데이터 구축 점검)"
DONE = "/followup done ID [메모]"
CANCEL = "/followup cancel ID [메모]"
EDIT = "/followup edit ID 항목=값 (항목: text, due, owner, note, status)"
MAX_TEXT = 300
MAX_LIST = 300  # nobody pages through more in a chat; the title gives the total
MAX_DATE_WORDS = 4  # 2026년 12월 15일, 다음 주 금요일

FIELDS = {
    "text": "text", "내용": "text",
    "due": "due", "마감": "due",
    "owner": "owner", "담당": "owner",
    "note": "note", "메모": "note",
    "status": "status", "상태": "status",
}  # fmt: skip
FIELD_KO = {"text": "내용", "due": "마감", "owner": "담당", "note": "메모", "status": "상태"}
# The list's title by the status asked for (none: open ones).
LIST_TITLES = {
    "open": "진행 중인 후속조치",
    "done": "완료된 후속조치",
    "cancelled": "취소된 후속조치",
    words.ALL: "전체 후속조치",
}
_FIELD = re.compile(r"(?:^|\s)(" + "|".join(FIELDS) + r")=")
_ITEM_REF = re.compile(r"[\d.]+")


def _writes(args: list[str]) -> bool:
    """True for the sub-commands that change data (a page button must never repeat them)."""
    return (
        bool(args)
        and args[0].lower() in _ACTIONS
        and _ACTIONS[args[0].lower()] not in (_list, _show)
    )


@command(
    "followup",
    usage=f"{USAGE} | add | done | cancel | edit",
    summary="후속조치 목록·상세 (추가·완료·취소·수정은 관리자)",
    examples=(
        "/followup",
        "/followup 중기부",
        "/followup 1.3",
        "/followup F1",
        "/followup list done",
        "/followup add 3 2026-12-15 과기정통부 데이터 구축 점검",
        "/followup add 3 다음 주 금요일 중기부 현장 점검",
        "/followup done F1 점검 완료",
        "/followup edit F1 due=2027-01-15",
        "/followup cancel F1",
    ),
    admin=True,
    writes=_writes,
)
def followup(call: Call) -> Reply:
    """진행 중인 후속조치를 마감일 순으로 보여 줍니다(부처나 안건으로 거를 수 있습니다).
    `list done`(완료), `list cancelled`(취소), `list all`(전체)로 다른 상태도 볼 수 있고,
    `/followup F1`은 그 후속조치의 내용과 변경 이력을 보여 줍니다. 관리자는 add(추가),
    done(완료), cancel(취소), edit(수정)를 쓸 수 있고, 모든 변경은 누가·언제·무엇을 바꿨는지
    감사 기록에 남습니다. 마감일은 2026-12-15, 12/15, 12월 15일, 내일, 다음 주 금요일,
    이번 달 말, 12월 초 처럼 입력합니다."""
    action = _ACTIONS.get(call.args[0].lower()) if call.args else None
    if action is None:
        return _list(call, call.args)
    return action(call, call.args[1:])


def _list(call: Call, args: list[str]) -> Reply:
    statuses = [s for s in map(words.parse_status, args) if s is not None]
    rest = [a for a in args if words.parse_status(a) is None]
    if len(statuses) > 1:
        raise UsageError("상태는 하나만 입력하세요(done, cancelled, all).", USAGE)
    if len(rest) == 1 and not statuses and words.parse_followup_id(rest[0]):
        return _show(call, rest)
    if any(words.parse_followup_id(a) for a in rest):
        raise UsageError("후속조치 하나를 보려면 ID만 입력하세요.", SHOW)
    status = statuses[0] if statuses else "open"
    return _listed(call, rest, status)


def _listed(call: Call, args: list[str], status: str) -> Reply:
    """Follow-ups of `status` (or all), of the ministry or item in `args` if any."""
    store, today = call.ctx.store, call.ctx.today()
    if len(args) > 1 and any(_ITEM_REF.fullmatch(a) for a in args):
        raise UsageError("부처나 안건번호는 하나만 입력하세요.", USAGE)
    what = " ".join(args)
    wanted = None if status == words.ALL else status
    owners, item_key, title = None, None, LIST_TITLES[status]
    if _ITEM_REF.fullmatch(what):
        item_key = parse_item_ref(call.ctx, what, USAGE)
        item = store.item(*item_key)
        title = f"[{item.ref}] {item.title} 후속조치"
    elif what:
        m = call.ministry(what, USAGE)
        owners = ministries.lineage(m.name)
        title = f"{m.name} 후속조치"
    if what and status != "open":
        title += f"({STATUS_KO.get(status, '전체')})"
    found = store.followups(status=wanted, owners=owners, item=item_key, limit=MAX_LIST)
    if not found:
        return Reply(title=f"{title}: 없습니다.", footer="추가: " + ADD if call.is_admin else "")
    total = len(found)
    if total == MAX_LIST and item_key is None:
        total = store.count_followups(status=wanted, owners=owners)
    more = f" (앞의 {len(found)}건만 표시)" if total > len(found) else ""
    return Reply(
        title=f"{title} {total}건{more}",
        sections=(Section(lines=tuple(_line(f, today) for f in found)),),
    )


def _line(f: FollowUp, today: dt.date) -> Line:
    late = " 지연" if f.status == "open" and f.due < today else ""
    closed = f" · {STATUS_KO[f.status]}" if f.status != "open" else ""
    return Line(
        label=f.id,
        text=f"{f.text} — {f.owner}",
        detail=f"[{f.item_ref}] {kdate(f.due)} {dday(f.due, today)}{late}{closed}",
    )


def _show(call: Call, args: list[str]) -> Reply:
    """One follow-up in full: what, who, when, its state, and every change made to it."""
    if len(args) != 1:
        raise UsageError("후속조치 ID를 하나 입력하세요.", SHOW)
    store, today = call.ctx.store, call.ctx.today()
    fu = store.followup(_id(args[0], SHOW))
    try:
        item = f"[{fu.item_ref}] {store.item(fu.meeting, fu.item).title}"
    except NotFound:  # a revised release may have dropped the item
        item = f"[{fu.item_ref}]"
    late = " 지연" if fu.status == "open" and fu.due < today else ""
    facts = [
        Line(label="내용", text=fu.text),
        Line(label="담당", text=fu.owner),
        Line(label="마감", text=f"{kdate(fu.due)} {dday(fu.due, today)}{late}"),
        Line(label="상태", text=STATUS_KO[fu.status]),
    ]
    if fu.note:
        facts.append(Line(label="메모", text=fu.note))
    facts += [
        Line(label="안건", text=item),
        Line(label="등록", text=f"{_when(call, fu.created_at)} · {fu.created_by or '-'}"),
    ]
    history = tuple(
        Line(
            label=_when(call, c.at),
            text=f"{FIELD_KO.get(c.field, c.field)}: {_shown(c.field, c.old)} → "
            f"{_shown(c.field, c.new)}",
            detail=c.by,
        )
        for c in fu.history
    )
    footer = ""
    if call.is_admin and fu.status == "open":
        footer = f"완료: /followup done {fu.id} · 수정: /followup edit {fu.id} 항목=값"
    return Reply(
        title=f"후속조치 {fu.id} ({STATUS_KO[fu.status]})",
        sections=(
            Section(lines=tuple(facts)),
            Section(heading="변경 이력", lines=history or (Line(text="없음"),)),
        ),
        footer=footer,
    )


def _when(call: Call, at: dt.datetime | None) -> str:
    """2026-11-25 10:00, in the configured zone (naive times from old rows are UTC)."""
    if at is None:
        return "-"
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(call.ctx.settings.zone).strftime("%Y-%m-%d %H:%M")


def _shown(field: str, value: Any) -> str:
    """A value of the history as people read it: 완료, 2026-12-15(화), (없음)."""
    if value is None or value == "":
        return "(없음)"
    if field == "status":
        return STATUS_KO.get(str(value), str(value))
    if field == "due":
        try:
            return kdate(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


def _id(word: str, usage: str) -> str:
    """The follow-up id `word` is (f1 → F1), or a usage error."""
    fid = words.parse_followup_id(word)
    if fid is None:
        raise UsageError(f"후속조치 ID는 F1 처럼 입력하세요: '{word[:20]}'", usage)
    return fid


def _due(call: Call, value: str, usage: str) -> dt.date:
    try:
        return dates.parse_due(value, call.ctx.today())
    except ValueError as e:
        raise UsageError(str(e), usage) from None


def _leading_due(call: Call, args: list[str]) -> tuple[dt.date, list[str]]:
    """The due date at the front of `args`: the longest run of words that reads as one
    (2026-12-15, 12월 15일, 2026년 12월 15일, 다음 주 금요일)."""
    today = call.ctx.today()
    found = words.longest(args, lambda text: dates.read_due(text, today), MAX_DATE_WORDS)
    if found is None:
        return _due(call, args[0], ADD), args[1:]  # raises, saying why
    due, used = found
    return due, args[used:]


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
    owner_text, *text_words = rest
    owner = call.ministry(owner_text, ADD).name
    text = _text(" ".join(text_words), ADD)
    fu = call.ctx.store.add_followup(
        item=item_key,
        text=text,
        owner=owner,
        due=due,
        by=call.by,
    )
    today = call.ctx.today()
    return Reply(
        title=f"후속조치 {with_particle(fu.id, '을/를')} 추가했습니다.",
        sections=(Section(lines=(_line(fu, today),)),),
        footer=f"[{item.ref}] {item.title} · 완료 처리: /followup done {fu.id}",
    )


def _close(call: Call, args: list[str], status: str, usage: str) -> Reply:
    call.require_admin(usage)
    if not args:
        raise UsageError(
            f"후속조치 ID를 입력하세요. {STATUS_KO[status]} 목록은 /followup list {status}", usage
        )
    store = call.ctx.store
    current = store.followup(_id(args[0], usage))
    if current.status == status:
        raise UsageError(
            f"{with_particle(current.id, '은/는')} 이미 {STATUS_KO[status]} 상태입니다.", usage
        )
    changes: dict[str, Any] = {"status": status}
    note = " ".join(args[1:]).strip()
    if note:
        changes["note"] = _text(note, usage)
    fu = store.update_followup(current.id, changes, by=call.by)
    return Reply(
        title=f"후속조치 {with_particle(fu.id, '을/를')} {STATUS_KO[status]} 처리했습니다.",
        sections=(Section(lines=(_line(fu, call.ctx.today()),)),),
    )


def _edit(call: Call, args: list[str]) -> Reply:
    call.require_admin(EDIT)
    if len(args) < 2:
        raise UsageError("후속조치 ID와 바꿀 항목=값을 입력하세요.", EDIT)
    store = call.ctx.store
    current = store.followup(_id(args[0], EDIT))
    spec = " ".join(args[1:])
    marks = list(_FIELD.finditer(spec))
    if not marks or spec[: marks[0].start()].strip():
        raise UsageError(f"바꿀 항목을 알 수 없습니다: '{spec[:30]}'", EDIT)
    changes: dict[str, Any] = {}
    for mark, nxt in zip(marks, [*marks[1:], None], strict=True):
        name = FIELDS[mark.group(1)]
        value = spec[mark.end() : nxt.start() if nxt else len(spec)].strip()
        changes[name] = _edited(call, name, value)
    fu = store.update_followup(current.id, changes, by=call.by)
    return Reply(
        title=f"후속조치 {with_particle(fu.id, '을/를')} 수정했습니다.",
        sections=(Section(lines=(_line(fu, call.ctx.today()),)),),
    )


def _edited(call: Call, name: str, value: str) -> Any:
    """The new value of field `name` from what was typed after `name=`."""
    if name == "due":
        return _due(call, value, EDIT)
    if name == "owner":
        return call.ministry(value, EDIT).name
    if name == "status":
        status = words.parse_status(value)
        if status is None or status == words.ALL:
            raise UsageError(f"상태는 open, done, cancelled 중 하나입니다: '{value[:20]}'", EDIT)
        return status
    return _text(value, EDIT) if name == "text" else value[:MAX_TEXT]


def _done(call: Call, args: list[str]) -> Reply:
    return _close(call, args, "done", DONE)


def _cancel(call: Call, args: list[str]) -> Reply:
    return _close(call, args, "cancelled", CANCEL)


# Sub-commands by every name they answer to; anything else is a filter of the list, or the id
# of one follow-up to show.
_ACTIONS: dict[str, Callable[[Call, list[str]], Reply]] = {
    "list": _list, "목록": _list,
    "show": _show, "보기": _show,
    "add": _add, "추가": _add,
    "done": _done, "완료": _done,
    "cancel": _cancel, "취소": _cancel,
    "edit": _edit, "수정": _edit,
}  # fmt: skip
