"""An in-memory Sender and a settable clock, for outbox and scheduler tests.

The sender records what the "platform" accepted and can be scripted per chat to fail first
(RetryLater, ChatGone, ChatMoved, a crash), so every delivery path runs without a network.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.delivery import Pace
from bot.model import Subscription
from bot.reply import Reply


class Crash(BaseException):
    """The process dies: not an Exception, so nothing in the outbox catches it."""


class FakeClock:
    """A wall clock tests move by hand; shared by the store (claims, leases) and the runner."""

    def __init__(self, start: str | dt.datetime) -> None:
        self.at = dt.datetime.fromisoformat(start) if isinstance(start, str) else start

    def __call__(self) -> dt.datetime:
        return self.at

    def set(self, moment: str | dt.datetime) -> dt.datetime:
        self.at = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


class FakeSender:
    """Accepts every send unless `script[chat_key]` holds failures to raise first."""

    def __init__(self, platform: str = "telegram", pace: Pace | None = None) -> None:
        self.platform = platform
        self._pace = pace or Pace()
        self.accepted: list[tuple[str, Reply]] = []
        self.calls = 0
        self.script: dict[str, list[BaseException]] = {}
        self.after_accept: Callable[[Subscription], None] | None = None

    def pace(self, chat_id: str) -> Pace:
        return self._pace

    def parts(self, reply: Reply) -> int:
        return 1

    async def send(self, sub: Subscription, reply: Reply) -> list[str]:
        self.calls += 1
        failures = self.script.get(sub.key)
        if failures:
            raise failures.pop(0)
        self.accepted.append((sub.key, reply))
        if self.after_accept is not None:
            self.after_accept(sub)  # e.g. crash after the platform took the message
        return [f"{sub.chat_id}/{len(self.accepted)}"]

    def count(self, key: str) -> int:
        return sum(1 for k, _ in self.accepted if k == key)
