"""The web dashboard over real HTTP, started as the runner starts it: off by default, refused
when on without a guard, the token and basic auth, every page with its security headers,
data escaped in HTML and SVG, the timeline's lanes and today marker, the feed's ETag, and
store reads kept off the event loop."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import html
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from bot import render, web
from bot.commands import Context, Request, handle
from bot.config import Settings
from bot.errors import UsageError
from bot.model import Meeting, Subscription
from bot.reply import Reply
from bot.runner import running
from bot.store import Store
from bot.web import pages, slugs
from tests.conftest import ADMIN_TG

TOKEN = "test-token-0123456789abcdef"
EVIL = '<script>alert("x")</script> & "따옴표" 안건'
BY = "telegram:100"


def fill(store: Store, *, evil: bool = True) -> None:
    """The seed plus one of everything a page shows (today is 2026-11-25): milestones in
    each status, follow-ups open, overdue (one before the timeline's window) and done, a
    subscription with a sent digest; with `evil`, an item (1.11) whose title is markup, with
    a milestone and a follow-up of the same text."""
    day = dt.date
    ms = {
        "planned": store.add_milestone((1, 2), day(2026, 12, 15), "국방 시범 사업 착수", by=BY),
        "late": store.add_milestone((1, 3), day(2026, 11, 10), "제조 실증 과제 선정", by=BY),
        "done": store.add_milestone((1, 6), day(2027, 1, 20), "교육 과정 개설", by=BY),
        "delayed": store.add_milestone((1, 5), day(2027, 2, 10), "협력 센터 설립", by=BY),
        "dropped": store.add_milestone((1, 2), day(2027, 2, 1), "전투 참모 시연", by=BY),
    }
    store.set_milestone_status(ms["done"].id, "done", by=BY, note="조기 완료")
    store.set_milestone_status(ms["delayed"].id, "delayed", by=BY, new_date=day(2027, 3, 15))
    store.set_milestone_status(ms["dropped"].id, "dropped", by=BY)
    add = store.add_followup
    msit = "과학기술정보통신부"
    add(item=(1, 1), text="데이터 구축 점검", owner=msit, due=day(2026, 12, 10), by=BY)
    add(item=(1, 3), text="실증 과제 공고", owner="산업통상부", due=day(2026, 11, 20), by=BY)
    done = add(item=(1, 6), text="수요 조사", owner="중소벤처기업부", due=day(2026, 12, 1), by=BY)
    store.update_followup(done.id, {"status": "done"}, by=BY)
    add(item=(1, 2), text="시범 부대 선정", owner="국방부", due=day(2027, 1, 15), by=BY)
    add(item=(1, 6), text="지원 사업 공고", owner="중소벤처기업부", due=day(2026, 9, 1), by=BY)
    if evil:
        markup = store.add_item(1, EVIL, by=BY, ministries=("교육부",))
        store.add_milestone((1, markup.number), day(2026, 12, 20), EVIL, by=BY)
        add(item=(1, markup.number), text=EVIL, owner="교육부", due=day(2026, 12, 22), by=BY)
    sub = Subscription(key="telegram:-100123", platform="telegram", chat_id="-100123")
    store.save_subscription(sub, by=BY)
    store.claim_delivery(sub.key, "2026-W48", lease=dt.timedelta(minutes=10))
    store.finish_delivery(sub.key, "2026-W48", status="sent", message_ids=["7"])


# -- serving ---------------------------------------------------------------------------------

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;따옴표&#34; 안건"
LANES = {"과학기술정보통신부", "교육부", "국방부", "산업통상부", "중소벤처기업부", "부처 미정"}


def web_ctx(store: Store, settings: Settings, **changes: Any) -> Context:
    return Context(store, replace(settings, **{"web": True, "web_token": TOKEN, **changes}))


@pytest.fixture
def rich(store: Store) -> Store:
    fill(store)
    return store


@pytest.fixture
def wctx(rich: Store, settings: Settings) -> Context:
    return web_ctx(rich, settings)


@asynccontextmanager
async def serving(ctx: Context) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    """The runner's server with no chat adapter (only the web routes and /healthz), and the
    address of the server itself."""
    async with running(ctx, []) as server, aiohttp.ClientSession() as session:
        assert server is not None and server.port
        yield f"http://127.0.0.1:{server.port}", session


def fetch(ctx: Context, *paths: str, **kw: Any) -> list[tuple[int, CIMultiDictProxy[str], bytes]]:
    """GET each path (under the server's root) and return status, headers and body."""

    async def main() -> list[tuple[int, CIMultiDictProxy[str], bytes]]:
        out = []
        async with serving(ctx) as (root, session):
            for path in paths:
                async with session.get(root + path, allow_redirects=False, **kw) as r:
                    out.append((r.status, r.headers, await r.read()))
        return out

    return asyncio.run(main())


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# -- off, misconfigured, guarded -------------------------------------------------------------


def test_the_web_is_off_by_default(ctx: Context) -> None:
    assert not ctx.settings.web and web.routes(ctx) == []
    found = fetch(ctx, "/w/", f"/w/{TOKEN}/", "/w/timeline", f"/w/{TOKEN}/calendar/all.ics")
    assert [status for status, _, _ in found] == [404, 404, 404, 404]


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"web_token": ""}, "실수로"),
        ({"web_token": "", "web_user": "kim"}, "함께"),
        ({"web_token": "", "web_password": "pw"}, "함께"),
        ({"web_token": "short"}, "16자"),
        ({"web_token": "x" * 20 + "/../"}, "16자"),
    ],
)
def test_the_web_on_without_a_guard_refuses_to_start(
    store: Store, settings: Settings, changes: dict[str, str], says: str
) -> None:
    ctx = web_ctx(store, settings, **changes)
    with pytest.raises(UsageError) as refused:
        web.routes(ctx)
    assert says in refused.value.message

    async def start() -> None:
        async with running(ctx, []):
            pytest.fail("the server started")

    with pytest.raises(UsageError):
        asyncio.run(start())


def test_a_wrong_token_is_the_404_of_an_unknown_path(wctx: Context) -> None:
    right, wrong, prefix_of, none, unknown = fetch(
        wctx, f"/w/{TOKEN}/", f"/w/{TOKEN[:-1]}X/", f"/w/{TOKEN[:-1]}/", "/w/", "/nothing/here"
    )
    assert right[0] == 200
    assert wrong[0] == prefix_of[0] == none[0] == unknown[0] == 404
    assert wrong[2] == prefix_of[2] == unknown[2] == b"404: Not Found"  # no hint
    assert TOKEN.encode() not in wrong[2]


def test_basic_auth_guards_every_route(rich: Store, settings: Settings) -> None:
    ctx = web_ctx(rich, settings, web_token="", web_user="kim", web_password="비밀 번호")
    assert not [r for r in web.routes(ctx) if not r.path.startswith("/w")]
    (anonymous,) = fetch(ctx, "/w/")
    (wrong,) = fetch(ctx, "/w/timeline", headers=basic("kim", "비밀 번호X"))
    (other,) = fetch(ctx, "/w/calendar/all.ics", headers=basic("lee", "비밀 번호"))
    (right,) = fetch(ctx, "/w/", headers=basic("kim", "비밀 번호"))
    for status, headers, _ in (anonymous, wrong, other):
        assert status == 401
        assert headers["WWW-Authenticate"].startswith('Basic realm="agendabot"')
        assert headers["Content-Security-Policy"] == CSP
    assert right[0] == 200 and "회의 안건 현황" in right[2].decode()


def test_with_a_token_and_a_password_both_are_needed(rich: Store, settings: Settings) -> None:
    ctx = web_ctx(rich, settings, web_user="kim", web_password="pw")
    good = basic("kim", "pw")
    (no_password,) = fetch(ctx, f"/w/{TOKEN}/")
    (wrong_token,) = fetch(ctx, f"/w/{TOKEN[:-1]}X/", headers=good)
    (both,) = fetch(ctx, f"/w/{TOKEN}/", headers=good)
    assert (no_password[0], wrong_token[0], both[0]) == (401, 404, 200)


# -- pages -----------------------------------------------------------------------------------

PAGES = [
    "", "/", "/meetings", "/meetings/1", "/items/1.1", "/items/1.11",
    "/ministries/{mst}", "/timeline", "/timeline?months=12", "/digests",
]  # fmt: skip


def test_every_page_answers_with_the_security_headers(wctx: Context) -> None:
    mst = slugs.slug("과학기술정보통신부")
    paths = [f"/w/{TOKEN}" + p.format(mst=mst) for p in PAGES]
    for path, (status, headers, body) in zip(paths, fetch(wctx, *paths), strict=True):
        assert status == 200, path
        assert headers["Content-Type"] == "text/html; charset=utf-8", path
        assert headers["Content-Security-Policy"] == CSP, path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "private, no-store"
        text = body.decode()
        assert '<html lang="ko">' in text and "<script" not in text and "style=" not in text
        assert f'href="/w/{TOKEN}/static/web.css?v=' in text


def test_what_each_page_shows(wctx: Context) -> None:
    mst = slugs.slug("과학기술정보통신부")
    pages = [f"/w/{TOKEN}{p}" for p in ("/", "/meetings/1", "/items/1.6", f"/ministries/{mst}")]
    overview, meeting, item, ministry = (body.decode() for _, _, body in fetch(wctx, *pages))
    assert "제1회 과학기술관계장관회의" in overview and "기한 지난 후속조치" in overview
    assert "F5" in overview and "지원 사업 공고" in overview  # overdue since 2026-09-01
    assert "국방 시범 사업 착수" in overview and "D-20" in overview  # 2026-12-15
    assert "중소기업 인공 지능 활용·확산 지원방안" in meeting and "중소벤처기업부" in meeting
    assert "교육 과정 개설" in item and "완료" in item and "조기 완료" in item
    assert "수요 조사" in item and "일정 완료" in item  # a follow-up, and the history
    assert "데이터 구축 점검" in ministry and "/calendar/" in ministry


def test_every_link_of_every_page_answers(wctx: Context) -> None:
    """Follow the dashboard's own links from the overview, breadth first: each answers 200
    (a feed only once bot.calendar is there)."""
    prefix = f"/w/{TOKEN}"
    feeds = 200 if slugs.calendar_module() else 404

    async def crawl() -> dict[str, int]:
        seen: dict[str, int] = {}
        queue = [prefix + "/"]
        async with serving(wctx) as (root, session):
            while queue and len(seen) < 300:
                path = queue.pop(0)
                if path in seen:
                    continue
                async with session.get(root + path) as r:
                    seen[path] = r.status
                    if r.content_type == "text/html":
                        found = re.findall(r'href="([^"]+)"', await r.text())
                        queue += [html.unescape(h) for h in found if h.startswith(prefix)]
        return seen

    seen = asyncio.run(crawl())
    assert len(seen) > 20
    wrong = {p: s for p, s in seen.items() if s != (feeds if p.endswith(".ics") else 200)}
    assert wrong == {}
    kinds = {p.removeprefix(prefix).split("/")[1].split("?")[0] for p in seen}
    assert kinds >= {"", "meetings", "items", "ministries", "timeline", "digests", "static"}


def test_an_unknown_meeting_item_or_ministry_is_a_korean_404(wctx: Context) -> None:
    paths = [f"/w/{TOKEN}{p}" for p in ("/meetings/99", "/items/1.99", "/ministries/nowhere")]
    for status, headers, body in fetch(wctx, *paths):
        assert status == 404 and headers["Content-Security-Policy"] == CSP
        assert "찾을 수 없습니다" in body.decode()


def test_a_failing_page_is_a_korean_500_with_the_headers(
    wctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(store: Store, today: dt.date) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(pages, "overview", broken)
    ((status, headers, body),) = fetch(wctx, f"/w/{TOKEN}/")
    assert status == 500 and headers["Content-Security-Policy"] == CSP
    assert "오류가 났습니다" in body.decode() and "bug" not in body.decode()


def test_head_answers_like_get_without_a_body(wctx: Context) -> None:
    async def main() -> list[tuple[int, bytes, str]]:
        out = []
        async with serving(wctx) as (root, session):
            for path in ("/", "/timeline"):
                async with session.head(f"{root}/w/{TOKEN}{path}") as r:
                    out.append((r.status, await r.read(), r.headers["Content-Security-Policy"]))
        return out

    assert asyncio.run(main()) == [(200, b"", CSP)] * 2


def test_markup_in_the_data_is_text_in_html_and_in_the_svg(wctx: Context) -> None:
    paths = [f"/w/{TOKEN}{p}" for p in ("/", "/meetings/1", "/items/1.11", "/timeline")]
    bodies = [body.decode() for _, _, body in fetch(wctx, *paths)]
    for path, text in zip(paths, bodies, strict=True):
        assert EVIL not in text and "<script" not in text, path
        assert ESCAPED in text, path
    svg = svg_of(bodies[-1])
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert any(EVIL in (t or "") for t in titles)  # read back as text, not as markup


SVG = "{http://www.w3.org/2000/svg}"


def svg_of(page: str) -> ET.Element:
    """The page's inline SVG, parsed as XML (it must be well-formed)."""
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg" class="timeline"')
    end = page.index("</svg>", start) + len("</svg>")
    return ET.fromstring(page[start:end])  # autoescape's entities are XML's too


def test_the_timeline_has_a_lane_per_ministry_a_today_line_and_months(wctx: Context) -> None:
    ((status, _, body),) = fetch(wctx, f"/w/{TOKEN}/timeline")
    assert status == 200
    svg = svg_of(body.decode())
    lanes = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "lane"]
    assert {g.get("data-ministry") for g in lanes} == LANES and len(lanes) == len(LANES)
    (today,) = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "today"]
    assert today.get("data-date") == "2026-11-25"
    (line,) = [e for e in today if e.get("class") == "today-line"]
    assert line.get("x1") == line.get("x2")
    heads = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "head"]
    assert heads[:3] == ["이전", "이후", "2026년 11월"] and "2027년 1월" in heads
    assert len([e for e in svg.iter(f"{SVG}line") if e.get("class") == "month"]) == 6
    states = {e.get("class") for e in svg.iter() if (e.get("class") or "").startswith("mk ")}
    assert states == {
        "mk s-planned", "mk s-done", "mk s-delayed", "mk s-dropped", "mk s-overdue", "mk s-open",
    }  # fmt: skip
    (industry,) = [g for g in lanes if g.get("data-ministry") == "산업통상부"]
    assert {e.get("class") for e in industry.iter() if e.tag in (f"{SVG}path", f"{SVG}circle")} == {
        "mk s-overdue"
    }  # the milestone of 11-10 and the follow-up of 11-20, both passed


def test_the_sent_digest_page_is_allowed_exactly_its_own_inline_style(wctx: Context) -> None:
    ((status, headers, body),) = fetch(wctx, f"/w/{TOKEN}/digests/telegram:-100123/2026-W48")
    assert status == 200
    page = body.decode()
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert headers["Content-Security-Policy"] == CSP.replace(
        "style-src 'self'", f"style-src 'self' 'sha256-{digest}'"
    )
    assert "주간 요약" in page and "다시 만든 요약" in page
    (missing,) = fetch(wctx, f"/w/{TOKEN}/digests/telegram:-100123/2026-W01")
    assert missing[0] == 404


def test_the_stylesheet_is_cached_by_version(wctx: Context) -> None:
    ((status, headers, body),) = fetch(wctx, f"/w/{TOKEN}/static/web.css")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"
    assert headers["Cache-Control"] == "private, max-age=86400" and b"svg.timeline" in body
    ((again, _, empty),) = fetch(
        wctx, f"/w/{TOKEN}/static/web.css", headers={"If-None-Match": headers["ETag"]}
    )
    assert again == 304 and empty == b""


def test_a_changed_store_is_shown_at_once(wctx: Context) -> None:
    """Pages are kept per store generation: a write shows on the next request."""

    async def main() -> tuple[str, str]:
        async with serving(wctx) as (root, session):
            async with session.get(f"{root}/w/{TOKEN}/items/1.4") as r:
                before = await r.text()
            await asyncio.to_thread(
                wctx.store.add_followup, item=(1, 4), text="새 점검 회의", owner="교육부",
                due=dt.date(2026, 12, 30), by=BY,
            )  # fmt: skip
            async with session.get(f"{root}/w/{TOKEN}/items/1.4") as r:
                return before, await r.text()

    before, after = asyncio.run(main())
    assert "새 점검 회의" not in before and "새 점검 회의" in after


# -- the feed --------------------------------------------------------------------------------


def test_the_feed_answers_304_to_its_etag_and_last_modified(wctx: Context) -> None:
    pytest.importorskip("bot.calendar", reason="FEED ROUTE: bot.calendar has not landed yet")
    feed = f"/w/{TOKEN}/calendar/all.ics"
    ((status, headers, body),) = fetch(wctx, feed)
    assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert body.startswith(b"BEGIN:VCALENDAR") and headers["Content-Security-Policy"] == CSP
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert etag.startswith('"') and headers["Cache-Control"] == "private, no-cache"
    (same_tag,) = fetch(wctx, feed, headers={"If-None-Match": etag})
    (weak_tag,) = fetch(wctx, feed, headers={"If-None-Match": f'"other", W/{etag}'})
    (since,) = fetch(wctx, feed, headers={"If-Modified-Since": modified})
    (stale,) = fetch(
        wctx, feed, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified}
    )
    for answer in (same_tag, weak_tag, since):
        assert answer[0] == 304 and answer[2] == b"" and answer[1]["ETag"] == etag
    assert stale[0] == 200 and stale[2] == body  # If-None-Match decides when both are sent


def test_a_ministry_feed_and_an_unknown_one(wctx: Context) -> None:
    pytest.importorskip("bot.calendar", reason="FEED ROUTE: bot.calendar has not landed yet")
    mst = slugs.slug("중소벤처기업부")
    found, unknown = fetch(wctx, f"/w/{TOKEN}/calendar/{mst}.ics", f"/w/{TOKEN}/calendar/x.ics")
    assert found[0] == 200 and "수요 조사".encode() not in found[2]  # done: not due any more
    assert "지원 사업 공고".encode() in found[2] and "데이터 구축 점검".encode() not in found[2]
    assert unknown[0] == 404


# -- off the loop ----------------------------------------------------------------------------


def test_a_slow_store_does_not_block_healthz(
    wctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page waits on a store read that blocks (a file being rewritten): /healthz, on the
    same loop, answers meanwhile. Were the read on the loop, /healthz could only answer once
    the read gave up, and the page would be done by then."""
    entered, release = threading.Event(), threading.Event()
    meetings = wctx.store.meetings

    def slow() -> list[Meeting]:
        entered.set()
        release.wait(20)
        return meetings()

    monkeypatch.setattr(wctx.store, "meetings", slow)

    async def main() -> None:
        async with serving(wctx) as (root, session):
            page = asyncio.create_task(session.get(f"{root}/w/{TOKEN}/"))
            assert await asyncio.to_thread(entered.wait, 20)
            async with session.get(f"{root}/healthz") as health:
                assert health.status == 200
            assert not page.done()
            release.set()
            async with await page as r:
                assert r.status == 200

    asyncio.run(main())


# -- /web --------------------------------------------------------------------------------------


def test_the_web_command_gives_admins_the_link_in_private_only(
    store: Store, settings: Settings
) -> None:
    ctx = web_ctx(store, replace(settings, public_url="https://bot.example.org/"))

    def ask(user: str, private: bool) -> Reply:
        req = Request("telegram", user, "-100123" if not private else user, "/web", private)
        return handle(ctx, req)

    private = render.text(ask(ADMIN_TG, True))
    assert f"https://bot.example.org/w/{TOKEN}/" in private
    assert f"https://bot.example.org/w/{TOKEN}/calendar/all.ics" in private
    group = ask(ADMIN_TG, False)
    assert group.error and "개인 대화" in group.title and TOKEN not in render.text(group)
    stranger = ask("555", True)
    assert stranger.error and "관리자만" in stranger.title and TOKEN not in render.text(stranger)
    off = handle(Context(store, settings), Request("telegram", ADMIN_TG, ADMIN_TG, "/web"))
    assert "AGENDABOT_WEB=on" in off.title and not off.error
