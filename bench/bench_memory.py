"""Resident memory of a bot process before and after its first search (SPEC §7: ≤ 150 MB
before, ≤ 450 MB after), on the bundled seed and on the big synthetic database.

Run: .venv/bin/python -m bench.bench_memory
Each case runs in a fresh child process, so imports and caches are counted as a bot has them.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import resource, sys
from bot.commands import Context, Request, handle
from bot.config import Settings
from bot.store import Store
import bot.render, digests.build  # what a running bot has imported

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024

settings = Settings.load({"db_path": sys.argv[1], "now": "2026-11-25T10:00+09:00"}, environ={})
ctx = Context(Store(settings.db_path), settings)
for text in ("/agenda", "/agenda 3", "/ministry 중기부", "/milestones", "/followup", "/digest"):
    bot.render.telegram(handle(ctx, Request("telegram", "1", "1", text)))
before = rss()
handle(ctx, Request("telegram", "1", "1", "/search 보이스피싱을"))
print(f"{before:.0f} {rss():.0f}")
"""


def measure(db: Path) -> tuple[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(db)], capture_output=True, text=True, check=True
    )
    before, after = out.stdout.split()
    return before, after


def vm_rss(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS"))


async def measure_run(db: Path) -> tuple[float, float]:
    """`agendabot run` with Telegram and Slack HTTP on the test suite's fake servers."""

    from fakes.slack_api import FakeSlackAPI
    from fakes.telegram_api import TOKEN, FakeTelegramAPI

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with FakeTelegramAPI() as tg:
        with FakeSlackAPI() as slack:
            env = {
                **os.environ, "AGENDABOT_DB": str(db), "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": tg.base_url, "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": "bench", "SLACK_API_URL": slack.url,
                "AGENDABOT_HTTP_PORT": str(port),
            }  # fmt: skip
            proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env)
            try:
                await tg.wait_for("setMyCommands", timeout=60)
                texts = ("/agenda", "/agenda 3", "/ministry 중기부", "/milestones", "/digest")
                for text in texts:
                    tg.push_text(text, chat_id=100)
                await tg.wait_for("sendMessage", len(texts), timeout=60)
                before = vm_rss(proc.pid)
                tg.push_text("/search 보이스피싱", chat_id=100)
                await tg.wait_for("sendMessage", len(texts) + 1, timeout=60)
                return before, vm_rss(proc.pid)
            finally:
                proc.terminate()
                await proc.wait()


def main() -> None:
    from bench.synthetic import build_db
    from bot.importer import ensure_seeded
    from bot.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed.json"
        ensure_seeded(Store(seed))
        big = Path(tmp) / "big.json"
        build_db(big, meetings=1000, followups=100_000)
        print(f"{'database':<44} {'RSS before search':>18} {'after':>8}")
        for name, db in (
            ("bundled seed (1 meeting)", seed),
            ("1,000 meetings, 100,000 follow-ups", big),
        ):
            before, after = measure(db)
            print(f"{name:<44} {before + ' MB':>18} {after + ' MB':>8}")
        run_before, run_after = asyncio.run(measure_run(seed))
        label = "agendabot run (Telegram + Slack), seed"
        print(f"{label:<44} {run_before:>15.0f} MB {run_after:>5.0f} MB")


if __name__ == "__main__":
    main()
