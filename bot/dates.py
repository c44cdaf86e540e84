"""Due dates typed by users (`/followup add 3 12월 15일 …`): full or year-less, Korean or numeric."""

from __future__ import annotations

import datetime as dt
import re

_DUE_FULL = re.compile(r"([0-9]{4})\s*([-./])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})\s*\.?")
_DUE_FULL_KO = re.compile(r"([0-9]{4})\s*년\s*([0-9]{1,2})\s*월\s*([0-9]{1,2})\s*일?")
_DUE_SHORT = re.compile(r"([0-9]{1,2})\s*[-./]\s*([0-9]{1,2})\s*\.?")
_DUE_SHORT_KO = re.compile(r"([0-9]{1,2})\s*월\s*([0-9]{1,2})\s*일?")


def parse_due(text: str, today: dt.date) -> dt.date:
    """Read a due date a user typed.

    Args:
        text: `2026-12-15`, `2026.12.15`, `2026/12/15`, `2026년 12월 15일`, or year-less
            `12/15`, `12.15`, `12월 15일`.
        today: a year-less date means its next occurrence on or after this day.

    Returns:
        The date.

    Raises:
        ValueError: with a one-line Korean message, for anything else or an impossible date.
    """
    value = str(text).strip()
    error = f"날짜를 알 수 없습니다: {value!r} (예: 2026-12-15, 12/15, 12월 15일)"
    try:
        match = _DUE_FULL.fullmatch(value) or _DUE_FULL_KO.fullmatch(value)
        if match:
            groups = [g for g in match.groups() if g not in ("-", ".", "/")]
            return dt.date(int(groups[0]), int(groups[1]), int(groups[2]))
        match = _DUE_SHORT.fullmatch(value) or _DUE_SHORT_KO.fullmatch(value)
        if match:
            return _next_occurrence(int(match[1]), int(match[2]), today)
    except (ValueError, OverflowError):
        raise ValueError(error) from None
    raise ValueError(error)


def _next_occurrence(month: int, day: int, today: dt.date) -> dt.date:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise ValueError("impossible month or day")
    for year in range(today.year, today.year + 9):  # 9 years always reach a 29 February
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError("impossible date")
