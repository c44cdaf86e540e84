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
from dataclasses import dataclass, field

from bot.reading.decisions import DONE_VERB, decision_in
from bot.reading.rules import RANK, RULES, Doc, Mention
from bot.reading.text import norm

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
        """The announcing spelling; a longer one that contains it wins (a wrapped heading)."""
        title = self.best.title
        for mention in self.mentions:
            longer = norm(title) in norm(mention.title) and len(mention.title) > len(title) + 2
            if longer and (mention.announces or not self.best.announces):
                title = mention.title
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
        announced = [m.at for m in self.mentions if m.announces and not m.remarks]
        return min(announced or [m.at for m in self.mentions])


def find(doc: Doc) -> list[Found]:
    """The agenda items of a release, in order, each with its body span."""
    mentions = [m for _, rule in RULES for m in rule(doc)]
    if any(m.announces and m.rule != "plain_sentences" for m in mentions):
        # An unbracketed object ("안전·민생·생활 분야 개선 정책을 논의") is a summary when the
        # release names its items properly elsewhere.
        mentions = [m for m in mentions if m.rule != "plain_sentences"]
    announcing = [m for m in mentions if m.announces]
    if not announcing:
        sections = [m for m in mentions if not m.announces]
        if len(sections) < 2:
            return []
        for m in sections:
            m.announces = True
        announcing = sections
    items: list[Found] = []
    for mention in sorted(mentions, key=lambda m: (RANK[m.rule], m.at)):
        home = _home(items, mention)
        if home is not None:
            home.mentions.append(mention)
        elif mention.announces:
            items.append(Found([mention]))
    items = _absorb_first_paragraph_mentions(doc, items)
    items = _ordered(items)
    _bodies(doc, items)
    _shared_decisions(doc, items)
    return items


def same(a: str, b: str) -> bool:
    """Two spellings of one title: equal, one inside the other, or a near copy."""
    x, y = norm(a), norm(b)
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


def _home(items: list[Found], mention: Mention) -> Found | None:
    for item in items:
        if any(same(mention.title, m.title) for m in item.mentions):
            return item
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
    kept: list[Found] = []
    claimed: set[int] = set()
    for item in sorted(items, key=lambda i: i.first):
        if any(m.block for m in item.mentions) or len(item.mentions) > 1:
            kept.append(item)
            continue
        mention = item.mentions[0]
        block = next((b for b in reversed(blocks) if b.at < mention.at), None)
        if block is None or id(block) in claimed:
            kept.append(item)
            continue
        paragraph_end = _first_paragraph_end(doc, block)
        sentence_start = doc.text.rfind("\n", 0, mention.at) + 1
        cue = _NEW_ITEM_CUE.search(doc.text[sentence_start : mention.at])
        if mention.at < paragraph_end and not cue:
            owner = next(i for i in kept + items if block in i.mentions)
            claimed.add(id(block))
            if mention.decision and not any(m.decision for m in owner.mentions):
                block.decision = mention.decision
            continue
        kept.append(item)
    return kept


def _first_paragraph_end(doc: Doc, heading: Mention) -> int:
    """End of the first body line after a heading (the line after, if the title sits there)."""
    index = next(i for i, (start, _) in enumerate(doc.lines) if start == heading.at)
    seen = 0
    for start, line in doc.lines[index + 1 :]:
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
    for item in items:
        blocks = [m.at for m in item.mentions if m.block]
        later = [m.at for m in item.mentions if m.at > announced_until and not m.remarks]
        described = _described_at(text, item, announced_until)
        candidates = blocks or ([described] if described is not None else later)
        first = min((m for m in item.mentions if m.at == item.first), key=lambda m: m.at)
        item.start = min(candidates) if candidates else first.begin
    starts = sorted({item.start for item in items})
    for item in items:
        following = [s for s in starts if s > item.start]
        trailer = _TRAILER.search(text, item.start)
        body_end = trailer.start() if trailer else len(text)
        item.end = min([*following[:1], body_end])
        if item.end <= item.start:
            line_end = text.find("\n", item.start)
            item.end = line_end if line_end > 0 else len(text)


def _described_at(text: str, item: Found, after: int) -> int | None:
    """Where a paragraph after the announcement starts by naming the item again."""
    key = norm(item.title)[:10]
    if len(key) < 4:
        return None
    offset = after
    for line in text[after:].split("\n"):
        if key in norm(line[:120]):
            return offset
        offset += len(line) + 1
    return None


def _shared_decisions(doc: Doc, items: list[Found]) -> None:
    """Decisions no mention states, from the nearest place that does: the item's own block,
    an agenda table's decision column, a preamble sentence about "다음 안건", then a
    `[의결안건]` section above it."""
    sections = [(m.start(), decision_in(m[1] + "안건")) for m in _SECTION.finditer(doc.text)]
    preamble = doc.text[: min((i.start for i in items), default=0)]
    for item in items:
        if item.decision:
            continue
        decision = None
        if any(m.block for m in item.mentions):
            decision = _block_decision(doc.text[item.start : item.end])
        decision = decision or _table_decision(doc.text, item.title)
        decision = decision or _preamble_decision(preamble, item.title)
        decision = decision or next((d for at, d in reversed(sections) if at < item.start), None)
        if decision:
            item.mentions[0].decision = decision


def _preamble_decision(preamble: str, title: str) -> str | None:
    """ "다음 안건을 의결하였다", "① A, ② B가 논의되었다": a verb once for the items named."""
    for sentence in re.split(r"(?<=[.다])\s+|\n", preamble):
        verb = DONE_VERB.search(sentence)
        if verb and ("안건" in sentence or norm(title) in norm(sentence)):
            return decision_in(verb[0])
    return None


def _block_decision(body: str) -> str | None:
    """The first verb in a block that says what the meeting did with it."""
    for verb in DONE_VERB.finditer(body):
        decision = decision_in(verb[0])
        if decision:
            return decision
    return None


_TABLE_BARS = str.maketrans("│┃｜¦", "||||")  # tables converted from HWP or PDF
_TABLE_DECISION = re.compile(r"(?<![가-힣])(의결|보고|논의|심의·의결|서면보고)(?![가-힣])")


def _table_decision(text: str, title: str) -> str | None:
    """The decision column of an agenda table row (`| 의결 | 「title」 | 부처 |`) naming the item."""
    for line in text.translate(_TABLE_BARS).split("\n"):
        if line.count("|") >= 2 and norm(title) in norm(line):
            cells = [c for c in line.split("|") if not same(c.strip(" 「」『』"), title)]
            match = _TABLE_DECISION.search("|".join(cells))
            if match:
                return decision_in(match[1])
    return None
