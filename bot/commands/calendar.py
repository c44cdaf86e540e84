"""/calendar: where a calendar app subscribes to the milestones and follow-ups (iCalendar
feeds, `bot/calendar.py`, served by the web dashboard).

With AGENDABOT_WEB_TOKEN the address holds the dashboard's key (whoever has it reads the
dashboard too), so, as /web does, it goes to an admin in a private chat only; without a token
(basic auth) the address is no secret and anyone gets it anywhere.
"""

from __future__ import annotations

from bot.calendar import ALL, slug
from bot.commands.base import Call, command
from bot.errors import Forbidden
from bot.links import web_url
from bot.reply import Line, Reply, Section

USAGE = "/calendar [부처]  (예: /calendar 중기부)"
HOW = (
    "구글 캘린더: 다른 캘린더 추가 → URL로 추가에 주소를 붙여 넣으세요. "
    "애플 캘린더·아웃룩: webcal 주소를 열거나 ‘구독’에 붙여 넣으세요. "
    "캘린더 앱이 주기적으로(보통 몇 시간마다) 새로 가져옵니다."
)
GROUP = (
    "구독 주소에는 대시보드의 비밀 토큰이 들어 있어 단체 대화방에는 보내지 않습니다. "
    "봇과의 개인 대화(DM)에서 /calendar 를 보내세요."
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
)
def calendar(call: Call) -> Reply:
    """안건 일정과 진행 중인 후속조치를 캘린더 앱에서 구독할 주소(iCalendar)를 알려 줍니다.
    부처를 붙이면 그 부처가 주관·참여하는 안건의 일정과 그 부처가 맡은 후속조치만 담긴 주소를
    알려 줍니다. 주소에 대시보드의 비밀 토큰이 들어 있으면(AGENDABOT_WEB_TOKEN) /web 처럼
    관리자에게, 개인 대화에서만 알려 줍니다. 웹 대시보드가 꺼져 있으면(AGENDABOT_WEB) 주소
    대신 파일로 만드는 방법을 알려 줍니다."""
    found = call.ministry(" ".join(call.args)) if call.args else None
    which = f"{found.name} 일정" if found else "전체 일정"
    url = web_url(call.ctx.settings, f"/calendar/{slug(found.name) if found else ALL}.ics")
    if url is None:
        return Reply(title=f"캘린더 구독 — {which}", sections=(Section(paragraph=WEB_OFF),))
    if call.ctx.settings.web_token:
        call.require_admin()
        if not call.req.is_private:
            raise Forbidden(GROUP, USAGE)
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
