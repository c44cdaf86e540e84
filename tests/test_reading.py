"""Press release → Release: the seed against the reference result, and releases in other shapes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ParseError
from bot.reading import parse, read_document, release_to_json
from bot.reading.content import key_points
from bot.reply import shorten
from bot.resources import data_path


def read_text(path: Path) -> str:
    return read_document(path).text


RELEASES = Path(__file__).parent / "releases"
SEED = data_path("seeds", "2025-11-24_sci-tech-ministers-meeting-1.txt")


def parsed(name: str, **kwargs: Any) -> dict[str, Any]:
    path = RELEASES / name
    return release_to_json(parse(read_text(path), source=path.name, **kwargs))


def milestones(entry: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(m["date"], m["precision"], m["kind"]) for m in entry["milestones"]]


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    return release_to_json(parse(read_text(SEED), source=SEED.name))


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    expected: dict[str, Any] = json.loads(
        (RELEASES / "seed-expected.json").read_text(encoding="utf-8")
    )
    return expected


def test_seed_meeting(seed: dict[str, Any], expected: dict[str, Any]) -> None:
    assert {k: seed["meeting"][k] for k in expected["meeting"]} == expected["meeting"]
    assert seed["meeting_milestones"] == expected["meeting_milestones"]


def test_seed_has_all_ten_items(seed: dict[str, Any], expected: dict[str, Any]) -> None:
    assert [a["number"] for a in seed["agenda"]] == list(range(1, 11))
    assert [a["title"] for a in seed["agenda"]] == [a["title"] for a in expected["agenda"]]


@pytest.mark.parametrize("number", range(1, 11))
def test_seed_item(seed: dict[str, Any], expected: dict[str, Any], number: int) -> None:
    got, want = seed["agenda"][number - 1], expected["agenda"][number - 1]
    for key in ("number", "title", "decision", "ministries", "milestones"):
        assert got[key] == want[key], key


def test_seed_item_details() -> None:
    release = parse(read_text(SEED), source=SEED.name)
    first = release.items[0]
    assert first.lead_ministry == "과학기술정보통신부"
    assert first.body.startswith("<안건 1>")
    assert "논의되었다" in first.summary
    assert 2 <= first.summary.count("다.") <= 3
    assert release.items[2].key_points[:3] == (
        "제조 인공 지능 전환(AX) 생태계 구축",
        "인공 지능 기반의 공정 혁신",
        "인공 지능 기반의 제품 혁신",
    )
    assert release.items[5].body.startswith("1호~5호 안건 외에도")
    assert release.meeting.source_sha256 and release.meeting.number == 0
    assert all(item.summary for item in release.items)


def test_seed_year_comes_from_the_weekday_and_the_years_in_the_text() -> None:
    release = parse(read_text(SEED))
    assert release.meeting.date == dt.date(2025, 11, 24)


def test_given_date_wins() -> None:
    release = parse(read_text(SEED), date=dt.date(2025, 11, 25))
    assert release.meeting.date == dt.date(2025, 11, 25)


# --- releases in other shapes -----------------------------------------------------------------


def test_bracket_headings_before_the_reorganisation() -> None:
    result = parsed("bracket-pre-reorg.txt")
    assert {k: result["meeting"][k] for k in ("title", "ordinal", "date", "chair")} == {
        "title": "제5차 경제관계장관회의",
        "ordinal": 5,
        "date": "2025-03-12",
        "chair": "최상목 부총리 겸 기획재정부 장관",
    }
    one, two, three = result["agenda"]
    assert one["title"] == "반도체 산업 경쟁력 강화 방안"  # the (산업부) note is not the title
    assert one["ministries"] == ["산업통상자원부"]  # 산업부 before 2025-10-01
    # "3건의 안건이 논의되었다" in the preamble: discussed, unless a block says more.
    assert (one["decision"], two["decision"]) == ("논의", "논의")
    assert milestones(one) == [
        ("2026-06-30", "half", "deadline"),
        ("2026-07-01", "half", "start"),  # 하반기 of the 2026 named earlier in the sentence
        ("2026-03-31", "quarter", "deadline"),
        ("2025-06-30", "month", "deadline"),
    ]
    assert two["title"] == "수출 금융 지원 확대 방안"
    assert two["lead_ministry"] == "기획재정부"
    assert two["ministries"] == ["기획재정부", "금융위원회"]
    assert milestones(two) == [
        ("2025-07-01", "quarter", "start"),
        ("2026-03-15", "day", "event"),
        ("2025-12-31", "year", "deadline"),
    ]
    assert two["milestones"][1]["text"] == "2026.3.15 시행"
    assert (three["decision"], three["ministries"]) == ("심의·의결", ["환경부"])
    assert milestones(three) == [
        ("2025-12-31", "year", "deadline"),
        ("2026-06-30", "half", "deadline"),
    ]


def test_circled_agenda_numbers() -> None:
    result = parsed("circled-agenda.txt")
    assert result["meeting"]["title"] == "제12회 국정현안관계장관회의"
    assert result["meeting"]["date"] == "2025-12-04"
    assert result["meeting"]["chair"] == "김민석 국무총리"
    one, two = result["agenda"]
    assert (one["title"], one["decision"], one["ministries"]) == (
        "청년 일자리 종합대책",
        "심의·의결",
        ["고용노동부"],
    )
    assert milestones(one) == [
        ("2026-03-01", "month", "start"),
        ("2026-03-31", "month", "deadline"),
        ("2026-03-31", "month", "deadline"),
        ("2026-06-30", "half", "deadline"),
    ]
    assert (two["title"], two["decision"], two["ministries"]) == (
        "농산물 수급 안정 대책",
        "보고",
        ["농림축산식품부"],
    )
    assert milestones(two) == [
        ("2025-12-31", "month", "deadline"),
        ("2025-12-26", "day", "deadline"),
    ]


def test_numbered_ho_headings_and_attendee_table() -> None:
    result = parsed("jeho-attendees.txt")
    assert result["meeting"]["title"] == "제3차 인구전략 관계장관회의"  # spaced as written
    assert result["meeting"]["date"] == "2025-11-05"
    one, two = result["agenda"]
    assert (one["title"], one["decision"], one["ministries"]) == (
        "저출생 대응 주거 지원 강화 방안",
        "논의",
        ["국토교통부"],
    )
    assert milestones(one) == [("2027-12-31", "year", "deadline"), ("2026-01-01", "year", "start")]
    assert (two["title"], two["decision"]) == ("일·가정 양립 문화 확산 방안", "심의·의결")
    assert two["ministries"] == ["고용노동부", "성평등가족부"]
    assert milestones(two) == [("2025-12-31", "year", "deadline")]


def test_attendee_list_short_forms_resolve() -> None:
    # The ·-joined list sits in the preamble table; the parser's ministry lookup reads it whole.
    text = (
        "□ 정부는 11월 5일(수) 제3차 인구전략 관계장관회의를 개최하였다.\n"
        "* (참석) 교육·외교·문체·복지·환경·국토·해수·중기부 장차관\n"
        "<안건 1> 「인구 대응 방안」\n"
        "교육·외교·문체·복지·환경·국토·해수·중기부 장차관이 함께 「인구 대응 방안」을 논의하였다.\n"
    )
    [item] = parse(text).items
    assert item.ministries == (
        "교육부",
        "외교부",
        "문화체육관광부",
        "보건복지부",
        "기후에너지환경부",
        "국토교통부",
        "해양수산부",
        "중소벤처기업부",
    )
    assert item.decision == "논의"


def test_numbered_quote_headings() -> None:
    result = parsed("numbered-quotes.txt")
    assert result["meeting"]["title"] == "제2회 과학기술관계장관회의"
    assert result["meeting"]["date"] == "2025-12-22"
    titles = [a["title"] for a in result["agenda"]]
    assert titles == [
        "인공 지능 반도체 산업 육성 전략",
        "우주 항공 산업 발전 전략",
        "연구 장비 공동 활용 체계 개선안",
    ]
    assert [a["decision"] for a in result["agenda"]] == ["심의·의결", "보고", "논의"]
    assert result["agenda"][1]["ministries"] == ["우주항공청"]
    assert result["agenda"][2]["ministries"] == ["과학기술정보통신부", "교육부"]
    assert milestones(result["agenda"][1]) == [
        ("2030-12-31", "year", "deadline"),
        ("2026-01-01", "year", "start"),
    ]


def test_circled_headings() -> None:
    result = parsed("circled-headings.txt")
    assert result["meeting"]["date"] == "2025-09-03"
    assert result["meeting"]["chair"] == "구윤철 부총리 겸 기획재정부 장관"
    one, two = result["agenda"]
    assert (one["title"], one["decision"], one["ministries"]) == (
        "소상공인 경영 안정 지원 대책",
        "심의·의결",
        ["중소벤처기업부"],
    )
    assert milestones(one) == [
        ("2025-10-01", "month", "start"),
        ("2025-10-01", "quarter", "start"),
        ("2025-12-31", "year", "deadline"),
    ]
    assert (two["title"], two["decision"]) == ("물가 안정을 위한 유통 구조 개선 방안", "논의")
    assert two["ministries"] == ["농림축산식품부", "공정거래위원회"]
    assert milestones(two) == [("2026-12-31", "half", "event"), ("2025-12-31", "year", "deadline")]


def test_items_only_in_prose() -> None:
    result = parsed("prose-only.txt")
    assert {k: result["meeting"][k] for k in ("title", "ordinal", "date", "chair")} == {
        "title": "제3회 사회관계장관회의",
        "ordinal": 3,
        "date": "2026-01-14",
        "chair": "김민석 국무총리",
    }
    assert [(a["title"], a["decision"]) for a in result["agenda"]] == [
        ("고립·은둔 청년 지원 방안", "심의·의결"),
        ("가족 돌봄 청년 지원 확대 방안", "심의·의결"),
        ("2026년 국가 안전 대진단 추진 계획", "보고"),
        ("청소년 사이버 도박 근절 대책", "심의·의결"),
    ]
    one, two, three, four = result["agenda"]
    assert one["ministries"] == two["ministries"] == ["보건복지부"]
    assert (
        milestones(one)
        == milestones(two)
        == [
            ("2026-12-31", "half", "deadline"),
            ("2027-01-01", "year", "start"),
        ]
    )
    assert three["ministries"] == ["행정안전부"]
    assert milestones(three) == [
        ("2026-02-01", "month", "start"),
        ("2026-04-30", "month", "deadline"),
    ]
    assert set(four["ministries"]) == {"경찰청", "교육부"}
    assert milestones(four) == [("2026-03-01", "month", "start")]


def test_dates_in_every_form() -> None:
    result = parsed("mixed-dates.txt")
    assert result["meeting"]["date"] == "2026-02-09"  # from "2026. 2. 9.(월)"
    assert result["meeting"]["title"] == "제4회 과학기술관계장관회의"
    [history] = result["meeting_milestones"]
    assert (history["date"], history["kind"], history["past"]) == ("2025-12-01", "event", True)
    one, two = result["agenda"]
    assert [(m["text"], m["date"]) for m in one["milestones"]] == [
        ("’26.4월 착수", "2026-04-01"),
        ("2028년 말까지 완료", "2028-12-31"),
        ("'26.3월 개정", "2026-03-31"),
        ("「생명공학육성법」(’26.7.1 시행) 개정에 맞춰 지원 체계를 정비", "2026-07-01"),
        ("3월 중 시범 개방", "2026-03-31"),
        ("5월 20일 정식 개통할 예정", "2026-05-20"),
        ("올해 3분기에 사업자를 선정", "2026-09-30"),
    ]
    assert two["ministries"] == ["산업통상부", "과학기술정보통신부"]  # 산업부 after 2025-10-01
    assert milestones(two) == [
        ("2027-06-30", "half", "deadline"),
        ("2026-06-30", "half", "deadline"),
        ("2026-01-01", "month", "event"),
    ]


def test_release_to_json_shape() -> None:
    result = parsed("numbered-quotes.txt")
    assert set(result) >= {"meeting", "agenda", "meeting_milestones"}
    assert set(result["meeting"]) == {
        *("title", "ordinal", "date", "chair", "venue", "attendees"),
        *("source", "url", "source_sha256"),
    }
    assert isinstance(result["warnings"], list)
    for entry in result["agenda"]:
        assert set(entry) >= {"number", "title", "decision", "lead_ministry", "ministries"}
        assert set(entry) >= {"summary", "milestones"}
        for m in entry["milestones"]:
            assert set(m) == {"text", "date", "precision", "kind", "past"}
    json.dumps(result, ensure_ascii=False)


# --- encodings and bad input ------------------------------------------------------------------


def test_cp949_file(tmp_path: Path) -> None:
    text = (RELEASES / "circled-agenda.txt").read_text(encoding="utf-8")
    path = tmp_path / "release-cp949.txt"
    path.write_bytes(text.encode("cp949"))
    assert read_text(path) == text
    assert [i.title for i in parse(read_text(path)).items] == [
        "청년 일자리 종합대책",
        "농산물 수급 안정 대책",
    ]


def test_utf8_bom_file(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes())
    assert read_text(path) == read_text(SEED)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "빈 파일"),
        (b"   \n\n", "빈 파일"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "형식"),
        (b"plain ascii text, no Korean at all", "한글"),
        (b"\xff\xfe\xfd\x80\x81\x82 broken", "인코딩"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ParseError, match=message) as error:
        read_text(path)
    assert "\n" not in error.value.message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="찾을 수 없습니다"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(ParseError, match="폴더"):
        read_text(tmp_path)


def test_no_agenda() -> None:
    with pytest.raises(ParseError, match="안건을 찾을 수 없습니다"):
        parse(read_text(RELEASES / "no-agenda.txt"))


def test_empty_text() -> None:
    with pytest.raises(ParseError):
        parse("  \n ")


def test_no_meeting_date() -> None:
    text = "<안건 1> 「데이터 활용 방안」\n「데이터 활용 방안」이 논의되었다."
    with pytest.raises(ParseError, match="날짜"):
        parse(text)
    assert parse(text, date=dt.date(2026, 1, 5)).meeting.date == dt.date(2026, 1, 5)


def test_quoted_law_in_preamble_is_not_an_item() -> None:
    text = (
        "□ 정부는 11월 24일(월) 회의를 개최하였다.\n"
        "* 「과학 기술 관계 장관회의 규정」(대통령령, 11.21 시행) 제정\n"
        "<안건 1> 「국방 인공 지능 전환 전략」\n"
        "「국방 인공 지능 전환 전략」이 논의되었다. 국방부는 「국방 인공 지능 전환 전략」을 추진할 계획이다.\n"
    )
    release = parse(text)
    assert [i.title for i in release.items] == ["국방 인공 지능 전환 전략"]
    assert release.items[0].decision == "논의"
    assert [m.date for m in release.meeting.milestones] == [dt.date(2025, 11, 21)]


def test_items_named_by_ho_with_single_quotes() -> None:
    result = parsed("ho-prose-quotes.txt")
    assert result["meeting"]["date"] == "2025-11-24"  # the meeting, not the embargo line
    assert [(a["title"], a["decision"], a["ministries"]) for a in result["agenda"]] == [
        ("청년 주거 지원 방안", "논의", ["국토교통부"]),
        ("소상공인 지원 대책", "심의·의결", ["중소벤처기업부"]),
    ]
    assert milestones(result["agenda"][0]) == [("2026-06-30", "half", "deadline")]
    assert milestones(result["agenda"][1]) == [("2025-12-31", "year", "deadline")]


def test_title_on_the_next_line_and_decision_note() -> None:
    result = parsed("next-line-title.txt")
    one, two = result["agenda"]
    assert (one["title"], one["decision"], one["ministries"]) == (
        "데이터 산업 진흥 전략",
        "논의",
        ["과학기술정보통신부"],
    )
    assert (two["title"], two["decision"], two["ministries"]) == (
        "개인정보 보호 강화 방안",
        "보고",
        ["개인정보보호위원회"],
    )
    assert milestones(two) == [("2026-03-31", "month", "deadline")]


def test_economic_ministers_release_with_numbered_quoted_headings() -> None:
    release = parse(read_text(RELEASES / "econ-numbered-quotes.txt"))
    m = release.meeting
    assert (m.title, m.ordinal, m.date) == ("제15차 경제관계장관회의", 15, dt.date(2025, 7, 3))
    assert m.chair == "최상목 부총리 겸 기획재정부 장관"
    assert [i.title for i in release.items] == [
        "2025년 하반기 경제정책방향", "소상공인 부담경감 방안", "청년 일자리 지원 강화 방안",
    ]  # fmt: skip
    assert [i.lead_ministry for i in release.items] == [
        "기획재정부",
        "중소벤처기업부",
        "고용노동부",
    ]
    first = {(ms.date, ms.precision, ms.kind) for ms in release.items[0].milestones}
    assert (dt.date(2025, 9, 30), "month", "deadline") in first  # '25.9월까지
    assert (dt.date(2026, 1, 1), "month", "start") in first  # 2026년 1월부터
    assert (dt.date(2025, 9, 30), "quarter", "deadline") in first  # 3분기 중
    assert all(not p.startswith(("ㅇ", "□")) for i in release.items for p in i.key_points)


def test_policy_meeting_release_with_items_only_in_prose_and_a_briefing() -> None:
    release = parse(read_text(RELEASES / "policy-prose-briefed.txt"))
    assert (release.meeting.title, release.meeting.chair) == (
        "제7회 국가정책조정회의",
        "김민석 국무총리",
    )
    assert [(i.title, i.decision) for i in release.items] == [
        ("겨울철 재난안전 대책", "심의·의결"),
        ("민생물가 안정 방안", "심의·의결"),
        ("공공기관 지방이전 추진현황", "보고"),  # 보고받았다
    ]


@pytest.mark.parametrize("bar", ["|", "│"])
def test_agenda_table_gives_the_decisions_the_blocks_do_not_state(bar: str) -> None:
    release = parse(read_text(RELEASES / "agenda-table.txt").replace("|", bar))
    assert [(i.title, i.decision, i.lead_ministry) for i in release.items] == [
        ("첨단바이오 이니셔티브", "의결", "과학기술정보통신부"),
        ("국가 우주항공 산업 발전 전략", "의결", "우주항공청"),
        ("2026년 국가연구개발 예산 배분 방향", "보고", "과학기술정보통신부"),
        ("인공지능 반도체 생태계 점검 결과", "보고", "산업통상부"),
    ]
    assert release.items[0].ministries == ("과학기술정보통신부", "보건복지부")
    starts = {(m.date, m.kind) for m in release.items[0].milestones}
    assert (dt.date(2027, 7, 1), "start") in starts  # '27년 하반기부터


def test_lenticular_headings_contacts_and_attachments() -> None:
    release = parse(read_text(RELEASES / "lenticular-brackets-attachments.txt"))
    assert [i.title for i in release.items] == ["양자 종합계획 이행 점검", "탄소중립 기술혁신 전략"]
    # The contact line and the attachment list after the last item are not part of it.
    assert release.items[1].ministries == ("기후에너지환경부", "산업통상부")
    assert "문의" not in release.items[1].body and "붙임" not in release.items[1].body
    # A long-range goal's year does not carry over to this year's next step in its sentence.
    dates = {m.text.split()[0]: m.date for m in release.items[0].milestones}
    assert dates == {"2028년까지": dt.date(2028, 12, 31), "9월": dt.date(2026, 9, 1)}


def test_dotted_meeting_date_and_a_decision_stated_once_for_all_items() -> None:
    release = parse(read_text(RELEASES / "dotted-date-preamble-decision.txt"))
    assert release.meeting.date == dt.date(2025, 12, 18)  # 12.18(목), not a milestone's date
    assert [(i.title, i.decision) for i in release.items] == [
        ("국가 AI 컴퓨팅 인프라 확충 방안", "의결"),
        ("AI 기본법 하위법령 제정 계획", "의결"),
    ]
    assert release.items[1].ministries == ("과학기술정보통신부", "법제처")


def test_decision_of_items_named_in_a_preamble_sentence() -> None:
    release = parse(read_text(RELEASES / "econ-numbered-quotes.txt"))
    assert [i.decision for i in release.items] == ["논의", "논의", "논의"]


def test_unnumbered_diamond_headings_when_the_text_speaks_of_agenda_items() -> None:
    release = parse(read_text(RELEASES / "diamond-headings.txt"))
    assert [(i.title, i.decision, i.lead_ministry) for i in release.items] == [
        ("설 명절 민생안정 대책", "논의", "행정안전부"),
        ("전세사기 피해자 지원 강화방안", "논의", "국토교통부"),
    ]
    texts = [m.text for m in release.items[1].milestones]
    assert "올해 상반기 중 1,000호로 늘리고" in texts  # a number's comma does not end the clause


def test_decision_sections_and_heading_ministry_notes() -> None:
    release = parse(read_text(RELEASES / "decision-sections.txt"))
    assert [(i.title, i.decision, i.lead_ministry) for i in release.items] == [
        ("바이오헬스 규제혁신 방안", "의결", "보건복지부"),  # (복지부·식약처): the first
        ("스마트시티 확산 전략", "의결", "국토교통부"),
        ("규제샌드박스 운영 성과", "보고", "국무조정실"),  # under [보고안건]
    ]
    assert release.items[0].ministries == ("보건복지부", "식품의약품안전처")
    assert release.meeting.chair == "국무총리"


def test_items_listed_in_one_sentence_with_their_ministries() -> None:
    release = parse(read_text(RELEASES / "prose-list-with-ministry-notes.txt"))
    assert [(i.title, i.decision, i.lead_ministry) for i in release.items] == [
        ("추석 민생안정 대책", "의결", "기획재정부"),
        ("태풍 대비 안전관리 대책", "의결", "행정안전부"),
    ]
    assert release.meeting.chair == "국무총리"  # named in the sentence that lists the items


def test_long_key_points_are_cut_at_a_word() -> None:
    """Key points and reply lines share `bot.reply.shorten`; key points end on a whole word."""
    words = " ".join(["데이터"] * 30)  # 119 characters
    point = key_points(f"▲ {words}\n")[0]
    assert point.endswith("데이터…") and len(point) <= 81
    assert shorten(words, 80) == words[:79] + "…"
    assert shorten(words, 80, at_word=True) == point
    assert shorten("  짧은\n 문장 ", 80, at_word=True) == "짧은 문장"
