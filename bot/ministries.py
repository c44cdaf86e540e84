"""The one ministry table: every ministry name a user types or a press release prints is
resolved here, against the date it refers to (the October 2025 reorganisation renamed several).

The facts live in `data/ministries.toml`; this module only reads and matches them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from bot.config import configured_today
from bot.resources import data_path

_TITLE_SUFFIX = re.compile(r"(?:장차관|장관|차관|위원장|처장|청장|실장)$")
_SPACE = re.compile(r"\s+")
_HANGUL = "가-힣"


@dataclass(frozen=True)
class Ministry:
    """A government body under one name, valid from `since` to `until` (inclusive)."""

    name: str
    en: str = ""
    aliases: tuple[str, ...] = ()
    short: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    successors: tuple[str, ...] = ()

    def valid_on(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )

    @property
    def abbreviation(self) -> str:
        """The shortest name people use, for compact lists."""
        return min((self.name, *self.aliases), key=len)


@cache
def table() -> tuple[Ministry, ...]:
    """Load the table once per process."""
    with data_path("ministries.toml").open("rb") as f:
        raw = tomllib.load(f)
    return tuple(
        Ministry(
            name=m["name"],
            en=m.get("en", ""),
            aliases=tuple(m.get("aliases", ())),
            short=tuple(m.get("short", ())),
            since=m.get("since"),
            until=m.get("until"),
            successors=tuple(m.get("successors", ())),
        )
        for m in raw["ministry"]
    )


@cache
def _by_name() -> dict[str, Ministry]:
    return {m.name: m for m in table()}


@cache
def _index() -> dict[str, tuple[Ministry, ...]]:
    """Map every normalised name, alias and short form to the bodies it may mean."""
    index: dict[str, list[Ministry]] = {}
    for m in table():
        for key in {m.name, *m.aliases, *m.short}:
            index.setdefault(normalise(key), []).append(m)
    return {k: tuple(v) for k, v in index.items()}


def normalise(name: str) -> str:
    """Drop spaces, a trailing title (장관, 위원장 …) and a vice-minister digit."""
    name = _SPACE.sub("", name).strip("「」『』'\"‘’“”()[]")
    name = _TITLE_SUFFIX.sub("", name)
    return name.rstrip("0123456789")


def get(name: str) -> Ministry | None:
    """The body with exactly this official name."""
    return _by_name().get(name)


def current(ministry: Ministry, on: dt.date) -> Ministry:
    """Follow renamings forward until a name valid on `on` (the first successor of a split)."""
    seen = set()
    while not ministry.valid_on(on) and ministry.successors and ministry.name not in seen:
        seen.add(ministry.name)
        nxt = _by_name().get(ministry.successors[0])
        if nxt is None:
            break
        ministry = nxt
    return ministry


def resolve(name: str, on: dt.date) -> Ministry | None:
    """Resolve a name or abbreviation to the body it meant on `on`.

    Args:
        name: what the user or the text says: `중기부`, `중기`, `중소벤처기업부`, `산업부 장관`.
        on: the date the name refers to; `산업부` is 산업통상자원부 before 2025-10-01.

    Returns:
        The Ministry, or None when the name is unknown.
    """
    candidates = _index().get(normalise(name))
    if not candidates:
        return None
    for m in candidates:
        if m.valid_on(on):
            return m
    return current(candidates[0], on)


def suggest(name: str, n: int = 3, *, on: dt.date | None = None) -> list[str]:
    """Official names close to an unknown name, for a "did you mean" line: the names valid on
    `on` (default: today by the configured clock)."""
    key = normalise(name)
    index = _index()
    close = difflib.get_close_matches(key, index.keys(), n=n * 2, cutoff=0.5)
    if not close:
        close = [k for k in index if key and (key in k or k in key)]
    out: list[str] = []
    on = on or configured_today()
    for k in close:
        official = current(index[k][0], on).name
        if official not in out:
            out.append(official)
    return out[:n]


def lineage(name: str) -> frozenset[str]:
    """A body's official name with all its predecessors and successors."""
    by_name = _by_name()
    related = {name}
    changed = True
    while changed:
        changed = False
        for m in table():
            links = {m.name, *m.successors}
            if m.name in related and not links <= related:
                related |= links
                changed = True
            elif related & set(m.successors) and m.name not in related:
                related.add(m.name)
                changed = True
    return frozenset(n for n in related if n in by_name)


@cache
def _mention_pattern() -> re.Pattern[str]:
    """One regex matching any full name or alias, tolerant of spaces inside it."""
    keys = {k for m in table() for k in (m.name, *m.aliases)}

    def spaced(key: str) -> str:
        return r"\s?".join(re.escape(ch) for ch in key)

    alternation = "|".join(spaced(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"(?<![{_HANGUL}])(?:{alternation})")


# A ·-joined list of names before a title. It starts only where a run starts (not after a
# Hangul letter or a `·`): a match can only begin there anyway, and trying every position
# inside a long run with no title after it made this quadratic (12,000 characters: 10 s).
_LIST = re.compile(
    rf"(?<![{_HANGUL}·])(?<!·\s)"
    rf"((?:[{_HANGUL}]+\d?\s?·\s?)+[{_HANGUL}]+\d?)\s*(?:장차관|장관|차관|위원장|청장|처장)"
)


def find_in_text(text: str, on: dt.date) -> list[str]:
    """Official names (valid on `on`) of every body the text mentions, in order of appearance.

    Full names and aliases are matched anywhere that is not inside a longer Hangul word;
    bare short forms (`국방`, `산업`) only inside ·-joined attendee lists, where they cannot be
    ordinary words.
    """
    found: list[tuple[int, str]] = []
    for match in _mention_pattern().finditer(text):
        m = resolve(match.group(0), on)
        if m:
            found.append((match.start(), m.name))
    for match in _LIST.finditer(text):
        for offset, part in _split_list(match.group(1), match.start(1)):
            m = resolve(part, on)
            if m:
                found.append((offset, m.name))
    return _unique(name for _, name in sorted(found))


def _split_list(run: str, start: int) -> Iterable[tuple[int, str]]:
    pos = start
    for part in run.split("·"):
        yield pos, part
        pos += len(part) + 1


def _unique(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        if n not in out:
            out.append(n)
    return out
