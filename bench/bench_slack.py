"""Slack HTTP mode under load: signed `/agenda 3` slash commands against agendabot's
endpoint, side by side with a bare Bolt app that only acks, in the same run.

Run: .venv/bin/python -m bench.bench_slack [--requests 3000] [--concurrency 16]

Each server runs in its own process (`--serve agendabot|bare`) on 127.0.0.1, served the same
way (Bolt's aiohttp adapter on an AppRunner); this process signs and sends the requests and
times each round trip, which is what Slack waits for: the ack. Rounds alternate between the
two servers so drift on the machine hits both. Targets: p99 ack ≤ 100 ms, agendabot's rate ≥
0.8 of the bare app's.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"


# -- the servers (child processes) ----------------------------------------------------------


async def serve_agendabot(api_url: str) -> int:
    from bot.adapters.slack import SlackBot
    from bot.commands import Context
    from bot.config import Settings
    from bot.importer import ensure_seeded
    from bot.server import HttpServer
    from bot.store import Store

    tmp = Path(tempfile.mkdtemp())
    settings = Settings.load(
        overrides={
            "db_path": tmp / "db.json",
            "slack_bot_token": TOKEN,
            "slack_signing_secret": SECRET,
            "slack_api_url": api_url,
            "http_port": 0,
        },
        environ={},
    )
    store = Store(settings.db_path, clock=settings.clock)
    ensure_seeded(store)
    bot = SlackBot(Context(store, settings))
    server = HttpServer(settings.http_host, settings.http_port, bot.routes())
    await server.start()
    await bot.start()
    assert server.port is not None
    return server.port


async def serve_bare(api_url: str) -> int:
    """Bolt at its fastest: the same client, process_before_response, an ack and nothing else."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=api_url),
        signing_secret=SECRET,
        process_before_response=True,
    )

    @app.command("/agenda")
    async def agenda(ack: Any) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return int(runner.addresses[0][1])


async def serve(kind: str, api_url: str) -> None:
    port = await (serve_agendabot if kind == "agendabot" else serve_bare)(api_url)
    print(port, flush=True)
    # Until the parent closes our stdin.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


# -- the load (this process) ----------------------------------------------------------------


@dataclasses.dataclass
class Round:
    name: str
    rate: float
    p50: float
    p99: float
    answered: bool


def slash_body(n: int) -> str:
    return urllib.parse.urlencode(
        {
            "token": "t",
            "team_id": "T1",
            "channel_id": "C1",
            "channel_name": "general",
            "user_id": "U1",
            "command": "/agenda",
            "text": "3",
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": f"1.2.{n}",
        }
    )


async def load(port: int, requests: int, concurrency: int) -> tuple[float, list[float], str]:
    url = f"http://127.0.0.1:{port}/slack/events"
    verifier = SignatureVerifier(SECRET)
    times: list[float] = []
    sample = ""
    counter = iter(range(requests))

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal sample
        for n in counter:
            body = slash_body(n)
            ts = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": str(verifier.generate_signature(timestamp=ts, body=body)),
            }
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as r:
                text = await r.text()
                if r.status != 200:
                    raise RuntimeError(f"HTTP {r.status}: {text[:200]}")
            times.append(time.perf_counter() - started)
            sample = sample or text

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, times, sample


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(ports: dict[str, int], requests: int, concurrency: int, rounds: int) -> None:
    results: list[Round] = []
    for port in ports.values():  # warm-up: auth.test, caches, connection pools
        await load(port, 200, concurrency)
    for r in range(rounds):
        for name, port in ports.items() if r % 2 == 0 else reversed(ports.items()):
            rate, times, sample = await load(port, requests, concurrency)
            results.append(
                Round(name, rate, p(times, 0.5) * 1e3, p(times, 0.99) * 1e3, "[1.3]" in sample)
            )
    print(f"{requests} signed '/agenda 3' per round, concurrency {concurrency}, {rounds} rounds")
    print(f"{'server':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  answer in ack")
    for row in results:
        print(f"{row.name:<10} {row.rate:8.0f} {row.p50:8.2f} {row.p99:8.2f}  {row.answered}")
    best = {name: max(x.rate for x in results if x.name == name) for name in ports}
    med = {name: statistics.median(x.rate for x in results if x.name == name) for name in ports}
    p99 = {name: max(x.p99 for x in results if x.name == name) for name in ports}
    print(
        f"agendabot/bare rate: median {med['agendabot'] / med['bare']:.2f}, "
        f"best {best['agendabot'] / best['bare']:.2f} (target ≥ 0.8); "
        f"worst p99 agendabot {p99['agendabot']:.1f} ms, bare {p99['bare']:.1f} ms "
        "(target ≤ 100 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", choices=["agendabot", "bare"])
    parser.add_argument("--api-url", default="")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.api_url))
        return

    from fakes.slack_api import FakeSlackAPI  # answers the one auth.test per server

    with FakeSlackAPI() as api:
        children: dict[str, subprocess.Popen[str]] = {}
        ports: dict[str, int] = {}
        try:
            for kind in ("agendabot", "bare"):
                child = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.bench_slack",
                        "--serve",
                        kind,
                        "--api-url",
                        api.url,
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                children[kind] = child
                assert child.stdout is not None
                ports[kind] = int(child.stdout.readline())
            asyncio.run(measure(ports, args.requests, args.concurrency, args.rounds))
        finally:
            for child in children.values():
                assert child.stdin is not None
                child.stdin.close()
                child.wait(timeout=10)


if __name__ == "__main__":
    main()
