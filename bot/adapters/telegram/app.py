"""The Telegram adapter as `agendabot run` starts it: the PTB Application, long polling or a
webhook route, and the sender for the digest outbox.

Updates of different chats are handled side by side, each chat's in order
(`processor.ChatOrderedProcessor`); each update is written to the inbox journal before
Telegram is told it arrived and crossed off once handled (`inbox.py`, `client.py`). 429 is
honoured by PTB's `AIORateLimiter(max_retries=…)`.

Starting never blocks the other adapters for long and never gives up on a network that is
only down: the first attempt is waited for briefly, then connecting goes on in the
background with backoff (`health` says "degraded" meanwhile). Only a token the Bot API
rejects ends it: at start as a `UsageError` (without the token), later as `health.down`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
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
from bot.adapters.telegram.client import InboxBot, PollingRequest, PollWatch, already_reported
from bot.adapters.telegram.codec import CallbackCodec
from bot.adapters.telegram.handlers import Handlers
from bot.adapters.telegram.inbox import Inbox, Raw, inbox_path
from bot.adapters.telegram.log_filter import protect_logs
from bot.adapters.telegram.processor import ChatOrderedProcessor
from bot.adapters.telegram.sender import (
    PLATFORM,
    CountingRequest,
    TelegramSender,
    describe,
    with_backoff,
)
from bot.adapters.telegram.webhook import Webhook, check_secret
from bot.commands import REGISTRY, Context
from bot.errors import UsageError
from bot.metrics import RETRIES
from bot.server import Route

log = logging.getLogger(__name__)

MAX_RETRIES_429 = 3
FIRST_TRY = 3.0  # seconds start() waits for the first connection attempt
BACKOFF = (1.0, 60.0)  # seconds between connection attempts: first, doubling up to the cap
TOKEN_REJECTED = "텔레그램이 봇 토큰을 거부했습니다. TELEGRAM_BOT_TOKEN 을 확인하세요."
UNREACHABLE = (
    "텔레그램 Bot API 에 연결하지 못했습니다 ({}). 네트워크와 TELEGRAM_BASE_URL 을 확인하세요."
)
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


def build_application(
    ctx: Context,
    *,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    inbox: Inbox | None = None,
    watch: PollWatch | None = None,
) -> App:
    """The PTB Application: our Bot API client (journal, watch, counted requests) and the
    chat-ordered processor. Handlers are added by `add_handlers`.

    Raises:
        UsageError: no token configured.
    """
    settings = ctx.settings
    if not settings.telegram_token:
        raise UsageError("TELEGRAM_BOT_TOKEN 이 설정되지 않았습니다.")
    protect_logs(settings.telegram_token)
    urls: dict[str, str] = {}
    if settings.telegram_base_url:
        urls["base_url"], urls["base_file_url"] = bot_url(settings.telegram_base_url)
    request = CountingRequest(connection_pool_size=256)
    bot = InboxBot(
        settings.telegram_token,
        request=request,
        get_updates_request=PollingRequest(connection_pool_size=1),
        rate_limiter=rate_limiter or AIORateLimiter(max_retries=MAX_RETRIES_429),
        inbox=inbox,
        watch=watch,
        **urls,
    )
    request.on_send = bot.answering
    return ApplicationBuilder().bot(bot).concurrent_updates(ChatOrderedProcessor(inbox)).build()


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
    """The running adapter (`bot.adapters.Adapter`): polling or a webhook route.

    `health` follows the connection: "starting" until the Bot API answered, "ok" after each
    successful poll, "degraded" while connecting or polling fails (retried with backoff),
    "down" once the token is rejected (polling stops; the runner exits when every adapter is
    down). `inbox` is the journal of updates in hand.
    """

    platform = PLATFORM

    def __init__(self, ctx: Context, *, rate_limiter: BaseRateLimiter[Any] | None = None) -> None:
        self.health = Health()
        settings = ctx.settings
        self.ctx = ctx
        self.token = settings.telegram_token
        self.webhook_url = settings.telegram_webhook_url
        if self.webhook_url:
            check_secret(settings.telegram_webhook_secret)
        self.inbox = Inbox(inbox_path(settings.db_path))
        watch = PollWatch(self.health, self._revoked, secret=self.token)
        self.app = build_application(ctx, rate_limiter=rate_limiter, inbox=self.inbox, watch=watch)
        self.sender = TelegramSender(self.app.bot, CallbackCodec())
        self.sender.connected = self._connected = asyncio.Event()
        self.handlers = Handlers(ctx, self.sender)
        add_handlers(self.app, self.handlers)
        self._connecting: asyncio.Task[None] | None = None
        self._halting: asyncio.Task[None] | None = None
        self._first_try = asyncio.Event()
        self._rejected = False

    @property
    def mode(self) -> str:
        return "webhook" if self.webhook_url else "polling"

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url).path or "/telegram"

    def routes(self) -> Sequence[Route]:
        if not self.webhook_url:
            return ()
        secret = self.ctx.settings.telegram_webhook_secret
        hook = Webhook(self.app, secret, self.inbox, self.health)
        return (Route("POST", self.webhook_path, hook.handle),)

    # -- a one-off sender ---------------------------------------------------------------------

    async def start_sending(self) -> None:
        """Only what sending needs (getMe): for a one-off digest run beside a running bot.

        A Bot API briefly unreachable is retried a few times; then, or when the token is
        rejected, a UsageError (one line, no token, no traceback) ends the run.
        """
        try:
            await with_backoff(self.app.initialize, "getMe", idempotent=True)
        except InvalidToken:
            await self.stop()
            raise UsageError(TOKEN_REJECTED) from None
        except TelegramError as e:
            await self.stop()
            raise UsageError(UNREACHABLE.format(describe(e, self.token))) from None
        self._connected.set()
        self.health.ok()

    # -- the running adapter ------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (getMe, the command menu, updates, polling or the webhook) in a background
        task; wait only for its first attempt, so an unreachable Bot API delays no other
        adapter, while a rejected token still stops `agendabot run` with one clear line.

        Raises:
            UsageError: the token was rejected, or the inbox journal cannot be opened.
        """
        try:
            replay = self.inbox.open()
        except OSError as e:
            raise UsageError(
                f"텔레그램 수신 기록 파일을 열 수 없습니다: {self.inbox.path} ({e.strerror})"
            ) from None
        self.inbox.forget_echoes()
        self._connecting = asyncio.create_task(self._connect(replay), name="telegram-connect")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_try.wait(), FIRST_TRY)
        if self._rejected:
            await self.stop()
            raise UsageError(TOKEN_REJECTED) from None

    async def _connect(self, replay: list[Raw]) -> None:
        """Try to come up until it works, backing off (1 s doubling to 60 s) with a log line
        per attempt; give up only when the token is rejected (or on a bug, loudly)."""
        delay, attempt = BACKOFF[0], 0
        while True:
            attempt += 1
            try:
                await self._come_up(replay)
                return
            except InvalidToken as e:
                self._give_up(e)
                return
            except TelegramError as e:
                what = describe(e, self.token)
                RETRIES.labels(PLATFORM).inc()
                log.warning(
                    "connecting to Telegram failed (attempt %d: %s); retrying in %.0f s",
                    attempt,
                    what,
                    delay,
                )
                self.health.degraded(f"cannot reach the Bot API: {what}")
            except Exception:
                log.exception("starting the Telegram adapter failed")
                self.health.down("starting failed: see the log")
                return
            finally:
                self._first_try.set()
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF[1])

    def _give_up(self, error: InvalidToken) -> None:
        # PTB's own message for a rejected getMe holds the token; its cause says why.
        why = describe(error.__cause__ or error, self.token)
        log.error("Telegram rejected the bot token (%s); the Telegram adapter gives up", why)
        self._rejected = True
        self.health.down("the Bot API rejected the token (revoked or wrong)")

    async def _come_up(self, replay: list[Raw]) -> None:
        """One attempt; each step is skipped when an earlier attempt got past it."""
        await self.app.initialize()  # getMe
        self._connected.set()
        if not self.app.running:
            await self._set_menu()
            await self.app.start()
            self._replay(replay)
        if self.webhook_url:
            await self.app.bot.set_webhook(
                self.webhook_url,
                secret_token=self.ctx.settings.telegram_webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(
                poll_interval=0.0, timeout=30, error_callback=already_reported
            )
        self.health.ok()
        log.info("Telegram adapter started as @%s (%s)", self.app.bot.username, self.mode)

    async def _set_menu(self) -> None:
        try:
            await self.app.bot.set_my_commands(bot_commands())
        except TelegramError as e:
            what = describe(e, self.token)
            log.warning("setMyCommands failed (%s); the command menu may be out of date", what)

    def _replay(self, raws: list[Raw]) -> None:
        """Recorded by an earlier run, never finished: handled now, before anything new."""
        for raw in raws:
            try:
                update = Update.de_json(raw, self.app.bot)
            except Exception as e:
                log.error("a recorded update cannot be read (%s); dropped", e)
                self.inbox.finish(int(raw["update_id"]))
                continue
            self.app.update_queue.put_nowait(update)

    def _revoked(self) -> None:
        """Polling saw a rejected token: stop polling (PTB's loop has ended already)."""
        if self._halting is None:
            self._halting = asyncio.get_running_loop().create_task(self._stop_polling())

    async def _stop_polling(self) -> None:
        updater = self.app.updater
        if updater is None or not updater.running:
            return
        try:
            await updater.stop()
        except TelegramError as e:  # the polling task's own end, raised again
            log.debug("polling ended with %s", describe(e, self.token))

    async def stop(self) -> None:
        """Stop connecting, stop taking updates, finish the ones in hand, close the clients.
        Safe to call twice, and at any point of connecting."""
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
            self._connecting = None
        if self._halting is not None:
            await self._halting
        await self._stop_polling()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.app.bot.shutdown()  # its clients, when getMe never succeeded
        self.inbox.close()
        self._first_try.clear()
        self._halting = None
        log.info("Telegram adapter stopped")
