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
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot import render
from bot.adapters.telegram.codec import CallbackCodec
from bot.delivery import ChatGone, ChatMoved, DeliveryError, Limit, Pace, RetryLater
from bot.model import Subscription
from bot.reply import Reply

log = logging.getLogger(__name__)

PLATFORM = "telegram"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
NETWORK_RETRIES = (0.5, 1.0, 2.0)  # seconds to wait before each retry of a failed send

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
    if isinstance(e, NetworkError):
        return RetryLater(f"Telegram network error: {e}", after=5.0)
    return DeliveryError(f"Telegram: {e}")


class TelegramSender:
    """Sends replies to Telegram chats; `bot.delivery.Sender` for the digest outbox.

    When a multi-part digest fails half-way, the parts already delivered are remembered, so
    the outbox's retry continues where it stopped instead of sending them twice.
    """

    platform = PLATFORM

    def __init__(self, bot: Bot, codec: CallbackCodec, memory: int = 1024) -> None:
        self.bot = bot
        self.codec = codec
        self._memory = memory
        self._progress: OrderedDict[tuple[str, int], list[str]] = OrderedDict()

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
        `retry_network` retries connection failures and timeouts with backoff (a command's
        answer: a rare duplicate beats a lost answer); the outbox retries on its own.
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

    async def send(self, sub: Subscription, reply: Reply) -> list[str]:
        """One digest to one subscribed chat; Bot API errors become `bot.delivery` errors."""
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

    def _remember(self, key: tuple[str, int], done: list[str]) -> None:
        self._progress[key] = done
        self._progress.move_to_end(key)
        while len(self._progress) > self._memory:
            self._progress.popitem(last=False)
