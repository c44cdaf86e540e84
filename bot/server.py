"""The one HTTP server of `agendabot run`: every adapter's routes on one port, plus /healthz
and /metrics, in every mode (a polling-only bot too, so a container's health check works).

A Telegram webhook and Slack's HTTP mode used to need to know about each other to share a
port; now each adapter only lists the routes it wants (`Adapter.routes()`), and this server,
started by the runner before any adapter, serves them all. It runs in the caller's event loop
on an aiohttp `AppRunner` bound to the configured host only (never `web.run_app`, which would
take over the loop and the signals).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiohttp import web

from bot import metrics

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"

# What /healthz reports: the body, and whether the process is healthy (200) or not (503).
HealthCheck = Callable[[], tuple[dict[str, object], bool]]


@dataclass(frozen=True)
class Route:
    """One HTTP route an adapter wants served."""

    method: str  # "GET", "POST"
    path: str
    handler: Handler


class HttpServer:
    """Serve routes on host:port; `port` is the one bound (useful with port 0)."""

    def __init__(
        self,
        host: str,
        port: int,
        routes: Iterable[Route],
        health: HealthCheck | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.routes = tuple(routes)
        self.health: HealthCheck = health or (lambda: ({}, True))
        self.port: int | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        for route in self.routes:
            app.router.add_route(route.method, route.path, route.handler)
        app.router.add_get(HEALTH_PATH, self._health)
        app.router.add_get(METRICS_PATH, self._metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.requested_port).start()
        self.port = int(self._runner.addresses[0][1])
        paths = ", ".join(r.path for r in self.routes) or "-"
        log.info(
            "HTTP server on http://%s:%d (%s, %s, %s)",
            *(self.host, self.port, paths, HEALTH_PATH, METRICS_PATH),
        )

    @property
    def addresses(self) -> list[str]:
        """The hosts actually bound."""
        return [str(a[0]) for a in self._runner.addresses] if self._runner else []

    async def _health(self, request: web.Request) -> web.Response:
        body, healthy = self.health()
        return web.json_response({"ok": healthy, **body}, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        return response

    async def stop(self) -> None:
        """Stop taking requests; requests in flight are cancelled (handlers keep their own
        background work, which the adapters drain when they stop)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.port = None
