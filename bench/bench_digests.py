"""Weekly digests at scale: build + render 1,000 digests, and a 1,000-chat Telegram fan-out.

Run: .venv/bin/python -m bench.bench_digests [--subs 1000] [--skip-fanout] [--big]

1. Build and render: one DigestSource per tick, then 1,000 subscriptions (mixed ministry
   filters, time zones, Telegram and Slack) each built and rendered for its platform.
   Target ≤ 1 s in total. `--big` repeats it on a database of 1,000 meetings and 100,000
   follow-ups.
2. Fan-out: 1,000 Telegram subscriptions due at once, delivered by digests.scheduler.Runner
   through the real Telegram adapter (python-telegram-bot, bot/adapters/telegram.py) against
   the fake Bot API (fakes/telegram_api.py) on 127.0.0.1. The fake enforces 30 msg/s
   (a token bucket of 30, refilled at 30/s; beyond it: 429 retry_after=1) and injects 5%
   random failures (half 429 retry_after=1, half 502). Targets: achieved rate ≥ 90% of the
   30 msg/s ceiling, no chat without its digest, no chat with it twice.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

from bot import render
from bot.commands import Context
from bot.config import Settings
from bot.importer import ensure_seeded
from bot.model import Subscription
from bot.store import Store
from digests.build import DigestSource
from digests.scheduler import Runner
from fakes.telegram_api import TOKEN, FakeTelegramAPI

NOW = dt.datetime.fromisoformat("2026-11-23T09:00:00+09:00")  # Monday, the default slot
FILTERS: tuple[tuple[str, ...], ...] = (
    (),
    (),
    ("과학기술정보통신부",),
    ("중소벤처기업부",),
    ("산업통상부",),
    ("국방부",),
    ("과학기술정보통신부", "중소벤처기업부"),
    ("산업통상자원부",),
)
ZONES = ("Asia/Seoul", "Asia/Seoul", "Europe/Berlin", "America/New_York")
CEILING = 30.0


def subscriptions(n: int, *, telegram_only: bool = False) -> list[Subscription]:
    subs = []
    for i in range(n):
        platform = "telegram" if telegram_only or i % 2 == 0 else "slack"
        chat = str(10_000 + i) if platform == "telegram" else f"C{i:06d}"
        key = f"telegram:{chat}" if platform == "telegram" else f"slack:T1:{chat}"
        subs.append(
            Subscription(
                key=key,
                platform=platform,
                chat_id=chat,
                team_id=None if platform == "telegram" else "T1",
                ministries=FILTERS[i % len(FILTERS)],
                tz="Asia/Seoul" if telegram_only else ZONES[i % len(ZONES)],
            )
        )
    return subs


def add_followups(store: Store, n: int) -> None:
    rng = random.Random(7)
    owners = ("과학기술정보통신부", "중소벤처기업부", "산업통상부", "국방부", "산업통상자원부")
    with store.transaction() as db:
        db.table("followups").insert_multiple(
            {
                "id": f"F{k}",
                "meeting": 1,
                "item": rng.randint(1, 10),
                "text": f"후속조치 {k}: 데이터 구축 진행 상황 점검 <초안> & 보고",
                "owner": rng.choice(owners),
                "due": (dt.date(2026, 10, 1) + dt.timedelta(days=rng.randint(0, 120))).isoformat(),
                "status": rng.choice(("open", "open", "done", "cancelled")),
                "note": "",
                "created_by": "bench",
                "created_at": "2026-10-01T00:00:00+00:00",
                "updated_by": "bench",
                "updated_at": "2026-11-20T00:00:00+00:00",
                "history": [],
            }
            for k in range(1, n + 1)
        )


def bench_build(store: Store, n: int, label: str) -> None:
    subs = subscriptions(n)
    t0 = time.perf_counter()
    source = DigestSource.load(store, NOW)
    t1 = time.perf_counter()
    messages = chars = 0
    for sub in subs:
        reply = source.digest(sub, NOW)
        if sub.platform == "telegram":
            parts = render.telegram(reply)
            messages += len(parts)
            chars += sum(map(len, parts))
        else:
            slack = render.slack(reply)
            messages += len(slack)
    t2 = time.perf_counter()
    total = t2 - t0
    verdict = "OK" if total <= 1.0 else "OVER TARGET"
    print(
        f"[build+render] {label}: {n} digests in {total * 1000:.0f} ms "
        f"(snapshot {(t1 - t0) * 1000:.0f} ms, build+render {(t2 - t1) * 1000:.0f} ms, "
        f"{(t2 - t1) / n * 1e6:.0f} µs each) → {messages} messages; target ≤ 1000 ms: {verdict}"
    )
    # Every format of one digest, for scale.
    reply = source.digest(subs[0], NOW)
    for name, fn in (("text", render.text), ("telegram", render.telegram), ("slack", render.slack)):
        t = time.perf_counter()
        for _ in range(200):
            fn(reply)
        print(f"    render.{name}: {(time.perf_counter() - t) / 200 * 1e6:.0f} µs per digest")


class LimitedTelegramAPI(FakeTelegramAPI):
    """The fake Bot API with Telegram's overall send limit and random transient failures."""

    def __init__(self, rate: float, failure_rate: float, seed: int = 3) -> None:
        super().__init__()
        self.rate = rate
        self.tokens = rate
        self.refilled = time.monotonic()
        self.failure_rate = failure_rate
        self.rng = random.Random(seed)
        self.outcomes: Counter[str] = Counter()
        self.arrivals: list[float] = []
        self.t0 = 0.0

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "sendMessage":
            return await super()._handle(request)
        self.arrivals.append(time.perf_counter())
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.refilled) * self.rate)
        self.refilled = now
        if self.tokens < 1:
            self.outcomes["429 over limit"] += 1
            return self._error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self.tokens -= 1
        roll = self.rng.random()
        if roll < self.failure_rate / 2:
            self.outcomes["429 injected"] += 1
            return self._error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if roll < self.failure_rate:
            self.outcomes["502 injected"] += 1
            return self._error(502, "Bad Gateway", {})
        self.outcomes["200"] += 1
        return await super()._handle(request)

    @staticmethod
    def _error(status: int, description: str, parameters: dict[str, Any]) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)


async def fanout(n: int, tmp: Path) -> None:
    from telegram.ext import BaseRateLimiter

    from bot.adapters.telegram import TelegramBot

    class PassThrough(BaseRateLimiter[Any]):
        """The outbox paces digests itself; PTB's limiter would pause every chat on a 429."""

        async def initialize(self) -> None:
            pass

        async def shutdown(self) -> None:
            pass

        async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[no-untyped-def]
            return await callback(*args, **kwargs)

    path = tmp / "fanout.json"
    store = Store(path, clock=lambda: dt.datetime.now(dt.UTC))
    ensure_seeded(store)
    subs = subscriptions(n, telegram_only=True)
    with store.transaction() as db:
        db.table("subscriptions").insert_multiple(s.to_dict() for s in subs)
    async with LimitedTelegramAPI(CEILING, 0.05) as api:
        settings = Settings.load(
            {"db_path": path, "telegram_token": TOKEN, "telegram_base_url": api.base_url},
            environ={},
        )
        tg = TelegramBot(Context(store, settings), rate_limiter=PassThrough())
        await tg.start_sending()
        try:
            runner = Runner(store, {"telegram": tg.sender})
            t0 = time.perf_counter()
            api.t0 = t0
            counts = await runner.tick(NOW)
            elapsed = time.perf_counter() - t0
            leftover = await runner.tick(NOW + dt.timedelta(minutes=20))  # retries of failures
        finally:
            await tg.stop()
    sent = api.sent()
    per_chat = Counter(int(p["chat_id"]) for p in sent)
    expected = {int(s.chat_id) for s in subs}
    lost = len(expected - set(per_chat))
    duplicated = sum(1 for c in per_chat.values() if c > 1)
    times = sorted(c.at for c in api.of("sendMessage"))
    attempts = sorted(api.arrivals)
    first_ok = times[0] - t0 if times else 0.0
    window = times[-1] - times[0] if len(times) > 1 else elapsed
    rate = len(sent) / elapsed
    records = Counter(d.status for d in store.deliveries())
    print(
        f"[fan-out] {n} Telegram chats via TelegramBot.sender (PTB) → fake Bot API "
        f"(ceiling {CEILING:.0f} msg/s, 5% injected 429/502)\n"
        f"    tick: {dict(counts)}; second tick: {dict(leftover)}; delivery records: "
        f"{dict(records)}\n"
        f"    fake API answers: {dict(api.outcomes)}; first send {first_ok:.2f} s after the "
        f"tick began; {len(attempts)} attempts in {attempts[-1] - t0:.1f} s = "
        f"{len(attempts) / (attempts[-1] - t0):.1f} attempts/s\n"
        f"    {len(sent)} messages accepted in {elapsed:.1f} s = {rate:.1f} msg/s "
        f"({rate / CEILING:.0%} of the ceiling; first→last accepted {window:.1f} s, "
        f"{len(sent) / window:.1f} msg/s)\n"
        f"    lost: {lost}, duplicated: {duplicated}   targets: ≥ 90%, 0, 0 → "
        f"{'OK' if rate >= 0.9 * CEILING and not lost and not duplicated else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subs", type=int, default=1000)
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--big", action="store_true", help="also 1,000 meetings, 100k follow-ups")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        store = Store(tmp / "seed.json")
        ensure_seeded(store)
        add_followups(store, 300)
        bench_build(store, args.subs, "seed + 300 follow-ups")
        if args.big:
            from bench.synthetic import build_db

            big = build_db(tmp / "big.json", meetings=1000, followups=100_000)
            bench_build(big, args.subs, "1,000 meetings, 100,000 follow-ups")
        if not args.skip_fanout:
            asyncio.run(fanout(args.subs, tmp))


if __name__ == "__main__":
    main()
