"""Telegram adapter: python-telegram-bot in front of the platform-neutral command layer.

The adapter only translates: an update becomes a `Request`, `handle()` answers it with a
`Reply`, `render.telegram()` turns that into HTML messages of at most 4,096 characters, and
the Bot API errors become store changes (403 pauses a subscription, a migrated group is
rekeyed) or `bot.delivery` exceptions for the digest outbox.

Choices worth knowing:

* `handle()` may do file I/O (and a search may load the Korean tokenizer for seconds), so it
  runs in a worker thread unless it is known to be quick (`bot.adapters.answering`); the
  event loop keeps polling and sending meanwhile.
* Updates are processed one at a time (PTB's default), so answers in a chat keep the order
  of the commands.
* 429 is honoured by PTB's `AIORateLimiter(max_retries=…)`; connection failures and timeouts
  are retried here with backoff, accepting a rare duplicate over a lost answer.
* Webhook mode runs its own small aiohttp server instead of PTB's `start_webhook`, which
  needs tornado (the `webhooks` extra, not installed). It checks the secret token on every
  request and feeds PTB's update queue, as PTB's "custom webhook" example does.
* The Bot API token is part of every request URL; httpx logs those URLs at INFO, so its
  logger is raised to WARNING and a filter redacts the token from Telegram-related logs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import itertools
import logging
import re
import secrets
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import render
from bot.adapters.answering import Answerer
from bot.commands import REGISTRY, Context, Request, split_command
from bot.delivery import ChatGone, ChatMoved, DeliveryError, RetryLater
from bot.errors import UsageError
from bot.model import Subscription
from bot.reply import Button, Reply

log = logging.getLogger(__name__)

PLATFORM = "telegram"
SORRY = "죄송합니다. 요청을 처리하다 오류가 났습니다. 잠시 후 다시 시도해 주세요."
EXPIRED = "만료된 버튼입니다. 명령을 다시 입력하세요."
NOT_A_PAGE = "이 버튼으로는 실행할 수 없는 명령입니다. 명령을 직접 입력하세요."
CALLBACK_DATA_LIMIT = 64  # bytes, Bot API
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_RETRIES_429 = 3
NETWORK_RETRIES = (0.5, 1.0, 2.0)  # seconds to wait before each retry of a failed send
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Sub-commands that change data: a (possibly forged) button must never repeat them.
_MUTATING = frozenset({"add", "done", "cancel", "edit", "추가", "완료", "취소", "수정"})
# BadRequest descriptions that mean the chat will not take our messages at all.
_GONE = (
    "chat not found",
    "bot was kicked",
    "bot is not a member",
    "not enough rights",
    "need administrator rights",
    "have no rights to send",
    "chat_write_forbidden",
    "group chat was deactivated",
    "user is deactivated",
)

T = TypeVar("T")

logging.getLogger("httpx").setLevel(logging.WARNING)


# -- pieces shared by command answers and the digest sender ---------------------------------


class CallbackCodec:
    """Page buttons as callback_data within Telegram's 64-byte limit.

    A short command travels inside the button (`p2|/followup 중기부`), so it still works after
    a restart. A longer one (Korean is 3 bytes a syllable) gets a short id into a bounded
    LRU map; the id carries a random per-process prefix, so an id from an earlier run, or one
    evicted since, is recognised as expired instead of running someone else's command.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._by_key: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._by_value: dict[tuple[str, int], str] = {}
        self._prefix = secrets.token_hex(3)
        self._counter = itertools.count(1)

    def encode(self, command: str, page: int) -> str:
        data = f"p{page}|{command}"
        if len(data.encode()) <= CALLBACK_DATA_LIMIT:
            return data
        value = (command, page)
        key = self._by_value.get(value)
        if key is None:
            key = f"k{self._prefix}{next(self._counter):x}"
            self._by_key[key] = value
            self._by_value[value] = key
            while len(self._by_key) > self.capacity:
                _, old = self._by_key.popitem(last=False)
                self._by_value.pop(old, None)
        self._by_key.move_to_end(key)
        return key

    def decode(self, data: str) -> tuple[str, int] | None:
        """(command, page), or None when the button is unknown or expired."""
        if data.startswith("p") and "|" in data:
            page, command = data[1:].split("|", 1)
            if page.isdigit() and command:
                return command, int(page)
            return None
        value = self._by_key.get(data)
        if value is not None:
            self._by_key.move_to_end(data)
        return value

    def __len__(self) -> int:
        return len(self._by_key)


def keyboard(buttons: Sequence[Button], codec: CallbackCodec) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=codec.encode(b.command, b.page))
          for b in buttons]]
    )  # fmt: skip


def chat_ref(chat_id: str | int) -> int | str:
    """Numeric ids go to the API as numbers; `@channelname` stays a string."""
    text = str(chat_id)
    return int(text) if text.lstrip("-").isdigit() else text


def subscription_key(chat_id: str | int) -> str:
    return f"{PLATFORM}:{chat_id}"


def retry_after_seconds(error: RetryAfter) -> float:
    """Seconds to wait, whether PTB gives an int or (PTB_TIMEDELTA=1) a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def is_gone(error: BadRequest) -> bool:
    text = str(error).lower()
    return any(phrase in text for phrase in _GONE)


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


async def with_backoff(call: Callable[[], Awaitable[T]], what: str) -> T:
    """Retry connection failures and timeouts; BadRequest (also a NetworkError) is final."""
    for delay in (*NETWORK_RETRIES, None):
        try:
            return await call()
        except BadRequest:
            raise
        except NetworkError as e:
            if delay is None:
                raise
            log.warning("%s failed (%s); retrying in %.1f s", what, e, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


class _RedactToken(logging.Filter):
    """Belt and braces: no log line from the Telegram stack may carry the token."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if self.token in text:
                record.exc_text = text.replace(self.token, "<token>")
                record.exc_info = None
        return True


def _protect_logs(token: str) -> None:
    redact = _RedactToken(token)
    names = [
        n
        for n in logging.root.manager.loggerDict
        if n.startswith(("telegram", "httpx", "httpcore"))
    ]
    for name in [*names, "httpx", "httpcore", "telegram", __name__]:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactToken) and f.token == token for f in logger.filters):
            logger.addFilter(redact)


# -- the digest outbox's sender ----------------------------------------------------------------


class TelegramSender:
    """bot.delivery.Sender for Telegram: one Reply to one subscribed chat.

    When a multi-part reply fails half-way, the parts already delivered are remembered, so
    the outbox's retry continues where it stopped instead of sending them twice.
    """

    platform = PLATFORM

    def __init__(self, bot: Bot, codec: CallbackCodec, memory: int = 1024) -> None:
        self.bot = bot
        self.codec = codec
        self._memory = memory
        self._progress: OrderedDict[tuple[str, int], list[str]] = OrderedDict()

    async def send(self, sub: Subscription, reply: Reply) -> list[str]:
        parts = render.telegram(reply)
        markup = keyboard(reply.buttons, self.codec)
        key = (sub.key, hash(tuple(parts)))
        sent = self._progress.get(key, [])
        chat = chat_ref(sub.chat_id)
        try:
            for i in range(len(sent), len(parts)):
                message = await self.bot.send_message(
                    chat,
                    parts[i],
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=markup if i == len(parts) - 1 else None,
                )
                sent.append(str(message.message_id))
                self._remember(key, sent)
        except RetryAfter as e:
            raise RetryLater(f"Telegram 429: {e}", after=retry_after_seconds(e)) from e
        except ChatMigrated as e:
            raise ChatMoved(f"Telegram: {e}", str(e.new_chat_id)) from e
        except Forbidden as e:
            raise ChatGone(f"Telegram 403: {e}") from e
        except BadRequest as e:
            if is_gone(e):
                raise ChatGone(f"Telegram 400: {e}") from e
            raise DeliveryError(f"Telegram 400: {e}") from e
        except NetworkError as e:
            raise RetryLater(f"Telegram network error: {e}", after=5.0) from e
        except TelegramError as e:
            raise DeliveryError(f"Telegram: {e}") from e
        self._progress.pop(key, None)
        return list(sent)

    def _remember(self, key: tuple[str, int], sent: list[str]) -> None:
        self._progress[key] = sent
        self._progress.move_to_end(key)
        while len(self._progress) > self._memory:
            self._progress.popitem(last=False)


# -- answering updates -------------------------------------------------------------------------


class Handlers:
    """The update handlers, sharing the command context and the button codec."""

    def __init__(self, ctx: Context, codec: CallbackCodec) -> None:
        self.ctx = ctx
        self.codec = codec
        self.answerer = Answerer(ctx)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        user = update.effective_user
        sender = user or message.sender_chat  # a channel post has no user, only the channel
        text = message.text
        if split_command(text)[0] == "start":  # Telegram's "Start" button in a new chat
            text = "/help"
        req = Request(
            platform=PLATFORM,
            user_id=str(sender.id) if sender else "",
            chat_id=str(chat.id),
            text=text,
            is_private=chat.type == ChatType.PRIVATE,
        )
        thread = message.message_thread_id if message.is_topic_message else None
        try:
            reply = await self.answerer(req)
            await self.answer(context.bot, chat.id, reply, thread)
        except Exception:
            log.exception("answering %r in chat %s failed", text[:100], chat.id)
            await self.apologise(context.bot, chat.id, thread)

    async def on_addressed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command we do not know, in a group: answered only when addressed to this bot."""
        message = update.effective_message
        first = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
        _, _, to = first.partition("@")
        if to and to.lower() == (context.bot.username or "").lower():
            await self.on_command(update, context)

    async def answer(
        self, bot: Bot, chat_id: int, reply: Reply, thread: int | None = None
    ) -> list[Message]:
        """Send a reply; a blocked chat pauses its subscription, a migrated group is followed."""
        try:
            return await self.send_parts(bot, chat_id, render.telegram(reply), reply, thread)
        except ChatMigrated as e:
            new_id = int(e.new_chat_id)
            await asyncio.to_thread(self.migrate, chat_id, new_id)
            return await self.send_parts(bot, new_id, render.telegram(reply), reply, None)
        except Forbidden as e:
            await asyncio.to_thread(self.chat_gone, chat_id, str(e))
            return []
        except BadRequest as e:
            if not is_gone(e):
                raise
            await asyncio.to_thread(self.chat_gone, chat_id, str(e))
            return []

    async def send_parts(
        self,
        bot: Bot,
        chat_id: int,
        parts: list[str],
        reply: Reply,
        thread: int | None,
    ) -> list[Message]:
        markup = keyboard(reply.buttons, self.codec)
        sent = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1

            def call(part: str = part, last: bool = last) -> Awaitable[Message]:
                return bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=markup if last else None,
                    message_thread_id=thread,
                )

            sent.append(await with_backoff(call, f"sendMessage to {chat_id}"))
        return sent

    async def apologise(self, bot: Bot, chat_id: int, thread: int | None = None) -> None:
        try:
            await bot.send_message(chat_id, SORRY, message_thread_id=thread)
        except TelegramError as e:
            log.warning("could not tell chat %s about the error: %s", chat_id, e)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A page button: run its command again at that page and edit the message in place."""
        query = update.callback_query
        if query is None:
            return
        decoded = self.codec.decode(query.data or "")
        message = query.message
        if decoded is None or not isinstance(message, Message):
            await query.answer(EXPIRED)
            return
        command, page = decoded
        name, args = split_command(command)
        if name not in REGISTRY or (args and args[0].lower() in _MUTATING):
            await query.answer(NOT_A_PAGE, show_alert=True)
            return
        chat = message.chat
        req = Request(
            platform=PLATFORM,
            user_id=str(query.from_user.id),
            chat_id=str(chat.id),
            text=command,
            is_private=chat.type == ChatType.PRIVATE,
        )
        try:
            reply = await self.answerer(req, page)
            parts = render.telegram(reply)
            markup = keyboard(reply.buttons, self.codec)
            try:
                await message.edit_text(
                    parts[0],
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=markup if len(parts) == 1 else None,
                )
            except BadRequest as e:
                if "not modified" not in str(e).lower():
                    # too old to edit, or deleted: answer with a new message instead
                    log.info("editing message %s failed (%s); sending anew", message.id, e)
                    await self.send_parts(context.bot, chat.id, parts, reply, None)
                    parts = []
            if len(parts) > 1:
                await self.send_parts(context.bot, chat.id, parts[1:], reply, None)
            await query.answer()
        except Exception:
            log.exception("page button %r in chat %s failed", command[:100], chat.id)
            try:
                await query.answer(SORRY, show_alert=True)
            except TelegramError as e:
                log.warning("could not answer the button press: %s", e)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: its subscription follows it to the new chat id."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        await asyncio.to_thread(self.migrate, old, new)

    def migrate(self, old: int, new: int) -> None:
        store = self.ctx.store
        if store.subscription(subscription_key(old)) is None:
            return
        store.rekey_subscription(subscription_key(old), subscription_key(new), str(new))
        log.info("chat %s migrated to %s; subscription rekeyed", old, new)

    def chat_gone(self, chat_id: int, reason: str) -> None:
        key = subscription_key(chat_id)
        log.warning("chat %s will not take messages (%s)", chat_id, reason)
        if self.ctx.store.subscription(key) is not None:
            self.ctx.store.pause_subscription(key, reason[:200])
            log.warning("subscription %s paused", key)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Last resort for errors outside the handlers' own try blocks: log, tell, go on."""
        log.error("unhandled error in the Telegram adapter", exc_info=context.error)
        if isinstance(context.error, Forbidden | ChatMigrated):
            return
        if isinstance(update, Update) and update.effective_chat is not None:
            await self.apologise(context.bot, update.effective_chat.id)


def build_application(
    ctx: Context, *, rate_limiter: BaseRateLimiter[Any] | None = None
) -> Application:
    """The PTB Application with every command of REGISTRY, page buttons and error handling.

    Raises:
        UsageError: no token configured.
    """
    settings = ctx.settings
    if not settings.telegram_token:
        raise UsageError("TELEGRAM_BOT_TOKEN 이 설정되지 않았습니다.")
    _protect_logs(settings.telegram_token)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=MAX_RETRIES_429))
        .concurrent_updates(False)
    )
    if settings.telegram_base_url:
        base, file_base = bot_url(settings.telegram_base_url)
        builder = builder.base_url(base).base_file_url(file_base)
    app = builder.build()
    handlers = Handlers(ctx, CallbackCodec())
    app.bot_data["agendabot.handlers"] = handlers
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
    app.add_error_handler(handlers.on_error)
    return app


def bot_commands() -> list[BotCommand]:
    """The command menu: every command of REGISTRY with its Korean summary."""
    return [
        BotCommand(cmd.name, cmd.summary[:256])
        for cmd in REGISTRY.values()
        if _COMMAND_NAME.fullmatch(cmd.name)
    ][:100]


class TelegramBot:
    """The running adapter: polling or webhook, plus `.sender` for the digest outbox."""

    def __init__(
        self,
        ctx: Context,
        *,
        rate_limiter: BaseRateLimiter[Any] | None = None,
        own_server: bool = True,
    ) -> None:
        """`own_server=False`: in webhook mode, bind nothing; the caller mounts
        `webhook_handler` at `webhook_path` on its own aiohttp app (one port for all)."""
        settings = ctx.settings
        self.webhook = bool(settings.telegram_webhook_url)
        if self.webhook and not _SECRET.fullmatch(settings.telegram_webhook_secret or ""):
            raise UsageError(
                "웹훅 모드에는 AGENDABOT_TELEGRAM_WEBHOOK_SECRET 이 필요합니다 "
                "(영문·숫자·_·- 1~256자)."
            )
        self.ctx = ctx
        self.app = build_application(ctx, rate_limiter=rate_limiter)
        self.handlers: Handlers = self.app.bot_data["agendabot.handlers"]
        self.sender = TelegramSender(self.app.bot, self.handlers.codec)
        self._runner: web.AppRunner | None = None
        self._initialized = False
        self._started = False
        self.own_server = own_server

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.ctx.settings.telegram_webhook_url).path or "/telegram"

    async def start_sending(self) -> None:
        """Only what sending needs (getMe): for a one-off digest run beside a running bot.

        A Bot API that is briefly unreachable at start is retried, as any other send is."""
        await with_backoff(self.app.initialize, "getMe")
        self._initialized = True

    async def start(self) -> None:
        """getMe, the command menu, then long polling or the webhook, then update processing."""
        await self.start_sending()
        try:
            await self.app.bot.set_my_commands(bot_commands())
        except TelegramError as e:
            log.warning("setMyCommands failed (%s); the command menu may be out of date", e)
        await self.app.start()
        self._started = True
        if self.webhook:
            await self._start_webhook()
            mode = f"webhook on {self.ctx.settings.http_host}:{self.ctx.settings.http_port}"
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(poll_interval=0.0, timeout=30)
            mode = "long polling"
        log.info("Telegram adapter started as @%s (%s)", self.app.bot.username, mode)

    async def _start_webhook(self) -> None:
        settings = self.ctx.settings
        if self.own_server:
            web_app = web.Application()
            web_app.router.add_post(self.webhook_path, self.webhook_handler)
            self._runner = web.AppRunner(web_app, access_log=None, handler_cancellation=True)
            await self._runner.setup()
            await web.TCPSite(self._runner, settings.http_host, settings.http_port).start()
        await self.app.bot.set_webhook(
            settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )

    @property
    def webhook_port(self) -> int | None:
        """The port actually bound (useful when http_port is 0)."""
        if self._runner is None or not self._runner.addresses:
            return None
        return int(self._runner.addresses[0][1])

    async def webhook_handler(self, request: web.Request) -> web.Response:
        """POSTs from Telegram: the secret token is checked first, in constant time."""
        expected = self.ctx.settings.telegram_webhook_secret.encode()
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook request with a wrong secret token from %s refused", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), self.app.bot)
        except Exception as e:
            log.warning("webhook request with an unreadable update refused: %s", e)
            return web.Response(status=400, text="bad update")
        await self.app.update_queue.put(update)
        return web.Response(text="ok")

    async def stop(self) -> None:
        """Stop taking updates, finish the one in hand, close the HTTP clients."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self._started:
            await self.app.stop()
            self._started = False
        if self._initialized:
            await self.app.shutdown()
            self._initialized = False
        log.info("Telegram adapter stopped")
