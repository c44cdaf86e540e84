"""Fault drill of the press-release watcher inside `agendabot run`: SIGKILLs at random
moments of its passes, then restarts until every proposal's preview is posted, then 저장 on
all of them, with the real bot as a child process against the fake Bot API and the fake
정책브리핑 API.

Why: a proposal lives only in the store (`Store.propose`), and a preview is posted before it is
marked posted; a kill while Kiwi loads, the list is read, releases are parsed, proposals are
written or previews are posted must lose no meeting, and may at worst post a preview twice.
Every other kill lands 0.3–8 s after the start (mostly imports and Kiwi: a start takes ~6 s),
the others 0–3.5 s after the bot says it runs, within its first pass; sendMessage answers
after 0.15 s, as Telegram may, so posting takes a while too. Each kill's phase is read from
the log and printed.

The day served is bench_watch's 300 releases (the 40 corpus releases and 260 ordinary ones),
approved at 06:00 on AGENDABOT_NOW's day (a first pass reads the past week; today's releases
are the ones a running bot meets).

Figures (targets in brackets): meetings expected vs proposed [equal] · proposals lost [0] ·
duplicate previews [reported, ≤ kills] · meetings stored after 저장 on all [= expected, none
twice] · kills · total time; and no service key or bot token in any run's stderr.

    .venv/bin/python -m bench.drill_watch            # 12 kills
    .venv/bin/python -m bench.drill_watch --quick    # 4 kills
    … [--seed N] [--keep FOLDER]   # other kill moments; keep the database and the log
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import random
import re
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from bench.bench_watch import CORPUS, day
from bench.drill import ADMIN, NOW, Bot, healthy, until
from bot.commands import Context
from bot.config import Settings
from bot.store import Store
from bot.watch import watcher
from fakes.briefing_api import KEY, FakeBriefingAPI
from fakes.telegram_api import Call, FakeTelegramAPI

RELEASED = dt.datetime.fromisoformat(NOW).replace(hour=6, tzinfo=None)
Meeting = frozenset[str]  # a meeting, as the NewsItemIds it was read from
SEND_S = 0.15  # the fake Bot API answers sendMessage this late, as Telegram may


def expected(api: FakeBriefingAPI, folder: Path) -> set[Meeting]:
    """The meetings one in-process pass over the same fake API finds on a scratch store."""
    settings = Settings.load(
        {"db_path": folder / "scratch.json", "now": NOW, "briefing_url": api.url,
         "briefing_key": KEY, "admin_chat": f"telegram:{ADMIN}"},
        environ={},
    )  # fmt: skip
    ctx = Context(Store(settings.db_path, clock=settings.clock), settings)
    client = watcher.client_for(ctx)
    try:
        found = watcher.collect(ctx, client)
    finally:
        client.close()
    return {frozenset(p.reading.news_ids) for p in found.proposals}


def buttons(call: Call) -> dict[str, str]:
    """A sent message's inline keyboard: label → callback data."""
    markup = call.params.get("reply_markup") or {}
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def previews(tg: FakeTelegramAPI) -> list[tuple[Call, str, Meeting]]:
    """Each preview posted to the admin chat: the call, its token, its meeting."""
    out = []
    for call in tg.of("sendMessage"):
        save = buttons(call).get("저장", "")
        ids = re.search(r"올라왔습니다\(([^)]*)\)", str(call.params.get("text", "")))
        if call.params.get("chat_id") == ADMIN and save and ids:
            out.append((call, save.split()[-1], frozenset(ids[1].split(", "))))
    return out


def pass_count(log: Path) -> int:
    return log.read_text(errors="replace").count("meetings found") if log.exists() else 0


async def run_one_pass(bot: Bot) -> None:
    """Start the bot (a start runs a pass at once), wait for the pass to end, SIGTERM."""
    passes = pass_count(bot.log)
    bot.start()
    await healthy(bot)
    await until(lambda: pass_count(bot.log) > passes, 120)
    await asyncio.to_thread(bot.stop)  # the fake API shares this event loop: do not block it


async def restart_until_posted(bot: Bot, db: Path, limit: int = 20) -> int:
    """One pass a start until no proposal waits to be posted; the number of starts."""
    for starts in range(1, limit + 1):
        await run_one_pass(bot)
        if all(p.posted for p in Store(db).proposals()):
            return starts
    raise RuntimeError(f"previews still unposted after {limit} starts")


async def save_all(bot: Bot, tg: FakeTelegramAPI) -> Counter[str]:
    """Press 저장 on every preview posted (duplicates too), as the admin; the answers. A send
    cut off by a kill was recorded on arrival (Telegram shows it) but got no message back
    from the fake, so there is nothing to press: counted as "cut off, not pressed"."""
    bot.start()
    await healthy(bot)
    edits = len(tg.of("editMessageText"))
    shown = [call for call, _, _ in previews(tg)]
    pressed = [call for call in shown if call.result is not None]
    for call in pressed:
        tg.push_callback(buttons(call)["저장"], message=call.result, user_id=ADMIN)
    await until(lambda: len(tg.of("editMessageText")) >= edits + len(pressed), 120)
    await asyncio.to_thread(bot.stop)  # the fake API shares this event loop: do not block it
    texts = [str(c.params.get("text", "")) for c in tg.of("editMessageText")[edits:]]
    answers = Counter(
        "새로 저장" if "새로 저장했습니다" in a else a.split("\n")[0][:40] for a in texts
    )
    answers["cut off, not pressed"] = len(shown) - len(pressed)
    answers["no answer"] = len(pressed) - len(texts)
    return +answers  # without the zeros


PHASES = (  # a log line each phase ends with, in order
    ("in imports, Kiwi", "Korean analyser loaded"),
    ("adapters starting", "running: "),
    ("in the pass (list, parse, write, post)", "meetings found"),
)


def phase(log: Path, since: int) -> str:
    """Where a run killed at this point was, from its log (written from byte `since`)."""
    text = log.read_bytes()[since:].decode(errors="replace")
    return next((name for name, end in PHASES if end not in text), "after the pass")


async def runs(bot: Bot, since: int) -> None:
    """Until the run whose log starts at byte `since` runs (its first pass begins)."""
    await until(lambda: phase(bot.log, since) not in [name for name, _ in PHASES[:2]], 60)


async def kill_at_random(
    bot: Bot, db: Path, tg: FakeTelegramAPI, kills: int, rng: random.Random
) -> Counter[str]:
    """SIGKILL the bot `kills` times: every other kill at 0.3–8 s after the start (imports,
    Kiwi, adapters), the others at 0–3.5 s after it runs (within the watcher's pass)."""
    phases: Counter[str] = Counter()
    for n in range(kills):
        since = bot.log.stat().st_size if bot.log.exists() else 0
        bot.start()
        if n % 2:
            await runs(bot, since)
            wait = rng.uniform(0.0, 3.5)
        else:
            wait = rng.uniform(0.3, 8.0)
        await asyncio.sleep(wait)
        bot.kill()
        where = phase(bot.log, since)
        phases[where] += 1
        kept = len(Store(db).proposals()) if db.exists() else 0
        print(
            f"kill {n + 1}/{kills} ({'after it ran' if n % 2 else 'after start'} +{wait:.1f} s, "
            f"{where}): {kept} proposals kept, {len(previews(tg))} previews posted",
            flush=True,
        )
    return phases


def log_summary(text: str) -> Counter[str]:
    """WARNING and ERROR lines without their time, and tracebacks, counted."""
    lines = Counter[str]()
    for line in text.splitlines():
        if line.startswith("Traceback"):
            lines["(a traceback)"] += 1
        elif m := re.match(r"\S+ \S+ (WARNING|ERROR|CRITICAL) (.*)", line):
            lines[f"{m[1]} {m[2][:150]}"] += 1
    return lines


async def drill(kills: int, work: Path, rng: random.Random) -> None:
    started = time.perf_counter()
    db, log = work / "bot.json", work / "bot.log"
    with FakeBriefingAPI() as api:
        for item in day(False):
            api.add(dataclasses.replace(item, approve=RELEASED))
        want = expected(api, work)
        print(f"{len(api.items)} releases served; {len(want)} meetings expected", flush=True)
        async with FakeTelegramAPI() as tg:
            tg.slow("sendMessage", SEND_S)
            bot = Bot(tg, db, log)
            bot.env |= {
                "AGENDABOT_BRIEFING_URL": api.url,
                "AGENDABOT_BRIEFING_KEY": KEY,
                "AGENDABOT_ADMIN_CHAT": f"telegram:{ADMIN}",
            }
            phases = await kill_at_random(bot, db, tg, kills, rng)
            starts = await restart_until_posted(bot, db)
            kept, before = Store(db).proposals(), len(Store(db).meetings())
            shown = previews(tg)
            answers = await save_all(bot, tg)
    proposed = {frozenset(p.news) for p in kept}
    tokens = Counter(token for _, token, _ in shown)
    per_meeting = Counter(m for _, _, m in shown)
    stored = Store(db).meetings()
    twice = Counter((m.title, m.date) for m in stored)
    text = log.read_text(errors="replace")
    leaks = [s for s in (KEY, quote(KEY, safe=""), tg.token) if s in text]

    print()
    print(f"meetings expected vs proposed      {len(want)} vs {len(proposed)} [equal]")
    print(f"proposals lost                     {len(want - (proposed | set(per_meeting)))} [0]")
    print(f"proposed but not expected          {len(proposed - want)} [0]")
    print(
        f"duplicate previews                 {sum(n - 1 for n in tokens.values())} by token, "
        f"{sum(n - 1 for n in per_meeting.values())} by meeting [reported, ≤ {kills}]"
    )
    print(
        f"meetings stored after 저장 on all   {len(stored) - before} new "
        f"({before} before), {sum(n - 1 for n in twice.values())} twice [= {len(want)}, 0]"
    )
    print(f"answers to 저장                     {dict(answers)}")
    print(f"kills                              {kills}: {dict(phases)}")
    print(f"starts to post every preview       {starts} ({watcher.MAX_PREVIEWS} previews a pass)")
    print(f"secrets in stderr                  {len(leaks)} [0]")
    print(f"peak RSS                           {bot.peak_kb / 1024:.0f} MB")
    print(f"total time                         {time.perf_counter() - started:.0f} s")
    print("warnings and errors in the logs:")
    for line, n in log_summary(text).most_common():
        print(f"  {n:3d} × {line}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seed", type=int, default=7, help="of the kill moments")
    p.add_argument("--keep", type=Path, help="work in this folder and keep it (db, log)")
    args = p.parse_args()
    if not CORPUS.is_dir():
        print(f"drill_watch: the corpus is not at {CORPUS}; nothing to drill")
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        asyncio.run(drill(4 if args.quick else 12, work, random.Random(args.seed)))


if __name__ == "__main__":
    main()
