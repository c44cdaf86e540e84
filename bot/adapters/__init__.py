"""Chat adapters: console, Telegram, Slack. Each only translates messages in and replies out.

`telegram/` and `slack/` are packages, one module per job (app, handlers, sender, codec, …),
and both are an `Adapter`: the runner starts and stops them the same way and serves the HTTP
routes they ask for on one shared server (`bot.server`). Only these packages import a chat
library; this module imports none, so the runner can name the protocol without loading them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.delivery import Sender
from bot.server import Route


class Adapter(Protocol):
    """A chat platform as `agendabot run` sees it."""

    platform: str  # "telegram", "slack": the key of its sender and of its chats

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
