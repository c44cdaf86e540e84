"""Build the weekly digest of one subscription as a platform-neutral Reply.

A tick may build a thousand digests, and most subscriptions share a ministry filter and a local
date, so everything they share is computed once: `DigestSource` is a snapshot of the store
taken once per tick (only the follow-ups a digest can show: `Store.digest_followups`), and it
caches the filtered sections per (filter, local date, horizon). Building one digest is then a
dictionary lookup plus the few meetings new since its last digest.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot import ministries
from bot.chats import ChatKey
from bot.model import WEEKDAYS_KO, AgendaItem, FollowUp, Meeting, Milestone, Subscription
from bot.render import render
from bot.reply import Line, Reply, Section, dday, kdate, shorten, source_line
from bot.store import FollowUpRef, Store

log = logging.getLogger(__name__)

DUE_SOON_DAYS = 14
NEW_MEETING_DAYS = 30  # "새로 들어온 회의" names meetings held at most this long ago
DONE_DAYS = 7
MAX_LINES = 50  # per section: a digest is a summary; /followup lists everything
EMPTY_TEXT = "이번 주는 다가오는 일정이나 마감이 없습니다."


def period_of(day: dt.date) -> str:
    """The ISO week key of a local date: 2026-11-23 → 2026-W48."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    # Old rows may hold naive timestamps; the store writes UTC, so read them as UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


@dataclass
class DigestSource:
    """What every digest of one tick reads, loaded from the store once."""

    now: dt.datetime
    meetings: tuple[Meeting, ...]
    items: tuple[AgendaItem, ...]
    followups: tuple[FollowUpRef, ...]  # open and recently done, by due date
    _sections: dict[Any, tuple[Section, ...]] = field(default_factory=dict, repr=False)
    _new: dict[Any, tuple[list[Meeting], list[AgendaItem]]] = field(
        default_factory=dict, repr=False
    )
    _new_sections: dict[Any, Section] = field(default_factory=dict, repr=False)
    _by_meeting: dict[int, list[AgendaItem]] | None = field(default=None, repr=False)
    _lineages: dict[tuple[str, ...], frozenset[str] | None] = field(
        default_factory=dict, repr=False
    )
    _split: tuple[tuple[FollowUpRef, ...], list[FollowUpRef], list[FollowUpRef]] | None = field(
        default=None, repr=False
    )

    @classmethod
    def load(cls, store: Store, now: dt.datetime) -> DigestSource:
        """Snapshot the store for digests built around `now` (in any time zone).

        Open follow-ups due later than any zone's today + 14 days, follow-ups closed before
        last week and cancelled ones are left in the store (which drops them before paying for
        a model object).
        """
        utc_day = now.astimezone(dt.UTC).date()
        followups = store.digest_followups(
            due_by=utc_day + dt.timedelta(days=DUE_SOON_DAYS + 2),
            closed_since=now - dt.timedelta(days=DONE_DAYS + 2),
        )
        return cls(
            now=now,
            meetings=tuple(store.meetings()),
            items=tuple(store.items()),
            followups=tuple(followups),
        )

    # -- filtering ---------------------------------------------------------------------

    def names(self, chosen: Iterable[str]) -> frozenset[str] | None:
        """Every name (predecessors, successors) of the chosen ministries; None = all."""
        key = tuple(sorted(chosen))
        if key not in self._lineages:
            names: set[str] = set()
            for name in key:
                names |= ministries.lineage(name) or {name}
            self._lineages[key] = frozenset(names) if key else None
        return self._lineages[key]

    @staticmethod
    def item_matches(item: AgendaItem, names: frozenset[str] | None) -> bool:
        if names is None:
            return True
        return item.lead_ministry in names or not names.isdisjoint(item.ministries)

    def shared_sections(
        self, names: frozenset[str] | None, today: dt.date, horizon: int, max_lines: int | None
    ) -> tuple[Section, ...]:
        """The sections that depend only on the filter, the local date and the horizon."""
        key = (names, today, horizon, max_lines)
        cached = self._sections.get(key)
        if cached is None:
            cached = self._build_shared(names, today, horizon, max_lines)
            self._sections[key] = cached
        return cached

    def _build_shared(
        self, names: frozenset[str] | None, today: dt.date, horizon: int, max_lines: int | None
    ) -> tuple[Section, ...]:
        end = today + dt.timedelta(days=horizon)
        milestones: list[tuple[dt.date, str, Line]] = []
        for item in self.items:
            if not self.item_matches(item, names):
                continue
            for m in item.milestones:
                if today <= m.date <= end and not m.closed:
                    line = Line(
                        label=dday(m.date, today),
                        text=f"{_milestone_date(m)} “{shorten(m.text, 90)}”",
                        detail=f"{item.ref} {shorten(item.title, 40)}",
                    )
                    milestones.append((m.date, item.ref, line))
        if names is None:
            # A meeting-level milestone belongs to no item, so only an unfiltered digest has it.
            for meeting in self.meetings:
                for m in meeting.milestones:
                    if today <= m.date <= end:
                        line = Line(
                            label=dday(m.date, today),
                            text=f"{kdate(m.date)} “{shorten(m.text, 90)}”",
                            detail=shorten(meeting.title, 40),
                        )
                        milestones.append((m.date, f"{meeting.number}", line))
        milestones.sort(key=lambda t: (t[0], t[1]))
        sections = [
            _section(f"다가오는 일정 ({horizon}일 이내)", [t[2] for t in milestones], max_lines),
            *self._followup_sections(names, today, max_lines),
        ]
        return tuple(s for s in sections if s.lines)

    def _followup_sections(
        self, names: frozenset[str] | None, today: dt.date, max_lines: int | None
    ) -> list[Section]:
        """Overdue, due soon, and done in the last 7 days."""
        soon_end = today + dt.timedelta(days=DUE_SOON_DAYS)
        opened, closed = self._open_and_closed()
        overdue: list[FollowUpRef] = []
        soon: list[FollowUpRef] = []
        for fu in opened:
            if names is not None and fu.owner not in names:
                continue
            if fu.due < today:
                overdue.append(fu)
            elif fu.due <= soon_end:
                soon.append(fu)
        done = [fu for fu in closed if names is None or fu.owner in names]

        # Only the lines a section shows are loaded and made into Lines; the rest are counted.
        def lines(found: list[FollowUpRef], line: Callable[[FollowUp], Line]) -> list[Any]:
            shown = found if max_lines is None else found[:max_lines]
            return [line(ref.load()) for ref in shown] + found[len(shown) :]

        def due_line(fu: FollowUp) -> Line:
            return _followup_line(fu, today)

        def done_line(fu: FollowUp) -> Line:
            return Line(
                label=fu.id, text=shorten(fu.text, 80), detail=f"{fu.owner} · {fu.item_ref}번 안건"
            )

        return [
            _section("기한 지난 후속조치", lines(overdue, due_line), max_lines),
            _section(
                f"마감 임박 후속조치 ({DUE_SOON_DAYS}일 이내)", lines(soon, due_line), max_lines
            ),
            _section("지난 7일 완료", lines(done, done_line), max_lines),
        ]

    def _open_and_closed(self) -> tuple[list[FollowUpRef], list[FollowUpRef]]:
        """The open follow-ups, and those closed in the last 7 days, in due order: the same for
        every digest of the tick, so split once (again if `followups` is replaced)."""
        if self._split is None or self._split[0] is not self.followups:
            done_since = self.now - dt.timedelta(days=DONE_DAYS)
            opened, closed = [], []
            for ref in self.followups:
                if ref.is_open:
                    opened.append(ref)
                elif ref.closed_at is not None and ref.closed_at >= done_since:
                    closed.append(ref)
            self._split = (self.followups, opened, closed)
        return self._split[1], self._split[2]

    # -- one digest --------------------------------------------------------------------

    def new_since(
        self, names: frozenset[str] | None, since: dt.datetime
    ) -> tuple[list[Meeting], list[AgendaItem]]:
        """Meetings imported after `since`, and their items that pass the filter."""
        key = ("new", names, since)
        cached = self._new.get(key)
        if cached is None:
            cached = self._new[key] = self._new_since(names, since)
        return cached

    def _new_since(
        self, names: frozenset[str] | None, since: dt.datetime
    ) -> tuple[list[Meeting], list[AgendaItem]]:
        if self._by_meeting is None:
            self._by_meeting = {}
            for item in self.items:
                self._by_meeting.setdefault(item.meeting, []).append(item)
        # New to us and recent: an old meeting imported today (a backfill) is no news.
        recent = self.now.date() - dt.timedelta(days=NEW_MEETING_DAYS)
        meetings = [
            m
            for m in self.meetings
            if (_aware(m.imported_at) or since) > since and m.date >= recent
        ]
        items = [
            i
            for m in meetings
            for i in self._by_meeting.get(m.number, ())
            if self.item_matches(i, names)
        ]
        if names is not None:
            with_items = {i.meeting for i in items}
            meetings = [m for m in meetings if m.number in with_items]
        return meetings, items

    def new_section(
        self, names: frozenset[str] | None, since: dt.datetime, max_lines: int | None
    ) -> Section | None:
        """What came in since the last digest: new meetings, then their (matching) items."""
        meetings, items = self.new_since(names, since)
        if not meetings:
            return None
        key = (id(meetings), id(items), max_lines)
        cached = self._new_sections.get(key)
        if cached is None:
            limit = len(meetings) + len(items) if max_lines is None else max_lines
            lines: list[Any] = [
                Line(
                    label=f"{m.number}번 회의",
                    text=m.title,
                    detail=f"{kdate(m.date)} · 원문: {source_line(m).text}",
                    url=source_line(m).url,
                )
                for m in meetings[:limit]
            ]
            lines += [
                Line(label=i.ref, text=shorten(i.title, 60), detail=i.lead_ministry or "")
                for i in items[: max(limit - len(lines), 0)]
            ]
            lines += [None] * (len(meetings) + len(items) - len(lines))  # counted, not shown
            heading = f"새로 들어온 회의 {len(meetings)}건 · 안건 {len(items)}건"
            cached = self._new_sections[key] = _section(heading, lines, max_lines, count=False)
        return cached

    def digest(
        self,
        sub: Subscription,
        now: dt.datetime,
        *,
        max_lines: int | None = MAX_LINES,
        subscribed: bool = True,
    ) -> Reply:
        """The digest of `sub` at `now`; its dates are the subscription's local dates.

        `subscribed=False`: a preview for a chat with no subscription, whose footer says how
        to subscribe instead of describing a schedule it does not have."""
        local = now.astimezone(ZoneInfo(sub.tz))
        today = local.date()
        names = self.names(sub.ministries)
        sections = list(self.shared_sections(names, today, sub.horizon_days, max_lines))
        since = _aware(sub.last_digest_at) or now - dt.timedelta(days=DONE_DAYS)
        new = self.new_section(names, since, max_lines)
        if new is not None:
            sections.insert(0, new)
        scope = ", ".join(sub.ministries) if sub.ministries else "전체 부처"
        period = period_of(today)
        meta = {"period": period, "subscription": sub.key}
        empty = not sections
        title = f"주간 요약 · {kdate(today)} ({period[:4]}년 {int(period[6:])}주)"
        footer = (
            f"{scope} · 매주 {WEEKDAYS_KO[sub.weekday]} {sub.time} ({sub.tz}) · "
            "미리 보기 /digest · 해지 /unsubscribe"
            if subscribed
            else "이 대화방은 구독하지 않았습니다 · 매주 받으려면 /subscribe"
        )
        if not sections:
            sections = [Section(paragraph=EMPTY_TEXT)]
        return Reply(title=title, sections=tuple(sections), footer=footer, meta=meta, empty=empty)


def _milestone_date(m: Milestone) -> str:
    """2027-03-31(수) (지연, 원래 2026-12-31(목)) for a delayed milestone, else the date."""
    if m.status == "delayed" and m.original_date is not None:
        return f"{kdate(m.date)} (지연, 원래 {kdate(m.original_date)})"
    return kdate(m.date)


def _followup_line(fu: FollowUp, today: dt.date) -> Line:
    return Line(
        label=fu.id,
        text=shorten(fu.text, 80),
        detail=f"{fu.owner} · {kdate(fu.due)} {dday(fu.due, today)} · {fu.item_ref}번 안건",
    )


def _section(
    heading: str, lines: list[Line], max_lines: int | None, *, count: bool = True
) -> Section:
    total = len(lines)
    if max_lines is not None and len(lines) > max_lines:
        rest = len(lines) - max_lines
        lines = [*lines[:max_lines], Line(text=f"… 외 {rest}건 (/followup, /milestones)")]
    if count and total:
        heading = f"{heading} · {total}건"
    return Section(heading=heading, lines=tuple(lines))


def build_digest(
    store: Store,
    sub: Subscription,
    now: dt.datetime,
    *,
    max_lines: int | None = MAX_LINES,
    subscribed: bool = True,
) -> Reply:
    """The digest `sub` gets at `now` (a preview, or one subscription's send)."""
    source = DigestSource.load(store, now)
    return source.digest(sub, now, max_lines=max_lines, subscribed=subscribed)


def render_html(reply: Reply) -> str:
    """A standalone HTML page of a digest, for `agendabot digest --html` and archiving."""
    return render("archive", "digest.html.j2", reply=reply, meta=reply.meta)


def preview(store: Store, key: str, now: dt.datetime) -> Reply:
    """The digest the chat `key` gets (or would get, with the defaults) at `now`."""
    sub = store.subscription(key)
    if sub is None:
        return DigestSource.load(store, now).digest(
            ChatKey.parse(key).subscription(), now, subscribed=False
        )
    return DigestSource.load(store, now).digest(sub, now)
