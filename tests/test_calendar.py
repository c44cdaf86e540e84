"""Calendar feeds (bot/calendar.py), read back by a second, independent iCalendar parser
(vobject: it reads every property with its value type, as a calendar app would) and checked
against what icalendar itself writes; the /calendar command and `agendabot ics`."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import icalendar
import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import calendar, cli, ministries, render
from bot.commands import Context, Request, handle
from bot.config import Settings
from bot.errors import NotFound
from bot.importer import import_data
from bot.model import AgendaItem, Meeting, Milestone, Release, Subscription
from bot.store import Store
from tests.conftest import ADMIN_TG, NOW, Ask

WEB = {
    "web": "on", "public_url": "https://bot.example.org", "web_token": "tok",
    "telegram_admins": ADMIN_TG,
}  # fmt: skip


def parse(body: bytes) -> Any:
    """The feed as vobject reads it (validating what it knows)."""
    return vobject.readOne(body.decode("utf-8"), validate=True)


def events(body: bytes) -> dict[str, Any]:
    """Each VEVENT by UID."""
    return {e.uid.value: e for e in parse(body).contents.get("vevent", [])}


def web_ctx(store: Store, settings: Settings) -> Context:
    return Context(store, Settings.load({**WEB, "db_path": settings.db_path, "now": NOW}, {}))


def later_than_the_seed(store: Store) -> dt.datetime:
    """A moment after the seed's import (which ran on the real clock), for a store's clock."""
    imported = store.meeting(1).imported_at
    assert imported is not None
    return imported.replace(microsecond=0) + dt.timedelta(days=1)


def milestone_id(store: Store, ref: tuple[int, int]) -> str:
    store.ensure_milestone_ids()
    return store.item(*ref).milestones[0].id


# -- the feed is valid iCalendar ------------------------------------------------------------


def check_feed(body: bytes) -> dict[str, Any]:
    """Everything a calendar app relies on, read by vobject; returns the events by UID."""
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    for line in body.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line  # RFC 5545 3.1: folded at 75 octets
        line.decode("utf-8")  # never folded inside a character
        assert b"\n" not in line and b"\r" not in line
    cal = parse(body)
    assert cal.version.value == "2.0" and cal.prodid.value.startswith("-//agendabot//")
    assert re.fullmatch(r"agendabot — .+ 일정", cal.x_wr_calname.value)
    assert cal.x_wr_timezone.value == "Asia/Seoul"
    assert cal.vtimezone.tzid.value == "Asia/Seoul"
    found = cal.contents.get("vevent", [])
    uids = [e.uid.value for e in found]
    assert len(uids) == len(set(uids)), "UIDs must be unique"
    for e in found:
        start, end = e.dtstart.value, e.dtend.value
        assert type(start) is dt.date and type(end) is dt.date  # all-day: DATE values
        assert end == start + dt.timedelta(days=1)
        assert e.dtstamp.value.tzinfo is not None and e.dtstamp.value.utcoffset() == dt.timedelta(0)
        assert int(e.sequence.value) >= 0
        assert e.status.value in ("CONFIRMED", "CANCELLED")
        assert e.summary.value.startswith("[안건 ") and e.description.value
    return {e.uid.value: e for e in found}


def test_every_feed_parses_and_validates(ctx: Context, store: Store) -> None:
    store.add_followup(item=(1, 6), text="교육 과정, 개설; 점검", owner="중소벤처기업부",
                       due=dt.date(2026, 12, 15), by="t")  # fmt: skip
    store.add_followup(item=(1, 3), text="실증 공고", owner="산업통상부",
                       due=dt.date(2027, 1, 5), by="t")  # fmt: skip
    everything = check_feed(calendar.feed(ctx).body)
    milestones = {m.id for i in store.items() for m in i.milestones}
    assert {f"m1-{mid}@agendabot" for mid in milestones} | {
        "m1-F1@agendabot",
        "m1-F2@agendabot",
    } == set(everything)
    names = {n for i in store.items() for n in (*i.ministries, i.lead_ministry) if n}
    for name in names:
        assert set(check_feed(calendar.feed(ctx, ministry=name).body)) <= set(everything)
    sub = Subscription("console:x", "console", "x", ministries=("중소벤처기업부",))
    assert set(check_feed(calendar.feed(ctx, subscription=sub).body)) == {"m1-F1@agendabot"}
    followup = everything["m1-F1@agendabot"]
    assert (
        followup.summary.value == "[안건 1.6 · 후속조치 F1] 교육 과정, 개설; 점검 (중소벤처기업부)"
    )
    assert followup.dtstart.value == dt.date(2026, 12, 15)
    for words in ("제1회 과학기술관계장관회의", "안건 1.6: 중소기업", "결정: 심의·의결",
                  "부처: 중소벤처기업부(주관)", "상태: 진행", "담당: 중소벤처기업부"):  # fmt: skip
        assert words in followup.description.value, words


def test_a_ministry_feed_has_its_items_milestones_and_its_own_followups(
    ctx: Context, store: Store
) -> None:
    store.add_followup(item=(1, 1), text="과기 점검", owner="과학기술정보통신부",
                       due=dt.date(2026, 12, 1), by="t")  # fmt: skip
    store.add_followup(item=(1, 1), text="중기 점검", owner="중소벤처기업부",
                       due=dt.date(2026, 12, 2), by="t")  # fmt: skip
    science = events(calendar.feed(ctx, ministry="과기정통부").body)  # an abbreviation too
    wanted = {
        m.id for i in store.items() if "과학기술정보통신부" in i.ministries for m in i.milestones
    }
    assert {f"m1-{mid}@agendabot" for mid in wanted} | {"m1-F1@agendabot"} == set(science)
    assert (
        parse(calendar.feed(ctx, ministry="과기정통부").body).x_wr_calname.value
        == "agendabot — 과학기술정보통신부 일정"
    )
    smes = events(calendar.feed(ctx, ministry="중소벤처기업부").body)
    assert set(smes) == {"m1-F2@agendabot"}


def test_unknown_ministry_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound, match="알 수 없는 부처"):
        calendar.feed(ctx, ministry="없는부")
    with pytest.raises(ValueError):
        calendar.feed(ctx, ministry="중기부", subscription=Subscription("a:b", "a", "b"))


# -- what icalendar would write -------------------------------------------------------------


def test_each_event_is_what_icalendar_writes_for_it(store: Store, settings: Settings) -> None:
    """icalendar reads our feed and writes each event again: the same content lines (our
    description folds the item's shared part on its own line, which unfolds the same)."""
    ctx = web_ctx(store, settings)
    store.add_followup(item=(1, 6), text='따옴표 " 와 \\ 역슬래시, 쉼표; 줄\n바꿈',
                       owner="중소벤처기업부", due=dt.date(2026, 12, 15), by="t")  # fmt: skip
    body = calendar.feed(ctx).body
    ours = body.split(b"BEGIN:VEVENT\r\n")[1:]
    theirs = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert len(ours) == len(theirs) > 5
    for tail, event in zip(ours, theirs, strict=True):
        mine = (b"BEGIN:VEVENT\r\n" + tail).split(b"END:VCALENDAR")[0]
        assert unfold(mine) == unfold(event.to_ical())
    assert str(theirs[-1]["DESCRIPTION"]).startswith(
        '후속조치 F1: 따옴표 " 와 \\ 역슬래시, 쉼표; 줄\n바꿈\n'
    )


def unfold(ical: bytes) -> list[str]:
    return ical.decode("utf-8").replace("\r\n ", "").split("\r\n")


_PRINTABLE = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=300).filter(
    lambda s: "\\N" not in s  # icalendar reads a typed backslash-N as a line break; we do not
)


@settings(max_examples=200, deadline=None)
@given(summary=_PRINTABLE, description=_PRINTABLE, newline=st.booleans())
def test_event_bytes_equal_icalendars(summary: str, description: str, newline: bool) -> None:
    """Escaping and folding, byte for byte, on any text: Korean, emoji, backslashes at a fold."""
    description = description + ("\n끝" if newline else "")
    day, stamp = dt.date(2026, 12, 31), dt.datetime(2026, 11, 25, 1, tzinfo=dt.UTC)
    mine = calendar.Event(
        uid="m1-M7@agendabot", day=day, stamp="20261125T010000Z", sequence=3,
        status="CANCELLED", summary=calendar.text(summary),
        description=calendar.text(description), url="https://bot.example.org/w/tok/items/1.3",
    ).ical()  # fmt: skip
    event = icalendar.Event()
    for name, value in (
        ("summary", summary), ("dtstart", day), ("dtend", day + dt.timedelta(days=1)),
        ("dtstamp", stamp), ("uid", "m1-M7@agendabot"), ("sequence", 3),
        ("description", description), ("last-modified", stamp), ("status", "CANCELLED"),
        ("transp", "TRANSPARENT"), ("url", "https://bot.example.org/w/tok/items/1.3"),
    ):  # fmt: skip
        event.add(name, value)
    assert mine == event.to_ical()


# -- identity, SEQUENCE, status -------------------------------------------------------------


def test_uids_survive_a_reimport_and_a_renumbering(ctx: Context, store: Store) -> None:
    from bot import exchange

    store.add_followup(item=(1, 4), text="점검", owner="과학기술정보통신부",
                       due=dt.date(2026, 12, 15), by="t")  # fmt: skip
    before = events(calendar.feed(ctx).body)
    same = calendar.feed(ctx).etag
    data = exchange.meeting_to_data(store, 1)
    assert import_data(store, data)[1] == "unchanged"
    assert calendar.feed(ctx).etag == same
    del data["agenda"][0]  # item 1 (and its milestones M1, M2) removed: 1.4 becomes 1.3
    for n, item in enumerate(data["agenda"], 1):
        item["number"] = n
    assert import_data(store, data)[1] == "updated"
    after = events(calendar.feed(ctx).body)
    gone = {"m1-M1@agendabot", "m1-M2@agendabot"}
    assert set(after) == set(before) - gone
    moved = after["m1-M3@agendabot"]  # the same milestone, now on item 1.3
    assert moved.summary.value.startswith("[안건 1.3]")
    assert int(moved.sequence.value) > int(before["m1-M3@agendabot"].sequence.value)
    assert after["m1-F1@agendabot"].summary.value.startswith("[안건 1.3 · 후속조치 F1]")


def test_a_changed_milestone_date_gives_a_higher_sequence(ctx: Context, store: Store) -> None:
    mid = milestone_id(store, (1, 4))
    other = milestone_id(store, (1, 1))
    before = events(calendar.feed(ctx).body)
    store.edit_milestone(mid, {"date": dt.date(2031, 3, 15)}, by="t")
    after = events(calendar.feed(ctx).body)
    uid = f"m1-{mid}@agendabot"
    assert after[uid].dtstart.value == dt.date(2031, 3, 15)  # a date set by hand: that day
    assert int(after[uid].sequence.value) > int(before[uid].sequence.value)
    untouched = f"m1-{other}@agendabot"
    assert after[untouched].sequence.value == before[untouched].sequence.value
    # Undo puts the date back; the sequence still goes up, never down.
    store.undo("t")
    undone = events(calendar.feed(ctx).body)
    assert undone[uid].dtstart.value == before[uid].dtstart.value
    assert int(undone[uid].sequence.value) > int(after[uid].sequence.value)


def test_a_followup_edit_raises_its_sequence_and_stamp(store: Store, settings: Settings) -> None:
    clock = [later_than_the_seed(store)]
    timed = Store(store.path, clock=lambda: clock[0])
    ctx = Context(timed, settings)
    timed.add_followup(
        item=(1, 3), text="점검", owner="산업통상부", due=dt.date(2026, 12, 1), by="t"
    )
    first = calendar.feed(ctx)
    clock[0] += dt.timedelta(days=2)
    timed.update_followup("F1", {"due": dt.date(2026, 12, 8)}, by="t")
    second = calendar.feed(ctx)
    a, b = events(first.body)["m1-F1@agendabot"], events(second.body)["m1-F1@agendabot"]
    assert int(b.sequence.value) > int(a.sequence.value)
    assert b.dtstamp.value == b.last_modified.value == clock[0]
    assert second.last_modified == clock[0] > first.last_modified


def test_dropped_milestone_and_cancelled_followup_are_cancelled(ctx: Context, store: Store) -> None:
    mid = milestone_id(store, (1, 4))
    store.set_milestone_status(mid, "dropped", by="t", note="계획 변경")
    for text in ("취소할 일", "끝낼 일"):
        store.add_followup(item=(1, 3), text=text, owner="산업통상부",
                           due=dt.date(2026, 12, 1), by="t")  # fmt: skip
    store.update_followup("F1", {"status": "cancelled"}, by="t")
    store.update_followup("F2", {"status": "done"}, by="t")
    found = events(calendar.feed(ctx).body)
    dropped = found[f"m1-{mid}@agendabot"]
    assert dropped.status.value == "CANCELLED" and "메모: 계획 변경" in dropped.description.value
    assert found["m1-F1@agendabot"].status.value == "CANCELLED"
    assert "m1-F2@agendabot" not in found  # done: nothing is due any more
    assert all(
        e.status.value == "CONFIRMED"
        for uid, e in found.items()
        if uid != f"m1-{mid}@agendabot" and uid != "m1-F1@agendabot"
    )


# -- dates ----------------------------------------------------------------------------------


def stone(date: dt.date, precision: str, kind: str = "deadline", **more: Any) -> Milestone:
    return Milestone("시한", date, precision, kind, False, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("milestone", "day"),
    [
        (stone(dt.date(2026, 3, 1), "month"), dt.date(2026, 3, 31)),
        (stone(dt.date(2028, 2, 1), "month"), dt.date(2028, 2, 29)),
        (stone(dt.date(2026, 4, 1), "quarter"), dt.date(2026, 6, 30)),
        (stone(dt.date(2026, 7, 1), "half"), dt.date(2026, 12, 31)),
        (stone(dt.date(2026, 1, 1), "half"), dt.date(2026, 6, 30)),
        (stone(dt.date(2026, 1, 1), "year"), dt.date(2026, 12, 31)),
        (stone(dt.date(2026, 12, 1), "month"), dt.date(2026, 12, 31)),
        (stone(dt.date(2027, 1, 1), "year", "start"), dt.date(2027, 1, 1)),  # 2027년부터
        (stone(dt.date(2026, 3, 9), "day"), dt.date(2026, 3, 9)),
        (
            stone(dt.date(2027, 2, 3), "year", original_date=dt.date(2026, 12, 31)),
            dt.date(2027, 2, 3),
        ),
    ],
)
def test_event_day(milestone: Milestone, day: dt.date) -> None:
    assert calendar.event_day(milestone) == day


def test_a_month_precision_milestone_lands_on_the_months_last_day(
    ctx: Context, store: Store
) -> None:
    meeting = Meeting(0, "제2회 시험 회의", dt.date(2026, 1, 10), source_sha256="test-2")
    item = AgendaItem(0, 1, "시험 안건", milestones=(
        Milestone("2026년 3월 중 시행", dt.date(2026, 3, 1), "month", "deadline", False),
    ))  # fmt: skip
    stored, _ = store.save_release(Release(meeting, (item,)), by="t")
    mid = store.item(stored.number, 1).milestones[0].id
    found = events(calendar.feed(ctx).body)[f"m{stored.number}-{mid}@agendabot"]
    assert found.dtstart.value == dt.date(2026, 3, 31)
    assert "월 단위 표현이라 그 달의 마지막 날에 표시" in found.description.value
    assert "2026년 3월 중 시행" in found.description.value


# -- caching and validators -----------------------------------------------------------------


def test_etag_changes_when_the_data_does_and_not_otherwise(
    ctx: Context, store: Store, settings: Settings
) -> None:
    first = calendar.feed(ctx)
    assert calendar.feed(ctx) is first  # unchanged data: the built feed, a lookup
    again = calendar.feed(Context(Store(store.path, clock=settings.clock), settings))
    assert again is not first and again.etag == first.etag and again.body == first.body
    assert re.fullmatch(r'"[0-9a-f]{40}"', first.etag)
    store.save_subscription(Subscription("console:x", "console", "x"), by="t")  # not in feeds
    assert calendar.feed(ctx).etag == first.etag
    store.add_followup(
        item=(1, 3), text="점검", owner="산업통상부", due=dt.date(2026, 12, 1), by="t"
    )
    changed = calendar.feed(ctx)
    assert changed.etag != first.etag and changed.body != first.body
    assert changed.last_modified.tzinfo is not None
    assert calendar.feed(ctx, ministry="중기부").etag != changed.etag


def test_a_removed_followup_leaves_and_last_modified_moves_on(
    store: Store, settings: Settings
) -> None:
    clock = [later_than_the_seed(store)]
    timed = Store(store.path, clock=lambda: clock[0])
    ctx = Context(timed, settings)
    timed.add_followup(
        item=(1, 3), text="점검", owner="산업통상부", due=dt.date(2026, 12, 1), by="t"
    )
    with_it = calendar.feed(ctx)
    clock[0] += dt.timedelta(hours=3)
    timed.undo("t")  # the follow-up is gone again
    without = calendar.feed(ctx)
    assert "m1-F1@agendabot" not in events(without.body)
    assert without.last_modified == clock[0] > with_it.last_modified


def test_links_to_the_dashboard_only_when_the_web_is_on(
    ctx: Context, store: Store, settings: Settings
) -> None:
    off = events(calendar.feed(ctx).body)
    assert all(
        "대시보드" not in e.description.value and "url" not in e.contents for e in off.values()
    )
    on = events(calendar.feed(web_ctx(store, settings)).body)
    mid = milestone_id(store, (1, 1))
    event = on[f"m1-{mid}@agendabot"]
    assert event.url.value == "https://bot.example.org/w/tok/items/1.1"
    assert "대시보드: https://bot.example.org/w/tok/items/1.1" in event.description.value


# -- slugs ----------------------------------------------------------------------------------


def test_slugs_are_ascii_unique_and_read_back() -> None:
    names = [m.name for m in ministries.table()]
    slugs = [calendar.slug(n) for n in names]
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", s) for s in slugs), slugs
    assert len(set(slugs)) == len(names)
    assert all(calendar.ministry_of(s) == n for s, n in zip(slugs, names, strict=True))
    assert calendar.slug("중소벤처기업부") == "jungsobencheogieopbu"
    assert calendar.slug("과학기술정보통신부") == "gwahakgisuljeongbotongsinbu"
    assert calendar.ALL not in slugs and calendar.ministry_of(calendar.ALL) is None
    assert calendar.ministry_of("nosuch") is None
    outside = calendar.slug("가상위원회")  # not in the table: never a table name's slug
    assert outside.startswith("gasangwiwonhoe-") and outside not in slugs
    assert calendar.ministry_of(outside) is None


# -- /calendar and agendabot ics ------------------------------------------------------------


def test_calendar_command_without_the_web_points_to_the_cli(ask: Ask) -> None:
    out = render.text(ask("/calendar"))
    assert "AGENDABOT_WEB=on" in out and "agendabot ics" in out
    assert "알 수 없는 부처" in render.text(ask("/calendar 없는부"))


def test_calendar_command_gives_the_feed_links(store: Store, settings: Settings) -> None:
    ctx = web_ctx(store, settings)

    def ask(text: str) -> str:
        return render.text(handle(ctx, Request("console", "u", "c", text)))

    out = ask("/calendar")
    assert "https://bot.example.org/w/tok/calendar/all.ics" in out
    assert "webcal://bot.example.org/w/tok/calendar/all.ics" in out
    out = ask("/calendar 중기부")
    assert "https://bot.example.org/w/tok/calendar/jungsobencheogieopbu.ics" in out
    assert "중소벤처기업부 일정" in out


def test_a_link_with_the_token_goes_to_an_admin_in_a_private_chat_only(
    store: Store, settings: Settings
) -> None:
    """As /web: whoever holds the token reads the dashboard."""
    ctx = web_ctx(store, settings)

    def ask(user: str, private: bool, within: Context = ctx) -> str:
        req = Request("telegram", user, user if private else "-100", "/calendar", private)
        return render.text(handle(within, req))

    assert "/w/tok/" in ask(ADMIN_TG, private=True)
    group = ask(ADMIN_TG, private=False)
    assert "/w/tok/" not in group and "개인 대화" in group
    staff = ask("555", private=True)
    assert "/w/tok/" not in staff and "관리자" in staff
    # Basic auth instead of a token: the address is no secret, anyone gets it anywhere.
    plain = Settings.load(
        {**WEB, "web_token": "", "web_user": "u", "web_password": "p",
         "db_path": settings.db_path, "now": NOW},
        {},
    )  # fmt: skip
    out = ask("555", private=False, within=Context(store, plain))
    assert "https://bot.example.org/w/calendar/all.ics" in out


def test_ics_command_writes_the_feed(
    tmp_path: Path, seed_db: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    db = tmp_path / "db.json"
    shutil.copy(seed_db, db)
    out = tmp_path / "all.ics"
    assert cli.main(["--db", str(db), "--now", NOW, "ics", "-o", str(out)]) == 0
    check_feed(out.read_bytes())
    assert "저장했습니다".encode() in capsysbinary.readouterr().out
    assert cli.main(["--db", str(db), "--now", NOW, "ics", "--ministry", "과기정통부"]) == 0
    printed = capsysbinary.readouterr().out
    assert printed.startswith(b"BEGIN:VCALENDAR") and "과학기술정보통신부 일정".encode() in printed
    assert cli.main(["--db", str(db), "ics", "--ministry", "없는부"]) == 2
    assert "알 수 없는 부처".encode() in capsysbinary.readouterr().err
