"""The one ministry table: abbreviations, list short forms, renamings by date, suggestions."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import ministries

MEETING = dt.date(2025, 11, 24)


@pytest.mark.parametrize(
    "name", ["중기부", "중기", "중소벤처기업부", "중기부 장관", "중기1차관", " 중 기 부 "]
)
def test_one_ministry_under_many_names(name: str) -> None:
    found = ministries.resolve(name, MEETING)
    assert found is not None and found.name == "중소벤처기업부"


@pytest.mark.parametrize(
    ("name", "day", "official"),
    [
        ("산업부", dt.date(2025, 9, 30), "산업통상자원부"),
        ("산업부", dt.date(2025, 10, 1), "산업통상부"),
        ("환경부", dt.date(2025, 9, 1), "환경부"),
        (
            "환경부",
            dt.date(2025, 11, 1),
            "기후에너지환경부",
        ),  # the old name now means its successor
        ("기재부", dt.date(2025, 12, 31), "기획재정부"),
        ("기재부", dt.date(2026, 3, 1), "재정경제부"),
        ("특허청", dt.date(2026, 1, 1), "지식재산처"),
        ("여가부", dt.date(2024, 1, 1), "여성가족부"),
        ("탄녹위", dt.date(2026, 2, 1), "국가기후위기대응위원회"),
    ],
)
def test_names_resolve_by_the_date_they_refer_to(name: str, day: dt.date, official: str) -> None:
    found = ministries.resolve(name, day)
    assert found is not None and found.name == official


def test_unknown_name_gets_suggestions() -> None:
    assert ministries.resolve("중기청", MEETING) is None
    assert "중소벤처기업부" in ministries.suggest("중기청")


def test_lineage_links_renamings_and_splits() -> None:
    assert ministries.lineage("산업통상부") == {"산업통상부", "산업통상자원부"}
    assert ministries.lineage("기획재정부") == {"기획재정부", "재정경제부", "기획예산처"}


def test_attendee_list_short_forms_expand_only_inside_lists() -> None:
    text = "(구성원) 부총리 겸 과기정통부 장관, 기재·교육·외교·국방·행안·문체·산업·복지·기후·노동·중기부 장관, 금융위·개보위 위원장"
    assert ministries.find_in_text(text, MEETING) == [
        "과학기술정보통신부", "기획재정부", "교육부", "외교부", "국방부", "행정안전부",
        "문화체육관광부", "산업통상부", "보건복지부", "기후에너지환경부", "고용노동부",
        "중소벤처기업부", "금융위원회", "개인정보보호위원회",
    ]  # fmt: skip
    # Outside a list, a bare short form is an ordinary word.
    assert ministries.find_in_text("국방 전 영역과 산업 전반의 교육 과정", MEETING) == []


def test_names_inside_longer_words_are_not_mentions() -> None:
    assert ministries.find_in_text("첨단산업부문 투자", MEETING) == []
    assert ministries.find_in_text("국가 인공 지능(AI) 전략위원회와 함께", MEETING) == [
        "국가인공지능전략위원회"
    ]


def test_every_row_is_well_formed() -> None:
    names = {m.name for m in ministries.table()}
    for m in ministries.table():
        assert all(s in names for s in m.successors), m.name
        if m.since and m.until:
            assert m.since <= m.until


@pytest.mark.timeout(30)
def test_a_long_list_with_no_title_after_it_is_read_in_linear_time() -> None:
    """Was quadratic: every position inside the run was tried (12,000 characters: 10 s)."""
    on = dt.date(2026, 1, 1)
    assert ministries.find_in_text("가나·" * 30_000 + "라 회의", on) == []
    short = ministries.find_in_text("국방·과기정통 장관", on)
    assert ministries.find_in_text("가나·" * 30_000 + "라. 국방·과기정통 장관", on) == short
    assert "국방부" in short
