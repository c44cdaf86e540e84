"""The domain: meetings, agenda items, milestones, follow-ups, subscriptions and deliveries.

Plain frozen dataclasses with `to_dict`/`from_dict` so the store can keep them as JSON and
every other module can pass them around without knowing how they are stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from types import UnionType
from typing import Any, Literal, Self, Union, cast, get_args, get_origin, get_type_hints

Precision = Literal["day", "month", "quarter", "half", "year"]
MilestoneKind = Literal["deadline", "start", "event"]
Decision = Literal["심의·의결", "의결", "보고", "서면보고", "논의", "토론", "발표"]
FollowUpStatus = Literal["open", "done", "cancelled"]
MilestoneStatus = Literal["planned", "done", "delayed", "dropped"]

FOLLOWUP_STATUSES: tuple[str, ...] = ("open", "done", "cancelled")
STATUS_KO = {"open": "진행", "done": "완료", "cancelled": "취소"}
MILESTONE_STATUSES: tuple[str, ...] = ("planned", "done", "delayed", "dropped")
MILESTONE_STATUS_KO = {"planned": "예정", "done": "완료", "delayed": "지연", "dropped": "취소"}
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
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The record from its JSON form (`to_dict`'s output, or an older row).

        Keys the class does not know are ignored (old rows may carry removed fields); missing
        keys of fields with a default take the default; a missing required field is a
        TypeError. Values are converted as the field's type says: see `_reader`.
        """
        try:
            read = _READERS[cls]
        except KeyError:
            read = _READERS[cls] = _reader(cls)
        return cast(Self, read(data))


# -- reading records from JSON ---------------------------------------------------------------
#
# `from_dict` runs on hot paths (a digest tick reads tens of thousands of follow-ups), so each
# class gets a reader compiled once from its fields and type hints, as `dataclasses` compiles
# `__init__`: straight-line code, dates and tuples converted inline, one call of the class.

_READERS: dict[type, Callable[[Mapping[str, Any]], Any]] = {}
_AS_IS = (str, int, float, bool, list, dict, type(None))


def _reader(cls: type) -> Callable[[Mapping[str, Any]], Any]:
    """Compile the function that makes a `cls` from its JSON dict.

    For FollowUp it reads, in part:

        def read(data):
            try:
                f_id = data['id']
                f_due = data['due']
            except KeyError as e:
                raise TypeError(...) from None
            if f_due is not None and not isinstance(f_due, date): f_due = date.fromisoformat(f_due)
            if 'history' in data:
                f_history = data['history']
                f_history = tuple(map(each_history, f_history)) if f_history else ()
            else:
                f_history = default_history
            return cls(f_id, f_meeting, f_item, f_text, f_owner, f_due, ..., f_history)
    """
    hints = get_type_hints(cls)
    env: dict[str, Any] = {"cls": cls, "date": dt.date, "datetime": dt.datetime}
    required, after, arguments = [], [], []
    for f in fields(cls):
        if not f.init:
            continue  # not an argument of __init__, which gives it its value
        name, key = f.name, repr(f.name)
        arguments.append(f"{name}=f_{name}" if f.kw_only else f"f_{name}")
        convert = _conversion(hints[name], f"{cls.__name__}.{name}", name, env)
        if convert is not None:
            convert = convert.format(v=f"f_{name}")
        if f.default is MISSING and f.default_factory is MISSING:
            required.append(f"        f_{name} = data[{key}]")
            if convert is not None:
                after.append(f"    {convert}")
            continue
        if f.default is not MISSING:
            env[f"default_{name}"] = f.default
            otherwise = f"default_{name}"
        else:
            env[f"factory_{name}"] = f.default_factory
            otherwise = f"factory_{name}()"
        if convert is None:
            after.append(f"    f_{name} = data[{key}] if {key} in data else {otherwise}")
        else:
            after += [
                f"    if {key} in data:",
                f"        f_{name} = data[{key}]",
                f"        {convert}",
                "    else:",
                f"        f_{name} = {otherwise}",
            ]
    missing = (
        "        raise TypeError(f'{cls.__name__}.from_dict: no {e} in {sorted(data)}') from None"
    )
    source = "\n".join(
        [
            "def read(data):",
            *(["    try:", *required, "    except KeyError as e:", missing] if required else []),
            *after,
            f"    return cls({', '.join(arguments)})",
        ]
    )
    exec(compile(source, f"<{cls.__name__}.from_dict>", "exec"), env)
    read: Callable[[Mapping[str, Any]], Any] = env["read"]
    return read


_PARSE = {
    dt.datetime: "if {v} is not None and not isinstance({v}, datetime): {v} = datetime.fromisoformat({v})",
    dt.date: "if {v} is not None and not isinstance({v}, date): {v} = date.fromisoformat({v})",
}


def _conversion(hint: Any, where: str, name: str, env: dict[str, Any]) -> str | None:
    """The statement that turns the JSON value in the variable `{v}` into a value of type `hint`
    (None: taken as it is), inlined for dates and tuples; what it calls goes into `env`."""
    hint = _required(hint)
    element = _element(hint)
    if hint in _PARSE:
        return _PARSE[hint]
    if element is not None:
        each = _converter(element, where)
        if each is None:
            return "{v} = tuple({v}) if {v} else ()"
        env[f"each_{name}"] = each
        return f"{{v}} = tuple(map(each_{name}, {{v}})) if {{v}} else ()"
    convert = _converter(hint, where)
    if convert is None:
        return None
    env[f"convert_{name}"] = convert
    return f"{{v}} = convert_{name}({{v}})"


def _converter(hint: Any, where: str) -> Callable[[Any], Any] | None:
    """What turns a JSON value into a value of type `hint`; None when it is taken as it is.

    Every converter lets None through (a tuple reads None as empty), so `X | None` converts
    like `X`; a union of several types is taken as it is.
    """
    hint = _required(hint)
    element = _element(hint)
    origin = get_origin(hint)
    if hint is Any or hint in _AS_IS or origin in (Literal, list, dict, Union, UnionType):
        return None
    if element is not None:
        each = _converter(element, where)
        return (lambda v: tuple(v or ())) if each is None else (lambda v: tuple(map(each, v or ())))
    if isinstance(hint, type) and issubclass(hint, Record):
        record = hint
        return lambda v: None if v is None else record.from_dict(v)
    parse = {dt.datetime: _datetime, dt.date: _date}.get(hint)
    if parse is None:
        raise TypeError(f"{where}: cannot read a {hint!r} from JSON")
    return parse


def _required(hint: Any) -> Any:
    """`X` for `X | None`; any other hint as it is."""
    options = [a for a in get_args(hint) if a is not type(None)]
    if get_origin(hint) in (Union, UnionType) and len(options) == 1:
        return options[0]
    return hint


def _element(hint: Any) -> Any:
    """`X` for `tuple[X, ...]`, else None."""
    args = get_args(hint)
    if get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


@dataclass(frozen=True)
class Milestone(Record):
    """A dated commitment, kept with the exact phrase it came from.

    The store gives each milestone of an item a stable `id` (M1, M2, …) and keeps its life
    cycle: `status` with who set it, when and why; a delayed one keeps its first date in
    `original_date` while `date` is the new one. Rows written before these fields existed read
    with the defaults (no id until the store's first write assigns them).
    """

    text: str
    date: dt.date
    precision: Precision
    kind: MilestoneKind
    past: bool
    id: str = ""
    status: MilestoneStatus = "planned"
    status_by: str = ""
    status_at: dt.datetime | None = None
    note: str = ""
    original_date: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        """As stored; life-cycle fields left at their defaults are left out (a parsed
        milestone's JSON stays as the parser prints it)."""
        data = super().to_dict()
        for name, default in _MILESTONE_DEFAULTS.items():
            if data.get(name, default) == default:
                data.pop(name, None)
        return data

    @property
    def closed(self) -> bool:
        """Done or dropped: no longer a deadline to watch."""
        return self.status in ("done", "dropped")

    @property
    def status_ko(self) -> str:
        return MILESTONE_STATUS_KO.get(self.status, self.status)


_MILESTONE_DEFAULTS: dict[str, Any] = {
    "id": "", "status": "planned", "status_by": "", "status_at": None, "note": "",
    "original_date": None,
}  # fmt: skip


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


@dataclass(frozen=True)
class Release(Record):
    """What the parser reads from one press release, before the store numbers it."""

    meeting: Meeting
    items: tuple[AgendaItem, ...]
    warnings: tuple[str, ...] = ()  # what an admin should check, one Korean line each


@dataclass(frozen=True)
class Proposal(Record):
    """A meeting the press-release watcher read and proposes, waiting in the store for an
    admin's 저장 or 무시 (`/import save|ignore TOKEN`): kept there, not in memory, so a
    restart or a slow admin loses nothing."""

    token: str
    release: Release
    news: dict[str, str]  # the 정책브리핑 releases it was read from: NewsItemId → content hash
    proposed_at: dt.datetime
    revision: bool = False  # a release was seen before with other content
    posted: bool = False  # the preview reached the admin chat


@dataclass(frozen=True)
class Change(Record):
    """One entry of a follow-up's history."""

    at: dt.datetime
    by: str
    field: str
    old: Any
    new: Any


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

    @property
    def closed_at(self) -> dt.datetime | None:
        """When it was done: its last status change to done, else its last update (naive
        times, from old rows, read as UTC). None unless its status is done."""
        if self.status != "done":
            return None
        at = next(
            (c.at for c in reversed(self.history) if c.field == "status" and c.new == "done"),
            self.updated_at,
        )
        return at.replace(tzinfo=dt.UTC) if at is not None and at.tzinfo is None else at


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
    quiet_when_empty: bool = False
    skip_holidays: bool = True  # a Korean public holiday moves the digest to the next workday
    created_by: str = ""
    created_at: dt.datetime | None = None
    paused: bool = False
    paused_reason: str = ""
    last_digest_at: dt.datetime | None = None


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


@dataclass(frozen=True)
class Admin(Record):
    """An admin added in chat (`/admin add`); admins from the environment are owners."""

    platform: str
    user_id: str
    added_by: str = ""
    added_at: dt.datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class AuditEntry(Record):
    """Who changed what, when: old → new.

    An undoable entry also names the row it changed (`table`, `key`) with the whole row
    `before` and `after` (None: absent), and the `change` set it belongs to: the several rows
    one command writes are undone together. Entries written before these fields existed (and
    imports) carry only action, target, old and new.
    """

    at: dt.datetime
    by: str
    action: str
    target: str
    old: Any = None
    new: Any = None
    change: str = ""
    table: str = ""
    key: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    undoes: str = ""  # the change set this entry's change set reverted

    @property
    def undoable(self) -> bool:
        return bool(self.change and self.table)
