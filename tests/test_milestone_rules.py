"""The rules that decide which dates in a release are commitments, one sentence per rule.

The sentences are written for these tests (not taken from the development corpus), in the
phrasing government releases use: ranges and `~` in parentheses, plan periods in names, values
before a change, target amounts for a year.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.reading.milestones import find_milestones

MEETING = dt.date(2025, 5, 20)


def dates(text: str) -> list[tuple[str, str, bool]]:
    """(date, kind, past) of every milestone found, in the order given."""
    return [(m.date.isoformat(), m.kind, m.past) for m in find_milestones(text, MEETING)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # `~’27`: until then, with or without 년
        ("ㅇ 스마트 물류센터 확충(~’27)", [("2027-12-31", "deadline", False)]),
        ("ㅇ 지역 거점병원 지정(～’26년)", [("2026-12-31", "deadline", False)]),
        ("ㅇ 청년 창업공간 조성(~2028년)", [("2028-12-31", "deadline", False)]),
        # a range is one milestone, at its end
        ("ㅇ 실증단지 구축(’25~’27)", [("2027-12-31", "deadline", False)]),
        ("ㅇ 시범운영(2025~2026년, 3개 권역)", [("2026-12-31", "deadline", False)]),
        # and its end takes the year of its start
        ("ㅇ 수요조사(2025.6∼8월) 실시", [("2025-08-31", "deadline", False)]),
        # an open range starts then
        ("ㅇ 전국 확대 시행(’26~)", [("2026-01-01", "start", False)]),
        # 上/下 for the halves of a year
        ("ㅇ 세부 지침 마련(~’26.上)", [("2026-06-30", "deadline", False)]),
    ],
)
def test_ranges_and_tildes(text: str, expected: list[tuple[str, str, bool]]) -> None:
    assert dates(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "「제4차 해양수산 기본계획(2026~2030)」을 심의하였다.",
        "중장기 발전전략(안, ’25~’35년)을 논의하였다.",
        "* 연평균 증가율(’20~’24) : 12.3%",
        "정부는 내년 연구개발 예산을 올해보다 늘려 편성하였다.",
    ],
)
def test_not_commitments(text: str) -> None:
    assert dates(text) == []


def test_the_budget_year_rule_leaves_deadlines_alone() -> None:
    assert dates("내년까지 예산 2조원을 투입한다.") == [("2026-12-31", "deadline", False)]


def test_the_date_before_an_arrow_is_what_changed() -> None:
    assert dates("ㅇ 신청 마감 연기(’25.6월→’25.9월)") == [("2025-09-30", "deadline", False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a year followed by a target amount: the target for that year, due at its end
        ("ㅇ 수소충전소를 ’27년 300개소로 확충", [("2027-12-31", "deadline", False)]),
        (
            "급속충전기 보급 목표(2026년 12만기, 2028년 20만기)",
            [("2026-12-31", "deadline", False), ("2028-12-31", "deadline", False)],
        ),
        ("ㅇ 스마트공장 보급 확대(’26년 총 50개)", [("2026-12-31", "deadline", False)]),
        # the value before an arrow is what it was, the one after it the target
        (
            "ㅇ 공공 돌봄센터 확충(’25년 300개소 → ’27년 500개소)",
            [("2027-12-31", "deadline", False)],
        ),
    ],
)
def test_a_year_with_a_target_amount(text: str, expected: list[tuple[str, str, bool]]) -> None:
    assert dates(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "’25년 120개소였던 거점센터를 늘린다.",
        "거점센터는 ’25년 120개소에 불과하다.",
        "’25년 120개소 대비 두 배로 늘린다.",
        "’25년 실적 120건을 점검하였다.",
        "’25년 기준 120개소가 운영 중이다.",
        "’23년 120개소에서 크게 늘었다.",  # a year before the meeting's: a statistic
        "’25년 2차 공모 결과를 점검하였다.",  # an ordinal, not an amount
        "* 교육 이수자: 2024년 1,200명 → 2025년 1,350명",  # the meeting year's tally
        "* 세계 시장 전망: 2024년 80조원 → 2028년 130조원",  # money: a market's size
        "체험 프로그램 200명 지원 (2026년 8억 원)",  # money: a budget
    ],
)
def test_a_year_with_a_statistic_is_no_target(text: str) -> None:
    assert dates(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ㅇ 표준 가이드라인 마련(’26년)", [("2026-12-31", "deadline", False)]),
        ("ㅇ 전국 확대 시행(2027년), 대상 기관 단계적 확대", [("2027-12-31", "deadline", False)]),
    ],
)
def test_a_year_in_parentheses_after_an_action(
    text: str, expected: list[tuple[str, str, bool]]
) -> None:
    assert dates(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ㅇ 지역별 돌봄 수요 전망(’27년)을 반영한다.",
        "ㅇ 시설 운영 현황(’25년)을 공개한다.",
        "제2차 해양 기본계획(’26년)을 심의하였다.",
        " 산사태 조기경보 시스템(’26)",  # a thing, not an action
    ],
)
def test_a_year_in_parentheses_after_a_statistic_or_plan(text: str) -> None:
    assert dates(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 같은 해 / 동년: the closest earlier year, however far from the meeting
        (
            "ㅇ 2028년 중 전용 차종이 출시되고, 같은 해 4월부터 신규 등록이 제한된다.",
            [("2028-12-31", "deadline", False), ("2028-04-01", "start", False)],
        ),
        (  # a year with no 까지 or 중 is no milestone, but it is the year 같은 해 names
            "ㅇ 2020년 법 제정 이후 2028년 전용 차종이 출시되고, 같은 해 4월부터 등록이 제한된다.",
            [("2028-04-01", "start", False)],
        ),
        (
            "ㅇ ’29년 1월 공사에 착수하여 동년 12월 준공할 예정",
            [("2029-01-01", "start", False), ("2029-12-31", "event", False)],
        ),
        (
            "ㅇ 2028년 상반기 시범운영을 마친다. 같은 해 말까지 전국으로 넓힌다.",
            [("2028-06-30", "deadline", False), ("2028-12-31", "deadline", False)],
        ),
        (
            "ㅇ 내년 3월 법을 개정하고 같은 해 9월부터 시행",
            [("2026-03-31", "deadline", False), ("2026-09-01", "start", False)],
        ),
    ],
)
def test_the_same_year(text: str, expected: list[tuple[str, str, bool]]) -> None:
    assert dates(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the second month of a pair takes the year of the first
        (
            "지난해 4월과 7월 두 차례 현장 점검을 실시하였다.",
            [("2024-04-01", "event", True), ("2024-07-01", "event", True)],
        ),
        (
            "ㅇ 내년 3월 및 9월에 공모",
            [("2026-03-31", "deadline", False), ("2026-09-30", "deadline", False)],
        ),
        (
            "ㅇ 2028년 3월, 9월 두 차례 평가",
            [("2028-03-31", "deadline", False), ("2028-09-30", "deadline", False)],
        ),
    ],
)
def test_a_pair_of_months_shares_its_year(text: str, expected: list[tuple[str, str, bool]]) -> None:
    assert dates(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 금년도 / 내년도 / 올해 before a month name one date
        ("금년도 10월부터 시범사업을 추진한다.", [("2025-10-01", "start", False)]),
        ("내년도 3월까지 지침을 마련한다.", [("2026-03-31", "deadline", False)]),
        ("올해 11월 중 공모를 시작한다.", [("2025-11-01", "start", False)]),
    ],
)
def test_this_or_next_year_before_a_month(text: str, expected: list[tuple[str, str, bool]]) -> None:
    assert dates(text) == expected


def test_this_years_budget_is_no_deadline() -> None:
    assert dates("정부는 금년도 ODA 예산을 증액하였다.") == []
    assert dates("내년도 연구개발 예산을 확대 편성한다.") == []


def test_a_month_and_day_written_with_il() -> None:
    assert dates("추경안을 6.30일 국회에 제출할 계획이다.") == [("2025-06-30", "event", False)]


@pytest.mark.parametrize(
    "text",
    [
        "민원 처리기간을 평균 2.5일 단축하였다.",
        "심사에 3.5일 소요되던 것을 줄인다.",
        "처리기간(4.5일 → 2일)을 줄인다.",
        "체류기간이 10.5일 이상인 경우 지원한다.",
    ],
)
def test_a_duration_in_days_is_no_date(text: str) -> None:
    assert dates(text) == []


def test_a_day_with_a_trailing_dot_before_an_arrow() -> None:
    assert dates("개학일이 2주 추가 연기(6.2.→6.16.)됨에 따라") == [("2025-06-16", "event", False)]


def test_a_phrase_cut_by_the_next_date_drops_the_bracket_and_comma() -> None:
    found = find_milestones(
        "공공 충전소를 2030년까지 500개소 이상(2027년 200개소, 2028년 300개소) 구축한다.", MEETING
    )
    assert [m.text for m in found] == [
        "2030년까지 500개소 이상",
        "공공 충전소를 2030년까지 500개소 이상(2027년 200개소",
        "공공 충전소를 2030년까지 500개소 이상(2027년 200개소, 2028년 300개소) 구축",
    ]
