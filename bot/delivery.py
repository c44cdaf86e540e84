"""How a message reaches a chat, seen from the digest outbox: each chat adapter provides a
Sender, and reports failures with these exceptions so the outbox can wait, retry or pause."""

from __future__ import annotations

from typing import Protocol

from bot.model import Subscription
from bot.reply import Reply


class DeliveryError(Exception):
    """Sending failed; the message did not reach the chat."""


class RetryLater(DeliveryError):
    """Rate-limited (429) or a transient failure (5xx, network): try again after `after` s."""

    def __init__(self, message: str, after: float = 1.0) -> None:
        super().__init__(message)
        self.after = after


class ChatGone(DeliveryError):
    """The chat will not take messages (blocked, kicked, archived, not found): pause it."""


class ChatMoved(DeliveryError):
    """The chat has a new id (a Telegram group became a supergroup)."""

    def __init__(self, message: str, new_chat_id: str) -> None:
        super().__init__(message)
        self.new_chat_id = new_chat_id


class Sender(Protocol):
    """A platform's way to send a Reply to a subscribed chat."""

    platform: str

    async def send(self, sub: Subscription, reply: Reply) -> list[str]:
        """Send the reply (split as the platform needs); return the platform's message ids."""
        ...
