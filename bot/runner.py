"""`agendabot run`: the configured chat adapters and the digest scheduler, in one asyncio
loop, sharing one store, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from bot.commands import Context
from bot.delivery import Sender
from bot.errors import UsageError

if TYPE_CHECKING:  # the chat libraries are imported only when their adapter is configured
    from bot.adapters.slack import SlackBot
    from bot.adapters.telegram import TelegramBot

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
        telegram: TelegramBot | None = None
        slack: SlackBot | None = None
        # A Telegram webhook and Slack's HTTP mode share one port: Slack's server serves both.
        share_port = bool(
            listen
            and settings.telegram_token
            and settings.telegram_webhook_url
            and settings.slack_bot_token
            and not settings.slack_app_token
        )
        if settings.telegram_token:
            from bot.adapters.telegram import TelegramBot

            telegram = TelegramBot(ctx, own_server=not share_port)
            senders["telegram"] = telegram.sender
        if settings.slack_bot_token:
            from bot.adapters.slack import SlackBot

            routes = []
            if share_port and telegram is not None:
                routes.append((telegram.webhook_path, telegram.webhook_handler))
            slack = SlackBot(ctx, extra_routes=routes)
            senders["slack"] = slack.sender
        # With a shared port, Slack's server must listen before Telegram registers its webhook.
        order: list[TelegramBot | SlackBot | None] = (
            [slack, telegram] if share_port else [telegram, slack]
        )
        for service in [s for s in order if s is not None]:
            await (service.start() if listen else service.start_sending())
            started.append(service)
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
