"""/agenda: the latest meeting's items, or one item in full."""

from __future__ import annotations

from bot.commands.base import Call, command, parse_item_ref
from bot.model import AgendaItem, Milestone
from bot.reply import Line, Reply, Section, dday, kdate, shorten, source_line

USAGE = "/agenda [안건번호 | 회의번호.안건번호]"


def next_milestone(item: AgendaItem, today_iso: str) -> Milestone | None:
    upcoming = [m for m in item.milestones if m.date.isoformat() >= today_iso]
    return min(upcoming, key=lambda m: m.date) if upcoming else None


@command(
    "agenda",
    usage=USAGE,
    summary="안건 목록, 또는 한 안건의 요약·일정·후속조치",
    examples=("/agenda", "/agenda 3", "/agenda 1.3"),
    cacheable=True,
)
def agenda(call: Call) -> Reply:
    """인자 없이 쓰면 최신 회의의 안건 목록(번호, 제목, 주관 부처, 다음 일정과 D-day)을,
    번호를 붙이면 그 안건의 결정, 부처, 요약, 일정, 진행 중인 후속조치를 보여 줍니다.
    `3`은 최신 회의의 3번 안건, `1.3`은 1번 회의의 3번 안건입니다(/meetings 참고)."""
    if len(call.args) > 1:
        raise call.usage_error("안건 번호는 하나만 입력하세요.")
    if call.args:
        meeting, number = parse_item_ref(call.ctx, call.args[0], USAGE)
        return item_reply(call, call.ctx.store.item(meeting, number))
    return items_reply(call)


def items_reply(call: Call) -> Reply:
    store, today = call.ctx.store, call.ctx.today()
    latest = store.latest_meeting()
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
        title=f"{latest.title} ({kdate(latest.date)}) 안건 {len(lines)}건",
        sections=(Section(lines=tuple(lines)),),
        footer="자세히: /agenda 번호 (예: /agenda 3)",
    )


def item_reply(call: Call, item: AgendaItem) -> Reply:
    store, today = call.ctx.store, call.ctx.today()
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
                        label=f"{kdate(m.date)} {dday(m.date, today)}",
                        text=shorten(m.text, 120),
                        detail="지난 일정" if m.date < today else "",
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
