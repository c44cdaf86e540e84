"""The one HTTP server of `agendabot run`: every adapter's routes on one port, plus /healthz.

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

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HEALTH_PATH = "/healthz"


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
        health: Callable[[], dict[str, object]] | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.routes = tuple(routes)
        self.health = health or (lambda: {})
        self.port: int | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        for route in self.routes:
            app.router.add_route(route.method, route.path, route.handler)
        app.router.add_get(HEALTH_PATH, self._health)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.requested_port).start()
        self.port = int(self._runner.addresses[0][1])
        paths = ", ".join(r.path for r in self.routes) or "-"
        log.info("HTTP server on http://%s:%d (%s, %s)", self.host, self.port, paths, HEALTH_PATH)

    @property
    def addresses(self) -> list[str]:
        """The hosts actually bound."""
        return [str(a[0]) for a in self._runner.addresses] if self._runner else []

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, **self.health()})

    async def stop(self) -> None:
        """Stop taking requests; requests in flight are cancelled (handlers keep their own
        background work, which the adapters drain when they stop)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.port = None
