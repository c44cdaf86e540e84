"""The domain: meetings, agenda items, milestones, follow-ups, subscriptions and deliveries.

Plain frozen dataclasses with `to_dict`/`from_dict` so the store can keep them as JSON and
every other module can pass them around without knowing how they are stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal, Self

Precision = Literal["day", "month", "quarter", "half", "year"]
MilestoneKind = Literal["deadline", "start", "event"]
Decision = Literal["심의·의결", "의결", "보고", "서면보고", "논의", "토론", "발표"]
FollowUpStatus = Literal["open", "done", "cancelled"]

FOLLOWUP_STATUSES: tuple[str, ...] = ("open", "done", "cancelled")
STATUS_KO = {"open": "진행", "done": "완료", "cancelled": "취소"}
WEEKDAYS_KO = ("월", "화", "수", "목", "금", "토", "일")


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _datetime(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


class Record:
    """Mixin giving a dataclass a JSON-friendly round trip."""

    def to_dict(self) -> dict[str, Any]:
        return {k: _jsonable(v) for k, v in asdict(self).items()}  # type: ignore[call-overload]

    def evolve(self, **changes: Any) -> Self:
        return replace(self, **changes)  # type: ignore[type-var]

    @classmethod
    def _known(cls, data: dict[str, Any]) -> dict[str, Any]:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class Milestone(Record):
    """A dated commitment, kept with the exact phrase it came from."""

    text: str
    date: dt.date
    precision: Precision
    kind: MilestoneKind
    past: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Milestone:
        d = cls._known(data)
        d["date"] = _date(d["date"])
        return cls(**d)


@dataclass(frozen=True)
class AgendaItem(Record):
    """One 안건 of a meeting; `meeting` is the meeting's stable number in the store."""

    meeting: int
    number: int
    title: str
    decision: str | None = None
    lead_ministry: str | None = None
    ministries: tuple[str, ...] = ()
    summary: str = ""
    key_points: tuple[str, ...] = ()
    body: str = ""
    milestones: tuple[Milestone, ...] = ()

    @property
    def ref(self) -> str:
        """The id users type: `1.3` is meeting 1, item 3."""
        return f"{self.meeting}.{self.number}"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgendaItem:
        d = cls._known(data)
        d["ministries"] = tuple(d.get("ministries") or ())
        d["key_points"] = tuple(d.get("key_points") or ())
        d["milestones"] = tuple(Milestone.from_dict(m) for m in d.get("milestones") or ())
        return cls(**d)


@dataclass(frozen=True)
class Meeting(Record):
    """A meeting as announced by its press release.

    `number` is assigned by the store on first import and never changes; `ordinal` is the
    meeting's own count from its title (제1회 → 1) and may be missing.
    """

    number: int
    title: str
    date: dt.date
    ordinal: int | None = None
    chair: str | None = None
    source: str = ""
    source_sha256: str = ""
    milestones: tuple[Milestone, ...] = ()
    imported_at: dt.datetime | None = None
    url: str | None = None  # the 정책브리핑 page of the release, when known
    venue: str | None = None
    attendees: tuple[str, ...] = ()  # official names of the attending ministries

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Meeting:
        d = cls._known(data)
        d["date"] = _date(d["date"])
        d["imported_at"] = _datetime(d.get("imported_at"))
        d["milestones"] = tuple(Milestone.from_dict(m) for m in d.get("milestones") or ())
        d["attendees"] = tuple(d.get("attendees") or ())
        return cls(**d)


@dataclass(frozen=True)
class Release:
    """What the parser reads from one press release, before the store numbers it."""

    meeting: Meeting
    items: tuple[AgendaItem, ...]
    warnings: tuple[str, ...] = ()  # what an admin should check, one Korean line each


@dataclass(frozen=True)
class Change(Record):
    """One entry of a follow-up's history."""

    at: dt.datetime
    by: str
    field: str
    old: Any
    new: Any

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        d = cls._known(data)
        d["at"] = _datetime(d["at"])
        return cls(**d)


@dataclass(frozen=True)
class FollowUp(Record):
    """A 후속조치: a task attached to an agenda item, owned by a ministry, with a due date."""

    id: str
    meeting: int
    item: int
    text: str
    owner: str
    due: dt.date
    status: FollowUpStatus = "open"
    note: str = ""
    created_by: str = ""
    created_at: dt.datetime | None = None
    updated_by: str = ""
    updated_at: dt.datetime | None = None
    history: tuple[Change, ...] = ()

    @property
    def item_ref(self) -> str:
        return f"{self.meeting}.{self.item}"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FollowUp:
        d = cls._known(data)
        d["due"] = _date(d["due"])
        d["created_at"] = _datetime(d.get("created_at"))
        d["updated_at"] = _datetime(d.get("updated_at"))
        d["history"] = tuple(Change.from_dict(c) for c in d.get("history") or ())
        return cls(**d)


@dataclass(frozen=True)
class Subscription(Record):
    """A chat or channel that gets the weekly digest.

    `key` identifies the chat across platforms: `telegram:-100123` or `slack:T1:C123`.
    """

    key: str
    platform: str
    chat_id: str
    team_id: str | None = None
    weekday: int = 0  # Monday
    time: str = "09:00"
    tz: str = "Asia/Seoul"
    horizon_days: int = 60
    ministries: tuple[str, ...] = ()
    language: str = "ko"
    quiet_when_empty: bool = False
    skip_holidays: bool = True  # a Korean public holiday moves the digest to the next workday
    created_by: str = ""
    created_at: dt.datetime | None = None
    paused: bool = False
    paused_reason: str = ""
    last_digest_at: dt.datetime | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subscription:
        d = cls._known(data)
        d["ministries"] = tuple(d.get("ministries") or ())
        d["created_at"] = _datetime(d.get("created_at"))
        d["last_digest_at"] = _datetime(d.get("last_digest_at"))
        return cls(**d)


@dataclass(frozen=True)
class Delivery(Record):
    """The outbox record that makes one subscription's digest for one week go out once."""

    subscription: str
    period: str  # ISO week, e.g. 2026-W48
    status: Literal["pending", "sending", "sent", "failed", "skipped"] = "pending"
    attempts: int = 0
    last_error: str = ""
    sent_at: dt.datetime | None = None
    claimed_at: dt.datetime | None = None
    message_ids: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Delivery:
        d = cls._known(data)
        d["sent_at"] = _datetime(d.get("sent_at"))
        d["claimed_at"] = _datetime(d.get("claimed_at"))
        d["message_ids"] = tuple(d.get("message_ids") or ())
        return cls(**d)


@dataclass(frozen=True)
class AuditEntry(Record):
    """Who changed what, when: old → new."""

    at: dt.datetime
    by: str
    action: str
    target: str
    old: Any = None
    new: Any = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditEntry:
        d = cls._known(data)
        d["at"] = _datetime(d["at"])
        return cls(**d)
