"""When each subscription's digest is due, and the loop inside `agendabot run` that sends it.

`due(sub, now)` is the whole schedule, as a pure function: the subscription's slot this ISO
week (weekday + time in its own time zone) has come and the subscription existed before it.
A tick sends every due digest through the outbox, which makes it go out once however often
ticks run; so catching up after downtime needs nothing special: the first tick after a start
finds this week's slot passed and not yet delivered, and sends it.

The `schedule` library only decides when to tick (every `interval` seconds, plus one job per
distinct slot so a digest leaves at its minute rather than up to `interval` later). It keeps no
state across restarts and replays nothing, which is why it never decides *what* is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from zoneinfo import ZoneInfo

import holidays
import schedule

from bot import metrics
from bot.delivery import Sender
from bot.model import Subscription
from bot.reply import Reply
from bot.store import Store
from digests.build import DigestSource, period_of, preview
from digests.outbox import LEASE, Policy, RateLimiter, deliver

log = logging.getLogger(__name__)

__all__ = ["Runner", "due", "preview", "run_forever", "send_due", "slot"]

_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_ATTEMPTS = 8  # failed deliveries of one week are retried with backoff, then left alone


@functools.cache
def _korean_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=year)


def workday(day: dt.date) -> dt.date:
    """The day itself, or the next day in its ISO week that is no Korean public holiday.

    A digest due on 설날 Monday goes out on Tuesday; a week that is all holidays keeps the day.
    """
    candidate = day
    while candidate in _korean_holidays(candidate.year):
        candidate += dt.timedelta(days=1)
        if candidate.weekday() == 0:  # the next week has begun: keep the original day
            return day
    return candidate


def slot(sub: Subscription, now: dt.datetime) -> dt.datetime:
    """This ISO week's send time of `sub`, in its zone (DST-correct: local wall-clock time)."""
    zone = ZoneInfo(sub.tz)
    today = now.astimezone(zone).date()
    day = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=sub.weekday)
    if sub.skip_holidays:
        day = workday(day)
    hour, minute = (int(p) for p in sub.time.split(":"))
    # A wall-clock time inside a spring-forward gap resolves to the instant an hour later,
    # the first moment that day when clocks show a later time: still "that morning".
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def due(sub: Subscription, now: dt.datetime) -> str | None:
    """The period (ISO week, e.g. 2026-W48) whose digest `sub` should have by `now`, if any.

    Only this week's slot counts: a digest missed while the bot was down is sent late within
    its week, never once the next week has begun (that week's digest replaces it). A
    subscription made after this week's slot waits for next week's.
    """
    at = slot(sub, now)
    if at > now:
        return None
    if sub.created_at is not None:
        created = sub.created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.UTC)
        if created > at:
            return None
    return period_of(at.date())


def _retry_after(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


# Outcomes that are not retried (the rest stay pending for the next tick).
FINISHED = frozenset({"sent", "unconfirmed", "skipped", "already", "paused"})


class Runner:
    """Finds due digests and delivers them; one per process, shared by every tick."""

    def __init__(
        self,
        store: Store,
        senders: Mapping[str, Sender],
        clock: Callable[[], dt.datetime] | None = None,
        *,
        limiter: RateLimiter | None = None,
        lease: dt.timedelta = LEASE,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.senders = dict(senders)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.limiter = limiter or RateLimiter()
        self.lease = lease
        self.sleep = sleep  # tests pass a fake: RetryLater waits must not take real time
        self._lock = asyncio.Lock()
        self._warned: set[str] = set()
        self.last_tick: float | None = None  # Unix time the last tick finished (/healthz)

    def pending(self, now: dt.datetime) -> list[tuple[Subscription, str]]:
        """Subscriptions due at `now` whose digest is neither sent nor given up on."""
        out = []
        for sub in self.store.subscriptions():
            if sub.paused:
                continue
            period = due(sub, now)
            if period is None:
                continue
            record = self.store.delivery(sub.key, period)
            if record is not None:
                if record.status in ("sent", "skipped"):
                    continue
                if record.status == "failed":
                    if record.attempts >= MAX_ATTEMPTS:
                        continue
                    last = record.claimed_at
                    if last is not None and now - last < _retry_after(record.attempts):
                        continue
            out.append((sub, period))
        return out

    async def tick(self, now: dt.datetime | None = None) -> Counter[str]:
        """Deliver every due digest; returns how many ended in each status."""
        async with self._lock:  # a slow fan-out must not overlap the next tick
            now = now or self.clock()
            todo = self.pending(now)
            metrics.PENDING.set(len(todo))
            counts: Counter[str] = Counter()
            if not todo:
                self.last_tick = time.time()
                return counts
            source = DigestSource.load(self.store, now)
            jobs = []
            for sub, period in todo:
                sender = self.senders.get(sub.platform)
                if sender is None:
                    if sub.platform not in self._warned:
                        self._warned.add(sub.platform)
                        log.warning("no sender for %s: its digests wait", sub.platform)
                    counts["no-sender"] += 1
                    continue
                reply = source.digest(sub, now)
                jobs.append(self._deliver(sender, sub, period, reply))
            for status in await asyncio.gather(*jobs):
                counts[status] += 1
            for status, n in counts.items():
                metrics.DELIVERIES.labels(status).inc(n)
            if counts:
                log.info("digest tick %s: %s", now.isoformat(timespec="minutes"), dict(counts))
            metrics.PENDING.set(sum(n for k, n in counts.items() if k not in FINISHED))
            self.last_tick = time.time()
            return counts

    async def _deliver(self, sender: Sender, sub: Subscription, period: str, reply: Reply) -> str:
        try:
            return await deliver(
                self.store,
                sender,
                sub,
                period,
                reply,
                limiter=self.limiter,
                policy=Policy(lease=self.lease, sleep=self.sleep),
            )
        except Exception:
            # A store error for one subscription must not stop the others.
            log.exception("digest %s %s: delivery crashed", sub.key, period)
            return "error"

    def slots(self) -> set[tuple[int, str, str]]:
        """The distinct (weekday, time, tz) of active subscriptions."""
        return {(s.weekday, s.time, s.tz) for s in self.store.subscriptions() if not s.paused}


def plan(scheduler: schedule.Scheduler, runner: Runner, wake: Callable[[], None]) -> None:
    """(Re)register one `schedule` job per distinct slot, tagged so a resync replaces them."""
    scheduler.clear("slot")
    for weekday, at, tz in sorted(runner.slots()):
        every = getattr(scheduler.every(), _DAY_NAMES[weekday])
        try:
            every.at(at, tz).do(wake).tag("slot")
        except (schedule.ScheduleValueError, ValueError) as e:  # the interval tick still covers it
            log.warning("cannot schedule %s %s %s: %s", weekday, at, tz, e)


async def run_forever(runner: Runner, stop: asyncio.Event, interval: float = 30.0) -> None:
    """Tick at start (catch-up), on every slot, and every `interval` s until `stop` is set."""
    scheduler = schedule.Scheduler()
    wanted = asyncio.Event()
    scheduler.every(max(1, round(interval))).seconds.do(wanted.set)
    generation = -1
    wanted.set()  # catch-up: whatever came due while the process was down
    while not stop.is_set():
        if runner.store.generation != generation:  # subscriptions may have changed
            generation = runner.store.generation
            plan(scheduler, runner, wanted.set)
        scheduler.run_pending()
        if wanted.is_set():
            wanted.clear()
            try:
                await runner.tick()
            except Exception:
                log.exception("digest tick failed; next one in %.0fs", interval)
        idle = scheduler.idle_seconds
        timeout = interval if idle is None else min(max(idle, 0.0), interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=timeout)


async def send_due(
    store: Store, senders: Mapping[str, Sender], now: dt.datetime | None = None
) -> dict[str, int]:
    """Send every digest due at `now` once (`agendabot digest --send-due`)."""
    return dict(await Runner(store, senders).tick(now))
