"""Due dates typed by users (`/followup add 3 12월 15일 …`): full or year-less, Korean or
numeric, or relative to today (내일, 다음 주 금요일, 이번 달 말, 12월 초)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable

from bot import words

_DUE_FULL = re.compile(r"([0-9]{4})\s*([-./])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})\s*\.?")
_DUE_FULL_KO = re.compile(r"([0-9]{4})\s*년\s*([0-9]{1,2})\s*월\s*([0-9]{1,2})\s*일?")
_DUE_SHORT = re.compile(r"([0-9]{1,2})\s*[-./]\s*([0-9]{1,2})\s*\.?")
_DUE_SHORT_KO = re.compile(r"([0-9]{1,2})\s*월\s*([0-9]{1,2})\s*일?")

# Days from today.
_DAYS_AHEAD = {"오늘": 0, "금일": 0, "내일": 1, "명일": 1, "모레": 2, "내일모레": 2, "글피": 3}
# 이번 주 금요일, 다음주 금, 다다음 주 fri: weeks from this one (Monday to Sunday).
_WEEK = re.compile(r"(이번|다음|다다음)\s*주\s*(\S+)")
_WEEKS_AHEAD = {"이번": 0, "다음": 1, "다다음": 2}
# 12월 말, 2027년 3월 초, 이번 달 중순, 다음달 말: the part of a month.
_MONTH_PART = re.compile(
    r"(?:(?:([0-9]{4})\s*년\s*)?([0-9]{1,2})\s*월|(이번|이|다음)\s*달)\s*(초|중순|말)"
)
_MONTHS_AHEAD = {"이번": 0, "이": 0, "다음": 1}
# 초 is the 5th, 중순 the 15th, 말 the last day (None).
_PART_DAY: dict[str, int | None] = {"초": 5, "중순": 15, "말": None}
_YEAR_END = {"연말": 0, "올해 말": 0, "올해말": 0, "내년 말": 1, "내년말": 1}

EXAMPLES = "예: 2026-12-15, 12/15, 12월 15일, 내일, 다음 주 금요일, 이번 달 말, 12월 초"


def parse_due(text: str, today: dt.date) -> dt.date:
    """Read a due date a user typed.

    Args:
        text: `2026-12-15`, `2026.12.15`, `2026/12/15`, `2026년 12월 15일`; year-less
            `12/15`, `12.15`, `12월 15일`; relative `오늘`, `내일`, `모레`, `이번 주 금요일`,
            `다음 주 금요일` (also `다음주금요일`, `다음 주 금`, `다음 주 fri`), `금요일` (the
            coming one, today included), `이번 달 말`, `다음 달 초`, `12월 말`, `12월 중순`,
            `연말`. 초 is the 5th, 중순 the 15th, 말 the last day of the month.
        today: relative dates count from this day; a year-less date means its next
            occurrence on or after it.

    Returns:
        The date.

    Raises:
        ValueError: with a one-line Korean message, for anything else or an impossible date.
    """
    value = " ".join(str(text).split())
    found = read_due(value, today)
    if found is None:
        raise ValueError(f"날짜를 알 수 없습니다: {value[:40]!r} ({EXAMPLES})")
    return found


def read_due(text: str, today: dt.date) -> dt.date | None:
    """`parse_due` that answers None instead of raising (to try words as a date)."""
    value = " ".join(str(text).split())
    for read in _READERS:
        try:
            found = read(value, today)
        except (ValueError, OverflowError):  # an impossible date, or past year 9999
            return None
        if found is not None:
            return found
    return None


def _absolute(value: str, today: dt.date) -> dt.date | None:
    match = _DUE_FULL.fullmatch(value) or _DUE_FULL_KO.fullmatch(value)
    if match:
        groups = [g for g in match.groups() if g not in ("-", ".", "/")]
        return dt.date(int(groups[0]), int(groups[1]), int(groups[2]))
    match = _DUE_SHORT.fullmatch(value) or _DUE_SHORT_KO.fullmatch(value)
    if match:
        day = int(match[2])
        return _next_occurrence(int(match[1]), lambda year: day, today)
    return None


def _relative_day(value: str, today: dt.date) -> dt.date | None:
    days = _DAYS_AHEAD.get(value.replace(" ", ""))
    return None if days is None else today + dt.timedelta(days=days)


def _week_day(value: str, today: dt.date) -> dt.date | None:
    match = _WEEK.fullmatch(value) or _WEEK.fullmatch(value.replace(" ", ""))
    if not match:
        return None
    day = words.parse_weekday(match[2])
    if day is None:
        return None
    monday = today - dt.timedelta(days=today.weekday())
    return monday + dt.timedelta(weeks=_WEEKS_AHEAD[match[1]], days=day)


def _coming_weekday(value: str, today: dt.date) -> dt.date | None:
    """금요일, friday: the coming one (a bare 금 is too short to be taken alone)."""
    day = words.parse_weekday(value)
    if day is None or len(value) < 2:
        return None
    return today + dt.timedelta(days=(day - today.weekday()) % 7)


def _month_part(value: str, today: dt.date) -> dt.date | None:
    if value in _YEAR_END:
        return dt.date(today.year + _YEAR_END[value], 12, 31)
    match = _MONTH_PART.fullmatch(value)
    if not match:
        return None
    year, month, relative, part = match.groups()
    if relative is not None:
        index = today.year * 12 + today.month - 1 + _MONTHS_AHEAD[relative]
        year, month = str(index // 12), str(index % 12 + 1)
    if not 1 <= int(month) <= 12:
        raise ValueError("impossible month")
    day = _PART_DAY[part]

    def day_of(y: int) -> int:
        return day or calendar.monthrange(y, int(month))[1]

    if year is not None:
        return dt.date(int(year), int(month), day_of(int(year)))
    return _next_occurrence(int(month), day_of, today)


def _next_occurrence(month: int, day_of: Callable[[int], int], today: dt.date) -> dt.date:
    """The first `month`/`day_of(year)` on or after today."""
    if not (1 <= month <= 12 and 1 <= day_of(today.year) <= 31):
        raise ValueError("impossible month or day")
    for year in range(today.year, today.year + 9):  # 9 years always reach a 29 February
        try:
            candidate = dt.date(year, month, day_of(year))
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError("impossible date")


_READERS: tuple[Callable[[str, dt.date], dt.date | None], ...] = (
    _absolute,
    _relative_day,
    _week_day,
    _coming_weekday,
    _month_part,
)
