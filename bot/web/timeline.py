"""The timeline: milestones and follow-up due dates of the coming months, one lane per
ministry, laid out here and drawn as SVG by `templates/web/timeline.svg.j2`.

Laid out in Python, drawn by a template: every coordinate is computed here, every string goes
through the template's autoescaping. What lands on the same day in the same lane with the same
status is one mark (its size grows with the count, its tooltip says how many), so 100,000
follow-ups make a few thousand marks, not 100,000 elements. Follow-ups are read as the
store's light references; a full record is built only for a mark that stands for one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot import ministries
from bot.model import MILESTONE_STATUS_KO, AgendaItem, Milestone
from bot.reply import kdate, shorten
from bot.store import FollowUpRef, Store
from bot.web import slugs
from bot.web.pages import NO_MINISTRY, lead_of, milestone_state

DEFAULT_MONTHS = 6
MAX_MONTHS = 24
LABEL_W = 112  # lane names
GUTTER_W = 44  # "지연 N" before the window, "이후 N" after it
DAY_W = 5
HEADER_H = 44
LANE_H = 34
MILESTONE_DY = 12  # a lane's milestones sit above its follow-ups
FOLLOWUP_DY = 23
STATE_KO = {**MILESTONE_STATUS_KO, "open": "진행", "overdue": "기한 지남"}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    r: float
    shape: str  # "milestone" (a diamond) or "followup" (a circle)
    state: str  # planned, done, delayed, dropped, open, overdue
    count: int
    label: str  # the tooltip
    href: str  # under the web prefix; empty: no link

    @property
    def diamond(self) -> str:
        x, y, r = self.x, self.y, self.r
        return f"M{x:.1f} {y - r:.1f}L{x + r:.1f} {y:.1f}L{x:.1f} {y + r:.1f}L{x - r:.1f} {y:.1f}Z"


@dataclass
class Lane:
    name: str
    short: str
    href: str  # the ministry's page; empty when it has none (no ministry, an unknown name)
    y: int = 0
    marks: list[Mark] = field(default_factory=list)
    before: int = 0  # overdue before the window
    after: int = 0  # open dates after it


@dataclass(frozen=True)
class Month:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    start: dt.date
    end: dt.date  # inclusive
    today: dt.date
    today_x: float | None
    months: list[Month]
    lanes: list[Lane]
    width: int
    height: int
    plot_x: int  # where day one starts
    plot_w: int
    counts: dict[str, int]  # dates shown per "shape.state"

    @property
    def empty(self) -> bool:
        return not self.lanes


@dataclass
class _Bucket:
    count: int
    first: Milestone | FollowUpRef
    item: AgendaItem | None


def window(today: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """From the first of this month through the last day of the `months`-th month."""
    start = today.replace(day=1)
    year, month = divmod(start.month - 1 + months, 12)
    return start, dt.date(start.year + year, month + 1, 1) - dt.timedelta(days=1)


def build(store: Store, today: dt.date, months: int = DEFAULT_MONTHS) -> Timeline:
    """The timeline of `months` months from the start of this month (1 to MAX_MONTHS)."""
    start, end = window(today, min(max(months, 1), MAX_MONTHS))
    board = _Board(start, end, today)
    for item in store.items():
        for m in item.milestones:
            board.add(lead_of(item), m.date, "milestone", milestone_state(m, today), (m, item))
    for ref in store.digest_followups(due_by=end, closed_since=_EPOCH):
        state = "done" if not ref.is_open else "overdue" if ref.due < today else "open"
        board.add(ref.owner, ref.due, "followup", state, (ref, None))
    return _lay_out(board)


class _Board:
    """Dates counted into lanes (by the ministry's name today: a renamed ministry's old and
    new names share one) and, within the window, into marks."""

    def __init__(self, start: dt.date, end: dt.date, today: dt.date) -> None:
        self.start, self.end, self.today = start, end, today
        self.lanes: dict[str, Lane] = {}
        self.buckets: dict[tuple[str, dt.date, str, str], _Bucket] = {}
        self._names: dict[str, str] = {}

    def add(
        self,
        ministry: str,
        day: dt.date,
        shape: str,
        state: str,
        what: tuple[Milestone | FollowUpRef, AgendaItem | None],
    ) -> None:
        """Count one date: a mark in the window, or the gutters beside it."""
        lane = self.lane(ministry)
        if day < self.start:
            lane.before += state == "overdue"
            return
        if day > self.end:
            lane.after += state in ("planned", "delayed", "open")
            return
        key = (lane.name, day, shape, state)
        bucket = self.buckets.get(key)
        if bucket is None:
            self.buckets[key] = _Bucket(1, *what)
        else:
            bucket.count += 1

    def lane(self, name: str) -> Lane:
        current = self._names.get(name)
        if current is None:
            found = ministries.resolve(name, self.today) if name != NO_MINISTRY else None
            current = self._names[name] = found.name if found else name
        lane = self.lanes.get(current)
        if lane is None:
            known = ministries.get(current)
            short = known.abbreviation if known else current
            href = f"/ministries/{slugs.slug(current)}" if known else ""
            lane = self.lanes[current] = Lane(current, shorten(short, 8), href)
        return lane


def _lay_out(board: _Board) -> Timeline:
    """Coordinates for every lane and mark, the months and today."""
    lanes, start, end, today = board.lanes, board.start, board.end, board.today
    plot_x = LABEL_W + GUTTER_W
    days = (end - start).days + 1
    counts: dict[str, int] = {}
    for (name, day, shape, state), bucket in board.buckets.items():
        counts[f"{shape}.{state}"] = counts.get(f"{shape}.{state}", 0) + bucket.count
        lane = lanes[name]
        x = plot_x + (day - start).days * DAY_W + DAY_W / 2
        lane.marks.append(_mark(x, shape, state, day, bucket, lane.href))
    shown = sorted(
        (lane for lane in lanes.values() if lane.marks or lane.before or lane.after),
        key=lambda lane: (lane.name == NO_MINISTRY, lane.name),
    )
    for n, lane in enumerate(shown):
        lane.y = HEADER_H + n * LANE_H
        dy = {"milestone": MILESTONE_DY, "followup": FOLLOWUP_DY}
        lane.marks = [_at(m, lane.y + dy[m.shape]) for m in lane.marks]
        lane.marks.sort(key=lambda m: (m.shape, m.x))
    today_x = plot_x + (today - start).days * DAY_W + DAY_W / 2 if start <= today <= end else None
    return Timeline(
        start=start,
        end=end,
        today=today,
        today_x=today_x,
        months=list(_months(start, end, plot_x)),
        lanes=shown,
        width=plot_x + days * DAY_W + GUTTER_W,
        height=HEADER_H + len(shown) * LANE_H + 8,
        plot_x=plot_x,
        plot_w=days * DAY_W,
        counts=counts,
    )


def _at(mark: Mark, y: float) -> Mark:
    return Mark(mark.x, y, mark.r, mark.shape, mark.state, mark.count, mark.label, mark.href)


def _mark(x: float, shape: str, state: str, day: dt.date, bucket: _Bucket, lane: str) -> Mark:
    """One mark; it links to its item, or for several items to the lane's ministry."""
    r = 5 + min(4.0, math.log2(bucket.count))
    word = STATE_KO.get(state, state)
    if bucket.count > 1:
        kind = "일정" if shape == "milestone" else "후속조치"
        label = f"{kdate(day)} · {kind} {bucket.count:,}건 ({word})"
        return Mark(x, 0, r, shape, state, bucket.count, label, lane)
    first = bucket.first
    if isinstance(first, Milestone):
        item = bucket.item
        assert item is not None
        name = f"{first.id} " if first.id else ""
        label = f"{kdate(day)} · {item.ref} {shorten(item.title, 40)} · 일정 {name}{shorten(first.text, 60)} ({word})"
        return Mark(x, 0, r, shape, state, 1, label, f"/items/{item.ref}")
    fu = first.load()
    label = f"{kdate(day)} · 후속조치 {fu.id} {shorten(fu.text, 60)} · {fu.owner} ({word})"
    return Mark(x, 0, r, shape, state, 1, label, f"/items/{fu.item_ref}")


def _months(start: dt.date, end: dt.date, plot_x: int) -> Iterator[Month]:
    day = start
    while day <= end:
        label = (
            f"{day.year}년 {day.month}월" if day == start or day.month == 1 else f"{day.month}월"
        )
        yield Month(plot_x + (day - start).days * DAY_W, label)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def states(timeline: Timeline) -> Iterable[tuple[str, str, str, int]]:
    """The legend: (shape, state, Korean word, count) in a fixed order."""
    order = [
        ("milestone", "planned"), ("milestone", "delayed"), ("milestone", "done"),
        ("milestone", "dropped"), ("milestone", "overdue"),
        ("followup", "open"), ("followup", "overdue"), ("followup", "done"),
    ]  # fmt: skip
    for shape, state in order:
        yield shape, state, STATE_KO[state], timeline.counts.get(f"{shape}.{state}", 0)
