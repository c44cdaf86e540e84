"""/import: a release sent in chat, previewed, then stored with 저장 or dropped with 취소;
a preview posted by the press-release watcher (bot/watch/) has 무시 instead, which also marks
its releases so they are never proposed again.

The adapters call `upload` with the bytes of a file (or a pasted text); the buttons of the
preview run `/import save TOKEN` and `/import cancel TOKEN` (see `bot/intake.py`).
"""

from __future__ import annotations

from bot import intake
from bot.commands.base import Call, Context, Request, command
from bot.errors import AgendabotError
from bot.importer import import_data
from bot.reply import Line, Reply, Section, error, kdate

USAGE = (
    "/import (파일을 보내거나 본문을 붙여 넣은 뒤) | /import save 토큰 | /import cancel 토큰 "
    "| /import ignore 토큰"
)
ADMINS_ONLY = "보도자료 가져오기는 관리자만 할 수 있습니다. /whoami 로 ID를 확인해 관리자에게 등록을 요청하세요."
ACTIONS = ("save", "cancel", "ignore", "저장", "취소", "무시")  # 무시: a watcher's preview
STATUS_KO = {
    "new": "새로 저장했습니다",
    "updated": "갱신했습니다",
    "unchanged": "이미 같은 내용입니다",
}


@command(
    "import",
    usage=USAGE,
    summary="보도자료 가져오기: 파일을 보내면 미리 보기 후 저장 (관리자)",
    examples=("/import",),
    admin=True,
    writes=True,
)
def import_(call: Call) -> Reply:
    """보도자료 파일(txt, html, pdf, hwpx, 또는 agendabot export 의 json/yaml)을 봇에게 보내거나
    본문을 1:1 대화에 붙여 넣으면, 읽은 내용(회의, 안건별 결정·주관 부처·일정 수, 확인할 점)을
    보여 주고 [저장]·[취소] 버튼을 답니다. 저장을 눌러야 들어갑니다. 정책브리핑 감시가 관리자
    대화방에 올린 미리 보기의 [무시]는 그 보도자료를 다시 제안하지 않게 합니다."""
    call.require_admin(USAGE)
    if not call.args:
        return Reply(
            title="보도자료 파일을 이 대화에 보내거나, 본문을 1:1 대화에 붙여 넣으세요.",
            footer="미리 보기를 보고 [저장]을 누르면 들어갑니다. 형식: txt, html, pdf, hwpx, json, yaml",
        )
    if len(call.args) != 2 or call.args[0] not in ACTIONS:
        raise call.usage_error("저장, 취소 또는 무시와 미리 보기의 토큰을 입력하세요.")
    pending = call.ctx.pending.take(call.args[1])
    watched = _watched_ids(pending.upload)
    if call.args[0] in ("ignore", "무시"):
        call.ctx.store.ignore_watched(watched)
        return Reply(title=f"무시했습니다(다시 제안하지 않습니다): {pending.release.meeting.title}")
    if call.args[0] in ("cancel", "취소"):
        return Reply(title=f"가져오기를 취소했습니다: {pending.release.meeting.title}")
    if pending.upload.exchange is not None:
        meeting, status, _ = import_data(call.ctx.store, pending.upload.exchange, by=call.by)
    else:
        meeting, status = call.ctx.store.save_release(pending.release, by=call.by)
    if watched:
        call.ctx.store.mark_watched(dict(getattr(pending.upload, "hashes", ())), "saved")
    return Reply(
        title=f"{meeting.number}번 회의 {meeting.title}: {STATUS_KO.get(status, status)}.",
        sections=(
            Section(
                lines=(
                    Line(label="날짜", text=kdate(meeting.date)),
                    Line(label="안건", text=f"{len(pending.release.items)}건"),
                )
            ),
        ),
        footer=f"안건 보기: /agenda {meeting.number}.1 · 목록: /meetings",
    )


def _watched_ids(upload: intake.Upload) -> tuple[str, ...]:
    """The 정책브리핑 releases a watcher's preview came from (none for a file sent in chat)."""
    ids: tuple[str, ...] = getattr(upload, "news_ids", ())
    return ids


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
