"""Press release text → Release: the meeting, its agenda items and their dated commitments.

Korean government releases announce agenda items in many shapes: numbered blocks (`<안건 1>`,
`[안건 1]`, `안건①`, `제1호 안건`, `1. 「…」`, `① …`) and, often for the last items, only in
closing prose (「A」과 「B」이 상정·의결되었다). Both are read: headings give blocks, and every
quoted title followed by a decision verb is either the current block's own title (quoted again
in its first paragraph) or a new item that runs until the next one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import ministries, nlp
from bot.dates import find_milestones
from bot.errors import ParseError
from bot.model import AgendaItem, Meeting, Milestone, Release

_HANGUL = re.compile(r"[가-힣]")
_DOT = "[·‧ㆍ・•]"
_LEAD = r"^[ \t]*(?:[□■◇◆○●◈▶▷◎ㅇ※]\s*)?"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# Heading styles, strongest first; a document uses the first style that has any heading.
_HEADINGS: list[tuple[re.Pattern[str], bool]] = [
    (
        re.compile(
            rf"{_LEAD}[<＜〈\[【(]\s*(?:안건\s*(?P<n>[0-9]+|[{_CIRCLED}])|(?:제\s*)?(?P<n2>[0-9]+)"
            rf"\s*호\s*안건)\s*[>＞〉\]】)]\s*[:：.\-–]?\s*(?P<rest>.*)$"
        ),
        False,
    ),
    (
        re.compile(
            rf"{_LEAD}안건\s*(?P<n>[{_CIRCLED}]|[0-9]+)\s*(?:[.:：)\-–]\s*|\s+|(?=[「『]))(?P<rest>.+)$"
        ),
        False,
    ),
    (
        re.compile(rf"{_LEAD}제\s*(?P<n>[0-9]+)\s*호\s*안건\s*(?:[:：.\-–]\s*|\s+)(?P<rest>.+)$"),
        True,
    ),
    (re.compile(rf"{_LEAD}(?P<n>[0-9]+)\s*[.)]\s*(?P<rest>[「『].+)$"), True),
    (re.compile(rf"{_LEAD}(?P<n>[{_CIRCLED}])\s*(?P<rest>.+)$"), True),
    # Unnumbered "◇ 설 명절 민생안정 대책" lines: only in a text that speaks of 안건 (below).
    (re.compile(r"^[ \t]*[◇◆■▣◈](?P<n>)\s*(?P<rest>[^\s].{2,58})$"), True),
]
# Styles that count only with two or more headings, since one such line is just a list mark.
_WEAK_HEADINGS = {_HEADINGS[-2][0], _HEADINGS[-1][0]}
_SENTENCE_END = re.compile(r"(?:다|음|임|함|됨)\s*[.]?\s*$")
_QUOTED = re.compile(r"[「『]\s*([^」』\n]{2,150}?)\s*[」』]")
_QUOTED_LOOSE = re.compile(r"[「『‘“]\s*([^」』’”\n]{2,150}?)\s*[」』’”]")
# Between two quoted titles named together: "과", "및", ",", with a ministry note before it.
_CHAIN_GAP = re.compile(r"\s*(?:\([^()\n]{1,30}\)\s*)?(?:과|와|및|,|、|그리고)\s*")
_DECISION = re.compile(
    rf"(논의|심의\s?{_DOT}?\s?의결|상정\s?{_DOT}?\s?의결|의결|보고|심의|상정)\s?"
    r"(?:되었|됐|하였|했|받았)(?!던)"  # 보고받았다: the meeting was briefed
)
_DECISION_NOTE = re.compile(
    rf"\s*(?:논의|보고|(?:심의|상정)?\s?{_DOT}?\s?의결|심의)\s*(?:안건)?\s*$"
)
_TABLED = re.compile(r"상정\s?(?:하며|하고|하여|되어|되며|되고|하면서)")
_RESOLVED = re.compile(r"의결\s?(?:되었|됐|하였|했)")
_NEW_ITEM_CUE = re.compile(
    r"외에도|외에|이\s?밖에|이외에도|이와 함께|아울러|또한|마지막으로|이어서|다음으로|추가로"
)
_SENTENCE_BREAK = re.compile(r"[.!?](?=\s)|\n")
_MAX_GAP = 40  # characters between a quoted title and its decision verb

_MEETING_NAME = re.compile(r"제\s?([0-9]+)\s?(회|차)\s*((?:[가-힣A-Za-z·]+\s?){0,8}?[가-힣]*회의)")
_MEETING_PLAIN = re.compile(r"([가-힣·]+(?:\s[가-힣·]+){0,5}?\s?[가-힣]*(?:장관회의|회의))")
_CHAIR = re.compile(
    r"(?<![가-힣])(?P<name>[가-힣]{2,4})\s(?P<role>(?:부총리\s?겸\s?[가-힣]+\s?)?"
    r"(?:국무총리|대통령|부총리|총리|장관|차관|위원장|실장|본부장))"
    # "김민석 국무총리 주재", "…국무총리, 제7회 …회의 주재", "…국무총리는 …를 주재하고"
    r"(?:[은는이가]?(?:[,\s][^.\n]{0,100}?)?)\s?주재"
)
_CHAIR_ROLE = re.compile(r"(국무총리|대통령|부총리|총리|장관|차관|위원장)\s?주재")
_DAY_WEEKDAY = re.compile(  # 11월 24일(월), 12.18(목), 12. 4.(목)
    r"(?<![0-9.])(1[0-2]|0?[1-9])\s?(?:월\s?|\.\s?)(3[01]|[12][0-9]|0?[1-9])\s?(?:일\s?|\.\s?)?"
    r"\(([월화수목금토일])"
)
_DAY_FULL = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})\s?(?:년\s?|[.\-/]\s?)(1[0-2]|0?[1-9])\s?(?:월\s?|[.\-/]\s?)"
    r"(3[01]|[12][0-9]|0?[1-9])(?![0-9])"
)
_YEAR_HINT = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
_SHORT_YEAR = re.compile(r"[’'‘]([0-9]{2})(?=\s?[.년])")
_MEETING_WORDS = re.compile(r"개최|주재|열린|열렸|회의")
_WEEKDAYS = "월화수목금토일"

_SUBJECT = re.compile(r"(?:^|(?<=[\s,(]))([가-힣A-Za-z()·]{2,30}?)(?:은|는|이|가|에서는)(?=\s)")
_CONJUNCT = re.compile(r"(?:^|(?<=[\s,(]))([가-힣A-Za-z()·]{2,30}?)(?:와|과|및|,)\s*$")
_INTENT = re.compile(r"계획|예정|방침|추진한다|추진하고|추진할|지원한다|나선다|나설|마련한다")
_KEY_MARK = re.compile(rf"[▲△■◆{_CIRCLED}]")
_KEY_STOP = re.compile(
    r"\s?(?:(?:의|이라는|라는|등의?)\s?[0-9]+\s?(?:대|가지|개)|등\s|이라는|라는\s|[,.;\n]|"
    rf"[▲△■◆{_CIRCLED}]|$)"
)
_KEY_WORDS = re.compile(r"추진|계획|예정|목표|방침")
_CHUNK = re.compile(r"[^\n]+?(?:다\.|$)(?=\s|$)")
_SUMMARY_WORDS = re.compile(r"계획|예정|방침|목표|추진한다|추진할|추진된다")


@dataclass
class _Item:
    """An agenda item while the document is being read."""

    start: int
    order: int
    title: str
    decision: str | None = None
    heading: bool = False
    claimed: bool = False
    first_paragraph_end: int = 0
    end: int = 0
    owners: tuple[str, ...] = ()  # ministries named in the heading: `(기재부·금융위)`


def read_text(path: Path) -> str:
    """Read a press release file as text.

    Args:
        path: a UTF-8 (with or without BOM), UTF-16 (with BOM) or CP949/EUC-KR text file.

    Returns:
        The decoded text.

    Raises:
        ParseError: with a one-line Korean message when the file is missing, empty, binary,
            in an unknown encoding, or has no Hangul.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ParseError(f"파일을 찾을 수 없습니다: {path}") from None
    except IsADirectoryError:
        raise ParseError(f"파일이 아니라 폴더입니다: {path}") from None
    except OSError as exc:
        raise ParseError(f"파일을 읽을 수 없습니다: {path} ({exc.strerror})") from None
    if not data.strip():
        raise ParseError(f"빈 파일입니다: {path}")
    text = _decode(data, path)
    if not _HANGUL.search(text):
        raise ParseError(f"한글 본문이 없습니다: {path}")
    return text


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise ParseError(f"텍스트 파일이 아닙니다(바이너리): {path}")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
        if controls > len(text) // 100:
            raise ParseError(f"텍스트 파일이 아닙니다(바이너리): {path}")
        return text
    raise ParseError(f"문자 인코딩을 알 수 없습니다(UTF-8·CP949 아님): {path}")


def parse(text: str, *, date: dt.date | None = None, source: str = "") -> Release:
    """Read a meeting and its agenda items from a press release.

    Args:
        text: the press release as text (see `read_text`).
        date: the meeting date, when known; otherwise it is read from the text
            (`11월 24일(월)`, the year inferred from the weekday).
        source: where the text came from (a file name); kept on the Meeting, and a date in it
            helps to infer the year.

    Returns:
        The Release, items numbered in announcement order, `meeting=0` until the store
        numbers the meeting.

    Raises:
        ParseError: no meeting date can be found (and none was given), or no agenda item.
    """
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    if not text.strip():
        raise ParseError("본문이 비어 있습니다.")
    items = _find_items(text)
    if not items:
        raise ParseError(
            "안건을 찾을 수 없습니다: <안건 1> 같은 제목이나 「…」이(가) 논의·의결되었다 같은 문장이 없습니다."
        )
    preamble = text[: items[0].start]
    _preamble_decisions(items, preamble)
    meeting_date = date or _meeting_date(preamble, text, source)
    if meeting_date is None:
        raise ParseError(
            "회의 날짜를 찾을 수 없습니다: 본문에 '11월 24일(월)' 같은 날짜가 없습니다."
        )
    ordinal, title = _meeting_title(preamble or text, text)
    meeting = Meeting(
        number=0,
        title=title,
        date=meeting_date,
        ordinal=ordinal,
        chair=_chair(preamble) or _chair(text[: items[0].end]),
        source=source,
        source_sha256=sha,
        milestones=tuple(_milestones(preamble, meeting_date)),
    )
    agenda = tuple(
        _agenda_item(number, item, text, meeting_date) for number, item in enumerate(items, 1)
    )
    return Release(meeting=meeting, items=agenda)


def release_to_json(release: Release) -> dict[str, Any]:
    """The parse result as plain JSON data, in the shape of the reference expectations.

    Args:
        release: what `parse` returned.

    Returns:
        `{"meeting": {...}, "agenda": [...], "meeting_milestones": [...]}`.
    """
    meeting = release.meeting
    return {
        "meeting": {
            "title": meeting.title,
            "ordinal": meeting.ordinal,
            "date": meeting.date.isoformat(),
            "chair": meeting.chair,
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
                "milestones": [m.to_dict() for m in item.milestones],
            }
            for item in release.items
        ],
        "meeting_milestones": [m.to_dict() for m in meeting.milestones],
    }


# --- finding the items ------------------------------------------------------------------------


def _find_items(text: str) -> list[_Item]:
    """Heading blocks plus prose-named items, in order, each running to the next one's start."""
    items = _headings(text)
    for sentence_start, titles, decision, cue, quote_at, notes in _prose_mentions(text):
        block = _block_at(items, sentence_start)
        if block is not None and _belongs(block, titles, cue, sentence_start):
            block.claimed = True
            block.decision = block.decision or decision
            continue
        if block is None and any(i.heading for i in items):
            # A summary in the preamble of items that have their own blocks.
            for item in items:
                if item.heading and any(_similar(t, item.title) for t in titles):
                    item.decision = item.decision or decision
            continue
        for offset, title in enumerate(titles):
            if any(_similar(title, i.title) for i in items):
                continue
            owners = notes[offset]
            items.append(_Item(sentence_start, quote_at + offset, title, decision, owners=owners))
    items.sort(key=lambda i: (i.start, i.order))
    starts = sorted({i.start for i in items})
    for item in items:
        later = [s for s in starts if s > item.start]
        item.end = later[0] if later else _body_end(text, item.start)
    sections = [(m.start(), _decision_word(m.group(1))) for m in _SECTION.finditer(text)]
    for item in items:
        if item.heading and item.decision is None:
            item.decision = _block_decision(text[item.start : item.end])
        if item.decision is None:
            item.decision = _table_decision(text, item.title)
        if item.decision is None:
            item.decision = next((d for at, d in reversed(sections) if at < item.start), None)
    return items


# "[의결안건]", "< 보고 안건 >": a section of items that share a decision.
_SECTION = re.compile(
    r"^[ \t]*[\[<＜【〈(□■◇◆]?\s*(의결|보고|논의|심의)\s*안건\s*[\]>＞】〉)]?\s*$", re.MULTILINE
)


# Where a release's own text ends: contact lines, attachments, the closing mark.
_TRAILER = re.compile(
    r"^[ \t]*(?:※\s*(?:문의|담당|자료)|붙\s?임\b|\[\s*붙임|<\s*붙임|담당\s*부서|문의\s*[:：]|<\s*끝\s*>)",
    re.MULTILINE,
)


def _body_end(text: str, start: int) -> int:
    """The end of the last item: before the contacts and attachments that close a release."""
    trailer = _TRAILER.search(text, start)
    return trailer.start() if trailer else len(text)


_TABLE_BARS = str.maketrans("│┃｜¦", "||||")  # tables converted from HWP or PDF
_TABLE_DECISION = re.compile(r"(?<![가-힣])(의결|보고|논의)(?![가-힣])")


def _preamble_decisions(items: list[_Item], preamble: str) -> None:
    """ "다음 안건을 의결하였다", "① A, ② B가 논의되었다": the preamble's verb, for the items it names."""
    for sentence in re.split(r"(?<=[.다])\s+|\n", preamble):
        match = _DECISION.search(sentence)
        decision = _decision_word(match.group(1)) if match else None
        if decision is None:
            continue
        named = _norm(sentence)
        for item in items:
            if item.decision is None and ("안건" in sentence or _norm(item.title) in named):
                item.decision = decision


def _table_decision(text: str, title: str) -> str | None:
    """The decision column of an agenda table row (`| 의결 | 「title」 | 부처 |`) naming the item."""
    for line in text.translate(_TABLE_BARS).split("\n"):
        if line.count("|") >= 2 and _norm(title) in _norm(line):
            cells = [c for c in line.split("|") if not _similar(c.strip(" 「」『』"), title)]
            match = _TABLE_DECISION.search("|".join(cells))
            if match:
                return _decision_word(match.group(1))
    return None


def _headings(text: str) -> list[_Item]:
    """Heading lines of the strongest style present (a lone `①` line is a list, not a heading)."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, line))
        offset += len(line) + 1
    for pattern, must_look_like_heading in _HEADINGS:
        if pattern is _HEADINGS[-1][0] and "안건" not in text:
            continue
        found: list[_Item] = []
        for index, (start, line) in enumerate(lines):
            match = pattern.match(line)
            if not match:
                continue
            rest = match.group("rest").strip()
            if must_look_like_heading and (len(rest) > 100 or _SENTENCE_END.search(rest)):
                continue
            title, decision, owners = _heading_title(rest, lines[index + 1 :])
            if not title:
                continue
            item = _Item(start, start, title, decision, heading=True, owners=owners)
            item.first_paragraph_end = _first_paragraph_end(lines, index, bool(rest))
            found.append(item)
        if len(found) >= (2 if pattern in _WEAK_HEADINGS else 1):
            return found
    return []


def _first_paragraph_end(lines: list[tuple[int, str]], index: int, titled: bool) -> int:
    """End of the first body line after a heading (the next line if the title sits there)."""
    skip = 0 if titled else 1
    for start, line in lines[index + 1 :]:
        if not line.strip():
            continue
        if skip:
            skip -= 1
            continue
        return start + len(line)
    return lines[index][0] + len(lines[index][1])


def _heading_title(
    rest: str, following: list[tuple[int, str]]
) -> tuple[str, str | None, tuple[str, ...]]:
    """The title in a heading line (or the next line), without ministry or decision notes."""
    if not rest:
        rest = next((line.strip() for _, line in following if line.strip()), "")
        if len(rest) > 100 or _SENTENCE_END.search(rest):
            quoted = _QUOTED.search(rest)
            return (_clean(quoted.group(1)), None, ()) if quoted else ("", None, ())
    quoted = _QUOTED.search(rest)
    if quoted and (quoted.start() < 3 or len(quoted.group(1)) > len(rest) / 2):
        title = quoted.group(1)
        tail = rest[quoted.end() :]
    else:
        title, tail = rest, ""
    title, notes = _strip_notes(title)
    notes += _strip_notes(tail)[1]
    decision: str | None = None
    owners: tuple[str, ...] = ()
    for note in notes:
        decision = decision or _decision_word(note)
        owners = owners or _ministry_note(note)
    return _clean(title.strip(" -–:")), decision, owners


def _strip_notes(text: str) -> tuple[str, list[str]]:
    """Split trailing `(산업부)` / `[보고]` notes off a heading."""
    notes: list[str] = []
    while True:
        note = re.search(r"\s*[(\[]([^()\[\]]+)[)\]]\s*$", text)
        if not note or not (_DECISION_NOTE.match(note.group(1)) or _ministry_note(note.group(1))):
            return text, notes
        notes.insert(0, note.group(1))
        text = text[: note.start()]


def _ministry_note(note: str) -> tuple[str, ...]:
    """`기재부·금융위` → its parts, when every part is a ministry name."""
    parts = tuple(p for p in re.split(rf"(?:[,/\s]|{_DOT})+", note) if p)
    if parts and all(ministries.resolve(p, dt.date.today()) for p in parts):
        return parts
    return ()


def _clean(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip()


Mention = tuple[int, list[str], str | None, bool, int, list[tuple[str, ...]]]


def _prose_mentions(text: str) -> list[Mention]:
    """Quoted titles right before a decision verb.

    Each: (sentence start, titles, decision, cue, position, the ministries noted after each
    title as in `「추석 민생안정 대책」(기재부)`).
    """
    out: list[Mention] = []
    seen: set[int] = set()
    for verb in _iter_verbs(text):
        position, decision = verb
        start = _sentence_start(text, position)
        region = text[start:position]
        pattern = _QUOTED_LOOSE if "안건" in region else _QUOTED
        quotes = list(pattern.finditer(region))
        if not quotes or len(region) - quotes[-1].end() > _MAX_GAP:
            continue
        if "," in region[quotes[-1].end() :]:
            continue
        chain = [quotes[-1]]
        for quote in reversed(quotes[:-1]):
            if _CHAIN_GAP.fullmatch(region[quote.end() : chain[0].start()]):
                chain.insert(0, quote)
            else:
                break
        if start + chain[0].start() in seen:
            continue
        seen.add(start + chain[0].start())
        titles = [_clean(q.group(1)) for q in chain]
        notes = [_note_after(region, q.end()) for q in chain]
        cue = bool(_NEW_ITEM_CUE.search(region[: chain[0].start()]))
        out.append((start, titles, decision, cue, start + chain[0].start(), notes))
    return out


def _note_after(region: str, end: int) -> tuple[str, ...]:
    """The ministries in a `(기재부)` note right after a quoted title."""
    note = re.match(r"\s*\(([^()\n]{1,30})\)", region[end:])
    return _ministry_note(note.group(1)) if note else ()


def _iter_verbs(text: str) -> list[tuple[int, str | None]]:
    verbs: list[tuple[int, str | None]] = []
    for match in _DECISION.finditer(text):
        verbs.append((match.start(), _decision_word(match.group(1))))
    for match in _TABLED.finditer(text):
        end = _SENTENCE_BREAK.search(text, match.end())
        rest = text[match.end() : end.start() if end else len(text)]
        verbs.append((match.start(), "심의·의결" if _RESOLVED.search(rest) else None))
    verbs.sort()
    return verbs


def _sentence_start(text: str, position: int) -> int:
    start = text.rfind("\n", 0, position) + 1
    for match in _SENTENCE_BREAK.finditer(text, start, position):
        if text[match.start()] != "\n" and not text[match.start() - 1].isdigit():
            start = match.end()
    while start < position and text[start].isspace():
        start += 1
    return start


def _decision_word(text: str) -> str | None:
    """The decision a verb states; every kind of 의결 is recorded as 심의·의결."""
    if "의결" in text or "심의" in text:
        return "심의·의결"
    if "논의" in text:
        return "논의"
    if "보고" in text:
        return "보고"
    return None


def _block_at(items: list[_Item], position: int) -> _Item | None:
    block = None
    for item in items:
        if item.heading and item.start <= position:
            block = item
    return block


def _belongs(block: _Item, titles: list[str], cue: bool, position: int) -> bool:
    """Whether a quoted title in a block is the block's own title said again."""
    if any(_similar(t, block.title) for t in titles):
        return True
    return not block.claimed and not cue and position < block.first_paragraph_end


def _norm(title: str) -> str:
    return re.sub(r"[^0-9A-Za-z가-힣]", "", title).lower()


def _similar(a: str, b: str) -> bool:
    x, y = _norm(a), _norm(b)
    if not x or not y:
        return False
    # Titles of one meeting share many words (인공 지능, 전략, 방안), so only near-copies count.
    return x == y or difflib.SequenceMatcher(None, x, y).ratio() >= 0.8


def _block_decision(body: str) -> str | None:
    match = _DECISION.search(body)
    if match:
        return _decision_word(match.group(1))
    tabled = _TABLED.search(body)
    if tabled and _RESOLVED.search(body, tabled.end()):
        return "심의·의결"
    return None


# --- the meeting ------------------------------------------------------------------------------


def _meeting_title(preamble: str, text: str) -> tuple[int | None, str]:
    match = _MEETING_NAME.search(preamble) or _MEETING_NAME.search(text)
    if match:
        name = re.sub(r"\s+", "", match.group(3))
        return int(match.group(1)), f"제{int(match.group(1))}{match.group(2)} {name}"
    for line in preamble.splitlines()[:6] or text.splitlines()[:6]:
        plain = _MEETING_PLAIN.search(line)
        if plain and _MEETING_WORDS.search(line):
            return None, re.sub(r"\s+", "", plain.group(1))
    headline = next((ln.strip(" |\t") for ln in text.splitlines() if _HANGUL.search(ln)), "")
    return None, headline[:80]


def _chair(preamble: str) -> str | None:
    match = _CHAIR.search(preamble)
    if match:
        role = re.sub(r"\s+", " ", match.group("role"))
        return f"{match.group('name')} {role}"
    bare = _CHAIR_ROLE.search(preamble)
    return bare.group(1) if bare else None


def _meeting_date(preamble: str, text: str, source: str) -> dt.date | None:
    reference = _reference_year(source, text)
    head = preamble if preamble.strip() else text[:2000]
    sentences = [s for s in re.split(r"(?<=[.다])\s+|\n", head) if s.strip()]
    ordered = [s for s in sentences if _MEETING_WORDS.search(s)] + [head, text[:3000]]
    for chunk in ordered:
        # Past the preamble a full date is more likely a milestone than the meeting day.
        full = _DAY_FULL.search(chunk) if chunk is not ordered[-1] else None
        weekday = _DAY_WEEKDAY.search(chunk)
        if full and (not weekday or full.start() <= weekday.start()):
            try:
                return dt.date(int(full.group(1)), int(full.group(2)), int(full.group(3)))
            except ValueError:
                pass
        if weekday:
            day = _from_weekday(
                int(weekday.group(1)), int(weekday.group(2)), weekday.group(3), reference
            )
            if day:
                return day
    return None


def _reference_year(source: str, text: str) -> int:
    """The year a year-less meeting date is near: from the file name, else the text's years."""
    hint = _YEAR_HINT.search(source)
    if hint:
        return int(hint.group(1))
    years = sorted(int(y) for y in _YEAR_HINT.findall(text))
    years += sorted(2000 + int(y) for y in _SHORT_YEAR.findall(text))
    years.sort()
    return years[len(years) // 2] if years else dt.date.today().year


def _from_weekday(month: int, day: int, weekday: str, reference: int) -> dt.date | None:
    """The year in which month/day fell on that weekday, nearest the reference year."""
    target = _WEEKDAYS.index(weekday)
    for distance in range(0, 12):
        for year in (reference - distance, reference + distance):
            try:
                candidate = dt.date(year, month, day)
            except ValueError:
                continue
            if candidate.weekday() == target:
                return candidate
    return None


# --- one item ---------------------------------------------------------------------------------


def _agenda_item(number: int, item: _Item, text: str, on: dt.date) -> AgendaItem:
    body = text[item.start : item.end].strip()
    mentioned = ministries.find_in_text(body, on)
    lead = _lead(body, mentioned, on, item.owners)
    if lead:
        mentioned = [lead, *(m for m in mentioned if m != lead)]
    return AgendaItem(
        meeting=0,
        number=number,
        title=item.title,
        decision=item.decision,
        lead_ministry=lead,
        ministries=tuple(mentioned),
        summary=_summary(body, item.heading),
        key_points=tuple(_key_points(body)),
        body=body,
        milestones=tuple(_milestones(body, on)),
    )


def _milestones(text: str, on: dt.date) -> list[Milestone]:
    """Milestones of a passage, without the meeting's own date (it is not a commitment)."""
    return [
        m
        for m in find_milestones(text, on)
        if not (m.precision == "day" and m.date == on and m.kind == "event")
    ]


def _lead(body: str, mentioned: list[str], on: dt.date, owners: tuple[str, ...]) -> str | None:
    """The ministry that says what it will do; else the first 부 named; else the first body."""
    for owner in owners:
        ministry = ministries.resolve(owner, on)
        if ministry:
            return ministry.name
    subjects: list[str] = []
    for chunk in _CHUNK.findall(body):
        for match in _SUBJECT.finditer(chunk):
            ministry = ministries.resolve(match.group(1), on)
            if ministry is None:
                continue
            name = _first_conjunct(chunk[: match.start()], on) or ministry.name
            if _INTENT.search(chunk):
                return name
            subjects.append(name)
    if subjects:
        return subjects[0]
    for name in mentioned:
        if name.endswith("부"):
            return name
    return mentioned[0] if mentioned else None


def _first_conjunct(before: str, on: dt.date) -> str | None:
    """In `기재부와 금융위는`, the first of the joined subjects: 기재부."""
    first = None
    while True:
        match = _CONJUNCT.search(before)
        if not match:
            return first
        ministry = ministries.resolve(match.group(1), on)
        if ministry is None:
            return first
        first = ministry.name
        before = before[: match.start()]


def _summary(body: str, heading: bool) -> str:
    """Two or three sentences: the opening one and those stating plans (계획/예정/추진)."""
    lines = [ln for ln in body.split("\n") if ln.strip()]
    if heading and len(lines) > 1:
        lines = lines[1:]
    chunks = [c.strip() for ln in lines for c in _CHUNK.findall(ln) if c.strip()]
    chosen = chunks[:1] + [c for c in chunks[1:] if _SUMMARY_WORDS.search(c)][:2]
    if len(chosen) < 2:
        chosen = chunks[:2]
    chosen = [c for c in chunks if c in chosen]
    sentences: list[str] = []
    for chunk in chosen:
        sentences.extend(nlp.sentences(chunk))
        if len(sentences) >= 3:
            break
    return " ".join(sentences[:3])


def _key_points(body: str) -> list[str]:
    """The enumerated points (▲ △ ① …), or failing that the sentences stating plans."""
    points: list[str] = []
    marks = list(_KEY_MARK.finditer(body))
    for mark in marks:
        start = mark.end()
        while start < len(body) and body[start] in " ‘'“":
            start += 1
        stop = _KEY_STOP.search(body, start)
        end = stop.start() if stop else len(body)
        if end - start < 6:
            comma = re.search(r"[,.;\n]|$", body[end + 1 :])
            end = end + 1 + (comma.start() if comma else 0)
        point = _shorten(body[start:end].strip(" ,’'”"))
        if len(point) >= 4 and point not in points:
            points.append(point)
    if not points:
        for chunk in _CHUNK.findall(body):
            if _KEY_WORDS.search(chunk):
                points.append(_shorten(nlp.strip_bullet(chunk)))
            if len(points) >= 3:
                break
    return points[:8]


def _shorten(text: str, limit: int = 80) -> str:
    text = re.sub(r"\s+", " ", text)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + "…"
