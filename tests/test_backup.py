"""Backups, restore, daily backups and repair (`bot/backup.py`, `agendabot backup|restore|
repair`): a backup is a whole database even while another thread writes, a restore is checked
first and seen at once by a running store, daily backups are kept N days."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest

from bot import backup
from bot.config import Settings
from bot.errors import UsageError
from bot.store import CorruptStore, Store, check_tables
from tests.store_worker import add, texts

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- taking a backup ------------------------------------------------------------------------------


def test_a_backup_taken_while_another_thread_writes_is_whole(small: Store) -> None:
    done = threading.Event()

    def write() -> None:
        for n in range(40):
            add(small, f"점검 {n}")
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    copies: list[Path] = []
    while_writing = 0
    try:
        while not done.is_set() or not copies:
            while_writing += not done.is_set()
            copies.append(backup.take(Store(small.path), now=NOW))
    finally:
        writer.join(timeout=60)
    assert while_writing >= 1
    assert len(set(copies)) == len(copies)  # never one over another
    for path in copies:
        data = orjson.loads(path.read_bytes())
        check_tables(data, path.name)  # our layout, every row readable
        ids = {row["id"] for row in data.get("followups", {}).values()}
        added = {row["target"] for row in data.get("audit", {}).values()} & {
            f"F{n}" for n in range(1, 41)
        }
        assert ids == added  # a follow-up and its audit entry, always together
        assert data["meta"]["1"]["next_followup"] == len(ids) + 1
        assert mode(path) == 0o600


def test_backup_goes_to_backups_beside_the_database_or_where_asked(
    small: Store, tmp_path: Path
) -> None:
    first = backup.take(small, now=NOW)
    second = backup.take(small, now=NOW)  # the same second: a new name, not over the first
    assert first == tmp_path / "backups" / "db-2026-11-25T100000.json"
    assert second == tmp_path / "backups" / "db-2026-11-25T100000-2.json"
    assert first.read_bytes() == small.path.read_bytes()
    elsewhere = backup.take(small, tmp_path / "copy.json", now=NOW)
    assert elsewhere == tmp_path / "copy.json" and mode(elsewhere) == 0o600


def test_a_corrupt_database_is_not_backed_up(small: Store, tmp_path: Path) -> None:
    small.path.write_text('{"meetings": {', encoding="utf-8")
    with pytest.raises(CorruptStore):
        backup.take(Store(small.path), now=NOW)
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())


# -- restore --------------------------------------------------------------------------------------


def test_a_restore_is_seen_by_a_store_already_open(small: Store, tmp_path: Path) -> None:
    add(small, "백업 전")
    saved = backup.take(small, now=NOW)
    add(small, "백업 후")
    running = Store(small.path)  # the bot, with the data loaded
    assert texts(running) == {"백업 전", "백업 후"}
    before = backup.restore(Store(small.path), saved, now=NOW)  # the CLI, another Store
    assert texts(running) == {"백업 전"}  # no reopening
    add(running, "복원 후")  # and its next write builds on the restored data
    assert texts(Store(small.path)) == {"백업 전", "복원 후"}
    assert before is not None and "before-restore" in before.name and mode(before) == 0o600
    assert {f["text"] for f in orjson.loads(before.read_bytes())["followups"].values()} == {
        "백업 전",
        "백업 후",
    }
    assert [e.action for e in running.audit_log()][-2] == "database.restore"


def database(**tables: Any) -> dict[str, Any]:
    return {"meta": {"1": {"schema": 1, "next_followup": 1}}, **tables}


BROKEN_ROW = {"1": {"id": "F1", "meeting": 1, "item": 1, "text": "t", "owner": "국방부"}}
INVALID = [
    ("not json", b'{"meta": {', "JSON을 읽을 수 없습니다"),
    ("a list", b"[1, 2]", "데이터베이스 파일이 아닙니다"),
    ("a meeting file", orjson.dumps({"meeting": {}, "agenda": []}), "agendabot import"),
    ("no meta", orjson.dumps({"meetings": {}}), "schema"),
    ("unknown table", orjson.dumps(database(people={})), "모르는 표: people"),
    ("newer schema", orjson.dumps({"meta": {"1": {"schema": 99}}}), "더 새 버전"),
    (
        "a row missing a field",
        orjson.dumps(database(followups=BROKEN_ROW)),
        "followups 표의 1번 행",
    ),
    ("a table not an object", orjson.dumps(database(items=[])), "items 표가"),
]


@pytest.mark.parametrize(
    ("content", "expected"), [i[1:] for i in INVALID], ids=[i[0] for i in INVALID]
)
def test_an_invalid_restore_changes_nothing(
    content: bytes, expected: str, small: Store, tmp_path: Path
) -> None:
    before = small.path.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(UsageError) as caught:
        backup.restore(small, bad, now=NOW)
    line = caught.value.line()
    assert expected in line and "\n" not in line, line
    assert small.path.read_bytes() == before
    assert not (tmp_path / "backups").exists()  # not even a before-restore copy


# -- daily backups --------------------------------------------------------------------------------


def test_daily_backups_are_one_a_day_and_kept_n_days(small: Store, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    by_hand = backup.take(small, now=NOW)  # never pruned
    other = folder / "db-test-2026-11-01.json"  # another database's, never touched
    other.write_text("{}", encoding="utf-8")
    start = dt.date(2026, 11, 20)
    for n in range(10):
        day = start + dt.timedelta(days=n)
        assert backup.daily(small, None, day, 3) == folder / f"db-{day}.json"
        assert backup.daily(small, None, day, 3) is None  # once a day
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [by_hand.name, other.name, "db-2026-11-27.json", "db-2026-11-28.json", "db-2026-11-29.json"]
    )
    assert all(mode(folder / n) == 0o600 for n in names if n != other.name)


def test_daily_costs_a_stat_when_todays_exists(
    small: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert backup.daily(small, None, dt.date(2026, 11, 25), 7) is not None

    def no_reading() -> bytes:
        raise AssertionError("read the database again")

    monkeypatch.setattr(small, "file_bytes", no_reading)
    assert backup.daily(small, None, dt.date(2026, 11, 25), 7) is None


def test_daily_never_raises_and_prunes_nothing_when_it_cannot_copy(
    small: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    old = backup.daily(small, None, dt.date(2026, 11, 1), 3)
    small.path.write_text("not json", encoding="utf-8")
    assert backup.daily(Store(small.path), None, dt.date(2026, 11, 25), 3) is None
    assert old is not None and old.exists()  # the last good one stays
    assert backup.daily(small, None, dt.date(2026, 11, 26), 0) is None  # 0: off
    assert sorted(p.name for p in folder.iterdir()) == ["db-2026-11-01.json"]


def test_backup_days_setting() -> None:
    assert Settings.load(environ={}).backup_days == 7
    assert Settings.load(environ={"AGENDABOT_BACKUP_DAYS": "3"}).backup_days == 3
    with pytest.raises(UsageError, match="백업 보관 일수"):
        Settings.load(environ={"AGENDABOT_BACKUP_DAYS": "-1"})


# -- the command line ---------------------------------------------------------------------------


def agendabot(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        check=False,  # the tests look at the exit code
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "AGENDABOT_NOW": "2026-11-25T10:00:00+09:00"},
        timeout=120,
    )


def test_cli_backup_and_restore(small: Store, tmp_path: Path) -> None:
    add(small, "백업 전")
    out = agendabot("backup", db=small.path)
    assert out.returncode == 0, out.stderr
    saved = tmp_path / "backups" / "db-2026-11-25T100000.json"
    assert out.stdout.strip() == f"데이터베이스를 백업했습니다: {saved}"
    add(small, "백업 후")
    out = agendabot("restore", str(saved), db=small.path)
    assert out.returncode == 0, out.stderr
    [line] = out.stdout.strip().splitlines()
    assert "되살렸습니다" in line and "before-restore" in line
    assert texts(small) == {"백업 전"}
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    out = agendabot("restore", str(bad), db=small.path)
    assert out.returncode == 2 and "데이터베이스 파일이 아닙니다" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_cli_repair_moves_a_corrupt_file_aside_and_restores_the_newest_backup(
    small: Store, tmp_path: Path
) -> None:
    add(small, "첫째")
    older = backup.take(small, now=NOW - dt.timedelta(days=1))
    hour_ago = older.stat().st_mtime - 3600
    os.utime(older, (hour_ago, hour_ago))  # surely the older by its time
    add(small, "둘째")
    newest = backup.take(small, now=NOW)
    garbage = b'{"meetings": {"1": '
    small.path.write_bytes(garbage)
    out = agendabot("ask", "/meetings", db=small.path)  # the bot never moves data by itself
    assert out.returncode == 2 and small.path.read_bytes() == garbage
    out = agendabot("repair", db=small.path)
    assert out.returncode == 0, out.stderr
    [moved] = tmp_path.glob("db.json.corrupt-*")
    assert moved.name == "db.json.corrupt-20261125-100000" and moved.read_bytes() == garbage
    assert "repair --from-backup" in out.stdout and str(newest) in out.stdout
    assert not small.path.exists()
    out = agendabot("repair", "--from-backup", db=small.path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{newest} 에서 되살렸습니다."
    assert texts(Store(small.path)) == {"첫째", "둘째"}
    out = agendabot("repair", db=small.path)
    assert out.returncode == 0 and "이상이 없습니다" in out.stdout
    assert [moved] == list(tmp_path.glob("db.json.corrupt-*"))  # kept, never deleted


def test_cli_repair_without_a_usable_backup_exits_2(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    db.write_text("nonsense", encoding="utf-8")
    out = agendabot("repair", "--from-backup", db=db)
    assert out.returncode == 2
    [line] = out.stderr.strip().splitlines()
    assert "옮겼습니다" in line and "되살릴 수 있는 백업이 없습니다" in line
    assert [p.read_text(encoding="utf-8") for p in tmp_path.glob("db.json.corrupt-*")] == [
        "nonsense"
    ]
