"""The inbox journal: every update is written down before Telegram is told it arrived, and
crossed off once its handlers finished, so a crash loses no command.

Why: `getUpdates` with the next offset confirms a batch to Telegram, and PTB asks for the
next batch as soon as the last one is queued, long before it is handled. A process killed
then (OOM, SIGKILL, a power cut) used to lose every confirmed but unhandled update. Now the
adapter appends a batch here (one fsync per batch) before PTB sees it, marks each update
done when its handlers return, and at start replays what was recorded but never finished.

The file (`<database>.telegram-inbox.jsonl`, mode 0600: it holds people's messages) has one
JSON object a line:

* `{"u": {...update...}, "r": 0}` — an update, as Telegram sent it; `r` counts replays;
* `{"d": 123}` — update 123 is done;
* `{"a": 123}` — a message answering update 123 is on its way: from here on it may have
  reached the chat, so a replay skips it (a chat never sees an answer twice; an answer cut
  off by the crash is lost instead, the one case where we cannot know);
* `{"seen": [[123, "digest"], ...]}` — the updates recorded last, kept across a compaction.

Telegram sends an unconfirmed update again (after a crash, or the last batch fetched while
stopping): an update recorded recently — the same id with the same content — is recognised
and not handled twice. The content is compared too because ids are not unique forever: after
a week without updates Telegram starts from a random id, and a new bot on the same database
counts from its own. The file is
rewritten to the updates still pending once everything is done and it has grown, or when it
grows large regardless; an update that was replayed `MAX_REPLAYS` times without finishing
(one that kills the process every time) is dropped with an error in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SUFFIX = ".telegram-inbox.jsonl"
Raw = dict[str, Any]


def inbox_path(db_path: Path) -> Path:
    """The journal beside the database: one bot per database, so one journal too."""
    return db_path.with_name(db_path.name + SUFFIX)


class Inbox:
    """Updates recorded but not yet handled, in memory and in the journal file."""

    SEEN = 1000  # ids remembered to recognise an update Telegram sends again
    MAX_PENDING = 1000  # polling waits while this many updates are unfinished
    COMPACT_IDLE = 256 * 1024  # bytes: rewritten when everything is done and it is this big
    COMPACT_ANY = 4 * 1024 * 1024  # bytes: rewritten even with updates pending
    MAX_REPLAYS = 3

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pending: dict[int, bytes] = {}  # id -> the update's JSON, in arrival order
        self._replays: dict[int, int] = {}
        self._answering: set[int] = set()  # pending updates with an answer on its way
        self._seen: OrderedDict[int, str] = OrderedDict()  # id -> digest, the last SEEN
        self._echoes: dict[int, object] = {}  # id(obj) -> an update object sent again
        self._fd: int | None = None
        self._opened = False
        self._size = 0
        self._lock = threading.Lock()  # the file: appends from a worker thread, compaction
        self._room = asyncio.Event()
        self._room.set()

    # -- opening ------------------------------------------------------------------------------

    def open(self) -> list[Raw]:
        """Read the journal, rewrite it compacted, keep it open for appending; return the
        updates to replay (recorded by an earlier run, never finished), oldest first.

        Updates admitted before this (a webhook POST that came before the adapter started)
        are in hand already and not replayed."""
        if self._opened:
            return []
        self._opened = True
        records, done = self._read()
        replay: list[Raw] = []
        for update_id, (raw, replays) in records.items():
            if update_id in done or update_id in self._pending:
                continue
            if replays >= self.MAX_REPLAYS:
                log.error(
                    "update %s was replayed %d times and never finished; dropped",
                    update_id,
                    replays,
                )
                continue
            self._pending[update_id] = _encode(raw)
            self._replays[update_id] = replays + 1
            replay.append(raw)
        self._rewrite()
        if replay:
            log.warning("replaying %d unfinished Telegram updates", len(replay))
        return replay

    def _read(self) -> tuple[dict[int, tuple[Raw, int]], set[int]]:
        records: dict[int, tuple[Raw, int]] = {}
        done: set[int] = set()
        with contextlib.suppress(FileNotFoundError), self.path.open("rb") as file:
            for line in file:
                try:
                    entry = json.loads(line)
                except ValueError:  # a line torn by a crash mid-write: nothing to recover
                    continue
                self._read_entry(entry, records, done)
        return records, done

    def _read_entry(self, entry: Any, records: dict[int, tuple[Raw, int]], done: set[int]) -> None:
        if not isinstance(entry, dict):
            return
        if isinstance(entry.get("u"), dict) and isinstance(entry["u"].get("update_id"), int):
            update_id = entry["u"]["update_id"]
            records[update_id] = (entry["u"], int(entry.get("r", 0)))
            done.discard(update_id)  # an id used again after it was done: a new update
            self._note(update_id, _digest(entry["u"]))
        elif isinstance(entry.get("d"), int):
            done.add(entry["d"])
        elif isinstance(entry.get("a"), int):
            done.add(entry["a"])  # may have been answered: never answered twice
        elif isinstance(entry.get("seen"), list):
            for pair in entry["seen"]:
                if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], int):
                    self._note(pair[0], str(pair[1]))

    def close(self) -> None:
        """Close the file; a later `open` reads it again (a restarted adapter)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._opened = False
        self._pending.clear()  # what is unfinished stays in the file, for the next open
        self._replays.clear()
        self._answering.clear()
        self._echoes.clear()
        self._room.set()

    # -- recording ----------------------------------------------------------------------------

    def admit(self, updates: Sequence[Raw]) -> list[Raw]:
        """The updates not seen before, now pending; the caller writes them (`write`) before
        anyone may confirm them to Telegram."""
        fresh: list[Raw] = []
        for update in updates:
            update_id, encoded = update["update_id"], _encode(update)
            content = _digest(update)
            if self._seen.get(update_id) == content:
                continue
            self._note(update_id, content)
            self._pending[update_id] = encoded
            fresh.append(update)
        if len(self._pending) >= self.MAX_PENDING:
            self._room.clear()
        return fresh

    def write(self, updates: Sequence[Raw]) -> None:
        """Append the records and fsync, once for the batch (blocking: run it in a thread)."""
        if not updates:
            return
        data = b"".join(
            _record(self._pending.get(u["update_id"]) or _encode(u), 0) for u in updates
        )
        with self._lock:
            fd = self._ensure_open()
            _write_all(fd, data)
            self._size += len(data)
            os.fsync(fd)

    def mark_echo(self, update: object) -> None:
        """This object is an update Telegram sent again: its first copy is handled already."""
        self._echoes[id(update)] = update

    def is_echo(self, update: object) -> bool:
        """True (once) for an object `mark_echo` was told about."""
        return self._echoes.pop(id(update), None) is not None

    def seen(self, update_id: int) -> bool:
        return update_id in self._seen

    def forget_echoes(self) -> None:
        """Echoes fetched while stopping never reach the processor: drop them at a start."""
        self._echoes.clear()

    # -- finishing ----------------------------------------------------------------------------

    def answering(self, update_id: int) -> None:
        """A message answering this update is about to go out: from now on a replay must
        skip it (no fsync, as for `finish`: the page cache survives a killed process)."""
        if update_id not in self._pending or update_id in self._answering:
            return
        self._answering.add(update_id)
        with self._lock:
            if self._fd is not None:
                data = _line({"a": update_id})
                _write_all(self._fd, data)
                self._size += len(data)

    def finish(self, update_id: int) -> None:
        """The update's handlers returned: cross it off (no fsync: a crash that loses this
        line only makes the update run once more)."""
        if self._pending.pop(update_id, None) is None:
            return
        self._replays.pop(update_id, None)
        self._answering.discard(update_id)
        if len(self._pending) < self.MAX_PENDING:
            self._room.set()
        with self._lock:
            if self._fd is None:
                return
            data = _line({"d": update_id})
            _write_all(self._fd, data)
            self._size += len(data)
            big = self._size > (self.COMPACT_IDLE if not self._pending else self.COMPACT_ANY)
        if big:
            self._rewrite()

    @property
    def pending(self) -> int:
        """How many recorded updates are not finished yet."""
        return len(self._pending)

    async def room(self) -> None:
        """Wait while too many updates are unfinished: the journal and memory stay bounded,
        and Telegram keeps what we cannot take yet."""
        await self._room.wait()

    # -- the file -----------------------------------------------------------------------------

    def _note(self, update_id: int, content: str) -> None:
        self._seen[update_id] = content
        self._seen.move_to_end(update_id)
        while len(self._seen) > self.SEEN:
            self._seen.popitem(last=False)

    def _ensure_open(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return self._fd

    def _rewrite(self) -> None:
        """Replace the file by what is still needed: the recent ids and the pending updates."""
        lines = [_line({"seen": [list(pair) for pair in self._seen.items()]})]
        lines += [
            _record(encoded, self._replays.get(update_id, 0))
            for update_id, encoded in self._pending.items()
        ]
        lines += [_line({"a": update_id}) for update_id in self._answering]
        data = b"".join(lines)
        temp = self.path.with_name(self.path.name + ".tmp")
        with self._lock:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, self.path)
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._ensure_open()
            self._size = len(data)


def _encode(update: Raw) -> bytes:
    """The update as one line of JSON, as Telegram sent it."""
    return json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode()


def _digest(update: Raw) -> str:
    """A short fingerprint of an update's content (keys sorted: a copy is the same whatever
    order it was serialised in), to tell a copy from a reused id."""
    canonical = json.dumps(update, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.blake2b(canonical, digest_size=8).hexdigest()


def _record(encoded: bytes, replays: int) -> bytes:
    return b'{"u":' + encoded + b',"r":' + str(replays).encode() + b"}\n"


def _line(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
