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
