"""When digests are due, and a week of ticks and restarts with a controlled clock: each digest
goes out exactly once, late after downtime, never early."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import shutil
from pathlib import Path

import pytest

from bot.delivery import ChatGone, ChatMoved, RetryLater
from bot.model import Subscription
from bot.store import Store
from digests.outbox import RateLimiter
from digests.scheduler import Runner, due, run_forever, send_due, slot
from fakes.fake_sender import Crash, FakeClock, FakeSender

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def make_sub(key: str = "telegram:1", **kw: object) -> Subscription:
    platform = key.split(":")[0]
    base: dict[str, object] = {"key": key, "platform": platform, "chat_id": key.split(":")[-1]}
    base.update(kw)
    return Subscription(**base)  # type: ignore[arg-type]


# -- due(): pure ---------------------------------------------------------------------------


def test_nothing_before_monday_0900_then_the_week_until_sunday() -> None:
    sub = make_sub()
    assert due(sub, at("2026-11-23T08:59:59+09:00")) is None
    assert due(sub, at("2026-11-23T09:00:00+09:00")) == "2026-W48"
    assert due(sub, at("2026-11-25T10:00:00+09:00")) == "2026-W48"
    assert due(sub, at("2026-11-29T23:59:59+09:00")) == "2026-W48"
    assert due(sub, at("2026-11-30T08:59:00+09:00")) is None  # a new week, slot not yet come
    assert due(sub, at("2026-11-30T09:00:00+09:00")) == "2026-W49"
    # The same instant in UTC notation.
    assert due(sub, at("2026-11-23T00:00:00+00:00")) == "2026-W48"
    assert due(sub, at("2026-11-22T23:59:00+00:00")) is None


def test_slot_is_in_the_subscriptions_own_zone_and_weekday() -> None:
    berlin = make_sub(tz="Europe/Berlin", weekday=4, time="17:30")
    assert due(berlin, at("2026-11-27T17:29:00+01:00")) is None
    assert due(berlin, at("2026-11-27T17:30:00+01:00")) == "2026-W48"
    # Monday 07:00 KST is still Sunday night in Berlin: last week's period.
    mon = make_sub(tz="Europe/Berlin")
    assert due(mon, at("2026-11-23T07:00:00+09:00")) == "2026-W47"
    # Monday 09:00 KST is 01:00 in Berlin: the new week, its slot not yet come.
    assert due(mon, at("2026-11-23T09:00:00+09:00")) is None


@pytest.mark.parametrize(
    ("before", "on_time", "period"),
    [
        # Spring forward on Sunday 2027-03-28: Monday 09:00 is 07:00 UTC (CEST), not 08:00.
        ("2027-03-29T06:59:00+00:00", "2027-03-29T07:00:00+00:00", "2027-W13"),
        # The Monday before, still CET: 09:00 local is 08:00 UTC.
        ("2027-03-22T07:59:00+00:00", "2027-03-22T08:00:00+00:00", "2027-W12"),
        # Fall back on Sunday 2026-10-25: Monday 09:00 is 08:00 UTC (CET).
        ("2026-10-26T07:59:00+00:00", "2026-10-26T08:00:00+00:00", "2026-W44"),
    ],
)
def test_berlin_across_dst_fires_at_local_0900(before: str, on_time: str, period: str) -> None:
    sub = make_sub(tz="Europe/Berlin")
    assert due(sub, at(before)) is None
    assert due(sub, at(on_time)) == period
    assert slot(sub, at(on_time)).astimezone(UTC) == at(on_time)


def test_slot_inside_the_spring_forward_gap_still_fires_that_morning() -> None:
    sub = make_sub(tz="Europe/Berlin", weekday=6, time="02:30")  # no 02:30 on 2027-03-28
    s = slot(sub, at("2027-03-28T12:00:00+02:00"))
    assert s.astimezone(UTC) == at("2027-03-28T01:30:00+00:00")  # = 03:30 CEST
    assert due(sub, at("2027-03-28T03:29:00+02:00")) is None
    assert due(sub, at("2027-03-28T03:30:00+02:00")) == "2027-W12"


def test_a_subscription_made_after_this_weeks_slot_waits_for_next_week() -> None:
    sub = make_sub(created_at=at("2026-11-24T15:00:00+09:00"))
    assert due(sub, at("2026-11-25T10:00:00+09:00")) is None
    assert due(sub, at("2026-11-30T09:00:00+09:00")) == "2026-W49"


def test_a_korean_public_holiday_moves_the_digest_to_the_next_workday() -> None:
    sub = make_sub()  # Monday 09:00; 2026-03-02 is the substitute holiday for 삼일절
    assert due(sub, at("2026-03-02T10:00:00+09:00")) is None
    assert due(sub, at("2026-03-03T08:59:00+09:00")) is None
    assert due(sub, at("2026-03-03T09:00:00+09:00")) == "2026-W10"
    on_holidays = make_sub(skip_holidays=False)
    assert due(on_holidays, at("2026-03-02T09:00:00+09:00")) == "2026-W10"


def test_holidays_in_a_row_and_at_the_weeks_end() -> None:
    seollal = make_sub(weekday=0)  # Monday 2026-02-16 is 설날 eve; Tuesday and Wednesday too
    assert slot(seollal, at("2026-02-16T12:00:00+09:00")).date() == dt.date(2026, 2, 19)
    sunday = make_sub(weekday=6)  # Sunday 2026-03-01, 삼일절: no later day in that week
    assert slot(sunday, at("2026-03-01T12:00:00+09:00")).date() == dt.date(2026, 3, 1)


# -- the runner over a week ------------------------------------------------------------------


class World:
    """One database file, a clock, a sender: `restart()` is a new process on the same file."""

    def __init__(self, path: Path, start: str) -> None:
        self.path = path
        self.clock = FakeClock(start)
        self.sender = FakeSender("telegram")
        self.slept: list[float] = []
        self.restart()

    def restart(self) -> None:
        self.store = Store(self.path, clock=self.clock)
        self.runner = Runner(
            self.store,
            {"telegram": self.sender},
            clock=self.clock,
            limiter=RateLimiter(),
            sleep=self._sleep,
        )

    async def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def tick(self, when: str | None = None) -> dict[str, int]:
        if when:
            self.clock.set(when)
        return dict(asyncio.run(self.runner.tick()))

    def subscribe(self, sub: Subscription) -> None:
        self.store.save_subscription(sub, by="test")


@pytest.fixture
def world(seed_db: Path, tmp_path: Path) -> World:
    path = tmp_path / "db.json"
    shutil.copy(seed_db, path)
    w = World(path, "2026-11-20T12:00:00+09:00")
    w.subscribe(make_sub("telegram:1"))
    w.subscribe(make_sub("telegram:-1002", weekday=2, time="18:00"))
    w.subscribe(make_sub("telegram:3", tz="Europe/Berlin"))
    return w


def test_a_week_with_three_restarts_delivers_each_digest_once(world: World) -> None:
    times = [
        "2026-11-23T08:00:00+09:00",
        "2026-11-23T09:00:00+09:00",  # telegram:1 due
        "2026-11-23T09:00:30+09:00",
        "2026-11-23T16:59:00+09:00",
        "2026-11-23T17:00:00+09:00",  # 09:00 Berlin: telegram:3 due
        "2026-11-24T12:00:00+09:00",
        "2026-11-25T17:59:00+09:00",
        "2026-11-25T18:00:00+09:00",  # telegram:-1002 due
        "2026-11-26T09:00:00+09:00",
        "2026-11-29T23:00:00+09:00",
    ]
    for i, when in enumerate(times):
        if i in (2, 5, 8):
            world.restart()
        world.tick(when)
    assert [world.sender.count(k) for k in ("telegram:1", "telegram:-1002", "telegram:3")] == [
        1,
        1,
        1,
    ]
    periods = {(d.subscription, d.period, d.status) for d in world.store.deliveries()}
    assert periods == {
        ("telegram:1", "2026-W48", "sent"),
        ("telegram:-1002", "2026-W48", "sent"),
        ("telegram:3", "2026-W48", "sent"),
    }
    # The next week starts over, once each again.
    world.restart()
    world.tick("2026-11-30T09:00:00+09:00")
    world.tick("2026-11-30T09:01:00+09:00")
    assert world.sender.count("telegram:1") == 2
    assert world.store.delivery("telegram:1", "2026-W49") is not None


def test_down_over_monday_sends_on_wednesday_once(world: World) -> None:
    assert world.tick("2026-11-23T08:59:00+09:00") == {}  # never before Monday 09:00
    assert world.sender.calls == 0
    world.restart()  # the process was down from here until Wednesday
    counts = world.tick("2026-11-25T10:00:00+09:00")
    assert counts == {"sent": 2}  # telegram:1 and telegram:3; -1002 is due at 18:00
    assert world.sender.count("telegram:1") == 1
    world.restart()
    assert world.tick("2026-11-25T10:00:30+09:00") == {}
    assert world.sender.count("telegram:1") == 1
    sent = world.store.delivery("telegram:1", "2026-W48")
    assert sent is not None and sent.status == "sent" and sent.attempts == 1


def test_the_digest_is_recorded_as_the_subscriptions_last(world: World) -> None:
    world.tick("2026-11-23T09:00:00+09:00")
    sub = world.store.subscription("telegram:1")
    assert sub is not None and sub.last_digest_at == world.clock()
    _, reply = world.sender.accepted[0]
    assert reply.meta["period"] == "2026-W48"


def test_retry_later_then_success(world: World) -> None:
    world.sender.script["telegram:1"] = [RetryLater("429", after=7), RetryLater("502", after=0)]
    counts = world.tick("2026-11-23T09:00:00+09:00")
    assert counts["sent"] == 1
    assert world.sender.count("telegram:1") == 1
    assert world.slept == [7, 2.0]  # retry_after honoured, then backoff
    record = world.store.delivery("telegram:1", "2026-W48")
    assert record is not None and record.status == "sent"


def test_retry_later_forever_fails_and_a_later_tick_retries(world: World) -> None:
    world.sender.script["telegram:1"] = [RetryLater("429", after=1)] * 6
    assert world.tick("2026-11-23T09:00:00+09:00")["failed"] == 1
    record = world.store.delivery("telegram:1", "2026-W48")
    assert record is not None and record.status == "failed" and "RetryLater" in record.last_error
    assert world.tick("2026-11-23T09:00:30+09:00") == {}  # backing off
    assert world.tick("2026-11-23T09:05:00+09:00") == {"sent": 1}
    assert world.sender.count("telegram:1") == 1


def test_a_sender_bug_fails_one_delivery_not_the_tick(world: World) -> None:
    world.sender.script["telegram:1"] = [RuntimeError("boom")]
    counts = world.tick("2026-11-23T17:00:00+09:00")
    assert counts == {"failed": 1, "sent": 1}


def test_chat_gone_pauses_the_subscription(world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.sender.script["telegram:1"] = [ChatGone("Forbidden: bot was blocked by the user")]
    with caplog.at_level(logging.WARNING, logger="digests"):
        counts = world.tick("2026-11-23T09:00:00+09:00")
    assert counts == {"paused": 1}
    sub = world.store.subscription("telegram:1")
    assert sub is not None and sub.paused and "blocked" in sub.paused_reason
    assert any(
        "telegram:1" in r.getMessage() and "paused" in r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING
    )
    # Not knocked on again, this week or the next.
    assert world.tick("2026-11-25T10:00:00+09:00") == {"sent": 1}  # only telegram:3
    world.tick("2026-11-30T09:00:00+09:00")
    assert world.sender.calls == 2


def test_chat_moved_follows_the_new_id_once(world: World) -> None:
    world.sender.script["telegram:-1002"] = [ChatMoved("migrated", new_chat_id="-100777")]
    counts = world.tick("2026-11-25T18:00:00+09:00")
    assert counts["sent"] == 3
    assert world.store.subscription("telegram:-1002") is None
    moved = world.store.subscription("telegram:-100777")
    assert moved is not None and moved.chat_id == "-100777"
    assert world.sender.count("telegram:-100777") == 1
    world.restart()
    world.tick("2026-11-26T10:00:00+09:00")
    assert world.sender.count("telegram:-100777") == 1  # not again under its new key


def test_crash_between_send_and_record_resends_once_after_the_lease(world: World) -> None:
    """The platform took the message, then the process died before finish_delivery."""

    def die(sub: Subscription) -> None:
        raise Crash()

    world.sender.after_accept = die
    with pytest.raises(BaseException) as crashed:
        world.tick("2026-11-23T09:00:00+09:00")
    assert isinstance(crashed.value, Crash) or any(
        isinstance(e, Crash) for e in getattr(crashed.value, "exceptions", ())
    )
    record = world.store.delivery("telegram:1", "2026-W48")
    assert record is not None and record.status == "sending"
    assert world.sender.count("telegram:1") == 1

    world.sender.after_accept = None
    world.restart()
    # Within the lease the claim may still belong to a live sender: do not send.
    world.tick("2026-11-23T09:05:00+09:00")
    assert world.sender.count("telegram:1") == 1
    # After the lease the claim is taken over: sent again, exactly once more.
    world.tick("2026-11-23T09:10:01+09:00")
    world.tick("2026-11-23T09:11:00+09:00")
    world.restart()
    world.tick("2026-11-24T09:00:00+09:00")
    assert world.sender.count("telegram:1") == 2
    record = world.store.delivery("telegram:1", "2026-W48")
    assert record is not None and record.status == "sent" and record.attempts == 2


def test_paused_and_senderless_subscriptions_are_skipped(world: World) -> None:
    world.store.pause_subscription("telegram:3", "test")
    world.subscribe(make_sub("slack:T1:C1"))
    counts = world.tick("2026-11-23T17:00:00+09:00")
    assert counts == {"sent": 1, "no-sender": 1}


def test_quiet_subscription_skips_an_empty_week(world: World) -> None:
    imported = world.store.meetings()[0].imported_at
    world.subscribe(
        make_sub("telegram:9", horizon_days=1, quiet_when_empty=True, last_digest_at=imported)
    )
    world.tick("2026-11-23T09:00:00+09:00")
    assert world.sender.count("telegram:9") == 0
    record = world.store.delivery("telegram:9", "2026-W48")
    assert record is not None and record.status == "skipped"
    assert world.tick("2026-11-23T10:00:00+09:00") == {}


def test_send_due_counts_statuses(world: World) -> None:
    counts = asyncio.run(
        send_due(world.store, {"telegram": world.sender}, at("2026-11-23T17:00:00+09:00"))
    )
    assert counts == {"sent": 2}
    again = asyncio.run(
        send_due(world.store, {"telegram": world.sender}, at("2026-11-23T17:00:00+09:00"))
    )
    assert again == {}


def test_run_forever_catches_up_at_start_and_stops(world: World) -> None:
    world.clock.set("2026-11-25T10:00:00+09:00")
    stop = asyncio.Event()
    ticks: list[int] = []
    original = world.runner.tick

    async def tick(now: dt.datetime | None = None) -> object:
        result = await original(now)
        ticks.append(1)
        stop.set()
        return result

    world.runner.tick = tick  # type: ignore[method-assign,assignment]
    asyncio.run(asyncio.wait_for(run_forever(world.runner, stop, interval=30.0), 5))
    assert ticks == [1]
    assert world.sender.count("telegram:1") == 1
