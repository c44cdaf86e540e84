"""Mentions → the meeting's agenda items: one per item, numbered, each with its own body.

A release names an item several times (a listing sentence, a heading, the opening remarks);
the mentions of one item are merged by title. The set is what the announcing rules found;
section headings only give bodies, unless nothing announces at all (then a release's own
headings are the best evidence there is). The order is the release's numbering, else the
order of announcement.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.reading.decisions import DONE_VERB, decision_in
from bot.reading.rules import RANK, RULES, Doc, Mention
from bot.reading.text import norm

MAX_BODY = 20_000  # characters of an item's body; the longest real one has under 6,000
MAX_TITLES = 60  # distinct titles read from one release; real ones have a dozen at most
_NEW_ITEM_CUE = re.compile(
    r"외에도|외에|이\s?밖에|이외에도|이와 함께|아울러|또한|마지막으로|이어서|다음으로|추가로"
)
# Where a release's own text ends: contact lines, attachments, the closing mark.
_TRAILER = re.compile(
    r"^[ \t]*(?:※\s*(?:문의|담당|자료|\(?붙임|<붙임|\(?별첨)|붙\s?임\b|\[\s*붙임|<\s*붙임|【\s*별첨|"
    r"담당\s*부서|문의\s*[:：.]|<\s*끝\s*>)",
    re.MULTILINE,
)
_SECTION = re.compile(
    r"^[ \t]*[\[<＜【〈(□■◇◆]?\s*(의결|보고|논의|심의)\s*안건\s*[\]>＞】〉)]?\s*$", re.MULTILINE
)


# Headings that only confirm an item the text announces: `1. 추진 배경` is numbered like an
# item's heading, so a release that announces nothing does not get items from them.
_NEVER_ITEMS = frozenset({"numbered_headings"})
# Rules that announce only when no other does, the weakest last: an object named without
# brackets, and a title quoted in the release's headline or summary box.
_WEAK = ("plain_sentences", "highlight_titles")


@dataclass
class Found:
    """One agenda item as found: its mentions, and where its body is."""

    mentions: list[Mention] = field(default_factory=list)
    start: int = 0
    end: int = 0

    @property
    def best(self) -> Mention:
        return min(self.mentions, key=lambda m: (not m.announces, m.remarks, RANK[m.rule]))

    @property
    def title(self) -> str:
        """The announcing spelling; a longer one that contains it wins (a wrapped heading).

        Each spelling is weighed once, at its first mention: the title only grows, so a later
        mention of the same spelling cannot win where its first did not."""
        best = self.best
        title = best.title
        for spelling, announces in dict.fromkeys((m.title, m.announces) for m in self.mentions):
            longer = norm(title) in norm(spelling) and len(spelling) > len(title) + 2
            if longer and (announces or not best.announces):
                title = spelling
        return title

    @property
    def number(self) -> int | None:
        numbered = [m for m in self.mentions if m.number and m.announces and not m.remarks]
        return min(numbered, key=lambda m: RANK[m.rule]).number if numbered else None

    @property
    def decision(self) -> str | None:
        ranked = sorted(self.mentions, key=lambda m: (m.remarks, RANK[m.rule]))
        return next((m.decision for m in ranked if m.decision), None)

    @property
    def owners(self) -> tuple[str, ...]:
        return next((m.owners for m in self.mentions if m.owners), ())

    @property
    def first(self) -> int:
        """Where the release first names the item as taken up. An item named only in the
        summary box above the text (`highlight_titles`) is taken up where its section starts,
        once bodies are known: the text before it is the meeting's (its date, chair, plans)."""
        announced = [m for m in self.mentions if m.announces and not m.remarks]
        in_text = [m.at for m in announced if m.rule != "highlight_titles"]
        if in_text:
            return min(in_text)
        if announced and self.start:
            return self.start
        return min(m.at for m in announced or self.mentions)


def find(doc: Doc) -> list[Found]:
    """The agenda items of a release, in order, each with its body span."""
    mentions = [m for _, rule in RULES for m in rule(doc)]
    if any(m.announces and m.rule not in _WEAK for m in mentions):
        # An unbracketed object ("안전·민생·생활 분야 개선 정책을 논의") is a summary when the
        # release names its items properly elsewhere.
        mentions = [m for m in mentions if m.rule not in _WEAK]
    elif any(m.announces and m.rule == "plain_sentences" for m in mentions):
        # The summary box only speaks when no sentence of the text names the items.
        mentions = [m for m in mentions if m.rule != "highlight_titles"]
    announcing = [m for m in mentions if m.announces]
    sections = [m for m in mentions if not m.announces and m.rule not in _NEVER_ITEMS]
    if not announcing or _headed(announcing, sections):
        if len(sections) < 2 and not announcing:
            return []
        for m in sections:
            m.announces = True
    items, doc.titles_skipped = _merged(mentions)
    items = _absorb_first_paragraph_mentions(doc, items)
    items = _ordered(items)
    _bodies(doc, items)
    _shared_decisions(doc, items)
    return items


def _headed(announcing: list[Mention], sections: list[Mention]) -> bool:
    """Whether items named only in the summary box have section headings of their own: then
    the headings are the release's items (with the box's and any it left out), as when nothing
    announces. Otherwise the headings are parts of items (`① 적립분야 확대`), not items."""
    if any(m.rule != "highlight_titles" for m in announcing):
        return False
    return any(same(s.title, m.title) for s in sections[:MAX_TITLES] for m in announcing)


def same(a: str, b: str) -> bool:
    """Two spellings of one title: equal, one inside the other, or a near copy."""
    return _same_keys(norm(a), norm(b))


def _same_keys(x: str, y: str) -> bool:
    """`same` on title keys (`norm`)."""
    if not x or not y:
        return False
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    if len(short) >= 6 and short in long and len(short) >= 0.5 * len(long):
        return True
    # Titles of one meeting share many words (인공 지능, 전략, 방안), so only near-copies count,
    # or a short form that keeps the long one's words in order (’23년 이행점검 결과).
    matcher = difflib.SequenceMatcher(None, short, long)
    if len(short) >= 0.6 * len(long) and sum(
        b.size for b in matcher.get_matching_blocks()
    ) >= 0.95 * len(short):
        return True
    return matcher.ratio() >= 0.8


def _merged(mentions: list[Mention]) -> tuple[list[Found], int]:
    """Each mention joins the first item one of whose mentions spells the same title; an
    announcing mention with no such item starts one. Also returns how many distinct titles
    were left unread, past `MAX_TITLES`.

    A long release names each item hundreds of times in a handful of spellings, so an item
    keeps its distinct title keys and each pair of keys is compared once (`same` runs difflib):
    the work grows with the mentions, not with mentions × mentions. Distinct titles are bounded
    (in rule and text order), as the pairs of them grow with their square.
    """
    items: list[Found] = []
    keys: list[dict[str, None]] = []  # each item's distinct title keys, in order
    compared: dict[tuple[str, str], bool] = {}
    read: set[str] = set()
    skipped: set[str] = set()
    for mention in sorted(mentions, key=lambda m: (RANK[m.rule], m.at)):
        key = norm(mention.title)
        if key not in read and len(read) >= MAX_TITLES:
            skipped.add(key)
            continue
        read.add(key)
        home = _home(keys, key, compared)
        if home is not None:
            items[home].mentions.append(mention)
            keys[home].setdefault(key)
        elif mention.announces:
            items.append(Found([mention]))
            keys.append({key: None})
    return items, len(skipped)


def _home(
    keys: list[dict[str, None]], key: str, compared: dict[tuple[str, str], bool]
) -> int | None:
    """The first item with a title key `same` as `key`, by index."""
    for index, own in enumerate(keys):
        if key and key in own:
            return index
        for other in own:
            pair = (key, other)
            if pair not in compared:
                compared[pair] = _same_keys(key, other)
            if compared[pair]:
                return index
    return None


def _absorb_first_paragraph_mentions(doc: Doc, items: list[Found]) -> list[Found]:
    """`<안건 1> 인공 지능 민생 10대 과제(프로젝트) 추진 방안` and, in its first paragraph,
    「인공 지능 민생 10대 프로젝트 추진 방안」이 논의되었다: one item said twice, not two."""
    blocks = sorted(
        (m for item in items for m in item.mentions if m.block and m.rule == "agenda_headings"),
        key=lambda m: m.at,
    )
    if not blocks:
        return items
    block_ats = [b.at for b in blocks]
    owners = {id(m): item for item in items for m in item.mentions}
    kept: list[Found] = []
    claimed: set[int] = set()
    for item in sorted(items, key=lambda i: i.first):
        if any(m.block for m in item.mentions) or len(item.mentions) > 1:
            kept.append(item)
            continue
        mention = item.mentions[0]
        before = bisect_left(block_ats, mention.at)  # the last heading above the mention
        block = blocks[before - 1] if before else None
        if block is None or id(block) in claimed:
            kept.append(item)
            continue
        paragraph_end = _first_paragraph_end(doc, block)
        sentence_start = doc.line_start(mention.at)
        cue = _NEW_ITEM_CUE.search(doc.text[sentence_start : mention.at])
        if mention.at < paragraph_end and not cue:
            owner = owners[id(block)]
            claimed.add(id(block))
            if mention.decision and not any(m.decision for m in owner.mentions):
                block.decision = mention.decision
            continue
        kept.append(item)
    return kept


def _first_paragraph_end(doc: Doc, heading: Mention) -> int:
    """End of the first body line after a heading (the line after, if the title sits there)."""
    index = bisect_left(doc.starts, heading.at)  # a heading starts its line
    seen = 0
    for start, line in (doc.lines[i] for i in range(index + 1, len(doc.lines))):
        if not line.strip():
            continue
        if norm(heading.title) and norm(heading.title) == norm(line) and seen == 0:
            seen += 1
            continue
        return start + len(line)
    return heading.end


def _ordered(items: list[Found]) -> list[Found]:
    """By the release's numbering when every item has a distinct number, else by announcement."""
    numbers = [item.number for item in items]
    if all(n is not None for n in numbers) and len(set(numbers)) == len(numbers):
        return sorted(items, key=lambda i: i.number or 0)
    return sorted(items, key=lambda i: i.first)


def _bodies(doc: Doc, items: list[Found]) -> None:
    """Each item's body: its own section if it has one, else from its first mention after
    the announcement (where the release describes it) to the next item's."""
    text = doc.text
    announced_until = max((m.end for i in items for m in i.mentions if m.announces), default=0)
    trailers = _Trailers(text)
    # An attachment list after the text (`붙임 : 「…」`) names an item again but describes nothing.
    described = _Described(text, announced_until, trailers.first_from(announced_until))
    for item in items:
        blocks = [m.at for m in item.mentions if m.block]
        later = [m.at for m in item.mentions if m.at > announced_until and not m.remarks]
        described_at = described.at(item)
        candidates = blocks or ([described_at] if described_at is not None else later)
        first_at = item.first
        first = min((m for m in item.mentions if m.at == first_at), key=lambda m: m.at)
        item.start = min(candidates) if candidates else first.begin
    starts = sorted({item.start for item in items})
    for item in items:
        following = starts[bisect_right(starts, item.start) :][:1]
        body_end = trailers.first_from(item.start)
        item.end = min([*following, body_end])
        if item.end <= item.start:
            line_end = text.find("\n", item.start)
            item.end = line_end if line_end > 0 else len(text)
        item.end = _bounded(text, item.start, item.end)


def _bounded(text: str, start: int, end: int) -> int:
    """An end at most `MAX_BODY` characters on, at a line end when there is one: past that the
    "body" is the rest of a document that is not one release, and its content is not read."""
    if end - start <= MAX_BODY:
        return end
    cut = text.rfind("\n", start + 1, start + MAX_BODY)
    return cut if cut > start else start + MAX_BODY


class _Described:
    """Where a paragraph after the announcement starts by naming an item again. The lines
    after it are normalised once, as items ask, not again for every item."""

    def __init__(self, text: str, after: int, until: int) -> None:
        self.text = text
        self.until = until  # lines starting here or later are not read
        self.next = after  # the next line to read starts here; past `until` when all are read
        self.lines: list[tuple[int, str]] = []  # (offset, key of its first 120 characters)

    def at(self, item: Found) -> int | None:
        key = norm(item.title)[:10]
        if len(key) < 4:
            return None
        for offset, line in self._lines():
            if key in line:
                return offset
        return None

    def _lines(self) -> Iterator[tuple[int, str]]:
        yield from self.lines
        while self.next < self.until or self.next == self.until == len(self.text):
            end = self.text.find("\n", self.next)
            end = len(self.text) if end < 0 else end
            line = (self.next, norm(self.text[self.next : min(end, self.next + 120)]))
            self.lines.append(line)
            self.next = end + 1
            yield line


class _Trailers:
    """The first `_TRAILER` at or after a place, for places in any order: a search is reused
    while its match is still ahead (items would each search to the same far trailer)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: list[tuple[int, int]] = []  # (searched from, where the match starts)

    def first_from(self, at: int) -> int:
        for start, match in self.found:
            if start <= at <= match:
                return match
        trailer = _TRAILER.search(self.text, at)
        match = trailer.start() if trailer else len(self.text)
        self.found.append((at, match))
        return match


def _shared_decisions(doc: Doc, items: list[Found]) -> None:
    """Decisions no mention states, from the nearest place that does: the item's own block,
    an agenda table's decision column, a preamble sentence about "다음 안건", then a
    `[의결안건]` section above it. Tables and preamble are read once for all the items."""
    undecided = [item for item in items if not item.decision]
    if not undecided:
        return
    sections = [(m.start(), decision_in(m[1] + "안건")) for m in _SECTION.finditer(doc.text)]
    section_ats = [at for at, _ in sections]
    preamble = _preamble_verbs(doc.text[: min((i.start for i in items), default=0)])
    rows = _table_rows(doc.text)
    for item in undecided:
        decision = None
        if any(m.block for m in item.mentions):
            decision = _block_decision(doc.text[item.start : item.end])
        decision = decision or _table_decision(rows, item.title)
        decision = decision or _preamble_decision(preamble, item.title)
        above = bisect_left(section_ats, item.start)  # the nearest section above the item
        decision = decision or (sections[above - 1][1] if above else None)
        if decision:
            item.mentions[0].decision = decision


def _preamble_verbs(preamble: str) -> list[tuple[str, str, str]]:
    """The preamble's sentences that have a completed verb: (sentence, its key, the verb)."""
    out: list[tuple[str, str, str]] = []
    for sentence in re.split(r"(?<=[.다])\s+|\n", preamble):
        verb = DONE_VERB.search(sentence)
        if verb:
            out.append((sentence, norm(sentence), verb[0]))
    return out


def _preamble_decision(preamble: list[tuple[str, str, str]], title: str) -> str | None:
    """ "다음 안건을 의결하였다", "① A, ② B가 논의되었다": a verb once for the items named."""
    for sentence, key, verb in preamble:
        if "안건" in sentence or norm(title) in key:
            return decision_in(verb)
    return None


def _block_decision(body: str) -> str | None:
    """The first verb in a block that says what the meeting did with it."""
    for verb in DONE_VERB.finditer(body):
        decision = decision_in(verb[0])
        if decision:
            return decision
    return None


_OTHER_BARS = "│┃｜¦"  # tables converted from HWP or PDF
_TABLE_BARS = str.maketrans(_OTHER_BARS, "|" * len(_OTHER_BARS))
_TABLE_DECISION = re.compile(r"(?<![가-힣])(의결|보고|논의|심의·의결|서면보고)(?![가-힣])")


def _table_rows(text: str) -> list[tuple[str, str]]:
    """The lines that look like table rows (two bars or more), with their keys."""
    if any(bar in text for bar in _OTHER_BARS):
        text = text.translate(_TABLE_BARS)
    lines = text.split("\n")
    return [(line, norm(line)) for line in lines if line.count("|") >= 2]


def _table_decision(rows: list[tuple[str, str]], title: str) -> str | None:
    """The decision column of an agenda table row (`| 의결 | 「title」 | 부처 |`) naming the item."""
    for line, key in rows:
        if norm(title) in key:
            cells = [c for c in line.split("|") if not same(c.strip(" 「」『』"), title)]
            match = _TABLE_DECISION.search("|".join(cells))
            if match:
                return decision_in(match[1])
    return None
