"""The platform-neutral reply every command and digest returns, and the small formatting
helpers they share. Adapters render a Reply with their own template family; nothing here
knows about HTML, Block Kit or message size limits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from bot.model import WEEKDAYS_KO, Meeting

PAGE_SIZE = 15


@dataclass(frozen=True)
class Line:
    """One list entry: `label` is shown emphasised (an id, a date), `detail` de-emphasised."""

    text: str
    label: str = ""
    detail: str = ""
    url: str = ""  # the text links here (http/https only; see `source_line`)


@dataclass(frozen=True)
class Section:
    """A heading with a paragraph and/or a list of lines."""

    heading: str = ""
    paragraph: str = ""
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Button:
    """A button under a reply.

    A page button runs `command` again at `page` (paging through a long answer; never a
    command that writes). An `action` button runs `command` once, as whoever presses it, as if
    they had typed it (저장, 취소, 삭제 확인): the command checks who may do it.
    """

    label: str
    command: str
    page: int = 1
    action: bool = False


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (a spreadsheet for /export). Adapters upload it after the
    reply's text; the console and the CLI only name it (`bot.render.text`).

    The bytes stay out of `repr` (a log line must not carry a workbook), and a reply holding
    them is never cached (the command is not `cacheable`; renderings drop them)."""

    name: str  # the file name the chat shows, e.g. 안건-2026-11-25.xlsx
    data: bytes = field(repr=False)
    mime: str = "application/octet-stream"

    @property
    def size_text(self) -> str:
        return size_text(len(self.data))


def size_text(size: int) -> str:
    """12 KB, 3.4 MB: a file size as a person reads it (KB rounded up, never "0 KB")."""
    if size < 1024 * 1024:
        return f"{max(1, -(-size // 1024)):,} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@dataclass(frozen=True)
class Reply:
    """What a command answers: a title line, sections, an optional footer and buttons, and
    files to send with it (`attachments`)."""

    title: str
    sections: tuple[Section, ...] = ()
    footer: str = ""
    buttons: tuple[Button, ...] = ()
    error: bool = False
    page: int = 1
    pages: int = 1
    empty: bool = False  # nothing to report (a digest with no news: quiet chats skip it)
    # Facts about the reply for its producer (a digest's period); not rendered, not compared.
    meta: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    attachments: tuple[Attachment, ...] = ()

    @property
    def line_count(self) -> int:
        return sum(len(s.lines) for s in self.sections)

    def paged(self, command: str, page: int, size: int = PAGE_SIZE) -> Reply:
        """Keep only the lines of `page`, with buttons to the neighbouring pages."""
        total = self.line_count
        if total <= size:
            return self
        pages = -(-total // size)
        page = min(max(page, 1), pages)
        start, end = (page - 1) * size, page * size
        sections: list[Section] = []
        seen = 0
        for s in self.sections:
            keep = tuple(line for i, line in enumerate(s.lines, seen) if start <= i < end)
            in_range = keep or (not s.lines and page == 1)
            seen += len(s.lines)
            if in_range:
                sections.append(replace(s, lines=keep, paragraph=s.paragraph if page == 1 else ""))
        buttons = []
        if page > 1:
            buttons.append(Button("◀ 이전", command, page - 1))
        if page < pages:
            buttons.append(Button("다음 ▶", command, page + 1))
        return replace(
            self,
            sections=tuple(sections),
            buttons=tuple(buttons),
            page=page,
            pages=pages,
            footer=(f"{page}/{pages}쪽 · " + self.footer).rstrip(" ·"),
        )


def error(message: str) -> Reply:
    return Reply(title=message, error=True)


def kdate(day: dt.date) -> str:
    """2026-12-31(목)."""
    return f"{day.isoformat()}({WEEKDAYS_KO[day.weekday()]})"


def dday(day: dt.date, today: dt.date) -> str:
    """D-30 before, D-DAY on, D+3 after the day."""
    delta = (day - today).days
    if delta == 0:
        return "D-DAY"
    return f"D-{delta}" if delta > 0 else f"D+{-delta}"


def shorten(text: str, limit: int, *, at_word: bool = False) -> str:
    """The text on one line (white space collapsed), cut and ended with "…" past `limit`.

    The cut keeps `limit - 1` characters, so the result fits in `limit`. With `at_word` (key
    points read from a release) it falls at the last space before `limit` when that keeps
    more than half, else at `limit`, and the "…" follows.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if not at_word:
        return text[: limit - 1] + "…"
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + "…"


_LINKABLE = re.compile(r"https?://[^\s<>|\"'`]+")


def source_line(meeting: Meeting) -> Line:
    """ "원문": where a meeting's release came from, a link when its URL is known."""
    url = meeting.url if meeting.url and _LINKABLE.fullmatch(meeting.url) else ""
    return Line(label="원문", text="정책브리핑 보도자료" if url else meeting.source or "-", url=url)
