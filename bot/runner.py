"""`agendabot run`: the configured chat adapters and the digest scheduler, in one asyncio
loop, sharing one store, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Sequence

from bot.adapters import Adapter
from bot.commands import Context
from bot.delivery import Sender
from bot.errors import UsageError
from bot.server import HttpServer

log = logging.getLogger(__name__)


def configured(ctx: Context) -> list[Adapter]:
    """The adapters the settings enable. A chat library is imported only when its adapter
    is configured, so a Slack-only deployment never loads python-telegram-bot."""
    found: list[Adapter] = []
    if ctx.settings.telegram_token:
        from bot.adapters.telegram import TelegramBot

        found.append(TelegramBot(ctx))
    if ctx.settings.slack_bot_token:
        from bot.adapters.slack import SlackBot

        found.append(SlackBot(ctx))
    return found


@contextlib.asynccontextmanager
async def running(
    ctx: Context, chosen: Sequence[Adapter], *, listen: bool = True
) -> AsyncIterator[HttpServer | None]:
    """Start the adapters, and one HTTP server for every route they ask for; stop all on exit.

    The server listens before any adapter starts, so a webhook is registered only once its
    route answers. With `listen=False` the adapters only send (`agendabot digest --send-due`).
    Yields the server (None when no adapter needs one).
    """
    started: list[Adapter] = []
    server: HttpServer | None = None
    try:
        routes = [r for a in chosen for r in a.routes()] if listen else []
        if routes:
            server = HttpServer(
                ctx.settings.http_host,
                ctx.settings.http_port,
                routes,
                health=lambda: {"adapters": {a.platform: a.mode for a in chosen}},
            )
            await server.start()
        for adapter in chosen:
            await (adapter.start() if listen else adapter.start_sending())
            started.append(adapter)
        yield server
    finally:
        if server is not None:
            await server.stop()
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)


@contextlib.asynccontextmanager
async def adapters(ctx: Context, *, listen: bool = True) -> AsyncIterator[dict[str, Sender]]:
    """Start every adapter the settings enable; yield their senders; stop them on exit."""
    chosen = configured(ctx)
    async with running(ctx, chosen, listen=listen):
        yield {a.platform: a.sender for a in chosen}


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
