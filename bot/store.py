"""The store: meetings, agenda items, follow-ups, subscriptions, deliveries and the audit log,
in one TinyDB JSON file. The only module that imports TinyDB.

Why not TinyDB's default JSONStorage: it rewrites the file in place, so a crash mid-write
leaves a truncated file that cannot be opened again. `AtomicStorage` writes a temp file,
fsyncs it and renames it over the old one, so the file on disk is always the previous or the
next complete version. Several processes (the bot, a CLI command) serialise their writes with
a file lock and re-read the file under it, so no one overwrites another's change.

Reads take no file lock: the file is replaced atomically, and it is parsed again only when
its stat signature changes (`AtomicStorage`). A write waits at most `LOCK_WAIT` seconds for
another process's file lock, then refuses with `Busy` ("잠시 후 다시 시도해 주세요"); it takes
the file lock before the lock its threads share, so a read never waits for another process.

The files are private: a new database, its lock file and backups are 0600 (they hold the
audit log and user ids), and a rewrite keeps the mode an admin gave the file. Temp files a
crashed writer left are removed when a Store opens (`clean_leftovers`).
"""

from __future__ import annotations

import datetime as dt
import gc
import glob
import hashlib
import heapq
import itertools
import logging
import os
import re
import stat
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson
from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from bot import nlp
from bot.errors import AgendabotError, NotFound, UsageError
from bot.model import (
    MILESTONE_STATUSES,
    Admin,
    AgendaItem,
    AuditEntry,
    Change,
    Delivery,
    FollowUp,
    Meeting,
    Milestone,
    Proposal,
    Record,
    Release,
    Subscription,
)
from bot.words import with_particle

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
FREEZE_ABOVE = 1 << 20  # bytes of JSON above which a freshly read database is exempted from GC
Tables = dict[str, dict[str, dict[str, Any]]]
Row = TypeVar("Row", bound=dict[str, Any])  # a raw row, or TinyDB's Document (which has a doc_id)


class Refused(AgendabotError):
    """A change the store will not make as asked (a dependent row, a later change); the
    message says why, in Korean."""


UNDO_WINDOW = dt.timedelta(days=1)


class CorruptStore(Exception):
    """The database file exists but is not a JSON object (it was not written by us)."""


class Busy(AgendabotError):
    """Another process held the database's file lock longer than `Store.lock_wait`: the write
    was not made. Counted in `bot.metrics.STORE_BUSY`."""

    def __init__(self) -> None:
        super().__init__("다른 작업이 데이터베이스를 쓰는 중입니다. 잠시 후 다시 시도해 주세요.")

    def line(self) -> str:
        """Only the message: nothing the user typed was wrong, so no usage follows it."""
        return self.message


LOCK_WAIT = 5.0  # seconds a write waits for another process's file lock before `Busy`
# Between tries for a taken lock. The lock is free only in the gap between a writer's two
# transactions: at filelock's default (50 ms) a writer in a loop starved the other past
# LOCK_WAIT; 200 tries a second cost nothing and catch the gaps.
LOCK_POLL = 0.005
LOCK_YIELD = 0.006  # the gap a writer leaves between two of its own transactions
# A snapshot taken this soon after the file's last change cannot prove by its timestamps that
# the content is still the same (timestamps move in coarse ticks); see `_Snapshot.racy`.
RACY_NS = 2_000_000_000
STALE_TEMP = 15 * 60  # seconds after which a temp file of a live pid is a leftover too
NEW_FILE_MODE = 0o600  # a new database, lock file or backup: audit log and user ids inside

Signature = tuple[int, int, int, int, int]


def _signature(st: os.stat_result) -> Signature:
    """What changes when a file is replaced (inode) or overwritten in place (size, times)."""
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _digest(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()  # 45 MB in about 35 ms


class _Snapshot(NamedTuple):
    """The file as we last read or wrote it: its stat signature, when we took it, and (when
    the timestamps alone cannot vouch for it) the hash of its bytes."""

    signature: Signature
    taken: int  # time.time_ns() just before the stat
    digest: bytes  # sha256 of the bytes when `racy`, else b""

    @classmethod
    def of(cls, st: os.stat_result, taken: int, raw: bytes) -> _Snapshot:
        signature = _signature(st)
        racy = _racy(signature, taken)
        return cls(signature, taken, _digest(raw) if racy else b"")

    @property
    def racy(self) -> bool:
        return _racy(self.signature, self.taken)


def _racy(signature: Signature, taken: int) -> bool:
    """Could the file change later and keep this signature? Yes while its last change is
    less than `RACY_NS` before the stat: a change in the same timestamp tick leaves mtime and
    ctime as they were (git's "racily clean" entries). Later changes get later times."""
    return taken - max(signature[3], signature[4]) < RACY_NS


class AtomicStorage(Storage):
    """Whole-file JSON storage with atomic replace, a read cache and deferred writes.

    We replace the file, never change it in place, but a person may (`cp backup.json db.json`
    keeps the inode), so the cache is trusted only while the file's stat signature (inode,
    device, size, mtime, ctime) is the one we took when we read or wrote it. Timestamps move
    in coarse ticks, so a change within the tick of our snapshot can keep the signature: then
    a transaction (under the file lock, before it writes) compares the file's bytes with the
    hash of what we read or wrote, once the snapshot is that fresh; plain reads go by the
    stat alone, one syscall, as they run on the event loop. A descriptor held on the inode
    (as this class once did, to stop inode reuse) is not needed: a new file on a reused inode
    has later times, or a fresh snapshot's hash check catches it. Not holding one also frees
    a replaced big file's disk space at once.

    Inside `transaction()` writes only update memory and the file is written once at the end,
    so a change that touches several tables (a follow-up and its audit entry) lands at once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: Tables | None = None
        self._snapshot: _Snapshot | None = None  # the file `_data` came from
        self._in_transaction = False
        self._dirty = False
        self.generation = 0  # bumped whenever `_data` is replaced
        self.big = False  # the last file read was big enough to exempt from GC

    def unchanged(self) -> bool:
        """The file's stat signature is the one of the data we hold (one stat, no reading)."""
        if self._data is None or self._snapshot is None:
            return False
        try:
            return _signature(os.stat(self.path)) == self._snapshot.signature
        except FileNotFoundError:
            return False

    def read(self) -> Tables | None:
        if self._in_transaction and self._data is not None:
            return self._data
        if not self.unchanged():
            self._load(verify=False)
        return self._data

    def current_bytes(self) -> bytes | None:
        """The file's bytes, which the cache now holds too (parsed again if they changed).
        The caller holds the file lock. None when there is no file.

        Raises:
            CorruptStore: the file is not a database.
        """
        return self._load(verify=True)

    def _load(self, *, verify: bool) -> bytes | None:
        """Read the file into the cache; returns its bytes. With `verify`, keep the data we
        hold if the bytes are the ones we hashed (a racy snapshot whose signature matches)."""
        try:
            f = open(self.path, "rb")  # noqa: SIM115  (closed below, after the stat)
        except FileNotFoundError:
            self.forget()
            return None
        with f:
            taken = time.time_ns()
            st = os.fstat(f.fileno())  # before reading: a change while we read shows later
            raw = f.read()
        snapshot = _Snapshot.of(st, taken, raw)
        if verify and self._holds(snapshot, raw):
            self._snapshot = snapshot  # settled once it is no longer racy
        else:
            self._parse(raw, snapshot)
        return raw

    def _holds(self, snapshot: _Snapshot, raw: bytes) -> bool:
        """Is the file just read (`snapshot`, `raw`) the one our data came from? By its
        signature, and by its bytes while our own snapshot is racy."""
        old = self._snapshot
        if self._data is None or old is None or snapshot.signature != old.signature:
            return False
        return not old.racy or _digest(raw) == old.digest

    def _parse(self, raw: bytes, snapshot: _Snapshot) -> None:
        try:
            data = orjson.loads(raw) if raw.strip() else None
        except orjson.JSONDecodeError as e:
            raise CorruptStore(f"{self.path}: {e}") from e
        if data is not None and not isinstance(data, dict):
            raise CorruptStore(f"{self.path}: 표의 묶음(JSON 객체)이 아닙니다")
        self._data, self._snapshot = data, snapshot
        self.generation += 1
        self.big = len(raw) > FREEZE_ABOVE
        if self.big:
            gc.collect()
            exempt_from_gc()

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self._data = data
        if self._in_transaction:
            self._dirty = True
            return
        self._flush(data)

    def _flush(self, data: Tables) -> None:
        payload = orjson.dumps(data)
        try:
            st, taken = replace_file(self.path, payload)
        except BaseException:
            self.forget()
            raise
        self._snapshot = _Snapshot.of(st, taken, payload)
        self.generation += 1
        # What we wrote is what we hold: as big as a file we read, and as long-lived.
        self.big = len(payload) > FREEZE_ABOVE
        if self.big:
            exempt_from_gc()

    def forget(self) -> None:
        """Drop the cache so the next read comes from disk."""
        self._data = None
        self._snapshot = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Defer writes; write once at the end, or discard everything on error.

        The caller holds the file lock, so what we start from is the latest file: another
        process's write shows in the stat signature, and a change by hand within our
        snapshot's timestamp tick in the bytes (checked only for such a fresh snapshot).
        """
        if not self.unchanged() or (self._snapshot is not None and self._snapshot.racy):
            self._load(verify=True)
        self._in_transaction, self._dirty = True, False
        try:
            yield
            if self._dirty and self._data is not None:
                self._flush(self._data)
        except BaseException:
            self.forget()
            raise
        finally:
            self._in_transaction = False

    def close(self) -> None:
        pass


def replace_file(path: Path, payload: bytes) -> tuple[os.stat_result, int]:
    """Write `payload` to a temp file beside `path`, fsync it and rename it over `path`; the
    file keeps the mode (and, where allowed, the group) of the one it replaces, or is new
    with `NEW_FILE_MODE`. Returns the new file's stat and the time just before it was taken.
    On error the temp file is removed and `path` is as it was."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        old: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        old = None
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, NEW_FILE_MODE)
    try:
        _match_mode(fd, old)
        with os.fdopen(os.dup(fd), "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        taken = time.time_ns()
        return os.fstat(fd), taken
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


def _match_mode(fd: int, old: os.stat_result | None) -> None:
    """The old file's permissions on the new one (umask not applied), its group if we may."""
    os.fchmod(fd, stat.S_IMODE(old.st_mode) if old else NEW_FILE_MODE)
    if old is not None:
        with suppress(OSError):  # only root or a member of the group may set it
            os.fchown(fd, -1, old.st_gid)


def clean_leftovers(path: Path, lock: FileLock) -> list[Path]:
    """Remove temp files a crashed writer of `path` left (`.{name}.{pid}.tmp`); returns them.

    Only while no one writes: the file lock is tried without waiting (every writer holds it
    while its temp file exists), and even then a file is kept if its pid is alive and it is
    younger than `STALE_TEMP`. Cheap when there are none: one directory listing.
    """
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.tmp")
    found = [p for p in path.parent.glob(f".{glob.escape(path.name)}.*.tmp")]
    found = [p for p in found if pattern.fullmatch(p.name)]
    if not found:
        return []
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return []  # someone is writing: the next start cleans up
    removed = []
    try:
        for tmp in found:
            match = pattern.fullmatch(tmp.name)
            assert match is not None
            if _stale(tmp, int(match.group(1))):
                with suppress(FileNotFoundError):
                    tmp.unlink()
                    removed.append(tmp)
    finally:
        lock.release()
    if removed:
        log.warning("removed %d temp file(s) left by crashed writers of %s", len(removed), path)
    return removed


def _stale(tmp: Path, pid: int) -> bool:
    try:
        age = time.time() - tmp.stat().st_mtime
    except FileNotFoundError:
        return False
    return age > STALE_TEMP or not _alive(pid)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # we hold the lock: none of our threads is writing
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def exempt_from_gc() -> None:
    """Move everything allocated so far out of the garbage collector's sight.

    A big database is millions of long-lived objects, and every full collection would walk
    them all (150 ms pauses with 100,000 follow-ups). Parsed JSON and the models built from
    it hold no reference cycles, so refcounting still frees an old copy once it is dropped.
    """
    gc.freeze()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class _Cache:
    """Models and indexes built from one generation of the raw data, rebuilt when it changes.

    With 100,000 follow-ups a full scan per command costs tens of milliseconds; the indexes
    are built once per change of the file instead.
    """

    generation: int = -1
    meetings: list[Meeting] = field(default_factory=list)
    items: dict[tuple[int, int], AgendaItem] = field(default_factory=dict)
    followups_ready: bool = False
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_item: dict[tuple[int, int], list[dict[str, Any]]] = field(default_factory=dict)
    by_owner: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    by_status: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (owner, status)

    def index_followups(self, rows: Iterable[dict[str, Any]]) -> None:
        """Every list in due order, so a query merges and slices instead of sorting."""
        for r in sorted(rows, key=_due_order):
            self.by_id[r["id"]] = r
            self.by_item.setdefault((r["meeting"], r["item"]), []).append(r)
            self.by_owner.setdefault(r["owner"], []).append(r)
            self.by_status.setdefault(r["status"], []).append(r)
            self.counts[(r["owner"], r["status"])] += 1
        self.followups_ready = True


class FollowUpRef(NamedTuple):
    """A follow-up as a digest sorts and filters it, with the whole record built on demand.

    `closed_at` is when it was done (`FollowUp.closed_at`), None unless it is done. A named
    tuple: tens of thousands are made per digest tick, and a tuple is the cheapest to make.
    """

    id: str
    due: dt.date
    owner: str
    is_open: bool
    closed_at: dt.datetime | None
    record: FollowUp | dict[str, Any]  # the stored row until `load` builds the model

    @classmethod
    def of(cls, fu: FollowUp) -> FollowUpRef:
        return cls(fu.id, fu.due, fu.owner, fu.status == "open", fu.closed_at, fu)

    def load(self) -> FollowUp:
        record = self.record
        return record if isinstance(record, FollowUp) else FollowUp.from_dict(record)


class FeedFollowUp(NamedTuple):
    """A follow-up as a calendar event shows it (`Store.feed_followups`), read from the stored
    row without building the model: a feed of 80,000 follow-ups cannot pay 80,000 models.
    Hashable, so the feed keeps an event's text for as long as these fields stay the same."""

    id: str
    meeting: int
    item: int
    text: str
    owner: str
    due: str  # ISO date
    status: str
    note: str
    updated_at: str  # ISO time of its last change as stored, "" when unknown


_REVISED = ("meetings", "items", "followups")  # the tables `Store.revisions` counts


def _revised_target(row: dict[str, Any]) -> tuple[str, str]:
    """The (table, key) an audit entry without a row names: an import names its meeting."""
    target = str(row.get("target", ""))
    if target.startswith("meeting:"):
        return "meetings", target.removeprefix("meeting:")
    if str(row.get("action", "")).startswith("followup."):
        return "followups", target.split(".")[0]
    return "", ""


def _feed_followup(r: dict[str, Any]) -> FeedFollowUp:
    return FeedFollowUp(
        r["id"], r["meeting"], r["item"], r["text"], r["owner"], r["due"], r["status"],
        r.get("note") or "", r.get("updated_at") or r.get("created_at") or "",
    )  # fmt: skip


class Store:
    """Domain-level access to the database file; every write is one locked transaction."""

    def __init__(
        self,
        path: Path,
        clock: Callable[[], dt.datetime] | None = None,
        *,
        lock_wait: float = LOCK_WAIT,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._storage = AtomicStorage(self.path)
        self._lock = FileLock(str(self.path) + ".lock", mode=NEW_FILE_MODE)
        self.lock_wait = lock_wait  # seconds a write waits for the file lock before `Busy`
        self._released_at = -1.0  # monotonic time our last transaction let the file lock go
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._cache = _Cache()
        # Bolt runs listeners in threads: one thread at a time may use the storage object.
        self._thread_lock = threading.RLock()
        self._change: str | None = None  # the change set of the running transaction
        clean_leftovers(self.path, self._lock)

    # -- plumbing ------------------------------------------------------------------------

    def _db(self) -> TinyDB:
        # A fresh TinyDB per operation: its tables cache the next id and query results,
        # which would be stale once another process has written the file.
        return TinyDB(storage=lambda: self._storage)

    def _tables(self) -> Tables:
        with self._thread_lock:
            return self._storage.read() or {}

    def _rows(self, name: str) -> Iterable[dict[str, Any]]:
        return self._tables().get(name, {}).values()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the database's file lock: no other process or thread writes meanwhile.

        Waits at most `lock_wait` seconds. Taken before the thread lock and never while
        holding it, so a thread waiting here for another process blocks no reader (reads
        never take the file lock) and the event loop never waits for another process.
        Reentrant within a thread.

        Raises:
            Busy: the lock stayed taken (`bot.metrics.STORE_BUSY` counts it).
        """
        outermost = not self._lock.is_locked
        if outermost:
            self._let_others_in()
        try:
            self._lock.acquire(timeout=self.lock_wait, poll_interval=LOCK_POLL)
        except Timeout:
            from bot import metrics  # here: prometheus-client costs every CLI run 0.15 s

            metrics.STORE_BUSY.inc()
            log.warning("%s: file lock still taken after %.1f s", self.path, self.lock_wait)
            raise Busy() from None
        try:
            yield
        finally:
            self._lock.release()
            if outermost:
                self._released_at = time.monotonic()

    def _let_others_in(self) -> None:
        """Right after releasing the lock, wait a poll interval before taking it again.

        Another process waiting for the lock only tries every `LOCK_POLL`: a loop of writes
        here (an import, a bulk edit) that took the lock again at once would leave it a gap of
        microseconds and starve it into `Busy` (seen: 3.5 s waits with two writing loops).
        Costs nothing unless writes follow each other within `LOCK_POLL`.
        """
        pause = self._released_at + LOCK_YIELD - time.monotonic()
        if pause > 0:
            time.sleep(pause)

    @contextmanager
    def transaction(self) -> Iterator[TinyDB]:
        """Lock, re-read, change, write once: all or nothing.

        Raises:
            Busy: another process held the file lock longer than `lock_wait`.
        """
        with self.exclusive(), self._thread_lock, self._storage.transaction():
            db = self._db()
            meta = db.table("meta")
            if not meta.get(doc_id=1):
                first = {"schema": SCHEMA_VERSION, "next_followup": 1, "milestone_ids": True}
                meta.insert(Document(first, doc_id=1))
            else:
                _number_milestones(db)  # once, for a database from before milestone ids
            self._change = None
            yield db

    def file_bytes(self) -> bytes | None:
        """The database file as it is now, for a backup: read under the file lock (no write
        is half done) and checked to be the data this store reads (parsed again if it
        changed), so a corrupt file is never copied as a backup. None: no database yet.

        Raises:
            Busy: another process held the file lock longer than `lock_wait`.
            CorruptStore: the file is not a database.
        """
        with self.exclusive(), self._thread_lock:
            raw = self._storage.current_bytes()
        return raw if raw and raw.strip() else None

    def restore(self, tables: Tables, *, by: str, source: str) -> None:
        """Make `tables` (checked by `check_tables`) the whole database, with an audit entry
        naming `source`, in one atomic replace under the file lock. Whatever the file held
        is not read (it may be corrupt: `agendabot repair`). A running bot on this file reads
        the new one at its next command: a new inode changes the stat signature.

        Raises:
            Busy: another process held the file lock longer than `lock_wait`.
        """
        entry = AuditEntry(self.now(), by, "database.restore", source, None, None)
        audit = tables.setdefault("audit", {})
        audit[str(max(map(int, audit), default=0) + 1)] = entry.to_dict()
        with self.exclusive(), self._thread_lock:
            self._storage.forget()
            self._storage.write(tables)  # outside a storage transaction: written now

    @property
    def generation(self) -> int:
        """Changes whenever the data changes (here or in another process)."""
        self._tables()
        return self._storage.generation

    def is_loaded(self) -> bool:
        """True when a read now is served from memory at once: the file has not changed
        since we read it, and no transaction of another thread holds the storage.

        Cheap (one stat, no parsing, no waiting), so an event loop may ask before deciding to
        read inline.
        """
        if not self._thread_lock.acquire(blocking=False):
            return False  # a write is running in another thread: a read would wait for it
        try:
            return self._storage.unchanged()
        finally:
            self._thread_lock.release()

    @property
    def is_big(self) -> bool:
        """Big enough that long-lived structures built from it are exempted from GC."""
        return self._storage.big

    def is_empty(self) -> bool:
        return not self._tables().get("meetings")

    def schema_version(self) -> int | None:
        meta = self._tables().get("meta", {}).get("1")
        return meta.get("schema") if meta else None

    def _models(self) -> _Cache:
        with self._thread_lock:
            return self._build_models()

    def _build_models(self) -> _Cache:
        tables = self._tables()
        if self._cache.generation != self._storage.generation:
            meetings = sorted(
                (Meeting.from_dict(m) for m in tables.get("meetings", {}).values()),
                key=lambda m: m.number,
            )
            items = {
                (i["meeting"], i["number"]): AgendaItem.from_dict(i)
                for i in tables.get("items", {}).values()
            }
            self._cache = _Cache(self._storage.generation, meetings, items)
            if self._storage.big:
                exempt_from_gc()
        return self._cache

    def now(self) -> dt.datetime:
        return self._clock()

    # -- meetings and items ---------------------------------------------------------------

    def meetings(self) -> list[Meeting]:
        """All meetings, by stable number."""
        return list(self._models().meetings)

    def meeting(self, number: int) -> Meeting:
        for m in self._models().meetings:
            if m.number == number:
                return m
        raise NotFound(f"{number}번 회의는 없습니다.")

    def stored_as(self, release: Release) -> Meeting | None:
        """The stored meeting `save_release` would update with this release (same source,
        else same title and date), or None when it would be new."""
        found = _same(self._rows("meetings"), release)
        return Meeting.from_dict(found) if found else None

    def latest_meeting(self) -> Meeting | None:
        meetings = self._models().meetings
        return max(meetings, key=lambda m: (m.date, m.number)) if meetings else None

    def items(self, meeting: int | None = None) -> list[AgendaItem]:
        """Agenda items, by meeting then number."""
        items = self._models().items
        return [items[k] for k in sorted(items) if meeting is None or k[0] == meeting]

    def item(self, meeting: int, number: int) -> AgendaItem:
        try:
            return self._models().items[(meeting, number)]
        except KeyError:
            raise NotFound(f"{meeting}번 회의에 {number}번 안건은 없습니다.") from None

    def item_terms(self) -> Iterator[tuple[tuple[int, int], list[str]]]:
        """Precomputed search terms of every item.

        Terms are stored as one space-joined string per row: a list of 300 small strings per
        item would cost ten times the memory of the item itself.
        """
        for row in self._rows("items"):
            yield (row["meeting"], row["number"]), row.get("terms", "").split()

    def save_release(
        self, release: Release, *, by: str, number: int | None = None
    ) -> tuple[Meeting, str]:
        """Store a parsed release; returns the meeting and 'new', 'unchanged' or 'updated'.

        The same file again changes nothing. A revised release of a known meeting (same
        title and date, or the given store `number`, as an edited export carries) replaces
        its items; follow-ups follow their item by title when the revision renumbers items.
        Each item is stored with its search terms.

        Raises:
            NotFound: `number` is given and no meeting has it.
        """
        # Before the lock: the first analysis loads Kiwi, which takes seconds.
        terms = {item.number: nlp.item_terms(item) for item in release.items}
        now = self.now()
        with self.transaction() as db:
            meetings = db.table("meetings")
            rows = meetings.all()
            found = _find(rows, number=number) if number is not None else _same(rows, release)
            if number is not None and found is None:
                raise NotFound(f"{number}번 회의는 없습니다.")
            existing = Meeting.from_dict(found) if found else None
            if existing and existing.source_sha256 == release.meeting.source_sha256:
                return existing, "unchanged"
            number = existing.number if existing else _next_meeting_number(db)
            meeting = release.meeting.evolve(number=number, imported_at=now)
            meetings.upsert(Document(meeting.to_dict(), doc_id=number))
            items = db.table("items")
            old_titles = {
                row["title"]: row["number"] for row in items.all() if row["meeting"] == number
            }
            kept = _milestones_by_phrase(row for row in items.all() if row["meeting"] == number)
            items.remove(doc_ids=[row.doc_id for row in items.all() if row["meeting"] == number])
            new_titles: dict[str, int] = {}
            for item in release.items:
                new_titles[item.title] = item.number
                stored = _keep_milestones(db, item.evolve(meeting=number), kept).to_dict()
                items.insert({**stored, "terms": _joined(terms[item.number])})
            renumber = {
                old: new_titles[title]
                for title, old in old_titles.items()
                if title in new_titles and new_titles[title] != old
            }
            if renumber:
                followups = db.table("followups")
                for row in followups.all():
                    if row["meeting"] == number and row["item"] in renumber:
                        followups.update({"item": renumber[row["item"]]}, doc_ids=[row.doc_id])
            status = "updated" if existing else "new"
            self._audit(db, by, f"import.{status}", f"meeting:{number}", None, meeting.source)
        return meeting, status

    # -- editing by hand: meetings, items, milestones ------------------------------------

    def add_meeting(
        self,
        title: str,
        date: dt.date,
        *,
        by: str,
        ordinal: int | None = None,
        chair: str | None = None,
    ) -> Meeting:
        """A meeting typed in by an admin, with the next stable number."""
        with self.transaction() as db:
            number = _next_meeting_number(db)
            meeting = Meeting(
                number, title, date, ordinal=ordinal, chair=chair, imported_at=self.now()
            )
            self._put(
                db, by, "meeting.add", f"meeting:{number}", ("meetings", str(number)),
                meeting.to_dict(),
            )  # fmt: skip
        return meeting

    def edit_meeting(self, number: int, changes: dict[str, Any], *, by: str) -> Meeting:
        """Change a meeting's title, date, chair, venue, ordinal or url."""
        _only(changes, MEETING_FIELDS)
        with self.transaction() as db:
            row = _locate(db, "meetings", str(number))
            if row is None:
                raise NotFound(f"{number}번 회의는 없습니다.")
            new = Meeting.from_dict(row).evolve(**changes)
            self._put(
                db, by, "meeting.edit", f"meeting:{number}", ("meetings", str(number)),
                new.to_dict(),
            )  # fmt: skip
        return new

    def remove_meeting(self, number: int, *, by: str) -> Meeting:
        """Remove a meeting with its items (and their milestones) and its closed follow-ups.

        Refused while any of its follow-ups is open: finish or cancel them first.
        """
        with self.transaction() as db:
            row = _locate(db, "meetings", str(number))
            if row is None:
                raise NotFound(f"{number}번 회의는 없습니다.")
            followups = [f for f in db.table("followups").all() if f["meeting"] == number]
            still_open = [f["id"] for f in followups if f["status"] == "open"]
            if still_open:
                raise Refused(
                    f"{number}번 회의에 진행 중인 후속조치({', '.join(still_open[:5])})가 있어 "
                    "삭제할 수 없습니다. 먼저 완료하거나 취소하세요."
                )
            target = f"meeting:{number}"
            for f in followups:
                self._put(db, by, "followup.remove", f["id"], ("followups", f["id"]), None)
            for i in db.table("items").all():
                if i["meeting"] == number:
                    key = f"{number}.{i['number']}"
                    self._put(db, by, "item.remove", f"item:{key}", ("items", key), None)
            self._put(db, by, "meeting.remove", target, ("meetings", str(number)), None)
        return Meeting.from_dict(row)

    def add_item(
        self,
        meeting: int,
        title: str,
        *,
        by: str,
        decision: str | None = None,
        ministries: tuple[str, ...] = (),
        lead: str | None = None,
    ) -> AgendaItem:
        """An agenda item typed in by an admin, numbered after the meeting's last one."""
        draft = AgendaItem(
            meeting, 0, title, decision, lead or (ministries[0] if ministries else None),
            tuple(ministries),
        )  # fmt: skip
        terms = nlp.item_terms(draft)  # before the lock: Kiwi may have to load
        with self.transaction() as db:
            if _locate(db, "meetings", str(meeting)) is None:
                raise NotFound(f"{meeting}번 회의는 없습니다.")
            numbers = [i["number"] for i in db.table("items").all() if i["meeting"] == meeting]
            item = draft.evolve(number=max(numbers, default=0) + 1)
            row = {**item.to_dict(), "terms": _joined(terms)}
            self._put(db, by, "item.add", f"item:{item.ref}", ("items", item.ref), row)
        return item

    def edit_item(self, ref: tuple[int, int], changes: dict[str, Any], *, by: str) -> AgendaItem:
        """Change an item's title, decision, lead_ministry, ministries or summary."""
        _only(changes, ITEM_FIELDS)
        planned = self.item(*ref).evolve(**changes)
        terms = nlp.item_terms(planned)  # before the lock: Kiwi may have to load
        with self.transaction() as db:
            old = self._item_row(db, ref)
            new = AgendaItem.from_dict(old).evolve(**changes)
            if (new.title, new.summary, new.body) != (planned.title, planned.summary, planned.body):
                terms = nlp.item_terms(new)  # changed by another process meanwhile
            row = {**new.to_dict(), "terms": _joined(terms)}
            self._put(db, by, "item.edit", f"item:{new.ref}", ("items", new.ref), row)
        return new

    def remove_item(self, ref: tuple[int, int], *, by: str) -> AgendaItem:
        """Remove an item and its milestones; refused while follow-ups are attached to it."""
        with self.transaction() as db:
            old = self._item_row(db, ref)
            attached = [
                f["id"]
                for f in db.table("followups").all()
                if (f["meeting"], f["item"]) == tuple(ref)
            ]
            if attached:
                raise Refused(
                    f"{ref[0]}.{ref[1]} 안건에 후속조치({', '.join(attached[:5])})가 달려 있어 "
                    "삭제할 수 없습니다."
                )
            key = f"{ref[0]}.{ref[1]}"
            self._put(db, by, "item.remove", f"item:{key}", ("items", key), None)
        return AgendaItem.from_dict(old)

    def _item_row(self, db: TinyDB, ref: tuple[int, int]) -> dict[str, Any]:
        row = _locate(db, "items", f"{ref[0]}.{ref[1]}")
        if row is None:
            raise NotFound(f"{ref[0]}.{ref[1]} 안건은 없습니다.")
        return dict(row)

    def ensure_milestone_ids(self) -> None:
        """Give a database from before milestone ids its ids now (a no-op once done)."""
        meta = self._tables().get("meta", {}).get("1")
        if meta is not None and not meta.get("milestone_ids"):
            with self.transaction():
                pass

    def milestone(self, mid: str) -> tuple[AgendaItem, Milestone]:
        """The item holding milestone `mid` (M7), and the milestone."""
        key = mid.strip().upper()
        for item in self._models().items.values():
            for m in item.milestones:
                if m.id == key:
                    return item, m
        raise NotFound(f"일정 {with_particle(mid[:20], '은/는')} 없습니다.")

    def add_milestone(
        self, ref: tuple[int, int], date: dt.date, text: str, *, by: str
    ) -> Milestone:
        """A dated deadline typed in by an admin, with the next id (M1, M2, …)."""
        with self.transaction() as db:
            row = self._item_row(db, ref)
            item = AgendaItem.from_dict(row)
            new = Milestone(text, date, "day", "deadline", False, id=_next_milestone_id(db))
            row["milestones"] = [*row.get("milestones", []), new.to_dict()]
            self._put(db, by, "milestone.add", new.id, ("items", item.ref), row)
        return new

    def edit_milestone(self, mid: str, changes: dict[str, Any], *, by: str) -> Milestone:
        """Change a milestone's date or text."""
        _only(changes, MILESTONE_FIELDS)
        return self._change_milestone(mid, changes, by=by, action="milestone.edit")

    def set_milestone_status(
        self,
        mid: str,
        status: str,
        *,
        by: str,
        note: str = "",
        new_date: dt.date | None = None,
    ) -> Milestone:
        """Mark a milestone done, dropped, delayed (to `new_date`, required) or planned again."""
        if status not in MILESTONE_STATUSES:
            raise ValueError(f"unknown milestone status {status!r}")
        if status == "delayed" and new_date is None:
            raise Refused("지연에는 새 날짜가 필요합니다.")
        changes: dict[str, Any] = {
            "status": status, "status_by": by, "status_at": self.now(), "note": note,
        }  # fmt: skip
        if new_date is not None:
            changes["date"] = new_date
        return self._change_milestone(mid, changes, by=by, action=f"milestone.{status}")

    def _change_milestone(
        self, mid: str, changes: dict[str, Any], *, by: str, action: str
    ) -> Milestone:
        key = mid.strip().upper()
        with self.transaction() as db:
            found = next(
                (
                    (dict(r), n)
                    for r in db.table("items").all()
                    for n, m in enumerate(r.get("milestones") or ())
                    if m.get("id") == key
                ),
                None,
            )
            if found is None:
                raise NotFound(f"일정 {with_particle(mid[:20], '은/는')} 없습니다.")
            row, n = found
            old = Milestone.from_dict(row["milestones"][n])
            if "date" in changes and changes["date"] != old.date and old.original_date is None:
                changes = {**changes, "original_date": old.date}
            new = old.evolve(**changes)
            row["milestones"] = [*row["milestones"][:n], new.to_dict(), *row["milestones"][n + 1 :]]
            item_key = f"{row['meeting']}.{row['number']}"
            self._put(db, by, action, key, ("items", item_key), row)
        return new

    # -- admins ---------------------------------------------------------------------------

    def admins(self, platform: str | None = None) -> list[Admin]:
        found = (Admin.from_dict(r) for r in self._rows("admins"))
        return sorted(
            (a for a in found if platform is None or a.platform == platform), key=lambda a: a.key
        )

    def is_admin(self, platform: str, user_id: str) -> bool:
        return _find(self._rows("admins"), platform=platform, user_id=user_id) is not None

    def add_admin(self, platform: str, user_id: str, *, by: str) -> Admin:
        admin = Admin(platform, user_id, by, self.now())
        with self.transaction() as db:
            if _locate(db, "admins", admin.key) is not None:
                raise Refused(f"{with_particle(admin.key, '은/는')} 이미 관리자입니다.")
            self._put(
                db, by, "admin.add", f"admin:{admin.key}", ("admins", admin.key), admin.to_dict()
            )
        return admin

    def remove_admin(self, platform: str, user_id: str, *, by: str) -> Admin:
        key = f"{platform}:{user_id}"
        with self.transaction() as db:
            row = _locate(db, "admins", key)
            if row is None:
                raise NotFound(f"{with_particle(key, '은/는')} 채팅에서 추가된 관리자가 아닙니다.")
            self._put(db, by, "admin.remove", f"admin:{key}", ("admins", key), None)
        return Admin.from_dict(row)

    # -- history and undo -----------------------------------------------------------------

    def history(self, target: str | None = None) -> list[AuditEntry]:
        """Audit entries about `target` (a meeting "3", an item "3.2", a follow-up "F1", a
        milestone "M7"; None: all), newest first."""
        entries = [AuditEntry.from_dict(r) for r in self._rows("audit")]
        if target is not None:
            entries = [e for e in entries if _concerns(e, target.strip().upper())]
        return entries[::-1]

    def undo(self, by: str, *, now: dt.datetime | None = None) -> list[AuditEntry]:
        """Revert `by`'s last change set (within a day); returns the entries written to undo it.

        Refused when a later change (anyone's) touched one of its rows, or the row is no
        longer what the change left.
        """
        now = now or self.now()
        with self.transaction() as db:
            entries = [AuditEntry.from_dict(r) for r in db.table("audit").all()]
            group, later = _last_change(entries, by)
            if now - group[-1].at > UNDO_WINDOW:
                raise Refused(
                    f"마지막 변경({_when(group[-1].at)})은 하루가 지나 되돌릴 수 없습니다."
                )
            rows = _net_rows(group)
            for e in later:
                if e.by != "system" and _touches(e, rows):
                    raise Refused(
                        f"그 뒤에 {with_particle(e.by, '이/가')} {_when(e.at)}에 같은 대상({e.target})을 바꿔서 "
                        "되돌릴 수 없습니다."
                    )
            for (table, key), (_, after, target) in rows.items():
                current = _locate(db, table, key)
                if _comparable(dict(current) if current is not None else None) != _comparable(
                    after
                ):
                    raise Refused(
                        f"{with_particle(target, '이/가')} 그 뒤에 다시 바뀌어 되돌릴 수 없습니다."
                    )
            change = group[0].change
            self._change = None
            done = []
            for (table, key), (before, after, target) in reversed(rows.items()):
                _write_row(db, table, key, before)
                self._audit(
                    db, by, "undo", target, _public(after), _public(before),
                    row=(table, key, after, before), undoes=change,
                )  # fmt: skip
                done.append(AuditEntry.from_dict(db.table("audit").all()[-1]))
        return done

    # -- follow-ups -----------------------------------------------------------------------

    def _followup_index(self) -> _Cache:
        with self._thread_lock:
            cache = self._build_models()
            if not cache.followups_ready:
                cache.index_followups(self._rows("followups"))
                if self._storage.big:
                    exempt_from_gc()
            return cache

    def followups(
        self,
        *,
        status: str | None = "open",
        owners: Iterable[str] | None = None,
        item: tuple[int, int] | None = None,
        limit: int | None = None,
    ) -> list[FollowUp]:
        """Follow-ups by due date, filtered; at most `limit` of them are built as models."""
        index = self._followup_index()
        rows: Iterable[dict[str, Any]]
        if item is not None:
            rows = index.by_item.get(item, [])
        elif owners is not None:
            rows = heapq.merge(*(index.by_owner.get(o, []) for o in set(owners)), key=_due_order)
        elif status is not None:
            rows = index.by_status.get(status, [])
        else:
            rows = heapq.merge(*index.by_status.values(), key=_due_order)
        chosen = (r for r in rows if status is None or r["status"] == status)
        return [FollowUp.from_dict(r) for r in itertools.islice(chosen, limit)]

    def count_followups(
        self, *, status: str | None = "open", owners: Iterable[str] | None = None
    ) -> int:
        counts = self._followup_index().counts
        chosen = set(owners) if owners is not None else None
        return sum(
            n
            for (owner, st), n in counts.items()
            if (chosen is None or owner in chosen) and (status is None or st == status)
        )

    def followup_terms(self) -> Iterator[tuple[str, list[str]]]:
        """Precomputed search terms of every follow-up."""
        for row in self._rows("followups"):
            yield row["id"], row.get("terms", "").split()

    def digest_followups(self, *, due_by: dt.date, closed_since: dt.datetime) -> list[FollowUpRef]:
        """What a digest may show: open follow-ups due on or before `due_by` and done ones
        closed at or after `closed_since` (an aware time); cancelled ones never. By due date.

        With 100,000 follow-ups half may qualify (long overdue, or closed this week) while a
        digest shows fifty: rows are tested as stored, and each that passes becomes a
        `FollowUpRef` (the fields a digest filters by), its full record built on demand.
        """
        latest = due_by.isoformat()  # ISO dates compare as strings
        found = []
        date = dt.date.fromisoformat
        for row in self._rows("followups"):
            status = row["status"]
            closed = None
            if status == "open":
                if row["due"] > latest:
                    continue
            elif status == "done":
                closed = _closed_at(row)
                if closed is None or closed < closed_since:
                    continue
            else:
                continue
            ref = FollowUpRef(row["id"], date(row["due"]), row["owner"], not closed, closed, row)
            found.append(ref)
        found.sort(key=lambda ref: (ref.due, len(ref.id), ref.id))  # F9 before F10
        return found

    def followups_with_text(self, test: Callable[[str], bool]) -> list[FollowUp]:
        """Follow-ups of any status whose text passes `test`, in the order they were added.

        For scans such as search's literal fallback: only the rows that pass become models.
        """
        return [FollowUp.from_dict(r) for r in self._rows("followups") if test(r["text"])]

    def followup(self, fid: str) -> FollowUp:
        row = self._followup_index().by_id.get(fid.strip().upper())
        if row is None:
            raise NotFound(f"후속조치 {with_particle(fid[:20], '은/는')} 없습니다.")
        return FollowUp.from_dict(row)

    def add_followup(
        self,
        *,
        item: tuple[int, int],
        text: str,
        owner: str,
        due: dt.date,
        by: str,
    ) -> FollowUp:
        """Create a follow-up with the next short id (F1, F2, …), stored with its search terms."""
        terms = nlp.followup_terms(text, owner)  # before the lock: Kiwi may have to load
        now = self.now()
        with self.transaction() as db:
            if _find(db.table("items").all(), meeting=item[0], number=item[1]) is None:
                raise NotFound(f"{item[0]}.{item[1]} 안건은 없습니다.")
            meta = db.table("meta")
            counter = meta.get(doc_id=1)
            assert isinstance(counter, dict)
            n = int(counter.get("next_followup", 1))
            meta.update({"next_followup": n + 1}, doc_ids=[1])
            fu = FollowUp(
                id=f"F{n}",
                meeting=item[0],
                item=item[1],
                text=text,
                owner=owner,
                due=due,
                created_by=by,
                created_at=now,
                updated_by=by,
                updated_at=now,
            )
            row = {**fu.to_dict(), "terms": _joined(terms)}
            db.table("followups").insert(row)
            self._audit(
                db,
                by,
                "followup.add",
                fu.id,
                None,
                fu.to_dict(),
                row=("followups", fu.id, None, row),
            )
        return fu

    def update_followup(
        self,
        fid: str,
        changes: dict[str, Any],
        *,
        by: str,
    ) -> FollowUp:
        """Apply field changes, recording each in the follow-up's history and the audit log.

        A change of text or owner changes the search terms stored with the follow-up.
        """
        key = fid.strip().upper()
        now = self.now()
        terms, basis = None, None
        if "text" in changes or "owner" in changes:
            # Before the lock (Kiwi may have to load), from what the follow-up says now.
            current = _find(self._rows("followups"), id=key)
            if current is not None:
                basis = (
                    changes.get("text", current["text"]),
                    changes.get("owner", current["owner"]),
                )
                terms = nlp.followup_terms(*basis)
        with self.transaction() as db:
            table = db.table("followups")
            row = _find(table.all(), id=key)
            if row is None:
                raise NotFound(f"후속조치 {with_particle(fid, '은/는')} 없습니다.")
            old = FollowUp.from_dict(row)
            new = old.evolve(**changes, updated_by=by, updated_at=now)
            if basis is not None and basis != (new.text, new.owner):
                # Another process changed it in between; Kiwi is loaded by now, so this is quick.
                terms = nlp.followup_terms(new.text, new.owner)
            history = [
                Change(now, by, name, _jsonish(getattr(old, name)), _jsonish(value))
                for name, value in changes.items()
                if getattr(old, name) != value
            ]
            new = new.evolve(history=old.history + tuple(history))
            update: dict[str, Any] = new.to_dict()
            if terms is not None:
                update["terms"] = _joined(terms)
            before = dict(row)
            table.update(update, doc_ids=[row.doc_id])
            after = {**before, **update}
            where = ("followups", key, before, after)
            for c in history:
                self._audit(db, by, "followup.edit", f"{key}.{c.field}", c.old, c.new, row=where)
        return new

    # -- subscriptions --------------------------------------------------------------------

    def subscriptions(self) -> list[Subscription]:
        return sorted(
            (Subscription.from_dict(r) for r in self._rows("subscriptions")),
            key=lambda s: s.key,
        )

    def subscription(self, key: str) -> Subscription | None:
        row = _find(self._rows("subscriptions"), key=key)
        return Subscription.from_dict(row) if row else None

    def save_subscription(self, sub: Subscription, *, by: str) -> Subscription:
        """Create or replace the subscription of one chat."""
        with self.transaction() as db:
            table = db.table("subscriptions")
            row = _find(table.all(), key=sub.key)
            if row is None:
                table.insert(sub.to_dict())
            else:
                table.update(sub.to_dict(), doc_ids=[row.doc_id])
            # Not undoable: /subscribe and /unsubscribe take each other back.
            self._audit(
                db, by, "subscription.save", sub.key, dict(row) if row else None, sub.to_dict()
            )
        return sub

    def remove_subscription(self, key: str, *, by: str) -> Subscription:
        with self.transaction() as db:
            table = db.table("subscriptions")
            row = _find(table.all(), key=key)
            if row is None:
                raise NotFound("이 대화방은 구독하고 있지 않습니다.")
            table.remove(doc_ids=[row.doc_id])
            self._audit(db, by, "subscription.remove", key, dict(row), None)
        return Subscription.from_dict(row)

    def pause_subscription(self, key: str, reason: str, *, by: str = "system") -> None:
        """Stop sending to a chat that blocked or removed the bot, until someone resubscribes."""
        self._update_subscription(key, {"paused": True, "paused_reason": reason}, by=by)

    def rekey_subscription(self, old_key: str, new_key: str, new_chat_id: str) -> None:
        """Follow a chat whose id changed (a Telegram group migrated to a supergroup)."""
        self._update_subscription(old_key, {"key": new_key, "chat_id": new_chat_id}, by="system")

    def _update_subscription(self, key: str, changes: dict[str, Any], *, by: str) -> None:
        with self.transaction() as db:
            table = db.table("subscriptions")
            row = _find(table.all(), key=key)
            if row is None:
                return
            table.update(changes, doc_ids=[row.doc_id])
            self._audit(
                db, by, "subscription.update", key, {k: row.get(k) for k in changes}, changes
            )

    # -- outbox ---------------------------------------------------------------------------

    def delivery(self, subscription: str, period: str) -> Delivery | None:
        row = _find(self._rows("deliveries"), subscription=subscription, period=period)
        return Delivery.from_dict(row) if row else None

    def deliveries(self) -> list[Delivery]:
        return [Delivery.from_dict(r) for r in self._rows("deliveries")]

    def claim_delivery(
        self, subscription: str, period: str, *, lease: dt.timedelta
    ) -> Delivery | None:
        """Mark (subscription, period) as being sent by us, unless it is sent or being sent.

        A claim older than `lease` is taken to belong to a process that died mid-send and may be
        taken over; that is the one window where a digest can go out twice (see README).
        """
        now = self.now()
        with self.transaction() as db:
            table = db.table("deliveries")
            row = _find(table.all(), subscription=subscription, period=period)
            current = Delivery.from_dict(row) if row else Delivery(subscription, period)
            if current.status in ("sent", "skipped"):
                return None
            if (
                current.status == "sending"
                and current.claimed_at is not None
                and now - current.claimed_at < lease
            ):
                return None
            claimed = current.evolve(
                status="sending", attempts=current.attempts + 1, claimed_at=now
            )
            if row is None:
                table.insert(claimed.to_dict())
            else:
                table.update(claimed.to_dict(), doc_ids=[row.doc_id])
        return claimed

    def finish_delivery(
        self,
        subscription: str,
        period: str,
        *,
        status: str,
        error: str = "",
        message_ids: Iterable[str] = (),
    ) -> Delivery:
        """Record how a claimed delivery ended: sent, skipped (nothing to say) or failed."""
        now = self.now()
        with self.transaction() as db:
            table = db.table("deliveries")
            row = _find(table.all(), subscription=subscription, period=period)
            if row is None:
                raise LookupError(f"no delivery {subscription} {period} to finish: claim it first")
            done = Delivery.from_dict(row).evolve(
                status=status,
                last_error=error,
                sent_at=now if status == "sent" else None,
                message_ids=tuple(message_ids),
            )
            table.update(done.to_dict(), doc_ids=[row.doc_id])
            if status == "sent":
                subs = db.table("subscriptions")
                sub = _find(subs.all(), key=subscription)
                if sub is not None:
                    subs.update({"last_digest_at": now.isoformat()}, doc_ids=[sub.doc_id])
        return done

    # -- audit ----------------------------------------------------------------------------

    def audit_log(self, limit: int | None = None) -> list[AuditEntry]:
        rows = list(self._rows("audit"))
        rows = rows[-limit:] if limit else rows
        return [AuditEntry.from_dict(r) for r in rows]

    def _audit(
        self,
        db: TinyDB,
        by: str,
        action: str,
        target: str,
        old: Any,
        new: Any,
        *,
        row: tuple[str, str, dict[str, Any] | None, dict[str, Any] | None] | None = None,
        undoes: str = "",
    ) -> None:
        """Log a change; with `row` (table, key, before, after) it can be undone, together with
        every other row the same transaction logs (one change set)."""
        entry = AuditEntry(self.now(), by, action, target, old, new, undoes=undoes)
        if row is not None:
            table, key, before, after = row
            entry = entry.evolve(
                change=self._change_id(db), table=table, key=key, before=before, after=after
            )
        db.table("audit").insert(entry.to_dict())

    def _change_id(self, db: TinyDB) -> str:
        if self._change is None:
            meta = db.table("meta")
            counter = meta.get(doc_id=1)
            assert isinstance(counter, dict)
            n = int(counter.get("next_change", 1))
            meta.update({"next_change": n + 1}, doc_ids=[1])
            self._change = f"C{n}"
        return self._change

    def _put(
        self,
        db: TinyDB,
        by: str,
        action: str,
        target: str,
        where: tuple[str, str],
        after: dict[str, Any] | None,
    ) -> dict[str, Any] | None:
        """Write one row (None: remove it) and log it, undoable; returns the row before."""
        before = _write_row(db, *where, after)
        old, new = _public(before), _public(after)
        self._audit(db, by, action, target, old, new, row=(*where, before, after))
        return before

    # -- revisions: how often each row was written (the calendar feeds' SEQUENCE) ----------

    def revisions(self) -> dict[str, dict[str, tuple[int, str]]]:
        """How many audit entries wrote each meeting, item and follow-up row, and when the
        last of them did (its ISO time as stored), by table and row key:
        {"items": {"1.3": (4, "2026-…")}, "meetings": {"1": …}, "followups": {"F1": …}}.

        The audit log only grows, so a count never goes down, even when /undo puts a row
        back: `bot/calendar.py` makes it an event's SEQUENCE. A milestone change is an entry
        on its item's row; an import is one on its meeting; a follow-up entry from before
        entries named their row is read by its target ("F1.status"). Rows removed since keep
        their counts. Read from the stored rows: with 100,000 entries, building AuditEntry
        models would cost ten times as much.
        """
        found: dict[str, dict[str, tuple[int, str]]] = {t: {} for t in _REVISED}
        for row in self._rows("audit"):
            table = row.get("table")
            if table in _REVISED:
                key = row.get("key", "")
            elif table:
                continue
            else:  # an import, or a follow-up entry from before entries named their row
                table, key = _revised_target(row)
                if not table:
                    continue
            rows = found[table]
            rows[key] = (rows[key][0] + 1 if key in rows else 1, row["at"])
        return found

    def feed_followups(
        self, statuses: Iterable[str], owners: Iterable[str] | None = None
    ) -> list[FeedFollowUp]:
        """Follow-ups of these statuses (of these owners), by status then due date (by due
        date when owners are given)."""
        index = self._followup_index()
        wanted = frozenset(statuses)
        rows: Iterable[dict[str, Any]]
        if owners is None:
            rows = itertools.chain.from_iterable(index.by_status.get(s, []) for s in sorted(wanted))
        else:
            rows = heapq.merge(*(index.by_owner.get(o, []) for o in set(owners)), key=_due_order)
        return [_feed_followup(r) for r in rows if r["status"] in wanted]

    # -- the press-release watcher's memory (bot/watch/) ---------------------------------

    def watch_seen(self) -> dict[str, tuple[str, str]]:
        """Every release the watcher has handled: {NewsItemId: (content hash, status)}, so a
        release comes once and a revision (same id, another hash) is noticed."""
        return {r["news_id"]: (r["hash"], r["status"]) for r in self._rows(WATCH_TABLE)}

    def mark_watched(self, seen: dict[str, str], status: str) -> None:
        """Record releases as handled ({NewsItemId: content hash}) with a status
        ("no-agenda", "proposed", "saved", "ignored", "expired", "unreadable"), in one
        write."""
        if not seen:
            return
        with self.transaction() as db:
            _mark_watched(db, seen, status)

    def propose(self, proposals: Iterable[Proposal]) -> list[str]:
        """Keep proposals until an admin answers, and mark their releases "proposed", in one
        write. A waiting proposal that shares a release with a new one (an earlier version
        of a revised release) is replaced — unless it reads the same, when it keeps its
        token and preview and only takes the new hashes; returns the replaced tokens."""
        replaced: list[str] = []
        with self.transaction() as db:
            table = db.table(PROPOSALS_TABLE)
            for proposal in proposals:
                ids = set(proposal.news)
                old = [r for r in table.all() if ids & set(r["news"])]
                if [Proposal.from_dict(r).release for r in old] == [proposal.release]:
                    table.update({"news": proposal.news}, doc_ids=[old[0].doc_id])
                    _mark_watched(db, proposal.news, "proposed")
                    continue
                table.remove(doc_ids=[r.doc_id for r in old])
                replaced += [r["token"] for r in old]
                table.insert(proposal.to_dict())
                _mark_watched(db, proposal.news, "proposed")
        return replaced

    def proposals(self) -> list[Proposal]:
        """The proposals waiting for an admin, oldest first."""
        rows = self._rows(PROPOSALS_TABLE)
        return sorted((Proposal.from_dict(r) for r in rows), key=lambda p: p.proposed_at)

    def proposal(self, token: str) -> Proposal | None:
        """The waiting proposal with this token; None once answered, replaced or expired."""
        return next((p for p in self.proposals() if p.token == token), None)

    def mark_posted(self, token: str) -> None:
        """The proposal's preview reached the admin chat: not posted again."""
        with self.transaction() as db:
            table = db.table(PROPOSALS_TABLE)
            table.update({"posted": True}, doc_ids=[r.doc_id for r in table if r["token"] == token])

    def settle_proposal(self, token: str, status: str) -> Proposal | None:
        """Drop a waiting proposal and mark its releases with `status` ("saved": stored;
        "ignored": an admin chose 무시, never proposed again, revisions included;
        "expired": nobody answered), in one write. None when it was no longer waiting."""
        with self.transaction() as db:
            table = db.table(PROPOSALS_TABLE)
            rows = [r for r in table.all() if r["token"] == token]
            if not rows:
                return None
            table.remove(doc_ids=[r.doc_id for r in rows])
            proposal = Proposal.from_dict(rows[0])
            _mark_watched(db, proposal.news, status)
        return proposal

    def watch_cursor(self) -> dt.date | None:
        """The first day the watcher's next pass reads (the last day it had not finished)."""
        meta = self._tables().get("meta", {}).get("1", {})
        value = meta.get("watch_cursor")
        return dt.date.fromisoformat(value) if value else None

    def set_watch_cursor(self, day: dt.date) -> None:
        with self.transaction() as db:
            db.table("meta").update({"watch_cursor": day.isoformat()}, doc_ids=[1])


# The watcher's tables: not domain records, so not in TABLE_RECORDS.
WATCH_TABLE = "watch"  # {news_id, hash, status}
PROPOSALS_TABLE = "proposals"  # Proposal rows


def _mark_watched(db: TinyDB, seen: dict[str, str], status: str) -> None:
    table = db.table(WATCH_TABLE)
    rows = {r["news_id"]: r.doc_id for r in table.all()}
    for news_id, digest in seen.items():
        row = {"news_id": news_id, "hash": digest, "status": status}
        if news_id in rows:
            table.update(row, doc_ids=[rows[news_id]])
        else:
            table.insert(row)


# -- a database file as a whole: backups and restore ---------------------------------------

TABLE_RECORDS: dict[str, type[Record]] = {
    "meetings": Meeting,
    "items": AgendaItem,
    "followups": FollowUp,
    "subscriptions": Subscription,
    "deliveries": Delivery,
    "audit": AuditEntry,
    "admins": Admin,
}


def parse_database(raw: bytes, label: str) -> Tables:
    """The tables of a database file (a backup), checked by `check_tables`.

    Raises:
        UsageError: not JSON, or not a database this version can use (one Korean line).
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise UsageError(f"{label}: JSON을 읽을 수 없습니다: {e}") from None
    check_tables(data, label)
    return data  # type: ignore[no-any-return]


def check_tables(data: Any, label: str) -> None:
    """Is `data` a database as this store writes it: a JSON object of known tables, each an
    object of rows under numeric ids, a meta row with a schema this version reads, and
    every row readable as its table's record? A restore replaces everything, so a file that
    would make commands fail later is refused now.

    Raises:
        UsageError: the first problem, in one Korean line naming the table and row.
    """
    if not isinstance(data, dict):
        raise UsageError(f"{label}: 데이터베이스 파일이 아닙니다(표의 묶음인 JSON 객체가 아님).")
    if "meeting" in data or "agenda" in data:
        raise UsageError(
            f"{label}: 회의 하나를 담은 파일입니다. 회의 파일은 agendabot import 로 가져오세요."
        )
    unknown = sorted(set(data) - set(TABLE_RECORDS) - {"meta", WATCH_TABLE, PROPOSALS_TABLE})
    if unknown:
        raise UsageError(
            f"{label}: 데이터베이스 파일이 아닙니다(모르는 표: {', '.join(unknown[:3])})."
        )
    meta = _table(data, "meta", label).get("1")
    schema = meta.get("schema") if isinstance(meta, dict) else None
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise UsageError(f"{label}: 데이터베이스 파일이 아닙니다(meta 표에 schema가 없음).")
    if schema > SCHEMA_VERSION:
        raise UsageError(
            f"{label}: 더 새 버전의 데이터베이스입니다(schema {schema}, 이 버전은 "
            f"{SCHEMA_VERSION}까지). agendabot을 업데이트하세요."
        )
    records: dict[str, type[Record]] = {**TABLE_RECORDS, PROPOSALS_TABLE: Proposal}
    for name, record in records.items():
        for key, row in _table(data, name, label).items():
            try:
                record.from_dict(row)
            except (TypeError, ValueError, KeyError, AttributeError) as e:
                raise UsageError(
                    f"{label}: {name} 표의 {key}번 행을 읽을 수 없습니다: {e}"
                ) from None


def _table(data: dict[str, Any], name: str, label: str) -> dict[str, dict[str, Any]]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise UsageError(f"{label}: {name} 표가 JSON 객체가 아닙니다.")
    for key, row in table.items():
        if not key.isdecimal() or not isinstance(row, dict):
            raise UsageError(f"{label}: {name} 표의 {key}번 행이 행(JSON 객체)이 아닙니다.")
    return table


# -- rows by key, for hand edits and undo --------------------------------------------------

MEETING_FIELDS = frozenset({"title", "date", "chair", "venue", "ordinal", "url"})
ITEM_FIELDS = frozenset({"title", "decision", "lead_ministry", "ministries", "summary"})
MILESTONE_FIELDS = frozenset({"date", "text"})
_NOT_SHOWN = ("terms",)  # stored with a row, never shown in its history


def _only(changes: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}; only {sorted(allowed)}")


def _row_key(table: str, row: dict[str, Any]) -> str:
    """A row's identity in its table, as the audit log names it."""
    if table == "items":
        return f"{row['meeting']}.{row['number']}"
    if table == "admins":
        return f"{row['platform']}:{row['user_id']}"
    return str(row[{"meetings": "number", "followups": "id", "subscriptions": "key"}[table]])


def _locate(db: TinyDB, table: str, key: str) -> Document | None:
    return next((r for r in db.table(table).all() if _row_key(table, r) == key), None)


def _write_row(
    db: TinyDB, table: str, key: str, after: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Make the row `key` of `table` be `after` (None: absent); returns what it was."""
    rows = db.table(table)
    row = _locate(db, table, key)
    before = dict(row) if row is not None else None
    if row is not None and after is not None:
        whole = dict(after)

        def replace(doc: MutableMapping[str, Any]) -> None:
            doc.clear()
            doc.update(whole)

        rows.update(replace, doc_ids=[row.doc_id])
    elif row is not None:
        rows.remove(doc_ids=[row.doc_id])
    elif after is not None and table == "meetings":
        rows.insert(Document(dict(after), doc_id=int(key)))  # a meeting's doc id is its number
    elif after is not None:
        rows.insert(dict(after))
    return before


def _public(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {k: v for k, v in row.items() if k not in _NOT_SHOWN}


_comparable = _public


def _number_milestones(db: TinyDB) -> None:
    """Give every item milestone of a database from before milestone ids its id (M1, M2, …
    by meeting, item and order), once; the meta row remembers it is done."""
    meta = db.table("meta")
    counter = meta.get(doc_id=1)
    assert isinstance(counter, dict)
    if counter.get("milestone_ids"):
        return
    items = db.table("items")
    for row in sorted(items.all(), key=lambda r: (r["meeting"], r["number"])):
        stones = row.get("milestones") or []
        if any(not m.get("id") for m in stones):
            numbered = [m if m.get("id") else {**m, "id": _next_milestone_id(db)} for m in stones]
            items.update({"milestones": numbered}, doc_ids=[row.doc_id])
    meta.update({"milestone_ids": True}, doc_ids=[1])


def _next_meeting_number(db: TinyDB) -> int:
    """A number no meeting has had: one past the highest ever given (kept in meta), so a
    removed meeting's number is never reused and `/agenda 5.3` never silently means another."""
    meta = db.table("meta")
    counter = meta.get(doc_id=1)
    assert isinstance(counter, dict)
    highest = max((m.doc_id for m in db.table("meetings").all()), default=0)
    n = max(int(counter.get("next_meeting", 1)), highest + 1)
    meta.update({"next_meeting": n + 1}, doc_ids=[1])
    return n


def _next_milestone_id(db: TinyDB) -> str:
    meta = db.table("meta")
    counter = meta.get(doc_id=1)
    assert isinstance(counter, dict)
    n = int(counter.get("next_milestone", 1))
    meta.update({"next_milestone": n + 1}, doc_ids=[1])
    return f"M{n}"


Phrases = dict[tuple[str, str], list[dict[str, Any]]]


def _milestones_by_phrase(rows: Iterable[dict[str, Any]]) -> Phrases:
    """A meeting's stored milestones by (text, first date), to keep across a re-import."""
    kept: Phrases = {}
    for row in rows:
        for m in row.get("milestones") or ():
            first = m.get("original_date") or m["date"]
            kept.setdefault((m["text"], first), []).append(m)
    return kept


def _keep_milestones(db: TinyDB, item: AgendaItem, kept: Phrases) -> AgendaItem:
    """The item with each milestone that was stored before (same text and first date) as
    stored — id, status, new date — and an id for each new one."""
    stones = []
    for m in item.milestones:
        same = kept.get((m.text, m.date.isoformat()))
        if same:
            stored = same.pop(0)
            stones.append(Milestone.from_dict({**m.to_dict(), **_life(stored)}))
        else:
            stones.append(m.evolve(id=m.id or _next_milestone_id(db)))
    return item.evolve(milestones=tuple(stones))


def _life(stored: dict[str, Any]) -> dict[str, Any]:
    names = ("id", "status", "status_by", "status_at", "note", "original_date", "date")
    return {k: stored[k] for k in names if stored.get(k) is not None}


def _concerns(e: AuditEntry, target: str) -> bool:
    """Is the entry about `target`: a meeting "3", an item "3.2", a follow-up "F1", a
    milestone "M7"? (Old entries name a follow-up "F1" or "F1.status", an import "meeting:3".)"""
    if target[:1] in ("F", "M"):
        return e.target == target or e.target.startswith(target + ".") or e.key == target
    if "." in target:
        rows = (e.before or {}, e.after or {})
        owns = any(f"{r.get('meeting')}.{r.get('item')}" == target for r in rows)
        return (e.table == "items" and e.key == target) or (e.table == "followups" and owns)
    meeting = target
    return (
        e.target == f"meeting:{meeting}"
        or (e.table == "meetings" and e.key == meeting)
        or (e.table in ("items", "followups") and _meeting_of(e) == meeting)
    )


def _meeting_of(e: AuditEntry) -> str:
    row = e.after or e.before or {}
    return str(row.get("meeting", ""))


def _last_change(entries: list[AuditEntry], by: str) -> tuple[list[AuditEntry], list[AuditEntry]]:
    """`by`'s last change set not yet undone (and not an undo), and the entries after it."""
    undone = {e.undoes for e in entries if e.undoes}
    mine = [e for e in entries if e.by == by and e.undoable and not e.undoes]
    mine = [e for e in mine if e.change not in undone]
    if not mine:
        raise NotFound("되돌릴 변경이 없습니다.")
    change = mine[-1].change
    last = max(i for i, e in enumerate(entries) if e.change == change)
    # A later change that was undone, and its undo, cancel out.
    later = [e for e in entries[last + 1 :] if not e.undoes and e.change not in undone]
    return [e for e in entries if e.change == change], later


Net = dict[tuple[str, str], tuple[dict[str, Any] | None, dict[str, Any] | None, str]]


def _net_rows(group: list[AuditEntry]) -> Net:
    """Each row a change set wrote: (before its first write, after its last, a target name)."""
    rows: Net = {}
    for e in group:
        where = (e.table, e.key)
        before = rows[where][0] if where in rows else e.before
        rows[where] = (
            before,
            e.after,
            e.target.split(".")[0] if e.table == "followups" else e.target,
        )
    return rows


def _touches(e: AuditEntry, rows: Net) -> bool:
    """Did the later entry `e` change one of `rows`? An import replaces a meeting's items."""
    if e.table:
        return (e.table, e.key) in rows
    if e.action.startswith("import.") and e.target.startswith("meeting:"):
        number = e.target.split(":", 1)[1]
        return any(
            (t == "meetings" and k == number) or (t == "items" and k.split(".")[0] == number)
            for t, k in rows
        )
    return False


def _when(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


_ABSENT = object()


def _find(rows: Iterable[Row], **match: Any) -> Row | None:
    """The first row whose fields equal `match` (a row without such a field never matches)."""
    if len(match) == 1:
        [(name, value)] = match.items()
        return next((r for r in rows if r.get(name, _ABSENT) == value), None)
    wanted = match.items()
    return next((r for r in rows if all(r.get(k, _ABSENT) == v for k, v in wanted)), None)


def _same(rows: Iterable[Row], release: Release) -> Row | None:
    """The stored meeting row a release is a version of: same source, else title and date."""
    rows = list(rows)
    meeting = release.meeting
    return _find(rows, source_sha256=meeting.source_sha256) or _find(
        rows, title=meeting.title, date=meeting.date.isoformat()
    )


def _joined(terms: list[str]) -> str:
    """Search terms as stored: one space-joined string per row (see `Store.item_terms`)."""
    return " ".join(terms)


def _closed_at(row: dict[str, Any]) -> dt.datetime | None:
    """`FollowUp.closed_at` read from a stored row, without building the model (a test holds
    the two to the same answers)."""
    for change in reversed(row.get("history") or ()):
        if change.get("field") == "status" and change.get("new") == "done":
            return _utc(dt.datetime.fromisoformat(change["at"]))
    updated = row.get("updated_at")
    return _utc(dt.datetime.fromisoformat(updated)) if updated else None


def _utc(moment: dt.datetime) -> dt.datetime:
    # Old rows may hold naive timestamps; the store writes UTC, so read them as UTC.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _due_order(row: dict[str, Any]) -> tuple[str, int]:
    return row["due"], _id_order(row["id"])


def _id_order(fid: str) -> int:
    """F12 → 12, so F2 comes before F12."""
    return int(fid[1:]) if fid[1:].isdigit() else 0


def _jsonish(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
