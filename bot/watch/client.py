"""The 정책브리핑 press-release list (data.go.kr Open API), read with httpx.

Why this module is careful: it talks to a public API that answers slowly, rate-limits,
returns an HTML error page or an XML error envelope instead of data, and takes the service
key in the query string. So every request has timeouts; 429 and 5xx are tried again a few
times, waiting what `Retry-After` asks (bounded) or a growing backoff; every failure becomes
one `BriefingError` whose text names the host and path only; and the key is cut from
httpx's own log lines (which print the whole URL), in every spelling it travels in.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import logging
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

import httpx

log = logging.getLogger(__name__)

PAGE_ROWS = 100  # numOfRows asked per page
MAX_PAGES = 50  # pages read per window at most: 5,000 releases, far above a busy week
WINDOW_DAYS = 3  # days asked per request: the API refuses long ranges
RETRIES = 3  # further tries after a 429, a 5xx or a network error
MAX_WAIT = 60.0  # seconds: the longest Retry-After honoured
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_OK_CODES = frozenset({"00", "0", "INFO-000", "NORMAL_SERVICE", ""})
_DATE_FORMATS = (("%m/%d/%Y", 10), ("%Y-%m-%d", 10), ("%Y.%m.%d", 10), ("%Y%m%d", 8))
_FIELDS = ("NewsItemId", "Title", "MinisterCode", "ApproveDate", "OriginalUrl", "GroupingCode")


class BriefingError(Exception):
    """The list could not be read this time (network, status, malformed answer); `kind` is a
    bounded word for the metrics label."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class NewsItem:
    """One release as the API lists it; `contents` is the body as HTML."""

    news_id: str
    title: str
    subtitles: tuple[str, ...] = ()
    minister: str = ""
    approve_date: str = ""
    url: str = ""
    grouping: str = ""
    contents: str = ""

    @property
    def day(self) -> dt.date | None:
        """The day it was approved (ApproveDate, as the API or its mirrors write it)."""
        text = self.approve_date.strip()
        for fmt, size in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text[:size], fmt).date()
            except ValueError:
                continue
        return None

    @property
    def digest(self) -> str:
        """What a revision changes: the title, subtitles and body."""
        text = "\x1f".join((self.title, *self.subtitles, self.contents))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class _KeyFilter(logging.Filter):
    """Cuts the service key, raw and URL-encoded, from a log record (httpx logs full URLs)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.forms = sorted({key, quote(key, safe=""), quote_plus(key)} - {""}, key=len)[::-1]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(form in message for form in self.forms):
            for form in self.forms:
                message = message.replace(form, "[REDACTED]")
            record.msg, record.args = message, None
        return True


_FILTERED: set[str] = set()


def _guard_key(key: str) -> None:
    """Install the key filter on httpx's loggers once per key."""
    if key and key not in _FILTERED:
        _FILTERED.add(key)
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).addFilter(_KeyFilter(key))


class BriefingClient:
    """Reads the press-release list for a range of days, page by page, and downloads
    attachments; synchronous (the runner calls it from a worker thread)."""

    def __init__(
        self,
        url: str,
        key: str,
        *,
        sleep: Callable[[float], None] | None = None,
        halt: threading.Event | None = None,
        transport: httpx.BaseTransport | None = None,
        retries: int = RETRIES,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self.url = url
        self.key = key
        self.halt = halt or threading.Event()  # set: stop between tries (the bot is stopping)
        self.sleep = sleep or self.halt.wait
        self.retries = retries
        _guard_key(key)
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=True)
        self.where = _where(url)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BriefingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def releases(self, start: dt.date, end: dt.date) -> list[NewsItem]:
        """Every release approved from `start` to `end` (inclusive), each id once.

        Raises:
            BriefingError: a window could not be read after the retries.
        """
        found: dict[str, NewsItem] = {}
        for first, last in _windows(start, end):
            for item in self._window(first, last):
                found[item.news_id] = item
        return list(found.values())

    def download(self, url: str, limit: int) -> bytes:
        """An attachment, refused above `limit` bytes (checked while it streams).

        Raises:
            BriefingError: unreachable, an error status, or too big.
        """
        where = _where(url)
        try:
            with self._http.stream("GET", url) as response:
                if response.status_code != 200:
                    raise BriefingError(f"첨부파일 {where}: HTTP {response.status_code}", "http")
                declared = int(response.headers.get("content-length") or 0)
                if declared > limit:
                    raise BriefingError(f"첨부파일 {where}: 너무 큽니다", "too-big")
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise BriefingError(f"첨부파일 {where}: 너무 큽니다", "too-big")
                return bytes(data)
        except httpx.HTTPError as e:
            raise BriefingError(f"첨부파일 {where}: {type(e).__name__}", "network") from None

    def _window(self, first: dt.date, last: dt.date) -> Iterator[NewsItem]:
        """Pages until the announced total is read, or (no total) a short page; a page
        with nothing new (an API that ignores pageNo) ends it too."""
        ids: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            items, total = parse_page(self._get(first, last, page), self.where)
            fresh = [i for i in items if i.news_id not in ids]
            ids.update(i.news_id for i in fresh)
            yield from fresh
            done = len(ids) >= total if total is not None else len(items) < PAGE_ROWS
            if not fresh or done:
                return

    def _get(self, first: dt.date, last: dt.date, page: int) -> bytes:
        params = {
            "serviceKey": self.key,
            "startDate": first.strftime("%Y%m%d"),
            "endDate": last.strftime("%Y%m%d"),
            "pageNo": str(page),
            "numOfRows": str(PAGE_ROWS),
        }
        for attempt in range(self.retries + 1):
            if self.halt.is_set():
                raise BriefingError("보도자료 목록: 봇이 멈추는 중이라 그만 읽습니다", "stopped")
            wait = self._try(params, attempt)
            if isinstance(wait, bytes):
                return wait
            if attempt < self.retries:
                log.info("press-release list busy (%s), trying again in %.1f s", self.where, wait)
                self.sleep(wait)
        raise BriefingError(
            f"보도자료 목록 {self.where}: {self.retries + 1}번 시도했지만 실패", "retries"
        )

    def _try(self, params: dict[str, str], attempt: int) -> bytes | float:
        """The body of a 200 answer, or how long to wait before the next try.

        Raises:
            BriefingError: a status that another try will not change (401, 404 …).
        """
        backoff = min(MAX_WAIT, 2.0**attempt)
        try:
            response = self._http.get(self.url, params=params)
        except httpx.HTTPError as e:
            log.debug("press-release list: %s", type(e).__name__)
            return backoff
        if response.status_code == 200:
            return response.content
        if response.status_code in _RETRY_STATUS:
            return _retry_after(response.headers, backoff)
        raise BriefingError(f"보도자료 목록 {self.where}: HTTP {response.status_code}", "http")


def parse_page(raw: bytes, where: str = "") -> tuple[list[NewsItem], int | None]:
    """The NewsItems of one answer and the total count it announces (None: not given).

    Liberal in what it takes (any nesting, NewsItem elements anywhere), strict in what it
    refuses: not XML (an HTML error page), or the API's error envelope.

    Raises:
        BriefingError: malformed XML, an HTML page, or an error code from the API.
    """
    head = raw[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise BriefingError(f"보도자료 목록 {where}: XML 대신 HTML 페이지가 왔습니다", "html")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as e:
        raise BriefingError(
            f"보도자료 목록 {where}: XML을 읽을 수 없습니다 ({e})", "malformed"
        ) from None
    code = _text(root, "resultCode") or _text(root, "returnReasonCode")
    if code not in _OK_CODES:
        message = _text(root, "resultMsg") or _text(root, "returnAuthMsg") or _text(root, "errMsg")
        raise BriefingError(f"보도자료 목록 {where}: API 오류 {code} {message[:80]}", "api")
    items = [_item(element) for element in root.iter() if _local(element.tag) == "NewsItem"]
    total = _text(root, "totalCount")
    return [i for i in items if i.news_id], int(total) if total.isdecimal() else None


def _item(element: ET.Element) -> NewsItem:
    values = {_local(child.tag): (child.text or "").strip() for child in element}
    subtitles = tuple(values[f"SubTitle{n}"] for n in (1, 2, 3) if values.get(f"SubTitle{n}"))
    first = dict(zip(_FIELDS, (values.get(name, "") for name in _FIELDS), strict=True))
    return NewsItem(
        news_id=first["NewsItemId"],
        title=first["Title"],
        subtitles=subtitles,
        minister=first["MinisterCode"],
        approve_date=first["ApproveDate"],
        url=first["OriginalUrl"],
        grouping=first["GroupingCode"],
        contents=values.get("DataContents", ""),
    )


def _text(root: ET.Element, name: str) -> str:
    found = next((e for e in root.iter() if _local(e.tag) == name), None)
    return (found.text or "").strip() if found is not None else ""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _windows(start: dt.date, end: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    day = start
    while day <= end:
        last = min(end, day + dt.timedelta(days=WINDOW_DAYS - 1))
        yield day, last
        day = last + dt.timedelta(days=1)


def _retry_after(headers: httpx.Headers, default: float) -> float:
    """Seconds from a Retry-After header, within [0, MAX_WAIT]: a number, or an HTTP date
    counted from the answer's own Date header (the server's clock, not ours)."""
    value = headers.get("retry-after")
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            sent = email.utils.parsedate_to_datetime(headers.get("date") or "")
        except (TypeError, ValueError):
            return default
        seconds = (when - sent).total_seconds()
    return max(0.0, min(MAX_WAIT, seconds))


def _where(url: str) -> str:
    """Host and path only: never the query, where the key travels."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"
