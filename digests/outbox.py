"""Deliver one digest exactly once: claim it in the store, send it, record how it ended.

The store's claim is the only thing that makes a digest go out once, across ticks, restarts
and two processes. The one unavoidable gap is a crash after the platform accepted a message and
before `finish_delivery` recorded it: the claim stays "sending", and once its lease expires the
next tick sends it again. That is at most one duplicate, only in that window, and never a loss.

Rate limits are kept here rather than in each adapter so that they hold across every
subscription of a platform at once; what the limits are is the platform's knowledge, declared
by its Sender (`Sender.pace`), and a chat that is gone or moved is handed to `bot.chats.Chats`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.chats import ChatKey, Chats
from bot.delivery import ChatGone, ChatMoved, Limit, MaybeSent, Pace, RetryLater, Sender
from bot.model import Subscription
from bot.reply import Reply
from bot.store import Store

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

    @classmethod
    def of(cls, limit: Limit) -> _Bucket:
        return cls(limit.per / limit.rate, limit.burst)

    def allowed(self, now: float) -> float:
        return max(now, self.tat - (self.burst - 1) * self.interval)

    def take(self, at: float, n: int) -> None:
        self.tat = max(self.tat, at) + n * self.interval


class RateLimiter:
    """Reserve send slots per platform and per chat, shared by every delivery of a process.

    A slot is reserved synchronously (no await between looking and taking), so concurrent
    deliveries queue up in order instead of racing, and then each sleeps until its slot.
    Buckets are bounded: one per chat that had a digest, forgotten after `MAX_CHATS`.
    """

    MAX_CHATS = 100_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: OrderedDict[tuple[str, int, str], _Bucket] = OrderedDict()

    def _bucket(self, platform: str, slot: int, chat: str, limit: Limit) -> _Bucket:
        key = (platform, slot, chat)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket.of(limit)
            if len(self._buckets) > self.MAX_CHATS:
                self._buckets.popitem(last=False)
        return bucket

    def _chat_buckets(self, sub: Subscription, pace: Pace) -> list[_Bucket]:
        return [self._bucket(sub.platform, i, sub.chat_id, lim) for i, lim in enumerate(pace.chat)]

    def _overall(self, sub: Subscription, pace: Pace) -> _Bucket | None:
        return None if pace.overall is None else self._bucket(sub.platform, -1, "", pace.overall)

    def reserve(
        self, sub: Subscription, pace: Pace, messages: int = 1, *, overall: bool = True
    ) -> float:
        """Take slots for `messages` messages to `sub`'s chat; returns the seconds to wait.

        With `overall=False` only the chat's own limits are taken (see `turn`).
        """
        now = self.clock()
        active = self._chat_buckets(sub, pace)
        shared = self._overall(sub, pace) if overall else None
        if shared is not None:
            active.append(shared)
        at = max((b.allowed(now) for b in active), default=now)
        for b in active:
            b.take(at, messages)
        return at - now

    async def turn(self, sub: Subscription, pace: Pace, messages: int = 1) -> float:
        """Wait for the chat's turn, then reserve the platform's; returns when (clock) to send.

        Two steps, so a chat that must wait (its 1/s) does not hold a platform-wide slot in
        the future: that would leave the slots before it unused by every other chat.
        """
        delay = self.reserve(sub, pace, messages, overall=False)
        if delay > 0:
            await asyncio.sleep(delay)
        now = self.clock()
        bucket = self._overall(sub, pace)
        if bucket is None:
            return now
        at = bucket.allowed(now)
        bucket.take(at, messages)
        return at

    async def until(self, at: float) -> None:
        delay = at - self.clock()
        if delay > 0:
            await asyncio.sleep(delay)

    async def wait(self, sub: Subscription, pace: Pace, messages: int = 1) -> None:
        await self.until(await self.turn(sub, pace, messages))


@dataclass(frozen=True)
class Policy:
    """How hard one delivery tries: its claim's lease, RetryLater attempts, how it sleeps
    between them (tests pass a fake: a RetryLater wait must not take real time)."""

    lease: dt.timedelta = LEASE
    retries: int = RETRIES
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep


async def deliver(
    store: Store,
    sender: Sender,
    sub: Subscription,
    period: str,
    reply: Reply,
    *,
    limiter: RateLimiter | None = None,
    policy: Policy = Policy(),
) -> str:
    """Send `sub`'s digest for `period` unless it was sent already; return what happened.

    Returns one of: "sent"; "skipped" (empty and the subscription is quiet); "already" (sent, or
    being sent by someone else); "failed" (a later tick retries); "paused" (the chat is gone).
    Without a `limiter` nothing is paced (a single preview send, tests).
    """
    return await _Delivery(store, sender, sub, period, reply, limiter, policy).run()


class _Delivery:
    """One digest to one chat: claim, send (retrying, following a moved chat), record."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        sub: Subscription,
        period: str,
        reply: Reply,
        limiter: RateLimiter | None,
        policy: Policy,
    ) -> None:
        self.store, self.sender, self.sub, self.period, self.reply = (
            store, sender, sub, period, reply
        )  # fmt: skip
        self.paced = limiter is not None
        self.limiter = limiter or RateLimiter()
        self.policy = policy
        self.parts = sender.parts(reply)
        self.chats = Chats(store)

    def pace(self, sub: Subscription) -> Pace:
        return self.sender.pace(sub.chat_id) if self.paced else Pace()

    async def run(self) -> str:
        sub, period = self.sub, self.period
        quiet = sub.quiet_when_empty and self.reply.empty
        slot = None
        if not quiet:
            # Claim shortly before our send slot, not at the start of the tick: a thousand
            # claims up front would queue every later store write (and widen the crash
            # window), while a claim right at the slot would add its latency to the send.
            slot = await self.limiter.turn(sub, self.pace(sub), self.parts)
            await self.limiter.until(slot - CLAIM_AHEAD)
        lease = self.policy.lease
        if await asyncio.to_thread(self.store.claim_delivery, sub.key, period, lease=lease) is None:
            return "already"
        if quiet:
            await _finish(self.store, sub.key, period, "skipped", "비어 있음")
            return "skipped"
        assert slot is not None
        await self.limiter.until(slot)
        return await self.send()

    async def send(self) -> str:
        """Send until it is sent, rate-limited for too long, gone, or failed otherwise."""
        sub, period = self.sub, self.period
        current, attempt, waited = sub, 0, True
        while True:
            if not waited:
                await self.limiter.wait(current, self.pace(current), self.parts)
            waited = False
            try:
                ids = await self.sender.send(current, self.reply)
            except RetryLater as e:
                attempt += 1
                if attempt > self.policy.retries or e.after > MAX_WAIT:
                    log.warning(
                        "digest %s %s: still rate-limited, retry next tick", sub.key, period
                    )
                    return await self.failed(f"RetryLater: {e}")
                wait = max(e.after, min(2.0 ** (attempt - 1), 60.0))
                log.info("digest %s %s: retry %d in %.1fs (%s)", sub.key, period, attempt, wait, e)
                # Only this chat waits: our own pacing keeps the others under the overall limit.
                await self.policy.sleep(wait)
                continue
            except MaybeSent as e:
                log.warning("digest %s %s: %s; not sent again", sub.key, period, e)
                await _finish(self.store, sub.key, period, "sent", f"unconfirmed: {e}")
                return "unconfirmed"
            except ChatGone as e:
                await asyncio.to_thread(self.chats.gone, ChatKey.of(current), str(e))
                await self.failed(f"ChatGone: {e}")
                return "paused"
            except ChatMoved as e:
                if current is not sub:
                    return await self.failed(f"ChatMoved twice: {e}")
                moved = await asyncio.to_thread(self.chats.moved, ChatKey.of(sub), e.new_chat_id)
                current = sub.evolve(key=str(moved), chat_id=moved.chat_id)
                continue
            except Exception as e:
                log.exception("digest %s %s: sending failed", sub.key, period)
                return await self.failed(f"{type(e).__name__}: {e}")
            return await self.sent(current, ids)

    async def failed(self, error: str) -> str:
        await _finish(self.store, self.sub.key, self.period, "failed", error)
        return "failed"

    async def sent(self, current: Subscription, ids: list[str]) -> str:
        store, sub, period = self.store, self.sub, self.period
        if current is not sub:
            # The digest reached the chat under its new key too: record it there as well, so
            # the renamed subscription's own due check does not send it again this week.
            lease = self.policy.lease
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
