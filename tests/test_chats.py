"""`ChatKey`, the one place a subscription key is built or parsed, and `Chats`, the one
service that pauses a gone chat or follows a moved one."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chats import ChatKey, Chats
from bot.commands import Request
from bot.errors import UsageError
from bot.store import Store
from fakes.fake_sender import FakeClock


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("telegram:-100123", ChatKey("telegram", "-100123")),
        ("telegram:@channel", ChatKey("telegram", "@channel")),
        ("slack:T1:C123", ChatKey("slack", "C123", "T1")),
        ("slack:C123", ChatKey("slack", "C123")),
        ("console:console", ChatKey("console", "console")),
    ],
)
def test_parse_and_print_round_trip(key: str, expected: ChatKey) -> None:
    assert ChatKey.parse(key) == expected
    assert str(expected) == key


@pytest.mark.parametrize("key", ["", "telegram", "telegram:", "discord:1", "slack:T1:", ":1"])
def test_a_malformed_key_is_refused_with_the_format(key: str) -> None:
    with pytest.raises(UsageError, match=r"PLATFORM:CHAT_ID|비어"):
        ChatKey.parse(key)


@given(
    st.sampled_from(["telegram", "slack"]),
    st.from_regex(r"-?[A-Z0-9]{1,12}", fullmatch=True),
    st.one_of(st.none(), st.from_regex(r"T[A-Z0-9]{1,8}", fullmatch=True)),
)
def test_every_key_a_request_makes_parses_back(platform: str, chat: str, team: str | None) -> None:
    team = team if platform == "slack" else None
    req = Request(platform, "U1", chat, "/help", team_id=team)
    assert ChatKey.parse(req.chat_key) == req.chat == ChatKey(platform, chat, team)


def test_a_subscription_made_from_a_key_carries_its_parts() -> None:
    sub = ChatKey.parse("slack:T1:C9").subscription(weekday=4)
    assert (sub.key, sub.platform, sub.chat_id, sub.team_id, sub.weekday) == (
        "slack:T1:C9",
        "slack",
        "C9",
        "T1",
        4,
    )
    assert ChatKey.of(sub) == ChatKey("slack", "C9", "T1")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "db.json", clock=FakeClock("2026-11-23T09:00:00+09:00"))


def test_gone_pauses_a_subscribed_chat_and_ignores_others(store: Store) -> None:
    chats = Chats(store)
    key = ChatKey("telegram", "-5")
    store.save_subscription(key.subscription(), by="t")
    assert chats.gone(key, "Forbidden: bot was blocked by the user") is True
    sub = store.subscription(str(key))
    assert sub is not None and sub.paused and "blocked" in sub.paused_reason
    assert chats.gone(ChatKey("telegram", "-6"), "x") is False
    assert store.subscription("telegram:-6") is None


def test_moved_rekeys_and_keeps_the_team(store: Store) -> None:
    chats = Chats(store)
    old = ChatKey("slack", "C1", "T1")
    store.save_subscription(old.subscription(weekday=2), by="t")
    new = chats.moved(old, "C2")
    assert new == ChatKey("slack", "C2", "T1")
    assert store.subscription(str(old)) is None
    moved = store.subscription("slack:T1:C2")
    assert moved is not None and moved.chat_id == "C2" and moved.weekday == 2
    # a chat with no subscription moves without writing anything
    before = len(store.audit_log())
    assert chats.moved(ChatKey("telegram", "-7"), "-1007") == ChatKey("telegram", "-1007")
    assert len(store.audit_log()) == before
