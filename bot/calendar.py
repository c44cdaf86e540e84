"""Calendar feeds (iCalendar, RFC 5545) of the items' milestones and the follow-ups, for a
calendar app to subscribe to: the web dashboard serves them, `agendabot ics` writes one.

What goes in, and why so:

* Each milestone of an agenda item is an all-day event on its date. A deadline or event
  phrased by month, quarter, half or year ("2026년 말까지") lands on the last day of that
  period; a start ("2027년부터") on the day it starts; a date an admin set (an edit, a delay)
  on that day. The description names the precision and quotes the original phrase.
  Meeting-level milestones (background the release recounts, mostly past, without an id)
  are left out.
* Each open follow-up is an all-day event on its due date. A dropped milestone and a
  cancelled follow-up stay in the feed with STATUS:CANCELLED, so a calendar that imported
  the file once removes them; a follow-up done leaves the feed (nothing is due any more).
* SUMMARY is "[안건 1.3] 원문" or "[안건 1.3 · 후속조치 F12] 내용 (담당 부처)", without a D-day:
  a D-day would change every event's text every day, so every calendar would re-sync every
  event daily while its SEQUENCE stayed put. The calendar app shows the date itself.
* UID comes from the milestone or follow-up id and the meeting number (`m1-M7@agendabot`,
  `m1-F12@agendabot`), never from a position in a list: both ids are never reused and
  survive a re-import, so a calendar updates an event instead of duplicating it.
* SEQUENCE is the number of audit entries that wrote the event's rows: its meeting (an
  import counts there), its item (a milestone change is logged on its item) and, for a
  follow-up, the follow-up (`Store.revisions`). The log only grows, so SEQUENCE never goes
  down, even when /undo puts a row back. Some changes bump it that the event does not show
  (a sibling milestone's edit): RFC 5545 asks for a higher SEQUENCE on a change, not for
  consecutive numbers. DTSTAMP and LAST-MODIFIED are the time of the last of those entries
  (else the meeting's import or the follow-up's last update), so a feed of unchanged data
  is the same bytes whenever it is built, and its ETag is too.

Speed: the feed of 1,000 meetings and 100,000 follow-ups has 86,000 events. icalendar takes
about a millisecond to build and write one, so it writes only the calendar's head (the
properties and the VTIMEZONE); the events are written here as icalendar writes them, byte
for byte, except that the end of a description, which every event of an item shares, is
folded once per item on a line of its own (valid folding: it unfolds to the same line;
`tests/test_calendar.py` holds both). Each event's bytes are kept with the fields they came
from, so after a change only the events that changed are written again, though every row is
still read (`bench/bench_feeds.py`). A built feed is cached per store by (store generation,
today, what was asked, link settings): a request on unchanged data costs a stat and a
dictionary lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple
from weakref import WeakKeyDictionary

from icalendar import Calendar, Timezone

from bot import __version__, ministries
from bot.config import Settings
from bot.errors import UnknownMinistry
from bot.links import web_url
from bot.model import MILESTONE_STATUS_KO, STATUS_KO, AgendaItem, Meeting, Milestone, Subscription
from bot.reply import kdate
from bot.store import FeedFollowUp, Store, exempt_from_gc

if TYPE_CHECKING:  # bot.commands imports this module's command, which imports this module
    from bot.commands.base import Context

ALL = "all"  # the slug of the feed of everything: /calendar/all.ics
UID_DOMAIN = "agendabot"
PRODID = f"-//agendabot//agendabot {__version__}//KO"
MAX_FEEDS = 32  # built feeds kept per store
MAX_CACHED_BYTES = 256 << 20  # and at most this much of their bodies
MAX_EVENTS = 500_000  # event texts kept per store before the memo starts over
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # last_modified of a feed with no history
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Feed:
    """One built feed: the iCalendar bytes, a strong ETag (quoted, from a hash of the bytes)
    and the newest change that went into it (aware, whole seconds, for Last-Modified)."""

    body: bytes
    etag: str
    last_modified: dt.datetime


def feed(
    ctx: Context, *, ministry: str | None = None, subscription: Subscription | None = None
) -> Feed:
    """The feed of everything (no arguments), of one ministry (its official name; an
    abbreviation is understood too), or of a subscription's ministry filter.

    A ministry's feed has the milestones of the items it leads or joins and the follow-ups
    it owns, under every name it had (산업통상자원부 and 산업통상부 alike).

    Raises:
        UnknownMinistry: the ministry is unknown (a NotFound: one Korean line, with close
            names).
        ValueError: both a ministry and a subscription were given.
    """
    if ministry is not None and subscription is not None:
        raise ValueError("feed() takes a ministry or a subscription, not both")
    today = ctx.today()
    scope = _scope(ministry, subscription, today)
    store, settings = ctx.store, ctx.settings
    state = _state(store)
    key = (store.generation, today, scope, web_url(settings, "/"), settings.tz)
    found = state.feeds.get(key)
    if found is not None:
        return found
    with state.lock:  # one build at a time: a second request for it waits and finds it built
        found = state.feeds.get(key)
        if found is None:
            found = _Builder(store, settings, state, key[0]).build(scope)
            state.keep(key, found)
        return found


# -- slugs: a ministry in a URL -----------------------------------------------------------
#
# A ministry's slug is its official name in the Revised Romanization of Korean, letter by
# letter without the sound changes (중소벤처기업부 → jungsobencheogieopbu, 국방부 → gukbangbu):
# ASCII, readable to someone who reads Korean, and a function of the name alone, so it is
# stable as long as the name is. Each name of the ministry table gets a different slug (a test
# holds it); a name outside the table gets a short hash of the name appended, so it can never
# take a table name's slug.

_INITIALS = (
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t",
    "p", "h",
)  # fmt: skip
_MEDIALS = (
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo",
    "we", "wi", "yu", "eu", "ui", "i",
)  # fmt: skip
_FINALS = (
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p",
    "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t",
)  # fmt: skip


def slug(ministry: str) -> str:
    """The URL-safe ASCII name of a ministry (its official name): `/calendar/{slug}.ics`,
    `/ministries/{slug}`."""
    romanized = _romanize(ministry)
    if ministry in _slugs() and romanized:
        return romanized
    digest = hashlib.sha256(ministry.encode()).hexdigest()[:8]
    return f"{romanized}-{digest}" if romanized else f"m-{digest}"


def ministry_of(slug: str) -> str | None:
    """The official name with this slug; None for an unknown slug and for `ALL` (which the
    caller tests first: it means every ministry)."""
    return _slugs().get(slug.strip().lower())


@cache
def _slugs() -> dict[str, str]:
    """Every table name by its slug (and, for `slug`, every table name as a key too)."""
    by_slug = {_romanize(m.name): m.name for m in ministries.table()}
    return {**by_slug, **{m.name: m.name for m in ministries.table()}}


def _romanize(name: str) -> str:
    out = []
    for ch in name:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            initial, rest = divmod(code, 588)
            medial, final = divmod(rest, 28)
            out.append(_INITIALS[initial] + _MEDIALS[medial] + _FINALS[final])
        elif ch.isascii() and ch.isalnum():
            out.append(ch.lower())
        elif out and out[-1] != "-":
            out.append("-")  # a space or a ·: one hyphen
    return "".join(out).strip("-")


# -- what a feed holds ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """The ministries a feed is about (every name of each; None: all) and its calendar name."""

    names: frozenset[str] | None
    title: str


def _scope(ministry: str | None, subscription: Subscription | None, today: dt.date) -> _Scope:
    if ministry is not None:
        found = ministries.resolve(ministry, today)
        if found is None:
            raise UnknownMinistry(ministry[:30], ministries.suggest(ministry, on=today))
        return _Scope(_lineage([found.name]), found.name)
    if subscription is not None and subscription.ministries:
        return _Scope(_lineage(subscription.ministries), "·".join(subscription.ministries))
    return _Scope(None, "전체")


def _lineage(chosen: Iterable[str]) -> frozenset[str]:
    names: set[str] = set()
    for name in chosen:
        names |= ministries.lineage(name) or {name}
    return frozenset(names)


def event_day(m: Milestone) -> dt.date:
    """The day a milestone's event is on: the end of the period a deadline or event names
    ("2026년 3월 중" → 2026-03-31), the stored date for a day, a start or a date set by hand."""
    if m.precision == "day" or m.kind == "start" or m.original_date is not None:
        return m.date
    month = m.date.month
    last = {"month": month, "quarter": -(-month // 3) * 3, "half": 6 if month <= 6 else 12}
    end = last.get(m.precision, 12)
    return dt.date(m.date.year + end // 12, end % 12 + 1, 1) - _ONE_DAY


_PERIOD = {
    "month": ("월", "달"),
    "quarter": ("분기", "분기"),
    "half": ("반기", "반기"),
    "year": ("연", "해"),
}


def _date_note(m: Milestone) -> str:
    """Why the event is on its day, when the phrase named no day."""
    if m.precision not in _PERIOD or m.original_date is not None:
        return ""
    unit, period = _PERIOD[m.precision]
    where = "시작하는 날" if m.kind == "start" else f"그 {period}의 마지막 날"
    return f"{unit} 단위 표현이라 {where}에 표시"


def milestone_uid(meeting: int, milestone_id: str) -> str:
    return f"m{meeting}-{milestone_id}@{UID_DOMAIN}"


def followup_uid(meeting: int, followup_id: str) -> str:
    return f"m{meeting}-{followup_id}@{UID_DOMAIN}"


# -- writing iCalendar ----------------------------------------------------------------------

FOLD_OCTETS = 74  # icalendar folds a line before it reaches 75 octets (RFC 5545 3.1)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in TEXT
_SPECIAL = re.compile(r"[\x00-\x1f\x7f\\;,]")  # what `text` changes


def text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 3.3.11 says and icalendar does (line ends become
    `\\n`); the control characters TEXT may not hold are dropped. Unlike icalendar, a
    backslash-N the user typed stays as typed."""
    if not _SPECIAL.search(value):
        return value
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> bytes:
    """A content line in UTF-8, folded as icalendar folds it: at the last character
    boundary before 75 octets, never inside a character, and never right after a backslash
    (or ^), which moves to the next line with what it escapes."""
    raw = line.encode()
    end = len(raw)
    if end <= FOLD_OCTETS:
        return raw
    parts = []
    start = 0
    while end - start > FOLD_OCTETS:
        cut = start + FOLD_OCTETS
        while raw[cut] & 0xC0 == 0x80:  # inside a multi-byte character
            cut -= 1
        if raw[cut - 1] in b"\\^":
            cut -= 1
        parts.append(raw[start:cut])
        start = cut
    parts.append(raw[start:])
    return b"\r\n ".join(parts)


class Event(NamedTuple):
    """One all-day event. `summary` and `description` are escaped already (`text`); `stamp`
    is a UTC DATE-TIME (DTSTAMP and LAST-MODIFIED). `more` continues the description: escaped
    text folded on its own (`fold`), which the events of one item share, so it is folded once
    per item, not once per event; a fold at its own boundaries instead of the line's is valid
    RFC 5545 folding, which a parser unfolds to the same line."""

    uid: str
    day: dt.date
    stamp: str
    sequence: int
    status: str  # CONFIRMED or CANCELLED
    summary: str
    description: str
    url: str | None = None
    more: bytes = b""

    def ical(self) -> bytes:
        """The VEVENT, its properties in the order icalendar writes them."""
        return b"".join(
            (
                b"BEGIN:VEVENT\r\n",
                fold("SUMMARY:" + self.summary),
                _date_lines(self.day),
                f"DTSTAMP:{self.stamp}\r\nUID:{text(self.uid)}\r\nSEQUENCE:{self.sequence}\r\n".encode(),
                fold("DESCRIPTION:" + self.description),
                b"\r\n " + self.more if self.more else b"",
                f"\r\nLAST-MODIFIED:{self.stamp}\r\nSTATUS:{self.status}\r\n".encode(),
                b"TRANSP:TRANSPARENT\r\n",
                fold("URL:" + self.url) + b"\r\n" if self.url else b"",
                b"END:VEVENT\r\n",
            )
        )


_DATE_LINES: dict[dt.date, bytes] = {}


def _date_lines(day: dt.date) -> bytes:
    """The line end after SUMMARY, DTSTART and DTEND of an all-day event on `day`."""
    found = _DATE_LINES.get(day)
    if found is None:
        start, end = day.strftime("%Y%m%d"), (day + _ONE_DAY).strftime("%Y%m%d")
        found = f"\r\nDTSTART;VALUE=DATE:{start}\r\nDTEND;VALUE=DATE:{end}\r\n".encode()
        if len(_DATE_LINES) < 100_000:
            _DATE_LINES[day] = found
    return found


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


_END = b"END:VCALENDAR\r\n"


@cache
def _head(title: str, tz: str) -> bytes:
    """The calendar's properties and time zone, by icalendar, up to where the events go."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"agendabot — {title} 일정")
    cal.add("x-wr-caldesc", f"정부 회의 안건의 일정과 후속조치 ({title})")
    cal.add("x-wr-timezone", tz)
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    cal.add_component(Timezone.from_tzid(tz))
    whole: bytes = cal.to_ical()
    assert whole.endswith(_END)
    return whole[: -len(_END)]


# -- building a feed ------------------------------------------------------------------------


@dataclass
class _State:
    """What one store's feeds keep between requests: the feeds built from the current data
    (bounded by count and bytes, the oldest built going first), and what the next build may
    reuse: each event's bytes and each item's shared part, with the inputs they came from."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    feeds: OrderedDict[tuple[Any, ...], Feed] = field(default_factory=OrderedDict)
    history: tuple[int, _History] | None = None  # the store generation it was read at
    events: dict[str, tuple[tuple[Any, ...], bytes]] = field(default_factory=dict)
    parts: dict[tuple[int, int], tuple[tuple[Any, ...], _ItemPart]] = field(default_factory=dict)

    def read_history(self, store: Store, generation: int) -> _History:
        """The audit log's counts, read once per store generation for every feed built."""
        if self.history is None or self.history[0] != generation:
            self.history = (generation, _History.of(store.revisions()))
        return self.history[1]

    def keep(self, key: tuple[Any, ...], built: Feed) -> None:
        """Cache a feed; feeds of an older generation (key[0]) can never be asked again."""
        for old in [k for k in self.feeds if k[0] != key[0]]:
            del self.feeds[old]
        self.feeds[key] = built
        size = sum(len(f.body) for f in self.feeds.values())
        while len(self.feeds) > 1 and (len(self.feeds) > MAX_FEEDS or size > MAX_CACHED_BYTES):
            _, dropped = self.feeds.popitem(last=False)
            size -= len(dropped.body)


_STATES: WeakKeyDictionary[Store, _State] = WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def _state(store: Store) -> _State:
    state = _STATES.get(store)
    if state is None:
        with _STATES_LOCK:
            state = _STATES.setdefault(store, _State())
    return state


@dataclass(frozen=True)
class _History:
    """`Store.revisions` by table, and the newest time in it (a removal's too)."""

    meetings: dict[str, tuple[int, str]]
    items: dict[str, tuple[int, str]]
    followups: dict[str, tuple[int, str]]
    newest: dt.datetime

    @classmethod
    def of(cls, revisions: dict[str, dict[str, tuple[int, str]]]) -> _History:
        times = {at for table in revisions.values() for _, at in table.values()}
        newest = max((_aware(dt.datetime.fromisoformat(at)) for at in times), default=EPOCH)
        return cls(
            revisions.get("meetings", {}),
            revisions.get("items", {}),
            revisions.get("followups", {}),
            newest,
        )


class _ItemPart(NamedTuple):
    """What every event of one item shares: the end of its description (escaped, folded),
    the SEQUENCE of its meeting and item rows, their last change and the dashboard link."""

    more: bytes
    sequence: int
    changed: dt.datetime
    url: str | None


Memo = dict[str, tuple[tuple[Any, ...], bytes]]


class _Builder:
    """One feed's events, from one reading of the store."""

    def __init__(self, store: Store, settings: Settings, state: _State, generation: int) -> None:
        self.store, self.settings, self.state = store, settings, state
        self.history = state.read_history(store, generation)
        self.meetings = {m.number: m for m in store.meetings()}
        self.items = {(i.meeting, i.number): i for i in store.items()}
        self.newest = EPOCH
        self.used: Memo = {}
        self._parts: dict[tuple[int, int], _ItemPart] = {}
        self._times: dict[str, dt.datetime] = {"": EPOCH}
        self._stamps: dict[dt.datetime, str] = {}

    def build(self, scope: _Scope) -> Feed:
        chunks = [_head(scope.title, self.settings.tz)]
        for item in self.items.values():
            if _matches(item, scope.names):
                chunks += [self._milestone(item, m) for m in item.milestones if m.id]
        chunks += self._followups(
            self.store.feed_followups(("open", "cancelled"), owners=scope.names)
        )
        chunks.append(_END)
        body = b"".join(chunks)
        self._remember(complete=scope.names is None)
        self.newest = max(self.newest, self.history.newest)  # removals too: entries stay
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
        return Feed(body, etag, self.newest.astimezone(dt.UTC).replace(microsecond=0))

    def _remember(self, *, complete: bool) -> None:
        """Keep this build's events and item parts for the next; the feed of everything
        replaces what was kept, so removed rows are forgotten. Like the store's big data, it
        is moved out of the garbage collector's sight when the database is big."""
        if complete or len(self.state.events) + len(self.used) > MAX_EVENTS:
            self.state.events = self.used
        else:
            self.state.events.update(self.used)
        if self.store.is_big:
            exempt_from_gc()

    # -- events ---------------------------------------------------------------------------

    def _milestone(self, item: AgendaItem, m: Milestone) -> bytes:
        part = self._part(item.meeting, item.number)
        inputs = (m, part)
        kept = self.state.events.get(m.id)
        if kept is None or kept[0] != inputs:
            kept = (inputs, self._write_milestone(item, m, part))
        self.used[m.id] = kept
        return kept[1]

    def _write_milestone(self, item: AgendaItem, m: Milestone, part: _ItemPart) -> bytes:
        day = event_day(m)
        status = f"상태: {MILESTONE_STATUS_KO.get(m.status, m.status)}"
        if m.status == "delayed" and m.original_date is not None:
            status += f" · 원래 날짜 {kdate(m.original_date)}"
        if m.note:
            status += f" · 메모: {m.note}"
        note = _date_note(m)
        when = f"날짜: {kdate(day)}" + (f" ({note})" if note else "")
        shown = "" if m.status == "planned" else f" ({m.status_ko})"
        return Event(
            uid=milestone_uid(item.meeting, m.id),
            day=day,
            stamp=self._stamp(part.changed),
            sequence=part.sequence,
            status="CANCELLED" if m.status == "dropped" else "CONFIRMED",
            summary=text(f"[안건 {item.ref}] {m.text}{shown}"),
            description=_lines(f"일정 {m.id}: {m.text}", when, status),
            url=part.url,
            more=part.more,
        ).ical()

    def _followups(self, rows: list[FeedFollowUp]) -> list[bytes]:
        """Each follow-up's event: kept from the last build while its inputs are the same.
        One loop with local names: it runs for every follow-up of the feed."""
        kept_events, used, parts = self.state.events, self.used, self._parts
        revisions, times = self.history.followups, self._times
        out = []
        for fu in rows:
            part = parts.get((fu.meeting, fu.item)) or self._part(fu.meeting, fu.item)
            count, at = revisions.get(fu.id) or (0, fu.updated_at)
            changed = times.get(at) or self._time(at)
            if part.changed > changed:
                changed = part.changed
            inputs = (fu, part, count, changed)
            kept = kept_events.get(fu.id)
            if kept is None or kept[0] != inputs:
                kept = (inputs, self._write_followup(fu, part, part.sequence + count, changed))
            used[fu.id] = kept
            out.append(kept[1])
            if changed > self.newest:
                self.newest = changed
        return out

    def _write_followup(
        self, fu: FeedFollowUp, part: _ItemPart, sequence: int, changed: dt.datetime
    ) -> bytes:
        due = dt.date.fromisoformat(fu.due)
        status = f"상태: {STATUS_KO.get(fu.status, fu.status)}"
        if fu.note:
            status += f" · 메모: {fu.note}"
        shown = " (취소)" if fu.status == "cancelled" else ""
        return Event(
            uid=followup_uid(fu.meeting, fu.id),
            day=due,
            stamp=self._stamp(changed),
            sequence=sequence,
            status="CANCELLED" if fu.status == "cancelled" else "CONFIRMED",
            summary=text(
                f"[안건 {fu.meeting}.{fu.item} · 후속조치 {fu.id}] {fu.text} ({fu.owner}){shown}"
            ),
            description=_lines(
                f"후속조치 {fu.id}: {fu.text}", f"담당: {fu.owner} · 기한: {kdate(due)}", status
            ),
            url=part.url,
            more=part.more,
        ).ical()

    # -- what the events of one item share ----------------------------------------------

    def _part(self, meeting: int, number: int) -> _ItemPart:
        """The item's shared part, built once per build (and kept across builds while its
        meeting, item, revisions and link are the same)."""
        key = (meeting, number)
        part = self._parts.get(key)
        if part is None:
            held = self.meetings.get(meeting)
            item = self.items.get(key)  # None: a follow-up whose item is gone
            revised = (
                self.history.meetings.get(str(meeting), (0, "")),
                self.history.items.get(f"{meeting}.{number}", (0, "")),
            )
            url = web_url(self.settings, f"/items/{meeting}.{number}")
            inputs = (held, item, revised, url)
            kept = self.state.parts.get(key)
            if kept is None or kept[0] != inputs:
                kept = self.state.parts[key] = (
                    inputs,
                    self._describe(key, held, item, revised, url),
                )
            part = self._parts[key] = kept[1]
            if part.changed > self.newest:
                self.newest = part.changed
        return part

    def _describe(
        self,
        key: tuple[int, int],
        held: Meeting | None,
        item: AgendaItem | None,
        revised: tuple[tuple[int, str], tuple[int, str]],
        url: str | None,
    ) -> _ItemPart:
        """The item's lines of every description, its SEQUENCE and its last change."""
        (m_count, m_at), (i_count, i_at) = revised
        imported = _aware(held.imported_at) if held and held.imported_at else EPOCH
        changed = max(self._time(m_at), self._time(i_at), imported)
        lines = _meeting_lines(held, key[0]) + _item_lines(item, *key)
        if url:
            lines.append(f"대시보드: {url}")
        return _ItemPart(fold(text("\n".join(lines))), m_count + i_count, changed, url)

    def _time(self, iso: str) -> dt.datetime:
        found = self._times.get(iso)
        if found is None:
            found = self._times[iso] = _aware(dt.datetime.fromisoformat(iso))
        return found

    def _stamp(self, moment: dt.datetime) -> str:
        found = self._stamps.get(moment)
        if found is None:
            found = self._stamps[moment] = _stamp(moment)
        return found


def _lines(*lines: str) -> str:
    """Lines of a description, escaped, each ending in an escaped line break: the item's
    shared part follows. Each line is escaped alone, so a line without a comma, semicolon or
    backslash (most) costs one regex search."""
    return "".join(text(line) + "\\n" for line in lines)


def _matches(item: AgendaItem, names: frozenset[str] | None) -> bool:
    if names is None:
        return True
    return item.lead_ministry in names or not names.isdisjoint(item.ministries)


def _meeting_lines(meeting: Meeting | None, number: int) -> list[str]:
    if meeting is None:
        return [f"회의: {number}번 회의"]
    return [f"회의: {meeting.title} ({kdate(meeting.date)})"]


def _item_lines(item: AgendaItem | None, meeting: int, number: int) -> list[str]:
    if item is None:
        return [f"안건 {meeting}.{number}"]
    lines = [f"안건 {item.ref}: {item.title}"]
    if item.decision:
        lines.append(f"결정: {item.decision}")
    named = [f"{item.lead_ministry}(주관)"] if item.lead_ministry else []
    named += [n for n in item.ministries if n != item.lead_ministry]
    if named:
        lines.append(f"부처: {', '.join(named)}")
    return lines


def _aware(moment: dt.datetime) -> dt.datetime:
    # Old rows may hold naive timestamps; the store writes UTC, so read them as UTC.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
