"""/milestones: dated commitments in a window from today, or those already overdue."""

from __future__ import annotations

import datetime as dt

from bot.commands.base import Call, command, parse_int
from bot.commands.milestone import milestone_line
from bot.reply import Line, Reply, Section, dday, kdate, shorten

USAGE = "/milestones [일수 | overdue]  (기본 60일, 1~3650)"
DEFAULT_DAYS = 60
MAX_DAYS = 3650


@command(
    "milestones",
    usage=USAGE,
    summary="다가오는 일정(기본 60일) 또는 지난 마감",
    examples=("/milestones", "/milestones 365", "/milestones overdue"),
    cacheable=True,
)
def milestones(call: Call) -> Reply:
    """오늘부터 며칠 안에 있는 안건 일정을 날짜순으로, D-day와 원문 표현과 함께 보여 줍니다.
    `overdue`(또는 `지난`)를 붙이면 이미 지난 마감 일정을 최근 것부터 보여 줍니다(완료·취소된
    일정은 빠집니다). 지연된 일정은 새 날짜와 원래 날짜를 함께 보여 줍니다."""
    if len(call.args) > 1:
        raise call.usage_error("인자는 하나만 입력하세요.")
    store, today = call.ctx.store, call.ctx.today()
    arg = call.args[0] if call.args else str(DEFAULT_DAYS)
    pairs = [(m, i) for i in store.items() for m in i.milestones]
    if arg.lower() in ("overdue", "지난", "지연"):
        chosen = sorted(
            (
                (m, i)
                for m, i in pairs
                if m.kind == "deadline" and m.date < today and not m.past and not m.closed
            ),
            key=lambda p: p[0].date,
            reverse=True,
        )
        title = f"지난 마감 일정 {len(chosen)}건"
    else:
        days = parse_int(arg, "일수", USAGE)
        if not 1 <= days <= MAX_DAYS:
            raise call.usage_error(f"일수는 1~{MAX_DAYS} 사이여야 합니다: {days}")
        end = today + dt.timedelta(days=days)
        chosen = sorted(
            ((m, i) for m, i in pairs if today <= m.date <= end), key=lambda p: p[0].date
        )
        title = f"앞으로 {days}일 안의 일정 {len(chosen)}건 ({kdate(today)} 기준)"
    lines = tuple(
        Line(
            label=f"{milestone_line(m)} {dday(m.date, today)}",
            text=(f"{m.id} " if m.id else "") + shorten(m.text, 100),
            detail=f"[{i.ref}] {shorten(i.title, 40)}",
        )
        for m, i in chosen
    )
    if not lines:
        return Reply(title=title, footer="더 긴 기간: /milestones 365")
    return Reply(title=title, sections=(Section(lines=lines),))
