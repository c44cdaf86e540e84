"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright):
every page loads with no console error, no CSP violation and no failed request, Korean is
drawn in a Korean font (not boxes), nothing overflows sideways at 375 px or 1280 px (the
timeline scrolls inside its own box), and screenshots for the README.

Skipped, with the reason printed, where Chromium or the playwright package is missing (CI
installs Chromium when it can). Screenshots go to pytest's temporary folder; with
AGENDABOT_SCREENSHOTS=1 they replace docs/dashboard.png, docs/timeline.png, docs/item.png and
docs/dashboard-375.png.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.util
import os
import random
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.commands import Context
from bot.config import Settings
from bot.runner import running
from bot.store import Store
from bot.web import slugs
from tests.conftest import NOW
from tests.test_web import BY, EVIL, TOKEN, fill

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
USER, PASSWORD = "kim", "비밀번호"
WIDTHS = (375, 1280)
PAGES = ("/", "/meetings", "/meetings/1", "/items/1.6", "/items/1.11", "/timeline",
         "/timeline?months=24", "/digests", "/digests/telegram:-100123/2026-W48",
         "/ministries/{sme}")  # fmt: skip
DOCS = Path(__file__).resolve().parent.parent / "docs"
# Fonts that draw Hangul: what `fonts-noto-cjk` installs, and the usual ones elsewhere.
KOREAN_FONTS = ("Noto Sans CJK", "Noto Sans KR", "Noto Serif CJK", "Nanum", "Malgun", "Apple SD")
# Recorded in the page before any of its own code could run (CDP injects it; the page's CSP
# does not apply to it): every CSP violation the page causes.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def missing() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return ""


if missing():
    print(f"\ntests/test_browser.py skipped: {missing()}")
    pytest.skip(missing(), allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


def more_followups(store: Store, n: int) -> None:
    """Follow-ups spread over the coming months and the ministries, for a timeline that
    looks like a year of work (the same every run)."""
    rng = random.Random(12)
    owners = ("과학기술정보통신부", "중소벤처기업부", "산업통상부", "국방부", "교육부")
    texts = ("추진 상황 점검", "관계 부처 협의", "예산 반영 검토", "시범 사업 공고", "결과 보고")
    start = dt.date(2026, 10, 1)
    for _ in range(n):
        owner = rng.choice(owners)
        item = (1, rng.choice((1, 2, 3, 5, 6)))
        due = start + dt.timedelta(days=rng.randint(0, 200))
        fu = store.add_followup(item=item, text=rng.choice(texts), owner=owner, due=due, by=BY)
        if due < dt.date(2026, 11, 25) and rng.random() < 0.6:
            store.update_followup(fu.id, {"status": "done"}, by=BY)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, seed_db: Path) -> Iterator[str]:
    """The runner's server, in a thread with its own loop, over a filled copy of the seed;
    guarded by a token and a password. Yields the dashboard's address."""
    path = tmp_path_factory.mktemp("browser") / "db.json"
    shutil.copy(seed_db, path)
    settings = Settings.load(
        overrides={
            "db_path": path, "now": NOW, "http_port": 0, "web": "on", "web_token": TOKEN,
            "web_user": USER, "web_password": PASSWORD,
        },
        environ={},
    )  # fmt: skip
    store = Store(path, clock=settings.clock)
    fill(store, evil=False)
    more_followups(store, 60)
    store.add_item(1, EVIL, by=BY, ministries=("교육부",))  # 1.11: on its own pages only
    ctx = Context(store, settings)
    port: list[int] = []
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        async with running(ctx, []) as server:
            assert server is not None and server.port
            port.append(server.port)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(30), "the server did not start"
    yield f"http://127.0.0.1:{port[0]}/w/{TOKEN}"
    loop.call_soon_threadsafe(stop.set)
    thread.join(30)
    loop.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page whose console errors, script errors, CSP violations and failed requests are
    recorded."""

    def __init__(self, browser: Browser, width: int) -> None:
        self.context = browser.new_context(
            viewport={"width": width, "height": 900},
            http_credentials={"username": USER, "password": PASSWORD},
            locale="ko-KR",
        )
        self.context.add_init_script(WATCH_CSP)
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, url: str) -> list[str]:
        """Load `url`; what went wrong, CSP violations included."""
        self.problems.clear()
        answer = self.page.goto(url, wait_until="load")
        assert answer is not None and answer.status == 200, url
        self.page.evaluate("document.fonts.ready")
        violations: list[str] = self.page.evaluate("window.__csp")
        return [*self.problems, *(f"CSP: {v}" for v in violations)]

    def overflow(self) -> tuple[int, int]:
        width: list[int] = self.page.evaluate(
            "[document.scrollingElement.scrollWidth, window.innerWidth]"
        )
        return width[0], width[1]

    def close(self) -> None:
        self.context.close()


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def watched(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Watched]:
    page = Watched(browser, request.param)
    yield page
    page.close()


def test_every_page_loads_clean_and_fits_the_width(site: str, watched: Watched) -> None:
    for page in PAGES:
        path = page.format(sme=slugs.slug("중소벤처기업부"))
        assert watched.open(site + path) == [], path
        scroll, width = watched.overflow()
        assert scroll <= width, f"{path} is {scroll} px wide in a {width} px window"


def test_the_timeline_scrolls_inside_its_own_box_on_a_phone(site: str, browser: Browser) -> None:
    phone = Watched(browser, 375)
    try:
        assert phone.open(site + "/timeline") == []
        box: list[int] = phone.page.evaluate(
            "(b => [b.scrollWidth, b.clientWidth])(document.querySelector('.scrollbox'))"
        )
        assert box[0] > box[1]  # the SVG is wider than the phone: it scrolls in its box
        assert phone.overflow()[0] <= 375  # and the page itself does not
    finally:
        phone.close()


def korean_fonts(page: Page, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium actually drew the element's text with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


@pytest.mark.parametrize(
    ("path", "selector"),
    [("/", "h1"), ("/", ".bar nav a"), ("/timeline", "svg.timeline .lane-name")],
)
def test_korean_is_drawn_in_a_korean_font(
    site: str, browser: Browser, path: str, selector: str
) -> None:
    """Every glyph of a Korean heading (HTML) and lane name (SVG) comes from a font that
    has Hangul: with no such font, Chromium draws boxes from another font, which shows here
    under that font's name."""
    page = Watched(browser, 1280)
    try:
        assert page.open(site + path) == []
        text: str = page.page.evaluate(
            "s => document.querySelector(s).firstChild.textContent", selector
        )  # the drawn text only (an SVG lane name's <title> is a tooltip)
        fonts = korean_fonts(page.page, selector)
        assert fonts, selector
        for font in fonts:
            assert font["familyName"].startswith(KOREAN_FONTS), (selector, fonts)
        drawn = sum(f["glyphCount"] for f in fonts)
        assert drawn >= len(text.replace(" ", "")), (text, fonts)
    finally:
        page.close()


SHOTS = {
    "dashboard.png": ("/", 1280),
    "timeline.png": ("/timeline", 1280),
    "item.png": ("/items/1.6", 1280),
    "dashboard-375.png": ("/", 375),
}


def test_screenshots(site: str, browser: Browser, tmp_path: Path) -> None:
    folder = DOCS if os.environ.get("AGENDABOT_SCREENSHOTS") == "1" else tmp_path
    for name, (path, width) in SHOTS.items():
        page = Watched(browser, width)
        try:
            assert page.open(site + path) == []
            page.page.screenshot(path=str(folder / name), full_page=True)
        finally:
            page.close()
        shot = (folder / name).read_bytes()
        assert shot.startswith(b"\x89PNG") and len(shot) > 10_000, name
