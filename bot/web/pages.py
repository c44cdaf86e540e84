"""What each dashboard page shows, read from the store: plain records the templates lay out.

Every function here reads the store, which may block (a file changed by another process is
read and parsed again): the web app calls them in a worker thread, never on the event loop.
Lists that grow with the data (meetings, follow-ups, history) are cut at a limit and say how
many there are in all, so a page stays a page with 100,000 follow-ups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot import ministries
from bot.commands.history import ACTIONS, describe
from bot.model import AgendaItem, FollowUp, Meeting, Milestone
from bot.store import FollowUpRef, Store
from bot.web import slugs
from bot.web.html import local_time

UPCOMING_DAYS = 60
MAX_ROWS = 100  # rows of a growing list shown on one page
OVERVIEW_MEETINGS = 30
NO_MINISTRY = "부처 미정"
_EVER = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
T = TypeVar("T")


@dataclass(frozen=True)
class Dated:
    """A milestone with its item, as lists show it."""

    milestone: Milestone
    item: AgendaItem
    state: str  # planned, done, delayed, dropped, or overdue


@dataclass(frozen=True)
class Task:
    """A follow-up as lists show it."""

    followup: FollowUp
    state: str  # open, done, cancelled, or overdue
    owner_slug: str


@dataclass(frozen=True)
class Cut(Generic[T]):
    """The first rows of a longer list, and how long it is."""

    rows: list[T]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass(frozen=True)
class MinistryLink:
    name: str
    slug: str
    items: int = 0
    open_followups: int = 0


@dataclass(frozen=True)
class Overview:
    counts: list[tuple[str, int, str]]  # label, number, css state
    meetings: Cut[tuple[Meeting, int]]  # newest first, with their item counts
    upcoming: Cut[Dated]
    overdue: Cut[Task]
    ministries: list[MinistryLink]


@dataclass(frozen=True)
class ItemRow:
    item: AgendaItem
    ministries: list[MinistryLink]  # the lead first
    milestones: int
    open_followups: int


@dataclass(frozen=True)
class MeetingPage:
    meeting: Meeting
    items: list[ItemRow]


@dataclass(frozen=True)
class Change:
    at: str
    by: str
    action: str
    target: str
    detail: str


@dataclass(frozen=True)
class ItemPage:
    item: AgendaItem
    meeting: Meeting
    ministries: list[MinistryLink]
    milestones: list[Dated]
    followups: list[Task]
    history: Cut[Change]


@dataclass(frozen=True)
class MinistryPage:
    name: str
    slug: str
    lead: list[AgendaItem]
    joined: list[AgendaItem]
    upcoming: list[Dated]
    overdue: list[Dated]
    followups: Cut[Task]


# -- states -----------------------------------------------------------------------------------


def milestone_state(m: Milestone, today: dt.date) -> str:
    """The status, or `overdue` for an open deadline already passed (not one the release
    itself reported as past)."""
    if not m.closed and m.kind == "deadline" and not m.past and m.date < today:
        return "overdue"
    return m.status


def followup_state(f: FollowUp, today: dt.date) -> str:
    return "overdue" if f.status == "open" and f.due < today else f.status


def dated(m: Milestone, item: AgendaItem, today: dt.date) -> Dated:
    return Dated(m, item, milestone_state(m, today))


def task(f: FollowUp, today: dt.date) -> Task:
    return Task(f, followup_state(f, today), slugs.slug(f.owner))


def lead_of(item: AgendaItem) -> str:
    """The ministry whose lane an item's dates go in."""
    return item.lead_ministry or (item.ministries[0] if item.ministries else NO_MINISTRY)


def links(names: Iterable[str]) -> list[MinistryLink]:
    return [MinistryLink(n, slugs.slug(n)) for n in dict.fromkeys(names) if n]


# -- overview ---------------------------------------------------------------------------------


def overview(store: Store, today: dt.date) -> Overview:
    meetings = store.meetings()
    items = store.items()
    per_meeting: dict[int, int] = {}
    for i in items:
        per_meeting[i.meeting] = per_meeting.get(i.meeting, 0) + 1
    newest = sorted(meetings, key=lambda m: (m.date, m.number), reverse=True)
    end = today + dt.timedelta(days=UPCOMING_DAYS)
    pairs = [(m, i) for i in items for m in i.milestones]
    upcoming = sorted(
        (dated(m, i, today) for m, i in pairs if today <= m.date <= end and not m.closed),
        key=lambda d: d.milestone.date,
    )
    late_milestones = sum(milestone_state(m, today) == "overdue" for m, _ in pairs)
    overdue = overdue_followups(store, today)
    open_total = store.count_followups()
    counts = [
        ("회의", len(meetings), ""),
        ("안건", len(items), ""),
        (f"{UPCOMING_DAYS}일 안의 일정", len(upcoming), "planned"),
        ("지난 마감 일정", late_milestones, "overdue" if late_milestones else ""),
        ("진행 중 후속조치", open_total, "open"),
        ("기한 지난 후속조치", len(overdue), "overdue" if overdue else ""),
    ]
    return Overview(
        counts=counts,
        meetings=Cut(
            [(m, per_meeting.get(m.number, 0)) for m in newest[:OVERVIEW_MEETINGS]], len(newest)
        ),
        upcoming=Cut(upcoming[:MAX_ROWS], len(upcoming)),
        overdue=Cut([task(r.load(), today) for r in overdue[:MAX_ROWS]], len(overdue)),
        ministries=ministry_links(store, items, today),
    )


def overdue_followups(store: Store, today: dt.date) -> list[FollowUpRef]:
    """Open follow-ups due before today, oldest due first (no model built for them yet)."""
    return store.digest_followups(due_by=today - dt.timedelta(days=1), closed_since=_EVER)


def ministry_links(store: Store, items: list[AgendaItem], today: dt.date) -> list[MinistryLink]:
    """Every ministry (by its name today) with items or open follow-ups, most items first."""
    item_counts: dict[str, int] = {}
    for i in items:
        for name in {*i.ministries, i.lead_ministry or ""} - {""}:
            item_counts[name] = item_counts.get(name, 0) + 1
    found = []
    for m in ministries.table():
        if not m.valid_on(today):
            continue
        family = ministries.lineage(m.name)
        n_items = sum(item_counts.get(n, 0) for n in family)
        n_open = store.count_followups(owners=family)
        if n_items or n_open:
            found.append(MinistryLink(m.name, slugs.slug(m.name), n_items, n_open))
    return sorted(found, key=lambda x: (-x.items, -x.open_followups, x.name))


def all_meetings(store: Store) -> list[tuple[Meeting, int]]:
    per_meeting: dict[int, int] = {}
    for i in store.items():
        per_meeting[i.meeting] = per_meeting.get(i.meeting, 0) + 1
    newest = sorted(store.meetings(), key=lambda m: (m.date, m.number), reverse=True)
    return [(m, per_meeting.get(m.number, 0)) for m in newest]


# -- a meeting, an item -----------------------------------------------------------------------


def meeting_page(store: Store, number: int) -> MeetingPage:
    """Raises NotFound for an unknown meeting."""
    meeting = store.meeting(number)
    rows = [
        ItemRow(
            item,
            links([item.lead_ministry or "", *item.ministries]),
            len(item.milestones),
            len(store.followups(item=(number, item.number))),
        )
        for item in store.items(number)
    ]
    return MeetingPage(meeting, rows)


def item_page(store: Store, meeting: int, number: int, today: dt.date, zone: dt.tzinfo) -> ItemPage:
    """Raises NotFound for an unknown meeting or item."""
    item = store.item(meeting, number)
    entries = store.history(item.ref)
    history = [
        Change(local_time(e.at, zone), e.by, ACTIONS.get(e.action, e.action), e.target, describe(e))
        for e in entries[:MAX_ROWS]
    ]
    return ItemPage(
        item=item,
        meeting=store.meeting(meeting),
        ministries=links([item.lead_ministry or "", *item.ministries]),
        milestones=[dated(m, item, today) for m in sorted(item.milestones, key=lambda m: m.date)],
        followups=[task(f, today) for f in store.followups(status=None, item=(meeting, number))],
        history=Cut(history, len(entries)),
    )


# -- a ministry -------------------------------------------------------------------------------


def ministry_page(store: Store, name: str, today: dt.date) -> MinistryPage:
    """`name` is an official name (see `slugs.ministry_of`); its predecessors' and
    successors' items and follow-ups count as its own."""
    family = ministries.lineage(name) | {name}
    items = [i for i in store.items() if family & {*i.ministries, i.lead_ministry or ""}]
    pairs = [dated(m, i, today) for i in items for m in i.milestones]
    upcoming = sorted(
        (d for d in pairs if d.milestone.date >= today and not d.milestone.closed),
        key=lambda d: d.milestone.date,
    )
    overdue = sorted(
        (d for d in pairs if d.state == "overdue"), key=lambda d: d.milestone.date, reverse=True
    )
    open_ones = store.followups(owners=family, limit=MAX_ROWS)
    total = store.count_followups(owners=family)
    return MinistryPage(
        name=name,
        slug=slugs.slug(name),
        lead=[i for i in items if i.lead_ministry in family],
        joined=[i for i in items if i.lead_ministry not in family],
        upcoming=upcoming[:MAX_ROWS],
        overdue=overdue[:MAX_ROWS],
        followups=Cut([task(f, today) for f in open_ones], total),
    )
