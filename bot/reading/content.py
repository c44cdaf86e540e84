"""One agenda item's content from its body: lead ministry, summary, key points, milestones.

The lead is the ministry the text says presents the item, most explicit first: a note on its
title, a separate release it issues (`별도 보도자료 배포(질병관리청)`), the body in charge
(`환경부 주관`, `총괄부처인 과기정통부`), the subject that presents it or says what it will do
(`과기정통부는 … 추진할 계획이다`), the first of a joint list (`환경부, 국토부 등 관계부처 합동`),
any other ministry as subject. The meeting's chair (`…장관은 회의를 주재하고 … 논의하였다`) or
the meeting itself is not a lead. When the text says none of these, the first 부 it names is
the last resort, as the reference reading of the bundled seed has it; the reader's warnings
say it was inferred (an agency or a committee merely named is never taken: then None). A summary is two or three extractive sentences; key points are the
enumerated points (▲ △ ①) or failing that the sentences stating plans.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from bot import ministries, nlp
from bot.model import Milestone
from bot.reading.milestones import find_milestones
from bot.reading.rules import JOINT
from bot.reading.text import CIRCLED as _CIRCLED
from bot.reply import shorten

# A subject: `과기정통부는`, `농촌진흥청에서는`, `특허청장은`, `기획재정부 장관은` (the minister speaks
# for the ministry).
_SUBJECT = re.compile(
    r"(?:^|(?<=[\s,(]))([가-힣A-Za-z()·]{2,30}?)(?:\s(?:장관|차관|청장|처장|위원장))?"
    r"(?:은|는|이|가|에서는)(?=\s)"
)
_CONJUNCT = re.compile(r"(?:^|(?<=[\s,(]))([가-힣A-Za-z()·]{2,30}?)(?:와|과|및|,)\s*$")
_CONJUNCT_SPAN = 31  # its longest match before the trailing spaces
_INTENT = re.compile(r"계획|예정|방침|추진한다|추진하고|추진할|지원한다|나선다|나설|마련한다")
# What a presenter does with an item (`「…」을 발표하였다`), and what only the meeting or its chair
# does (`회의를 주재하고 … 논의하였다`, `「…」를 심의·의결하였다`): a subject that only does the
# latter is the meeting, not a lead.
_PRESENTS = re.compile(r"발표|보고(?:하|했|드)|마련(?:하였|했|한)|수립(?:하였|했|한)|제시하")
_MEETING_ROLE = re.compile(r"주재|개최|(?:논의|심의|의결)\s?(?:하였|했|한다|합니다|하고)")
# In charge: `대책 총괄·조정을 담당`, `총괄부처인 과기정통부`, `(환경부 주관, …)`.
_CHARGE_NAME = re.compile(
    r"(?:총괄|주관)\s?(?:부처|기관)(?:인|은|는|:)?\s?([가-힣A-Za-z·]{2,20}?)(?=와|과|가|는|은|,|\s|\))"
    r"|(?:^|(?<=[\s,(·]))([가-힣A-Za-z·]{2,20}?)\s?(?:주관|총괄)(?=\s|,|\)|으로|로|하에|하는)"
)
# A separate release for the item: `별도 보도자료 배포(방송통신위원회)`, `※ 문체부, 별도 보도자료`.
_OWN_RELEASE = re.compile(r"별도\s?보도\s?자료")
# `환경부, 국토교통부, 소방청 등 관계부처 합동으로`, `과기정통부와 농식품부 등이 공동으로 수립`.
# Only a plan made jointly: `… 등 관계기관 합동으로 점검한다` is what the plan will do.
_JOINT = re.compile(
    r"\s등(?:이|의)?\s?(?:관계\s?(?:부처|기관)\s?\*?\s?)?(?:합동|공동)[^.\n]{0,60}?(?:마련|수립|발표|작성)"
)
_JOINT_SPAN = 80  # characters of the list before `등`, back to the clause's subject
_CLAUSE_START = re.compile(r".*(?:^|[은는]\s|[.]\s)", re.DOTALL)
# Characters after a subject its verb is looked for in (the longest real sentence has under
# 400): a long run of text without a sentence end is not read again for every subject in it.
_ROLE_SPAN = 400
_QUOTED_TITLE = re.compile(r"[「『‘'][^「『」』’'\n]*[」』’']")
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
    """The ministry the text says presents the item (see the module docstring), or None.

    When the text says none of that, the first 부 it names is taken, as the reference reading
    of the bundled seed does (its 안건 5 lists 과기정통부, which signed the MOU, first); the
    parser's warnings say the lead was inferred, so an admin checks it. Only a 부: a
    committee, an agency or a body named in a law's note or an attendee list is not."""
    if JOINT in owners:
        return None  # `(관계부처 합동)`: the release says no one ministry leads it
    for owner in owners:
        ministry = ministries.resolve(owner, on)
        if ministry:
            return ministry.name
    body = _APPOSITION.sub("", body)
    named = _own_release(body, on) or _in_charge(body, on)
    if named:
        return named
    charge, stated, plain = _subjects(body, on)
    found = charge or stated or _joint_first(body, on) or plain
    return found or _first_department(body, mentioned, on)


def _first_department(body: str, mentioned: list[str], on: dt.date) -> str | None:
    """The first 부 (a ministry proper) the item names, unless it is there as the meeting's
    chair (`재정경제부장관은 회의를 주재하고`): the last resort, flagged as inferred."""
    chairs = {
        name
        for chunk in _CHUNK.findall(body)
        for match in _SUBJECT.finditer(chunk)
        if (name := _full_name(match.group(1), on))
        and _role(chunk[match.end() : match.end() + _ROLE_SPAN]) == "meeting"
    }
    return next((n for n in mentioned if n.endswith("부") and n not in chairs), None)


def _full_name(word: str, on: dt.date) -> str | None:
    """The official name of a ministry written in full or by its alias (`과기정통부`), or by its
    head's title (`특허청장`, `금융위원장`). A short form alone (`산업`, `교육`, `환경`) is an
    ordinary word outside an attendee list, so it names nothing here."""
    for form in (word, word[:-1] if word.endswith(("청장", "처장")) else "", _committee(word)):
        key = ministries.normalise(form)
        if key and key in _full_keys():
            ministry = ministries.resolve(form, on)
            if ministry:
                return ministry.name
    return None


def _committee(word: str) -> str:
    return word[: -len("위원장")] + "위원회" if word.endswith("위원장") else ""


@cache
def _full_keys() -> frozenset[str]:
    """Every ministry's name and aliases, as `ministries.normalise` keys them."""
    return frozenset(
        ministries.normalise(key) for m in ministries.table() for key in (m.name, *m.aliases)
    )


def _own_release(body: str, on: dt.date) -> str | None:
    """`※ 문화체육관광부, 별도 보도자료 배포`, `별도 보도자료 배포(질병관리청, 3월 28일)`: the
    ministry that issues the item's own release presents it."""
    at = 0
    while match := _OWN_RELEASE.search(body, at):
        line_end = body.find("\n", match.end())
        at = line_end if line_end >= 0 else len(body)  # each line is read once
        named = ministries.find_in_text(body[body.rfind("\n", 0, match.start()) + 1 : at], on)
        if named:
            return named[0]
    return None


def _in_charge(body: str, on: dt.date) -> str | None:
    """`총괄부처인 과기정통부와 …`, `협의체(환경부 주관, …)`: the body said to be in charge."""
    for match in _CHARGE_NAME.finditer(body):
        name = _full_name(match.group(1) or match.group(2), on)
        if name:
            return name
    return None


def _subjects(body: str, on: dt.date) -> tuple[str | None, str | None, str | None]:
    """The first ministry as subject that is in charge (`기후부는 … 총괄·조정을 담당`), the first
    that presents the item or says what it will do, and the first of any kind. A subject that
    only chairs or holds the meeting, or discusses and resolves items, is the meeting."""
    found: dict[str, str] = {}
    for chunk in _CHUNK.findall(body):
        for match in _SUBJECT.finditer(chunk):
            name = _full_name(match.group(1), on)
            if name is None:
                continue
            role = _role(chunk[match.end() : match.end() + _ROLE_SPAN])
            if role == "meeting":
                continue
            name = _first_conjunct(chunk, match.start(), on) or name
            found.setdefault(role, name)
            found.setdefault("plain", name)
            if role == "charge":
                return name, found.get("stated"), found["plain"]
    return None, found.get("stated"), found.get("plain")


def _role(rest: str) -> str:
    """What the rest of a sentence says its subject does: is in `charge`, presents or plans
    (`stated`), is the `meeting` (chairs it, resolves items), or none of these (`plain`)."""
    words = _QUOTED_TITLE.sub("", rest)  # 「… 향후계획」 says nothing of the subject
    if "총괄" in words:
        return "charge"
    if _PRESENTS.search(words):
        return "stated"
    if _MEETING_ROLE.search(words):
        return "meeting"
    return "stated" if _INTENT.search(words) else "plain"


def _joint_first(body: str, on: dt.date) -> str | None:
    """`이번 방안은 환경부, 국토교통부, 소방청 등 관계부처 합동으로 마련`: the first of the list."""
    for match in _JOINT.finditer(body):
        window = body[max(0, match.start() - _JOINT_SPAN) : match.start()]
        window = window[window.rfind("\n") + 1 :]
        clause = _CLAUSE_START.match(window)
        named = ministries.find_in_text(window[clause.end() :] if clause else window, on)
        if named:
            return named[0]
    return None


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
