"""A meeting as a file: the shape `agendabot parse --json` prints, both ways.

    parse --json / export  ──►  JSON or YAML text  ──►  (edited by hand)  ──►  import

`release_from_data` accepts exactly the shape `bot.reading.release_to_json` produces: keys it
does not know are ignored (`warnings`, or notes an admin adds), optional keys may be missing,
and every value is checked, the first wrong one refused with one Korean line naming the
field and where it is ("안건 3 일정 2의 date: 날짜는 YYYY-MM-DD 형식이어야 합니다: '2026-13-01'").
`meeting_to_data` gives the same shape for a stored meeting, plus its store number
(`meeting.number`), so an edited export updates that meeting even when its title or date
changed. Items carry no `body` (the release text of the item): the importer keeps a stored
item's body when the item is still there.

The source hash of an exchange file (`Meeting.source_sha256`) is `content_sha256`: the hash
of the content in canonical form (sorted keys, no whitespace; without the store number, the
parser's warnings and the hash itself), not of the file's bytes. Re-indenting a file, moving
keys, turning JSON into YAML or dropping a key that holds its default changes nothing; the
same content again is "unchanged".

Input is bounded: files over `MAX_BYTES` are refused before they are read, and YAML anchors
and aliases (the "billion laughs" shape, where a few lines stand for millions of values) are
refused; `yaml.safe_load` builds nothing but plain data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
    Literal,
    NoReturn,
    get_args,
    get_origin,
    get_type_hints,
)

import orjson
import yaml

from bot import ministries
from bot.errors import ParseError, UsageError
from bot.model import AgendaItem, Decision, Meeting, Milestone, MilestoneKind, Precision, Release
from bot.reading import release_to_json
from bot.reading.formats import file_bytes

if TYPE_CHECKING:
    from bot.store import Store

MAX_BYTES: Final = 2 * 1024 * 1024  # a meeting with 100 items and long summaries is ~200 KB
FORMATS: Final = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}  # suffix → format
DECISIONS: Final[tuple[str, ...]] = get_args(Decision)
PRECISIONS: Final[tuple[str, ...]] = get_args(Precision)
KINDS: Final[tuple[str, ...]] = get_args(MilestoneKind)
_CORE: Final = ("text", "date", "precision", "kind", "past")  # a milestone as a release says it
USAGE: Final = (
    "agendabot export 회의번호 [--format json|yaml] [-o 파일], agendabot import 파일.json|.yaml"
)

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "content_sha256",
    "dump",
    "format_of",
    "load",
    "meeting_number",
    "meeting_to_data",
    "read_bytes",
    "read_file",
    "release_from_data",
]


# -- files and text ----------------------------------------------------------------------------


def format_of(path: Path | str) -> str | None:
    """`json` or `yaml` for an exchange file name, None for anything else (a press release)."""
    return FORMATS.get(Path(path).suffix.lower())


def read_file(path: Path | str) -> Mapping[str, Any]:
    """The data of a `.json`, `.yaml` or `.yml` file, checked for size and syntax (not yet
    for its fields: see `release_from_data`).

    Raises:
        UsageError: missing, unreadable, too big, not UTF-8, invalid syntax, not a mapping.
    """
    path = Path(path)
    fmt = format_of(path)
    if fmt is None:
        raise UsageError(f"{path}: .json, .yaml, .yml 파일이 아닙니다.", USAGE)
    # A regular file of bounded size only: a FIFO or device named `x.json` is refused from
    # `stat` without being opened (opening a FIFO would wait forever).
    try:
        raw = file_bytes(path)
    except ParseError as e:
        raise UsageError(e.message) from None
    if len(raw) > MAX_BYTES:
        _too_big(str(path))
    return read_bytes(raw, fmt, label=str(path))


def read_bytes(raw: bytes, fmt: str, *, label: str = "파일") -> Mapping[str, Any]:
    """`read_file` for bytes already in memory (a file sent in chat)."""
    if len(raw) > MAX_BYTES:
        _too_big(label)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{label}: UTF-8 텍스트가 아닙니다({exc.start}번째 바이트). UTF-8로 저장해 주세요."
        ) from None
    data = load(text, fmt, label=label)
    if not isinstance(data, Mapping):
        raise UsageError(
            f"{label}: 회의 하나를 담은 객체(meeting, agenda)여야 합니다: {_shown(data)}", USAGE
        )
    return data


def load(text: str, fmt: str, *, label: str = "파일") -> Any:
    """JSON or YAML text → plain data (dicts, lists, strings, numbers, booleans, None).

    YAML is read with a safe loader that leaves dates as text (so a wrong date gets the same
    message as in JSON) and refuses anchors and aliases.

    Raises:
        UsageError: the text is too long or not valid JSON/YAML; the line is named when the
            library knows it.
    """
    if len(text) > MAX_BYTES:
        _too_big(label)
    try:
        if fmt == "json":
            return _storable(json.loads(text), label)
        if fmt == "yaml":
            data = yaml.load(text, Loader=_Loader)  # a SafeLoader: plain data only
            _refuse_aliases(data, label)
            return _storable(data, label)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{label}: JSON을 읽을 수 없습니다({exc.lineno}번째 줄 {exc.colno}번째 글자): {exc.msg}"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"({mark.line + 1}번째 줄 {mark.column + 1}번째 글자)" if mark else ""
        raise UsageError(
            f"{label}: YAML을 읽을 수 없습니다{where}: {exc.problem or exc.context}"
        ) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise UsageError(f"{label}: YAML을 읽을 수 없습니다: {exc}") from None
    except RecursionError:
        raise UsageError(f"{label}: 너무 깊이 중첩된 데이터입니다.") from None
    raise UsageError(f"형식은 json 또는 yaml입니다: {fmt!r}", USAGE)


def dump(data: Mapping[str, Any], fmt: str) -> str:
    """Data → JSON (as `parse --json` prints it) or block-style YAML, keys in their order."""
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        return yaml.dump(
            data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False
        )
    raise UsageError(f"형식은 json 또는 yaml입니다: {fmt!r}", USAGE)


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """safe_load, with dates left as text: `release_from_data` reads and checks them."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


class _Dumper(yaml.SafeDumper):
    """safe_dump that never writes anchors or aliases (which `load` refuses)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _refuse_aliases(data: Any, label: str) -> None:
    """An alias makes the loader hand out one object in several places: refuse any list or
    mapping met twice. Each object is visited once, so a billion laughs costs nothing."""
    seen: set[int] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if not isinstance(node, list | dict):
            continue
        if id(node) in seen:
            raise UsageError(
                f"{label}: YAML 앵커·별칭(&, *)은 쓸 수 없습니다. 값을 그대로 적어 주세요."
            )
        seen.add(id(node))
        stack.extend(node.values() if isinstance(node, dict) else node)


_INT_RANGE: Final = range(-(2**63), 2**63)  # what the store's JSON writer (orjson) takes


def _storable(data: Any, label: str) -> Any:
    """`data` if the store can write every value of it, else one Korean line naming a value
    that it cannot: an integer beyond 64 bits (`"ordinal": 100000000000000000000`) or text with a
    lone surrogate (`"\\ud800"`), which JSON and YAML accept and orjson refuses. Checked
    here, where the file is still named, instead of failing as a bug inside the write."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((f"{where}.{k}" if where else str(k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{where}[{n}]", v) for n, v in enumerate(node))
        elif isinstance(node, int) and node not in _INT_RANGE:
            raise UsageError(f"{label}: {where or '값'}: 정수가 너무 큽니다(64비트 범위 밖).")
        elif isinstance(node, str) and not node.isascii() and not _utf8(node):
            raise UsageError(
                f"{label}: {where or '값'}: 글자로 쓸 수 없는 문자(짝 없는 서로게이트)가 있습니다."
            )
    return data


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _too_big(label: str) -> NoReturn:
    raise UsageError(f"{label}: 파일이 너무 큽니다(최대 {MAX_BYTES // 2**20}MB).")


# -- data ⇄ release ----------------------------------------------------------------------------


def release_from_data(data: Mapping[str, Any]) -> Release:
    """The release in exchange data (see the module's docstring); its meeting has number 0
    (the store numbers it) and `source_sha256` = `content_sha256`.

    Raises:
        UsageError: one Korean line naming the first wrong field and its meeting or item.
    """
    top = _Fields(data, "파일")
    head = _Fields(top.required("meeting"), "회의")
    meeting_date = head.date("date")
    agenda = top.records("agenda", required=True)
    if not agenda:
        top.fail("agenda", "안건이 하나도 없습니다")
    items = tuple(
        _item(_Fields(entry, f"안건 {position}"), position, meeting_date)
        for position, entry in enumerate(agenda, 1)
    )
    _check_numbers(items)
    meeting = Meeting(
        number=0,
        title=head.text("title", required=True),
        date=meeting_date,
        ordinal=head.positive("ordinal"),
        chair=head.optional_text("chair"),
        venue=head.optional_text("venue"),
        attendees=head.ministries("attendees", meeting_date),
        source=head.text("source"),
        url=head.optional_text("url"),
        milestones=_milestones(top, "meeting_milestones", "회의 일정", meeting_date),
    )
    release = Release(meeting=meeting, items=items)
    meeting_number(data)  # checked here too, so one call validates every field
    return Release(
        meeting=meeting.evolve(source_sha256=content_sha256(release)), items=release.items
    )


def meeting_number(data: Mapping[str, Any]) -> int | None:
    """The store number an export carries (`meeting.number`), or None for a new meeting."""
    head = data.get("meeting")
    return _Fields(head, "회의").positive("number") if isinstance(head, Mapping) else None


def meeting_to_data(store: Store, number: int) -> dict[str, Any]:
    """A stored meeting in the shape `parse --json` prints, with its store number.

    Raises:
        NotFound: no meeting has that number.
    """
    meeting = store.meeting(number)
    data = release_to_json(Release(meeting=meeting, items=tuple(store.items(number))))
    data["meeting"] = {"number": meeting.number, **data["meeting"]}
    del data["warnings"]  # the parser's notes, not the meeting's
    return data


def content_sha256(release: Release) -> str:
    """The hash of what a release says: canonical JSON (sorted keys, no spaces) of its
    exchange data without the store number, the warnings, the hash itself and the store's
    life cycle of its milestones (kept by the store across imports): a file's layout, or
    its format, does not count."""
    data = release_to_json(release)
    del data["meeting"]["source_sha256"], data["warnings"]
    for stones in (data["meeting_milestones"], *(i["milestones"] for i in data["agenda"])):
        stones[:] = [{k: v for k, v in m.items() if k in _CORE} for m in stones]
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _item(fields: _Fields, position: int, on: dt.date) -> AgendaItem:
    lead = fields.ministry("lead_ministry", on)
    return AgendaItem(
        meeting=0,
        number=fields.positive("number") or position,
        title=fields.text("title", required=True),
        decision=fields.choice("decision", DECISIONS, None),
        lead_ministry=lead,
        ministries=fields.ministries("ministries", on),
        summary=fields.text("summary"),
        key_points=fields.texts("key_points"),
        milestones=_milestones(fields, "milestones", f"{fields.where} 일정", on),
    )


def _milestones(fields: _Fields, key: str, where: str, on: dt.date) -> tuple[Milestone, ...]:
    out = []
    for position, entry in enumerate(fields.records(key), 1):
        one = _Fields(entry, f"{where} {position}")
        date = one.date("date")
        out.append(
            Milestone(
                text=one.text("text", required=True),
                date=date,
                precision=one.choice("precision", PRECISIONS, "day") or "day",  # type: ignore[arg-type]
                kind=one.choice("kind", KINDS, "deadline") or "deadline",  # type: ignore[arg-type]
                past=one.flag("past", default=date < on),
                **_life_cycle(one),
            )
        )
    return tuple(out)


def _life_cycle(one: _Fields) -> dict[str, Any]:
    """The store's state of a milestone beyond what a release says (status, who set it,
    note, first date …) as an export carries it, each value checked by its type. Its `id`
    is left out: ids belong to the database that gave them (the store keeps or assigns)."""
    out: dict[str, Any] = {}
    for name, hint in _milestone_hints().items():
        if name not in _CORE and name != "id" and one.data.get(name) is not None:
            out[name] = one.typed(name, hint)
    return out


@functools.cache
def _milestone_hints() -> dict[str, Any]:
    return {f.name: get_type_hints(Milestone)[f.name] for f in dataclasses.fields(Milestone)}


def _check_numbers(items: tuple[AgendaItem, ...]) -> None:
    seen: dict[int, int] = {}
    for position, item in enumerate(items, 1):
        if item.number in seen:
            raise UsageError(
                f"안건 {position}의 number: 안건 {seen[item.number]}의 번호와 같습니다: {item.number}"
            )
        seen[item.number] = position


_MISSING: Final = object()


class _Fields:
    """One mapping of the file and where it is ("안건 3"); each getter checks one value."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise UsageError(f"{where}: 이름: 값의 묶음(객체)이어야 합니다: {_shown(data)}", USAGE)
        self.data: Mapping[Any, Any] = data
        self.where = where

    def fail(self, key: str, problem: str, value: object = _MISSING) -> NoReturn:
        shown = "" if value is _MISSING else f": {_shown(value)}"
        raise UsageError(f"{self.where}의 {key}: {problem}{shown}")

    def required(self, key: str) -> Any:
        value = self.data.get(key)
        if value is None:
            self.fail(key, "빠졌습니다")
        return value

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            return self.fail(key, "빠졌습니다") if required else ""
        if not isinstance(value, str):
            self.fail(key, "글자여야 합니다", value)
        if required and not value.strip():
            self.fail(key, "비어 있습니다")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            self.fail(key, "글자 또는 null이어야 합니다", value)
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.data.get(key)
        if values is None:
            return ()
        if not isinstance(values, list):
            self.fail(key, "글자의 목록이어야 합니다", values)
        for n, value in enumerate(values, 1):
            if not isinstance(value, str):
                self.fail(key, f"{n}번째 값이 글자가 아닙니다", value)
        return tuple(values)

    def positive(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(key, "1 이상의 정수여야 합니다", value)
        return value

    def flag(self, key: str, *, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "true 또는 false여야 합니다", value)
        return value

    def date(self, key: str) -> dt.date:
        value = self.data.get(key)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value  # from a Python caller; YAML dates are read as text
        if value is None:
            self.fail(key, "빠졌습니다")
        try:
            if isinstance(value, str) and _iso(value):
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        self.fail(key, "날짜는 YYYY-MM-DD 형식이어야 합니다", value)

    def typed(self, key: str, hint: Any) -> Any:
        """A value checked against a field's type hint: text, date, time, flag or choice."""
        options = [a for a in get_args(hint) if a is not type(None)]
        kind = options[0] if len(options) == 1 and get_origin(hint) is not Literal else hint
        if kind is str:
            return self.text(key)
        if kind is dt.date:
            return self.date(key)
        if kind is dt.datetime:
            return self.moment(key)
        if kind is bool:
            return self.flag(key, default=False)
        if get_origin(kind) is Literal:
            return self.choice(key, get_args(kind), None)
        return self.data[key]  # a type this reader does not know yet: as it is

    def moment(self, key: str) -> dt.datetime:
        value = self.data.get(key)
        if isinstance(value, dt.datetime):
            return value
        try:
            if isinstance(value, str) and len(value) >= 16:
                return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        self.fail(key, "시각은 YYYY-MM-DDTHH:MM:SS+09:00 형식이어야 합니다", value)

    def choice(self, key: str, options: tuple[str, ...], default: str | None) -> str | None:
        value = self.data.get(key, default)
        if value is not None and value not in options:
            self.fail(key, f"{', '.join(options)} 중 하나여야 합니다", value)
        return value if value is None else str(value)

    def records(self, key: str, *, required: bool = False) -> list[Any]:
        values = self.data.get(key)
        if values is None and required:
            self.fail(key, "안건 목록이 없습니다")
        if values is not None and not isinstance(values, list):
            self.fail(key, "목록이어야 합니다", values)
        return values or []

    def ministry(self, key: str, on: dt.date) -> str | None:
        name = self.optional_text(key)
        return None if name is None else self._official(key, name, on)

    def ministries(self, key: str, on: dt.date) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self._official(key, name, on) for name in self.texts(key)))

    def _official(self, key: str, name: str, on: dt.date) -> str:
        """The official name on the meeting date (`중기부` → 중소벤처기업부)."""
        found = ministries.resolve(name, on)
        if found is None:
            close = ministries.suggest(name, on=on)
            hint = f" 혹시 {', '.join(close)}?" if close else ""
            raise UsageError(f"{self.where}의 {key}: 알 수 없는 부처입니다: '{name}'.{hint}")
        return found.name


def _iso(value: str) -> bool:
    """`YYYY-MM-DD` exactly (fromisoformat alone also takes 20261201 and 2026-W48-1)."""
    return len(value) == 10 and value[4] == value[7] == "-"


def _shown(value: object) -> str:
    """A value as it looks in the file, cut short."""
    if isinstance(value, Mapping):
        return "객체 {…}"
    if isinstance(value, list):
        return "목록 […]"
    if isinstance(value, str):
        return f"'{value if len(value) <= 40 else value[:40] + '…'}'"
    return json.dumps(value, ensure_ascii=False, default=str)
