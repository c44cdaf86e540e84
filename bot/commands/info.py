"""/help, /meetings and /whoami."""

from __future__ import annotations

from bot.commands import naming
from bot.commands.base import REGISTRY, Call, command
from bot.reply import Line, Reply, Section, kdate, source_line

# The order staff meet the commands in: reading first, then follow-ups, then digests.
ORDER = (
    "help", "meetings", "agenda", "ministry", "milestones", "search", "followup",
    "subscribe", "unsubscribe", "subscriptions", "digest", "whoami",
    "meeting", "milestone", "history", "undo", "admin",
)  # fmt: skip


# The admins' edit commands, listed on one line.
EDITING = ("meeting", "milestone", "history", "undo", "admin")


def _position(name: str) -> int:
    return ORDER.index(name) if name in ORDER else len(ORDER)


@command(
    "help",
    usage="/help [명령]",
    summary="명령 목록과 사용 예",
    examples=("/help", "/help followup"),
    cacheable=True,
)
def help_(call: Call) -> Reply:
    """명령 목록을 보여 줍니다. 명령 이름을 붙이면 그 명령의 자세한 사용법을 보여 줍니다."""
    if len(call.args) > 1:
        raise call.usage_error("명령 이름은 하나만 입력하세요.")
    if call.args:
        name = call.args[0].lstrip("/").lower()
        cmd = REGISTRY.get(name)
        if cmd is None:
            raise call.usage_error(f"그런 명령은 없습니다: /{name[:30]}")
        return Reply(
            title=f"/{cmd.name} — {cmd.summary}",
            sections=(
                Section(heading="사용법", paragraph=cmd.usage),
                Section(paragraph=cmd.details),
                Section(heading="예", lines=tuple(Line(e) for e in cmd.examples)),
            ),
            footer="관리자 전용 기능이 있습니다." if cmd.admin else "",
        )
    ordered = sorted(REGISTRY.values(), key=lambda c: _position(c.name))
    lines = tuple(
        Line(text=cmd.summary, label=cmd.usage) for cmd in ordered if cmd.name not in EDITING
    )
    editing = [f"/{name}" for name in EDITING if name in REGISTRY]
    if editing:  # one line, so the list stays on one page: /help meeting tells the rest
        lines += (
            Line(
                label=" ".join(editing),
                text="관리자: 회의·일정 고치기, 변경 기록, 되돌리기, 관리자 관리",
            ),
        )
    return Reply(
        title="agendabot 명령",
        sections=(Section(lines=lines),),
        footer="자세한 사용법: /help 명령이름 (예: /help followup)",
    )


@command(
    "meetings",
    usage="/meetings",
    summary="가져온 회의 목록 (최신순)",
    examples=("/meetings",),
    cacheable=True,
)
def meetings(call: Call) -> Reply:
    """가져온 회의를 최신순으로 보여 줍니다. 회의 번호는 /agenda 1.3 처럼 씁니다."""
    call.no_arguments()
    store = call.ctx.store
    found = sorted(store.meetings(), key=lambda m: (m.date, m.number), reverse=True)
    if not found:
        return Reply(title="아직 가져온 회의가 없습니다.")
    lines = tuple(
        Line(
            label=f"{m.number}",
            text=f"{m.title} · {kdate(m.date)}",
            detail=f"안건 {len(store.items(m.number))}건"
            + (
                f" · /agenda {short} 또는 /agenda {m.number}.N"
                if (short := naming.short_name(m))
                else ""
            )
            + (f" · {m.chair} 주재" if m.chair else "")
            + f" · 원문: {source_line(m).text}",
            url=source_line(m).url,
        )
        for m in found
    )
    return Reply(
        title=f"회의 {len(found)}건",
        sections=(Section(lines=lines),),
        footer="안건 보기: /agenda 회의번호.안건번호 (예: /agenda 1.3)",
    )


@command("whoami", usage="/whoami", summary="내 사용자 ID (관리자 등록용)", examples=("/whoami",))
def whoami(call: Call) -> Reply:
    """내 플랫폼 사용자 ID와 이 대화방 ID를 보여 줍니다. 관리자 설정(TELEGRAM_ADMINS, SLACK_ADMINS)에 씁니다."""
    req = call.req
    lines = [
        Line(label="플랫폼", text=req.platform),
        Line(label="사용자 ID", text=req.user_id),
        Line(label="대화방 ID", text=req.chat_id),
    ]
    if req.team_id:
        lines.append(Line(label="팀 ID", text=req.team_id))
    lines.append(Line(label="권한", text="관리자" if call.is_admin else "일반 사용자"))
    return Reply(title="내 정보", sections=(Section(lines=tuple(lines)),))
