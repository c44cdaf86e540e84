"""Meetings as people name them: `1번 회의` is the number /agenda takes, 제9회 국가정책조정회의
the official name, and `국가정책조정회의9` the short form `/agenda 국가정책조정회의9 3` accepts."""

from __future__ import annotations

import re

from bot.model import Meeting

_NAMED = re.compile(r"[가-힣A-Za-z]")
_ORDINAL = re.compile(r"제\s*(\d{1,4})\s*회\s*")


def meeting_name(m: Meeting) -> str:
    """`1번 회의 (제9회 국가정책조정회의)`: the number /agenda takes, and the official name."""
    return f"{m.number}번 회의 ({m.title})"


def short_name(meeting: Meeting) -> str | None:
    """`제9회 국가정책조정회의` → `국가정책조정회의9`; None for a meeting with no ordinal."""
    ordinal = meeting.ordinal
    if ordinal is None:
        found = _ORDINAL.search(meeting.title)
        if found is None:
            return None
        ordinal = int(found[1])
    kind = _ORDINAL.sub("", meeting.title, count=1)
    kind = re.sub(r"\s+", "", kind)
    return f"{kind}{ordinal}" if kind else None


def find(meetings: list[Meeting], word: str) -> Meeting | None:
    """The meeting a short form (`국가정책조정회의9`, spaces ignored) or an official name
    (`제9회국가정책조정회의`) names; the latest of several with the same name."""
    wanted = re.sub(r"\s+", "", word)
    if not _NAMED.search(wanted):  # `3`, `1.3`: a number, not a name (and no scan of all)
        return None
    matches = [m for m in meetings if wanted in (short_name(m), re.sub(r"\s+", "", m.title))]
    return max(matches, key=lambda m: (m.date, m.number)) if matches else None
