"""Who presents an agenda item (주관 부처): the ways releases say it, and what is not a lead.

The sentences are written for these tests (in the style of 관계장관회의 releases, not copied
from any): each rule has a case it reads and, where it could over-fire, a case it must not.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot import ministries
from bot.errors import ParseError
from bot.reading import parse
from bot.reading.content import lead

ON = dt.date(2024, 5, 20)  # before the 2025 reorganisation: 산업통상자원부, 기획재정부


def lead_of(body: str, owners: tuple[str, ...] = ()) -> str | None:
    """As the reader asks it: with every body the item names (`ministries.find_in_text`)."""
    return lead(body, ministries.find_in_text(body, ON), ON, owners)


# --- what is not a lead --------------------------------------------------------------------


def test_a_ministry_merely_named_is_only_the_last_resort() -> None:
    named = (
        "돌봄 공백을 줄이기 위해 지역 돌봄센터를 두 배로 늘린다.\n"
        "센터 설치 기준은 관련 규정(주택 기준 규칙, 국토교통부)을 고쳐 마련한다.\n"
    )
    stated = "보건복지부는 센터 운영비를 내년부터 지원할 계획이다."
    assert lead_of(named + stated) == "보건복지부"  # one that says what it does wins
    # Nobody says so: the first 부 named is taken (the reader warns it was inferred), as the
    # reference reading of the bundled seed does; an agency or a committee never is.
    assert lead_of(named + "교육부 및 시도교육청에 상담 창구를 둔다.") == "국토교통부"
    assert lead_of("산림청과 탄소중립위원회 자료에 따르면 산불이 늘었다.") is None


def test_the_chair_who_only_discusses_is_not_the_lead() -> None:
    body = (
        "김갑동 부총리 겸 기획재정부 장관은 5.20일(월) 정부서울청사에서 관계장관회의를 "
        "주재하고, 「고용 동향 및 향후계획」, 「수출 동향」 등을 논의하였습니다."
    )
    assert lead_of(body) is None  # 「…향후계획」 is a title, not the chair's plan


def test_the_chair_who_presents_the_item_is_its_lead() -> None:
    body = (
        "김갑동 부총리 겸 기획재정부 장관은 5.20일(월) 정부서울청사에서 관계장관회의를 "
        "주재하고, 「서민 물가 안정 방안」을 발표하였다."
    )
    assert lead_of(body) == "기획재정부"


def test_the_meeting_body_resolving_items_is_not_their_lead() -> None:
    body = "이날 회의에서 탄녹위는 「산림 탄소흡수원 확충 방안」을 심의·의결하였다."
    assert lead_of(body) is None


def test_a_short_form_is_an_ordinary_word_not_a_ministry() -> None:
    body = "바이오 산업은 빠르게 성장하고 있다.\n교육은 현장 중심으로 바뀐다."
    assert lead_of(body) is None


def test_a_joint_note_means_no_single_lead() -> None:
    body = "국토교통부는 청년 임대주택을 5만 호 늘릴 계획이다."
    assert lead_of(body, owners=("관계부처 합동",)) is None
    assert lead_of(body) == "국토교통부"


# --- what names the lead -------------------------------------------------------------------


def test_a_separate_release_names_its_ministry() -> None:
    named_first = (
        "교육부와 지자체는 방과후 돌봄을 넓힌다.\n※ 여성가족부, 별도 보도자료 배포(5월 20일)"
    )
    assert lead_of(named_first) == "여성가족부"
    in_brackets = (
        "교육부와 협력해 한부모 가족을 지원한다.\n※ 별도 보도자료 배포(여성가족부, 5월 20일)"
    )
    assert lead_of(in_brackets) == "여성가족부"


def test_the_body_in_charge_is_the_lead() -> None:
    body = (
        "소방청과 국토교통부는 현장 점검을 맡는다.\n"
        "행정안전부는 대책 총괄·조정을 담당하며, 이행 상황을 점검할 계획이다."
    )
    assert lead_of(body) == "행정안전부"
    noted = (
        "보고서는 작성 협의체(환경부 주관, 전문기관 참여)가 작성한다.\n"
        "농촌진흥청에서는 농업 분야 현황을 소개하였다."
    )
    assert lead_of(noted) == "환경부"


def test_a_head_of_a_body_speaks_for_it() -> None:
    body = (
        "이을순 공정거래위원장은 하도급 대금 지급을 점검할 계획이라고 밝혔다.\n"
        "중소벤처기업부가 신고 창구를 안내한다."
    )
    assert lead_of(body) == "공정거래위원회"


def test_the_first_of_a_joint_list_made_the_plan() -> None:
    body = "이번 방안은 소방청, 환경부, 국토교통부 등 관계부처 합동으로 마련되었다."
    assert lead_of(body) == "소방청"


def test_a_joint_action_inside_the_plan_is_not_who_made_it() -> None:
    body = (
        "대형 학원을 중심으로 교육부·교육청·지자체 등 관계기관 합동으로 방역 상태를 점검한다.\n"
        "질병관리청은 학원 방역 지침을 이달 중 배포할 계획이다."
    )
    assert lead_of(body) == "질병관리청"  # not 교육부, the first of the joint inspection


# --- headings that carry the lead ----------------------------------------------------------

NOTED = """[보도자료] 제12회 국정현안관계장관회의 개최

□ 정부는 5월 20일(월) 정부서울청사에서 국정현안관계장관회의를 열어 「봄철 산불 대응 대책」과 「청년 주거 지원 방안」, 「전통시장 활성화 방안」을 논의했습니다.

◈ 봄철 산불 대응 대책 및 조치계획 (산림청)

□ 정부는 산불 감시 인력을 늘리고 진화 헬기를 전진 배치합니다.

◈ 청년 주거 지원 방안 (관계부처 합동)

□ 국토교통부는 청년 전용 임대주택을 늘릴 계획입니다.

- 전통시장 활성화 방안 (중소벤처기업부)

□ 온누리상품권 환급 행사를 6월까지 엽니다.
"""


def test_marked_headings_with_a_ministry_note_give_the_lead() -> None:
    release = parse(NOTED)
    assert [(i.title, i.lead_ministry) for i in release.items] == [
        ("봄철 산불 대응 대책", "산림청"),
        ("청년 주거 지원 방안", None),
        ("전통시장 활성화 방안", "중소벤처기업부"),
    ]


def test_a_marked_line_with_a_note_that_is_no_ministry_is_not_a_heading() -> None:
    release = parse(NOTED.replace("(산림청)", "(잠정)"))
    assert release.items[0].lead_ministry is None


NUMBERED = """[보도자료] 제7회 과학기술관계장관회의 개최

□ 이날 회의에서는 양자 기술 투자전략을 토론안건으로 우주 부품 국산화 전략을 보고안건으로 상정·논의하였다.

ㅇ 또한, 위성 부품의 해외 의존도를 낮추기 위한 우주 부품 국산화 전략도 발표하였다.

1. 양자 기술 투자전략(안)

□ 정부는 양자 컴퓨팅 핵심기술에 집중 투자할 계획이다.

2. 우주 부품 국산화 전략(안)

□ 우주항공청은 위성 핵심부품 20종을 2030년까지 국산화할 계획이다.
"""


def test_numbered_headings_over_paragraphs_start_the_items_sections() -> None:
    release = parse(NUMBERED, date=dt.date(2024, 5, 20))
    assert [(i.title, i.lead_ministry) for i in release.items] == [
        ("양자 기술 투자전략", None),
        ("우주 부품 국산화 전략", "우주항공청"),
    ]
    assert release.items[1].body.startswith("2. 우주 부품 국산화 전략(안)")


def test_numbered_headings_alone_make_no_items() -> None:
    text = """[보도자료] 청사 이전 안내

1. 추진 배경

□ 청사가 낡아 이전이 필요하다.

2. 주요 내용

□ 새 청사는 2026년 3월 문을 연다.
"""
    with pytest.raises(ParseError):
        parse(text, date=dt.date(2024, 5, 20))


def test_an_attachment_line_naming_the_item_is_not_its_body() -> None:
    text = """[보도자료] 경제관계장관회의

환경부와 농림축산식품부는 5월 20일 경제관계장관회의에서 관계부처 합동 「하천 수질 개선 대책」을 확정·발표하였다.

정부는 하수처리시설을 늘린다.

환경부는 대책 총괄·조정을 담당하며, 이행 상황을 매년 점검할 계획이다.

붙임 : 하천 수질 개선 대책. 끝.
"""
    item = parse(text, date=dt.date(2024, 5, 20)).items[0]
    assert "정부는 하수처리시설을 늘린다" in item.body
    assert item.lead_ministry == "환경부"
