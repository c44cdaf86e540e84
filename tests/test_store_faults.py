"""The store when things go wrong around it: a file changed in place by hand, another process
holding the lock, crash leftovers, file modes, a full disk, a corrupt file, and files of the
wrong shape given to `agendabot import`."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot import metrics, render
from bot import store as store_module
from bot.adapters.answering import Answerer
from bot.commands import Context, Request, handle
from bot.store import Busy, Store
from tests.store_worker import add, seed, texts

ROOT = Path(__file__).resolve().parent.parent


# -- a file changed in place ------------------------------------------------------------------


def overwrite_in_place(path: Path, content: bytes, *, keep_times: bool) -> None:
    """`cp other.json db.json` as a person does it: same inode, maybe same size and mtime."""
    before = os.stat(path)
    other = path.with_name("other.json")
    other.write_bytes(content)
    shutil.copyfile(other, path)  # opens db.json with O_TRUNC: the inode stays
    if keep_times:  # as `cp -p` would: only ctime, which no one can set, may still move
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_ino == before.st_ino


def test_a_write_after_an_in_place_copy_keeps_the_copy(small: Store) -> None:
    add(small, "점검하나")
    raw = small.path.read_bytes()
    assert texts(small) == {"점검하나"}  # read and cached
    edited = raw.replace("점검하나".encode(), "점검두울".encode())
    assert len(edited) == len(raw)  # the same size: only the bytes differ
    overwrite_in_place(small.path, edited, keep_times=True)
    add(small, "새 점검")
    on_disk = small.path.read_text(encoding="utf-8")
    assert "점검두울" in on_disk and "점검하나" not in on_disk  # the old data did not come back
    assert texts(small) == {"점검두울", "새 점검"}
    assert texts(Store(small.path)) == {"점검두울", "새 점검"}


def test_a_read_after_an_in_place_copy_shows_the_copy(small: Store) -> None:
    add(small, "첫째")
    older = small.path.read_bytes()
    add(small, "둘째")
    assert texts(small) == {"첫째", "둘째"}
    overwrite_in_place(small.path, older, keep_times=False)  # `cp backup.json db.json`
    assert texts(small) == {"첫째"}


def test_a_transaction_checks_the_bytes_when_the_timestamps_cannot_tell(
    small: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system whose timestamps did not move (a change in the same tick as our write):
    only the content check under the file lock can see the change."""
    real = store_module._signature

    def frozen(st: os.stat_result) -> tuple[int, int, int, int, int]:
        ino, dev, size, _, _ = real(st)
        return (ino, dev, size, 0, 0)

    monkeypatch.setattr(store_module, "_signature", frozen)
    monkeypatch.setattr(store_module, "RACY_NS", 1 << 62)  # every snapshot is racy
    add(small, "점검하나")
    raw = small.path.read_bytes()
    overwrite_in_place(
        small.path, raw.replace("점검하나".encode(), "점검두울".encode()), keep_times=True
    )
    add(small, "새 점검")
    assert texts(Store(small.path)) == {"점검두울", "새 점검"}
    assert texts(small) == {"점검두울", "새 점검"}


# -- another process holding the lock --------------------------------------------------------

HOLDER = (
    "import sys\n"
    "from filelock import FileLock\n"
    "lock = FileLock(sys.argv[1])\n"
    "lock.acquire()\n"
    "print('locked', flush=True)\n"
    "sys.stdin.read()\n"  # holds the lock until its stdin closes or it is killed
)


@contextmanager
def holding(db: Path) -> Iterator[subprocess.Popen[str]]:
    """A child process holding the file lock of `db`, as a slow CLI import would; killed
    (and with it its lock) at the end, or earlier by the test."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db) + ".lock"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        yield child
    finally:
        child.kill()
        child.wait(timeout=30)


@pytest.fixture
def held(small: Store) -> Iterator[subprocess.Popen[str]]:
    with holding(small.path) as child:
        yield child


def in_thread(run: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Start `run` in a thread; the list gets its result or the exception it raised."""
    out: list[Any] = []

    def target() -> None:
        try:
            out.append(run())
        except Exception as e:  # handed to the test
            out.append(e)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, out


def busy_count() -> float:
    return metrics.REGISTRY.get_sample_value("agendabot_store_busy_total") or 0.0


def test_a_write_gives_up_with_busy_after_the_bounded_wait(
    small: Store, held: subprocess.Popen[str]
) -> None:
    before, counted = small.path.read_bytes(), busy_count()
    small.lock_wait = 0.5
    writer, out = in_thread(lambda: add(small, "막힌 점검"))
    writer.join(timeout=10)
    try:
        assert not writer.is_alive(), "the write waited for the holder instead of giving up"
    finally:
        held.kill()
        writer.join(timeout=30)
    [error] = out
    assert isinstance(error, Busy)
    assert "잠시 후 다시" in error.line() and "사용법" not in error.line()
    assert small.path.read_bytes() == before
    assert busy_count() == counted + 1


def test_reads_go_on_while_a_write_waits_for_another_process(
    small: Store, held: subprocess.Popen[str]
) -> None:
    assert texts(small) == set()
    waiting = threading.Event()
    real_acquire = small._lock.acquire

    def acquire(*args: Any, **kwargs: Any) -> Any:
        waiting.set()
        return real_acquire(*args, **kwargs)

    small._lock.acquire = acquire  # type: ignore[method-assign]
    small.lock_wait = 60
    writer, written = in_thread(lambda: add(small, "기다린 점검"))
    assert waiting.wait(10)
    reader, seen = in_thread(lambda: texts(small))
    reader.join(timeout=1.0)
    try:
        assert not reader.is_alive(), "a read waited for another process's lock"
        assert seen == [set()] and writer.is_alive()  # the writer is still waiting
    finally:
        held.kill()  # the holder dies: its lock goes with it
        writer.join(timeout=30)
        reader.join(timeout=30)
    assert written == ["F1"] and texts(small) == {"기다린 점검"}


def test_a_user_gets_try_again_and_nothing_changes(ctx: Context) -> None:
    before = ctx.store.path.read_bytes()
    ctx.store.lock_wait = 0.3
    req = Request("console", "console", "console", "/followup add 1 2026-12-15 국방부 점검")
    with holding(ctx.store.path) as child:
        answer, replies = in_thread(lambda: render.text(handle(ctx, req)))
        answer.join(timeout=15)
        try:
            assert not answer.is_alive(), "the command waited for the other process's lock"
        finally:
            child.kill()
            answer.join(timeout=30)
    [line] = replies
    assert "잠시 후 다시" in line and "사용법" not in line
    assert ctx.store.path.read_bytes() == before
    assert ctx.store.followups() == []


def test_the_event_loop_never_waits_for_another_threads_write(ctx: Context) -> None:
    """A command known to be quick runs inline only when no write holds the store."""
    answerer = Answerer(ctx)
    req = Request("console", "console", "console", "/meetings")
    answerer.answer(req)
    answerer._quick.add("meetings")  # as if its last run was quick
    assert answerer.is_quick(req)
    inside, release = threading.Event(), threading.Event()

    def write() -> None:
        with ctx.store.transaction():
            inside.set()
            release.wait(10)  # a slow write: fsync of a big file

    writer = threading.Thread(target=write)
    writer.start()
    assert inside.wait(10)
    ticked: list[bool] = []

    def tick() -> None:  # runs only if the loop is free while the write holds the store
        ticked.append(writer.is_alive())
        release.set()

    async def main() -> str:
        asyncio.get_running_loop().call_later(0.05, tick)
        return render.text(await answerer(req))

    try:
        assert not answerer.is_quick(req)
        out = asyncio.run(main())
    finally:
        release.set()
        writer.join(timeout=30)
    assert ticked == [True]  # the loop ran its timer while the write still held the store
    assert "과학기술관계장관회의" in out
    assert ctx.store.is_loaded()  # the write is over: inline again once quick


def test_a_command_that_writes_never_runs_inline(ctx: Context) -> None:
    answerer = Answerer(ctx)
    add_cmd = Request("console", "console", "console", "/followup add 1 2026-12-15 국방부 점검")
    ctx.store.meetings()  # loaded
    answerer._quick.add("followup")  # `/followup` lists quickly …
    assert answerer.is_quick(Request("console", "console", "console", "/followup"))
    assert not answerer.is_quick(add_cmd)  # … but `/followup add` writes


# -- crash leftovers and file modes ------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    return child.pid


def test_temp_files_of_crashed_writers_are_removed_at_start(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    live = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        crashed = tmp_path / f".db.json.{dead_pid()}.tmp"
        writing = tmp_path / f".db.json.{live.pid}.tmp"
        other = tmp_path / f".other.json.{dead_pid()}.tmp"  # another database's
        for path in (crashed, writing, other):
            path.write_bytes(b"{" * 1000)
        with holding(db):  # someone is writing: nothing is touched, and nothing waits
            Store(db)
            assert crashed.exists()
        Store(db)
        assert not crashed.exists()
        assert writing.exists() and other.exists()
    finally:
        live.kill()
        live.wait(timeout=30)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_database_and_its_lock_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        s = Store(tmp_path / "new.json")
        seed(s)
    finally:
        os.umask(old)
    assert mode(s.path) == 0o600
    lock = Path(str(s.path) + ".lock")
    if lock.exists():  # filelock may remove it on release
        assert mode(lock) == 0o600


def test_a_write_keeps_the_files_mode(small: Store) -> None:
    os.chmod(small.path, 0o640)
    add(small, "점검")
    assert mode(small.path) == 0o640


# -- a disk that refuses, a corrupt file ----------------------------------------------------------


def refuse_the_database(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    """The disk is full: renaming the written temp file over the database fails."""
    real = os.replace

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        if Path(dst) == db:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def test_a_full_disk_is_one_korean_line_and_nothing_half_written(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = ctx.store.path.read_bytes()
    refuse_the_database(monkeypatch, ctx.store.path)
    req = Request("telegram", "100", "-1", "/followup add 1 2026-12-15 국방부 점검")
    reply = handle(ctx, req)
    line = render.text(reply)
    assert reply.error and "데이터베이스" in line and "관리자" in line
    assert "\n" not in line.strip() and str(ctx.store.path.parent) not in line  # no server path
    assert reply.meta["fault"] == "storage"
    assert ctx.store.path.read_bytes() == before
    assert not list(ctx.store.path.parent.glob(".*.tmp"))
    assert ctx.store.followups() == []


def test_agendabot_ask_exits_2_on_a_full_disk(tmp_path: Path, seed_db: Path) -> None:
    db = tmp_path / "db.json"
    shutil.copy(seed_db, db)
    script = (
        "import errno, os, sys\n"
        "real = os.replace\n"
        "def replace(src, dst, **kw):\n"
        "    if str(dst) == sys.argv[1]:\n"
        "        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))\n"
        "    real(src, dst, **kw)\n"
        "os.replace = replace\n"
        "from bot.cli import main\n"
        "sys.exit(main(['--db', sys.argv[1], 'ask', '/followup add 1 2026-12-15 국방부 점검']))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(db)],
        check=False,  # the test looks at the exit code
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "AGENDABOT_NOW": "2026-11-25T10:00:00+09:00"},
        timeout=120,
    )
    assert out.returncode == 2, out.stdout + out.stderr
    assert "데이터베이스" in out.stdout and "Traceback" not in out.stderr
    assert db.read_bytes() == seed_db.read_bytes()


def test_a_corrupt_database_is_named_in_chat_not_a_generic_apology(ctx: Context) -> None:
    ctx.store.path.write_text('{"meetings": {', encoding="utf-8")
    reply = handle(ctx, Request("telegram", "1", "1", "/meetings"))
    line = render.text(reply)
    assert reply.error and "손상" in line and "agendabot repair" in line
    assert str(ctx.store.path.parent) not in line
    assert ctx.store.path.read_text(encoding="utf-8") == '{"meetings": {'  # left as it was


# -- files of the wrong shape for `agendabot import` -------------------------------------------

MEETING: dict[str, Any] = {
    "meeting": {"title": "제1회 회의", "date": "2026-01-05"},
    "agenda": [{"title": "안건"}],
}


def huge_ordinal() -> str:
    return json.dumps({**MEETING, "meeting": {**MEETING["meeting"], "ordinal": 10**30}})


def lone_surrogate() -> str:
    return json.dumps(MEETING, ensure_ascii=False).replace("안건", "\\ud800")


def a_backup() -> str:
    return json.dumps({"meta": {"1": {"schema": 1}}, "meetings": {}})


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (huge_ordinal, "meeting.ordinal: 정수가 너무 큽니다"),
        (lone_surrogate, "agenda[0].title: 글자로 쓸 수 없는 문자"),
        (a_backup, "agendabot restore"),
    ],
    ids=["integer beyond 64 bits", "lone surrogate", "a database backup"],
)
def test_import_of_a_wrong_shape_is_one_line_and_exit_2(
    make: Any, expected: str, tmp_path: Path, seed_db: Path
) -> None:
    db = tmp_path / "db.json"
    shutil.copy(seed_db, db)
    bad = tmp_path / "bad.json"
    bad.write_text(make(), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), "import", str(bad)],
        check=False,  # the test looks at the exit code
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    [line] = out.stderr.strip().splitlines()
    assert expected in line and line.startswith("agendabot:"), line
    assert db.read_bytes() == seed_db.read_bytes()
