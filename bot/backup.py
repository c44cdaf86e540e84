"""Backups of the database file: taken while the bot runs, checked before a restore, one a
day kept for `Settings.backup_days`, and the repair of a corrupt file.

They live in `backups/` beside the database, named after it (`agendabot.json`):

    agendabot-2026-11-25.json                        daily (`daily`), pruned after N days
    agendabot-2026-11-25T100000.json                 by hand (`agendabot backup`), kept
    agendabot-2026-11-25T100000-before-restore.json  what a restore replaced, kept

Only daily backups are pruned: one an admin took, or the data a restore replaced, is theirs
to delete. Every backup is written as the database is (temp file, fsync, rename) with mode
0600, since it holds the audit log and user ids. A copy is taken under the store's file lock
and only of a file the store can read, so a backup is always a whole, readable database; a
restore checks the file the same way (`bot.store.check_tables`) before it replaces anything.

Nothing here moves data aside by itself: only `repair`, which `agendabot repair` runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import UsageError
from bot.store import Busy, CorruptStore, Store, parse_database, replace_file

log = logging.getLogger(__name__)

FOLDER = "backups"
BEFORE_RESTORE = "-before-restore"


def folder_of(db: Path) -> Path:
    """Where the backups of the database `db` go: `backups/` beside it."""
    return db.parent / FOLDER


def take(store: Store, dest: Path | None = None, *, now: dt.datetime) -> Path:
    """Copy the database to `dest` (a file, or a folder for the default name; default:
    `backups/<name>-<date>T<time>.json`, never over an earlier one); returns the path. Safe while the bot runs: see `Store.file_bytes`.

    Raises:
        UsageError: there is no database yet.
        CorruptStore: the database is not readable (`agendabot repair`).
        Busy: another process held the file lock too long.
        OSError: the copy could not be written (nothing half-written is left).
    """
    raw = store.file_bytes()
    if raw is None:
        raise UsageError(f"백업할 데이터베이스가 없습니다: {store.path}")
    if dest is None or dest.is_dir():
        folder = dest or folder_of(store.path)
        dest = _free(folder / f"{store.path.stem}-{_stamp(now)}.json")
    _write(dest, raw)
    return dest


def daily(store: Store, folder: Path | None, today: dt.date, keep_days: int) -> Path | None:
    """Today's backup, once: writes `<name>-<today>.json` unless it exists, then deletes the
    daily backups older than `keep_days` days (today counts: 7 keeps the last seven dates).

    Made to be called every minute from the scheduler: when today's exists it costs one
    stat. Returns the new backup, or None when there was nothing to do: today's exists,
    `keep_days` is 0 (daily backups off), there is no database yet, or the copy could not be
    made now (busy, corrupt or unwritable database: logged; nothing is pruned and the next
    call tries again). It raises nothing for those.

    Blocking (a file lock wait of up to `store.lock_wait`, a read and a write of the whole
    file): from an event loop, call it through `asyncio.to_thread`.
    """
    if keep_days <= 0:
        return None
    folder = folder or folder_of(store.path)
    target = folder / f"{store.path.stem}-{today.isoformat()}.json"
    if target.exists():
        return None
    try:
        raw = store.file_bytes()
        if raw is None:
            return None
        _write(target, raw)
    except (Busy, CorruptStore, OSError) as e:
        log.warning("daily backup of %s not taken, will try again: %s", store.path, e)
        return None
    prune(folder, store.path.stem, today, keep_days)
    return target


def prune(folder: Path, stem: str, today: dt.date, keep_days: int) -> list[Path]:
    """Delete the daily backups of `stem` dated `keep_days` days or more before `today`;
    returns them. Other files in the folder are never touched."""
    oldest = today - dt.timedelta(days=keep_days - 1)
    removed = []
    for path, day in _dailies(folder, stem):
        if day < oldest:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def restore(store: Store, source: Path, *, now: dt.datetime, by: str = "cli") -> Path | None:
    """Replace the database with the backup `source`, after checking it and after keeping
    the current file (whatever it holds) as `...-before-restore.json`; returns that copy, or
    None when there was no database. A running bot reads the restored data at its next
    command.

    Raises:
        UsageError: `source` is missing, unreadable or not a database (nothing changed).
        Busy: another process held the file lock too long (nothing changed).
    """
    tables = parse_database(_read(source), str(source))
    with store.exclusive():  # the copy and the replace see the same file
        before = _keep_current(store, now)
        store.restore(tables, by=by, source=source.name)
    return before


@dataclass(frozen=True)
class Repaired:
    """What `repair` found and did."""

    state: str  # "ok", "missing" or "corrupt": the database as repair found it
    moved: Path | None  # where the corrupt file now is
    restored: Path | None  # the backup restored
    backups: list[Path]  # every backup, newest first


def repair(store: Store, *, now: dt.datetime, from_backup: bool) -> Repaired:
    """Move a corrupt database aside (renamed `<name>.corrupt-<date>-<time>`, never deleted)
    and, with `from_backup`, restore the newest backup that is a valid database. A readable
    database is left alone, even with `from_backup` (`agendabot restore` replaces one).

    `restored` is None when `from_backup` found no backup that is a valid database (the
    corrupt file is moved all the same).

    Raises:
        Busy: another process held the file lock too long (nothing changed).
    """
    with store.exclusive():
        state = _state(store.path)
        moved = _move_aside(store.path, now) if state == "corrupt" else None
        found = backups(folder_of(store.path), store.path.stem)
        restored = _restore_newest(store, found) if from_backup and state != "ok" else None
    return Repaired(state, moved, restored, found)


def backups(folder: Path, stem: str) -> list[Path]:
    """Every backup of the database named `stem` in `folder` (`<stem>-<date>….json`; not
    those of `<stem>-test.json` beside it), newest first."""
    if not folder.is_dir():
        return []
    named = re.compile(rf"{re.escape(stem)}-\d{{4}}-\d{{2}}-\d{{2}}.*\.json")
    found = [p for p in folder.iterdir() if named.fullmatch(p.name) and p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)


# -- helpers ---------------------------------------------------------------------------------


def _restore_newest(store: Store, found: list[Path]) -> Path | None:
    for path in found:
        try:
            tables = parse_database(_read(path), str(path))
        except UsageError as e:
            log.warning("backup %s skipped: %s", path, e.message)
            continue
        store.restore(tables, by="repair", source=path.name)
        return path
    return None


def _state(db: Path) -> str:
    try:
        raw = db.read_bytes()
    except FileNotFoundError:
        return "missing"
    if not raw.strip():
        return "missing"
    try:
        parse_database(raw, db.name)
    except UsageError:
        return "corrupt"
    return "ok"


def _move_aside(db: Path, now: dt.datetime) -> Path:
    aside = _free(db.with_name(f"{db.name}.corrupt-{now:%Y%m%d-%H%M%S}"))
    os.rename(db, aside)  # same folder: a rename, the file and its mode untouched
    log.info("corrupt database %s moved to %s", db, aside)
    return aside


def _keep_current(store: Store, now: dt.datetime) -> Path | None:
    """The database file as it is, unchecked (it may be what a restore is repairing)."""
    try:
        raw = store.path.read_bytes()
    except FileNotFoundError:
        return None
    if not raw.strip():
        return None
    folder = folder_of(store.path)
    dest = _free(folder / f"{store.path.stem}-{_stamp(now)}{BEFORE_RESTORE}.json")
    _write(dest, raw)
    return dest


def _dailies(folder: Path, stem: str) -> list[tuple[Path, dt.date]]:
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"{stem}-*.json"):
        rest = path.name[len(stem) + 1 : -len(".json")]
        try:
            day = dt.date.fromisoformat(rest) if len(rest) == 10 else None
        except ValueError:
            day = None
        if day is not None:
            found.append((path, day))
    return found


def _read(source: Path) -> bytes:
    try:
        return source.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{source}: 파일을 찾을 수 없습니다.") from None
    except IsADirectoryError:
        raise UsageError(f"{source}: 파일이 아니라 폴더입니다.") from None
    except OSError as e:
        raise UsageError(f"{source}: 파일을 읽을 수 없습니다: {e.strerror or e}") from None


def _write(dest: Path, raw: bytes) -> None:
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new folder: ours alone
    replace_file(dest, raw)


def _free(path: Path) -> Path:
    """`path`, or with -2, -3 … added (before `.json`) if that name is taken."""
    stem, suffix = (path.name[:-5], ".json") if path.name.endswith(".json") else (path.name, "")
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{stem}-{n}{suffix}")
    return candidate


def _stamp(now: dt.datetime) -> str:
    return f"{now:%Y-%m-%dT%H%M%S}"
