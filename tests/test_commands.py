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
        ("/subscribe 월 25:00", "없는 시각"),
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
