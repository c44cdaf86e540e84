"""Telegram adapter throughput and latency, through the fake Bot API over real HTTP.

Run by hand: `.venv/bin/python -m bench.bench_telegram [--updates 400] [--seconds 10]`.

* Throughput: N `/agenda 3` updates are queued at once (each from its own private chat)
  and timed until the N-th answer reaches the fake. The same run measures a bare PTB echo
  bot on the same fake, so the ratio says what agendabot's own work costs. agendabot runs
  here with the overall 30 msg/s cap of its rate limiter lifted (the echo bot has no
  limiter at all); a third row shows the production limiter, which caps at about 30/s by
  design, as Telegram does.
* Latency: `/agenda 3` at a steady 20 updates/s with the production configuration; the
  time from queuing the update in the fake to the fake receiving the sendMessage.

Everything (fake server, PTB, agendabot) shares one event loop and one process, so the
absolute numbers include the fake's own work; the ratio is the meaningful figure.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
)

from bot import render
from bot.adapters.telegram import TelegramBot
from bot.commands import Context, Request, handle
from bot.config import Settings
from bot.importer import ensure_seeded
from bot.store import Store
from fakes.telegram_api import FakeTelegramAPI

COMMAND = "/agenda 3"
NOW = "2026-11-25T10:00:00+09:00"
ROUNDS = 5  # throughput rounds per bot; the median is reported

Starter = Callable[[FakeTelegramAPI], Awaitable[Callable[[], Awaitable[None]]]]


def seeded_context(folder: Path, api: FakeTelegramAPI) -> Context:
    settings = Settings.load(
        overrides={
            "db_path": folder / "bench.json",
            "now": NOW,
            "telegram_token": api.token,
            "telegram_base_url": api.base_url,
        },
        environ={},
    )
    store = Store(settings.db_path, clock=settings.clock)
    ensure_seeded(store)
    return Context(store, settings)


def agendabot(folder: Path, *, production: bool) -> Starter:
    async def start(api: FakeTelegramAPI) -> Callable[[], Awaitable[None]]:
        limiter = None if production else AIORateLimiter(overall_max_rate=0, max_retries=3)
        bot = TelegramBot(seeded_context(folder, api), rate_limiter=limiter)
        await bot.start()
        return bot.stop

    return start


def echo(html: str | None = None) -> Starter:
    """A bare PTB bot: no rate limiter, no store. It answers with its arguments, or, to
    separate the cost of a bigger message from agendabot's own work, with `html`."""

    async def start(api: FakeTelegramAPI) -> Callable[[], Awaitable[None]]:
        async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.effective_message is not None
            if html is None:
                await update.effective_message.reply_text(" ".join(context.args or []))
            else:
                await update.effective_message.reply_text(html, parse_mode="HTML")

        app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().token(api.token).base_url(api.base_url).build()
        )
        app.add_handler(CommandHandler("agenda", answer))
        await app.initialize()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=30)
        await app.start()

        async def stop() -> None:
            assert app.updater is not None
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

        return stop

    return start


async def answered(api: FakeTelegramAPI, count: int, timeout: float = 120) -> None:
    await api.wait_for("sendMessage", count, timeout=timeout)


@dataclass(frozen=True)
class Rate:
    """Updates answered per second of wall-clock time, and per second of this process's CPU
    time: the second barely moves when other programs load the machine."""

    wall: float
    cpu: float


async def throughput(start: Starter, updates: int) -> Rate:
    """Updates answered per second, queued all at once."""
    async with FakeTelegramAPI() as api:
        stop = await start(api)
        try:
            for i in range(20):  # warm up: connections, caches, the first render
                api.push_text(COMMAND, chat_id=1_000 + i, user_id=1_000 + i)
            await answered(api, 20)
            began, cpu = time.perf_counter(), time.process_time()
            for i in range(updates):
                api.push_text(COMMAND, chat_id=10_000 + i, user_id=10_000 + i)
            await answered(api, 20 + updates)
            wall = api.of("sendMessage")[-1].at - began
            return Rate(updates / wall, updates / (time.process_time() - cpu))
        finally:
            await stop()


async def latency(start: Starter, rate: float, seconds: float) -> list[float]:
    """Milliseconds from queuing each update to its answer reaching the fake."""
    async with FakeTelegramAPI() as api:
        stop = await start(api)
        try:
            for i in range(10):
                api.push_text(COMMAND, chat_id=1_000 + i, user_id=1_000 + i)
            await answered(api, 10)
            pushed: dict[int, float] = {}
            count = int(rate * seconds)
            began = time.perf_counter()
            for i in range(count):
                await asyncio.sleep(max(0.0, began + i / rate - time.perf_counter()))
                chat = 100_000 + i
                pushed[chat] = time.perf_counter()
                api.push_text(COMMAND, chat_id=chat, user_id=chat)
            await answered(api, 10 + count)
            return sorted(
                (c.at - pushed[c.params["chat_id"]]) * 1000
                for c in api.of("sendMessage")
                if c.params["chat_id"] in pushed
            )
        finally:
            await stop()


def core_only(folder: Path, repeat: int = 500) -> tuple[float, str]:
    """handle() + render.telegram() alone, per second (the adapter's floor), and the HTML."""
    ctx = seeded_context(folder, FakeTelegramAPI())
    req = Request("telegram", "1", "1", COMMAND)
    html = render.telegram(handle(ctx, req))[0]
    began = time.perf_counter()
    for _ in range(repeat):
        render.telegram(handle(ctx, req))
    return repeat / (time.perf_counter() - began), html


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def main(updates: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results: dict[str, Any] = {}
        results["core"], html = core_only(folder)
        results["html_chars"] = len(html)
        bots = {
            "echo": echo(),
            "echo_html": echo(html),
            "agendabot": agendabot(folder, production=False),
        }
        rates: dict[str, list[Rate]] = {name: [] for name in bots}
        for _ in range(ROUNDS):  # interleaved, so no bot gets a quieter machine
            for name, start in bots.items():
                rates[name].append(await throughput(start, updates))
        for name, measured in rates.items():
            results[name] = statistics.median(r.wall for r in measured)
            results[name + "_cpu"] = statistics.median(r.cpu for r in measured)
        results["production"] = (
            await throughput(agendabot(folder, production=True), min(updates, 150))
        ).wall
        results["latency"] = await latency(agendabot(folder, production=True), 20, seconds)
    return results


def report(r: dict[str, Any], updates: int, seconds: float) -> None:
    def row(label: str, name: str) -> str:
        wall, cpu = r[name], r[name + "_cpu"]
        if name == "echo":
            return f"| {label} | {wall:.0f} | {cpu:.0f} |"
        return (
            f"| {label} | {wall:.0f} ({wall / r['echo']:.2f}) "
            f"| {cpu:.0f} ({cpu / r['echo_cpu']:.2f}) |"
        )

    lat = r["latency"]
    print(
        f"Telegram adapter, `{COMMAND}`, {updates} updates queued at once, "
        f"median of {ROUNDS} interleaved rounds (fake Bot API on 127.0.0.1)"
    )
    print()
    print("| bot | answered/s, wall clock (× echo) | answered per CPU-second (× echo) |")
    print("|---|---:|---:|")
    print(row("bare PTB echo bot, answers its argument", "echo"))
    print(row(f"PTB echo bot answering the same {r['html_chars']}-char HTML", "echo_html"))
    print(row("agendabot (rate limiter's 30/s cap lifted)", "agendabot"))
    print(f"| agendabot, production rate limiter (30 msg/s) | {r['production']:.0f} | |")
    print(f"| handle() + render only, no HTTP | {r['core']:.0f} | |")
    print()
    print(f"Latency at 20 updates/s for {seconds:.0f} s ({len(lat)} updates), production config:")
    print(
        f"p50 {statistics.median(lat):.1f} ms · p90 {percentile(lat, 90):.1f} ms · "
        f"p99 {percentile(lat, 99):.1f} ms · max {lat[-1]:.1f} ms"
    )
    print(
        f"agendabot / same-HTML echo: {r['agendabot'] / r['echo_html']:.2f} wall, "
        f"{r['agendabot_cpu'] / r['echo_html_cpu']:.2f} CPU"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report(asyncio.run(main(args.updates, args.seconds)), args.updates, args.seconds)
