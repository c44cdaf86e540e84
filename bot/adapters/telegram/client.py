"""The Bot API client: PTB's ExtBot, with polling recorded in the inbox journal and watched.

Why a subclass: PTB's Updater confirms a batch of updates (the next `getUpdates` offset) as
soon as it has queued it, so the only place to write a batch down before Telegram forgets it
is `get_updates` itself. What is written is Telegram's own JSON, kept by the polling
request (`PollingRequest`): PTB's `Update.to_dict()` would cost about 0.15 ms an update. The same place sees every poll succeed or fail, which is what the
adapter's health is made of: PTB's retry loop (`network_retry_loop`) retries failed polls
with its own backoff (1 s growing to 30 s) but hands only some errors to `error_callback`
(not timeouts, not a rejected token), so the reporting is done here, once for every kind.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.adapters import Health
from bot.adapters.telegram.inbox import Inbox, Raw
from bot.adapters.telegram.processor import HANDLING
from bot.adapters.telegram.sender import PLATFORM, CountingRequest, describe
from bot.metrics import RETRIES

log = logging.getLogger(__name__)

REVOKED = "the Bot API rejected the token (revoked or wrong): polling stopped"


class PollWatch:
    """Turns each poll's outcome into health and one log line per failure."""

    def __init__(self, health: Health, on_revoked: Callable[[], None], secret: str = "") -> None:
        self.health = health
        self.on_revoked = on_revoked
        self.secret = secret
        self.failures = 0

    def succeeded(self) -> None:
        if self.failures:
            log.info("polling Telegram works again after %d failed polls", self.failures)
            self.failures = 0
        self.health.ok()

    def failed(self, error: TelegramError) -> None:
        what = describe(error, self.secret)
        if isinstance(error, InvalidToken):
            log.error("Telegram rejected the bot token while polling (%s); %s", what, REVOKED)
            self.health.down(REVOKED)
            self.on_revoked()
            return
        self.failures += 1
        if isinstance(error, RetryAfter):  # counted as a 429 where the answer came in
            log.warning("polling Telegram was rate-limited (%s); PTB waits as told", what)
            return
        RETRIES.labels(PLATFORM).inc()
        log.warning("polling Telegram failed (%s); retrying with backoff", what)
        self.health.degraded(f"polling failed: {what}")


def already_reported(error: TelegramError) -> None:
    """`start_polling(error_callback=…)`: `InboxBot.get_updates` logged the failure already;
    without a callback PTB would log a full traceback for each failed poll."""


class PollingRequest(CountingRequest):
    """The HTTP client of `getUpdates` alone (PTB keeps a separate one for it), keeping the
    body of the last answer: the batch as Telegram sent it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last = b""

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        self.last = b""
        code, self.last = await super().do_request(url, method, *args, **kwargs)
        return code, self.last


class InboxBot(ExtBot[Any]):
    """ExtBot whose `get_updates` records each batch in the inbox before PTB can confirm it,
    and tells the watch how each poll went."""

    def __init__(
        self,
        token: str,
        *,
        get_updates_request: PollingRequest,
        inbox: Inbox | None = None,
        watch: PollWatch | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(token, get_updates_request=get_updates_request, **kw)
        self._polling = get_updates_request
        self._inbox = inbox
        self._watch = watch

    def answering(self) -> None:
        """A message is leaving while an update's handlers run: it answers that update. Say
        so in the inbox first, so a replay after a crash never answers it a second time
        (`MarkingTransport`: called when its first bytes leave, after the rate limiter, so an
        answer still waiting for its turn at the crash is replayed, not lost)."""
        update_id = HANDLING.get()
        if self._inbox is not None and update_id is not None:
            self._inbox.answering(update_id)

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        if self._inbox is not None:
            await self._inbox.room()
        try:
            updates = await super().get_updates(*args, **kwargs)
        except TelegramError as e:
            if self._watch is not None:
                self._watch.failed(e)
            raise
        if self._watch is not None:
            self._watch.succeeded()
        if self._inbox is not None and updates:
            await self._record(self._inbox, updates)
        return updates

    async def _record(self, inbox: Inbox, updates: tuple[Update, ...]) -> None:
        """Write the new updates down (one fsync); mark the ones Telegram sent again."""
        fresh = inbox.admit(self._as_sent(updates))
        new_ids = {raw["update_id"] for raw in fresh}
        for update in updates:
            if update.update_id not in new_ids:
                inbox.mark_echo(update)
        try:
            await asyncio.to_thread(inbox.write, fresh)
        except OSError as e:
            log.error(
                "the inbox journal %s cannot be written (%s): %d updates will be answered, "
                "but a crash now would lose them",
                inbox.path,
                e,
                len(fresh),
            )

    def _as_sent(self, updates: tuple[Update, ...]) -> list[Raw]:
        """The batch's JSON as Telegram sent it (PTB's form if that cannot be had)."""
        try:
            raws = json.loads(self._polling.last)["result"]
        except (ValueError, KeyError, TypeError):
            raws = None
        if not isinstance(raws, list) or [r.get("update_id") for r in raws] != [
            u.update_id for u in updates
        ]:
            return [u.to_dict() for u in updates]
        return raws
