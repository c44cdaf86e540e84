"""The Telegram adapter as `agendabot run` starts it: the PTB Application, long polling or a
webhook route, and the sender for the digest outbox.

Updates are processed one at a time (PTB's default), so answers in a chat keep the order of
the commands. 429 is honoured by PTB's `AIORateLimiter(max_retries=…)`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.adapters import Health
from bot.adapters.telegram.codec import CallbackCodec
from bot.adapters.telegram.handlers import Handlers
from bot.adapters.telegram.log_filter import protect_logs
from bot.adapters.telegram.sender import PLATFORM, TelegramSender, with_backoff
from bot.adapters.telegram.webhook import Webhook, check_secret
from bot.commands import REGISTRY, Context
from bot.errors import UsageError
from bot.server import Route

log = logging.getLogger(__name__)

MAX_RETRIES_429 = 3
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")

App = Application[Any, Any, Any, Any, Any, Any]


def bot_url(base_url: str) -> tuple[str, str]:
    """(base_url, base_file_url) for PTB from TELEGRAM_BASE_URL.

    PTB appends the token to base_url. A bare server root (`http://host:8081`) cannot be
    right for a Bot API server, so `/bot` is added to it; anything else is taken as given.
    """
    base = base_url.strip().rstrip("/")
    if "{token}" not in base and urlsplit(base).path in ("", "/"):
        base += "/bot"
    file_url = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base
    return base, file_url


def build_application(ctx: Context, *, rate_limiter: BaseRateLimiter[Any] | None = None) -> App:
    """The PTB Application with every command of REGISTRY, page buttons and error handling.

    Raises:
        UsageError: no token configured.
    """
    settings = ctx.settings
    if not settings.telegram_token:
        raise UsageError("TELEGRAM_BOT_TOKEN 이 설정되지 않았습니다.")
    protect_logs(settings.telegram_token)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=MAX_RETRIES_429))
        .concurrent_updates(False)
    )
    if settings.telegram_base_url:
        base, file_base = bot_url(settings.telegram_base_url)
        builder = builder.base_url(base).base_file_url(file_base)
    return builder.build()


def add_handlers(app: App, handlers: Handlers) -> None:
    names = [name for name in REGISTRY if _COMMAND_NAME.fullmatch(name)]
    new_posts = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, handlers.on_migrate))
    app.add_handler(CommandHandler([*names, "start"], handlers.on_command, filters=new_posts))
    # Unknown commands get an answer in private chats; in groups only when addressed to us
    # (`/agnda@our_bot`), since a bare one may be for another bot.
    app.add_handler(
        MessageHandler(
            filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
            handlers.on_command,
        )
    )
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, handlers.on_addressed)
    )
    app.add_handler(CallbackQueryHandler(handlers.on_callback))
    # A press release sent as a file: in a private chat, or in a group with the caption
    # /import (files people share in a group are not for us); pasted, in a private chat.
    for_us = filters.ChatType.PRIVATE | filters.CaptionRegex(r"^/import\b")
    app.add_handler(MessageHandler(filters.Document.ALL & for_us, handlers.on_document))
    app.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, handlers.on_pasted
        )
    )
    app.add_error_handler(handlers.on_error)


def bot_commands() -> list[BotCommand]:
    """The command menu: every command of REGISTRY with its Korean summary."""
    return [
        BotCommand(cmd.name, cmd.summary[:256])
        for cmd in REGISTRY.values()
        if _COMMAND_NAME.fullmatch(cmd.name)
    ][:100]


class TelegramBot:
    """The running adapter (`bot.adapters.Adapter`): polling or a webhook route."""

    platform = PLATFORM

    def __init__(self, ctx: Context, *, rate_limiter: BaseRateLimiter[Any] | None = None) -> None:
        self.health = Health()
        settings = ctx.settings
        self.ctx = ctx
        self.webhook_url = settings.telegram_webhook_url
        if self.webhook_url:
            check_secret(settings.telegram_webhook_secret)
        self.app = build_application(ctx, rate_limiter=rate_limiter)
        self.sender = TelegramSender(self.app.bot, CallbackCodec())
        self.handlers = Handlers(ctx, self.sender)
        add_handlers(self.app, self.handlers)
        self._initialized = False
        self._started = False

    @property
    def mode(self) -> str:
        return "webhook" if self.webhook_url else "polling"

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url).path or "/telegram"

    def routes(self) -> Sequence[Route]:
        if not self.webhook_url:
            return ()
        hook = Webhook(self.app, self.ctx.settings.telegram_webhook_secret)
        return (Route("POST", self.webhook_path, hook.handle),)

    async def start_sending(self) -> None:
        """Only what sending needs (getMe): for a one-off digest run beside a running bot.

        A Bot API that is briefly unreachable at start is retried, as any other send is."""
        await with_backoff(self.app.initialize, "getMe")
        self._initialized = True

    async def start(self) -> None:
        """getMe, the command menu, then update processing, then polling or the webhook."""
        await self.start_sending()
        try:
            await self.app.bot.set_my_commands(bot_commands())
        except TelegramError as e:
            log.warning("setMyCommands failed (%s); the command menu may be out of date", e)
        await self.app.start()
        self._started = True
        if self.webhook_url:
            await self.app.bot.set_webhook(
                self.webhook_url,
                secret_token=self.ctx.settings.telegram_webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(poll_interval=0.0, timeout=30)
        log.info("Telegram adapter started as @%s (%s)", self.app.bot.username, self.mode)

    async def stop(self) -> None:
        """Stop taking updates, finish the one in hand, close the HTTP clients."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self._started:
            await self.app.stop()
            self._started = False
        if self._initialized:
            await self.app.shutdown()
            self._initialized = False
        log.info("Telegram adapter stopped")
