"""/ministry: what one ministry leads or joins, its upcoming milestones and open follow-ups."""

from __future__ import annotations

from bot import ministries
from bot.commands.base import Call, command
from bot.commands.followup import MAX_LIST
from bot.reply import Line, Reply, Section, dday, kdate, shorten

USAGE = "/ministry 부처명 (예: /ministry 중기부)"


@command(
    "ministry",
    usage=USAGE,
    summary="부처별 안건·다가오는 일정·후속조치",
    examples=("/ministry 중기부", "/ministry 과기정통부", "/ministry 산업통상부"),
    cacheable=True,
)
def ministry(call: Call) -> Reply:
    """부처가 주관하거나 참여하는 안건, 그 안건들의 다가오는 일정, 그 부처가 맡은 진행 중
    후속조치를 보여 줍니다. 약칭(중기부, 중기)과 옛 이름(산업통상자원부)도 알아듣습니다."""
    if not call.args:
        raise call.usage_error("부처 이름을 입력하세요.")
    name = " ".join(call.args)
    found = call.ministry(name)
    family = ministries.lineage(found.name)
    store, today = call.ctx.store, call.ctx.today()
    items = [i for i in store.items() if family & {*i.ministries, i.lead_ministry or ""}]
    item_lines = tuple(
        Line(
            label=i.ref,
            text=i.title,
            detail="주관" if i.lead_ministry in family else "참여",
        )
        for i in items
    )
    upcoming = sorted(
        ((m, i) for i in items for m in i.milestones if m.date >= today),
        key=lambda p: p[0].date,
    )
    milestone_lines = tuple(
        Line(
            label=f"{kdate(m.date)} {dday(m.date, today)}",
            text=shorten(m.text, 100),
            detail=f"[{i.ref}]",
        )
        for m, i in upcoming
    )
    followups = store.followups(owners=family, limit=MAX_LIST)
    total = store.count_followups(owners=family) if len(followups) == MAX_LIST else len(followups)
    followup_lines = tuple(
        Line(label=f.id, text=f.text, detail=f"[{f.item_ref}] {kdate(f.due)} {dday(f.due, today)}")
        for f in followups
    )
    return Reply(
        title=f"{found.name}" + (f" ({name})" if name != found.name else ""),
        sections=(
            Section(heading=f"안건 {len(item_lines)}건", lines=item_lines),
            Section(heading=f"다가오는 일정 {len(milestone_lines)}건", lines=milestone_lines),
            Section(heading=f"진행 중인 후속조치 {total}건", lines=followup_lines),
        ),
    )
