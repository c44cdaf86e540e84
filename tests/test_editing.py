"""The admin edit commands through the command layer: /meeting, /agenda add|edit|remove,
/milestone, /history, /undo, /admin; every wrong input leaves the database file unchanged."""

from __future__ import annotations

import pytest

from bot import render
from bot.commands import may_repeat
from bot.reply import Reply
from bot.store import Store
from tests.conftest import ADMIN_TG, Ask


def text_of(reply: Reply) -> str:
    return render.text(reply)


def first_milestone(store: Store) -> str:
    store.ensure_milestone_ids()
    return next(m.id for i in store.items() for m in i.milestones if m.kind == "deadline")


def test_meeting_add_edit_remove_with_confirmation(ask: Ask, store: Store) -> None:
    out = text_of(ask("/meeting add 제5회 국가정책조정회의 2026-01-15"))
    assert "2번 회의 (제5회 국가정책조정회의)를 추가했습니다" in out
    assert store.meeting(2).ordinal == 5
    out = text_of(
        ask('/meeting edit 2 title="제6회 국가정책조정회의" 주재=국무총리 date=2026-02-01')
    )
    assert "제5회 국가정책조정회의 → 제6회 국가정책조정회의" in out and "(없음) → 국무총리" in out
    assert "2026-01-15 → 2026-02-01" in out
    asked = ask("/meeting remove 2")
    assert "삭제할까요" in text_of(asked) and store.meeting(2)
    assert [b.command for b in asked.buttons] == ["/meeting remove 2 확인"]
    assert asked.buttons[0].action  # pressed once, as the presser; never a page button
    assert not may_repeat("/meeting remove 2 확인") and may_repeat("/meeting remove 2") is True
    assert "삭제했습니다" in text_of(ask("/meeting remove 2 확인"))
    assert [m.number for m in store.meetings()] == [1]


def test_agenda_add_edit_remove(ask: Ask, store: Store) -> None:
    out = text_of(ask("/agenda add 1 「시범 안건 하나」 보고 과기정통부 교육부"))
    assert "1.11 안건" in out
    item = store.item(1, 11)
    assert item.title == "시범 안건 하나" and item.decision == "보고"
    assert item.ministries == ("과학기술정보통신부", "교육부")
    out = text_of(
        ask(
            '/agenda edit 1.11 제목="고친 안건" 결정=의결 주관=교육부 ministries=교육부,중기부 요약="짧은 요약"'
        )
    )
    assert "시범 안건 하나 → 고친 안건" in out and "보고 → 의결" in out
    assert store.item(1, 11).ministries == ("교육부", "중소벤처기업부")
    assert "짧은 요약" in text_of(ask("/agenda 1.11"))
    assert "삭제했습니다" in text_of(ask("/agenda remove 1.11"))
    assert "없습니다" in text_of(ask("/agenda 1.11"))


def test_milestone_commands_and_life_cycle_shown(ask: Ask, store: Store) -> None:
    mid = first_milestone(store)
    ref = store.milestone(mid)[0].ref
    assert mid in text_of(ask(f"/agenda {ref}"))
    out = text_of(ask(f"/milestone delay {mid} 2027-03-31 예산 지연"))
    assert "지연" in out and "원래" in out
    out = text_of(ask(f"/agenda {ref}"))
    assert "2027-03-31" in out and "원래 " in out
    assert "완료" in text_of(ask(f"/milestone done {mid} 끝"))
    assert store.milestone(mid)[1].note == "끝"
    out = text_of(ask("/milestone add 1.2 2026-12-31 시범 운영 완료"))
    new = store.item(1, 2).milestones[-1]
    assert new.id in out and new.text == "시범 운영 완료"
    out = text_of(ask(f'/milestone edit {new.id} 내용="본 운영" 날짜=2027-01-31'))
    assert "시범 운영 완료 → 본 운영" in out and "2026-12-31 → 2027-01-31" in out
    assert "취소" in text_of(ask(f"/milestone drop {new.id}"))


def test_overdue_leaves_out_done_and_dropped(ask: Ask, store: Store) -> None:
    store.ensure_milestone_ids()
    out = text_of(ask("/milestones overdue", page=None))
    overdue = [
        m for i in store.items() for m in i.milestones
        if m.kind == "deadline" and not m.past and m.date < store.now().date()
    ]  # fmt: skip
    if not overdue:
        store.add_milestone((1, 2), store.now().date().replace(year=2020), "오래된 마감", by="x")
        overdue = [store.item(1, 2).milestones[-1]]
        out = text_of(ask("/milestones overdue", page=None))
    assert overdue[0].text[:20] in out
    ask(f"/milestone done {overdue[0].id}")
    assert overdue[0].text[:20] not in text_of(ask("/milestones overdue", page=None))


def test_history_shows_before_and_after_newest_first(ask: Ask) -> None:
    ask('/agenda edit 1.3 title="첫 제목"')
    ask('/agenda edit 1.3 title="둘째 제목"')
    out = text_of(ask("/history 1.3"))
    assert out.index("첫 제목 → 둘째 제목") < out.index("→ 첫 제목")
    assert "console:console" in out and "안건 수정" in out
    assert "변경 기록" in text_of(ask("/history"))
    assert ask("/history 엉뚱").error


def test_undo_through_chat(ask: Ask, store: Store) -> None:
    title = store.item(1, 3).title
    ask('/agenda edit 1.3 title="잠깐 제목"')
    assert "되돌렸습니다" in text_of(ask("/undo"))
    assert store.item(1, 3).title == title
    nothing = ask("/undo")
    assert "되돌릴 변경이 없습니다" in text_of(nothing) and not nothing.error


def test_admins_added_in_chat_take_effect_at_once(ask: Ask, store: Store) -> None:
    as_7 = {"platform": "telegram", "user": "7"}
    assert ask("/undo", **as_7).error  # not an admin yet
    assert "추가했습니다" in text_of(ask("/admin add 7", platform="telegram", user=ADMIN_TG))
    assert not ask("/history", **as_7).error
    assert "소유자" in text_of(ask("/admin add 8", **as_7))  # an admin, not an owner
    out = text_of(ask("/admin list", **as_7))
    assert "telegram:7" in out and f"telegram:{ADMIN_TG}" in out
    assert Store(store.path).is_admin("telegram", "7")
    ask("/admin remove 7", platform="telegram", user=ADMIN_TG)
    assert ask("/history", **as_7).error


@pytest.mark.parametrize(
    "text",
    [
        "/meeting add", "/meeting add 제목만", "/meeting edit", "/meeting edit x",
        "/meeting edit 1 색깔=빨강", "/meeting edit 1 title=", "/meeting edit 1 date=어제쯤",
        "/meeting edit 9 title=x", "/meeting edit 1 title=\"안 닫힌", "/meeting remove 1 네",
        "/meeting remove 99 확인", "/meeting fly",
        "/agenda add", "/agenda add x 「제목」", "/agenda add 1 「제목」 없는부처",
        "/agenda add 9 「제목」", "/agenda edit 1.3", "/agenda edit 1.3 decision=몰라",
        "/agenda edit 1.3 lead=없는부처", "/agenda edit 1.99 title=x", "/agenda edit 1.3 제목",
        "/agenda remove", "/agenda remove 1.99",
        "/milestone done", "/milestone done X1", "/milestone done M999",
        "/milestone delay M1", "/milestone delay M1 언젠가", "/milestone add 1.3",
        "/milestone add 1.3 2026-12-31", "/milestone add 1.99 2026-12-31 설명",
        "/milestone edit M1 when=2026-01-01", "/milestone fly M1",
        "/history 1 2", "/undo now", "/admin add", "/admin add a b",
        "/admin remove 12345", "/admin add console:1", "/admin list x",
    ],
)  # fmt: skip
def test_wrong_input_changes_nothing(ask: Ask, store: Store, text: str) -> None:
    store.ensure_milestone_ids()
    before = store.path.read_bytes()
    reply = ask(text)
    assert reply.error, text_of(reply)
    assert "\n" not in reply.title and ("사용법" in reply.title or "없습니다" in reply.title)
    assert store.path.read_bytes() == before


@pytest.mark.parametrize(
    "text",
    ["/meeting add 제목 2026-01-01", "/agenda add 1 「x」", "/milestone done M1", "/undo",
     "/history", "/admin list"],
)  # fmt: skip
def test_edit_commands_refused_for_staff(ask: Ask, store: Store, text: str) -> None:
    before = store.path.read_bytes()
    reply = ask(text, platform="telegram", user="999")
    assert reply.error and "관리자" in reply.title
    assert store.path.read_bytes() == before


def test_commands_alone_answer_their_usage(ask: Ask) -> None:
    for name in ("meeting", "milestone"):
        reply = ask(f"/{name}")
        assert not reply.error and "사용법" in text_of(reply)
    assert "소유자" in text_of(ask("/admin"))
