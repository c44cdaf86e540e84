"""The digest builder on the seeded store with a pinned clock (2026-11-25 10:00 KST, a Wednesday)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from bot import render
from bot.chats import ChatKey
from bot.model import FollowUp, Subscription
from bot.reply import Reply
from bot.store import FollowUpRef, Store
from digests.build import (
    DONE_DAYS,
    DUE_SOON_DAYS,
    EMPTY_TEXT,
    DigestSource,
    build_digest,
    period_of,
    preview,
)
from fakes.fake_sender import FakeClock
from tests.conftest import NOW

KST = dt.timezone(dt.timedelta(hours=9))
NOW_DT = dt.datetime.fromisoformat(NOW)


def sub_for(**kw: object) -> Subscription:
    base: dict[str, object] = {"key": "telegram:1", "platform": "telegram", "chat_id": "1"}
    base.update(kw)
    return Subscription(**base)  # type: ignore[arg-type]


def lines(reply: Reply) -> list[str]:
    return render.text(reply).splitlines()


def section(reply: Reply, prefix: str) -> list[str]:
    """The text of every line of the section whose heading starts with `prefix`."""
    for s in reply.sections:
        if s.heading.startswith(prefix):
            return [f"{ln.label} {ln.text} {ln.detail}" for ln in s.lines]
    return []


def test_seed_digest_has_the_2026_year_end_milestone_at_d_36(store: Store) -> None:
    reply = build_digest(store, sub_for(), NOW_DT)
    upcoming = section(reply, "다가오는 일정")
    hit = [line for line in upcoming if "2026-12-31" in line]
    assert hit, upcoming
    assert hit[0].startswith("D-36 ")
    assert "2026년 말까지" in hit[0]  # the original phrase, verbatim
    assert "1.1" in hit[0]
    assert not reply.empty
    assert reply.meta["period"] == "2026-W48"
    assert "주간 요약" in reply.title and "2026-11-25(수)" in reply.title


def test_only_future_milestones_within_the_horizon(store: Store) -> None:
    upcoming = section(build_digest(store, sub_for(), NOW_DT), "다가오는 일정")
    assert not any("2025-" in line for line in upcoming)  # past ones never appear
    assert not any("2030-" in line for line in upcoming)  # beyond 60 days
    short = build_digest(store, sub_for(horizon_days=30), NOW_DT)
    assert not any("2026-12-31" in line for line in section(short, "다가오는 일정"))
    on_the_day = build_digest(store, sub_for(), dt.datetime(2026, 12, 31, 9, tzinfo=KST))
    assert any(line.startswith("D-DAY") for line in section(on_the_day, "다가오는 일정"))


def test_ministry_filter_uses_lineage(store: Store) -> None:
    item_ministries = {i.ref: {i.lead_ministry, *i.ministries} for i in store.items()}
    assert "과학기술정보통신부" in item_ministries["1.1"]
    msit = build_digest(store, sub_for(ministries=("과학기술정보통신부",)), NOW_DT)
    assert any("2026-12-31" in line for line in section(msit, "다가오는 일정"))
    sme = build_digest(store, sub_for(ministries=("중소벤처기업부",)), NOW_DT)
    assert not section(sme, "다가오는 일정")

    store.add_followup(
        item=(1, 3), text="옛 이름 담당", owner="산업통상자원부", due=dt.date(2026, 11, 30), by="t"
    )
    store.add_followup(
        item=(1, 3), text="새 이름 담당", owner="산업통상부", due=dt.date(2026, 12, 1), by="t"
    )
    store.add_followup(
        item=(1, 6), text="다른 부처", owner="중소벤처기업부", due=dt.date(2026, 12, 1), by="t"
    )
    # Choosing the successor finds follow-ups owned under the predecessor's name, and back.
    for chosen in ("산업통상부", "산업통상자원부"):
        soon = section(build_digest(store, sub_for(ministries=(chosen,)), NOW_DT), "마감 임박")
        assert any("옛 이름 담당" in line for line in soon)
        assert any("새 이름 담당" in line for line in soon)
        assert not any("다른 부처" in line for line in soon)


def test_followup_sections(store: Store, settings: object) -> None:
    add = store.add_followup
    add(item=(1, 1), text="임박", owner="과학기술정보통신부", due=dt.date(2026, 12, 9), by="t")
    add(item=(1, 1), text="먼 마감", owner="과학기술정보통신부", due=dt.date(2026, 12, 10), by="t")
    add(item=(1, 1), text="지난 마감", owner="국방부", due=dt.date(2026, 11, 20), by="t")
    done = add(item=(1, 2), text="이번 주 완료", owner="국방부", due=dt.date(2026, 11, 20), by="t")
    store.update_followup(done.id, {"status": "done"}, by="t")
    gone = add(item=(1, 2), text="취소됨", owner="국방부", due=dt.date(2026, 11, 26), by="t")
    store.update_followup(gone.id, {"status": "cancelled"}, by="t")
    # Closed 10 days ago: another process (with its own clock) wrote it.
    earlier = Store(store.path, clock=FakeClock("2026-11-15T10:00:00+09:00"))
    old = add(item=(1, 2), text="지난달 완료", owner="국방부", due=dt.date(2026, 11, 10), by="t")
    earlier.update_followup(old.id, {"status": "done"}, by="t")

    reply = build_digest(store, sub_for(), NOW_DT)
    soon = section(reply, "마감 임박")
    assert len(soon) == 1 and "임박" in soon[0] and "D-14" in soon[0]  # 12-09 is day 14
    overdue = section(reply, "기한 지난")
    assert len(overdue) == 1 and "지난 마감" in overdue[0] and "D+5" in overdue[0]
    closed = section(reply, "지난 7일 완료")
    assert [line for line in closed if "이번 주 완료" in line]
    assert not [line for line in closed if "지난달 완료" in line]
    assert "취소됨" not in render.text(reply)


def test_a_year_old_meeting_imported_now_is_no_news(store: Store) -> None:
    """The seed meeting (2025-11-24) imported a year after it was held: not "new"."""
    imported = store.meetings()[0].imported_at
    assert imported is not None and store.meetings()[0].date < NOW_DT.date().replace(year=2026)
    reply = build_digest(store, sub_for(last_digest_at=imported - dt.timedelta(hours=1)), NOW_DT)
    assert not section(reply, "새로 들어온 회의")


def test_new_meetings_only_since_the_last_digest(store: Store) -> None:
    store.edit_meeting(1, {"date": dt.date(2026, 11, 20)}, by="test")  # held last week
    imported = store.meetings()[0].imported_at
    assert imported is not None
    before = build_digest(store, sub_for(last_digest_at=imported - dt.timedelta(hours=1)), NOW_DT)
    assert section(before, "새로 들어온 회의")
    after = build_digest(store, sub_for(last_digest_at=imported + dt.timedelta(hours=1)), NOW_DT)
    assert not section(after, "새로 들어온 회의")
    # A ministry filter keeps only the new items it matches.
    sme = build_digest(
        store,
        sub_for(ministries=("중소벤처기업부",), last_digest_at=imported - dt.timedelta(hours=1)),
        NOW_DT,
    )
    new = section(sme, "새로 들어온 회의")
    assert any("중소기업" in line for line in new)
    assert not any("민생 10대" in line for line in new)


def test_empty_week_gives_the_short_reply(store: Store) -> None:
    imported = store.meetings()[0].imported_at
    assert imported is not None
    sub = sub_for(horizon_days=7, last_digest_at=imported + dt.timedelta(minutes=1))
    reply = build_digest(store, sub, NOW_DT)
    assert reply.empty
    assert EMPTY_TEXT in render.text(reply)
    assert len(render.telegram(reply)) == 1


def test_dates_are_the_subscriptions_local_dates(store: Store) -> None:
    # 2026-11-25 10:00 KST is still 2026-11-24 in Los Angeles.
    reply = build_digest(store, sub_for(tz="America/Los_Angeles"), NOW_DT)
    assert "2026-11-24(화)" in reply.title
    assert any(line.startswith("D-37 ") for line in section(reply, "다가오는 일정"))
    assert period_of(dt.date(2026, 11, 23)) == "2026-W48"
    assert period_of(dt.date(2027, 1, 1)) == "2026-W53"


def test_one_source_serves_many_subscriptions_alike(store: Store) -> None:
    source = DigestSource.load(store, NOW_DT)
    subs = [sub_for(key=f"telegram:{n}", chat_id=str(n)) for n in range(3)]
    replies = [source.digest(s, NOW_DT) for s in subs]
    assert replies[0].sections == replies[1].sections
    assert replies[1].meta["subscription"] == "telegram:1"
    assert render.text(replies[0]) == render.text(build_digest(store, subs[0], NOW_DT))


def test_section_is_capped_with_a_pointer_to_the_full_list(store: Store) -> None:
    many = tuple(
        FollowUp(
            id=f"F{n}",
            meeting=1,
            item=1,
            text=f"할 일 {n}",
            owner="국방부",
            due=dt.date(2026, 11, 1),
        )
        for n in range(1, 121)
    )
    source = DigestSource.load(store, NOW_DT)
    source.followups = tuple(map(FollowUpRef.of, many))
    capped = section(source.digest(sub_for(), NOW_DT), "기한 지난")
    assert len(capped) == 51 and "외 70건" in capped[-1]
    full = section(source.digest(sub_for(key="x"), NOW_DT, max_lines=None), "기한 지난")
    assert len(full) == 120


def test_preview_of_an_unsubscribed_chat_uses_the_defaults(store: Store) -> None:
    reply = preview(store, "slack:T1:C9", NOW_DT)
    # the default window, and no schedule or /unsubscribe the chat does not have
    assert section(reply, "다가오는 일정 (60일 이내)")
    assert "/subscribe" in reply.footer and "09:00" not in reply.footer
    assert "/unsubscribe" not in reply.footer
    assert reply.meta["subscription"] == "slack:T1:C9"
    store.save_subscription(ChatKey.parse("slack:T1:C9").subscription(), by="test")
    assert "월 09:00 (Asia/Seoul)" in preview(store, "slack:T1:C9", NOW_DT).footer


@pytest.mark.parametrize("tz", ["Asia/Seoul", "Europe/Berlin", "UTC"])
def test_digest_renders_in_every_format(store: Store, tz: str) -> None:
    reply = build_digest(store, sub_for(tz=tz), NOW_DT)
    assert render.text(reply)
    assert render.telegram(reply)
    assert render.slack(reply)


def _old_row_filter(rows: list[dict[str, Any]], now: dt.datetime) -> list[str]:
    """The ids DigestSource.load kept before the store's typed query, as it filtered raw rows."""

    def done_at(row: dict[str, Any]) -> dt.datetime | None:
        for change in reversed(row.get("history") or ()):
            if change.get("field") == "status" and change.get("new") == "done":
                return aware(dt.datetime.fromisoformat(change["at"]))
        updated = row.get("updated_at")
        return aware(dt.datetime.fromisoformat(updated)) if updated else None

    def aware(moment: dt.datetime) -> dt.datetime:
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment

    utc_day = now.astimezone(dt.UTC).date()
    latest_due = (utc_day + dt.timedelta(days=DUE_SOON_DAYS + 2)).isoformat()
    closed_since = (now - dt.timedelta(days=DONE_DAYS + 2)).astimezone(dt.UTC)
    kept = []
    for row in rows:
        status = row["status"]
        if status not in ("open", "done"):
            continue
        if status == "open" and row["due"] > latest_due:
            continue
        if status == "done":
            closed = done_at(row)
            if closed is None or closed < closed_since:
                continue
        kept.append(row)
    kept.sort(key=lambda r: (r["due"], len(r["id"]), r["id"]))
    return [r["id"] for r in kept]


def test_digest_query_keeps_exactly_what_the_old_row_filter_kept(store: Store) -> None:
    # At NOW (2026-11-25 10:00 KST = 01:00 UTC): open ones due up to 2026-12-11 (UTC day + 16)
    # and done ones closed since 2026-11-16 01:00 UTC (9 days before) are kept.
    def row(n: int, status: str, due: str, **kw: Any) -> dict[str, Any]:
        base = FollowUp(f"F{n}", 1, 1, f"할 일 {n}", "국방부", dt.date.fromisoformat(due))
        return {**base.to_dict(), "status": status, **kw}

    def change(at: str, new: str) -> dict[str, Any]:
        return {"at": at, "by": "t", "field": "status", "old": "open", "new": new}

    rows = [
        row(1, "open", "2026-12-11"),  # due on the last day kept
        row(2, "open", "2026-12-12"),  # a day later
        row(3, "open", "2020-01-01"),  # long overdue
        row(13, "open", "2026-12-11"),  # the same day as F1: by number, so F1 first
        row(4, "done", "2026-11-01", updated_at="2026-11-16T01:00:00+00:00"),  # closed on the edge
        row(5, "done", "2026-11-01", updated_at="2026-11-16T00:59:59.999999+00:00"),
        row(6, "done", "2026-11-02", updated_at="2026-11-16T01:00:00"),  # naive: read as UTC
        row(7, "done", "2026-11-02", updated_at="2026-11-16T00:59:59"),
        row(12, "done", "2026-11-02", updated_at="2026-11-16T10:00:00+09:00"),  # the edge, in KST
        # Closed long ago, its note edited yesterday: the status change counts.
        row(
            8,
            "done",
            "2026-11-03",
            updated_at="2026-11-24T00:00:00+00:00",
            history=[change("2026-11-10T00:00:00+00:00", "done")],
        ),
        # Closed, reopened, closed again this week: the last closing counts.
        row(
            9,
            "done",
            "2026-11-03",
            updated_at="2026-11-01T00:00:00+00:00",
            history=[
                change("2026-11-01T00:00:00+00:00", "done"),
                {**change("2026-11-02T00:00:00+00:00", "open"), "old": "done"},
                change("2026-11-20T00:00:00+09:00", "done"),
            ],
        ),
        row(10, "done", "2026-11-03", updated_at=None),  # never updated: not shown
        row(11, "cancelled", "2026-11-30"),
        row(14, "cancelled", "2026-11-30", updated_at="2026-11-24T00:00:00+00:00"),
    ]
    with store.transaction() as db:
        db.table("followups").insert_multiple(rows)

    stored = json.loads(store.path.read_text(encoding="utf-8"))["followups"].values()
    expected = _old_row_filter(list(stored), NOW_DT)
    assert expected == ["F3", "F4", "F6", "F12", "F9", "F1", "F13"]
    source = DigestSource.load(Store(store.path), NOW_DT)
    assert [fu.id for fu in source.followups] == expected
    assert all(isinstance(ref.load(), FollowUp) for ref in source.followups)
    # The digest's own reading of when a follow-up was closed agrees with the store's.
    closed_since = NOW_DT - dt.timedelta(days=DONE_DAYS + 2)
    closed = {fu.id: fu.closed_at for fu in map(FollowUp.from_dict, rows) if fu.status == "done"}
    assert {fid for fid, at in closed.items() if at is not None and at >= closed_since} == {
        "F4",
        "F6",
        "F12",
        "F9",
    }


def test_digest_shows_a_delayed_milestone_with_both_dates_and_leaves_out_done(
    store: Store,
) -> None:
    from bot.render import text as render_text

    store.ensure_milestone_ids()
    now = dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)
    upcoming = [
        m
        for i in store.items()
        for m in i.milestones
        if now.date() <= m.date <= now.date() + dt.timedelta(days=50)
    ]
    assert upcoming
    first = upcoming[0]
    store.set_milestone_status(first.id, "delayed", by="x", new_date=dt.date(2027, 1, 10))
    out = render_text(preview(store, "telegram:-1", now))
    assert "2027-01-10(일) (지연, 원래 " + first.date.isoformat() in out
    store.set_milestone_status(first.id, "done", by="x")
    assert first.text[:15] not in render_text(preview(store, "telegram:-1", now))
