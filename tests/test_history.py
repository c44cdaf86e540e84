"""The store's hand edits, milestone life cycle, admins, history and undo (issue 10)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import NotFound
from bot.model import Release
from bot.store import Refused, Store

BY = "telegram:100"


def test_old_milestones_get_ids_on_first_write_and_old_audit_rows_load(store: Store) -> None:
    with store.transaction() as db:  # as a database from before milestone ids
        items = db.table("items")
        for row in items.all():
            stripped = [{k: m[k] for k in ("text", "date", "precision", "kind", "past")}
                        for m in row.get("milestones") or ()]  # fmt: skip
            items.update({"milestones": stripped}, doc_ids=[row.doc_id])
        db.table("meta").update({"milestone_ids": False, "next_milestone": 1}, doc_ids=[1])
        db.table("audit").insert(
            {"at": "2025-01-01T00:00:00", "by": "x", "action": "followup.edit",
             "target": "F1.status", "old": "open", "new": "done"}
        )  # fmt: skip
    fresh = Store(store.path, clock=store.now)
    assert all(m.id == "" for i in fresh.items() for m in i.milestones)
    fresh.ensure_milestone_ids()
    ids = [m.id for i in fresh.items() for m in i.milestones]
    assert ids and ids == [f"M{n}" for n in range(1, len(ids) + 1)]
    old = [e for e in fresh.audit_log() if e.by == "x"]
    assert old[0].target == "F1.status" and not old[0].undoable
    assert fresh.history("F1")[0].new == "done"


def test_meeting_add_edit_remove_and_undo_each(store: Store) -> None:
    m = store.add_meeting("제5회 국가정책조정회의", dt.date(2026, 1, 15), by=BY, ordinal=5)
    assert m.number == 2 and store.meeting(2).title == "제5회 국가정책조정회의"
    store.edit_meeting(2, {"chair": "국무총리", "date": dt.date(2026, 1, 16)}, by=BY)
    assert store.meeting(2).chair == "국무총리"
    item = store.add_item(2, "새 안건", by=BY, decision="보고", ministries=("기획재정부",))
    assert item.ref == "2.1" and item.lead_ministry == "기획재정부"
    store.remove_meeting(2, by=BY)
    with pytest.raises(NotFound):
        store.meeting(2)
    assert store.items(2) == []
    store.undo(BY)  # the removal, meeting and item together
    assert store.meeting(2).chair == "국무총리" and store.item(2, 1).title == "새 안건"
    store.undo(BY)  # the item
    assert store.items(2) == []
    store.undo(BY)  # the edit
    assert store.meeting(2).chair is None and store.meeting(2).date == dt.date(2026, 1, 15)
    store.undo(BY)  # the addition
    assert [x.number for x in store.meetings()] == [1]
    with pytest.raises(NotFound, match="되돌릴 변경이 없습니다"):
        store.undo(BY)


def test_item_edit_and_remove_refused_with_followups(store: Store) -> None:
    old = store.item(1, 3)
    new = store.edit_item((1, 3), {"title": "바뀐 제목", "ministries": ("교육부",)}, by=BY)
    assert new.title == "바뀐 제목" and store.item(1, 3).ministries == ("교육부",)
    store.add_followup(item=(1, 3), text="점검", owner="교육부", due=dt.date(2026, 12, 1), by=BY)
    with pytest.raises(Refused, match="F1"):
        store.remove_item((1, 3), by=BY)
    with pytest.raises(Refused, match="진행 중인 후속조치"):
        store.remove_meeting(1, by=BY)
    store.undo(BY)  # the follow-up
    store.undo(BY)  # the edit
    assert store.item(1, 3) == old
    store.remove_item((1, 3), by=BY)
    with pytest.raises(NotFound):
        store.item(1, 3)
    store.undo(BY)
    assert store.item(1, 3) == old


def test_undo_of_followup_edit_and_subscription(store: Store) -> None:
    fu = store.add_followup(item=(1, 1), text="t", owner="교육부", due=dt.date(2026, 12, 1), by=BY)
    store.update_followup(fu.id, {"status": "done", "note": "끝"}, by=BY)
    store.undo(BY)
    assert store.followup(fu.id).status == "open" and store.followup(fu.id).note == ""
    store.undo(BY)
    with pytest.raises(NotFound):
        store.followup(fu.id)


def test_undo_refused_after_someone_elses_later_change(store: Store) -> None:
    store.edit_item((1, 2), {"summary": "내 요약"}, by=BY)
    store.edit_item((1, 2), {"summary": "남의 요약"}, by="slack:UOTHER")
    with pytest.raises(Refused, match="slack:UOTHER"):
        store.undo(BY)
    assert store.item(1, 2).summary == "남의 요약"
    store.undo("slack:UOTHER")
    store.undo(BY)  # now nothing later touches it
    assert store.item(1, 2).summary != "내 요약"


def test_undo_older_than_a_day_refused(store: Store) -> None:
    store.edit_meeting(1, {"venue": "세종"}, by=BY)
    with pytest.raises(Refused, match="하루"):
        store.undo(BY, now=store.now() + dt.timedelta(days=1, minutes=1))
    assert store.meeting(1).venue == "세종"


def reimport(store: Store) -> None:
    """Meeting 1 again from a revised release: its items are replaced."""
    with store.transaction() as db:
        db.table("meetings").update({"source_sha256": "older"}, doc_ids=[1])
    release = Release(store.meeting(1).evolve(source_sha256="newer"), tuple(store.items(1)))
    assert store.save_release(release, by="console")[1] == "updated"


def test_undo_refused_after_a_reimport_of_the_meeting(store: Store) -> None:
    store.edit_item((1, 2), {"summary": "손본 요약"}, by=BY)
    reimport(store)
    with pytest.raises(Refused):
        store.undo(BY)


def test_milestone_life_cycle_and_history(store: Store) -> None:
    store.ensure_milestone_ids()
    item, m = next((i, m) for i in store.items() for m in i.milestones if m.kind == "deadline")
    done = store.set_milestone_status(m.id, "done", by=BY, note="완료 보고")
    assert done.status == "done" and done.status_by == BY and done.note == "완료 보고"
    with pytest.raises(Refused, match="새 날짜"):
        store.set_milestone_status(m.id, "delayed", by=BY)
    later = dt.date(2027, 3, 31)
    delayed = store.set_milestone_status(m.id, "delayed", by=BY, new_date=later)
    assert delayed.date == later and delayed.original_date == m.date
    added = store.add_milestone((1, 2), dt.date(2026, 12, 31), "시범 운영", by=BY)
    assert added.id.startswith("M") and store.milestone(added.id)[0].ref == "1.2"
    edited = store.edit_milestone(added.id, {"text": "본 운영"}, by=BY)
    assert edited.text == "본 운영" and edited.id == added.id
    entries = store.history(m.id)
    assert [e.action for e in entries] == ["milestone.delayed", "milestone.done"]
    assert entries[0].before is not None and entries[0].after is not None
    assert store.history("1.2")[0].target == added.id
    store.undo(BY)
    store.undo(BY)
    with pytest.raises(NotFound):
        store.milestone(added.id)
    store.undo(BY)
    assert store.milestone(m.id)[1].status == "done"
    assert item.ref == store.milestone(m.id)[0].ref


def test_milestone_status_survives_reimport(store: Store) -> None:
    store.ensure_milestone_ids()
    _, m = next((i, m) for i in store.items() for m in i.milestones)
    store.set_milestone_status(m.id, "delayed", by=BY, new_date=dt.date(2027, 6, 30))
    before = {x.id for i in store.items() for x in i.milestones}
    reimport(store)  # items replaced, milestones matched by text and first date
    again = store.milestone(m.id)[1]
    assert again.status == "delayed" and again.date == dt.date(2027, 6, 30)
    assert again.original_date == m.date
    assert {x.id for i in store.items() for x in i.milestones} == before


def test_admins_survive_a_new_store(store: Store) -> None:
    store.add_admin("telegram", "7", by=BY)
    with pytest.raises(Refused):
        store.add_admin("telegram", "7", by=BY)
    again = Store(store.path)
    assert again.is_admin("telegram", "7") and not again.is_admin("slack", "7")
    assert [a.key for a in again.admins()] == ["telegram:7"]
    again.remove_admin("telegram", "7", by=BY)
    assert not store.is_admin("telegram", "7")
    store.undo(BY)
    assert store.is_admin("telegram", "7")


def test_a_removed_meetings_number_is_never_given_again(store: Store) -> None:
    two = store.add_meeting("제5회 국가정책조정회의", dt.date(2026, 1, 15), by=BY)
    store.remove_meeting(two.number, by=BY)
    three = store.add_meeting("제6회 국가정책조정회의", dt.date(2026, 2, 15), by=BY)
    assert three.number == two.number + 1
    # and the removal can still be undone: the number is free
    store.remove_meeting(three.number, by=BY)
    store.undo(BY)
    assert store.meeting(three.number).title == "제6회 국가정책조정회의"
