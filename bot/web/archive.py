"""The digest archive: what the outbox sent (or tried to), and each sent digest as a page.

The outbox keeps when and where a digest went, not its text. A sent digest is shown rebuilt
from the current data at the moment it was sent (`digests.build`, the same page
`agendabot digest --html` writes), and says so in its footer.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, replace
from urllib.parse import quote

from bot.chats import ChatKey
from bot.errors import NotFound, UsageError
from bot.model import Delivery, Subscription
from bot.store import Store
from bot.web.html import local_time
from bot.web.pages import MAX_ROWS, Cut

STATUS_KO = {
    "pending": "대기", "sending": "보내는 중", "sent": "보냄", "failed": "실패", "skipped": "건너뜀",
}  # fmt: skip
REBUILT = "이 페이지는 발송 시각 기준으로 현재 데이터에서 다시 만든 요약입니다"
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


@dataclass(frozen=True)
class Sent:
    delivery: Delivery
    status_ko: str
    sent_at: str
    claimed_at: str
    href: str  # the rebuilt digest, under the web prefix; empty when never sent


@dataclass(frozen=True)
class ArchivePage:
    deliveries: Cut[Sent]
    subscriptions: list[Subscription]


def archive_page(store: Store, zone: dt.tzinfo) -> ArchivePage:
    """Deliveries newest week first (then by chat); subscriptions by chat."""
    found = sorted(store.deliveries(), key=lambda d: (d.period, d.subscription), reverse=True)
    rows = [
        Sent(
            d,
            STATUS_KO.get(d.status, d.status),
            local_time(d.sent_at, zone),
            local_time(d.claimed_at, zone),
            digest_path(d) if d.status == "sent" and d.sent_at else "",
        )
        for d in found[:MAX_ROWS]
    ]
    return ArchivePage(Cut(rows, len(found)), store.subscriptions())


def digest_path(d: Delivery) -> str:
    return f"/digests/{quote(d.subscription, safe=':')}/{quote(d.period, safe='')}"


def rebuilt_digest(store: Store, key: str, period: str) -> str:
    """The page of a sent digest, rebuilt as of when it was sent.

    Raises:
        NotFound: no such delivery, or it was never sent.
    """
    from digests.build import build_digest, render_html  # digests imports the whole builder

    delivery = store.delivery(key, period)
    if delivery is None or delivery.status != "sent" or delivery.sent_at is None:
        raise NotFound("보낸 요약이 없습니다.")
    sub = store.subscription(key) or _default_subscription(key)
    # `last_digest_at` is the latest send, maybe after this one: the week's "new" section
    # is rebuilt from the default window instead.
    reply = build_digest(store, sub.evolve(last_digest_at=None), delivery.sent_at)
    footer = f"{reply.footer} · {REBUILT}" if reply.footer else REBUILT
    page = render_html(replace(reply, footer=footer))
    # No icon link there: a browser would ask for /favicon.ico, outside the web prefix.
    return page.replace("<head>", '<head>\n<link rel="icon" href="data:,">', 1)


def _default_subscription(key: str) -> Subscription:
    try:
        return ChatKey.parse(key).subscription()
    except UsageError:
        raise NotFound("보낸 요약이 없습니다.") from None


def style_hashes(page: str) -> list[str]:
    """CSP sources (`'sha256-…'`) allowing exactly the inline <style> blocks of `page`."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
        for s in _STYLE.findall(page)
    ]
