"""/calendar: where a calendar app subscribes to the milestones and follow-ups (iCalendar
feeds, `bot/calendar.py`, served by the web dashboard)."""

from __future__ import annotations

from bot.calendar import ALL, slug
from bot.commands.base import Call, command
from bot.links import web_url
from bot.reply import Line, Reply, Section

USAGE = "/calendar [부처]  (예: /calendar 중기부)"
HOW = (
    "구글 캘린더: 다른 캘린더 추가 → URL로 추가에 주소를 붙여 넣으세요. "
    "애플 캘린더·아웃룩: webcal 주소를 열거나 ‘구독’에 붙여 넣으세요. "
    "캘린더 앱이 주기적으로(보통 몇 시간마다) 새로 가져옵니다."
)
WEB_OFF = (
    "캘린더 구독 주소는 웹 대시보드를 켜야(AGENDABOT_WEB=on) 생깁니다. 그 전에는 서버에서 "
    "agendabot ics [--ministry 부처] -o 일정.ics 로 파일을 만들어 캘린더 앱에서 가져오세요."
)


@command(
    "calendar",
    usage=USAGE,
    summary="일정·후속조치 캘린더 구독 주소 (구글·애플·아웃룩)",
    examples=("/calendar", "/calendar 중기부"),
    cacheable=True,
)
def calendar(call: Call) -> Reply:
    """안건 일정과 진행 중인 후속조치를 캘린더 앱에서 구독할 주소(iCalendar)를 알려 줍니다.
    부처를 붙이면 그 부처가 주관·참여하는 안건의 일정과 그 부처가 맡은 후속조치만 담긴 주소를
    알려 줍니다. 주소에는 대시보드의 비밀 토큰이 들어 있으니 필요한 사람에게만 알려 주세요.
    웹 대시보드가 꺼져 있으면(AGENDABOT_WEB) 주소 대신 파일로 만드는 방법을 알려 줍니다."""
    found = call.ministry(" ".join(call.args)) if call.args else None
    which = f"{found.name} 일정" if found else "전체 일정"
    url = web_url(call.ctx.settings, f"/calendar/{slug(found.name) if found else ALL}.ics")
    if url is None:
        return Reply(title=f"캘린더 구독 — {which}", sections=(Section(paragraph=WEB_OFF),))
    webcal = "webcal://" + url.split("://", 1)[1]
    return Reply(
        title=f"캘린더 구독 — {which}",
        sections=(
            Section(
                paragraph=HOW,
                lines=(Line(label="주소", text=url, url=url), Line(label="webcal", text=webcal)),
            ),
        ),
        footer="부처별 주소: /calendar 부처명" if found is None else "전체 일정: /calendar",
    )
