"""/agenda: the latest meeting's items, or one item in full."""

from __future__ import annotations

from bot.commands import naming
from bot.commands.base import Call, command, parse_int, parse_item_ref
from bot.commands.editing import DECISIONS, arguments, changed_lines, read_changes, split_fields
from bot.commands.milestone import milestone_line
from bot.model import AgendaItem, Meeting, Milestone
from bot.reply import Line, Reply, Section, dday, kdate, shorten, source_line
from bot.store import ITEM_FIELDS
from bot.words import with_particle

USAGE = "/agenda [안건번호 | 회의번호.안건번호 | 회의이름회차 [안건번호]]"
EDIT_USAGE = (
    "/agenda add 회의번호 「제목」 [결정] [부처…] | /agenda edit 회의번호.안건번호 title=… "
    "decision=… lead=… ministries=A,B summary=… | /agenda remove 회의번호.안건번호"
)
EDITS = ("add", "edit", "remove")


def next_milestone(item: AgendaItem, today_iso: str) -> Milestone | None:
    upcoming = [m for m in item.milestones if m.date.isoformat() >= today_iso and not m.closed]
    return min(upcoming, key=lambda m: m.date) if upcoming else None


@command(
    "agenda",
    usage=f"{USAGE} | {EDIT_USAGE}",
    summary="안건 목록, 또는 한 안건의 요약·일정·후속조치; 안건 추가·수정·삭제 (관리자)",
    examples=(
        "/agenda",
        "/agenda 3",
        "/agenda 1.3",
        "/agenda 과학기술관계장관회의1 3",
        "/agenda add 1 「데이터 구축 계획」 보고 과기정통부",
        '/agenda edit 1.3 title="새 제목" lead=산업부',
        "/agenda remove 1.11",
    ),
    cacheable=True,
    writes=lambda args: bool(args) and args[0] in EDITS,
)
def agenda(call: Call) -> Reply:
    """인자 없이 쓰면 최신 회의의 안건 목록(번호, 제목, 주관 부처, 다음 일정과 D-day)을,
    번호를 붙이면 그 안건의 결정, 부처, 요약, 일정, 진행 중인 후속조치를 보여 줍니다.
    `3`은 최신 회의의 3번 안건, `1.3`은 1번 회의의 3번 안건입니다(/meetings 참고).
    관리자는 안건을 추가(add: 회의 번호, 「제목」, 결정, 부처), 수정(edit: 제목=, 결정=, 주관=,
    부처=A,B, 요약=), 삭제(remove: 후속조치가 달린 안건은 삭제할 수 없음)할 수 있고, 모든 변경은
    /undo 로 되돌릴 수 있습니다."""
    if call.args and call.args[0] in EDITS:
        call.require_admin(EDIT_USAGE)
        args = arguments(call)
        return {"add": _add, "edit": _edit, "remove": _remove}[args[0]](call, args[1:])
    named = naming.find(call.ctx.store.meetings(), call.args[0]) if call.args else None
    if named is not None:  # /agenda 국가정책조정회의9 [3]
        if len(call.args) == 1:
            return items_reply(call, named)
        if len(call.args) == 2 and call.args[1].isdigit():
            return item_reply(call, call.ctx.store.item(named.number, int(call.args[1])))
    if len(call.args) > 1:
        raise call.usage_error(
            "안건 번호는 하나만 입력하세요 (회의 이름과 번호: /agenda 국가정책조정회의9 3)."
        )
    if call.args:
        meeting, number = parse_item_ref(call.ctx, call.args[0], USAGE)
        return item_reply(call, call.ctx.store.item(meeting, number))
    return items_reply(call, call.ctx.store.latest_meeting())


def items_reply(call: Call, latest: Meeting | None) -> Reply:
    """The items of a meeting (the latest when none is named)."""
    store, today = call.ctx.store, call.ctx.today()
    if latest is None:
        return Reply(title="아직 가져온 회의가 없습니다.")
    lines = []
    for item in store.items(latest.number):
        nxt = next_milestone(item, today.isoformat())
        detail = f"{kdate(nxt.date)} {dday(nxt.date, today)}" if nxt else ""
        lead = item.lead_ministry or (item.ministries[0] if item.ministries else "")
        lines.append(
            Line(label=item.ref, text=item.title + (f" — {lead}" if lead else ""), detail=detail)
        )
    return Reply(
        title=f"{naming.meeting_name(latest)} {kdate(latest.date)} · 안건 {len(lines)}건",
        sections=(Section(lines=tuple(lines)),),
        footer="자세히: /agenda 번호 (예: /agenda 3)",
    )


def item_reply(call: Call, item: AgendaItem) -> Reply:
    store, today = call.ctx.store, call.ctx.today()
    if any(not m.id for m in item.milestones):
        store.ensure_milestone_ids()  # a database from before milestone ids: number them once
        item = store.item(item.meeting, item.number)
    facts = []
    if item.decision:
        facts.append(Line(label="결정", text=item.decision))
    if item.lead_ministry:
        facts.append(Line(label="주관", text=item.lead_ministry))
    others = [m for m in item.ministries if m != item.lead_ministry]
    if others:
        facts.append(Line(label="관계 부처", text=", ".join(others)))
    facts.append(source_line(store.meeting(item.meeting)))
    sections = [Section(lines=tuple(facts))] if facts else []
    if item.summary:
        sections.append(Section(heading="요약", paragraph=shorten(item.summary, 600)))
    if item.milestones:
        sections.append(
            Section(
                heading="일정",
                lines=tuple(
                    Line(
                        label=f"{m.id} {milestone_line(m)} {dday(m.date, today)}".strip(),
                        text=shorten(m.text, 120),
                        detail=m.status_ko + (" · 지난 일정" if m.date < today else ""),
                    )
                    for m in sorted(item.milestones, key=lambda m: m.date)
                ),
            )
        )
    open_followups = store.followups(item=(item.meeting, item.number))
    sections.append(
        Section(
            heading=f"진행 중인 후속조치 {len(open_followups)}건",
            lines=tuple(
                Line(
                    label=f.id,
                    text=f"{f.text} — {f.owner}",
                    detail=f"{kdate(f.due)} {dday(f.due, today)}",
                )
                for f in open_followups
            ),
        )
    )
    meeting = store.meeting(item.meeting)
    return Reply(
        title=f"[{item.ref}] {item.title}",
        sections=tuple(sections),
        footer=f"{meeting.title} · {kdate(meeting.date)}",
    )


def _ref(call: Call, args: list[str]) -> tuple[int, int]:
    if not args:
        raise call.usage_error("안건 번호를 1.3 처럼 입력하세요.", EDIT_USAGE)
    return parse_item_ref(call.ctx, args[0], EDIT_USAGE)


def _add(call: Call, args: list[str]) -> Reply:
    if len(args) < 2:
        raise call.usage_error("회의 번호와 「제목」을 입력하세요.", EDIT_USAGE)
    meeting = parse_int(args[0], "회의 번호", EDIT_USAGE)
    title, rest = args[1], args[2:]
    decision = None
    if rest and rest[0] in DECISIONS:
        decision, rest = rest[0], rest[1:]
    names = tuple(dict.fromkeys(call.ministry(w, EDIT_USAGE).name for w in rest))
    item = call.ctx.store.add_item(meeting, title, by=call.by, decision=decision, ministries=names)
    return Reply(
        title=f"{item.ref} 안건 {with_particle(f'「{item.title}」', '을/를')} 추가했습니다.",
        footer=f"일정 추가: /milestone add {item.ref} 날짜 설명 · 되돌리기: /undo",
    )


def _edit(call: Call, args: list[str]) -> Reply:
    ref = _ref(call, args)
    plain, pairs = split_fields(call, args[1:], ITEM_FIELDS)
    if plain:
        raise call.usage_error(f"값은 name=값 으로 입력하세요: {plain[0][:20]}", EDIT_USAGE)
    changes = read_changes(call, pairs)
    store = call.ctx.store
    before = store.item(*ref)
    after = store.edit_item(ref, changes, by=call.by)
    lines = changed_lines(before, after, changes)
    return Reply(
        title=f"{after.ref} 안건을 고쳤습니다." if lines else "바뀐 것이 없습니다.",
        sections=(Section(lines=lines),) if lines else (),
        footer="되돌리기: /undo",
    )


def _remove(call: Call, args: list[str]) -> Reply:
    ref = _ref(call, args)
    if len(args) > 1:
        raise call.usage_error("안건 번호만 입력하세요.", EDIT_USAGE)
    removed = call.ctx.store.remove_item(ref, by=call.by)
    return Reply(
        title=f"{removed.ref} 안건 {with_particle(f'「{removed.title}」', '을/를')} 삭제했습니다.",
        footer="되돌리기: /undo",
    )
