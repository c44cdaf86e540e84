"""Errors a user can cause. Each carries one Korean line; the chat dispatcher and the CLI are
the only places that turn them into replies or exit codes."""

from __future__ import annotations

from bot.words import with_particle


class AgendabotError(Exception):
    """Base: something the user can fix, with a one-line Korean message."""

    def __init__(self, message: str, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage

    def line(self) -> str:
        """The message and, when known, the correct usage, on one line."""
        return f"{self.message} (사용법: {self.usage})" if self.usage else self.message


class UsageError(AgendabotError):
    """Wrong or missing arguments."""


class NotFound(AgendabotError):
    """The item, meeting, follow-up or subscription does not exist."""


class Forbidden(AgendabotError):
    """An admin command from someone who is not an admin."""


class UnknownMinistry(NotFound):
    """A ministry name that is not in the table; carries close matches. A NotFound: a feed or
    page asked for an unknown ministry answers 404."""

    def __init__(self, name: str, suggestions: list[str], usage: str | None = None) -> None:
        hint = f" 혹시 {', '.join(suggestions)}?" if suggestions else ""
        said = with_particle(f"'{name}'", "은/는")
        super().__init__(f"{said} 알 수 없는 부처입니다.{hint}", usage)
        self.suggestions = suggestions


class ParseError(AgendabotError):
    """A press release that cannot be read or holds no agenda."""
