"""Meetings as people name them: number, official name, and the short form /agenda takes."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import render
from bot.commands.naming import find, short_name
from bot.model import Meeting
from bot.store import Store
from tests.conftest import Ask


def meeting(number: int, title: str, ordinal: int | None = None, day: int = 1) -> Meeting:
    return Meeting(number=number, title=title, date=dt.date(2026, 1, day), ordinal=ordinal)


@pytest.mark.parametrize(
    ("title", "ordinal", "short"),
    [
        ("제9회 국가정책조정회의", 9, "국가정책조정회의9"),
        ("제9회 국가정책조정회의", None, "국가정책조정회의9"),
        ("제3회 산업경쟁력강화 관계장관회의", 3, "산업경쟁력강화관계장관회의3"),
        ("국가정책조정회의", None, None),
    ],
)
def test_short_name(title: str, ordinal: int | None, short: str | None) -> None:
    assert short_name(meeting(1, title, ordinal)) == short


def test_find_by_short_form_or_official_name_ignoring_spaces() -> None:
    meetings = [
        meeting(1, "제9회 국가정책조정회의", 9),
        meeting(2, "제3회 산업경쟁력강화 관계장관회의", 3),
        meeting(3, "제9회 국가정책조정회의", 9, day=20),  # a second release of the same name
    ]
    assert find(meetings, "산업경쟁력강화 관계장관회의3") == meetings[1]
    assert find(meetings, "제3회산업경쟁력강화관계장관회의") == meetings[1]
    assert find(meetings, "국가정책조정회의9") == meetings[2]  # the latest of the two
    assert find(meetings, "국가정책조정회의8") is None
    assert find(meetings, "3") is None and find(meetings, "") is None


def test_agenda_accepts_the_short_form(ask: Ask, store: Store) -> None:
    by_number = render.text(ask("/agenda 1.3"))
    assert render.text(ask("/agenda 과학기술관계장관회의1 3")) == by_number
    listing = render.text(ask("/agenda 과학기술관계장관회의1"))
    assert "1번 회의 (제1회 과학기술관계장관회의)" in listing and "1.10" in listing
    wrong = ask("/agenda 과학기술관계장관회의7 3")
    assert wrong.error
    assert ask("/agenda 과학기술관계장관회의1 99").error


def test_meetings_shows_number_official_name_and_short_form(ask: Ask) -> None:
    out = render.text(ask("/meetings"))
    assert "제1회 과학기술관계장관회의" in out
    assert "/agenda 과학기술관계장관회의1" in out and "/agenda 1.N" in out
