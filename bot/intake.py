"""Releases sent in chat: read, previewed, and stored only when an admin presses 저장.

An admin sends a press release to the bot as a file (any format `bot.reading` reads, or the
JSON/YAML of `agendabot export`) or pastes its text in a direct message. The adapter hands
the bytes here; `preview` parses them, keeps the result under a short random token, and
answers with what was read (meeting, each item's decision, lead ministry and milestone
count, the parser's warnings) and two action buttons, 저장 and 취소, which run
`/import save TOKEN` or `/import cancel TOKEN` (`bot/commands/importing.py`).

Pending previews of uploads live in memory, bounded in number and age: a restart forgets
them, and the buttons then answer that the preview expired (the admin still has the file).
The watcher's proposals are kept in the store instead (`Store.propose`): nobody could send
those again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot import exchange, reading
from bot.errors import ParseError, UsageError
from bot.model import Meeting, Proposal, Release
from bot.reading.formats import MAX_BYTES
from bot.reply import Button, Line, Reply, Section, kdate, shorten

PENDING_LIMIT = 32  # previews waiting for 저장 or 취소, across all chats
PENDING_TTL = 3600.0  # seconds a preview waits
PASTE_MIN = 200  # characters: a DM this long, over several lines, is a pasted release
SIZE_LIMIT = MAX_BYTES  # bytes; adapters refuse bigger files before downloading them
TOO_BIG = "파일이 너무 큽니다 ({size:,} 바이트). {limit} MB 이하의 파일을 보내 주세요."
EXPIRED = (
    "미리 보기가 만료되었거나 이미 처리되었습니다. 보낸 파일은 다시 보내 주세요"
    "(1시간 또는 봇 재시작 후 만료). 정책브리핑 제안은 /import list 에서 확인하세요."
)


@dataclass(frozen=True)
class Upload:
    """What a file held: the release to preview, and, for an `agendabot export` file, its data
    (saved through `importer.import_data`, which keeps what did not change)."""

    release: Release
    exchange: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Pending:
    """A read upload waiting for 저장 until `expires` (any admin may press it: the button
    runs as its presser, and the audit log records who)."""

    upload: Upload
    expires: float

    @property
    def release(self) -> Release:
        return self.upload.release


class PendingImports:
    """Bounded, expiring previews by token; safe to use from worker threads."""

    def __init__(
        self,
        limit: int = PENDING_LIMIT,
        ttl: float = PENDING_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.ttl = ttl
        self.clock = clock
        self._items: OrderedDict[str, Pending] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, upload: Upload) -> str:
        token = secrets.token_urlsafe(6)
        with self._lock:
            self._expire()
            self._items[token] = Pending(upload, self.clock() + self.ttl)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return token

    def take(self, token: str) -> Pending:
        """Remove and return the preview.

        Raises:
            UsageError: unknown or expired token.
        """
        with self._lock:
            self._expire()
            pending = self._items.pop(token, None)
        if pending is None:
            raise UsageError(EXPIRED)
        return pending

    def __len__(self) -> int:
        return len(self._items)

    def _expire(self) -> None:
        now = self.clock()
        for token in [t for t, p in self._items.items() if p.expires <= now]:
            del self._items[token]


def too_big(size: int) -> str | None:
    """The refusal for a file of `size` bytes, or None when it may be downloaded."""
    if size <= SIZE_LIMIT:
        return None
    return TOO_BIG.format(size=size, limit=SIZE_LIMIT // (1024 * 1024))


def looks_pasted(text: str) -> bool:
    """A direct message that is a pasted release rather than a command."""
    return not text.lstrip().startswith("/") and len(text) >= PASTE_MIN and "\n" in text.strip()


def read(data: bytes, name: str, today: dt.date) -> Upload:
    """Read an uploaded file: an export (.json/.yaml) as data, anything else (pasted text as
    `.txt`) as a press release.

    Raises:
        AgendabotError: unreadable, too big, a wrong field, or no agenda in it.
    """
    if len(data) > SIZE_LIMIT:
        raise ParseError(too_big(len(data)) or "")
    fmt = exchange.format_of(name)
    if fmt is not None:
        fields = exchange.read_bytes(data, fmt, label=name)
        return Upload(exchange.release_from_data(fields), fields)
    document = reading.read_bytes(data, name)
    release = reading.parse(document.text, source=document.name, url=document.url, today=today)
    return Upload(release)


def preview_reply(release: Release, token: str) -> Reply:
    """What was read, with 저장 / 취소."""
    meeting = release.meeting
    head = [Line(label="회의", text=meeting.title, detail=kdate(meeting.date))]
    if meeting.chair:
        head.append(Line(label="주재", text=meeting.chair))
    items = tuple(
        Line(
            label=f"{item.number}",
            text=shorten(item.title, 60),
            detail=" · ".join(
                part
                for part in (
                    item.decision or "결정 미상",
                    item.lead_ministry or "주관 미상",
                    f"일정 {len(item.milestones)}건",
                )
            ),
        )
        for item in release.items
    )
    sections = [Section(lines=tuple(head)), Section(heading=f"안건 {len(items)}건", lines=items)]
    if release.warnings:
        sections.append(
            Section(
                heading=f"확인 필요 {len(release.warnings)}건",
                lines=tuple(Line(text=shorten(w, 120)) for w in release.warnings[:10]),
            )
        )
    return Reply(
        title="보도자료를 읽었습니다. 저장할까요?",
        sections=tuple(sections),
        footer="저장하면 회의와 안건이 들어가고, 같은 회의가 있으면 갱신됩니다. (1시간 안에 선택)",
        buttons=(
            Button("저장", f"/import save {token}", action=True),
            Button("취소", f"/import cancel {token}", action=True),
        ),
    )


def proposal_reply(kept: Proposal, stored: Meeting | None = None) -> Reply:
    """The chat import's preview, with 저장 / 무시, where it came from, and the stored meeting
    저장 would update (a revision, or a meeting an admin imported by hand before)."""
    reply = preview_reply(kept.release, kept.token)
    what = "수정된 보도자료" if kept.revision else "새 보도자료"
    ids = ", ".join(kept.news)
    ask = f"저장된 {stored.number}번 회의를 이 내용으로 갱신할까요?" if stored else "저장할까요?"
    return dataclasses.replace(
        reply,
        title=f"정책브리핑에 {what}가 올라왔습니다({ids}). {ask}",
        footer="저장하면 회의와 안건이 들어가고, 같은 회의가 있으면 갱신됩니다. "
        "무시하면 다시 제안하지 않습니다. 대기 중인 제안: /import list",
        buttons=(
            Button("저장", f"/import save {kept.token}", action=True),
            Button("무시", f"/import ignore {kept.token}", action=True),
        ),
    )
