"""The recognisers of what users type, one per kind, and the particle that agrees with a word."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import words
from bot.model import WEEKDAYS_KO

RECOGNISERS: list[Callable[[str], Any]] = [
    words.parse_weekday,
    words.parse_time,
    words.parse_tz,
    words.parse_holidays_flag,
    words.parse_followup_id,
    words.parse_milestone_id,
    words.parse_status,
    words.looks_like_weekday,
    words.looks_like_time,
    words.looks_like_tz,
]
SPELLINGS = [(day, s) for day, spellings in enumerate(words.WEEKDAY_SPELLINGS) for s in spellings]


# -- weekdays ----------------------------------------------------------------------------


def test_the_weekday_table_starts_with_the_names_replies_use() -> None:
    assert tuple(spellings[0] for spellings in words.WEEKDAY_SPELLINGS) == WEEKDAYS_KO


@given(st.sampled_from(SPELLINGS), st.sampled_from([str, str.upper, str.title, str.lower]))
def test_every_weekday_spelling_round_trips(spelling: tuple[int, str], case: Any) -> None:
    day, word = spelling
    assert words.parse_weekday(case(word)) == day
    assert words.parse_weekday(f" {case(word)} ") == day


@given(st.integers(0, 6), st.integers(3, 9))
def test_english_weekdays_by_any_prefix_of_three_letters(day: int, length: int) -> None:
    name = words.WEEKDAY_SPELLINGS[day][-1]
    assert words.parse_weekday(name[:length]) == day
    assert words.parse_weekday(name[:length].capitalize() + ".") == day


@pytest.mark.parametrize(
    ("word", "day"),
    [
        ("월", 0),
        ("월요일", 0),
        ("월욜", 0),
        ("mon", 0),
        ("Mon", 0),
        ("Monday", 0),
        ("tues", 1),
        ("Thur", 3),
        ("금요일", 4),
        ("sat", 5),
        ("일", 6),
        ("SUNDAY", 6),
    ],
)
def test_weekday_table(word: str, day: int) -> None:
    assert words.parse_weekday(word) == day


@pytest.mark.parametrize("word", ["", "mo", "xyz", "금욜일", "월화", "monx", "9시", "요일", "F1"])
def test_not_weekdays(word: str) -> None:
    assert words.parse_weekday(word) is None


@given(st.text(alphabet=st.characters(exclude_categories=["L"]), max_size=12))
def test_words_without_letters_are_no_weekday(text: str) -> None:
    assert words.parse_weekday(text) is None


# -- times -------------------------------------------------------------------------------


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_hh_mm_parses_to_itself(hour: int, minute: int) -> None:
    expected = f"{hour:02d}:{minute:02d}"
    assert words.parse_time(expected) == expected
    assert words.parse_time(f"{hour}:{minute:02d}") == expected


@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(["", " "]))
def test_every_n_si_form_parses(hour: int, minute: int, gap: str) -> None:
    assert words.parse_time(f"{hour}시") == f"{hour:02d}:00"
    assert words.parse_time(f"{hour}시{gap}{minute}분") == f"{hour:02d}:{minute:02d}"
    assert words.parse_time(f"{hour}시{gap}반") == f"{hour:02d}:30"


@given(st.integers(1, 12), st.integers(0, 59), st.sampled_from(["", " "]))
def test_every_ojeon_ohu_form_parses(hour: int, minute: int, gap: str) -> None:
    morning, afternoon = hour % 12, hour % 12 + 12
    assert words.parse_time(f"오전{gap}{hour}시") == f"{morning:02d}:00"
    assert words.parse_time(f"오후{gap}{hour}시") == f"{afternoon:02d}:00"
    assert words.parse_time(f"오후 {hour}시 {minute}분") == f"{afternoon:02d}:{minute:02d}"
    assert words.parse_time(f"오후 {hour}:{minute:02d}") == f"{afternoon:02d}:{minute:02d}"


@given(st.integers(1, 12), st.integers(0, 59))
def test_a_time_said_in_several_words_is_one_time(hour: int, minute: int) -> None:
    said = ["오후", f"{hour}시", f"{minute}분", "중기부"]
    assert words.longest(said, words.parse_time) == (f"{hour % 12 + 12:02d}:{minute:02d}", 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9시", "09:00"),
        ("9시 30분", "09:30"),
        ("9시30분", "09:30"),
        ("오전 9시", "09:00"),
        ("오후 5시", "17:00"),
        ("오후 12시", "12:00"),
        ("오전 12시", "00:00"),
        ("정오", "12:00"),
        ("자정", "00:00"),
        ("9:00", "09:00"),
        ("09:00", "09:00"),
        ("9am", "09:00"),
        ("5:30 PM", "17:30"),
        ("12am", "00:00"),
    ],
)
def test_time_table(text: str, expected: str) -> None:
    assert words.parse_time(text) == expected


@given(st.integers(24, 99))
def test_hours_that_do_not_exist_never_parse(hour: int) -> None:
    for text in (f"{hour}시", f"{hour}:00", f"오후 {hour - 11}시"):
        assert words.parse_time(text) is None
        assert words.looks_like_time(text)  # so it gets "시각을 알 수 없습니다"


@given(st.integers(60, 99))
def test_minutes_that_do_not_exist_never_parse(minute: int) -> None:
    assert words.parse_time(f"9:{minute}") is None
    assert words.parse_time(f"9시 {minute}분") is None


@given(st.text(alphabet=st.characters(exclude_categories=["Nd"]), max_size=20))
def test_junk_without_digits_is_no_time(text: str) -> None:
    if text.strip() not in ("정오", "자정"):
        assert words.parse_time(text) is None


@pytest.mark.parametrize("word", ["25시", "9:75", "오후", "30분", "오후 13시", "9 am"])
def test_words_meant_as_times(word: str) -> None:
    assert words.looks_like_time(word)


@pytest.mark.parametrize("word", ["중기부", "3", "1.3", "F1", "2026-12-15", "12/15", "Asia/Seoul"])
def test_words_not_meant_as_times(word: str) -> None:
    assert not words.looks_like_time(word)


# -- time zones, the holiday flag, ids, statuses -----------------------------------------


@pytest.mark.parametrize(
    ("word", "zone"),
    [
        ("Asia/Seoul", "Asia/Seoul"),
        ("asia/seoul", "Asia/Seoul"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("UTC", "UTC"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Etc/GMT+9", "Etc/GMT+9"),
        ("Mars/Olympus", None),
        ("../../etc/passwd", None),
        ("/etc/localtime", None),
        ("중기부", None),
        ("", None),
    ],
)
def test_time_zones(word: str, zone: str | None) -> None:
    assert words.parse_tz(word) == zone


@pytest.mark.parametrize("text", ["휴일포함", "공휴일포함", "휴일 포함", "공휴일에도", "holidays"])
def test_the_holiday_flag(text: str) -> None:
    assert words.parse_holidays_flag(text) is True


@pytest.mark.parametrize(
    ("word", "fid", "mid"),
    [
        ("F1", "F1", None),
        ("f1", "F1", None),
        ("F007", "F7", None),
        ("M1", None, "M1"),
        ("m12", None, "M12"),
        ("F", None, None),
        ("F1a", None, None),
        ("1", None, None),
    ],
)
def test_ids(word: str, fid: str | None, mid: str | None) -> None:
    assert words.parse_followup_id(word) == fid
    assert words.parse_milestone_id(word) == mid


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("open", "open"),
        ("진행", "open"),
        ("done", "done"),
        ("완료", "done"),
        ("DONE", "done"),
        ("cancelled", "cancelled"),
        ("cancel", "cancelled"),
        ("취소", "cancelled"),
        ("all", "all"),
        ("전체", "all"),
        ("중기부", None),
        ("F1", None),
    ],
)
def test_statuses(word: str, status: str | None) -> None:
    assert words.parse_status(word) == status


# -- words of several kinds --------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "error"),
    [
        (["금욜일"], "요일을 알 수 없습니다: 금욜일"),
        (["월요일마다"], "요일을 알 수 없습니다: 월요일마다"),
        (["25시", "중기부"], "시각을 알 수 없습니다: 25시"),
        (["오후", "13시", "중기부"], "시각을 알 수 없습니다: 오후 13시"),
        (["9:75"], "시각을 알 수 없습니다: 9:75"),
        (["Mars/Olympus"], "시간대를 알 수 없습니다: Mars/Olympus"),
        (["9", "중기부"], "시각을 알 수 없습니다: 9"),
        (["중기부"], None),
        (["xyz"], None),
        ([], None),
    ],
)
def test_a_word_clearly_of_a_kind_gets_that_kind_of_error(
    said: list[str], error: str | None
) -> None:
    assert words.misread(said) == error


def test_longest_takes_the_longest_run_that_reads() -> None:
    assert words.longest(["9시", "30분", "중기부"], words.parse_time) == ("09:30", 2)
    assert words.longest(["중기부", "9시"], words.parse_time) is None
    assert words.longest([], words.parse_time) is None


@given(st.text(max_size=30))
def test_recognisers_never_raise(text: str) -> None:
    for recognise in RECOGNISERS:
        recognise(text)
    words.misread(text.split())
    words.longest(text.split(), words.parse_time)
    words.with_particle(text, "을/를")


# -- particles ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("F1", "을/를", "F1을"),  # 일
        ("F1", "은/는", "F1은"),
        ("F1", "으로/로", "F1로"),  # ㄹ takes 로
        ("F2", "을/를", "F2를"),  # 이
        ("3", "을/를", "3을"),  # 삼
        ("2", "을/를", "2를"),
        ("10", "이/가", "10이"),  # 십
        ("M7", "을/를", "M7을"),  # 칠
        ("AI", "을/를", "AI를"),  # 아이
        ("SQL", "을/를", "SQL을"),  # 엘
        ("url", "은/는", "url은"),  # short lower-case words are abbreviations too
        ("api", "이/가", "api가"),
        ("과기정통부", "을/를", "과기정통부를"),
        ("과기정통부", "은/는", "과기정통부는"),
        ("회의", "을/를", "회의를"),
        ("중기청", "은/는", "중기청은"),
        ("중기청", "와/과", "중기청과"),
        ("회의", "와/과", "회의와"),
        ("서울", "으로/로", "서울로"),
        ("중기청", "으로/로", "중기청으로"),
        ("'중기청'", "은/는", "'중기청'은"),  # a closing quote is passed over
        ("「보고」", "이/가", "「보고」가"),
        ("제조 인공 지능 전환(M.AX)", "을/를", "제조 인공 지능 전환(M.AX)을"),
    ],
)
def test_particles_agree_with_the_word(word: str, pair: str, expected: str) -> None:
    assert words.with_particle(word, pair) == expected
