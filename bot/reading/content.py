"""One agenda item's content from its body: lead ministry, summary, key points, milestones.

The lead is the ministry that says what it will do (`과기정통부는 … 추진할 계획이다`), else the
first 부 named; a summary is two or three extractive sentences; key points are the enumerated
points (▲ △ ①) or failing that the sentences stating plans.
"""

from __future__ import annotations

import datetime as dt
import re

from bot import ministries, nlp
from bot.model import Milestone
from bot.reading.milestones import find_milestones
from bot.reading.text import CIRCLED as _CIRCLED
from bot.reply import shorten

_SUBJECT = re.compile(r"(?:^|(?<=[\s,(]))([가-힣A-Za-z()·]{2,30}?)(?:은|는|이|가|에서는)(?=\s)")
_CONJUNCT = re.compile(r"(?:^|(?<=[\s,(]))([가-힣A-Za-z()·]{2,30}?)(?:와|과|및|,)\s*$")
_CONJUNCT_SPAN = 31  # its longest match before the trailing spaces
_INTENT = re.compile(r"계획|예정|방침|추진한다|추진하고|추진할|지원한다|나선다|나설|마련한다")
_KEY_MARK = re.compile(rf"[▲△■◆{_CIRCLED}]")
_KEY_STOP = re.compile(
    r"\s?(?:(?:의|이라는|라는|등의?)\s?[0-9]+\s?(?:대|가지|개)|등\s|이라는|라는\s|[,.;\n]|"
    rf"[▲△■◆{_CIRCLED}]|$)"
)
_KEY_WORDS = re.compile(r"추진|계획|예정|목표|방침")
_POINT_END = re.compile(r"[,.;\n]|$")
_KEY_POINTS = 8  # at most, per item
_CHUNK = re.compile(r"[^\n]+?(?:다\.|$)(?=\s|$)")
# "농림축산식품부(장관 송미령, 이하 농식품부)는": the aside hides the subject from _SUBJECT.
_APPOSITION = re.compile(r"\((?:장관|청장|처장|위원장|차관|부총리)[^()\n]{0,40}\)")
_SUMMARY_WORDS = re.compile(r"계획|예정|방침|목표|추진한다|추진할|추진된다")
_KEY_POINT_LIMIT = 80  # characters, cut at a word
# Characters of a passage Kiwi splits for the summary (~30 µs each): the longest a real release
# gives it has under 300, and three sentences are kept.
_TOKENIZED = 1_000


def _head(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, cut at a space when there is one."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit]


def milestones(text: str, on: dt.date) -> list[Milestone]:
    """Milestones of a passage, without the meeting's own date (it is not a commitment)."""
    return [
        m
        for m in find_milestones(text, on)
        if not (m.precision == "day" and m.date == on and m.kind == "event")
    ]


def lead(body: str, mentioned: list[str], on: dt.date, owners: tuple[str, ...]) -> str | None:
    """The ministry that says what it will do; else the first 부 named; else the first body."""
    for owner in owners:
        ministry = ministries.resolve(owner, on)
        if ministry:
            return ministry.name
    subjects: list[str] = []
    body = _APPOSITION.sub("", body)
    for chunk in _CHUNK.findall(body):
        intent = None  # whether the chunk states a plan, once asked
        for match in _SUBJECT.finditer(chunk):
            ministry = ministries.resolve(match.group(1), on)
            if ministry is None:
                continue
            name = _first_conjunct(chunk, match.start(), on) or ministry.name
            intent = bool(_INTENT.search(chunk)) if intent is None else intent
            if intent:
                return name
            subjects.append(name)
    if subjects:
        return subjects[0]
    for name in mentioned:
        if name.endswith("부"):
            return name
    return mentioned[0] if mentioned else None


def _first_conjunct(chunk: str, end: int, on: dt.date) -> str | None:
    """In `기재부와 금융위는`, the first of the joined subjects (before `end`): 기재부."""
    first = None
    while True:
        match = _conjunct_before(chunk, end)
        if not match:
            return first
        ministry = ministries.resolve(match.group(1), on)
        if ministry is None:
            return first
        first = ministry.name
        end = match.start()


def _conjunct_before(chunk: str, end: int) -> re.Match[str] | None:
    """`_CONJUNCT` in `chunk[:end]`, searched only where it can match: in the name and the
    conjunction before the spaces at the end (the chunk can be a long paragraph)."""
    words_end = end
    while words_end > 0 and chunk[words_end - 1].isspace():
        words_end -= 1
    return _CONJUNCT.search(chunk, max(0, words_end - _CONJUNCT_SPAN), end)


def summary(body: str, heading: bool) -> str:
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
        sentences.extend(nlp.sentences(_head(chunk, _TOKENIZED)))
        if len(sentences) >= 3:
            break
    return " ".join(sentences[:3])


def key_points(body: str) -> list[str]:
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
            comma = _POINT_END.search(body, end + 1)
            end = comma.start() if comma else end + 1
        point = shorten(body[start:end].strip(" ,’'”"), _KEY_POINT_LIMIT, at_word=True)
        if len(point) >= 4 and point not in points:
            points.append(point)
        if len(points) == _KEY_POINTS:
            break  # the rest would be cut off below
    if not points:
        for chunk in _CHUNK.findall(body):
            if _KEY_WORDS.search(chunk):
                points.append(shorten(nlp.strip_bullet(chunk), _KEY_POINT_LIMIT, at_word=True))
            if len(points) >= 3:
                break
    return points[:_KEY_POINTS]
