"""`agendabot run`: the configured chat adapters and the digest scheduler, in one asyncio
loop, sharing one store, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

from bot.commands import Context
from bot.delivery import Sender
from bot.errors import UsageError

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def adapters(ctx: Context, *, listen: bool = True) -> AsyncIterator[dict[str, Sender]]:
    """Start every adapter the settings enable; yield their senders; stop them on exit.

    With `listen=False` the adapters only send (for `agendabot digest --send-due`).
    """
    settings = ctx.settings
    started: list[Any] = []
    senders: dict[str, Sender] = {}
    try:
        if settings.telegram_token:
            from bot.adapters.telegram import TelegramBot

            tg = TelegramBot(ctx)
            await (tg.start() if listen else tg.start_sending())
            started.append(tg)
            senders["telegram"] = tg.sender
        if settings.slack_bot_token:
            from bot.adapters.slack import SlackBot

            sl = SlackBot(ctx)
            await (sl.start() if listen else sl.start_sending())
            started.append(sl)
            senders["slack"] = sl.sender
        yield senders
    finally:
        for service in reversed(started):
            try:
                await service.stop()
            except Exception:
                log.exception("stopping %s failed", type(service).__name__)


def senders_for(ctx: Context) -> contextlib.AbstractAsyncContextManager[dict[str, Sender]]:
    """Senders only, no listening: a one-off digest tick from the command line."""
    return adapters(ctx, listen=False)


async def run(ctx: Context) -> None:
    """Run until a signal asks us to stop."""
    from digests.scheduler import Runner, run_forever

    if not (ctx.settings.telegram_token or ctx.settings.slack_bot_token):
        raise UsageError(
            "켤 어댑터가 없습니다. TELEGRAM_BOT_TOKEN 또는 SLACK_BOT_TOKEN 을 설정하세요 "
            "(토큰 없이 써 보려면 agendabot console)."
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with adapters(ctx) as senders:
        log.info("running: %s and the digest scheduler", ", ".join(senders))
        runner = Runner(ctx.store, senders, clock=ctx.now)
        await run_forever(runner, stop)
    log.info("stopped")
