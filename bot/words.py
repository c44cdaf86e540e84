"""The words users type, recognised by kind: weekdays, times of day, time zones, the holiday
flag, follow-up and milestone ids, follow-up statuses; and the particle that agrees with a word.

Each recogniser is a pure function that returns the value or None and never raises, so a
command can try a word as each kind in turn and take it as a ministry only when none fits.
`unknown` words the error for a word that is clearly of a kind but not a valid one (25시,
금욜일, Mars/Olympus); every command and the CLI use the same lines.
"""

from __future__ import annotations

import functools
import itertools
import re
import zoneinfo
from collections.abc import Callable, Sequence
from typing import TypeVar

import hangeul

T = TypeVar("T")

# -- weekdays ----------------------------------------------------------------------------

# Every spelling of each day, Monday first (index = `datetime.date.weekday()`). English
# names are also understood by any prefix of three letters or more (tues, thur, frid).
WEEKDAY_SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("월", "월요일", "월욜", "monday"),
    ("화", "화요일", "화욜", "tuesday"),
    ("수", "수요일", "수욜", "wednesday"),
    ("목", "목요일", "목욜", "thursday"),
    ("금", "금요일", "금욜", "friday"),
    ("토", "토요일", "토욜", "saturday"),
    ("일", "일요일", "일욜", "sunday"),
)
WEEKDAYS: dict[str, int] = {
    spelling: day for day, spellings in enumerate(WEEKDAY_SPELLINGS) for spelling in spellings
}
_ENGLISH_DAYS = tuple(spellings[-1] for spellings in WEEKDAY_SPELLINGS)


def parse_weekday(word: str) -> int | None:
    """월, 월요일, 월욜, mon, Mon., monday, Tues → 0 … 6 (Monday is 0); anything else None."""
    w = word.strip().lower().rstrip(".")
    if w in WEEKDAYS:
        return WEEKDAYS[w]
    if len(w) >= 3:
        for day, name in enumerate(_ENGLISH_DAYS):
            if name.startswith(w):
                return day
    return None


def looks_like_weekday(word: str) -> bool:
    """A word meant as a weekday (금요일, 금욜일, 월요일마다), valid or not."""
    return "요일" in word or "욜" in word


# -- times of day ------------------------------------------------------------------------

# 9시, 9시 30분, 9시30분, 9시 반, 오전 9시, 오후 5시 30분
_KO_TIME = re.compile(r"(?:(오전|오후)\s*)?([0-9]{1,2})\s*시(?:\s*(?:([0-9]{1,2})\s*분|(반)))?")
# 9:00, 09:00, 오후 5:30
_COLON_TIME = re.compile(r"(?:(오전|오후)\s*)?([0-9]{1,2}):([0-9]{2})")
# 9am, 9 AM, 5:30pm, 5 p.m.
_AMPM_TIME = re.compile(r"([0-9]{1,2})(?::([0-9]{2}))?\s*([ap])\.?m\.?", re.IGNORECASE)
_NAMED_TIMES = {"정오": "12:00", "자정": "00:00"}
_TIME_LIKE = re.compile(r"^(?:오전|오후)|[0-9]\s*(?:시|분|:|[ap]\.?m)|^(?:정오|자정)$", re.I)


def parse_time(text: str) -> str | None:
    """A time of day as HH:MM, from one word or a phrase of several.

    09:00, 9:00, 9시, 9시 30분 (or 9시30분), 9시 반, 오전 9시, 오후 5시 → 17:00, 오후 12시 →
    12:00, 오전 12시 → 00:00, 정오, 자정, 9am, 5:30pm. Anything else, or an hour or minute
    that does not exist (25시, 9:75, 오후 13시), is None.
    """
    value = " ".join(text.split())
    if value in _NAMED_TIMES:
        return _NAMED_TIMES[value]
    if m := _KO_TIME.fullmatch(value):
        minute = 30 if m[4] else int(m[3] or 0)
        return _hhmm(m[1], int(m[2]), minute)
    if m := _COLON_TIME.fullmatch(value):
        return _hhmm(m[1], int(m[2]), int(m[3]))
    if m := _AMPM_TIME.fullmatch(value):
        return _hhmm("오전" if m[3].lower() == "a" else "오후", int(m[1]), int(m[2] or 0))
    return None


def _hhmm(half: str | None, hour: int, minute: int) -> str | None:
    """HH:MM of an hour on the 24-hour clock, or of 오전/오후 and an hour 0–12."""
    if half is not None:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if half == "오후" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def looks_like_time(word: str) -> bool:
    """A word meant as a time of day (25시, 9:75, 오후, 30분), valid or not."""
    return bool(_TIME_LIKE.search(word.strip()))


# -- time zones --------------------------------------------------------------------------

_ZONE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*")


@functools.cache
def _zones() -> dict[str, str]:
    """Every IANA zone zoneinfo knows, by its lower-case name (loaded on first use)."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_tz(word: str) -> str | None:
    """An IANA time zone, in its own spelling: asia/seoul → Asia/Seoul, UTC; else None."""
    w = word.strip()
    if not _ZONE_WORD.fullmatch(w):
        return None
    return _zones().get(w.lower())


def looks_like_tz(word: str) -> bool:
    """A word meant as a time zone (Mars/Olympus), valid or not."""
    return "/" in word


# -- the holiday flag of /subscribe ------------------------------------------------------

# Send the digest on public holidays too (by default it moves to the next workday).
HOLIDAYS_TOO = frozenset(
    {"휴일포함", "공휴일포함", "휴일도", "공휴일도", "휴일에도", "공휴일에도", "holidays"}
)


def parse_holidays_flag(text: str) -> bool | None:
    """True for 휴일포함, 공휴일 포함, 휴일에도, holidays …; else None."""
    return True if "".join(text.split()).lower() in HOLIDAYS_TOO else None


# -- ids ---------------------------------------------------------------------------------

_FOLLOWUP_ID = re.compile(r"[Ff]([0-9]{1,9})")
_MILESTONE_ID = re.compile(r"[Mm]([0-9]{1,9})")


def parse_followup_id(word: str) -> str | None:
    """F1, f1, F01 → "F1"; else None."""
    m = _FOLLOWUP_ID.fullmatch(word.strip())
    return f"F{int(m[1])}" if m else None


def parse_milestone_id(word: str) -> str | None:
    """M1, m1, M01 → "M1"; else None."""
    m = _MILESTONE_ID.fullmatch(word.strip())
    return f"M{int(m[1])}" if m else None


# -- follow-up statuses ------------------------------------------------------------------

ALL = "all"  # not a status: a list filter meaning every status
STATUSES: dict[str, str] = {
    "open": "open", "진행": "open", "진행중": "open",
    "done": "done", "완료": "done",
    "cancelled": "cancelled", "canceled": "cancelled", "cancel": "cancelled", "취소": "cancelled",
    "all": ALL, "전체": ALL, "모두": ALL,
}  # fmt: skip


def parse_status(word: str) -> str | None:
    """open/진행 → open, done/완료 → done, cancelled/cancel/취소 → cancelled, all/전체 → all."""
    return STATUSES.get(word.strip().lower())


# -- words of several kinds --------------------------------------------------------------

UNKNOWN = {
    "weekday": "요일을 알 수 없습니다",
    "time": "시각을 알 수 없습니다",
    "tz": "시간대를 알 수 없습니다",
}


def unknown(kind: str, word: str) -> str:
    """The one-line error for a word of `kind` that is not a valid one: 요일을 알 수 없습니다: xyz."""
    return f"{UNKNOWN[kind]}: {word[:40]}"


def misread(words: Sequence[str]) -> str | None:
    """The error for the first of `words` when it is clearly a weekday, time or time zone but
    no valid one (so it must not be taken as, say, a ministry); None for any other word.

    A time shows the words of it that follow too: 시각을 알 수 없습니다: 오후 13시.
    """
    if not words:
        return None
    word = words[0]
    if looks_like_weekday(word):
        return unknown("weekday", word)
    if looks_like_time(word):
        phrase = itertools.takewhile(looks_like_time, words)
        return unknown("time", " ".join(phrase))
    if word.isascii() and word.isdigit():  # a bare hour (9): say how to write a time
        return unknown("time", word)
    if looks_like_tz(word):
        return unknown("tz", word)
    return None


def longest(
    words: Sequence[str], read: Callable[[str], T | None], most: int = 5
) -> tuple[T, int] | None:
    """The value of the longest run of words at the start of `words` (at most `most`) that
    `read` recognises, and how many words it took: (오전, 9시, 중기부) → ("09:00", 2)."""
    for n in range(min(most, len(words)), 0, -1):
        value = read(" ".join(words[:n]))
        if value is not None:
            return value, n
    return None


# -- particles ---------------------------------------------------------------------------

_CLOSERS = "'\"’”」』》〉]"


def with_particle(word: str, pair: str) -> str:
    """`word` and the form of `pair` that agrees with how it is read aloud.

    `pair` is one of 은/는, 이/가, 을/를, 와/과, (으)로 as "으로/로", …: 회의를, 부처를,
    과기정통부를, 중기청을, F1을 (일), 3을 (삼), 2를 (이), M7을 (칠), AI를 (아이), F1로.
    Digits are read as Sino-Korean numbers, upper-case letters by their names, and so are
    short lower-case words, taken as abbreviations (url → 유알엘은); a closing quote or bracket
    at the end is passed over, as is a final "(…)".
    """
    spoken = word.rstrip(_CLOSERS) or word
    if len(spoken) <= 4 and spoken.isascii() and spoken.isalpha():
        spoken = spoken.upper()
    return word + hangeul.get_josa(spoken, pair)
