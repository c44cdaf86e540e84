"""Fault drill for `agendabot run` (issue #11): SIGKILLs during writes and during queued
updates, a hung Bot API, a database lock held by another process, and a 1,000-update burst,
all against the fake Bot API, with the real bot as a child process.

Prints the five figures the README shows (targets in brackets):
  acknowledged writes lost [0] · updates unanswered after restart [0] · duplicate replies [0]
  · max event-loop stall [≤ 100 ms] · max RSS [≤ 450 MB]

The stall is measured from outside, as an operator would see it: `GET /healthz` is asked every
20 ms throughout, and its slowest answer bounds how long the bot's event loop was blocked.

    .venv/bin/python -m bench.drill            # 150 kills, 300 queued updates, 1,000 burst
    .venv/bin/python -m bench.drill --quick    # 20 kills, 100 queued, 300 burst
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.store import Store
from fakes.telegram_api import FakeTelegramAPI

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 4242
NOW = "2026-11-30T09:00:00+09:00"

WRITER = """
import datetime as dt, sys
from bot.model import AgendaItem, Meeting, Release
from bot.store import Store
store = Store(sys.argv[1])
if store.is_empty():
    m = Meeting(0, "제1회 훈련회의", dt.date(2026, 11, 24), source_sha256="drill")
    store.save_release(Release(m, (AgendaItem(0, 1, "훈련 안건"),)), by="drill")
from bot import nlp
nlp.terms("훈련 문장")  # Kiwi loaded before the kills start: they land on writes, not imports
print("ready", flush=True)
while True:
    fu = store.add_followup(item=(1, 1), text="훈련 후속조치 " + "가" * 200,
                            owner="중소벤처기업부", due=dt.date(2026, 12, 15), by="drill")
    print(fu.id, flush=True)
"""

LOCK_HOLDER = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1] + ".lock")
lock.acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


@dataclass
class Figures:
    writes_acked: int = 0
    writes_lost: int = 0
    kills: int = 0
    queued: int = 0
    unanswered: int = 0
    duplicates: int = 0
    hang_copies: int = 0
    others_during_hang: float = 0.0
    busy_answers: int = 0
    stall: float = 0.0
    rss_mb: float = 0.0
    notes: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Bot:
    """`agendabot run` as a child process on the fake API."""

    def __init__(self, api: FakeTelegramAPI, db: Path, log: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_BASE_URL": api.base_url,
            "TELEGRAM_ADMINS": str(ADMIN),
            "AGENDABOT_DB": str(db),
            "AGENDABOT_NOW": NOW,
            "AGENDABOT_HTTP_PORT": str(self.port),
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.peak_kb = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env, stderr=out
            )

    def sample_rss(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))

    def kill(self) -> None:
        if self.proc is not None:
            self.sample_rss()
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.sample_rss()
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)
            self.proc = None


class Stall:
    """Asks /healthz every 20 ms; the slowest answer while the bot was up is the stall,
    kept per scenario (`phase`)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.worst = 0.0
        self.measuring = False
        self.phase = ""
        self.by_phase: dict[str, float] = {}

    async def run(self) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                started = time.perf_counter()
                try:
                    url = f"http://127.0.0.1:{self.bot.port}/healthz"
                    async with session.get(url, timeout=aiohttp.ClientTimeout(30)) as r:
                        await r.read()
                    took = time.perf_counter() - started
                    if self.measuring:
                        self.worst = max(self.worst, took)
                        self.by_phase[self.phase] = max(self.by_phase.get(self.phase, 0), took)
                except (aiohttp.ClientError, TimeoutError):
                    pass  # down (killed, restarting): not a stall
                self.bot.sample_rss()
                await asyncio.sleep(0.02)


async def until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return False


async def healthy(bot: Bot, timeout: float = 60) -> None:
    async with aiohttp.ClientSession() as session:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{bot.port}/healthz") as r:
                    body = await r.json()
                    if body.get("adapters", {}).get("telegram", {}).get("status") == "ok":
                        return
            await asyncio.sleep(0.1)
    raise TimeoutError("the bot did not become healthy")


def drill_writes(db: Path, kills: int, figures: Figures) -> None:
    """SIGKILL a writer at random moments; every id it printed must be in the file."""
    acked: set[int] = set()
    rng = random.Random(11)
    for _ in range(kills):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db)], cwd=ROOT, stdout=subprocess.PIPE
        )
        assert proc.stdout is not None
        proc.stdout.readline()  # "ready": imports done, now writing
        time.sleep(rng.uniform(0.1, 1.5))
        proc.kill()
        out, _ = proc.communicate()
        acked |= {int(line[1:]) for line in out.decode().split() if line.startswith("F")}
    stored = {int(f.id[1:]) for f in Store(db).followups(status=None)}
    figures.kills += kills
    figures.writes_acked = len(acked)
    figures.writes_lost = len(acked - stored)


def replies(api: FakeTelegramAPI, chats: range) -> Counter[int]:
    counts: Counter[int] = Counter()
    for call in api.of("sendMessage", ok_only=False):
        chat = int(call.params.get("chat_id", 0))
        if chat in chats:
            counts[chat] += 1
    return counts


async def drill_queued(api: FakeTelegramAPI, bot: Bot, queued: int, figures: Figures) -> None:
    """Queue updates, kill the bot a third of the way through, restart: all answered once?"""
    chats = range(10_000, 10_000 + queued)
    api.slow("sendMessage", 0.05)
    for chat in chats:
        api.push_text("/agenda 1", chat_id=chat, user_id=chat)
    await until(lambda: len(replies(api, chats)) >= queued // 3, 120)
    bot.kill()
    bot.start()
    await until(lambda: len(replies(api, chats)) >= queued, 180)
    api.slow("sendMessage", 0)
    counts = replies(api, chats)
    figures.queued += queued
    figures.unanswered += sum(1 for c in chats if counts[c] == 0)
    figures.duplicates += sum(n - 1 for n in counts.values() if n > 1)


async def drill_hang(api: FakeTelegramAPI, figures: Figures) -> None:
    """sendMessage hangs 60 s for one chat: at most one copy there, others keep flowing."""
    stuck, other = 20_001, 20_002
    api.hang("sendMessage", 60, chat_id=stuck)
    api.push_text("/agenda 1", chat_id=stuck, user_id=stuck)
    await until(lambda: replies(api, range(stuck, stuck + 1))[stuck] >= 1, 30)
    started = time.perf_counter()
    api.push_text("/agenda 2", chat_id=other, user_id=other)
    await until(lambda: replies(api, range(other, other + 1))[other] >= 1, 60)
    figures.others_during_hang = time.perf_counter() - started
    await asyncio.sleep(15)  # long enough for any retry of the hung send to show
    figures.hang_copies = replies(api, range(stuck, stuck + 1))[stuck]
    figures.duplicates += max(0, figures.hang_copies - 1)


async def drill_lock(api: FakeTelegramAPI, db: Path, figures: Figures, hold: float) -> None:
    """Another process holds the database lock: reads answer, writes say "잠시 후 다시"."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(db), str(hold)], cwd=ROOT, stdout=subprocess.PIPE
    )
    assert holder.stdout is not None
    holder.stdout.readline()
    reader = 30_002
    api.push_text("/followup add 1.1 2026-12-31 중기부 훈련 점검", chat_id=ADMIN, user_id=ADMIN)
    api.push_text("/agenda 1", chat_id=reader, user_id=reader)
    await until(lambda: replies(api, range(reader, reader + 1))[reader] >= 1, hold)
    await until(lambda: bool(api.sent(ADMIN)), hold + 30)
    answers = [str(m.get("text", "")) for m in api.sent(ADMIN)]
    figures.busy_answers = sum("잠시 후 다시" in text for text in answers)
    last = answers[-1][:80] if answers else "(no answer)"
    figures.notes.append(f"the write's answer under the held lock: {last!r}")
    holder.wait()


async def drill_burst(api: FakeTelegramAPI, burst: int, figures: Figures) -> float:
    chats = range(40_000, 40_000 + burst // 10)
    for i in range(burst):
        api.push_text(f"/agenda {1 + i % 5}", chat_id=chats[i % len(chats)], user_id=1)
    started = time.perf_counter()
    await until(lambda: sum(replies(api, chats).values()) >= burst, 600)
    counts = replies(api, chats)
    figures.unanswered += burst - min(burst, sum(counts.values()))
    return time.perf_counter() - started


async def main(quick: bool) -> Figures:
    kills, queued, burst, hold = (20, 100, 300, 8.0) if quick else (150, 300, 1000, 15.0)
    figures = Figures()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"writes: {kills} SIGKILLs of a writing process …", flush=True)
        drill_writes(work / "writes.json", kills, figures)
        async with FakeTelegramAPI() as api:
            bot = Bot(api, work / "bot.json", work / "bot.log")
            bot.start()
            await healthy(bot)
            stall = Stall(bot)
            monitor = asyncio.create_task(stall.run())
            try:
                print(f"queued: {queued} updates, SIGKILL a third of the way …", flush=True)
                await drill_queued(api, bot, queued, figures)
                await healthy(bot)
                stall.measuring = True
                stall.phase = "hang"
                print("hang: sendMessage hangs 60 s for one chat …", flush=True)
                await drill_hang(api, figures)
                stall.phase = "lock"
                print(f"lock: another process holds the lock {hold:.0f} s …", flush=True)
                await drill_lock(api, work / "bot.json", figures, hold)
                stall.phase = "burst"
                print(f"burst: {burst} updates at once …", flush=True)
                took = await drill_burst(api, burst, figures)
                figures.notes.append(f"burst of {burst} answered in {took:.1f} s")
            finally:
                monitor.cancel()
                await asyncio.to_thread(bot.stop)  # the fake API shares this loop
            figures.stall = stall.worst
            figures.notes.append(
                "slowest /healthz by scenario: "
                + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in stall.by_phase.items())
            )
            figures.rss_mb = bot.peak_kb / 1024
    return figures


def report(f: Figures) -> None:
    print()
    print(f"acknowledged writes lost        {f.writes_lost} of {f.writes_acked} ({f.kills} kills)")
    print(f"updates unanswered after restart {f.unanswered} of {f.queued} queued (+ burst)")
    print(f"duplicate replies                {f.duplicates}")
    print(f"max event-loop stall             {f.stall * 1000:.0f} ms (slowest /healthz)")
    print(f"max RSS                          {f.rss_mb:.0f} MB")
    print(f"hung chat: {f.hang_copies} copy; another chat answered in {f.others_during_hang:.2f} s")
    print(f"lock held elsewhere: {f.busy_answers} write answered '잠시 후 다시'")
    for note in f.notes:
        print(note)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true")
    report(asyncio.run(main(p.parse_args().quick)))
