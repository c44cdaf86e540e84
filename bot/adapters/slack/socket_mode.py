"""Socket Mode that reports how it is doing: slack_sdk's aiohttp client, with the adapter's
`Health` kept up to date (ok once connected, degraded while reconnecting, down when Slack
rejects the app token).

Why our own handler class: Bolt's `AsyncSocketModeHandler` builds its client inside its
constructor; the client's `connect()` retries forever, logging each failure, even when the
app token is revoked and nothing will ever change that. Ours stops there and says so.
"""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.adapter.socket_mode.async_base_handler import AsyncBaseSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters import Health
from bot.adapters.slack.client import TOKEN_ERRORS

# apps.connections.open errors after which connecting again cannot help: a rejected app
# token, or a bot token put where the app token belongs.
FATAL = TOKEN_ERRORS | {"not_allowed_token_type"}
PING_INTERVAL = 10.0  # seconds; also the pause between connection attempts


class HealthySocketClient(SocketModeClient):
    """slack_sdk's Socket Mode client, reporting to `health`."""

    def __init__(self, *args: Any, health: Health, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.health = health

    async def connect(self) -> None:
        await super().connect()  # type: ignore[no-untyped-call]  # returns once connected or closed
        if not self.closed and self.health.status != "down":
            self.health.ok()

    async def connect_to_new_endpoint(self, force: bool = False) -> None:
        if not self.closed:
            self.health.degraded("slack: Socket Mode reconnecting")
        await super().connect_to_new_endpoint(force)

    async def issue_new_wss_url(self) -> str:
        try:
            return await super().issue_new_wss_url()
        except SlackApiError as e:
            code = str(e.response.get("error") or "")
            if code in FATAL:
                self.health.down(f"slack: Slack rejected the app token ({code})")
                self.closed = True  # connect() stops retrying; stop() still cleans up
            else:
                self.health.degraded(f"slack: apps.connections.open failed ({code or 'HTTP'})")
            raise
        except Exception as e:
            self.health.degraded(f"slack: Socket Mode unreachable ({type(e).__name__})")
            raise


class SocketHandler(AsyncBaseSocketModeHandler):
    """Bolt's Socket Mode handler (`AsyncSocketModeHandler`), over `HealthySocketClient`."""

    app: AsyncApp

    def __init__(
        self, app: AsyncApp, app_token: str, web_client: AsyncWebClient, health: Health
    ) -> None:
        self.app = app
        self.app_token = app_token
        self.client = HealthySocketClient(
            app_token=app_token,
            logger=app.logger,
            web_client=web_client,
            ping_interval=PING_INTERVAL,
            health=health,
        )
        self.client.socket_mode_request_listeners.append(self.handle)

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        start = time.time()
        response = await run_async_bolt_app(self.app, req)
        await send_async_response(client, req, response, start)
