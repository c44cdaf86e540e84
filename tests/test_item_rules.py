"""Items a release names only in its headline and summary box (`highlight_titles`).

The releases are written for these tests in the style of a 사회관계장관회의 preview; none is
copied from a real one.
"""

from __future__ import annotations

import datetime as dt

from bot.reading import parse
from bot.reading.rules import Doc, highlight_titles

ON = dt.date(2024, 10, 14)

PREVIEW = """(공동 보도) '학교 급식 친환경 전환 계획' 제9차 사회관계장관회의 개최

▷ 지역 대학과 기업의 협력을 넓히기 위한 「현장실습 학점 인정 확대 방안」 마련

▷ 2025년부터 국공립 학교 급식에 친환경 식재료 50% 이상 사용

▷ 어르신 일자리의 질을 높이기 위한 「노인 일자리 개편 방안」 추진상황 점검

교육부(부총리 겸 교육부장관 홍길동)는 10월 14일(월) 정부세종청사에서 제9차 사회관계장관회의를 개최한다.

현장실습 학점 인정 확대 방안

이번 방안은 대학생 현장실습을 학점으로 인정하는 범위를 넓히려는 것이다.

① 인정 분야 확대

현장실습 외에 기업 공동 과제도 학점으로 인정한다.

② 운영 기준 정비

대학별 인정 기준을 하나로 맞춘다.

학교 급식 친환경 전환 계획

이번 계획은 학교 급식 식재료를 친환경 농산물로 바꾸는 것이다.

① 단계별 전환 목표

2027년까지 모든 국공립 학교로 넓힌다.

「노인 일자리 개편 방안」 추진상황 및 향후계획

지난해 발표한 방안의 추진상황을 점검한 결과는 다음과 같다.
"""


def test_a_preview_names_its_items_in_the_headline_and_summary_lines() -> None:
    release = parse(PREVIEW, date=ON)
    assert sorted(i.title for i in release.items) == [
        "노인 일자리 개편 방안",
        "학교 급식 친환경 전환 계획",
        "현장실습 학점 인정 확대 방안",
    ]
    bodies = {i.title: i.body for i in release.items}
    assert bodies["현장실습 학점 인정 확대 방안"].startswith("현장실습 학점 인정 확대 방안")
    assert "기업 공동 과제" in bodies["현장실습 학점 인정 확대 방안"]
    assert "2027년까지" in bodies["학교 급식 친환경 전환 계획"]
    # The summary box above the items is the meeting's: its plans are the meeting's milestones.
    assert dt.date(2025, 1, 1) in {m.date for m in release.meeting.milestones}


def test_the_summary_box_adds_nothing_when_a_sentence_names_the_items() -> None:
    announced = PREVIEW.replace(
        "정부세종청사에서 제9차 사회관계장관회의를 개최한다.",
        "정부세종청사에서 제9차 사회관계장관회의를 개최하고 「돌봄 인력 확충 방안」을 논의한다.",
    )
    assert [i.title for i in parse(announced, date=ON).items] == ["돌봄 인력 확충 방안"]


def test_a_quoted_slogan_in_the_summary_box_is_not_an_item() -> None:
    doc = Doc("▷ ‘함께하는 연대’와 ‘안전한 일상’ 구현\n▷ 「청년 주거 지원 방안」 마련\n", ON)
    assert [m.title for m in highlight_titles(doc)] == ["청년 주거 지원 방안"]


HEADED = """제11차 경제관계장관회의 개최
- 「수출 지원 방안」, 「물가 안정 대책」 등 3건 논의 -

□ 홍길동 경제부총리는 10월 14일(월) 경제관계장관회의를 주재하였다.

1. 「수출 지원 방안」
 ㅇ 무역보험 지원을 늘린다.

2. 「물가 안정 대책」
 ㅇ 농산물 비축 물량을 늘린다.

3. 「항만 물류 개선 방안」
 ㅇ 항만 자동화를 추진한다.
"""


def test_a_summary_line_over_headed_items_keeps_the_headings_it_leaves_out() -> None:
    release = parse(HEADED, date=ON)
    assert [i.title for i in release.items] == [
        "수출 지원 방안",
        "물가 안정 대책",
        "항만 물류 개선 방안",
    ]
