"""The dashboard's routes on the runner's one HTTP server: guard, page, headers.

Every handler is wrapped by `WebApp._guard`: the token and basic auth first (a wrong token is
the plain 404 of an unknown path, a wrong password a 401 with a challenge), then the page,
then the security headers on whatever came out (`bot.web.headers`). A page is built (store
reads and template) in a worker thread, since a store read may block on a file another
process just rewrote; /healthz and the chat adapters share this event loop. Built pages and
feeds are kept per (store generation, today): a repeat costs a stat and a dict look-up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any, Protocol

from aiohttp import web

from bot import links
from bot.commands.base import Context
from bot.errors import NotFound
from bot.server import Handler, Route
from bot.store import CorruptStore
from bot.web import access, archive, html, pages, slugs, timeline
from bot.web.headers import (
    REVALIDATE,
    STATIC,
    http_date,
    not_modified,
    policy,
    quoted_etag,
    secure,
)

log = logging.getLogger(__name__)

CACHE_SIZE = 64  # built pages and feeds kept; all are dropped when it fills
Build = Callable[[dt.date], bytes]


class Feed(Protocol):
    """What `bot.calendar.feed` returns."""

    body: bytes
    etag: str
    last_modified: dt.datetime


class WebApp:
    """The read-only dashboard and calendar feeds of one bot process."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.base = links.prefix(ctx.settings)
        self._cache: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def routes(self) -> list[Route]:
        root = links.WEB_ROOT + ("/{token}" if self.settings.web_token else "")
        table: list[tuple[str, Handler]] = [
            ("", self.overview),
            ("/", self.overview),
            ("/meetings", self.meetings),
            (r"/meetings/{number:\d{1,6}}", self.meeting),
            (r"/items/{meeting:\d{1,6}}.{number:\d{1,4}}", self.item),
            ("/ministries/{slug}", self.ministry),
            ("/timeline", self.timeline),
            ("/digests", self.digests),
            ("/digests/{key}/{period}", self.digest),
            ("/calendar/{slug}.ics", self.calendar),
            ("/static/web.css", self.stylesheet),
        ]
        return [
            Route(method, root + path, self._guard(handler))
            for path, handler in table
            for method in ("GET", "HEAD")  # HEAD: a calendar app may ask before it fetches
        ]

    # -- the guard ----------------------------------------------------------------------

    def _guard(self, handler: Handler) -> Handler:
        kind = handler.__name__  # for the log: never the path, which holds the token

        async def guarded(request: web.Request) -> web.StreamResponse:
            if not access.token_ok(self.settings, request.match_info.get("token")):
                return secure(web.Response(status=404, text="404: Not Found"))
            if not access.basic_ok(self.settings, request.headers.get("Authorization")):
                denied = web.Response(status=401, text="인증이 필요합니다.", charset="utf-8")
                denied.headers["WWW-Authenticate"] = access.challenge()
                return secure(denied)
            try:
                return secure(await handler(request))
            except NotFound as e:
                return secure(await self._error(404, e.message))
            except (OSError, CorruptStore):
                log.exception("web: the database could not be read for a %s page", kind)
                return secure(await self._error(503, "데이터베이스를 읽을 수 없습니다."))
            except Exception:
                log.exception("web: a %s page failed", kind)
                return secure(await self._error(500, "페이지를 만들다 오류가 났습니다."))

        return guarded

    async def _error(self, status: int, message: str) -> web.Response:
        body = await asyncio.to_thread(
            html.page, "error.html.j2", message=message, status=status, **self._common(None)
        )
        return web.Response(status=status, body=body, content_type="text/html", charset="utf-8")

    # -- pages ----------------------------------------------------------------------------

    async def overview(self, request: web.Request) -> web.StreamResponse:
        store = self.ctx.store
        return await self._page(
            ("overview",),
            lambda today: self._render(
                "overview.html.j2", today, "overview", page=pages.overview(store, today)
            ),
        )

    async def meetings(self, request: web.Request) -> web.StreamResponse:
        store = self.ctx.store
        return await self._page(
            ("meetings",),
            lambda today: self._render(
                "meetings.html.j2", today, "meetings", rows=pages.all_meetings(store)
            ),
        )

    async def meeting(self, request: web.Request) -> web.StreamResponse:
        number = int(request.match_info["number"])
        store = self.ctx.store
        return await self._page(
            ("meeting", number),
            lambda today: self._render(
                "meeting.html.j2", today, "meetings", page=pages.meeting_page(store, number)
            ),
        )

    async def item(self, request: web.Request) -> web.StreamResponse:
        ref = int(request.match_info["meeting"]), int(request.match_info["number"])
        store, zone = self.ctx.store, self.settings.zone
        return await self._page(
            ("item", ref),
            lambda today: self._render(
                "item.html.j2", today, "meetings", page=pages.item_page(store, *ref, today, zone)
            ),
        )

    async def ministry(self, request: web.Request) -> web.StreamResponse:
        segment = request.match_info["slug"]
        store = self.ctx.store

        def build(today: dt.date) -> bytes:
            name = slugs.ministry_of(segment, today)
            if name is None:
                raise NotFound("알 수 없는 부처입니다.")
            page = pages.ministry_page(store, name, today)
            return self._render("ministry.html.j2", today, "", page=page)

        return await self._page(("ministry", segment), build)

    async def timeline(self, request: web.Request) -> web.StreamResponse:
        months = _months(request.query.get("months", ""))
        store = self.ctx.store

        def build(today: dt.date) -> bytes:
            line = timeline.build(store, today, months)
            legend = list(timeline.states(line))
            return self._render(
                "timeline.html.j2", today, "timeline", line=line, legend=legend,
                lane_h=timeline.LANE_H, gutter_w=timeline.GUTTER_W,
            )  # fmt: skip

        return await self._page(("timeline", months), build)

    async def digests(self, request: web.Request) -> web.StreamResponse:
        store, zone = self.ctx.store, self.settings.zone
        return await self._page(
            ("digests",),
            lambda today: self._render(
                "digests.html.j2", today, "digests", page=archive.archive_page(store, zone)
            ),
        )

    async def digest(self, request: web.Request) -> web.StreamResponse:
        """A sent digest as its archive page, whose inline style the CSP allows by hash."""
        key, period = request.match_info["key"], request.match_info["period"]
        store = self.ctx.store
        page = await asyncio.to_thread(
            self._cached,
            ("digest", key, period),
            lambda today: archive.rebuilt_digest(store, key, period).encode(),
        )
        response = web.Response(body=page, content_type="text/html", charset="utf-8")
        return secure(response, csp=policy(archive.style_hashes(page.decode())))

    # -- feeds and the stylesheet ---------------------------------------------------------

    async def calendar(self, request: web.Request) -> web.StreamResponse:
        segment = request.match_info["slug"]
        feed: Feed = await asyncio.to_thread(self._cached, ("feed", segment), self._feed(segment))
        etag = quoted_etag(feed.etag)
        if not_modified(request, etag, feed.last_modified):
            response = web.Response(status=304)
        else:
            response = web.Response(body=feed.body, content_type="text/calendar", charset="utf-8")
        response.headers["ETag"] = etag
        response.headers["Last-Modified"] = http_date(feed.last_modified)
        response.headers["Cache-Control"] = REVALIDATE
        return response

    def _feed(self, segment: str) -> Callable[[dt.date], Feed]:
        """What builds the feed `segment` names ("all" or a ministry's slug)."""

        def build(today: dt.date) -> Feed:
            calendar = slugs.calendar_module()
            if calendar is None:
                raise NotFound("캘린더 피드가 아직 없습니다.")
            if segment == slugs.ALL:
                found: Feed = calendar.feed(self.ctx)
                return found
            name = calendar.ministry_of(segment)
            if name is None:
                raise NotFound("알 수 없는 부처입니다.")
            found = calendar.feed(self.ctx, ministry=name)
            return found

        return build

    async def stylesheet(self, request: web.Request) -> web.StreamResponse:
        etag = f'"{html.stylesheet_version()}"'
        if not_modified(request, etag, None):
            response = web.Response(status=304)
        else:
            response = web.Response(
                body=html.stylesheet(), content_type="text/css", charset="utf-8"
            )
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = STATIC
        return response

    # -- building and caching ---------------------------------------------------------------

    async def _page(self, key: tuple[Hashable, ...], build: Build) -> web.Response:
        body = await asyncio.to_thread(self._cached, key, build)
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    def _cached(self, key: tuple[Hashable, ...], build: Callable[[dt.date], Any]) -> Any:
        """`build(today)`, or what it gave for the same data and day. In a worker thread.

        The generation is read before building: if the data changes meanwhile, the result is
        kept under the old generation, and the next request builds again."""
        today = self.ctx.today()
        full = (*key, self.ctx.store.generation, today)
        with self._lock:
            hit = self._cache.get(full)
        if hit is not None:
            return hit
        built = build(today)
        with self._lock:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[full] = built
        return built

    def _render(self, name: str, today: dt.date, nav: str, **data: Any) -> bytes:
        return html.page(name, **self._common(today), nav=nav, **data)

    def _common(self, today: dt.date | None) -> dict[str, Any]:
        return {"base": self.base, "today": today or self.ctx.today()}


def _months(value: str) -> int:
    """`?months=` of the timeline: a number of months, clamped; the default otherwise."""
    if value.isdigit() and len(value) <= 3:
        return min(max(int(value), 1), timeline.MAX_MONTHS)
    return timeline.DEFAULT_MONTHS
