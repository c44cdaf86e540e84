"""Reading press releases: file → text → meeting and agenda items → `Release`.

The data flow, one module each:

    formats.py     a .txt / .html / .pdf / .hwpx file (or stdin) → plain text and its URL
    text.py        the text made regular (brackets, spaces, wrapped lines)
    rules.py       the ways a release names its items, one rule each, as a table
    items.py       the rules' mentions merged into the meeting's items, with their bodies
    decisions.py   what the meeting did with an item, in the text's own word
    meeting.py     the meeting's name, ordinal, date, chair, venue and attendees
    content.py     an item's lead ministry, summary, key points and milestones
    milestones.py  Korean date expressions resolved against the meeting date

`parse` is the one entry point; it refuses (ParseError, one Korean line) what holds no agenda.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from bot import ministries
from bot.config import configured_today
from bot.errors import ParseError
from bot.model import AgendaItem, Meeting, Release
from bot.reading import content, items, meeting
from bot.reading.formats import Document, read_bytes, read_document
from bot.reading.rules import Doc
from bot.reading.text import regular
from bot.words import with_particle

__all__ = ["Document", "parse", "read_bytes", "read_document", "release_to_json"]

_ATTACHMENT_ONLY = re.compile(
    r"(?:자세한|세부|상세한?)\s?(?:내용|사항)은?\s?(?:은\s)?첨부|첨부\s?(?:자료|파일)을?\s?(?:참고|참조|확인)"
)
# International meetings the minister attends: they have sessions, not agenda items.
_INTERNATIONAL = re.compile(
    r"G20|G7|APEC|아세안|ASEAN|OECD|WTO|유엔|UN\s|한-[가-힣]+|한·[가-힣]+\s?외교|세션|공동선언|공동성명|"
    r"의장국|화상으로\s?참석|주요\s?20개국|정상회의"
)
_DOMESTIC = re.compile(
    r"관계장관회의|조정회의|국정현안|심의회의|전체회의|대책본부|비상경제|경제장관회의"
)


def parse(
    text: str,
    *,
    date: dt.date | None = None,
    today: dt.date | None = None,
    source: str = "",
    url: str | None = None,
    published: dt.date | None = None,
) -> Release:
    """Read a meeting and its agenda items from a press release.

    Args:
        text: the release as text (see `read_document`).
        date: the meeting date, when known; otherwise it is read from the text.
        today: the day it is read, which bounds the year of a year-less meeting date; callers
            pass their settings' date (`Settings.today()`), and without it the configured
            clock is asked (`AGENDABOT_NOW` pins it).
        source: where the text came from (a file name); a year in it helps date the meeting.
        url: the release's 정책브리핑 URL, when the caller knows it (`import --url`).
        published: the day the release was published (the watcher knows it): the meeting
            date when the text names none — releases go out on the meeting's day — with a
            warning to check it.

    Returns:
        The Release, items numbered in order, `meeting=0` until the store numbers it, with
        `warnings` saying what an admin should check.

    Raises:
        ParseError: no agenda item (saying whether the release only points to an attachment
            or reports a meeting without agenda), or no meeting date.
    """
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    regular_text = regular(text)
    body = regular_text.body
    if not body.strip():
        raise ParseError("본문이 비어 있습니다.")
    today = today or configured_today()
    provisional = date or today
    doc = Doc(body, provisional)
    found = items.find(doc) if not _international(body) else []
    if not found:
        raise ParseError(_why_no_agenda(body))
    head = body[: min(f.first for f in found)]
    inferred = False
    meeting_date = date
    if meeting_date is None:
        meeting_date, inferred = meeting.date(head, body, source, today)
    undated = meeting_date is None and published is not None
    if undated:
        meeting_date = published
    if meeting_date is None:
        raise ParseError(
            "회의 날짜를 찾을 수 없습니다: 본문에 '11월 24일(월)' 같은 날짜가 없습니다. --date로 알려 주세요."
        )
    # The items are not read again on the meeting date: the rules only ask whether a note
    # names ministries, which any date answers alike (tests/test_reading_scale.py checks it);
    # the names are resolved on the meeting date below (content.lead, ministries.find_in_text).
    ordinal, title = meeting.title(head or body, body)
    the_meeting = Meeting(
        number=0,
        title=title,
        date=meeting_date,
        ordinal=ordinal,
        chair=meeting.chair(head) or meeting.chair(body[: found[0].end]),
        venue=meeting.venue(head) or meeting.venue(body[:3000]),
        attendees=meeting.attendees(body, meeting_date),
        source=source,
        url=url or regular_text.url,
        source_sha256=sha,
        milestones=tuple(content.milestones(head, meeting_date)),
    )
    agenda = tuple(
        _agenda_item(number, item, body, meeting_date) for number, item in enumerate(found, 1)
    )
    warnings = _warnings(found, agenda, inferred)
    if undated:
        warnings.insert(
            0, f"본문에 회의 날짜가 없어 보도자료 게시일({meeting_date})로 넣었습니다: 확인하세요."
        )
    if doc.titles_skipped:
        warnings.append(
            f"제목 후보가 너무 많아 앞의 {items.MAX_TITLES}개만 읽었습니다"
            f"({doc.titles_skipped:,}개 건너뜀): 보도자료 한 건이 맞는지 확인하세요."
        )
    return Release(meeting=the_meeting, items=agenda, warnings=tuple(warnings))


def _international(body: str) -> bool:
    """A minister at a G20 or APEC meeting: sessions and declarations, no agenda of ours."""
    head = body[:1500]
    if "안건" in body or any(meeting.canonical(kind) in head for kind in meeting.kinds()):
        return False
    return bool(_INTERNATIONAL.search(head)) and not _DOMESTIC.search(head)


def _why_no_agenda(body: str) -> str:
    if _ATTACHMENT_ONLY.search(body):
        return (
            "본문에 안건이 없고 첨부자료를 참고하라고만 되어 있습니다: "
            "첨부된 HWPX나 PDF 파일을 가져오세요(agendabot import 첨부파일.pdf)."
        )
    if re.search(r"회의|위원회", body[:2000]):
        return "회의는 찾았지만 안건이 없습니다(국제회의나 행사 소식처럼 보입니다): 가져올 안건이 없습니다."
    return "안건을 찾을 수 없습니다: <안건 1> 같은 제목이나 「…」이(가) 논의·의결되었다 같은 문장이 없습니다."


def _agenda_item(number: int, item: items.Found, text: str, on: dt.date) -> AgendaItem:
    body = text[item.start : item.end].strip()
    mentioned = ministries.find_in_text(body, on)
    lead = content.lead(body, mentioned, on, item.owners)
    if lead:
        mentioned = [lead, *(m for m in mentioned if m != lead)]
    heading = any(m.block for m in item.mentions)
    return AgendaItem(
        meeting=0,
        number=number,
        title=item.title,
        decision=item.decision,
        lead_ministry=lead,
        ministries=tuple(mentioned),
        summary=content.summary(body, heading),
        key_points=tuple(content.key_points(body)),
        body=body,
        milestones=tuple(content.milestones(body, on)),
    )


def _warnings(
    found: list[items.Found], agenda: tuple[AgendaItem, ...], inferred: bool
) -> list[str]:
    """What an admin should check: each line names the item it is about."""
    out: list[str] = []
    if inferred:
        out.append("회의 날짜의 연도를 본문에서 추정했습니다: 확인하세요.")
    for item, entry in zip(found, agenda, strict=True):
        name = f"안건 {entry.number} 「{entry.title}」"
        rules = {m.rule for m in item.mentions if m.announces}
        if rules <= {"plain_sentences"}:
            out.append(f"{name}: 괄호 없이 문장 속에서만 찾은 제목입니다.")
        if rules <= {"section_headings"}:
            out.append(f"{name}: 소제목으로만 찾은 안건입니다.")
        if entry.decision is None:
            out.append(f"{name}: 본문에 결정(논의·의결·보고)이 적혀 있지 않습니다.")
        if entry.lead_ministry and not item.owners:
            lead = with_particle(f"'{entry.lead_ministry}'", "은/는")
            out.append(f"{name}: 주관 부처 {lead} 본문에서 추정했습니다.")
        elif not entry.lead_ministry:
            out.append(f"{name}: 주관 부처를 찾지 못했습니다.")
    return out


def release_to_json(release: Release) -> dict[str, Any]:
    """The parse result as plain JSON data, in the shape of the reference expectations."""
    m = release.meeting
    return {
        "meeting": {
            "title": m.title,
            "ordinal": m.ordinal,
            "date": m.date.isoformat(),
            "chair": m.chair,
            "venue": m.venue,
            "attendees": list(m.attendees),
            "source": m.source,
            "url": m.url,
            "source_sha256": m.source_sha256,
        },
        "agenda": [
            {
                "number": item.number,
                "title": item.title,
                "decision": item.decision,
                "lead_ministry": item.lead_ministry,
                "ministries": list(item.ministries),
                "summary": item.summary,
                "key_points": list(item.key_points),
                "milestones": [ms.to_dict() for ms in item.milestones],
            }
            for item in release.items
        ],
        "meeting_milestones": [ms.to_dict() for ms in m.milestones],
        "warnings": list(release.warnings),
    }
