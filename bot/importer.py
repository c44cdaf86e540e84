"""Press release file → store: parse and save (the store adds search terms); a meeting as a
JSON or YAML file (`bot/exchange.py`) → store. Used by the CLI and on first start, when the
bundled seed is imported so the bot has data without any step."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot import exchange, reading
from bot.config import ENV, Settings
from bot.errors import UsageError
from bot.model import AgendaItem, Meeting, Release
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
    """Store one file; returns the meeting, new/updated/unchanged, and what was read (for its
    warnings). A `.json`, `.yaml` or `.yml` file is a meeting as `parse --json` prints it or
    `agendabot export` writes it (`bot/exchange.py`, see `import_data`); any other file is a
    press release, parsed.

    Raises:
        ParseError: the press release cannot be read or holds no agenda (nothing is stored).
        UsageError: the exchange file is unreadable, is a database backup, has a wrong
            field, or `date`/`url` were given for one (nothing is stored).
    """
    if exchange.format_of(path) is not None:
        if date is not None or url is not None:
            raise UsageError(
                "--date와 --url은 보도자료를 가져올 때만 씁니다: JSON·YAML 파일에서는 "
                "meeting의 date와 url을 고치세요."
            )
        data = exchange.read_file(path)
        if "meta" in data and "meeting" not in data:  # a backup, not one meeting
            raise UsageError(
                f"{path}: 데이터베이스 백업 파일입니다. 되살리려면 agendabot restore {path} 를 쓰세요."
            )
        return import_data(store, data, by=by)
    release = read_release(path, date=date, today=today, url=url)
    meeting, status = store.save_release(release, by=by)
    return meeting, status, release


def import_data(
    store: Store, data: Mapping[str, Any], *, by: str = "cli"
) -> tuple[Meeting, str, Release]:
    """Store a meeting given as exchange data (`bot/exchange.py`); returns as `import_file`.

    With a store number (`meeting.number`, as `agendabot export` writes it) the data updates
    that meeting, whatever its title and date; without one, a meeting with the same title and
    date is updated, else a new one is made. Content equal to the stored meeting's (compared
    by `exchange.content_sha256`, so layout and format do not count) is "unchanged" and
    nothing is written. An update replaces the items; items still there (same title, or the
    same number under a new title) keep their release text (`body`, which the file does not
    carry), follow-ups stay on their item (the store moves them when an item is renumbered),
    and milestones keep their id and status (the store matches them by phrase and date).

    Raises:
        UsageError: a wrong field, or a store number no meeting has (nothing is stored).
    """
    release = exchange.release_from_data(data)
    number = exchange.meeting_number(data)
    existing = _existing(store, release, number)
    if existing is not None:
        items = tuple(store.items(existing.number))
        if exchange.content_sha256(Release(existing, items)) == release.meeting.source_sha256:
            return existing, "unchanged", release
        release = replace(release, items=_with_bodies(release.items, items))
    meeting, status = store.save_release(release, by=by, number=number)
    return meeting, status, release


def _existing(store: Store, release: Release, number: int | None) -> Meeting | None:
    """The stored meeting an import updates, found as `Store.save_release` finds it."""
    meetings = store.meetings()
    if number is not None:
        found = next((m for m in meetings if m.number == number), None)
        if found is None:
            raise UsageError(
                f"회의의 number: {number}번 회의는 없습니다. "
                "새 회의로 가져오려면 meeting의 number를 지우세요."
            )
        return found
    m = release.meeting
    return next((s for s in meetings if s.source_sha256 == m.source_sha256), None) or next(
        (s for s in meetings if (s.title, s.date) == (m.title, m.date)), None
    )


def _with_bodies(
    items: tuple[AgendaItem, ...], stored: tuple[AgendaItem, ...]
) -> tuple[AgendaItem, ...]:
    """Each item with the release text of the stored item it is: the one with its title, else
    the one with its number when that one's title is gone from the file (a retitled item)."""
    by_title = {s.title: s for s in stored}
    titles = {i.title for i in items}
    retitled = {s.number: s for s in stored if s.title not in titles}
    out = []
    for item in items:
        was = by_title.get(item.title) or retitled.get(item.number)
        out.append(item.evolve(body=was.body) if was and not item.body else item)
    return tuple(out)


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
