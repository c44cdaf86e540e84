"""/import: a release sent in chat, previewed, then stored with 저장 or dropped with 취소.
A meeting the press-release watcher (bot/watch/) proposes waits in the store until an admin
answers: its preview's 저장 stores it, 무시 marks its releases never to be proposed again, and
`/import list` shows what still waits (a preview scrolled away, or posted before a restart).

The adapters call `upload` with the bytes of a file (or a pasted text); the buttons of the
preview run `/import save TOKEN` and `/import cancel TOKEN` (see `bot/intake.py`).
"""

from __future__ import annotations

import datetime as dt

from bot import intake
from bot.commands.base import Call, Context, Request, command
from bot.errors import AgendabotError, UsageError
from bot.importer import import_data
from bot.model import Meeting, Proposal
from bot.reply import Line, Reply, Section, error, kdate

USAGE = (
    "/import (파일을 보내거나 본문을 붙여 넣은 뒤) | /import save 토큰 | /import cancel 토큰 "
    "| /import list | /import show 토큰 | /import ignore 토큰"
)
ADMINS_ONLY = "보도자료 가져오기는 관리자만 할 수 있습니다. /whoami 로 ID를 확인해 관리자에게 등록을 요청하세요."
# What a preview's buttons (or an admin typing) ask; 무시 answers a watcher's proposal.
ACTIONS = {
    "save": "save", "저장": "save",
    "cancel": "cancel", "취소": "cancel",
    "ignore": "ignore", "무시": "ignore",
    "show": "show", "보기": "show",  # a waiting proposal's preview again, with its buttons
}  # fmt: skip
LIST = ("list", "목록")
LIST_LIMIT = 10  # proposals shown by /import list: one page (a writing command has no page buttons)
STATUS_KO = {
    "new": "새로 저장했습니다",
    "updated": "갱신했습니다",
    "unchanged": "이미 같은 내용입니다",
}


@command(
    "import",
    usage=USAGE,
    summary="보도자료 가져오기: 파일을 보내면 미리 보기 후 저장, 정책브리핑 제안 목록 (관리자)",
    examples=("/import", "/import list"),
    admin=True,
    writes=True,
)
def import_(call: Call) -> Reply:
    """보도자료 파일(txt, html, pdf, hwpx, 또는 agendabot export 의 json/yaml)을 봇에게 보내거나
    본문을 1:1 대화에 붙여 넣으면, 읽은 내용(회의, 안건별 결정·주관 부처·일정 수, 확인할 점)을
    보여 주고 [저장]·[취소] 버튼을 답니다. 저장을 눌러야 들어갑니다. 정책브리핑 감시가 관리자
    대화방에 올린 제안은 답할 때까지 보관되고(/import list), [무시]는 그 보도자료를 다시
    제안하지 않게 합니다."""
    call.require_admin(USAGE)
    if not call.args:
        return Reply(
            title="보도자료 파일을 이 대화에 보내거나, 본문을 1:1 대화에 붙여 넣으세요.",
            footer="미리 보기를 보고 [저장]을 누르면 들어갑니다. 형식: txt, html, pdf, hwpx, json, yaml "
            "· 정책브리핑 제안: /import list",
        )
    if len(call.args) == 1 and call.args[0] in LIST:
        return _waiting(call.ctx.store.proposals(), call.ctx.settings.zone)
    if len(call.args) != 2 or call.args[0] not in ACTIONS:
        raise call.usage_error("저장, 취소, 무시 또는 보기와 미리 보기의 토큰을 입력하세요.")
    action, token = ACTIONS[call.args[0]], call.args[1]
    kept = call.ctx.store.proposal(token)
    if kept is not None:
        return _answer_proposal(call, action, kept)
    if action == "show":
        raise UsageError(intake.EXPIRED)  # only a waiting proposal can be shown again
    pending = call.ctx.pending.take(token)
    if action != "save":
        return Reply(title=f"가져오기를 취소했습니다: {pending.release.meeting.title}")
    if pending.upload.exchange is not None:
        meeting, status, _ = import_data(call.ctx.store, pending.upload.exchange, by=call.by)
    else:
        meeting, status = call.ctx.store.save_release(pending.release, by=call.by)
    return _saved(meeting, status, len(pending.release.items))


def _answer_proposal(call: Call, action: str, kept: Proposal) -> Reply:
    """저장 stores the proposed meeting, then lets the proposal go (a crash between the two
    leaves it waiting, and 저장 again finds the meeting unchanged); 무시 (or 취소) lets it go
    and marks its releases never to be proposed again; 보기 shows its preview again."""
    if action == "show":
        return intake.proposal_reply(kept, call.ctx.store.stored_as(kept.release))
    if action != "save":
        if call.ctx.store.settle_proposal(kept.token, "ignored") is None:
            raise UsageError(intake.EXPIRED)
        return Reply(title=f"무시했습니다(다시 제안하지 않습니다): {kept.release.meeting.title}")
    meeting, status = call.ctx.store.save_release(kept.release, by=call.by)
    call.ctx.store.settle_proposal(kept.token, "saved")
    return _saved(meeting, status, len(kept.release.items))


def _saved(meeting: Meeting, status: str, items: int) -> Reply:
    return Reply(
        title=f"{meeting.number}번 회의 {meeting.title}: {STATUS_KO.get(status, status)}.",
        sections=(
            Section(
                lines=(
                    Line(label="날짜", text=kdate(meeting.date)),
                    Line(label="안건", text=f"{items}건"),
                )
            ),
        ),
        footer=f"안건 보기: /agenda {meeting.number}.1 · 목록: /meetings",
    )


def _waiting(proposals: list[Proposal], zone: dt.tzinfo) -> Reply:
    """The watcher's proposals no admin has answered, oldest first, with their tokens."""
    if not proposals:
        return Reply(title="대기 중인 정책브리핑 제안이 없습니다.")
    lines = tuple(
        Line(
            label=p.token,
            text=p.release.meeting.title,
            detail=f"{kdate(p.release.meeting.date)} · 안건 {len(p.release.items)}건 · "
            f"{kdate(p.proposed_at.astimezone(zone).date())} 제안",
        )
        for p in proposals[:LIST_LIMIT]
    )
    more = len(proposals) - len(lines)
    return Reply(
        title=f"대기 중인 정책브리핑 제안 {len(proposals)}건",
        sections=(Section(lines=lines),),
        footer=(f"외 {more}건 · " if more > 0 else "")
        + "미리 보기와 버튼: /import show 토큰 · 저장: /import save 토큰 · 무시: /import ignore 토큰",
    )


def upload(ctx: Context, req: Request, name: str, data: bytes) -> Reply:
    """A file (or pasted text) sent by `req`'s sender: its preview with 저장 / 취소, or one
    Korean line saying why not. Never raises for a user's mistake."""
    if not ctx.is_admin(req):
        return error(ADMINS_ONLY)
    try:
        upload = intake.read(data, name, ctx.today())
    except AgendabotError as e:
        return error(e.line())
    token = ctx.pending.put(upload)
    return intake.preview_reply(upload.release, token)


def refuse_size(size: int) -> Reply | None:
    """The refusal for a file too big to download, or None."""
    reason = intake.too_big(size)
    return error(reason) if reason else None


__all__ = ["import_", "refuse_size", "upload"]
