"""The Slack adapter as `agendabot run` starts it: Socket Mode with an app token, else the
events route on the shared HTTP server (`bot.server`), and the sender for the outbox.

Its `health`: ok once started with a token Slack accepts (auth.test), once Socket Mode is
connected, and on every request; degraded while Slack is unreachable or Socket Mode
reconnects; down for good once Slack rejects a token (any call answering invalid_auth,
token_revoked, account_inactive …), so the runner can give up on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters import Health
from bot.adapters.slack.client import TOKEN_ERRORS, build_client
from bot.adapters.slack.codec import PLATFORM
from bot.adapters.slack.handlers import ACK_BUDGET, Dispatcher, build_app
from bot.adapters.slack.log_filter import BOLT_LOGGER, protect_logs
from bot.adapters.slack.sender import SlackSender
from bot.adapters.slack.socket_mode import SocketHandler
from bot.commands import Context
from bot.errors import UsageError
from bot.server import Route

log = logging.getLogger(__name__)
# Bolt also reads SLACK_BOT_TOKEN from the environment and then warns that the token of the
# client we pass wins; that is our intent, so the warning is only noise at every start.
BOLT_LOGGER.addFilter(lambda record: "will be unused" not in record.getMessage())

EVENTS_PATH = "/slack/events"

__all__ = ["EVENTS_PATH", "SlackBot", "build_client"]


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
        protect_logs(
            [
                self.settings.slack_bot_token,
                self.settings.slack_app_token,
                self.settings.slack_signing_secret,
            ]
        )
        self.client = client or build_client(self.settings, self._token_rejected)
        self.dispatcher = Dispatcher(ctx, ack_budget, self.health)
        self.app = build_app(ctx, self.client, self.dispatcher)
        self.sender = SlackSender(self.client)
        self.connect_timeout = connect_timeout
        self._socket: SocketHandler | None = None
        self._connecting: asyncio.Future[None] | None = None

    def _token_rejected(self, which: str, code: str) -> None:
        if self.health.status != "down":
            log.error("slack: Slack rejected the %s token (%s); giving up on Slack", which, code)
        self.health.down(f"slack: Slack rejected the {which} token ({code})")

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
        """Start receiving: check the token, connect Socket Mode (HTTP mode is served by the
        shared server). A token Slack rejects leaves the adapter down, not the process."""
        await self.start_sending()
        if self.mode == "http":
            self.routes()  # refuses HTTP mode without a signing secret
        await self._check_token()
        if self.health.status == "down":
            log.error("slack: not started: %s", self.health.detail)
        elif self.mode == "socket":
            await self._start_socket_mode()
        else:
            log.info("slack: HTTP mode on %s", EVENTS_PATH)

    async def _check_token(self) -> None:
        """auth.test once at start: ok, down (rejected: `Watch` reports it), or degraded
        (Slack unreachable; the first request that gets through makes it ok)."""
        try:
            await asyncio.wait_for(self.client.auth_test(), self.connect_timeout)
        except SlackApiError as e:
            code = str(e.response.get("error") or e.response.status_code)
            if code in TOKEN_ERRORS:
                self._token_rejected("bot", code)
            else:
                self.health.degraded(f"slack: auth.test failed ({code})")
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            self.health.degraded(f"slack: Slack unreachable ({type(e).__name__})")
        else:
            self.health.ok()

    async def start_sending(self) -> None:
        """Only send (a one-off digest tick from the CLI): no server, no socket connection."""
        if not self.settings.slack_bot_token:
            raise UsageError("SLACK_BOT_TOKEN 이 없어 Slack 을 시작할 수 없습니다.")

    async def _start_socket_mode(self) -> None:
        self._socket = SocketHandler(
            self.app, self.settings.slack_app_token, self.client, self.health
        )
        # connect() retries while Slack is unreachable; do not hold up the other adapters
        # for that, keep connecting in the background.
        self._connecting = asyncio.ensure_future(self._socket.connect_async())  # type: ignore[no-untyped-call]
        done, _ = await asyncio.wait({self._connecting}, timeout=self.connect_timeout)
        if done:
            self._connecting.result()
        if self.health.status == "ok":
            log.info("slack: Socket Mode connected")
        elif self.health.status != "down":
            self.health.degraded("slack: Socket Mode not connected yet")
            log.warning("slack: Socket Mode not connected yet; still trying in the background")

    async def stop(self) -> None:
        """Stop taking requests, then let the answers already being sent finish."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            if self._connecting is not None and not self._connecting.done():
                self._connecting.cancel()
            self._socket = None
        await self.dispatcher.drain()
