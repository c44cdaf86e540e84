"""Which chat a subscription belongs to, and what happens when a chat goes away or moves.

`ChatKey` is the one place a subscription key is built or parsed: `platform:[team:]chat`,
e.g. `telegram:-100123`, `slack:T1:C123` (a Slack channel id is unique only within its
workspace, so the team is part of the key), `console:console`. `Chats` is the one service that pauses a chat that will not take messages
or follows a chat whose id changed; the digest outbox and the chat adapters both call it, so
a blocked bot or a migrated group is handled the same way whichever noticed it first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.errors import UsageError
from bot.model import Subscription
from bot.store import Store

log = logging.getLogger(__name__)

PLATFORMS = ("telegram", "slack", "console")
REASON_LIMIT = 200  # characters of an API's error kept as the reason for a pause


@dataclass(frozen=True)
class ChatKey:
    """A chat's identity across platforms, as subscriptions store it."""

    platform: str
    chat_id: str
    team_id: str | None = None

    def __str__(self) -> str:
        if self.team_id:
            return f"{self.platform}:{self.team_id}:{self.chat_id}"
        return f"{self.platform}:{self.chat_id}"

    @classmethod
    def parse(cls, key: str) -> ChatKey:
        """`telegram:-100123` or `slack:T1:C123`; refuses anything else with the usage.

        Raises:
            UsageError: not PLATFORM:CHAT_ID, or an unknown platform.
        """
        platform, _, rest = key.strip().partition(":")
        if platform not in PLATFORMS or not rest:
            raise UsageError(
                f"대화방은 PLATFORM:CHAT_ID 형식입니다 (예: telegram:-100123, slack:T1:C123): {key[:60]}"
            )
        team, _, chat = rest.rpartition(":")  # no platform's chat id holds a colon
        if not chat:
            raise UsageError(f"대화방 ID가 비어 있습니다: {key[:60]}")
        return cls(platform, chat, team or None)

    @classmethod
    def of(cls, sub: Subscription) -> ChatKey:
        return cls(sub.platform, sub.chat_id, sub.team_id)

    def moved_to(self, chat_id: str) -> ChatKey:
        """The same chat under its new id (a Telegram group that became a supergroup)."""
        return ChatKey(self.platform, chat_id, self.team_id)

    def subscription(self, **fields: object) -> Subscription:
        """A subscription for this chat with default settings (and any `fields` given)."""
        return Subscription(
            key=str(self), platform=self.platform, chat_id=self.chat_id, team_id=self.team_id,
            **fields,  # type: ignore[arg-type]
        )  # fmt: skip


class Chats:
    """Pause a chat that will not take messages; follow a chat whose id changed.

    Both are store writes: call them from a worker thread when on an event loop.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def gone(self, chat: ChatKey, reason: str) -> bool:
        """Pause the chat's subscription, if it has one; True when one was paused.

        Pausing keeps a blocked bot from knocking on the same door every week; subscribing
        again in that chat resumes it.
        """
        key = str(chat)
        log.warning("chat %s will not take messages (%s)", key, reason[:REASON_LIMIT])
        if self.store.subscription(key) is None:
            return False
        self.store.pause_subscription(key, f"전송 불가: {reason}"[:REASON_LIMIT])
        log.warning("subscription %s paused; subscribe again there to resume", key)
        return True

    def moved(self, chat: ChatKey, new_chat_id: str) -> ChatKey:
        """Re-key the chat's subscription to its new id; returns the new key."""
        new = chat.moved_to(new_chat_id)
        if self.store.subscription(str(chat)) is not None:
            self.store.rekey_subscription(str(chat), str(new), new.chat_id)
            log.warning("chat %s moved to %s; subscription re-keyed", chat, new)
        return new
