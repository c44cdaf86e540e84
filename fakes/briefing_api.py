"""A fake 정책브리핑 press-release API (data.go.kr) on 127.0.0.1, for the watcher's tests.

Real HTTP through aiohttp: `GET /pressReleaseList?serviceKey=&startDate=&endDate=&pageNo=&
numOfRows=` answers an XML page of `NewsItem`s (approved within the dates, paged, with a
totalCount), a wrong key gets data.go.kr's error envelope, and `/files/NAME` serves
attachments. Switches make the next list calls answer 429 with Retry-After, 500, malformed
XML or an HTML error page. Every list call is recorded. The items are given by the test
(`add`, `revise`); the fake knows nothing of agendabot.

The server runs in its own thread and loop (`with FakeBriefingAPI() as api:`), because the
watcher's client is synchronous.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Self
from xml.sax.saxutils import escape

from aiohttp import web

KEY = "TEST+briefing/key=="  # shaped like a data.go.kr key: it needs URL-encoding
PATH = "/1371000/pressReleaseService/pressReleaseList"


@dataclass
class Item:
    """One NewsItem, as the API lists it."""

    news_id: str
    title: str
    contents: str  # the body as HTML
    approve: dt.datetime
    subtitles: tuple[str, ...] = ()
    minister: str = "과학기술정보통신부"
    url: str = ""
    grouping: str = "A"

    def xml(self) -> str:
        subs = "".join(
            f"<SubTitle{n}>{escape(s)}</SubTitle{n}>" for n, s in enumerate(self.subtitles, 1)
        )
        return (
            f"<NewsItem><NewsItemId>{self.news_id}</NewsItemId>"
            f"<Title>{escape(self.title)}</Title>{subs}"
            f"<MinisterCode>{escape(self.minister)}</MinisterCode>"
            f"<ApproveDate>{self.approve.strftime('%m/%d/%Y %H:%M:%S')}</ApproveDate>"
            f"<OriginalUrl>{escape(self.url)}</OriginalUrl>"
            f"<GroupingCode>{self.grouping}</GroupingCode>"
            f"<DataContents><![CDATA[{self.contents}]]></DataContents></NewsItem>"
        )


@dataclass
class Call:
    params: dict[str, str]
    status: int


@dataclass
class FakeBriefingAPI:
    """The fake server; `url` is what AGENDABOT_BRIEFING_URL would be."""

    key: str = KEY
    items: dict[str, Item] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    file_calls: list[str] = field(default_factory=list)
    port: int = 0
    _faults: deque[tuple[str, float]] = field(default_factory=deque)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None

    # -- the items ----------------------------------------------------------------------------

    def add(self, item: Item) -> Item:
        self.items[item.news_id] = item
        if not item.url:
            item.url = f"https://www.korea.kr/briefing/pressReleaseView.do?newsId={item.news_id}"
        return item

    def revise(self, news_id: str, contents: str) -> None:
        """The same release, its body changed (a correction)."""
        self.items[news_id].contents = contents

    def file_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/files/{name}"

    # -- switches -----------------------------------------------------------------------------

    def fail(self, kind: str, times: int = 1, retry_after: float = 0.0) -> None:
        """The next `times` list calls answer `kind`: "429", "500", "malformed", "html", or
        "hang" (the data, `retry_after` seconds late)."""
        self._faults.extend([(kind, retry_after)] * times)

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def __enter__(self) -> Self:
        started = threading.Event()
        self._loop = asyncio.new_event_loop()

        def serve() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start())
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="fake-briefing", daemon=True)
        self._thread.start()
        started.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._thread is not None
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get(PATH, self._list)
        app.router.add_get("/files/{name}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self.port = int(self._runner.addresses[0][1])

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- answers ------------------------------------------------------------------------------

    async def _list(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        response = await self._fault() or self._page(params)
        self.calls.append(Call(params, response.status))
        return response

    async def _fault(self) -> web.Response | None:
        if not self._faults:
            return None
        kind, after = self._faults.popleft()
        if kind == "hang":  # answers after `retry_after` seconds: past a client's timeout
            await asyncio.sleep(after)
        if kind == "429":
            return web.Response(status=429, headers={"Retry-After": f"{after:g}"}, text="busy")
        if kind == "500":
            return web.Response(status=500, text="Internal Server Error")
        if kind == "html":
            page = "<!DOCTYPE html><html><body><h1>서비스 점검 중</h1></body></html>"
            return web.Response(text=page, content_type="text/html")
        if kind == "malformed":
            return web.Response(
                text="<response><body><NewsItem><Title>잘린", content_type="text/xml"
            )
        return None

    def _page(self, params: dict[str, str]) -> web.Response:
        if params.get("serviceKey") != self.key:
            return _xml(
                "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg>"
                "<returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg>"
                "<returnReasonCode>30</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>"
            )
        first = dt.datetime.strptime(params["startDate"], "%Y%m%d").date()
        last = dt.datetime.strptime(params["endDate"], "%Y%m%d").date()
        chosen = [i for i in self.items.values() if first <= i.approve.date() <= last]
        page, rows = int(params.get("pageNo", "1")), int(params.get("numOfRows", "10"))
        shown = chosen[(page - 1) * rows : page * rows]
        return _xml(
            "<response><header><resultCode>00</resultCode><resultMsg>NORMAL SERVICE.</resultMsg>"
            f"</header><body><numOfRows>{rows}</numOfRows><pageNo>{page}</pageNo>"
            f"<totalCount>{len(chosen)}</totalCount>"
            f"<items>{''.join(i.xml() for i in shown)}</items></body></response>"
        )

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.file_calls.append(name)
        if name not in self.files:
            return web.Response(status=404, text="not found")
        return web.Response(body=self.files[name], content_type="application/octet-stream")


def _xml(body: str) -> web.Response:
    return web.Response(
        text=f'<?xml version="1.0" encoding="UTF-8"?>{body}', content_type="application/xml"
    )
