"""/web: the dashboard's address, for an admin, in a private chat only.

With AGENDABOT_WEB_TOKEN the address is the key (anyone holding it reads the dashboard and
the calendar feeds), so it is never posted where a group would see it.
"""

from __future__ import annotations

from bot import links
from bot.commands.base import Call, command
from bot.errors import Forbidden
from bot.reply import Line, Reply, Section

USAGE = "/web"
OFF = (
    "웹 대시보드가 꺼져 있습니다. 켜려면 AGENDABOT_WEB=on 과 AGENDABOT_WEB_TOKEN(또는 "
    "AGENDABOT_WEB_USER·AGENDABOT_WEB_PASSWORD)을 설정하고 봇을 다시 시작하세요."
)
GROUP = (
    "대시보드 주소에는 비밀 토큰이 들어 있어 단체 대화방에는 보내지 않습니다. "
    "봇과의 개인 대화(DM)에서 /web 을 보내세요."
)


@command(
    "web",
    usage=USAGE,
    summary="웹 대시보드 주소 (관리자, 개인 대화)",
    examples=("/web",),
    admin=True,
)
def web(call: Call) -> Reply:
    """읽기 전용 웹 대시보드(개요, 회의·안건, 부처별 타임라인, 요약 발송 기록)와 일정
    캘린더(.ics) 주소를 보여 줍니다. 주소에 비밀 토큰이 들어 있을 수 있어 관리자에게, 개인
    대화에서만 알려 줍니다."""
    call.require_admin()
    call.no_arguments()
    settings = call.ctx.settings
    home = links.web_url(settings)
    if home is None:
        return Reply(title=OFF)
    if not call.req.is_private:
        raise Forbidden(GROUP, USAGE)
    feed = links.web_url(settings, "calendar/all.ics") or ""
    lines = (
        Line(label="대시보드", text=home, url=home),
        Line(label="일정 캘린더", text=feed, url=feed, detail="캘린더 앱에서 주소로 구독"),
    )
    notes = []
    if settings.web_token:
        notes.append("주소에 비밀 토큰이 들어 있습니다. 다른 사람과 나누지 마세요.")
    if settings.web_user:
        notes.append("열 때 AGENDABOT_WEB_USER 의 아이디와 비밀번호를 묻습니다.")
    if not settings.public_url:
        notes.append("밖에서 열려면 AGENDABOT_PUBLIC_URL 에 공개 주소를 설정하세요.")
    return Reply(title="웹 대시보드", sections=(Section(lines=lines),), footer=" ".join(notes))
