"""One watcher pass over a day of 300 releases, network excluded: target ≤ 10 s.

Run: .venv/bin/python -m bench.bench_watch

The day is synthetic, from the development corpus (`../shared/corpus`) repeated: its 40
releases as they are, plus 260 ordinary releases made of the same bodies with every meeting
kind's name replaced (a real day on 정책브리핑 is a few hundred releases, a handful of them
meetings). The list is answered in memory (httpx's MockTransport, XML built as the API
writes it, three pages), so the figure is the pass's own work: sieving, reading HTML,
parsing the meeting releases, merging, and recording what was handled. Kiwi is loaded
before the clock starts (a running bot has loaded it). A second figure is the worst case, a
day where all 300 releases are meeting releases. Wall clock and CPU time are printed with
the load average (the machine may be busy).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import os
import re
import tempfile
import time
from pathlib import Path

import httpx

from bot import reading
from bot.commands import Context
from bot.config import Settings
from bot.reading import meeting
from bot.store import Store
from bot.watch import watcher
from bot.watch.client import PAGE_ROWS, BriefingClient
from fakes.briefing_api import Item
from fakes.fake_sender import FakeSender

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
NOW = "2026-11-25T10:00:00+09:00"
DAY = dt.datetime(2026, 11, 25, 10, 0)
RELEASES = 300
TARGET_S = 10.0


def corpus() -> list[tuple[str, list[str]]]:
    """(title, body lines) of each corpus release."""
    out = []
    for path in sorted(CORPUS.glob("[0-9][0-9]_*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        out.append((lines[2], lines[3:]))
    return out


def _body(lines: list[str], n: int) -> str:
    unique = [*lines, f"(보도자료 번호 {n})"]  # no two bodies alike
    return "".join(f"<p>{html.escape(line)}</p>" for line in unique if line.strip())


def _ordinary(text: str) -> str:
    """The text with every meeting kind's name (and 회의 itself) replaced."""
    for kind in meeting.kinds():
        pattern = r"\s?".join(re.escape(ch) for ch in kind.replace(" ", ""))
        text = re.sub(pattern, "정책 간담회", text)
    return text.replace("회의", "간담회")


def day(meetings_only: bool) -> list[Item]:
    texts = corpus()
    items = []
    for n in range(RELEASES):
        title, lines = texts[n % len(texts)]
        if n >= len(texts) and not meetings_only:
            title, lines = _ordinary(title), [_ordinary(line) for line in lines]
        items.append(Item(f"{900000 + n}", title, _body(lines, n), DAY))
    return items


def transport(items: list[Item]) -> httpx.MockTransport:
    """The list API in memory: pages of NewsItems with the total count."""

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("pageNo", "1"))
        shown = items[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
        body = (
            "<response><header><resultCode>00</resultCode></header><body>"
            f"<totalCount>{len(items)}</totalCount><items>"
            f"{''.join(i.xml() for i in shown)}</items></body></response>"
        )
        return httpx.Response(200, content=body.encode(), headers={"content-type": "text/xml"})

    return httpx.MockTransport(answer)


def one_pass(items: list[Item], folder: Path) -> tuple[float, float, watcher.Pass]:
    settings = Settings.load(
        {
            "db_path": folder / "db.json",
            "now": NOW,
            "briefing_key": "K",
            "admin_chat": "telegram:1",
        },
        environ={},
    )
    ctx = Context(Store(settings.db_path, clock=settings.clock), settings)
    client = BriefingClient("https://api.example/list", "K", transport=transport(items))
    wall, cpu = time.perf_counter(), time.process_time()
    found = watcher.collect(ctx, client, DAY.date())
    asyncio.run(watcher.deliver(ctx, found, {"telegram": FakeSender()}))
    return time.perf_counter() - wall, time.process_time() - cpu, found


def main() -> None:
    if not CORPUS.is_dir():
        print(f"bench_watch: the corpus is not at {CORPUS}; nothing to measure")
        return
    title, lines = corpus()[0]
    reading.parse(title + "\n" + "\n".join(lines), today=DAY.date())  # loads Kiwi
    for label, meetings_only in (("a day", False), ("worst case, all meetings", True)):
        with tempfile.TemporaryDirectory() as folder:
            wall, cpu, found = one_pass(day(meetings_only), Path(folder))
        verdict = "ok" if wall <= TARGET_S else "OVER"
        print(
            f"{label}: {found.listed} releases, {len(found.proposals)} meetings proposed, "
            f"{len(found.others)} naming a meeting without an agenda: {wall:.2f} s wall, {cpu:.2f} s CPU "
            f"(target {TARGET_S:.0f} s: {verdict}; load {os.getloadavg()[0]:.2f})"
        )


if __name__ == "__main__":
    main()
