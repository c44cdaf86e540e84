"""The Slack adapter as `agendabot run` starts it: Socket Mode with an app token, else the
events route on the shared HTTP server (`bot.server`), and the sender for the outbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters import Health
from bot.adapters.slack.codec import PLATFORM
from bot.adapters.slack.handlers import ACK_BUDGET, Dispatcher, build_app
from bot.adapters.slack.sender import SlackSender
from bot.commands import Context
from bot.config import Settings
from bot.errors import UsageError
from bot.server import Route

log = logging.getLogger(__name__)
# Bolt also reads SLACK_BOT_TOKEN from the environment and then warns that the token of the
# client we pass wins; that is our intent, so the warning is only noise at every start.
logging.getLogger("slack_bolt.AsyncApp").addFilter(
    lambda record: "will be unused" not in record.getMessage()
)

EVENTS_PATH = "/slack/events"


def build_client(settings: Settings) -> AsyncWebClient:
    """A Web API client for the bot token; SLACK_API_URL points it at another host (GovSlack)."""
    kwargs: dict[str, Any] = {"token": settings.slack_bot_token or None}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    client = AsyncWebClient(**kwargs)
    # The default is one connection-error retry only; 429 would surface as an error without
    # waiting the Retry-After that Slack asks for.
    client.retry_handlers = [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ]
    return client


class SlackBot:
    """The running adapter (`bot.adapters.Adapter`): Socket Mode or the HTTP events route."""

    platform = PLATFORM

    def __init__(
        self,
        ctx: Context,
        client: AsyncWebClient | None = None,
        *,
        ack_budget: float = ACK_BUDGET,
        connect_timeout: float = 10.0,
    ) -> None:
        self.health = Health()
        self.ctx = ctx
        self.settings = ctx.settings
        self.client = client or build_client(self.settings)
        self.dispatcher = Dispatcher(ctx, ack_budget)
        self.app = build_app(ctx, self.client, self.dispatcher)
        self.sender = SlackSender(self.client)
        self.connect_timeout = connect_timeout
        self._socket: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None

    @property
    def mode(self) -> str:
        return "socket" if self.settings.slack_app_token else "http"

    def routes(self) -> Sequence[Route]:
        """Slack's events route in HTTP mode (none in Socket Mode).

        Raises:
            UsageError: HTTP mode without a signing secret.
        """
        if self.mode == "socket":
            return ()
        if not self.settings.slack_signing_secret:
            raise UsageError(
                "Slack HTTP 모드에는 SLACK_SIGNING_SECRET 이 필요합니다"
                " (또는 SLACK_APP_TOKEN 으로 Socket Mode 를 쓰세요)."
            )
        return (Route("POST", EVENTS_PATH, self._events),)

    async def _events(self, request: web.Request) -> web.Response:
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def start(self) -> None:
        """Start receiving: connect Socket Mode (HTTP mode is served by the shared server)."""
        await self.start_sending()
        if self.mode == "socket":
            await self._start_socket_mode()
        else:
            self.routes()  # refuses HTTP mode without a signing secret
            log.info("slack: HTTP mode on %s", EVENTS_PATH)

    async def start_sending(self) -> None:
        """Only send (a one-off digest tick from the CLI): no server, no socket connection."""
        if not self.settings.slack_bot_token:
            raise UsageError("SLACK_BOT_TOKEN 이 없어 Slack 을 시작할 수 없습니다.")

    async def _start_socket_mode(self) -> None:
        self._socket = AsyncSocketModeHandler(
            self.app, app_token=self.settings.slack_app_token, web_client=self.client
        )
        # connect() retries forever while Slack is unreachable; do not hold up the other
        # adapters for that, keep connecting in the background.
        self._connecting = asyncio.ensure_future(self._socket.connect_async())  # type: ignore[no-untyped-call]
        done, _ = await asyncio.wait({self._connecting}, timeout=self.connect_timeout)
        if done:
            self._connecting.result()
            log.info("slack: Socket Mode connected")
        else:
            log.warning("slack: Socket Mode not connected yet; still trying in the background")

    async def stop(self) -> None:
        """Stop taking requests, then let the answers already being sent finish."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            if self._connecting is not None and not self._connecting.done():
                self._connecting.cancel()
            self._socket = None
        await self.dispatcher.drain()
