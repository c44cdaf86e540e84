"""The ways a release names its agenda items, one rule each, as a table.

Each rule reads the regular text (see `text.py`) and returns `Mention`s: a title, where it is,
the number the release gave it, the decision the text states for it, the ministries noted
with it. Rules *announce* items (the release says the meeting took them up) or only *confirm*
them (a section heading, which gives the item's body but adds no item of its own). `items.py`
merges the mentions of one item and decides the set.

| rule              | what it reads                                                          |
|-------------------|------------------------------------------------------------------------|
| agenda_headings   | `<안건 1>`, `[안건 1]`, `(안건 1)`, `【심의안건1】`, `< 안건. … >`, `제1호 안건` lines |
| category_lines    | `보고 …(서면) 등`: a line naming an item under its decision              |
| agenda_lists      | ①②③ / ❶❷❸ / bare lines inside a sentence that says "안건 … 논의"          |
| inline_lists      | `심의 안건은 ①A, ②B, ③C으로`; `* ❶A(부처), ❷B, C` under a meeting sentence |
| quoted_sentences  | quoted titles in a sentence whose verb says the meeting took them up   |
| plain_sentences   | titles without brackets: `A, B, C 등을 논의`, `A를 토론안건으로 B를 보고안건으로` |
| highlight_titles  | a plan's title quoted in the headline or a `▷` summary line (only when nothing else announces) |
| section_headings  | `①【…】`, `< … >`, `【…】`, `◇ …`, `1. 「…」`, `① …` headings (confirm only) |
| numbered_headings | `1. 제목(안)` or `1 제목` over a `□` paragraph (confirm only, never an item by itself) |
| noted_headings    | `◈ 제목 (보건복지부)`, `- 제목 (관계부처 합동)`: a marked line with its ministry (confirm only) |
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot import ministries
from bot.reading.decisions import AGENDA_VERB, decision_in, normalise
from bot.reading.text import (
    CIRCLED,
    DARK_CIRCLED,
    DOT,
    QUOTED,
    clean,
    lines_with_offsets,
)


@dataclass
class Mention:
    """One place where the release names an agenda item."""

    title: str
    at: int  # offset in the text
    rule: str
    number: int | None = None
    decision: str | None = None
    owners: tuple[str, ...] = ()
    announces: bool = True  # False: a heading that only gives the item's body
    block: bool = False  # `at` starts the item's own section
    remarks: bool = False  # said in the opening remarks (모두발언), before the meeting
    end: int = 0  # end of the sentence or line that names it
    begin: int = -1  # start of that sentence or line (default: `at`)

    def __post_init__(self) -> None:
        if self.begin < 0:
            self.begin = self.at


@dataclass
class Doc:
    """The text and what every rule needs to know about it."""

    text: str
    on: dt.date  # for ministry names: valid on the meeting's (or today's) date
    lines: list[tuple[int, str]] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # where each line starts
    highlights: set[int] = field(default_factory=set)  # offsets of highlight lines
    remarks: tuple[int, int] = (0, 0)  # the 모두발언 span
    titles_skipped: int = field(default=0, init=False)  # set by `items.find`: past its bound
    _sentences: list[tuple[int, int]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.lines = lines_with_offsets(self.text)
        self.starts = [start for start, _ in self.lines]
        self.highlights = {start for start, line in self.lines if _HIGHLIGHT.match(line)}
        if self.lines:
            self.highlights.add(self.lines[0][0])  # the release title
        self.remarks = _remarks_span(self.text)

    def in_remarks(self, at: int) -> bool:
        return self.remarks[0] <= at < self.remarks[1]

    def line_start(self, at: int) -> int:
        """Where the line holding `at` starts (found by bisection: a line can be megabytes)."""
        return self.starts[bisect_right(self.starts, at) - 1]

    def is_highlight(self, at: int) -> bool:
        return self.line_start(at) in self.highlights

    def sentences(self) -> list[tuple[int, int]]:
        """`sentences(self)`, worked out once for the three rules that read sentences."""
        if self._sentences is None:
            self._sentences = sentences(self)
        return self._sentences


_HIGHLIGHT = re.compile(r"^\s*(?:[◈▷▸▶▹►]|-\s|–\s|<\s*[^안>]{0,40}>\s*$)")
_REMARKS = re.compile(r"^\s*\[\s*모두\s?발언\s*\]", re.MULTILINE)
_RELEASE_MARK = re.compile(r"^\s*\[\s*(?:보도\s?자료|보도\s?참고)", re.MULTILINE)


def _remarks_span(text: str) -> tuple[int, int]:
    start = _REMARKS.search(text)
    if not start:
        return (0, 0)
    end = _RELEASE_MARK.search(text, start.end())
    return (start.start(), end.start() if end else len(text))


# --- shared pieces ----------------------------------------------------------------------------

_NUMBER_WORDS = {"첫": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7}
_MARK_NUMBER = {ch: i + 1 for i, ch in enumerate(CIRCLED)} | {
    ch: (i % 10) + 1 for i, ch in enumerate(DARK_CIRCLED)
}
# Meeting names and laws are quoted like titles but are never agenda items.
_NOT_TITLE = re.compile(
    r"(?:회의|위원회|본부|법|법률|시행령|시행규칙|규칙|조례|협정|헌장)$|관계장관회의|^[0-9\s.~’'‘-]+$"
)
_NOT_ITEM_CONTEXT = re.compile(r"안건\s?(?:논의|심의|의결)\s?(?:후|이후|뒤)|안건과\s?별도로")
_HELD = re.compile(r"주재|개최|논의하였|논의했")
_WEAK_VERB = re.compile(r"발표|점검|확정|마련|수립")
_MEETING_WORD = re.compile(r"회의|안건|이날|오늘|금번|이번|금일|위원회|본부")
# Sentences end at ". " or at a line whose last word is a final ending; a line ending on a
# connective (…개최하여, / …마련하고) runs on into the next, as releases wrap their bullets.
_FINAL = re.compile(r"(?:[.!?]|다|음|임|함|됨|요|니다)\s*$")
_CONNECTIVE = re.compile(r"(?:하여|하고|하며|되어|되고|으며|이며|고|며|여|서|에서는)\s*,?\s*$")
_SENTENCE_STOP = re.compile(r"(?<![0-9])[.!?](?=\s)")
_MINISTRY_NOTE = re.compile(r"\s*\(([^()\n]{1,40})\)\s*$")
# `(관계부처 합동)`: made by several ministries, none of them the lead. A note says so with
# `JOINT` among its owners.
_JOINT_NOTE = re.compile(r"^\s*(?:관계\s?)?(?:부처|기관)\s?합동\s*$|^\s*범부처\s*$")
JOINT = "관계부처 합동"
MAX_SENTENCE = 20_000  # characters; the longest real sentence has under 400


def sentences(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) of each logical sentence, across wrapped bullet lines.

    A sentence ends at `. `, at a line whose last word is a final ending, and at a blank line
    unless the line before it ends on a connective (`…개최하여,` / `…마련하고`), as releases
    put each clause of one sentence on its own bullet.
    """
    spans: list[tuple[int, int]] = []
    start: int | None = None
    last_line = ""
    connective: bool | None = None  # whether last_line ends on one, once asked
    for offset, line in doc.lines:
        if not line.strip():
            if start is not None and connective is None:
                connective = bool(_CONNECTIVE.search(last_line))
            if start is not None and not connective:
                spans.append((start, offset - 1))
                start = None
            continue
        last_line, connective = line, None
        if start is None:
            start = offset
        end = offset + len(line)
        cut = start
        for stop in _SENTENCE_STOP.finditer(doc.text, offset, end):
            spans.append((cut, stop.end()))
            cut = stop.end()
        start = cut if cut < end and doc.text[cut:end].strip() else None
        if start is not None and (_FINAL.search(line) or doc.is_highlight(offset)):
            spans.append((start, end))
            start = None
    if start is not None:
        spans.append((start, len(doc.text)))
    return [(s, e) for s, e in _bounded(doc.text, spans) if doc.text[s:e].strip()]


def _bounded(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans cut to at most `MAX_SENTENCE` characters, at a line end or a space when there is
    one: the sentence rules do work that grows faster than a sentence's length, and the
    longest real sentence has under 400 characters (a long table without sentence ends or a
    megabyte line would otherwise be one "sentence")."""
    out: list[tuple[int, int]] = []
    for first, end in spans:
        start = first
        while end - start > MAX_SENTENCE:
            limit = start + MAX_SENTENCE
            cut = text.rfind("\n", start + 1, limit)
            cut = cut if cut > start else text.rfind(" ", start + 1, limit)
            cut = cut if cut > start else limit
            out.append((start, cut))
            start = cut
        out.append((start, end))
    return out


def ministry_note(note: str, on: dt.date) -> tuple[str, ...]:
    """`중기부·복지부` → its parts, when every part is a ministry name."""
    parts = tuple(p for p in re.split(rf"(?:[,/\s]|{DOT})+", note) if p)
    if parts and all(ministries.resolve(p, on) for p in parts):
        return parts
    return ()


def split_notes(title: str, on: dt.date) -> tuple[str, tuple[str, ...], str | None]:
    """`K-뷰티 … 방안(중기부·복지부)` → title, ministries; `… [보고]` → title, decision."""
    owners: tuple[str, ...] = ()
    decision: str | None = None
    while note := _MINISTRY_NOTE.search(title):
        found = ministry_note(note[1], on)
        said = normalise(note[1]) if len(note[1]) <= 8 else None
        if found:
            owners = owners or found
        elif _JOINT_NOTE.match(note[1]):
            owners = owners or (JOINT,)
        elif said:
            decision = decision or said
        elif note[1].strip() == "비공개":
            pass
        else:
            break
        title = title[: note.start()]
    return clean(title), owners, decision


def is_title(title: str) -> bool:
    return 3 <= len(title) <= 150 and not _NOT_TITLE.search(title.rstrip(" )"))


# The particles and connectives that end a title written without brackets.
_TRAILING = re.compile(
    r"(?:\s*(?:등|등의|등에)?\s*(?:을|를|이|가|은|는|도|으로|로|과|와|및|에 대해서?|에 대하여|관련)?)[\s,.]*$"
)


def _strip_trailing(title: str) -> str:
    stripped = _TRAILING.sub("", title)
    return stripped if len(stripped) >= 3 else title


# --- rules ------------------------------------------------------------------------------------

_AGENDA_HEADING = re.compile(
    r"^\s*[<＜〈\[【(（]\s*(?:(?P<kind>심의|보고|의결|토론|논의)\s*)?안건\s*(?P<n>[0-9]+|[①-⑳])?\s*"
    r"(?:[>＞〉\]】)）]\s*[:：.\-–]?\s*(?P<rest>.*)|[.:：]\s*(?P<inner>[^>＞〉]+?)\s*[>＞〉])\s*$"
)
_AGENDA_WORD_HEADING = re.compile(
    rf"^\s*(?:[□■◇◆○●◎]\s*)?(?:안건\s*(?P<n>[0-9]+|[{CIRCLED}])|제\s*(?P<n2>[0-9]+)\s*호\s*안건)"
    r"\s*(?:[.:：)\-–]\s*|\s+|(?=[「『]))(?P<rest>.+)$"
)
_SENTENCE_END = re.compile(r"(?:다|음|임|함|됨)\s*[.]?\s*$|(?:은|는)\s")


def _number(raw: str | None) -> int | None:
    if not raw:
        return None
    return _MARK_NUMBER.get(raw) or (int(raw) if raw.isdigit() else None)


def agenda_headings(doc: Doc) -> list[Mention]:
    """Lines that name an item as 안건 with its number: `<안건 1> 제목`, `(안건 2)` + next line."""
    found: list[Mention] = []
    for index, (start, line) in enumerate(doc.lines):
        match = _AGENDA_HEADING.match(line) or _AGENDA_WORD_HEADING.match(line)
        if not match:
            continue
        groups = match.groupdict()
        rest = (groups.get("rest") or groups.get("inner") or "").strip()
        if groups.get("kind") and not groups.get("n") and not rest:
            continue  # "[의결안건]": a section of items, read by items._SECTION
        if groups.get("inner") is None and _SENTENCE_END.search(rest):
            continue  # "제1호 안건은 「…」으로, …": a sentence, read by quoted_sentences
        if not rest:
            rest = _next_line(doc, index)
            if len(rest) > 100 or _SENTENCE_END.search(rest):
                continue
        quoted = QUOTED.search(rest)
        if quoted and (quoted.start() < 3 or len(quoted[1]) > len(rest) / 2):
            rest = quoted[1] + rest[quoted.end() :]
        title, owners, decision = split_notes(rest, doc.on)
        if not is_title(title):
            continue
        kind = groups.get("kind")
        number = _number(groups.get("n") or groups.get("n2"))
        found.append(
            Mention(
                title,
                start,
                "agenda_headings",
                number=number,
                decision=decision or (decision_in(kind + "안건") if kind else None),
                owners=owners,
                block=True,
                end=start + len(line),
            )
        )
    return found


def _next_line(doc: Doc, index: int) -> str:
    """The first line after line `index` that is not blank, stripped ("" if none)."""
    for at in range(index + 1, len(doc.lines)):
        line = doc.lines[at][1].strip()
        if line:
            return line
    return ""


_CATEGORY_LINE = re.compile(
    r"^\s*[\[<【(]?\s*(?P<kind>보고|의결|심의|논의|토론)\s*(?:안건)?\s*[\]>】)]?\s+"
    r"(?P<title>[^\s].{3,100}?)\s*(?P<written>\(서면\))?\s*(?:등)?\s*$"
)


def category_lines(doc: Doc) -> list[Mention]:
    """`보고 제1차 격년투명성보고서 작성 추진방안(서면) 등`: an item under its decision."""
    found: list[Mention] = []
    for start, line in doc.lines:
        match = _CATEGORY_LINE.match(line)
        if not match or _SENTENCE_END.search(match["title"]) or "안건" in match["title"]:
            continue
        title, owners, _ = split_notes(match["title"], doc.on)
        if not is_title(title):
            continue
        decision = "서면보고" if match["written"] else decision_in(match["kind"] + "안건")
        found.append(
            Mention(title, start, "category_lines", decision=decision, owners=owners, block=True)
        )
    return found


_LIST_MARK = re.compile(rf"^\s*(?P<mark>[{CIRCLED}{DARK_CIRCLED}])(?P<part>-\s?[0-9])?\s*")
_LIST_CLOSER = re.compile(r"^\s*(?:등\s*)?안건(?:이|을|들을|들이)?\s")
_LIST_OPENER = re.compile(r"(?:에서는|다음 안건[^\n]*|안건은|안건으로는|회의에서)\s*:?\s*$")
_ITEM_TAIL = re.compile(r"(?:\s*등\s*(?:을|를)?\s*(?:논의|보고|의결|심의)[가-힣]*)\s*$")


def agenda_lists(doc: Doc) -> list[Mention]:
    """One item per line between an opening line (`금번 회의에서는`, `다음 안건에 대해
    논의하였음`) and a closing one (`안건이 논의되었음`), marked ①/❶ or bare."""
    found: list[Mention] = []
    lines = [(s, ln) for s, ln in doc.lines if ln.strip()]
    for index, (start, line) in enumerate(lines):
        if not _LIST_OPENER.search(line) or doc.is_highlight(start):
            continue
        body: list[tuple[int, str]] = []
        closer: str | None = None
        for offset, candidate in lines[index + 1 : index + 16]:
            if _LIST_CLOSER.match(candidate):
                closer = candidate
                break
            if re.match(r"^\s*(?:[□※]|ㅇ\s)", candidate):
                break
            body.append((offset, candidate))
        marked = [b for b in body if _LIST_MARK.match(b[1])]
        if not body or (closer is None and (len(marked) < 2 or len(marked) < len(body))):
            continue
        decision = decision_in(closer or line)
        if closer is None and not AGENDA_VERB.search(line):
            continue
        number = 0
        for offset, candidate in body:
            mark = _LIST_MARK.match(candidate)
            if mark and mark["part"]:
                continue  # ⑤-1, ⑤-2: parts of the item above
            number += 1
            raw = candidate[mark.end() :] if mark else candidate
            own = decision_in(raw) if re.search(r"점검\s?·\s?보고", raw) else None
            raw = _ITEM_TAIL.sub("", raw)
            quoted = QUOTED.fullmatch(raw.strip(" ,")) or _ends_with_quote(raw)
            title, owners, noted = split_notes(
                _strip_trailing(quoted[1] if quoted else raw.strip()), doc.on
            )
            if not is_title(title):
                continue
            found.append(
                Mention(
                    title,
                    offset,
                    "agenda_lists",
                    number=_number(mark["mark"]) if mark else number,
                    decision=own or noted or decision,
                    owners=owners,
                    end=offset + len(candidate),
                )
            )
    return found


def _ends_with_quote(raw: str) -> re.Match[str] | None:
    """`코로나19 대응 … 위한 「10대 산업분야 규제혁신 방안(Ⅰ)」`: the quoted name is the title."""
    quotes = list(QUOTED.finditer(raw))
    if len(quotes) == 1 and not raw[quotes[0].end() :].strip(" ,과와및으로등"):
        return quotes[0]
    return None


_INLINE_MARK = re.compile(rf"[{CIRCLED}{DARK_CIRCLED}]")


def inline_lists(doc: Doc) -> list[Mention]:
    """Marked items in one sentence: `심의 안건은 ①A, ②B, ③C으로`, or a starred line
    `* ❶A(국조실), ❷B, ❸C, D` right under the sentence that says the meeting took them up."""
    found: list[Mention] = []
    spans = doc.sentences()
    for index, (start, end) in enumerate(spans):
        sentence = doc.text[start:end]
        marks = list(_INLINE_MARK.finditer(sentence))
        if len(marks) < 2 or doc.is_highlight(start):
            continue
        starred = sentence.lstrip().startswith(("*", "＊"))
        previous = doc.text[spans[index - 1][0] : spans[index - 1][1]] if index else ""
        if starred and not (_HELD.search(previous) and "회의" in previous):
            continue
        if not starred and not re.search(
            r"안건\s?(?:은|으로는|으로|:)", sentence[: marks[0].start()]
        ):
            continue
        decision = decision_in(previous if starred else sentence)
        pieces = [
            sentence[m.end() : (marks[i + 1].start() if i + 1 < len(marks) else len(sentence))]
            for i, m in enumerate(marks)
        ]
        last = pieces[-1]
        extra: list[str] = []
        if starred and not any("," in p.strip().rstrip(",") for p in pieces[:-1]):
            first, *extra = [p for p in re.split(r",\s*", last) if p.strip()]
            pieces[-1] = first
        else:
            pieces[-1] = re.split(r"(?:으로|로)\s*,|\s*(?:등|으로|로)\s*(?:[,.]|$)", last)[0]
        for number, raw in enumerate([*pieces, *extra], 1):
            title, owners, _ = split_notes(_strip_trailing(raw.strip(" ,.")), doc.on)
            if is_title(title):
                at = start + sentence.find(raw)
                found.append(
                    Mention(
                        title,
                        at,
                        "inline_lists",
                        number=number,
                        decision=decision,
                        owners=owners,
                        end=end,
                    )
                )
    return found


_ORDINAL_NUMBER = re.compile(
    r"(?:제\s?(?P<ho>[0-9]+)\s?호|\((?P<paren>[0-9]+)\s?호\)|(?P<word>첫|두|세|네|다섯|여섯|일곱)\s?번째)"
    r"\s*(?:안건(?:은|으로는|으로)?)?\s*,?\s*$"
)
_CHAIN_GAP = re.compile(
    r"\s*(?:\([^()\n]{1,30}\)\s*)?(?:과|와|및|,|、|그리고)?\s*(?:\(\s*[0-9]+\s*호\s*\)\s*)?"
)


def quoted_sentences(doc: Doc) -> list[Mention]:
    """Quoted titles in a sentence that says the meeting took them up (논의·의결·보고·발표 …),
    or that numbers them as agenda items (`제2호 안건은 「…」으로`)."""
    found: list[Mention] = []
    for start, end in doc.sentences():
        sentence = doc.text[start:end]
        if doc.is_highlight(start) or _NOT_ITEM_CONTEXT.search(sentence):
            continue
        verbs = [v for v in AGENDA_VERB.finditer(sentence) if not _FUTURE.match(sentence, v.end())]
        ordinal = _ORDINAL_CUE.search(sentence)
        if not verbs and not ordinal:
            continue
        meeting = _MEETING_WORD.search(sentence) or ordinal
        if not meeting and all(_WEAK_VERB.match(v[0]) for v in verbs):
            continue
        last_verb = max((v.start() for v in verbs), default=len(sentence))
        spoken = _Spans(m.span() for m in _SPEECH.finditer(sentence))
        quotes = [
            q
            for q in _titles_in(sentence, loose=bool(meeting) or "안건" in sentence)
            if q.start() < last_verb and not _cited(sentence, q) and not spoken.inside(q.start())
        ]
        if not quotes:
            continue
        decisions = _clause_decisions(sentence, quotes)
        for q, decision in zip(quotes, decisions, strict=True):
            title, owners, _ = split_notes(clean(_extended(sentence, q)), doc.on)
            if not is_title(title):
                continue
            note = _NOTE_AFTER.match(sentence, q.end())
            owners = owners or (ministry_note(note[1], doc.on) if note else ())
            numbered = _ORDINAL_NUMBER.search(sentence[max(0, q.start() - 14) : q.start()])
            number = None
            if numbered:
                raw = numbered["ho"] or numbered["paren"]
                number = int(raw) if raw else _NUMBER_WORDS.get(numbered["word"] or "")
            found.append(
                Mention(
                    title,
                    start + q.start(),
                    "quoted_sentences",
                    number=number,
                    decision=decision,
                    owners=owners,
                    remarks=doc.in_remarks(start),
                    end=end,
                    begin=start,
                )
            )
    return found


_NOTE_AFTER = re.compile(r"\s*\(([^()\n]{1,30})\)")
_FUTURE = re.compile(r"\s?(?:할|될)\s?(?:예정|계획)|[ㄹ을]\s?예정")
_ORDINAL_CUE = re.compile(r"(?:제\s?[0-9]+\s?호|(?:첫|두|세|네|다섯)\s?번째)\s?안건(?:은|으로)")
_SPEECH = re.compile(r"“[^”]*”")
# ‘…’ and '…' quote titles only right before a particle and a verb (not a year: ’23년).
_LOOSE = re.compile(r"[‘'“](?![0-9]{2})([^‘’'“”\n]{3,120}?)[’'”]")
_LOOSE_AFTER = re.compile(
    r"\s?(?:대책|방안|계획)?\s?(?:을|를|이|가|과|와|및|,|도|에\s?대해)\s?(?:[「‘'“]|.{0,25}?"
    r"(?:논의|의결|심의|보고|발표|상정|토론))"
)


class _Spans:
    """Spans that do not overlap, in order (matches of one pattern), asked by bisection."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        self.spans = list(spans)
        self.starts = [a for a, _ in self.spans]
        self.ends = [b for _, b in self.spans]

    def inside(self, at: int) -> bool:
        """Whether a span has `at` strictly inside it."""
        before = bisect_left(self.starts, at) - 1  # the last span starting before `at`
        return before >= 0 and at < self.ends[before]

    def overlap(self, start: int, end: int) -> bool:
        """Whether a span overlaps [start, end)."""
        first = bisect_right(self.ends, start)  # the first span ending after `start`
        return first < len(self.spans) and self.starts[first] < end


def _titles_in(sentence: str, loose: bool) -> list[re.Match[str]]:
    """「…」 and 『…』 titles, and where the sentence speaks of the meeting, ‘…’ ones too."""
    quotes = list(QUOTED.finditer(sentence))
    if loose:
        taken = _Spans(q.span() for q in quotes)
        for q in _LOOSE.finditer(sentence):
            if not taken.overlap(q.start(), q.end()) and _LOOSE_AFTER.match(sentence, q.end()):
                quotes.append(q)
        quotes.sort(key=lambda q: q.start())
    return [q for q in quotes if is_title(clean(q[1]))]


# A quoted title followed by these is cited, not taken up: 「…법」에 근거, 「…」(’21.12) 등.
# (The lookahead finds the closing parenthesis once, before a digit is looked for in it.)
_CITED_AFTER = re.compile(
    r"\s*(?:\((?=[^)]*\))[^)]*[0-9][^)]*\))?\s*(?:에\s?근거|에\s?따라|에\s?따른|상\s|의\s?후속|이후|개정|제정|"
    r"(?:수립|발표|마련)\s?(?:\([^)]*\))?\s?이후)"
)


def _cited(sentence: str, quote: re.Match[str]) -> bool:
    if _CITED_AFTER.match(sentence, quote.end()):
        return True
    before = quote.start()  # the words before it, without the spaces
    while before > 0 and sentence[before - 1].isspace():
        before -= 1
    return bool(_CITED_BEFORE.search(sentence, max(0, before - _CITED_BEFORE_SPAN), before))


_CITED_BEFORE = re.compile(r"(?:지난|(?:지난|작년|그간|앞서)[^「」]{0,20}(?:발표|수립|마련)한)$")
_CITED_BEFORE_SPAN = 25  # the longest match of _CITED_BEFORE


_TITLE_TAIL = re.compile(
    r"\s*((?:[가-힣A-Za-z0-9·]+\s){0,3}?(?:추진\s?현황\s?점검|추진방향|이행현황 및 향후계획|이행상황 점검|추진\s?현황|점검 결과))(?=\s?(?:등|을|를|에|과|와|,|$))"
)


def _extended(sentence: str, quote: re.Match[str]) -> str:
    """`「디지털 인재양성 종합방안」 핵심과제 추진 현황 점검 등`: the title runs on after the bracket."""
    tail = _TITLE_TAIL.match(sentence, quote.end())
    return f"{quote[1]} {tail[1]}" if tail else quote[1]


def _clause_decisions(sentence: str, quotes: list[re.Match[str]]) -> list[str | None]:
    """Each title's decision: the word between it and the next title, else the next title's
    (`「A」, 「B」를 토론안건으로 원안 의결하고, 「C」를 보고안건으로`: A and B 의결, C 보고)."""
    out: list[str | None] = []
    for index, quote in enumerate(quotes):
        stop = quotes[index + 1].start() if index + 1 < len(quotes) else len(sentence)
        out.append(decision_in(sentence[quote.end() : stop]))
    for index in range(len(out) - 2, -1, -1):
        gap = sentence[quotes[index].end() : quotes[index + 1].start()]
        if out[index] is None and _CHAIN_GAP.fullmatch(gap):
            out[index] = out[index + 1]
    for index in range(len(out) - 2, -1, -1):
        out[index] = out[index] or out[index + 1]
    return out


# Unbracketed: "…회의를 주재하여 A, B, C 등을 논의", "…회의에서는 A를 토론안건으로 B를 보고안건으로".
_OBJECT_START = re.compile(
    r"(?:에서는|에서|주재하여|주재하고|개최하여|개최하고|들과|으로부터|로부터|통하여|통해)\s*,?\s+"
)
_OBJECT_END = re.compile(
    r"\s*(?:등(?:을|를|에\s?대해(?:서)?|에\s?대하여)?|을|를|에\s?대해(?:서)?|에\s?대하여)\s*"
    r"(?:(?:토론|보고|심의|의결|논의)\s?안건으로\s*)?"
    r"(?:논의|의결|심의|보고\s?받|보고|상정|토론)"
)
_CATEGORY_SPLIT = re.compile(r"(?:을|를)\s?(토론|보고|심의|의결|논의)\s?안건으로\s*,?\s*")
_TITLE_NOUN = "방안|대책|계획|전략|점검|현황|동향|과제|방향|제도|대응|개선|지원|결과|조치|실적|정책"
_AND_SPLIT = re.compile(rf"(?<=(?:{_TITLE_NOUN}))(?:과|와)\s+|,\s*")


def plain_sentences(doc: Doc) -> list[Mention]:
    """Items named without brackets in the sentence that says the meeting took them up."""
    found: list[Mention] = []
    for start, end in doc.sentences():
        sentence = doc.text[start:end]
        titled = any(is_title(clean(q[1])) for q in QUOTED.finditer(sentence))
        if doc.is_highlight(start) or titled or _INLINE_MARK.search(sentence):
            continue
        if not _MEETING_WORD.search(sentence) and "으로부터" not in sentence:
            continue
        stops = list(_OBJECT_END.finditer(sentence))
        if not stops:
            continue
        stop = stops[-1]
        begin = [m.end() for m in _OBJECT_START.finditer(sentence, 0, stop.start())]
        if not begin:
            continue
        span = sentence[begin[-1] : stop.end()]
        decision = decision_in(sentence[stop.start() :])
        parts = _CATEGORY_SPLIT.split(span)
        chunks: list[tuple[str, str | None]] = []
        if len(parts) > 1:  # A를 토론안건으로 B를 보고안건으로
            for i in range(0, len(parts) - 1, 2):
                chunks.append((parts[i], decision_in(parts[i + 1] + "안건")))
        else:
            chunks.append((sentence[begin[-1] : stop.start()], decision))
        for raw, said in chunks:
            for piece in _AND_SPLIT.split(raw):
                title = _strip_trailing(clean(piece))
                if not is_title(title) or len(title) < 6 or re.search(r"[가-힣]+(?:다|음)$", title):
                    continue
                found.append(
                    Mention(
                        title,
                        start + sentence.find(piece.strip()),
                        "plain_sentences",
                        decision=said or decision,
                        remarks=doc.in_remarks(start),
                        end=end,
                    )
                )
    return found


_SUMMARY_LINE = 300  # characters; real headlines and summary lines have under 200
# A plan's name: what a summary line quotes as an item, not a slogan or a programme's name.
_PLAN_TITLE = re.compile(r"(?:방안|계획|대책|전략|방향|로드맵|과제)(?:\s?\(안\))?$")


def highlight_titles(doc: Doc) -> list[Mention]:
    """A preview release (`…회의를 개최한다`) can name its items only in its headline and the
    `▷` summary lines above the text (`▷ … 위한 「산학협력 활성화 방안」 마련`), each then under a
    bare heading. Those lines summarise, so their quoted plans announce items only when no
    sentence of the text names any (see `items.find`); no decision is read from them."""
    found: list[Mention] = []
    for start in sorted(doc.highlights):
        end = doc.text.find("\n", start)
        line = doc.text[start : end if end >= 0 else len(doc.text)]
        if len(line) > _SUMMARY_LINE:
            continue  # not a headline: a text without line breaks, read by the sentence rules
        quotes = list(QUOTED.finditer(line)) + list(_LOOSE.finditer(line))
        for quote in sorted(quotes, key=lambda q: q.start()):
            title, owners, _ = split_notes(clean(quote[1]), doc.on)
            if is_title(title) and _PLAN_TITLE.search(title):
                found.append(
                    Mention(
                        title,
                        start + quote.start(),
                        "highlight_titles",
                        owners=owners,
                        end=start + len(line),
                    )
                )
    return found


_SECTION_PATTERNS = [
    re.compile(rf"^\s*[{CIRCLED}]?\s*【\s*(?P<rest>[^】]{{3,100}})\s*】\s*$"),
    re.compile(r"^\s*[<＜〈]\s*(?P<rest>[^>＞〉]{3,100}?)\s*[>＞〉]\s*$"),
    re.compile(rf"^\s*(?P<n>[0-9]+|[{CIRCLED}])\s*[.)]?\s*(?P<rest>[「『].+)$"),
    re.compile(rf"^\s*(?P<n>[{CIRCLED}])\s*(?P<rest>.+)$"),
    re.compile(r"^\s*[◇◆■▣](?P<n>)\s*(?P<rest>[^\s].{2,58})$"),
]


def section_headings(doc: Doc) -> list[Mention]:
    """Section headings (`①【…】`, `< … >`, `◇ …`, `1. 「…」`): they start an item's body."""
    found: list[Mention] = []
    for start, line in doc.lines:
        if doc.is_highlight(start) and not line.lstrip().startswith("<"):
            continue
        for pattern in _SECTION_PATTERNS:
            match = pattern.match(line)
            if not match:
                continue
            rest = match["rest"].strip()
            if len(rest) > 100 or _SENTENCE_END.search(rest):
                break
            quoted = QUOTED.search(rest)
            if quoted and quoted.start() < 3:
                rest = quoted[1] + rest[quoted.end() :]
            title, owners, decision = split_notes(rest, doc.on)
            if is_title(title) and "안건" not in title:
                groups = match.groupdict()
                found.append(
                    Mention(
                        title,
                        start,
                        "section_headings",
                        number=_number(groups.get("n")),
                        decision=decision,
                        owners=owners,
                        announces=False,
                        block=True,
                        end=start + len(line),
                    )
                )
            break
    return found


_NUMBERED_HEADING = re.compile(r"^\s*(?P<n>[0-9]{1,2})\s*[.)]?\s+(?P<rest>[^\s0-9][^\n]{2,60})$")
_PARAGRAPH_MARK = re.compile(r"^\s*[□■○ㅇ◦●【]")


def numbered_headings(doc: Doc) -> list[Mention]:
    """`1. 뇌 연구개발 투자전략(안)` over the `□` paragraphs that describe it: the item's section.
    A numbered line over another numbered line is a list (an attachment's table of contents),
    not a section. The headings only confirm items: `1. 추진 배경` is numbered the same way, so
    they never make items on their own (see `items.find`)."""
    found: list[Mention] = []
    for index, (start, line) in enumerate(doc.lines):
        match = _NUMBERED_HEADING.match(line)
        if not match or _SENTENCE_END.search(match["rest"]):
            continue
        if not _PARAGRAPH_MARK.match(_next_line(doc, index)):
            continue
        title, owners, decision = split_notes(match["rest"], doc.on)
        if is_title(title) and "안건" not in title:
            found.append(
                Mention(
                    title,
                    start,
                    "numbered_headings",
                    number=int(match["n"]),
                    decision=decision,
                    owners=owners,
                    announces=False,
                    block=True,
                    end=start + len(line),
                )
            )
    return found


_NOTED_HEADING = re.compile(
    r"^\s*(?:[◈▷▸▶▹►◆◇■□]|[-–](?=\s))\s*(?P<rest>[^\s(][^\n]{2,100}?)\s*\((?P<note>[^()\n]{1,40})\)\s*$"
)


def noted_headings(doc: Doc) -> list[Mention]:
    """A marked line that is a title and, in parentheses, who made it: `◈ 감염병 대응상황
    (보건복지부)`, `- 규제 개선방안 (관계부처 합동)`. Releases head each item's section so, or
    repeat the items so in their summary box; the note is the item's lead (none for a joint
    one). Highlight lines are read here, unlike in `section_headings`: the note is what makes
    such a line a heading rather than a point."""
    found: list[Mention] = []
    for start, line in doc.lines:
        match = _NOTED_HEADING.match(line)
        if not match:
            continue
        owners = ministry_note(match["note"], doc.on)
        if not owners and not _JOINT_NOTE.match(match["note"]):
            continue
        owners = owners or (JOINT,)
        title = clean(match["rest"])
        quoted = QUOTED.fullmatch(title)
        title = clean(quoted[1]) if quoted else title
        if not is_title(title) or _SENTENCE_END.search(title) or "안건" in title:
            continue
        found.append(
            Mention(
                title,
                start,
                "noted_headings",
                owners=owners,
                announces=False,
                block=True,
                end=start + len(line),
            )
        )
    return found


Rule = Callable[[Doc], list[Mention]]

# Announcing rules first; a rule's rank decides whose spelling of a title wins (lower first).
RULES: tuple[tuple[str, Rule], ...] = (
    ("agenda_headings", agenda_headings),
    ("agenda_lists", agenda_lists),
    ("inline_lists", inline_lists),
    ("quoted_sentences", quoted_sentences),
    ("category_lines", category_lines),
    ("plain_sentences", plain_sentences),
    ("highlight_titles", highlight_titles),
    ("section_headings", section_headings),
    ("numbered_headings", numbered_headings),
    ("noted_headings", noted_headings),
)
RANK = {name: rank for rank, (name, _) in enumerate(RULES)}
