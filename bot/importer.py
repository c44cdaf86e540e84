"""Press release file → store: parse and save (the store adds search terms). Used by the CLI
and on first start, when the bundled seed is imported so the bot has data without any step."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

from bot import reading
from bot.config import ENV, Settings
from bot.model import Meeting, Release
from bot.resources import seed_files
from bot.store import Store

log = logging.getLogger(__name__)


def read_release(
    path: Path | str,
    *,
    date: dt.date | None = None,
    today: dt.date | None = None,
    url: str | None = None,
) -> Release:
    """Read and parse one press release file (txt, html, pdf, hwpx, or `-` for stdin), as on
    `today` (the settings' date; see `reading.parse`).

    Raises:
        ParseError: the file cannot be read or holds no agenda.
    """
    document = reading.read_document(path)
    return reading.parse(
        document.text, date=date, today=today, source=document.name, url=url or document.url
    )


def import_file(
    store: Store,
    path: Path | str,
    *,
    date: dt.date | None = None,
    today: dt.date | None = None,
    by: str = "cli",
    url: str | None = None,
) -> tuple[Meeting, str, Release]:
    """Parse and store one press release; returns the meeting, new/updated/unchanged, and
    what was read (for its warnings).

    Raises:
        ParseError: the file cannot be read or holds no agenda (nothing is stored).
    """
    release = read_release(path, date=date, today=today, url=url)
    meeting, status = store.save_release(release, by=by)
    return meeting, status, release


def ensure_seeded(
    store: Store, *, settings: Settings | None = None, isolated: bool = False
) -> None:
    """Import the bundled press releases into an empty database, as on the settings' date.

    With `isolated`, each import runs in a child process: parsing loads Kiwi (~330 MB), which a
    long-running bot that never searches should not carry for the rest of its life. The child
    is handed the settings' zone and pinned clock, which may have come from options.
    """
    if not store.is_empty():
        return
    today = settings.today() if settings else None
    for path in seed_files():
        if isolated:
            subprocess.run(
                [sys.executable, "-m", "bot", "--db", str(store.path), "import", str(path)],
                check=True,
                capture_output=True,  # the parser's notes are for an admin importing by hand
                env=_clock_environment(settings),
            )
            continue
        meeting, status, _ = import_file(store, path, today=today, by="seed")
        log.info("bundled seed %s: meeting %s %s", path.name, meeting.number, status)


def _clock_environment(settings: Settings | None) -> dict[str, str]:
    """This process's environment with the settings' zone and pinned clock, for a child."""
    env = dict(os.environ)
    if settings:
        env[ENV["tz"]] = settings.tz
        if settings.now is not None:
            env[ENV["now"]] = settings.now.isoformat()
    return env
