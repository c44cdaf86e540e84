"""The outbox: one claim per (subscription, week), and the rate limiter's pacing."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from pathlib import Path

import aiohttp
import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot import render
from bot.adapters.slack import SlackSender
from bot.adapters.telegram import CallbackCodec, TelegramSender
from bot.adapters.telegram.sender import delivery_error
from bot.chats import ChatKey
from bot.delivery import ChatMoved, Limit, MaybeSent, Pace, RetryLater
from bot.model import Subscription
from bot.reply import Line, Reply, Section
from bot.store import Store
from digests.outbox import Policy, RateLimiter, deliver
from fakes.fake_sender import FakeClock, FakeSender

REPLY = Reply(title="주간 요약", sections=(Section(lines=(Line("할 일"),)),))
EMPTY = Reply(title="주간 요약", empty=True)


def sub(key: str = "telegram:1", **kw: object) -> Subscription:
    base: dict[str, object] = {
        "key": key,
        "platform": key.split(":")[0],
        "chat_id": key.split(":")[-1],
    }
    base.update(kw)
    return Subscription(**base)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Store:
    return Store(tmp_path / "db.json", clock=FakeClock("2026-11-23T09:00:00+09:00"))


async def no_sleep(seconds: float) -> None:
    return None


def test_deliver_once(db: Store) -> None:
    sender = FakeSender()
    s = sub()
    assert asyncio.run(deliver(db, sender, s, "2026-W48", REPLY)) == "sent"
    assert asyncio.run(deliver(db, sender, s, "2026-W48", REPLY)) == "already"
    assert sender.count("telegram:1") == 1
    record = db.delivery("telegram:1", "2026-W48")
    assert record is not None and record.message_ids == ("1/1",)
    # Another week is another delivery.
    assert asyncio.run(deliver(db, sender, s, "2026-W49", REPLY)) == "sent"


def test_two_concurrent_deliveries_of_one_digest_send_once(db: Store) -> None:
    sender = FakeSender()

    async def both() -> list[str]:
        return list(
            await asyncio.gather(*(deliver(db, sender, sub(), "W", REPLY) for _ in range(5)))
        )

    results = asyncio.run(both())
    assert sorted(results) == ["already"] * 4 + ["sent"]
    assert sender.calls == 1


def test_quiet_subscription_records_an_empty_week_as_skipped(db: Store) -> None:
    sender = FakeSender()
    assert asyncio.run(deliver(db, sender, sub(quiet_when_empty=True), "W", EMPTY)) == "skipped"
    assert sender.calls == 0
    assert asyncio.run(deliver(db, sender, sub(), "W2", EMPTY)) == "sent"  # not quiet: sent


def test_retry_later_exhausted_is_failed_not_lost(db: Store) -> None:
    sender = FakeSender()
    sender.script["telegram:1"] = [RetryLater("429", after=1)] * 3
    status = asyncio.run(
        deliver(db, sender, sub(), "W", REPLY, policy=Policy(retries=2, sleep=no_sleep))
    )
    assert status == "failed"
    # The failed claim is taken again by the next attempt.
    assert (
        asyncio.run(deliver(db, sender, sub(), "W", REPLY, policy=Policy(sleep=no_sleep))) == "sent"
    )
    record = db.delivery("telegram:1", "W")
    assert record is not None and record.attempts == 2 and record.status == "sent"


def test_an_absurd_retry_after_is_left_to_a_later_tick(db: Store) -> None:
    sender = FakeSender()
    sender.script["telegram:1"] = [RetryLater("429", after=3600)]
    assert (
        asyncio.run(deliver(db, sender, sub(), "W", REPLY, policy=Policy(sleep=no_sleep)))
        == "failed"
    )


def test_a_moved_chat_keeps_its_platform_and_team() -> None:
    assert str(ChatKey.of(sub("telegram:-5")).moved_to("-1005")) == "telegram:-1005"
    slack = sub("slack:T1:C1", platform="slack", chat_id="C1", team_id="T1")
    assert str(ChatKey.of(slack).moved_to("C2")) == "slack:T1:C2"


TELEGRAM = TelegramSender(Bot("1:fake"), CallbackCodec())
SLACK = SlackSender(AsyncWebClient())


def tg(key: str) -> Pace:
    """Telegram's declared pace for the chat of `key`."""
    return TELEGRAM.pace(key.split(":")[-1])


def test_each_sender_counts_the_parts_its_platform_splits_into() -> None:
    long = Reply(title="t", sections=(Section(lines=tuple(Line("가" * 300) for _ in range(40))),))
    parts = len(render.telegram(long))
    assert parts > 1 and TELEGRAM.parts(long) == parts
    assert SLACK.parts(long) == len(render.slack(long))
    assert TELEGRAM.parts(REPLY) == SLACK.parts(REPLY) == 1


def test_a_chat_that_moves_is_followed_and_delivered_once(db: Store) -> None:
    db.save_subscription(sub("telegram:-5"), by="t")
    sender = FakeSender()
    sender.script["telegram:-5"] = [ChatMoved("migrated", new_chat_id="-1005")]
    assert asyncio.run(deliver(db, sender, sub("telegram:-5"), "W", REPLY)) == "sent"
    assert db.subscription("telegram:-5") is None
    assert db.subscription("telegram:-1005") is not None
    assert sender.count("telegram:-1005") == 1


# -- the rate limiter, on a fake monotonic clock -------------------------------------------


class Mono:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_telegram_overall_pace_is_30_per_second() -> None:
    mono = Mono()
    limiter = RateLimiter(clock=mono)
    delays = [limiter.reserve(sub(f"telegram:{n}"), tg(f"{n}")) for n in range(90)]
    assert delays[0] == 0
    assert delays[30] == pytest.approx(1.0)
    assert delays[89] == pytest.approx(89 / 30)
    assert all(b > a for a, b in itertools.pairwise(delays))


def test_telegram_one_message_per_second_per_chat() -> None:
    mono = Mono()
    limiter = RateLimiter(clock=mono)
    assert limiter.reserve(sub("telegram:7"), tg("7"), messages=3, overall=False) == 0
    # The chat's three messages take three seconds of its budget; other chats are not held.
    assert limiter.reserve(sub("telegram:7"), tg("7"), overall=False) == pytest.approx(3.0)
    assert limiter.reserve(sub("telegram:8"), tg("8")) == 0


def test_telegram_group_twenty_per_minute() -> None:
    mono = Mono()
    limiter = RateLimiter(clock=mono)
    group = sub("telegram:-100")
    only_group = Pace(chat=tg("-100").chat[1:])  # without the 1/s per chat, to see the 20/min
    assert only_group.chat == (Limit(20, 60.0, burst=20),)
    delays = [limiter.reserve(group, only_group) for _ in range(21)]
    assert delays[:20] == [0] * 20  # a burst of 20 is allowed
    assert delays[20] == pytest.approx(3.0)  # then one every 3 s
    assert len(tg("5").chat) == 1  # private chats have no group limit


def test_slack_per_channel_only() -> None:
    mono = Mono()
    limiter = RateLimiter(clock=mono)
    pace = SLACK.pace("C1")
    assert [limiter.reserve(sub(f"slack:T:C{n}"), pace) for n in range(50)] == [0] * 50
    assert limiter.reserve(sub("slack:T:C1"), pace) == pytest.approx(1.0)


def test_budget_refills_with_time() -> None:
    mono = Mono()
    limiter = RateLimiter(clock=mono)
    limiter.reserve(sub("telegram:1"), tg("1"))
    mono.t += 5
    assert limiter.reserve(sub("telegram:1"), tg("1")) == 0


def test_a_waiting_chat_does_not_hold_back_the_others() -> None:
    limiter = RateLimiter()
    pace = Pace(Limit(100), (Limit(5),))

    async def run() -> dict[str, float]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        done: dict[str, float] = {}

        async def one(key: str) -> None:
            await limiter.wait(sub(key), pace)
            done[key] = loop.time() - start

        # Chat 1 sends twice (its second waits 200 ms); chats 2..5 must not queue behind it.
        await asyncio.gather(
            *(
                one(k)
                for k in [
                    "telegram:1",
                    "telegram:1",
                    "telegram:2",
                    "telegram:3",
                    "telegram:4",
                    "telegram:5",
                ]
            )
        )
        return done

    done = asyncio.run(run())
    assert max(done[f"telegram:{n}"] for n in range(2, 6)) < 0.15


def test_wait_sleeps_for_the_slot() -> None:
    limiter = RateLimiter()
    pace = Pace(Limit(50))

    async def run() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.gather(*(limiter.wait(sub(f"telegram:{n}"), pace) for n in range(6)))
        return loop.time() - start

    assert 0.09 <= asyncio.run(run()) < 0.5  # 6 slots 20 ms apart


def test_claim_lease_uses_the_store_clock(tmp_path: Path) -> None:
    clock = FakeClock("2026-11-23T09:00:00+09:00")
    store = Store(tmp_path / "db.json", clock=clock)
    lease = dt.timedelta(minutes=10)
    assert store.claim_delivery("k", "W", lease=lease) is not None
    clock.advance(minutes=9)
    assert store.claim_delivery("k", "W", lease=lease) is None
    clock.advance(minutes=2)
    assert store.claim_delivery("k", "W", lease=lease) is not None


def test_a_digest_that_may_have_arrived_is_never_sent_again(db: Store) -> None:
    """No answer after the request went out: recorded as sent (unconfirmed), not resent."""
    sender = FakeSender()
    sender.script["telegram:1"] = [MaybeSent("read timeout")]
    policy = Policy(sleep=no_sleep)
    assert asyncio.run(deliver(db, sender, sub(), "W", REPLY, policy=policy)) == "unconfirmed"
    assert asyncio.run(deliver(db, sender, sub(), "W", REPLY, policy=policy)) == "already"
    record = db.delivery("telegram:1", "W")
    assert record is not None and record.status == "sent"
    assert record.last_error.startswith("unconfirmed")
    assert sender.calls == 1


def _timed_out(cause: Exception) -> TimedOut:
    try:
        raise TimedOut("timed out") from cause
    except TimedOut as e:
        return e


def test_telegram_maps_a_read_timeout_to_maybe_sent_and_a_refused_connection_to_retry() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/bot/sendMessage")
    assert isinstance(
        delivery_error(_timed_out(httpx.ReadTimeout("r", request=request))), MaybeSent
    )
    refused = NetworkError("refused")
    refused.__cause__ = httpx.ConnectError("refused", request=request)
    assert isinstance(delivery_error(refused), RetryLater)
    pool = _timed_out(httpx.PoolTimeout("pool", request=request))
    assert isinstance(delivery_error(pool), RetryLater)


@pytest.mark.parametrize(
    ("error", "expected"),
    [(TimeoutError(), MaybeSent), (aiohttp.ServerDisconnectedError(), MaybeSent)],
)
def test_slack_send_without_an_answer_is_maybe_sent(
    error: Exception, expected: type[Exception]
) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/")

    async def post(**kw: object) -> object:
        raise error

    client.chat_postMessage = post  # type: ignore[method-assign,assignment]
    with pytest.raises(expected):
        asyncio.run(SlackSender(client).send(sub("slack:C1"), REPLY))


def test_slack_send_with_no_connection_is_retried_later() -> None:
    # Nothing listens on port 9: the connection is refused, so nothing went out.
    client = AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/", retry_handlers=[])
    with pytest.raises(RetryLater):
        asyncio.run(SlackSender(client).send(sub("slack:C1"), REPLY))
