"""Press release file → store: parse, compute search terms, save. Used by the CLI and on
first start, when the bundled seed is imported so the bot has data without any step."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from pathlib import Path

from bot import pressrelease, search
from bot.model import Meeting
from bot.resources import seed_files
from bot.store import Store

log = logging.getLogger(__name__)


def import_file(
    store: Store, path: Path, *, date: dt.date | None = None, by: str = "cli"
) -> tuple[Meeting, str]:
    """Parse and store one press release; returns the meeting and new/updated/unchanged.

    Raises:
        ParseError: the file cannot be read or holds no agenda (nothing is stored).
    """
    text = pressrelease.read_text(path)
    release = pressrelease.parse(text, date=date, source=path.name)
    terms = {item.number: search.item_terms(item) for item in release.items}
    return store.save_release(release, by=by, terms=terms)


def ensure_seeded(store: Store, *, isolated: bool = False) -> None:
    """Import the bundled press releases into an empty database.

    With `isolated`, each import runs in a child process: parsing loads Kiwi (~330 MB), which a
    long-running bot that never searches should not carry for the rest of its life.
    """
    if not store.is_empty():
        return
    for path in seed_files():
        if isolated:
            subprocess.run(
                [sys.executable, "-m", "bot", "--db", str(store.path), "import", str(path)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            continue
        meeting, status = import_file(store, path, by="seed")
        log.info("bundled seed %s: meeting %s %s", path.name, meeting.number, status)
