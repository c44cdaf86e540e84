"""Which listed releases report a meeting's agenda, read into `Release`s, one per meeting.

A release is a candidate when its title or subtitles name a meeting kind of
`data/meeting_kinds.toml` (or, for a ministry's single-item release, its first lines do:
"…관계장관회의에서 발표"), and the parser finds a meeting with agenda items in its body. A
release whose body only points to its attachments is read from them (PDF or HWPX, within
the chat import's size limit). Several releases of one meeting — the lead ministry's and one
per item — become one Release, so the meeting is proposed and stored once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from bs4 import BeautifulSoup

from bot import reading
from bot.errors import ParseError
from bot.intake import SIZE_LIMIT
from bot.model import AgendaItem, Release
from bot.reading import meeting as meeting_names
from bot.watch.client import NewsItem

LEAD_CHARS = 400  # characters of the body's start searched for a meeting kind
READABLE = (".pdf", ".hwpx")
_TAG = re.compile(r"<[^>]*>")
Fetch = Callable[[str, int], bytes]  # (url, size limit) → bytes; raises BriefingError


@dataclass(frozen=True)
class Reading:
    """A release read into a meeting, with the listed items it came from."""

    release: Release
    news: tuple[NewsItem, ...]

    @property
    def news_ids(self) -> tuple[str, ...]:
        return tuple(n.news_id for n in self.news)


@cache
def _kinds() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each kind, matched with or without the spaces a headline puts inside it."""
    out = []
    for kind in sorted(meeting_names.kinds(), key=len, reverse=True):
        letters = [re.escape(ch) for ch in kind.replace(" ", "")]
        out.append((re.compile(r"\s?".join(letters)), kind))
    return tuple(out)


def kind_in(text: str) -> str | None:
    """The meeting kind `text` names, canonically spelled, or None."""
    return next((kind for pattern, kind in _kinds() if pattern.search(text)), None)


def body_text(item: NewsItem) -> str:
    """The release as the parser reads files: the title first, then the body's text (the
    HTML read as `agendabot import` reads a saved page)."""
    head = "\n".join((item.title, *item.subtitles))
    if not item.contents.strip():
        return head
    page = f"<html><body><div>{item.contents}</div></body></html>".encode()
    try:
        text = reading.read_bytes(page, f"{item.news_id}.html").text
    except ParseError:
        text = ""
    return f"{head}\n\n{text}"


def named_kind(item: NewsItem) -> str | None:
    """The kind the headline (or, failing that, the body's first lines) names: the cheap
    first sieve, before any HTML is parsed — most of a day's 300 releases stop here."""
    headline = " ".join((item.title, *item.subtitles))
    return kind_in(headline) or kind_in(_lead(item.contents))


def _lead(contents: str) -> str:
    """The body's first characters as text, tags cut by a regex (good enough to sieve)."""
    text = html.unescape(_TAG.sub(" ", contents[: LEAD_CHARS * 8]))
    return " ".join(text.split())[:LEAD_CHARS]


def attachments(item: NewsItem) -> list[tuple[str, str]]:
    """(absolute URL, file name) of each PDF or HWPX the body links to. The name is the
    link's text, the URL's last path segment, or a query value (download links such as
    `download.do?fileName=붙임.pdf`), whichever ends in a readable extension."""
    soup = BeautifulSoup(item.contents, "lxml")
    found: dict[str, str] = {}
    for link in soup.find_all("a", href=True):
        href = urljoin(item.url or "", str(link["href"]))
        parts = urlsplit(href)
        names = (
            link.get_text(" ", strip=True),
            PurePosixPath(unquote(parts.path)).name,
            *(value for _, value in parse_qsl(parts.query)),
        )
        name = next((n.strip() for n in names if n.strip().lower().endswith(READABLE)), "")
        if name and href not in found:
            found[href] = name
    return list(found.items())


def read(item: NewsItem, today: dt.date, fetch: Fetch) -> Reading | None:
    """The meeting a candidate reports, or None when it reports none (not a meeting kind, no
    agenda in the body or its attachments).

    Raises:
        BriefingError: an attachment could not be downloaded (tried again next pass).
    """
    if named_kind(item) is None:
        return None
    text = body_text(item)
    source = f"정책브리핑 {item.news_id}"
    try:
        release = reading.parse(
            text, today=today, source=source, url=item.url or None, published=item.day
        )
        return Reading(release, (item,))
    except ParseError:
        pass
    for url, name in attachments(item):
        data = fetch(url, SIZE_LIMIT)
        try:
            document = reading.read_bytes(data, name)
            release = reading.parse(
                f"{item.title}\n\n{document.text}",
                today=today,
                source=name,
                url=item.url or None,
                published=item.day,
            )
        except ParseError:
            continue
        return Reading(release, (item,))
    return None


def merge(readings: Iterable[Reading]) -> list[Reading]:
    """One Reading per meeting: the one with the most items, joined by the others' items it
    lacks. Releases are of one meeting when they name the same kind, year and ordinal; one
    that names no ordinal (a ministry's release of its own item often says only "오늘
    경제관계장관회의에서") joins the meeting of the same kind held that day."""
    groups: dict[tuple[str, str], list[Reading]] = {}
    for r in readings:
        groups.setdefault(_meeting_key(r.release), []).append(r)
    held_on = {
        (key[0], group[0].release.meeting.date): key
        for key, group in groups.items()
        if "#" in key[1]
    }
    for key in [k for k in groups if "#" not in k[1]]:
        into = held_on.get((key[0], dt.date.fromisoformat(key[1])))
        if into is not None:
            groups[into] += groups.pop(key)
    return [_joined(group) for group in groups.values()]


def _meeting_key(release: Release) -> tuple[str, str]:
    """(kind, "year#ordinal") or, without an ordinal, (kind, ISO date)."""
    m = release.meeting
    kind = kind_in(m.title) or m.title
    # Ordinals restart some years ("2023년 제1차 사회관계장관회의"): the year goes with them.
    return kind, f"{m.date.year}#{m.ordinal}" if m.ordinal else m.date.isoformat()


def _joined(group: list[Reading]) -> Reading:
    if len(group) == 1:
        return group[0]
    group = sorted(group, key=lambda r: (-len(r.release.items), r.news_ids))
    base = group[0].release
    items = list(base.items)
    titles = {_squash(i.title) for i in items}
    for other in group[1:]:
        for item in other.release.items:
            if _squash(item.title) not in titles:
                titles.add(_squash(item.title))
                items.append(item)
    news = tuple(n for r in group for n in r.news)
    sha = hashlib.sha256(
        "".join(r.release.meeting.source_sha256 or "" for r in group).encode()
    ).hexdigest()
    warnings = (
        *base.warnings,
        *(w for r in group[1:] for w in r.release.warnings),
        f"같은 회의의 보도자료 {len(group)}건을 합쳤습니다: 안건이 빠지거나 겹치지 않았는지 확인하세요.",
    )
    release = Release(
        meeting=base.meeting.evolve(source_sha256=sha),
        items=tuple(_renumbered(items)),
        warnings=tuple(dict.fromkeys(warnings)),
    )
    return Reading(release, news)


def _renumbered(items: list[AgendaItem]) -> Iterable[AgendaItem]:
    return (item.evolve(number=n) for n, item in enumerate(items, 1))


def _squash(title: str) -> str:
    return re.sub(r"[\s「」｢｣『』'‘’\"“”]", "", title)
