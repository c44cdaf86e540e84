"""Deliver one digest exactly once: claim it in the store, send it, record how it ended.

The store's claim is the only thing that makes a digest go out once, across ticks, restarts
and two processes. The one unavoidable gap is a crash after the platform accepted a message and
before `finish_delivery` recorded it: the claim stays "sending", and once its lease expires the
next tick sends it again. That is at most one duplicate, only in that window, and never a loss.

Rate limits are kept here rather than in each adapter so that they hold across every
subscription of a platform at once (Telegram: ~30 msg/s per bot, ~1 msg/s per chat, 20/min per
group; Slack: ~1 msg/s per channel).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import render
from bot.delivery import ChatGone, ChatMoved, RetryLater, Sender
from bot.model import Subscription
from bot.reply import Reply
from bot.store import Store
from digests.build import is_empty

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)
RETRIES = 5  # RetryLater within one claim; later ticks retry a failed delivery with backoff
MAX_WAIT = 300.0  # seconds; a retry_after beyond this is left to a later tick
CLAIM_AHEAD = 1.0  # seconds before its send slot a delivery claims its outbox record


@dataclass
class _Bucket:
    """GCRA: one event per `interval`, with up to `burst` events ahead of schedule."""

    interval: float
    burst: int = 1
    tat: float = 0.0  # theoretical arrival time of the next event

    def allowed(self, now: float) -> float:
        return max(now, self.tat - (self.burst - 1) * self.interval)

    def take(self, at: float, n: int) -> None:
        self.tat = max(self.tat, at) + n * self.interval


@dataclass(frozen=True)
class Limit:
    """`rate` events per `per` seconds, `burst` of them at once."""

    rate: float
    per: float = 1.0
    burst: int = 1

    def bucket(self) -> _Bucket:
        return _Bucket(self.per / self.rate, self.burst)


# Pacing at the ceiling with no burst keeps a bulk send under the overall limit; the per-group
# limit allows its 20/min as a burst, which the 1/s per chat pacing spreads out anyway.
PLATFORM_LIMITS: dict[str, dict[str, Limit]] = {
    "telegram": {
        "overall": Limit(30),
        "chat": Limit(1),
        "group": Limit(20, 60.0, burst=20),
    },
    "slack": {"chat": Limit(1)},
}


class RateLimiter:
    """Reserve send slots per platform and per chat, shared by every delivery of a process.

    A slot is reserved synchronously (no await between looking and taking), so concurrent
    deliveries queue up in order instead of racing, and then each sleeps until its slot.
    """

    def __init__(
        self,
        limits: dict[str, dict[str, Limit]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = PLATFORM_LIMITS if limits is None else limits
        self.clock = clock
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}

    def _bucket(self, platform: str, kind: str, key: str) -> _Bucket | None:
        limit = self.limits.get(platform, {}).get(kind)
        if limit is None:
            return None
        bucket = self._buckets.get((platform, kind, key))
        if bucket is None:
            bucket = self._buckets[(platform, kind, key)] = limit.bucket()
        return bucket

    def reserve(self, sub: Subscription, messages: int = 1, *, overall: bool = True) -> float:
        """Take slots for `messages` messages to `sub`'s chat; returns the seconds to wait.

        With `overall=False` only the chat's own limits are taken (see `wait`).
        """
        now = self.clock()
        buckets = [self._bucket(sub.platform, "chat", sub.chat_id)]
        if sub.platform == "telegram" and sub.chat_id.startswith("-"):
            buckets.append(self._bucket(sub.platform, "group", sub.chat_id))
        if overall:
            buckets.append(self._bucket(sub.platform, "overall", ""))
        active = [b for b in buckets if b is not None]
        at = max((b.allowed(now) for b in active), default=now)
        for b in active:
            b.take(at, messages)
        return at - now

    async def turn(self, sub: Subscription, messages: int = 1) -> float:
        """Wait for the chat's turn, then reserve the platform's; returns when (clock) to send.

        Two steps, so a chat that must wait (its 1/s) does not hold a platform-wide slot in
        the future: that would leave the slots before it unused by every other chat.
        """
        delay = self.reserve(sub, messages, overall=False)
        if delay > 0:
            await asyncio.sleep(delay)
        now = self.clock()
        bucket = self._bucket(sub.platform, "overall", "")
        if bucket is None:
            return now
        at = bucket.allowed(now)
        bucket.take(at, messages)
        return at

    async def until(self, at: float) -> None:
        delay = at - self.clock()
        if delay > 0:
            await asyncio.sleep(delay)

    async def wait(self, sub: Subscription, messages: int = 1) -> None:
        await self.until(await self.turn(sub, messages))


def message_count(sub: Subscription, reply: Reply) -> int:
    """How many messages the platform's sender will split the reply into."""
    if sub.platform == "telegram":
        return len(render.telegram(reply))
    if sub.platform == "slack":
        return len(render.slack(reply))
    return 1


def moved_key(sub: Subscription, new_chat_id: str) -> str:
    """The subscription key of the chat's new id: telegram:-100… or slack:T1:C…."""
    prefix = sub.key[: -len(sub.chat_id)] if sub.key.endswith(sub.chat_id) else f"{sub.platform}:"
    return prefix + new_chat_id


async def deliver(
    store: Store,
    sender: Sender,
    sub: Subscription,
    period: str,
    reply: Reply,
    *,
    limiter: RateLimiter | None = None,
    lease: dt.timedelta = LEASE,
    retries: int = RETRIES,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> str:
    """Send `sub`'s digest for `period` unless it was sent already; return what happened.

    Returns one of: "sent"; "skipped" (empty and the subscription is quiet); "already" (sent, or
    being sent by someone else); "failed" (a later tick retries); "paused" (the chat is gone).
    """
    quiet = sub.quiet_when_empty and is_empty(reply)
    limiter = limiter or RateLimiter({})
    count = message_count(sub, reply)
    slot = None
    if not quiet:
        # Claim shortly before our send slot, not at the start of the tick: a thousand claims
        # up front would queue every later store write (and widen the crash window), while a
        # claim right at the slot would add its latency to the send and bunch sends together.
        slot = await limiter.turn(sub, count)
        await limiter.until(slot - CLAIM_AHEAD)
    claim = await asyncio.to_thread(store.claim_delivery, sub.key, period, lease=lease)
    if claim is None:
        return "already"
    if slot is not None:
        await limiter.until(slot)
    if quiet:
        await _finish(store, sub.key, period, "skipped", "비어 있음")
        return "skipped"
    current = sub
    attempt = 0
    waited = True
    while True:
        if not waited:
            await limiter.wait(current, count)
        waited = False
        try:
            ids = await sender.send(current, reply)
        except RetryLater as e:
            attempt += 1
            if attempt > retries or e.after > MAX_WAIT:
                log.warning("digest %s %s: still rate-limited, retry next tick", sub.key, period)
                await _finish(store, sub.key, period, "failed", f"RetryLater: {e}")
                return "failed"
            wait = max(e.after, min(2.0 ** (attempt - 1), 60.0))
            log.info("digest %s %s: retry %d in %.1fs (%s)", sub.key, period, attempt, wait, e)
            # Only this chat waits: our own pacing keeps the others under the overall limit.
            await sleep(wait)
            continue
        except ChatGone as e:
            # Pausing keeps a blocked bot from knocking on the same door every week.
            log.warning(
                "digest %s paused: the chat no longer takes messages (%s); "
                "resubscribe there to resume",
                current.key,
                e,
            )
            await asyncio.to_thread(store.pause_subscription, current.key, f"전송 불가: {e}")
            await _finish(store, sub.key, period, "failed", f"ChatGone: {e}")
            return "paused"
        except ChatMoved as e:
            if current is not sub:
                await _finish(store, sub.key, period, "failed", f"ChatMoved twice: {e}")
                return "failed"
            new_key = moved_key(sub, e.new_chat_id)
            log.warning("digest %s: chat moved to %s, following it", sub.key, new_key)
            await asyncio.to_thread(store.rekey_subscription, sub.key, new_key, e.new_chat_id)
            current = sub.evolve(key=new_key, chat_id=e.new_chat_id)
            continue
        except Exception as e:
            log.exception("digest %s %s: sending failed", sub.key, period)
            await _finish(store, sub.key, period, "failed", f"{type(e).__name__}: {e}")
            return "failed"
        break
    if current is not sub:
        # The digest reached the chat under its new key too: record it there as well, so the
        # renamed subscription's own due check does not send it again this week.
        if await asyncio.to_thread(store.claim_delivery, current.key, period, lease=lease):
            await _finish(store, current.key, period, "sent", "", ids)
        await _finish(store, sub.key, period, "skipped", f"moved to {current.key}", ids)
        return "sent"
    await _finish(store, sub.key, period, "sent", "", ids)
    log.info("digest %s %s sent (%d messages)", sub.key, period, len(ids))
    return "sent"


async def _finish(
    store: Store, key: str, period: str, status: str, error: str, ids: list[str] | None = None
) -> None:
    await asyncio.to_thread(
        store.finish_delivery, key, period, status=status, error=error, message_ids=ids or ()
    )
