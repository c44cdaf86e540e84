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
_INTENT = re.compile(r"계획|예정|방침|추진한다|추진하고|추진할|지원한다|나선다|나설|마련한다")
_KEY_MARK = re.compile(rf"[▲△■◆{_CIRCLED}]")
_KEY_STOP = re.compile(
    r"\s?(?:(?:의|이라는|라는|등의?)\s?[0-9]+\s?(?:대|가지|개)|등\s|이라는|라는\s|[,.;\n]|"
    rf"[▲△■◆{_CIRCLED}]|$)"
)
_KEY_WORDS = re.compile(r"추진|계획|예정|목표|방침")
_CHUNK = re.compile(r"[^\n]+?(?:다\.|$)(?=\s|$)")
# "농림축산식품부(장관 송미령, 이하 농식품부)는": the aside hides the subject from _SUBJECT.
_APPOSITION = re.compile(r"\((?:장관|청장|처장|위원장|차관|부총리)[^()\n]{0,40}\)")
_SUMMARY_WORDS = re.compile(r"계획|예정|방침|목표|추진한다|추진할|추진된다")
_KEY_POINT_LIMIT = 80  # characters, cut at a word


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
        sentences.extend(nlp.sentences(chunk))
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
            comma = re.search(r"[,.;\n]|$", body[end + 1 :])
            end = end + 1 + (comma.start() if comma else 0)
        point = shorten(body[start:end].strip(" ,’'”"), _KEY_POINT_LIMIT, at_word=True)
        if len(point) >= 4 and point not in points:
            points.append(point)
    if not points:
        for chunk in _CHUNK.findall(body):
            if _KEY_WORDS.search(chunk):
                points.append(shorten(nlp.strip_bullet(chunk), _KEY_POINT_LIMIT, at_word=True))
            if len(points) >= 3:
                break
    return points[:8]
