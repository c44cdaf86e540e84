"""Chat adapters: console, Telegram, Slack. Each only translates messages in and replies out.

`telegram/` and `slack/` are packages, one module per job (app, handlers, sender, codec, …),
and both are an `Adapter`: the runner starts and stops them the same way and serves the HTTP
routes they ask for on one shared server (`bot.server`). Only these packages import a chat
library; this module imports none, so the runner can name the protocol without loading them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.delivery import Sender
from bot.server import Route

Status = Literal["starting", "ok", "degraded", "down"]


@dataclass
class Health:
    """How an adapter is doing, for /healthz and for the runner.

    `ok`: receiving (the last poll or event succeeded). `degraded`: still trying (the
    network or the platform is failing, retried with backoff). `down`: given up for good (a
    revoked token); the runner exits when every adapter is down. Times are Unix seconds of
    the process clock: operational facts, not the domain clock of `Settings.clock`.
    """

    status: Status = "starting"
    detail: str = ""  # why it is degraded or down: one line, never a secret
    last_ok: float | None = None  # the last successful poll, event or start

    def ok(self) -> None:
        self.status, self.detail, self.last_ok = "ok", "", time.time()

    def degraded(self, detail: str) -> None:
        if self.status != "down":
            self.status, self.detail = "degraded", detail

    def down(self, detail: str) -> None:
        self.status, self.detail = "down", detail

    def as_dict(self) -> dict[str, object]:
        seen = None if self.last_ok is None else round(self.last_ok, 3)
        return {"status": self.status, "detail": self.detail, "last_ok": seen}


class Adapter(Protocol):
    """A chat platform as `agendabot run` sees it."""

    platform: str  # "telegram", "slack": the key of its sender and of its chats
    health: Health  # kept up to date by the adapter itself

    @property
    def sender(self) -> Sender:
        """What the digest outbox sends through."""
        ...

    @property
    def mode(self) -> str:
        """How it receives messages ("polling", "webhook", "socket", "http"), for /healthz."""
        ...

    def routes(self) -> Sequence[Route]:
        """The HTTP routes it needs served (a webhook, Slack's events); none when it polls."""
        ...

    async def start(self) -> None:
        """Start receiving. Called after the shared HTTP server listens, so a webhook may be
        registered right away.

        Raises:
            UsageError: the settings do not allow this adapter to run.
        """
        ...

    async def start_sending(self) -> None:
        """Only what sending needs (a one-off digest run beside a running bot)."""
        ...

    async def stop(self) -> None:
        """Stop receiving, let answers in flight finish, close clients. Safe to call twice."""
        ...
