"""A child process for the store's crash and concurrency tests: adds follow-ups in a loop and
prints each id once the store has acknowledged it."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from bot.model import AgendaItem, Meeting, Release
from bot.store import Store


def seed(store: Store) -> None:
    meeting = Meeting(0, "제1회 테스트회의", dt.date(2025, 11, 24), source_sha256="t")
    store.save_release(Release(meeting, (AgendaItem(0, 1, "시험 안건"),)), by="test")


DUE = dt.date(2026, 12, 15)


def add(store: Store, text: str) -> str:
    """One follow-up on the seeded item; its id."""
    return store.add_followup(item=(1, 1), text=text, owner="국방부", due=DUE, by="t").id


def texts(store: Store) -> set[str]:
    """The texts of every follow-up, whatever its status."""
    return {f.text for f in store.followups(status=None)}


def main() -> None:
    path, count, tag = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    store = Store(path)
    seed(store)
    for i in range(count):
        fu = store.add_followup(
            item=(1, 1),
            text=f"{tag} 후속조치 {i} " + "가" * 200,
            owner="중소벤처기업부",
            due=dt.date(2026, 12, 15),
            by=tag,
        )
        print(fu.id, flush=True)


if __name__ == "__main__":
    main()
