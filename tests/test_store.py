"""The store keeps every acknowledged write through SIGKILLs and concurrent writers."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.errors import NotFound
from bot.store import Store
from tests.store_worker import seed

WORKER = [sys.executable, "-m", "tests.store_worker"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "db.json")
    seed(s)
    return s


def test_korean_is_stored_readable(store: Store) -> None:
    store.add_followup(
        item=(1, 1),
        text="보이스피싱 대응",
        owner="중소벤처기업부",
        due=dt.date(2026, 12, 1),
        by="u1",
    )
    raw = store.path.read_text(encoding="utf-8")
    assert "보이스피싱 대응" in raw
    assert "\\u" not in raw


def test_schema_version_is_recorded(store: Store) -> None:
    assert store.schema_version() == 1


def test_followup_ids_are_short_and_sequential(store: Store) -> None:
    ids = [
        store.add_followup(
            item=(1, 1), text=f"t{i}", owner="국방부", due=dt.date(2026, 1, 1), by="u"
        ).id
        for i in range(3)
    ]
    assert ids == ["F1", "F2", "F3"]


def test_failed_transaction_changes_nothing(store: Store) -> None:
    before = store.path.read_bytes()
    with pytest.raises(NotFound):
        store.add_followup(item=(1, 99), text="x", owner="국방부", due=dt.date(2026, 1, 1), by="u")
    assert store.path.read_bytes() == before
    assert store.followups() == []


def test_update_records_history_and_audit(store: Store) -> None:
    fu = store.add_followup(
        item=(1, 1), text="점검", owner="국방부", due=dt.date(2026, 1, 1), by="a"
    )
    store.update_followup(fu.id, {"status": "done", "note": "끝"}, by="b")
    again = Store(store.path).followup(fu.id)
    assert again.status == "done"
    assert [(c.field, c.old, c.new, c.by) for c in again.history] == [
        ("status", "open", "done", "b"),
        ("note", "", "끝", "b"),
    ]
    actions = [(e.action, e.target, e.old, e.new) for e in Store(store.path).audit_log()]
    assert ("followup.edit", f"{fu.id}.status", "open", "done") in actions


def test_second_process_sees_changes(store: Store) -> None:
    other = Store(store.path)
    assert other.followups() == []
    store.add_followup(item=(1, 1), text="점검", owner="국방부", due=dt.date(2026, 1, 1), by="a")
    assert [f.text for f in other.followups()] == ["점검"]


def test_claim_delivery_once(store: Store) -> None:
    lease = dt.timedelta(minutes=10)
    first = store.claim_delivery("telegram:1", "2026-W48", lease=lease)
    assert first is not None and first.status == "sending"
    assert store.claim_delivery("telegram:1", "2026-W48", lease=lease) is None
    store.finish_delivery("telegram:1", "2026-W48", status="sent", message_ids=["9"])
    assert Store(store.path).claim_delivery("telegram:1", "2026-W48", lease=lease) is None
    assert store.delivery("telegram:1", "2026-W48").message_ids == ("9",)  # type: ignore[union-attr]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_sigkill_never_corrupts_or_loses_acknowledged_writes(tmp_path: Path) -> None:
    rng = random.Random(7)
    path = tmp_path / "crash.json"
    acknowledged: set[str] = set()
    kills = 0
    while kills < 24:
        child = subprocess.Popen(
            [*WORKER, str(path), "100000", f"k{kills}"],
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=ROOT,
        )
        time.sleep(rng.uniform(0.15, 0.6))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        acknowledged |= set(out.split())
        kills += 1
        data = json.loads(path.read_text(encoding="utf-8"))  # always a complete file
        stored = {row["id"] for row in data["followups"].values()}
        missing = acknowledged - stored
        assert not missing, f"lost acknowledged writes after kill {kills}: {sorted(missing)[:5]}"
    assert len(acknowledged) > 24  # the children really wrote between kills


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "race.json"
    Store(path)  # create the folder
    seed(Store(path))
    children = [
        subprocess.Popen(
            [*WORKER, str(path), "500", tag],
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=ROOT,
        )
        for tag in ("bot", "cli")
    ]
    outputs = [c.communicate(timeout=240)[0].split() for c in children]
    assert all(c.returncode == 0 for c in children)
    followups = Store(path).followups()
    assert len(followups) == 1000
    assert len({f.id for f in followups}) == 1000
    assert sorted(outputs[0] + outputs[1]) == sorted(f.id for f in followups)
    assert {f.created_by for f in followups} == {"bot", "cli"}
