"""How a message reaches a chat, seen from the digest outbox: each chat adapter provides a
Sender that declares its platform's rate limits and how many messages a reply becomes, and
reports failures with these exceptions so the outbox can wait, retry, pause or follow."""

from __future__ import annotations

from dataclasses import dataclass
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


class MaybeSent(DeliveryError):
    """The request went out and no answer came (a read timeout): the message may have
    reached the chat. Never sent again: there is no way to know, and a chat must not get
    the same digest twice. The outbox records it as sent, marked unconfirmed."""


class ChatGone(DeliveryError):
    """The chat will not take messages (blocked, kicked, archived, not found): pause it."""


class ChatMoved(DeliveryError):
    """The chat has a new id (a Telegram group became a supergroup)."""

    def __init__(self, message: str, new_chat_id: str) -> None:
        super().__init__(message)
        self.new_chat_id = new_chat_id


@dataclass(frozen=True)
class Limit:
    """`rate` messages per `per` seconds, `burst` of them at once."""

    rate: float
    per: float = 1.0
    burst: int = 1


@dataclass(frozen=True)
class Pace:
    """The limits one chat's messages are sent under.

    `overall` is shared by every chat of the platform (one bucket per Sender); each limit in
    `chat` is kept per chat (a chat's own pace, a group's per-minute cap, …).
    """

    overall: Limit | None = None
    chat: tuple[Limit, ...] = ()


class Sender(Protocol):
    """A platform's way to send a Reply to a subscribed chat."""

    platform: str

    def pace(self, chat_id: str) -> Pace:
        """The platform's limits for messages to this chat."""
        ...

    def parts(self, reply: Reply) -> int:
        """How many messages `send` splits the reply into."""
        ...

    async def send(self, sub: Subscription, reply: Reply) -> list[str]:
        """Send the reply (split as the platform needs); return the platform's message ids."""
        ...
