"""What the command table says about each command: whether a button may repeat it."""

from __future__ import annotations

import pytest

from bot.commands import REGISTRY, may_repeat


@pytest.mark.parametrize(
    "text",
    [
        "/agenda 3",
        "/followup",
        "/followup 중기부",
        "/followup list 중기부",
        "/followup 목록",
        "/search 반도체",
        "/milestones",
        "/meetings",
        "/subscriptions",
    ],
)
def test_reading_commands_may_be_repeated_by_a_page_button(text: str) -> None:
    assert may_repeat(text)


@pytest.mark.parametrize(
    "text",
    [
        "/followup add 3 2026-12-15 과기정통부 점검",
        "/followup ADD 3 2026-12-15 과기정통부 점검",
        "/followup 추가 3 2026-12-15 과기정통부 점검",
        "/followup done F1",
        "/followup 완료 F1",
        "/followup cancel F1",
        "/followup 취소 F1",
        "/followup edit F1 due=2027-01-15",
        "/followup 수정 F1 due=2027-01-15",
        "/subscribe 월 09:00",
        "/unsubscribe",
        "/nosuchcommand",
        "",
    ],
)
def test_commands_that_write_or_are_unknown_never_are(text: str) -> None:
    assert not may_repeat(text)


def test_every_cacheable_command_writes_nothing() -> None:
    """A cached answer is reused without running the command: it must not have written."""
    for cmd in REGISTRY.values():
        if cmd.cacheable:
            assert cmd.may_repeat([]) and cmd.may_repeat(["x"]), cmd.name
