"""How close a reading is to the expected one: the measure behind the corpus tests and
`bench/bench_parse.py`.

Expected readings are JSON (`tests/golden/corpus/*.json`): the meeting, each item's title
(with other spellings the release uses), decision and lead ministry, the forward-looking
milestones, and whether the release must be refused. Items are paired by title.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from bot.errors import ParseError
from bot.model import Release

_PAIR = 0.6  # below this similarity two titles are different items
# Releases are read as on the day the expected readings were written, so the measure does not
# change with the year it is run in (a year-less meeting date is inferred up to "today").
WRITTEN = dt.date(2026, 11, 29)


def similarity(a: str, b: str) -> float:
    """Title similarity, ignoring spacing and quote marks."""
    x, y = (re.sub(r"[\s「」『』‘’“”'\"]", "", t) for t in (a, b))
    return difflib.SequenceMatcher(None, x, y).ratio() if x and y else 0.0


@dataclass
class Score:
    """Counts for one release, or summed over many."""

    expected: int = 0
    found: int = 0
    matched: int = 0
    decisions_right: int = 0
    leads_right: int = 0
    title_sum: float = 0.0
    milestones_expected: int = 0
    milestones_found: int = 0
    milestones_matched: int = 0
    refusals_expected: int = 0
    refusals_right: int = 0
    meetings: int = 0
    dates_right: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    @property
    def title_mean(self) -> float:
        return self.title_sum / self.matched if self.matched else 1.0

    @property
    def item_f1(self) -> float:
        return _f1(self.matched, self.found, self.expected)

    @property
    def milestone_f1(self) -> float:
        return _f1(self.milestones_matched, self.milestones_found, self.milestones_expected)

    def add(self, other: Score) -> None:
        for name in (
            "expected", "found", "matched", "decisions_right", "leads_right", "title_sum",
            "milestones_expected", "milestones_found", "milestones_matched",
            "refusals_expected", "refusals_right", "meetings", "dates_right", "seconds",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses

    def summary(self) -> str:
        decided = self.decisions_right / self.matched if self.matched else 1.0
        leads = self.leads_right / self.matched if self.matched else 1.0
        return (
            f"items F1 {self.item_f1:.3f} ({self.matched} of {self.expected} expected, "
            f"{self.found} found) · decisions right {decided:.3f} · lead ministry right "
            f"{leads:.3f} · title similarity {self.title_mean:.3f} · milestone dates F1 "
            f"{self.milestone_f1:.3f} · refusals {self.refusals_right}/{self.refusals_expected}"
            f" · meeting dates {self.dates_right}/{self.meetings} · {self.seconds:.2f} s in all"
        )


def _f1(matched: int, found: int, expected: int) -> float:
    if not found and not expected:
        return 1.0
    precision = matched / found if found else 0.0
    recall = matched / expected if expected else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def read(golden: dict[str, Any], text: str) -> tuple[Release | None, str | None, bool]:
    """Parse a release as `agendabot import` would: the reading, or the refusal message, and
    whether the text lacked a meeting date (then the expected date is given, like `--date`)."""
    from bot.reading import parse

    try:
        return parse(text, today=WRITTEN, source=golden["file"]), None, False
    except ParseError as error:
        if "날짜" not in error.message:
            return None, error.message, False
    day = dt.date.fromisoformat(golden["meeting"]["date"])
    try:
        return parse(text, date=day, today=WRITTEN, source=golden["file"]), None, True
    except ParseError as error:
        return None, error.message, True


def score(golden: dict[str, Any], release: Release | None, refusal: str | None) -> Score:
    """Compare one reading (or its refusal message) with the expected one."""
    result = Score(expected=len(golden["items"]))
    if golden.get("refusal"):
        result.refusals_expected = 1
        want = "첨부" if golden["refusal"] == "attachment_only" else "안건이 없습니다"
        result.refusals_right = int(bool(refusal) and want in (refusal or ""))
    if release is None:
        result.misses += [f"{golden['file']}: refused: {refusal}"] if result.expected else []
        return result
    result.found = len(release.items)
    result.meetings = 1
    result.dates_right = int(release.meeting.date.isoformat() == golden["meeting"]["date"])
    free = list(release.items)
    for want in golden["items"]:
        names = [want["title"], *want.get("title_alternatives", [])]
        best = max(free, key=lambda i: max(similarity(i.title, n) for n in names), default=None)
        ratio = max((similarity(best.title, n) for n in names), default=0.0) if best else 0.0
        if best is None or ratio < _PAIR:
            result.misses.append(f"{golden['file']}: missed {want['title']}")
            continue
        free.remove(best)
        result.matched += 1
        result.title_sum += ratio
        result.decisions_right += int(best.decision == want["decision"])
        result.leads_right += int(best.lead_ministry == want["lead_ministry"])
    result.misses += [f"{golden['file']}: extra {i.title}" for i in free]
    expected = {m["date"] for m in golden.get("milestones", [])}
    milestones = [*release.meeting.milestones, *(m for i in release.items for m in i.milestones)]
    found = {m.date.isoformat() for m in milestones if not m.past}
    result.milestones_expected = len(expected)
    result.milestones_found = len(found)
    result.milestones_matched = len(expected & found)
    return result
