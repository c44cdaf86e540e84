"""Korean date expressions: every form the press releases use, and due dates users type."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dates import parse_due
from bot.reading.milestones import find_milestones

MEETING = dt.date(2025, 11, 24)  # the seed meeting, a Monday

# (text, expected phrase, date, precision, kind, past) — resolved against MEETING
FORMS = [
    (
        "2026년 말까지 데이터 구축을 완료한다.",
        "2026년 말까지 데이터 구축을 완료",
        "2026-12-31",
        "year",
        "deadline",
        False,
    ),
    (
        "2027년부터 서비스를 확산한다.",
        "2027년부터 서비스를 확산",
        "2027-01-01",
        "year",
        "start",
        False,
    ),
    (
        "2030년까지 세계 1위를 목표로 한다.",
        "2030년까지 세계 1위를 목표",
        "2030-12-31",
        "year",
        "deadline",
        False,
    ),
    (
        "’25.12월 중(잠정) 공고될 예정이다.",
        "’25.12월 중(잠정) 공고될 예정",
        "2025-12-31",
        "month",
        "deadline",
        False,
    ),
    ("'25.12월 공고 예정", "'25.12월 공고 예정", "2025-12-31", "month", "deadline", False),
    ("‘25.12월 공고 예정", "‘25.12월 공고 예정", "2025-12-31", "month", "deadline", False),
    (
        "규정(대통령령, 11.21 시행) 제정",
        "규정(대통령령, 11.21 시행) 제정",
        "2025-11-21",
        "day",
        "event",
        True,
    ),
    (
        "11월 24일(월) 회의를 개최한다.",
        "11월 24일(월) 회의를 개최",
        "2025-11-24",
        "day",
        "event",
        False,
    ),
    ("2026년 상반기 시범 운영", "2026년 상반기 시범 운영", "2026-06-30", "half", "deadline", False),
    ("2026년 하반기부터 확대한다.", "2026년 하반기부터 확대", "2026-07-01", "half", "start", False),
    (
        "3분기 중 발표할 예정이다.",
        "3분기 중 발표할 예정",
        "2025-09-30",
        "quarter",
        "deadline",
        True,
    ),
    ("2026년 1분기 착수", "2026년 1분기 착수", "2026-01-01", "quarter", "start", False),
    (
        "2026년 1/4분기 중 완료",
        "2026년 1/4분기 중 완료",
        "2026-03-31",
        "quarter",
        "deadline",
        False,
    ),
    ("연내 마련할 계획이다.", "연내 마련할 계획", "2025-12-31", "year", "deadline", False),
    ("내년 시행", "내년 시행", "2026-12-31", "year", "event", False),
    ("내년부터 지원한다.", "내년부터 지원", "2026-01-01", "year", "start", False),
    ("내년 상반기 개정", "내년 상반기 개정", "2026-06-30", "half", "deadline", False),
    ("올해 말 완료", "올해 말 완료", "2025-12-31", "year", "deadline", False),
    ("올해 안에 마련", "올해 안에 마련", "2025-12-31", "year", "deadline", False),
    ("지난 10월 출범", "지난 10월 출범", "2025-10-01", "month", "event", True),
    ("지난 12월 5일 개최된 회의", "지난 12월 5일 개최된 회의", "2024-12-05", "day", "event", True),
    ("지난해 12월 발표", "지난해 12월 발표", "2024-12-01", "month", "event", True),
    ("오는 12월 3일 개최", "오는 12월 3일 개최", "2025-12-03", "day", "event", False),
    ("’26.3월 착수", "’26.3월 착수", "2026-03-01", "month", "start", False),
    ("'26.3월 착수", "'26.3월 착수", "2026-03-01", "month", "start", False),
    ("2026.3.15 시행", "2026.3.15 시행", "2026-03-15", "day", "event", False),
    ("2026. 3. 15.(일) 시행", "2026. 3. 15.(일) 시행", "2026-03-15", "day", "event", False),
    ("2026-03-15 시행", "2026-03-15 시행", "2026-03-15", "day", "event", False),
    ("’26.3.15 시행", "’26.3.15 시행", "2026-03-15", "day", "event", False),
    ("2026년 3월 개통 예정", "2026년 3월 개통 예정", "2026-03-31", "month", "event", False),
    ("2026년 3월 15일 개최", "2026년 3월 15일 개최", "2026-03-15", "day", "event", False),
    ("3월 말까지 제출", "3월 말까지 제출", "2025-03-31", "month", "deadline", True),
    ("3월 중 공고", "3월 중 공고", "2025-03-31", "month", "deadline", True),
    ("12월 중 착수한다.", "12월 중 착수", "2025-12-01", "month", "start", False),
    ("2026년 초 착수", "2026년 초 착수", "2026-01-01", "quarter", "start", False),
    ("하반기 중 발표", "하반기 중 발표", "2025-12-31", "half", "deadline", False),
    ("상반기까지 완료", "상반기까지 완료", "2025-06-30", "half", "deadline", True),
]


@pytest.mark.parametrize(("text", "phrase", "date", "precision", "kind", "past"), FORMS)
def test_every_form(
    text: str, phrase: str, date: str, precision: str, kind: str, past: bool
) -> None:
    [milestone] = find_milestones(text, MEETING)
    assert milestone.text == phrase
    assert milestone.date == dt.date.fromisoformat(date)
    assert (milestone.precision, milestone.kind, milestone.past) == (precision, kind, past)


@pytest.mark.parametrize(
    "text",
    [
        "10대 과제를 선정하였다.",
        "1,000여 개 기업이 참여한다.",
        "2004년 부총리급 회의체로 처음 설치된 이후",
        "‘ASK 2026’ 경진대회를 개최한다.",
        "최근 발표(국회, ‘25.1)된 세계 100대 기업",
        "효율이 1.5배 높다.",
        "수출이 3.5% 증가하였다.",
        "2018년 다시 복원되어 2021년까지 총리급 회의체로 운영된 바 있음",
        "「2026년 업무계획」을 보고하였다.",
        "12개월간 운영한다.",
        "2026년도 예산안",
    ],
)
def test_not_milestones(text: str) -> None:
    assert find_milestones(text, MEETING) == []


def test_clause_spans_of_a_sentence() -> None:
    text = (
        "과기정통부는 협력을 강화할 예정이다. 2026년 말까지 각 과제의 데이터 구축 및 모델 개발을 "
        "완료하고, 2027년부터는 본격적인 서비스 확산에 나설 계획이다."
    )
    assert [m.text for m in find_milestones(text, MEETING)] == [
        "2026년 말까지 각 과제의 데이터 구축 및 모델 개발을 완료",
        "2027년부터는 본격적인 서비스 확산에 나설 계획",
    ]


def test_event_phrase_stops_at_the_event() -> None:
    text = "또한 지난 11월 7일 대통령 주재로 ‘다시 과학기술인을 꿈꾸는 대한민국’ 대국민 보고회에서 논의된 내용"
    [milestone] = find_milestones(text, MEETING)
    assert (
        milestone.text
        == "지난 11월 7일 대통령 주재로 ‘다시 과학기술인을 꿈꾸는 대한민국’ 대국민 보고회"
    )
    assert (milestone.date, milestone.kind, milestone.past) == (dt.date(2025, 11, 7), "event", True)


def test_year_less_date_takes_the_year_of_its_sentence() -> None:
    text = "2026년 상반기까지 인허가를 완료하고, 하반기부터 공사에 착수한다."
    first, second = find_milestones(text, MEETING)
    assert first.date == dt.date(2026, 6, 30)
    assert (second.date, second.kind) == (dt.date(2026, 7, 1), "start")


def test_absolute_dates_come_before_relative_ones() -> None:
    text = "ㅇ 지난 10월 조직 개편으로 신설되었다.\n* 규정(대통령령, 11.21 시행) 제정"
    assert [m.date.isoformat() for m in find_milestones(text, MEETING)] == [
        "2025-11-21",
        "2025-10-01",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-15", "2026-12-15"),
        ("2026.12.15", "2026-12-15"),
        ("2026. 12. 15.", "2026-12-15"),
        ("2026/12/15", "2026-12-15"),
        ("2026년 12월 15일", "2026-12-15"),
        ("12/15", "2026-12-15"),
        ("12.15", "2026-12-15"),
        ("12월 15일", "2026-12-15"),
        ("11/25", "2026-11-25"),  # today counts
        ("11/24", "2027-11-24"),  # already passed this year
        ("1월 3일", "2027-01-03"),
        ("2/29", "2028-02-29"),
    ],
)
def test_parse_due(text: str, expected: str) -> None:
    assert parse_due(text, dt.date(2026, 11, 25)) == dt.date.fromisoformat(expected)


@pytest.mark.parametrize(
    "text", ["", "모래", "2026-02-30", "13/40", "2026-13-01", "0/0", "12월", "2026", "12/15/2026"]
)
def test_parse_due_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="날짜를 알 수 없습니다"):
        parse_due(text, dt.date(2026, 11, 25))


@given(st.text(max_size=40), st.dates())
def test_parse_due_raises_only_value_error(text: str, today: dt.date) -> None:
    with contextlib.suppress(ValueError):
        parse_due(text, today)


@given(st.dates())
def test_parse_due_reads_iso_dates(day: dt.date) -> None:
    assert parse_due(day.isoformat(), dt.date(2026, 11, 25)) == day


_DATEISH = st.text(
    alphabet=st.sampled_from(
        list("0123456789 .,()’'‘「」년월일말까지부터중내지난올해상하반기분기시행완료\n")
    ),
    max_size=80,
)


@given(st.one_of(st.text(max_size=120), _DATEISH), st.dates())
def test_find_milestones_never_raises(text: str, meeting: dt.date) -> None:
    for milestone in find_milestones(text, meeting):
        assert milestone.text and milestone.text in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("오늘", "2026-11-25"),  # a Wednesday
        ("내일", "2026-11-26"),
        ("모레", "2026-11-27"),
        ("이번 주 금요일", "2026-11-27"),
        ("이번 주 월요일", "2026-11-23"),  # this week's, though past
        ("다음 주 금요일", "2026-12-04"),
        ("다음주금요일", "2026-12-04"),
        ("다음 주 금", "2026-12-04"),
        ("다음주 fri", "2026-12-04"),
        ("다다음 주 월요일", "2026-12-07"),
        ("금요일", "2026-11-27"),  # the coming one
        ("수요일", "2026-11-25"),  # today counts
        ("이번 달 말", "2026-11-30"),
        ("이달 말", "2026-11-30"),
        ("다음 달 말", "2026-12-31"),
        ("다음달 초", "2026-12-05"),
        ("12월 말", "2026-12-31"),
        ("12월 초", "2026-12-05"),
        ("12월 중순", "2026-12-15"),
        ("11월 초", "2027-11-05"),  # passed this year
        ("2월 말", "2027-02-28"),
        ("2028년 2월 말", "2028-02-29"),
        ("연말", "2026-12-31"),
    ],
)
def test_parse_due_relative_to_today(text: str, expected: str) -> None:
    assert parse_due(text, dt.date(2026, 11, 25)) == dt.date.fromisoformat(expected)


def test_relative_due_dates_count_from_the_day_handed_in() -> None:
    new_year = dt.date(2026, 12, 31)  # a Thursday
    assert parse_due("내일", new_year) == dt.date(2027, 1, 1)
    assert parse_due("다음 달 말", new_year) == dt.date(2027, 1, 31)
    assert parse_due("다음 주 월", new_year) == dt.date(2027, 1, 4)


@pytest.mark.parametrize(
    "text", ["금", "다음 주", "다음 주 금욜일", "13월 말", "12월 하순", "어제"]
)
def test_parse_due_rejects_relative_junk(text: str) -> None:
    with pytest.raises(ValueError, match="날짜를 알 수 없습니다"):
        parse_due(text, dt.date(2026, 11, 25))


@given(st.dates(min_value=dt.date(1, 1, 8), max_value=dt.date(9999, 12, 1)), st.integers(0, 6))
def test_next_week_is_the_week_after_this_one(today: dt.date, day: int) -> None:
    name = "월화수목금토일"[day]
    this_week = parse_due(f"이번 주 {name}요일", today)
    assert this_week.weekday() == day and abs((this_week - today).days) <= 6
    assert this_week.isocalendar()[:2] == today.isocalendar()[:2]
    assert parse_due(f"다음 주 {name}", today) == this_week + dt.timedelta(days=7)


@given(st.dates(max_value=dt.date(9999, 11, 30)))
def test_the_end_of_this_month_is_its_last_day(today: dt.date) -> None:
    end = parse_due("이번 달 말", today)
    assert (end.year, end.month) == (today.year, today.month)
    assert (end + dt.timedelta(days=1)).day == 1
