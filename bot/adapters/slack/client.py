"""The Web API client: where it points, how it retries, and what it tells the adapter.

slack_sdk runs every response and error of a call past the client's retry handlers, in
order, until one asks for a retry; Bolt copies the list into the client it makes for each
request. So the first handler, `Watch`, sees every answer Slack gives us (ours, Bolt's
auth.test, Socket Mode's apps.connections.open) without ever retrying: it counts 429s and
reports a rejected token. The retrying handlers count the retries they make.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.adapters.slack.codec import PLATFORM
from bot.config import Settings

# Errors that mean Slack will not take this token until a person acts (reinstalls the app,
# reactivates the bot user, issues a new token): nothing gets better by retrying.
TOKEN_ERRORS = frozenset(
    {"invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed"}
)

# Told which token (`"bot"` or `"app"`) Slack rejected, and its error code.
OnRejected = Callable[[str, str], None]


def api_url(settings: Settings) -> str | None:
    """SLACK_API_URL as slack_sdk wants it (ending in a slash); None for slack.com."""
    url = settings.slack_api_url.strip()
    return url.rstrip("/") + "/" if url else None


def build_client(settings: Settings, on_rejected: OnRejected | None = None) -> AsyncWebClient:
    """A Web API client for the bot token; SLACK_API_URL points it at another host (GovSlack)."""
    kwargs: dict[str, Any] = {"token": settings.slack_bot_token or None}
    base = api_url(settings)
    if base:
        kwargs["base_url"] = base
    client = AsyncWebClient(**kwargs)
    # The default is one connection-error retry only; 429 would surface as an error without
    # waiting the Retry-After that Slack asks for.
    client.retry_handlers = [
        Watch(on_rejected),
        ConnectionRetries(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ServerRetries(max_retry_count=1),
    ]
    return client


class Watch(AsyncRetryHandler):
    """Sees every response (first in the list, never retries): counts 429s, and tells the
    adapter when Slack rejects a token."""

    def __init__(self, on_rejected: OnRejected | None = None) -> None:
        super().__init__(max_retry_count=0)
        self.on_rejected = on_rejected

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None:
            self.saw(request, response)
        return False

    def saw(self, request: HttpRequest, response: HttpResponse) -> None:
        if response.status_code == 429:
            metrics.RATE_LIMITED.labels(platform=PLATFORM).inc()
        code = str((response.body or {}).get("error") or "")
        if code in TOKEN_ERRORS and self.on_rejected is not None:
            which = "app" if request.url.endswith("apps.connections.open") else "bot"
            self.on_rejected(which, code)


class CountedRetries(AsyncRetryHandler):
    """Counts each retry made (after a network error or a 5xx) in `agendabot_retries`."""

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        metrics.RETRIES.labels(platform=PLATFORM).inc()
        await super().prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


class ConnectionRetries(CountedRetries, AsyncConnectionErrorRetryHandler):
    """Network errors, retried with backoff and counted."""


class ServerRetries(CountedRetries, AsyncServerErrorRetryHandler):
    """500 and 503, retried once and counted."""
