"""Calendar feeds on a big database: the feed of everything for 1,000 meetings × 10 items and
100,000 follow-ups, built cold, served from the cache, and built again after one change.

Run: .venv/bin/python -m bench.bench_feeds [--db PATH]
`--db` keeps the database at PATH and reuses it on the next run (building one takes ~30 s);
each run adds one follow-up to it.

The synthetic database (`bench.synthetic.build_db`) is written without the store's audit log
and before milestone ids; this bench gives the milestones their ids (as the store does once
for an old database) and adds one audit entry per follow-up (a real database has at least
that: each was added through the store), so the feed has the milestones' events and reads as
many audit entries as it would. Times are wall clock and CPU time of this process (the
machine may be busy: the load average is printed with them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench.synthetic import build_db
from bot import calendar
from bot.commands import Context
from bot.config import Settings
from bot.store import Store

T = TypeVar("T")
NOW = "2026-11-25T10:00:00+09:00"
CACHED_ROUNDS = 1000
TARGET_MS = 200


def timed(label: str, fn: Callable[[], T]) -> T:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<52} {wall * 1000:8.0f} ms wall {cpu * 1000:8.0f} ms CPU")
    return result


def prepare(path: Path) -> None:
    """A big database as a real one would be: milestone ids and an audit entry per follow-up."""
    started = time.perf_counter()
    store = build_db(path, meetings=1000, followups=100_000)
    with store.transaction() as db:
        db.table("meta").update({"milestone_ids": False}, doc_ids=[1])
        at = dt.datetime(2026, 11, 25, tzinfo=dt.UTC).isoformat()
        db.table("audit").insert_multiple(
            {"at": at, "by": "bench", "action": "followup.add", "target": f"F{n}",
             "table": "followups", "key": f"F{n}", "change": f"C{n}"}
            for n in range(1, 100_001)
        )  # fmt: skip
    store.ensure_milestone_ids()  # numbers every milestone, as for a database from before ids
    print(
        f"built the database in {time.perf_counter() - started:.0f} s "
        f"({path.stat().st_size / 1e6:.0f} MB)"
    )


def cached_times(ctx: Context, ministry: str | None = None) -> tuple[float, float]:
    samples = []
    for _ in range(CACHED_ROUNDS):
        t = time.perf_counter()
        calendar.feed(ctx, ministry=ministry)
        samples.append(time.perf_counter() - t)
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def measure(path: Path) -> None:
    settings = Settings.load(
        {"db_path": path, "now": NOW, "web": "on", "public_url": "https://bot.example.org"}, {}
    )
    store = Store(path, clock=settings.clock)
    ctx = Context(store, settings)
    timed("load the database (not part of a feed)", store.meetings)
    timed("models and follow-up index (a running bot has them)", lambda: store.followups(limit=1))
    feed = timed("feed of everything, cold (first build)", lambda: calendar.feed(ctx))
    events = feed.body.count(b"BEGIN:VEVENT")
    print(f"  {events:,} events, {len(feed.body) / 1e6:.1f} MB, ETag {feed.etag}")
    p50, p99 = cached_times(ctx)
    print(
        f"{'feed of everything, cached (same data, same day)':<52} p50 {p50:.3f} ms, p99 {p99:.3f} ms"
    )
    timed(
        "one follow-up added (a store write, not part of a feed)",
        lambda: store.add_followup(
            item=(500, 3), text="벤치 점검", owner="국방부", due=dt.date(2026, 12, 1), by="bench"
        ),
    )
    timed("store catches up: models, index (any command)", lambda: store.followups(limit=1))
    changed = timed("feed of everything after that change (rebuild)", lambda: calendar.feed(ctx))
    assert changed.etag != feed.etag and changed.body.count(b"BEGIN:VEVENT") == events + 1
    timed("one ministry's feed (중기부), cold", lambda: calendar.feed(ctx, ministry="중기부"))
    p50, p99 = cached_times(ctx, ministry="중기부")
    print(f"{'one ministry, cached':<52} p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    fresh = Context(Store(path, clock=settings.clock), settings)
    fresh.store.followups(limit=1)
    timed("feed of everything, new process state (cold again)", lambda: calendar.feed(fresh))
    print(
        f"target: each ≤ {TARGET_MS} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="reuse (or make and keep) the database here")
    args = parser.parse_args()
    if args.db is not None:
        if not args.db.exists():
            prepare(args.db)
        measure(args.db)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        prepare(path)
        measure(path)


if __name__ == "__main__":
    main()
