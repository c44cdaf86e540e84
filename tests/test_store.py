"""The store keeps every acknowledged write through SIGKILLs and concurrent writers, hands out
records (never rows) and stores search terms with what it writes."""

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

import orjson
import pytest

from bot import model, nlp
from bot.errors import NotFound
from bot.model import (
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
from bot.search import Searcher
from bot.store import Store
from tests.store_worker import seed

# The worker with a whitespace analyser: the store computes search terms on every write, and
# loading Kiwi (seconds) would leave the children killed below no time to write anything.
WORKER = [
    sys.executable,
    "-c",
    "from bot import nlp; nlp.terms = str.split; from tests.store_worker import main; main()",
]
ROOT = Path(__file__).resolve().parent.parent
UTC = dt.UTC
KST = dt.timezone(dt.timedelta(hours=9))


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
    with pytest.raises(LookupError):  # finishing what was never claimed is a bug of the caller
        store.finish_delivery("telegram:2", "2026-W48", status="sent")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.slow
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
        if not path.exists():  # killed while starting, before its first write (a loaded machine)
            assert not acknowledged
            continue
        data = json.loads(path.read_text(encoding="utf-8"))  # always a complete file
        stored = {row["id"] for row in data["followups"].values()}
        missing = acknowledged - stored
        assert not missing, f"lost acknowledged writes after kill {kills}: {sorted(missing)[:5]}"
    assert len(acknowledged) > 24  # the children really wrote between kills


@pytest.mark.slow
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


# -- records as stored ----------------------------------------------------------------------

MILESTONE = Milestone("2026년 말까지", dt.date(2026, 12, 31), "year", "deadline", False)
SAMPLES: list[Record] = [
    MILESTONE,
    AgendaItem(
        1,
        3,
        "인공지능 기본계획",
        decision="심의·의결",
        lead_ministry="과학기술정보통신부",
        ministries=("과학기술정보통신부", "중소벤처기업부"),
        summary="요약",
        key_points=("하나", "둘"),
        body="본문",
        milestones=(MILESTONE, MILESTONE.evolve(text="내년 상반기", precision="half")),
    ),
    AgendaItem(2, 1, "제목만"),
    Meeting(
        1,
        "제1회 과학기술관계장관회의",
        dt.date(2025, 11, 24),
        ordinal=1,
        chair="부총리",
        source="seed.txt",
        source_sha256="abc",
        milestones=(MILESTONE,),
        imported_at=dt.datetime(2025, 11, 24, 1, 2, 3, 456789, tzinfo=UTC),
        url="https://www.korea.kr/",
        venue="정부서울청사",
        attendees=("국방부",),
    ),
    Meeting(2, "회의", dt.date(2025, 12, 1)),  # None datetimes, empty tuples
    Change(dt.datetime(2026, 11, 20, 9, tzinfo=KST), "u1", "due", "2026-12-01", "2026-12-15"),
    FollowUp(
        "F7",
        1,
        3,
        "데이터 구축 점검",
        "국방부",
        dt.date(2026, 12, 1),
        status="done",
        note="끝",
        created_by="u1",
        created_at=dt.datetime(2026, 11, 1, tzinfo=UTC),
        updated_by="u2",
        updated_at=dt.datetime(2026, 11, 20, tzinfo=UTC),
        history=(
            Change(dt.datetime(2026, 11, 10, tzinfo=UTC), "u2", "status", "open", "done"),
            Change(dt.datetime(2026, 11, 20, tzinfo=UTC), "u2", "note", "", "끝"),
        ),
    ),
    FollowUp("F8", 1, 1, "새 일", "교육부", dt.date(2027, 1, 1)),  # created_at None, no history
    Subscription(
        "slack:T1:C1",
        "slack",
        "C1",
        team_id="T1",
        weekday=4,
        time="17:30",
        tz="Europe/Berlin",
        ministries=("국방부", "교육부"),
        quiet_when_empty=True,
        created_at=dt.datetime(2026, 11, 1, tzinfo=UTC),
        paused=True,
        paused_reason="blocked",
        last_digest_at=dt.datetime(2026, 11, 23, tzinfo=UTC),
    ),
    Subscription("telegram:1", "telegram", "1"),
    Delivery(
        "telegram:1",
        "2026-W48",
        status="sent",
        attempts=2,
        last_error="429",
        sent_at=dt.datetime(2026, 11, 23, 0, 1, tzinfo=UTC),
        claimed_at=dt.datetime(2026, 11, 23, tzinfo=UTC),
        message_ids=("9", "10"),
    ),
    Delivery("telegram:1", "2026-W49"),
    AuditEntry(dt.datetime(2026, 11, 23, tzinfo=UTC), "u1", "followup.add", "F1", None, {"a": 1}),
    Release(
        Meeting(0, "제2회 사회관계장관회의", dt.date(2026, 11, 24), ordinal=2),
        (AgendaItem(0, 1, "청년 주거", milestones=(MILESTONE,)), AgendaItem(0, 2, "돌봄")),
        warnings=("확인하세요",),
    ),
    Proposal(
        "tok_1",
        Release(Meeting(0, "회의", dt.date(2026, 11, 24)), (AgendaItem(0, 1, "안건"),)),
        news={"156000001": "ab12", "156000002": "cd34"},
        proposed_at=dt.datetime(2026, 11, 24, 9, tzinfo=KST),
        revision=True,
        posted=True,
    ),
]


def test_every_record_class_has_a_sample() -> None:
    classes = {c for c in vars(model).values() if isinstance(c, type) and issubclass(c, Record)} - {
        Record
    }
    assert classes == {type(r) for r in SAMPLES}


@pytest.mark.parametrize("record", SAMPLES, ids=lambda r: type(r).__name__)
def test_from_dict_round_trips_through_json(record: Record) -> None:
    stored = orjson.loads(orjson.dumps(record.to_dict()))  # as the store writes and reads it
    again = type(record).from_dict(stored)
    assert again == record
    assert type(again) is type(record)
    for name in record.to_dict():  # tuples stay tuples, nested records stay records
        assert type(getattr(again, name)) is type(getattr(record, name)), name
    assert type(record).from_dict(record.to_dict()) == record


def test_from_dict_ignores_unknown_keys_and_fills_defaults() -> None:
    sub = Subscription.from_dict(
        {"key": "telegram:1", "platform": "telegram", "chat_id": "1", "language": "ko"}
    )  # an old row: `language` was a field once
    assert sub == Subscription("telegram:1", "telegram", "1")
    fu = FollowUp.from_dict(
        {"id": "F1", "meeting": 1, "item": 1, "text": "t", "owner": "국방부", "due": "2026-01-01",
         "terms": "t 국방부", "history": None}
    )  # fmt: skip
    assert fu.history == () and fu.status == "open" and fu.created_at is None
    assert Delivery.from_dict({"subscription": "s", "period": "p"}).message_ids == ()
    with pytest.raises(TypeError, match="due"):
        FollowUp.from_dict({"id": "F1", "meeting": 1, "item": 1, "text": "t", "owner": "o"})


def test_old_subscription_rows_with_language_load(store: Store) -> None:
    with store.transaction() as db:
        db.table("subscriptions").insert(
            {"key": "telegram:5", "platform": "telegram", "chat_id": "5", "language": "ko",
             "ministries": ["국방부"], "created_at": "2026-11-01T00:00:00"}
        )  # fmt: skip
    sub = Store(store.path).subscription("telegram:5")
    assert sub == Subscription(
        "telegram:5",
        "telegram",
        "5",
        ministries=("국방부",),
        created_at=dt.datetime(2026, 11, 1),
    )
    assert [s.key for s in Store(store.path).subscriptions()] == ["telegram:5"]


# -- search terms, computed by the store on write --------------------------------------------


def test_search_finds_a_new_followup_by_a_word_of_its_text(store: Store) -> None:
    searcher = Searcher(store)
    assert not [h for h in searcher.search("드론") if h.kind == "followup"]
    fu = store.add_followup(
        item=(1, 1),
        text="드론 배송 실증을 점검",
        owner="국토교통부",
        due=dt.date(2026, 12, 1),
        by="a",
    )
    assert [h.ref for h in searcher.search("드론") if h.kind == "followup"] == [fu.id]
    assert [h.ref for h in searcher.search("국토교통부") if h.kind == "followup"] == [fu.id]
    # A new text replaces the terms; a status change keeps them.
    store.update_followup(fu.id, {"text": "로봇 실증 점검"}, by="a")
    store.update_followup(fu.id, {"status": "done"}, by="a")
    assert not [h for h in searcher.search("드론") if h.kind == "followup"]
    assert [h.ref for h in searcher.search("로봇") if h.kind == "followup"] == [fu.id]
    assert dict(store.followup_terms())[fu.id] == nlp.followup_terms("로봇 실증 점검", "국토교통부")


def test_items_are_stored_with_their_terms(store: Store) -> None:
    terms = dict(store.item_terms())
    assert terms[(1, 1)] == nlp.item_terms(store.item(1, 1))
    assert [h.ref for h in Searcher(store).search("시험 안건")] == ["1.1"]


def test_terms_are_computed_before_the_file_lock_is_taken(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    held: list[bool] = []
    real = nlp.terms

    def terms(text: str) -> list[str]:
        held.append(store._lock.is_locked)
        return real(text)

    monkeypatch.setattr(nlp, "terms", terms)
    fu = store.add_followup(
        item=(1, 1), text="점검", owner="국방부", due=dt.date(2026, 1, 1), by="a"
    )
    store.update_followup(fu.id, {"owner": "교육부"}, by="a")
    meeting = Meeting(0, "제2회 테스트회의", dt.date(2025, 12, 1), source_sha256="t2")
    store.save_release(model.Release(meeting, (AgendaItem(0, 1, "둘째 안건"),)), by="a")
    assert held and not any(held)


def test_terms_follow_a_text_changed_by_another_process_meanwhile(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fu = store.add_followup(
        item=(1, 1), text="점검", owner="국방부", due=dt.date(2026, 1, 1), by="a"
    )
    real = nlp.followup_terms
    other = Store(store.path)

    def terms(text: str, owner: str = "") -> list[str]:
        if text == "점검":  # computed before the lock from the old text: now the other writes
            monkeypatch.setattr(nlp, "followup_terms", real)
            other.update_followup(fu.id, {"text": "드론 점검"}, by="b")
        return real(text, owner)

    monkeypatch.setattr(nlp, "followup_terms", terms)
    store.update_followup(fu.id, {"owner": "교육부"}, by="a")
    again = Store(store.path)
    assert (again.followup(fu.id).text, again.followup(fu.id).owner) == ("드론 점검", "교육부")
    assert dict(again.followup_terms())[fu.id] == real("드론 점검", "교육부")


def test_the_store_hands_out_records_not_rows(store: Store) -> None:
    fu = store.add_followup(
        item=(1, 1), text="점검", owner="국방부", due=dt.date(2026, 1, 1), by="a"
    )
    found = store.followups_with_text(lambda text: "점검" in text)
    assert found == [fu] and isinstance(found[0], FollowUp)
    assert store.followups_with_text(lambda text: "없음" in text) == []
    assert not hasattr(store, "followup_rows")


# --- hand edits, milestone life cycle, admins, history and undo (issue 10) -----------------

SAMPLES.append(model.Admin("telegram", "7", "telegram:100", dt.datetime(2026, 11, 23, tzinfo=UTC)))
SAMPLES.append(
    AuditEntry(
        dt.datetime(2026, 11, 23, tzinfo=UTC),
        "u1",
        "item.edit",
        "item:1.1",
        None,
        None,
        change="C1",
        table="items",
        key="1.1",
        before={"title": "a"},
        after={"title": "b"},
    )
)
