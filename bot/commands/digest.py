"""/digest: a preview of the weekly digest this chat gets (or would get)."""

from __future__ import annotations

from bot.commands.base import Call, command
from bot.reply import Reply
from digests.build import build_digest


@command("digest", usage="/digest", summary="이 대화방 주간 요약 미리 보기", examples=("/digest",))
def digest(call: Call) -> Reply:
    """이 대화방이 받는(구독하지 않았다면 받게 될) 주간 요약을 지금 시점으로 만들어 보여 줍니다."""
    call.no_arguments()
    store = call.ctx.store
    sub = store.subscription(call.req.chat_key)
    if sub is None:
        default = call.req.chat.subscription(tz=call.ctx.settings.tz)
        return build_digest(store, default, call.ctx.now(), subscribed=False)
    return build_digest(store, sub, call.ctx.now())
