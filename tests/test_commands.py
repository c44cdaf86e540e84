"""Every command through the platform-neutral layer, on the bundled seed, as staff and admin."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import render
from bot.commands import REGISTRY
from bot.store import Store
from tests.conftest import Ask


def text_of(reply) -> str:  # type: ignore[no-untyped-def]
    return render.text(reply)


def test_help_lists_every_command(ask: Ask) -> None:
    out = text_of(ask("/help", page=None))
    for name in REGISTRY:
        assert f"/{name}" in out


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_command_has_help_usage_and_examples(ask: Ask, name: str) -> None:
    cmd = REGISTRY[name]
    assert cmd.details and cmd.usage.startswith(f"/{name}") and cmd.examples
    reply = ask(f"/help {name}")
    assert not reply.error and cmd.usage in text_of(reply)


def test_meetings(ask: Ask) -> None:
    out = text_of(ask("/meetings"))
    assert "제1회 과학기술관계장관회의" in out and "2025-11-24(월)" in out and "안건 10건" in out


def test_agenda_lists_latest_meeting_with_next_milestone(ask: Ask) -> None:
    out = text_of(ask("/agenda"))
    assert "안건 10건" in out
    assert "1.1" in out and "인공 지능 민생 10대 과제" in out
    assert "2026-12-31(목) D-36" in out  # NOW is 2026-11-25


def test_agenda_item_3_is_manufacturing_ax_of_the_trade_ministry(ask: Ask) -> None:
    reply = ask("/agenda 3")
    out = text_of(reply)
    assert not reply.error
    assert "제조 인공 지능 전환(M.AX)" in out and "산업통상부" in out and "심의·의결" in out


def test_agenda_item_1_shows_its_deadline_with_dday(ask: Ask) -> None:
    out = text_of(ask("/agenda 1.1"))
    assert "2026-12-31(목) D-36" in out and "2026년 말까지" in out
    assert "2027-01-01(금) D-37" in out


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("/agenda x", "안건 번호"),
        ("/agenda 99", "99번 안건은 없습니다"),
        ("/agenda 9.1", "9번 회의"),
        ("/agenda 1 2", "하나만"),
        ("/ministry", "부처 이름"),
        ("/ministry 중기청", "알 수 없는 부처"),
        ("/milestones -5", "1~3650"),
        ("/milestones 99999", "1~3650"),
        ("/milestones abc", "숫자"),
        ("/search", "검색어"),
        ("/followup done F999", "없습니다"),
        ("/nosuchcommand", "알 수 없는 명령"),
        ("/agnda 3", "/agenda"),
        ("/agenda " + "1" * 10_000, "너무 깁니다"),
        ("/search 보이스\x00피싱", "제어 문자"),
        ("/followup add 3 2026-02-30 과기정통부 점검", "날짜"),
        ("/followup add 3 13/40 과기정통부 점검", "날짜"),
        ("/followup add 99 2026-12-15 과기정통부 점검", "없습니다"),
        ("/followup add 3 2026-12-15 없는부 점검", "알 수 없는 부처"),
        ("/followup add 3 2026-12-15", "모두 입력"),
        ("/subscribe 월 25:00", "시각을 알 수 없습니다"),
        ("/subscribe Mars/Olympus", "시간대"),
        ("/meetings extra", "인자가 없습니다"),
    ],
)
def test_bad_input_gets_one_korean_line_and_changes_nothing(
    ask: Ask, store: Store, text: str, fragment: str
) -> None:
    before = store.path.read_bytes()
    reply = ask(text)
    out = text_of(reply)
    assert reply.error
    assert fragment in out
    assert "\n" not in out.strip()
    assert "Traceback" not in out
    if not text.startswith(("/nosuch", "/agnda")):
        assert "(사용법: /" in out
    assert store.path.read_bytes() == before


def test_usage_is_part_of_argument_errors(ask: Ask) -> None:
    assert "사용법: /ministry" in text_of(ask("/ministry"))


def test_ministry_aliases_are_one_ministry(ask: Ask) -> None:
    outs = [text_of(ask(f"/ministry {n}")) for n in ("중기부", "중기", "중소벤처기업부")]
    assert all("중소기업 인공 지능 활용·확산 지원방안" in o for o in outs)
    assert all(o.startswith("중소벤처기업부") for o in outs)


def test_ministry_by_old_name_finds_renamed_ministry(ask: Ask) -> None:
    out = text_of(ask("/ministry 산업통상자원부"))
    assert "제조 인공 지능 전환(M.AX)" in out


def test_unknown_ministry_suggests(ask: Ask) -> None:
    assert "혹시 중소벤처기업부" in text_of(ask("/ministry 중기청"))


def test_milestones_window_and_overdue(ask: Ask) -> None:
    out = text_of(ask("/milestones 36"))
    assert "2026-12-31(목) D-36" in out and "2027-01-01" not in out
    assert "2027-01-01(금) D-37" in text_of(ask("/milestones"))  # default: 60 days
    overdue = text_of(ask("/milestones overdue"))
    assert "2025-12-31" in overdue  # ’25.12월 중 — passed since


def test_search_survives_particles(ask: Ask) -> None:
    for q in ("보이스피싱", "보이스피싱을", "보이스피싱에 대한"):
        reply = ask(f"/search {q}")
        lines = [line for s in reply.sections for line in s.lines]
        assert lines and lines[0].label == "1.1", q
        assert "보이스피싱" in lines[0].detail


def test_search_ranks_title_matches_first(ask: Ask) -> None:
    lines = [line for s in ask("/search 국방").sections for line in s.lines]
    assert lines[0].label == "1.2"


def test_search_finds_followups(ask: Ask) -> None:
    ask("/followup add 6 2026-12-15 중기부 휴머노이드 실증 점검")
    labels = [line.label for s in ask("/search 휴머노이드를").sections for line in s.lines]
    assert "F1" in labels


def test_followup_lifecycle_is_audited(ask: Ask, store: Store) -> None:
    added = ask("/followup add 3 2026-12-15 과기정통부 데이터 구축 점검")
    assert not added.error and "F1" in added.title
    fu = store.followup("F1")
    assert (fu.meeting, fu.item, fu.owner, fu.due) == (
        1,
        3,
        "과학기술정보통신부",
        dt.date(2026, 12, 15),
    )
    assert "데이터 구축 점검" in text_of(ask("/followup"))
    assert "F1" in text_of(ask("/followup 과기정통부"))
    assert "F1" in text_of(ask("/followup 3"))
    assert "F1" in text_of(ask("/agenda 3"))
    ask("/followup edit F1 due=12월 20일 text=데이터 구축 중간 점검")
    fu = store.followup("f1")
    assert fu.due == dt.date(2026, 12, 20) and fu.text == "데이터 구축 중간 점검"
    assert not ask("/followup done F1 완료 보고 받음").error
    assert store.followup("F1").status == "done"
    assert ask("/followup done F1").error  # already done
    assert "없습니다" in text_of(ask("/followup"))
    actions = [(e.action, e.target, e.by) for e in store.audit_log()]
    assert ("followup.add", "F1", "console:console") in actions
    assert ("followup.edit", "F1.due", "console:console") in actions
    assert ("followup.edit", "F1.status", "console:console") in actions


@pytest.mark.parametrize("due", ["2026-12-15", "2026.12.15", "12/15", "12월 15일", "12.15"])
def test_due_date_forms(ask: Ask, store: Store, due: str) -> None:
    assert not ask(f"/followup add 3 {due} 과기정통부 점검").error
    assert store.followup("F1").due == dt.date(2026, 12, 15)


ADMIN_COMMANDS = [
    "/followup add 3 2026-12-15 과기정통부 점검",
    "/followup done F1",
    "/followup cancel F1",
    "/followup edit F1 note=x",
    "/subscribe 월 09:00",
    "/unsubscribe",
]


@pytest.mark.parametrize("text", ADMIN_COMMANDS)
def test_admin_commands_refused_for_staff(ask: Ask, store: Store, text: str) -> None:
    ask("/followup add 3 2026-12-15 과기정통부 점검", platform="telegram", user="100")
    ask("/subscribe", platform="telegram", user="100", chat="-5", private=False)
    before = store.path.read_bytes()
    reply = ask(text, platform="telegram", user="7", chat="-5", private=False)
    assert reply.error and "관리자만" in reply.title
    assert store.path.read_bytes() == before


def test_staff_may_subscribe_their_private_chat(ask: Ask, store: Store) -> None:
    reply = ask("/subscribe 금 17:30 중기부", platform="telegram", user="7", chat="7")
    assert not reply.error
    sub = store.subscription("telegram:7")
    assert sub is not None and (sub.weekday, sub.time, sub.ministries) == (
        4,
        "17:30",
        ("중소벤처기업부",),
    )
    assert "매주 금 17:30" in text_of(
        ask("/subscriptions", platform="telegram", user="7", chat="7")
    )
    assert not ask("/unsubscribe", platform="telegram", user="7", chat="7").error
    assert store.subscription("telegram:7") is None


def test_whoami(ask: Ask) -> None:
    out = text_of(ask("/whoami", platform="telegram", user="42", chat="-9", private=False))
    assert "42" in out and "-9" in out and "일반 사용자" in out
    assert "관리자" in text_of(ask("/whoami", platform="telegram", user="100"))


def test_digest_preview_shows_upcoming_deadline(ask: Ask) -> None:
    out = text_of(ask("/digest"))
    assert "2026-12-31" in out and "D-36" in out


def test_long_answers_are_paged(ask: Ask, store: Store) -> None:
    for i in range(40):
        store.add_followup(
            item=(1, 3), text=f"점검 {i}", owner="국방부", due=dt.date(2026, 12, 1), by="t"
        )
    first = ask("/followup")
    assert (first.page, first.pages) == (1, 3)
    assert [b.page for b in first.buttons] == [2]
    second = ask("/followup", page=2)
    assert [b.page for b in second.buttons] == [1, 3]
    assert sum(len(s.lines) for s in second.sections) == 15
    assert ask("/followup", page=None).line_count == 40


def test_telegram_style_bot_mention_is_understood(ask: Ask) -> None:
    assert "제조 인공 지능" in text_of(ask("/agenda@agenda_bot 3"))


def test_cached_answers_follow_writes_from_any_process(ask: Ask, store: Store) -> None:
    assert "F1" not in text_of(ask("/agenda 3"))
    assert ask("/agenda 3") is ask("/agenda 3")  # the same answer, reused
    ask("/followup add 3 2026-12-15 과기정통부 점검")
    assert "F1" in text_of(ask("/agenda 3"))
    Store(store.path).add_followup(
        item=(1, 3), text="다른 프로세스", owner="국방부", due=dt.date(2026, 12, 20), by="cli"
    )
    assert "다른 프로세스" in text_of(ask("/agenda 3"))


def test_cached_answers_follow_the_day(ctx) -> None:  # type: ignore[no-untyped-def]
    from bot.commands import Request, handle

    day = [dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)]
    ctx.clock = lambda: day[0]
    req = Request("console", "console", "console", "/agenda 1")
    assert "D-36" in text_of(handle(ctx, req))
    day[0] += dt.timedelta(days=1)
    assert "D-35" in text_of(handle(ctx, req))


def test_subscribe_skips_holidays_unless_asked(ask: Ask, store: Store) -> None:
    ask("/subscribe 월 09:00")
    sub = store.subscription("console:console")
    assert sub is not None and sub.skip_holidays
    assert "공휴일이면 다음 평일" in ask("/subscriptions").sections[0].lines[0].text
    ask("/subscribe 월 09:00 휴일포함")
    sub = store.subscription("console:console")
    assert sub is not None and not sub.skip_holidays


def test_search_falls_back_to_the_literal_text(ask: Ask) -> None:
    # Inside "로봇(휴머노이드)" the tokenizer yields 휴머노이, alone it yields 휴머노이드.
    lines = [line for s in ask("/search 휴머노이드").sections for line in s.lines]
    assert [line.label for line in lines] == ["1.3"]
    assert "휴머노이드" in lines[0].detail


# -- arguments recognised by kind (issue 10) ------------------------------------------------


def test_subscribe_understands_weekdays_and_times_as_people_write_them(
    ask: Ask, store: Store
) -> None:
    reply = ask("/subscribe 월요일 9시")
    assert not reply.error, reply.title
    sub = store.subscription("console:console")
    assert sub is not None and (sub.weekday, sub.time, sub.ministries) == (0, "09:00", ())
    reply = ask("/subscribe 목요일 오후 5시 중기부")
    assert not reply.error, reply.title
    sub = store.subscription("console:console")
    assert sub is not None and (sub.weekday, sub.time, sub.ministries) == (
        3,
        "17:00",
        ("중소벤처기업부",),
    )
    assert "매주 목 17:00" in reply.title


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/subscribe Fri 9시 30분 asia/seoul", (4, "09:30", "Asia/Seoul", True)),
        ("/subscribe 오전 8시 화욜", (1, "08:00", "Asia/Seoul", True)),
        ("/subscribe 정오 일요일 휴일 포함", (6, "12:00", "Asia/Seoul", False)),
        ("/subscribe monday 17:45 UTC", (0, "17:45", "UTC", True)),
    ],
)
def test_subscribe_words_in_any_order_and_spelling(
    ask: Ask, store: Store, text: str, expected: tuple[int, str, str, bool]
) -> None:
    reply = ask(text)
    assert not reply.error, reply.title
    sub = store.subscription("console:console")
    assert sub is not None and (sub.weekday, sub.time, sub.tz, sub.skip_holidays) == expected


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("/subscribe 금욜일", "요일을 알 수 없습니다: 금욜일"),
        ("/subscribe 월 25시", "시각을 알 수 없습니다: 25시"),
        ("/subscribe 월 9:75 중기부", "시각을 알 수 없습니다: 9:75"),
        ("/subscribe 오후 13시 중기부", "시각을 알 수 없습니다: 오후 13시"),
        ("/subscribe 월 Mars/Olympus", "시간대를 알 수 없습니다: Mars/Olympus"),
        ("/subscribe 월 화", "요일은 하나만"),
        ("/subscribe 9시 10시", "시각은 하나만"),
        ("/subscribe 월 9시 중기청", "'중기청'은 알 수 없는 부처입니다"),
        ("/followup done xyz", "후속조치 ID는 F1 처럼"),
        ("/followup edit 1.3 note=x", "후속조치 ID는 F1 처럼"),
        ("/followup edit F1 status=all", "상태는 open, done, cancelled"),
        ("/followup list done cancelled", "상태는 하나만"),
        ("/followup F1 중기부", "ID만 입력"),
        ("/followup F9", "없습니다"),
        ("/followup add 3 다음 주 금욜일 과기정통부 점검", "날짜를 알 수 없습니다"),
        ("/followup add 3 다음 주 금요일 과기정통부", "담당부처와 내용"),
    ],
)
def test_a_word_of_the_wrong_kind_gets_its_own_line_and_changes_nothing(
    ask: Ask, store: Store, text: str, line: str
) -> None:
    ask("/subscribe 수 10:00 과기정통부")
    ask("/followup add 3 2026-12-15 과기정통부 점검")
    before = store.path.read_bytes()
    subscription, followup = store.subscription("console:console"), store.followup("F1")
    reply = ask(text)
    out = text_of(reply)
    assert reply.error
    assert out.startswith(line) or line in out, out
    assert "\n" not in out.strip() and "(사용법: /" in out
    assert store.path.read_bytes() == before
    assert store.subscription("console:console") == subscription
    assert store.followup("F1") == followup


def test_unknown_ministry_particle_agrees_with_the_name(ask: Ask) -> None:
    assert "'없는부'는 알 수 없는 부처입니다" in text_of(ask("/ministry 없는부"))
    assert "'중기청'은 알 수 없는 부처입니다" in text_of(ask("/ministry 중기청"))


def test_followup_replies_use_the_particle_of_the_id(ask: Ask) -> None:
    assert ask("/followup add 3 2026-12-15 과기정통부 점검").title == "후속조치 F1을 추가했습니다."
    ask("/followup add 3 2026-12-15 과기정통부 점검 2")
    assert ask("/followup edit F2 note=x").title == "후속조치 F2를 수정했습니다."
    assert ask("/followup done F2").title == "후속조치 F2를 완료 처리했습니다."
    assert ask("/followup done F2").title.startswith("F2는 이미 완료 상태입니다.")
    assert ask("/followup cancel F1").title == "후속조치 F1을 취소 처리했습니다."
    assert text_of(ask("/milestones abc")).startswith("일수는 숫자여야 합니다")


def test_followup_id_alone_shows_it_in_full_with_its_history(ask: Ask) -> None:
    ask("/followup add 3 2026-12-15 과기정통부 데이터 구축 점검", platform="telegram", user="100")
    ask("/followup edit F1 due=12월 20일")
    ask("/followup done F1 중간 보고 받음")
    for text in ("/followup F1", "/followup f1", "/followup show F1", "/followup list F1"):
        reply = ask(text)
        assert not reply.error, reply.title
        assert reply.title == "후속조치 F1 (완료)"
        out = text_of(reply)
        assert "내용  데이터 구축 점검" in out
        assert "담당  과학기술정보통신부" in out
        assert "마감  2026-12-20(일) D-25" in out
        assert "상태  완료" in out and "메모  중간 보고 받음" in out
        assert "[1.3] 제조 인공 지능 전환(M.AX)" in out
        assert "등록  2026-11-25 10:00 · telegram:100" in out
        assert "[변경 이력]" in out
        assert "마감: 2026-12-15(화) → 2026-12-20(일)  (console:console)" in out
        assert "상태: 진행 → 완료" in out and "메모: (없음) → 중간 보고 받음" in out


def test_a_followup_without_changes_says_so(ask: Ask) -> None:
    ask("/followup add 3 2026-12-15 과기정통부 점검")
    out = text_of(ask("/followup F1"))
    assert "마감  2026-12-15(화) D-20" in out and "[변경 이력]\n없음" in out
    assert "완료: /followup done F1" in out


@pytest.mark.parametrize(
    ("words", "shown", "title"),
    [
        ("", ["F1"], "진행 중인 후속조치 1건"),
        ("list", ["F1"], "진행 중인 후속조치 1건"),
        ("진행", ["F1"], "진행 중인 후속조치 1건"),
        ("list done", ["F2"], "완료된 후속조치 1건"),
        ("list 완료", ["F2"], "완료된 후속조치 1건"),
        ("list cancelled", ["F3"], "취소된 후속조치 1건"),
        ("list 취소", ["F3"], "취소된 후속조치 1건"),
        ("cancelled", ["F3"], "취소된 후속조치 1건"),
        ("list all", ["F1", "F2", "F3"], "전체 후속조치 3건"),
        ("전체", ["F1", "F2", "F3"], "전체 후속조치 3건"),
        ("list done 과기정통부", ["F2"], "과학기술정보통신부 후속조치(완료) 1건"),
        ("list all 3", ["F1", "F2", "F3"], "후속조치(전체) 3건"),
    ],
)
def test_followup_list_by_status(ask: Ask, words: str, shown: list[str], title: str) -> None:
    for n in (1, 2, 3):
        ask(f"/followup add 3 2026-12-1{n} 과기정통부 점검 {n}")
    ask("/followup done F2")
    ask("/followup cancel F3")
    reply = ask(f"/followup {words}".strip())
    assert not reply.error, reply.title
    assert [line.label for s in reply.sections for line in s.lines] == shown
    assert reply.title.endswith(title)
    if shown != ["F1"]:
        assert "· 완료" in text_of(reply) or "· 취소" in text_of(reply)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("내일", "2026-11-26"),
        ("오늘", "2026-11-25"),
        ("모레", "2026-11-27"),
        ("이번 주 금요일", "2026-11-27"),
        ("다음 주 금요일", "2026-12-04"),
        ("다음주금요일", "2026-12-04"),
        ("다음 주 금", "2026-12-04"),
        ("이번 달 말", "2026-11-30"),
        ("다음 달 말", "2026-12-31"),
        ("12월 말", "2026-12-31"),
        ("12월 초", "2026-12-05"),
        ("12월 중순", "2026-12-15"),
        ("2026년 12월 15일", "2026-12-15"),
    ],
)
def test_relative_due_dates_through_followup_add(
    ask: Ask, store: Store, due: str, expected: str
) -> None:
    reply = ask(f"/followup add 3 {due} 과기정통부 현장 점검")
    assert not reply.error, reply.title
    fu = store.followup("F1")
    assert fu.due == dt.date.fromisoformat(expected)
    assert (fu.owner, fu.text) == ("과학기술정보통신부", "현장 점검")


def test_relative_due_date_through_followup_edit(ask: Ask, store: Store) -> None:
    ask("/followup add 3 2026-12-15 과기정통부 점검")
    assert not ask("/followup edit F1 due=다음 주 금요일").error
    assert store.followup("F1").due == dt.date(2026, 12, 4)


@pytest.mark.parametrize(
    ("text", "repeatable"),
    [
        ("/followup F1", True),
        ("/followup show F1", True),
        ("/followup list done", True),
        ("/followup list 완료", True),
        ("/followup 전체", True),
        ("/followup 완료 F1", False),
        ("/followup 취소 F1", False),
    ],
)
def test_a_page_button_may_repeat_show_and_list_never_a_change(text: str, repeatable: bool) -> None:
    from bot.commands import may_repeat

    assert may_repeat(text) is repeatable


def test_edit_errors_use_the_particle_of_the_field(ask: Ask) -> None:
    assert text_of(ask('/agenda edit 1.3 title=""')).startswith("제목은 비울 수 없습니다.")
