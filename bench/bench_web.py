"""The web dashboard on a big database: 1,000 meetings × 10 items, 100,000 follow-ups.

Run: .venv/bin/python -m bench.bench_web [--db big.json] [--requests 2000] [--concurrency 16]

1. In this process: the timeline page built from scratch (layout from the store, then the
   template), several times. Target: ≤ 200 ms.
2. The runner's server in a child process (AGENDABOT_WEB=on with a token), over HTTP from this
   process: the timeline page (the first request builds it, later ones are served from the
   cache kept per store generation and day), and `/calendar/all.ics` answered 304 to its
   ETag, in rounds of N requests at concurrency C, beside /healthz (the bare server) for
   scale. Target: ≥ 200 requests/s.

`--db` reuses a synthetic database (`bench.synthetic.build_db`) instead of building one
(about 20 s); it is copied, never changed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bot.config import Settings

NOW = "2026-11-25T10:00:00+09:00"
TOKEN = "bench-token-0123456789abcdef"


def settings_for(path: Path, *, web: bool) -> Settings:
    overrides: dict[str, object] = {"db_path": path, "now": NOW, "http_port": 0}
    if web:
        overrides |= {"web": "on", "web_token": TOKEN}
    return Settings.load(overrides=overrides, environ={})


# -- 1. the timeline in this process ---------------------------------------------------------


def timeline_in_process(path: Path, runs: int) -> None:
    from bot.store import Store
    from bot.web import html, timeline

    settings = settings_for(path, web=False)
    store = Store(path, clock=settings.clock)
    started = time.perf_counter()
    store.items()
    store.count_followups()
    print(f"store loaded and indexed in {time.perf_counter() - started:.2f} s (not counted)")
    today = settings.today()
    layouts, renders = [], []
    for _ in range(runs):
        started = time.perf_counter()
        line = timeline.build(store, today)
        laid = time.perf_counter()
        page = html.page(
            "timeline.html.j2", base="/w/x", today=today, nav="timeline", line=line,
            legend=list(timeline.states(line)), lane_h=timeline.LANE_H,
            gutter_w=timeline.GUTTER_W,
        )  # fmt: skip
        layouts.append(laid - started)
        renders.append(time.perf_counter() - laid)
    marks = sum(len(lane.marks) for lane in line.lanes)
    total = [a + b for a, b in zip(layouts, renders, strict=True)]
    print(
        f"timeline built from scratch, {runs} runs: median {ms(statistics.median(total))}, "
        f"min {ms(min(total))} (layout {ms(statistics.median(layouts))} + template "
        f"{ms(statistics.median(renders))}); {len(line.lanes)} lanes, {marks:,} marks, "
        f"{len(page) / 1e3:.0f} kB"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms"


# -- 2. the server (child process) and the load (this process) ---------------------------------


async def serve(path: Path) -> None:
    from bot.commands import Context
    from bot.runner import running
    from bot.store import Store

    settings = settings_for(path, web=True)
    store = Store(path, clock=settings.clock)
    store.items()
    store.count_followups()  # loaded and indexed before the first request, as in a long run
    async with running(Context(store, settings), []) as server:
        assert server is not None
        print(server.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def timed_get(session: aiohttp.ClientSession, url: str, **kw: object) -> tuple[float, int]:
    started = time.perf_counter()
    async with session.get(url, **kw) as r:  # type: ignore[arg-type]
        await r.read()
        return time.perf_counter() - started, r.status


async def load(
    url: str, requests: int, concurrency: int, headers: dict[str, str], expect: int
) -> tuple[float, list[float]]:
    times: list[float] = []
    counter = iter(range(requests))

    async def worker(session: aiohttp.ClientSession) -> None:
        for _ in counter:
            took, status = await timed_get(session, url, headers=headers)
            if status != expect:
                raise RuntimeError(f"HTTP {status} from {url}, expected {expect}")
            times.append(took)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return requests / (time.perf_counter() - started), times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def over_http(port: int, requests: int, concurrency: int, rounds: int) -> None:
    root = f"http://127.0.0.1:{port}"
    web = f"{root}/w/{TOKEN}"
    async with aiohttp.ClientSession() as session:
        first, status = await timed_get(session, f"{web}/timeline")
        assert status == 200
        repeats = [(await timed_get(session, f"{web}/timeline"))[0] for _ in range(100)]
        print(
            f"GET /timeline over HTTP: first {ms(first)} (builds it), then from the cache "
            f"p50 {ms(pct(repeats, 0.5))}, p99 {ms(pct(repeats, 0.99))} (100 requests)"
        )
        first, status = await timed_get(session, f"{web}/calendar/all.ics")
        async with session.get(f"{web}/calendar/all.ics") as r:
            etag, size = r.headers["ETag"], len(await r.read())
        print(f"GET /calendar/all.ics: first {ms(first)} (builds it), {size / 1e6:.1f} MB")
    await load(f"{web}/calendar/all.ics", 200, concurrency, {"If-None-Match": etag}, 304)
    print(f"{requests} requests per round, concurrency {concurrency}")
    print(f"{'what':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    rates: dict[str, list[float]] = {"feed 304": [], "healthz": []}
    for _ in range(rounds):
        for name, url, headers, expect in (
            ("feed 304", f"{web}/calendar/all.ics", {"If-None-Match": etag}, 304),
            ("healthz", f"{root}/healthz", {}, 200),
        ):
            rate, times = await load(url, requests, concurrency, headers, expect)
            rates[name].append(rate)
            p50, p99 = pct(times, 0.5) * 1e3, pct(times, 0.99) * 1e3
            print(f"{name:<28} {rate:8.0f} {p50:8.2f} {p99:8.2f}")
    feed = statistics.median(rates["feed 304"])
    print(
        f"feed 304: median {feed:.0f} requests/s (target ≥ 200), "
        f"{feed / statistics.median(rates['healthz']):.2f}× /healthz"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help="a synthetic database to copy")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        started = time.perf_counter()
        if args.db:
            shutil.copy(args.db, path)
        else:
            from bench.synthetic import build_db

            build_db(path, meetings=1000, followups=100_000)
        print(
            f"database ready in {time.perf_counter() - started:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB), today {dt.date.fromisoformat(NOW[:10])}"
        )
        timeline_in_process(path, args.runs)
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_web", "--serve", str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            port = int(child.stdout.readline())
            asyncio.run(over_http(port, args.requests, args.concurrency, args.rounds))
        finally:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=30)


if __name__ == "__main__":
    main()
