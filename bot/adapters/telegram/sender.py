"""Sending to Telegram: the one send loop, Telegram's rate limits, and its errors.

Both the answers to commands (`handlers.py`) and the digest outbox (through `bot.delivery`'s
`Sender` protocol) send with `TelegramSender.post`, so a long reply is split, marked up and
resumed the same way everywhere.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, TypeVar

import httpx
from telegram import Bot, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot import render
from bot.adapters.telegram.codec import CallbackCodec
from bot.delivery import ChatGone, ChatMoved, DeliveryError, Limit, MaybeSent, Pace, RetryLater
from bot.metrics import MESSAGES, RATE_LIMITED, RETRIES
from bot.model import Subscription
from bot.reply import Attachment, Reply

log = logging.getLogger(__name__)

PLATFORM = "telegram"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
NETWORK_RETRIES = (0.5, 1.0, 2.0)  # seconds to wait before each retry of a failed send
CONNECT_WAIT = 10.0  # seconds a digest waits for the adapter to connect before "retry later"

# Telegram's limits (Bot API FAQ): about 30 messages a second in all, about one a second in a
# chat, 20 a minute in a group. Pacing at the ceiling with no burst keeps a bulk send under
# the overall limit; a group's 20/min is allowed as a burst, which the 1/s pacing spreads.
OVERALL = Limit(30)
PER_CHAT = Limit(1)
PER_GROUP = Limit(20, 60.0, burst=20)

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


def chat_ref(chat_id: str | int) -> int | str:
    """Numeric ids go to the API as numbers; `@channelname` stays a string."""
    text = str(chat_id)
    return int(text) if text.lstrip("-").isdigit() else text


def is_group(chat_id: str | int) -> bool:
    """Group and supergroup ids are negative; users' are positive."""
    return str(chat_id).startswith("-")


def is_gone(error: BadRequest) -> bool:
    text = str(error).lower()
    return any(phrase in text for phrase in _GONE)


def retry_after_seconds(error: RetryAfter) -> float:
    """Seconds to wait, whether PTB gives an int or (PTB_TIMEDELTA=1) a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def surely_unsent(error: NetworkError) -> bool:
    """True when the request cannot have reached Telegram, or Telegram said it failed.

    A connection that was never made (refused, DNS, connect timeout) or never taken from the
    pool carried nothing; a Bot API error answer (a 5xx with `ok: false`) is Telegram's own
    word that the method failed. Anything else — a read or write timeout, a connection
    dropped mid-request, an answer we could not read — may come after Telegram accepted the
    message, and sending it again would show it twice.
    """
    if isinstance(error, BadRequest):
        return False
    cause = error.__cause__
    if cause is None:
        return not isinstance(error, TimedOut)  # an HTTP answer with Telegram's error in it
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def may_have_arrived(error: BaseException) -> bool:
    """A send that failed without telling whether the message arrived (see `surely_unsent`):
    neither resend it nor apologise for it."""
    return isinstance(error, NetworkError) and not surely_unsent(error)


async def with_backoff(
    call: Callable[[], Awaitable[T]], what: str, *, idempotent: bool = False
) -> T:
    """Retry what failed before reaching Telegram; BadRequest (also a NetworkError) is final.

    A call that does the same when repeated (`idempotent`: getMe, getUpdates) is retried
    after any network error or timeout; a send only when it surely did not go out.
    """
    for delay in (*NETWORK_RETRIES, None):
        try:
            return await call()
        except BadRequest:
            raise
        except NetworkError as e:
            if delay is None or not (idempotent or surely_unsent(e)):
                raise
            RETRIES.labels(PLATFORM).inc()
            log.warning("%s failed (%s); retrying in %.1f s", what, describe(e), delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def describe(error: BaseException, secret: str = "") -> str:
    """One line for a log or a health detail: the error's kind and message (and what caused
    a timeout). Never the token: PTB puts it in the message of a rejected getMe."""
    text = str(error) or type(error).__name__
    cause = error.__cause__
    if isinstance(error, TimedOut) and cause is not None:
        text = f"{text} ({type(cause).__name__})"
    if secret:
        text = text.replace(secret, "<token>")
    return f"{type(error).__name__}: {text}"


class MarkingTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, calling `on_send` when a request that shows something in a chat
    (send*, edit*) starts going on the wire: after PTB's rate limiter and the connection
    pool, at httpcore's "send request headers" event. Before that moment nothing can have
    reached Telegram; from then on the message may have arrived."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_send: Callable[[], None] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.on_send is not None and _shows_something(request.url.path):
            request.extensions["trace"] = self._trace
        return await super().handle_async_request(request)

    async def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "http11.send_request_headers.started" and self.on_send is not None:
            self.on_send()


class CountingRequest(HTTPXRequest):
    """PTB's HTTP client, counting what the metrics want: messages delivered (a 200 to
    sendMessage or sendDocument) and every 429, whoever sent the request (answers, digests,
    retries). Its transport tells `on_send` when a message starts leaving (`MarkingTransport`;
    the inbox marks the update it answers)."""

    def __init__(self, connection_pool_size: int = 256, **kwargs: Any) -> None:
        pool = httpx.Limits(
            max_connections=connection_pool_size, max_keepalive_connections=connection_pool_size
        )
        self.transport = MarkingTransport(limits=pool)
        super().__init__(
            connection_pool_size=connection_pool_size,
            httpx_kwargs={"transport": self.transport},
            **kwargs,
        )

    @property
    def on_send(self) -> Callable[[], None] | None:
        return self.transport.on_send

    @on_send.setter
    def on_send(self, hook: Callable[[], None] | None) -> None:
        self.transport.on_send = hook

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code == HTTPStatus.TOO_MANY_REQUESTS:
            RATE_LIMITED.labels(PLATFORM).inc()
        elif code == HTTPStatus.OK and url.endswith(("/sendMessage", "/sendDocument")):
            MESSAGES.labels(PLATFORM).inc()
        return code, payload


def _shows_something(url: str) -> bool:
    method = url.rsplit("/", 1)[-1]
    return method.startswith(("send", "edit"))


def delivery_error(e: TelegramError) -> DeliveryError:
    """A Bot API error as the outbox understands it: wait, pause, follow, or give up."""
    if isinstance(e, RetryAfter):
        return RetryLater(f"Telegram 429: {e}", after=retry_after_seconds(e))
    if isinstance(e, ChatMigrated):
        return ChatMoved(f"Telegram: {e}", str(e.new_chat_id))
    if isinstance(e, Forbidden):
        return ChatGone(f"Telegram 403: {e}")
    if isinstance(e, BadRequest):
        return (ChatGone if is_gone(e) else DeliveryError)(f"Telegram 400: {e}")
    if isinstance(e, NetworkError):  # a resend only when the message surely did not go out
        return (
            MaybeSent(f"Telegram: no answer, the message may have arrived: {e}")
            if may_have_arrived(e)
            else RetryLater(f"Telegram network error: {e}", after=5.0)
        )
    return DeliveryError(f"Telegram: {e}")


class TelegramSender:
    """Sends replies to Telegram chats; `bot.delivery.Sender` for the digest outbox.

    When a multi-part digest fails half-way, the parts already delivered are remembered, so
    the outbox's retry continues where it stopped instead of sending them twice.

    `connected`, when given, is set once the adapter reached the Bot API: a digest due while
    `agendabot run` is still connecting waits a little, then is handed back as RetryLater.
    """

    platform = PLATFORM

    def __init__(self, bot: Bot, codec: CallbackCodec, memory: int = 1024) -> None:
        self.bot = bot
        self.codec = codec
        self._memory = memory
        self._progress: OrderedDict[tuple[str, int], list[str]] = OrderedDict()
        self.connected: asyncio.Event | None = None

    def pace(self, chat_id: str) -> Pace:
        return Pace(OVERALL, (PER_CHAT, PER_GROUP) if is_group(chat_id) else (PER_CHAT,))

    def parts(self, reply: Reply) -> int:
        return len(render.telegram(reply))

    async def post(
        self,
        chat: int | str,
        parts: list[str],
        markup: InlineKeyboardMarkup | None = None,
        *,
        thread: int | None = None,
        done: list[str] | None = None,
        retry_network: bool = False,
    ) -> list[str]:
        """Send `parts` in order, the keyboard under the last; return their message ids.

        `done` holds the ids of parts an earlier attempt delivered: sending resumes after
        them, and it grows as parts go out, so a failure half-way leaves it right.
        `retry_network` retries, with backoff, a send that surely did not reach Telegram
        (`surely_unsent`: a command's answer); one that may have arrived is never sent again,
        so a hung Bot API cannot make a chat see the same answer five times. The outbox
        retries on its own.
        """
        done = [] if done is None else done
        for i in range(len(done), len(parts)):

            def call(i: int = i) -> Awaitable[Message]:
                return self.bot.send_message(
                    chat_ref(chat),
                    parts[i],
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=markup if i == len(parts) - 1 else None,
                    message_thread_id=thread,
                )

            message = await (
                with_backoff(call, f"sendMessage to {chat}") if retry_network else call()
            )
            done.append(str(message.message_id))
        return done

    async def post_files(
        self, chat: int | str, files: tuple[Attachment, ...], *, thread: int | None = None
    ) -> list[str]:
        """Send each file as a document (after the reply's text); return their message ids.

        Like `post` with `retry_network`: a document that surely did not reach Telegram is
        sent again, one that may have arrived (a timeout while uploading or waiting for the
        answer) never, and the error goes up for the caller's "may have arrived" rule.
        """
        ids: list[str] = []
        for file in files:

            def call(file: Attachment = file) -> Awaitable[Message]:
                upload = InputFile(file.data, filename=file.name)
                upload.mimetype = file.mime  # the command's word, not a guess from the name
                return self.bot.send_document(
                    chat_ref(chat),
                    upload,
                    message_thread_id=thread,
                    disable_content_type_detection=True,
                )

            message = await with_backoff(call, f"sendDocument to {chat}")
            ids.append(str(message.message_id))
        return ids

    async def send(self, sub: Subscription, reply: Reply) -> list[str]:
        """One digest to one subscribed chat; Bot API errors become `bot.delivery` errors."""
        await self._until_connected()
        parts = render.telegram(reply)
        key = (sub.key, hash(tuple(parts)))
        done = self._progress.get(key, [])
        self._remember(key, done)
        try:
            await self.post(sub.chat_id, parts, self.codec.keyboard(reply.buttons), done=done)
        except TelegramError as e:
            raise delivery_error(e) from e
        self._progress.pop(key, None)
        return list(done)

    async def _until_connected(self) -> None:
        if self.connected is None or self.connected.is_set():
            return
        try:
            await asyncio.wait_for(self.connected.wait(), CONNECT_WAIT)
        except TimeoutError:
            raise RetryLater("Telegram is not connected yet", after=30.0) from None

    def _remember(self, key: tuple[str, int], done: list[str]) -> None:
        self._progress[key] = done
        self._progress.move_to_end(key)
        while len(self._progress) > self._memory:
            self._progress.popitem(last=False)
