"""Command-layer latency on a big database: 1,000 meetings × 10 items, 100,000 follow-ups.

Run: .venv/bin/python -m bench.bench_commands
Reports p50/p99 per command in-process (after one warm-up call each) and resident memory.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from bench.synthetic import build_db
from bot.commands import Context, Request, handle
from bot.config import Settings
from bot.store import Store

QUERIES = {
    "/agenda N": [f"/agenda {m}.{n}" for m in (1, 250, 500, 999) for n in range(1, 11)],
    "/ministry NAME": [
        "/ministry 중기부",
        "/ministry 과기정통부",
        "/ministry 산업부",
        "/ministry 국방부",
    ],
    "/milestones": ["/milestones", "/milestones 365", "/milestones overdue"],
    "/followup": ["/followup", "/followup 중기부", "/followup 1.3", "/followup 500.6"],
    "/search": [
        "/search 보이스피싱",
        "/search 휴머노이드를",
        "/search 데이터 구축",
        "/search 반도체",
    ],
}
ROUNDS = 100


def pct(samples: list[float], p: int) -> float:
    """The p-th percentile, in milliseconds."""
    ordered = sorted(samples)
    return ordered[max(0, round(len(ordered) * p / 100) - 1)] * 1000


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        t = time.perf_counter()
        build_db(path, meetings=1000, followups=100_000)
        print(
            f"built synthetic db in {time.perf_counter() - t:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB); peak RSS while building {rss_mb():.0f} MB"
        )
        settings = Settings.load({"db_path": path, "now": "2026-11-25T10:00:00+09:00"}, environ={})
        ctx = Context(Store(path, clock=settings.clock), settings)
        print("uncached: every call computes its answer (the reply cache is emptied before it)")
        print(f"{'command':<16} {'p50 ms':>8} {'p99 ms':>8} {'first ms':>9} {'cached p99':>11}")
        for name, texts in QUERIES.items():
            samples, cached = [], []
            t = time.perf_counter()
            handle(ctx, Request("console", "console", "console", texts[0]))
            first = time.perf_counter() - t
            for i in range(ROUNDS):
                text = texts[i % len(texts)]
                ctx.replies.clear()
                t = time.perf_counter()
                reply = handle(ctx, Request("console", "console", "console", text))
                samples.append(time.perf_counter() - t)
                t = time.perf_counter()
                handle(ctx, Request("console", "console", "console", text))
                cached.append(time.perf_counter() - t)
                assert not reply.error, (text, reply.title)
            print(
                f"{name:<16} {pct(samples, 50):8.1f} {pct(samples, 99):8.1f} "
                f"{first * 1000:9.0f} {pct(cached, 99):11.2f}"
            )
        print(f"peak RSS of the process: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
