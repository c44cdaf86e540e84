"""Dated commitments in press releases: Korean temporal expressions resolved against the meeting.

Press releases write dates many ways (`2026년 말까지`, `’25.12월 중(잠정)`, `11.21 시행`,
`지난 10월`, `내년 상반기`), mostly without a year, and what matters is the commitment around the
date, not the date alone. So a milestone keeps the exact phrase from the date to the end of its
clause, and its date is resolved against the meeting date: deadlines to the end of their
period, starts to its beginning.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot.model import Milestone, MilestoneKind, Precision

_AP = "[’'‘`´]"
_Y4 = r"((?:19|20)[0-9]{2})"
_Y2 = rf"{_AP}([0-9]{{2}})"
_M = r"(1[0-2]|0?[1-9])"
_D = r"(3[01]|[12][0-9]|0?[1-9])"
_WEEKDAY = r"\((?:[월화수목금토일](?:요일)?)\)"
_TILDE = "[~～∼]"


@dataclass(frozen=True)
class _Hit:
    """A date expression found in the text, before it is resolved against the meeting."""

    start: int
    end: int
    precision: Precision
    year: int | None = None
    offset: int | None = None  # years relative to the meeting (올해 0, 내년 +1, 작년 -1)
    month: int = 0
    day: int = 0
    part: int = 0  # quarter 1-4 or half 1-2
    ago: bool = False  # 지난 …: the past occurrence
    coming: bool = False  # 오는 …: the next occurrence
    quals: tuple[str, ...] = ()
    needs_qualifier: bool = False  # a bare year counts only with 까지/부터/말/…
    tilde_after: bool = False  # `’22~`: a range starts here (or is open-ended)
    same_year: bool = False  # 같은 해, 동년: the year of the closest earlier date
    bare: bool = False  # a year with no qualifier: no milestone, but 같은 해 may refer to it

    @property
    def relative(self) -> bool:
        return self.ago or self.coming or self.offset is not None


def _y(y4: str | None, y2: str | None) -> int | None:
    if y4:
        return int(y4)
    if y2:
        return 2000 + int(y2)
    return None


_PAST_YEARS: tuple[str, ...] = ("지난해", "작년")
_SENTENCE_GAP = re.compile(r"\n|[.!?](?=\s)")
_REL_YEARS: dict[str, int] = {
    "올해": 0,
    "금년": 0,
    "올": 0,
    "내년": 1,
    "명년": 1,
    "지난해": -1,
    "작년": -1,
}

_Handler = Callable[[re.Match[str]], _Hit]
_ARROW = r"(?:→|⇒|➡|->)"

_PATTERNS: list[tuple[re.Pattern[str], _Handler]] = [
    (
        re.compile(rf"(?<![0-9.]){_Y4}\s?([.\-/])\s?{_M}\s?\2\s?{_D}(?:\s?\.(?![0-9]))?(?![0-9])"),
        lambda m: _Hit(m.start(), m.end(), "day", int(m[1]), month=int(m[3]), day=int(m[4])),
    ),
    (
        re.compile(rf"{_Y2}\s?\.\s?{_M}\s?\.\s?{_D}(?:\.(?![0-9]))?(?![0-9])"),
        lambda m: _Hit(m.start(), m.end(), "day", _y(None, m[1]), month=int(m[2]), day=int(m[3])),
    ),
    (
        re.compile(rf"(?<![0-9])(?:{_Y4}|{_Y2})\s?년\s?{_M}\s?월\s?{_D}\s?일"),
        lambda m: _Hit(m.start(), m.end(), "day", _y(m[1], m[2]), month=int(m[3]), day=int(m[4])),
    ),
    (
        re.compile(rf"(?<![0-9.]){_M}\s?월\s?{_D}\s?일"),
        lambda m: _Hit(m.start(), m.end(), "day", month=int(m[1]), day=int(m[2])),
    ),
    (
        # 11.21 alone is a date only where a date is expected: before a weekday, a temporal
        # particle or an event word, never before a unit (1.5배, 3.5%). With a trailing dot
        # (`3.23.(월)`, `(3.9.→3.23.)`) before a weekday, an arrow or a closing parenthesis.
        re.compile(
            rf"(?<![0-9A-Za-z.,]){_M}\.{_D}"
            rf"(?:\.(?=\s?(?:{_WEEKDAY}|{_ARROW}|\)))|(?![0-9.%])"
            r"(?!\s*(?:배|이상|이하|미만|초과|포인트|점|개|명|원|조|억|만|천|%|년|월|일))"
            rf"(?=\s?{_WEEKDAY}|까지|부터|\s?(?:시행|개최|예정|이후|중|경)|\s+[가-힣]|\s?\)))"
        ),
        lambda m: _Hit(m.start(), m.end(), "day", month=int(m[1]), day=int(m[2])),
    ),
    (
        # `3.31일 국회 제출`: month.day with 일; not a duration (`평균 2.5일`, `3.5일 소요`,
        # `1.5일간`, `2.5일로 단축`).
        re.compile(
            rf"(?<![0-9A-Za-z.,])(?<!평균 )(?<!평균)(?<!약 )(?<!약)(?<!최대 )(?<!최소 )"
            rf"{_M}\.{_D}\s?일(?!간|이내|만|가량|정도|이상|이하|미만|로|씩|치)"
            r"(?!\s*(?:소요|단축|연장|걸리|걸렸|이내|정도|가량|이상|이하|미만|초과))"
        ),
        lambda m: _Hit(m.start(), m.end(), "day", month=int(m[1]), day=int(m[2])),
    ),
    (
        re.compile(rf"(?:(?<![0-9]){_Y4}\s?(?:년|\.)|{_Y2}\s?(?:년|\.))\s?{_M}\s?월"),
        lambda m: _Hit(m.start(), m.end(), "month", _y(m[1], m[2]), month=int(m[3])),
    ),
    (
        re.compile(rf"(?:(?<![0-9.]){_Y4}|{_Y2})\.{_M}(?![0-9]|\.[0-9]|\s?월)"),
        lambda m: _Hit(m.start(), m.end(), "month", _y(m[1], m[2]), month=int(m[3])),
    ),
    (
        re.compile(rf"(?<![0-9.]){_M}\s?월(?!\s?[0-9]{{1,2}}\s?일)"),
        lambda m: _Hit(m.start(), m.end(), "month", month=int(m[1])),
    ),
    (
        re.compile(rf"(?:(?<![0-9]){_Y4}|{_Y2})\s?(?:년|\.)?\s?([1-4])\s?(?:/\s?4\s?)?분기"),
        lambda m: _Hit(m.start(), m.end(), "quarter", _y(m[1], m[2]), part=int(m[3])),
    ),
    (
        re.compile(r"(?<![0-9])([1-4])\s?(?:/\s?4\s?)?분기"),
        lambda m: _Hit(m.start(), m.end(), "quarter", part=int(m[1])),
    ),
    (
        re.compile(rf"(?:(?<![0-9]){_Y4}|{_Y2})\s?(?:년|\.)?\s?(상|하)\s?반기"),
        lambda m: _Hit(m.start(), m.end(), "half", _y(m[1], m[2]), part=1 if m[3] == "상" else 2),
    ),
    (
        # ’21.上, ’21.下: the halves as Chinese characters, in tables and parentheses.
        re.compile(rf"(?:(?<![0-9]){_Y4}|{_Y2})\s?(?:년|\.)?\s?(上|下)"),
        lambda m: _Hit(m.start(), m.end(), "half", _y(m[1], m[2]), part=1 if m[3] == "上" else 2),
    ),
    (
        re.compile(r"(상|하)\s?반기"),
        lambda m: _Hit(m.start(), m.end(), "half", part=1 if m[1] == "상" else 2),
    ),
    (
        re.compile(rf"(?:(?<![0-9]){_Y4}|{_Y2})\s?년(?:도)?"),
        lambda m: _Hit(m.start(), m.end(), "year", _y(m[1], m[2]), needs_qualifier=True),
    ),
    (
        # A year with no 년: `’24` (the apostrophe says it is a year: `(~’24)`, `(’22~’25)`), and
        # `2024` only next to a range's ~ (`(2023~2027)`); like any bare year, with a qualifier.
        re.compile(
            rf"(?<![0-9.,:]){_Y4}(?=\s?{_TILDE})|(?<={_TILDE}){_Y4}(?![0-9.,:년])"
            rf"|{_Y2}(?![0-9]|\s?(?:년|\.\s?[0-9]))"
        ),
        lambda m: _Hit(m.start(), m.end(), "year", _y(m[1] or m[2], m[3]), needs_qualifier=True),
    ),
    (
        # 내년도, 작년도: the same years as 내년, 작년 (금년도 below).
        re.compile(r"(?<![가-힣])(내년|명년|지난해|작년)(?:도(?![가-힣]))?"),
        lambda m: _Hit(
            m.start(), m.end(), "year", offset=_REL_YEARS[m[1]], ago=m[1] in _PAST_YEARS
        ),
    ),
    (
        re.compile(r"(?<![가-힣])(올해|금년(?:도(?![가-힣]))?)"),
        lambda m: _Hit(m.start(), m.end(), "year", offset=0, needs_qualifier=True),
    ),
    (
        # 같은 해, 동년: the year of the closest earlier date (`_inherit_years`), not 동년배.
        re.compile(r"(?<![가-힣])(?:같은\s?해|동년(?:도)?)(?=[^가-힣]|$|까지|부터|에|중|말|내)"),
        lambda m: _Hit(m.start(), m.end(), "year", needs_qualifier=True, same_year=True),
    ),
    (
        re.compile(r"(?<![가-힣])연(내|말)(?=[^가-힣]|$|까지|에|로|중)"),
        lambda m: _Hit(
            m.start(), m.end(), "year", offset=0, quals=("내" if m[1] == "내" else "말",)
        ),
    ),
]

_PREFIX = re.compile(
    r"(?<![가-힣])(지난해|작년도?|올해|금년도?|내년도?|명년|같은\s?해|동년도?|지난|오는|올)\s?$"
)
_PREFIX_REACH = 6  # characters before a date that `_PREFIX` looks at: `같은 해 `
_RANGE_TO = re.compile(rf"{_TILDE}\s?$")
_RANGE_FROM = re.compile(rf"\s?{_TILDE}")
_QUAL_WORD = re.compile(r"\s?(중순|초순|하순|말|초|중|내|안|이내|이후|까지|부터|경|께|무렵)")
_QUAL_PAREN = re.compile(rf"\s?(?:{_WEEKDAY}|\((?:잠정|예정|추정|목표|계획|안|가칭)\))")
_PARTICLE = re.compile(r"(까지는|부터는|에는|에도|에|은|는|도|로)(?![가-힣])")
_FOLLOW_OK = re.compile(r"$|[^가-힣]|까지|부터|에|은|는|도|로|내|중|말")

_END_QUALS = {"까지", "말", "이내", "내", "안", "~까지", "~목표", "~수량"}
_DEADLINE_QUALS = {"중", "하순"}
_START_QUALS = {"부터", "이후", "~부터"}
# The first of these words after the date decides the kind when no particle does.
_KIND_WORDS = re.compile(
    r"(착수|시작|개시|가동)|(완료|마무리|종료|마감|확정)|"
    r"(시행|개최|보고회|회의|회담|행사|포럼|설명회|공청회|간담회|출범|공포|체결|선포|개통|개소|"
    r"준공|열린|열리|대회|방문|순방)"
)

_OPEN = {"(": ")", "[": "]", "「": "」", "『": "』", "“": "”", "‘": "’", "<": ">", "〈": "〉"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_CUT_AT_NEXT = {*_OPEN, ",", ";"}  # dropped from a phrase's end that the next date cut
_MAX_OPEN = 16  # brackets open at once in one line; real releases nest two or three
# What `_Lines` reads: the brackets and quotes, and the marks that can end a clause.
_MARKS = re.compile("[" + re.escape("".join(_OPEN) + "".join(_CLOSE)) + ",;?!.]")
_SPACES = re.compile(r"\s*")
_QUOTES = {"「", "『", "“", "‘"}
_BULLET = re.compile(r"[\s□■◇◆○●◦ㅇ\-*•▶▷※·▲△◎➊-➓①-⑳]+")

# Words that end a clause when followed by a space: connective and final verb endings.
_CLAUSE_END = re.compile(
    r"(?:하고|되고|하며|되며|이며|으며|하면서|되면서|이면서|하여|되어|는데|지만|이고|"
    r"한다|된다|이다|했다|됐다|였다|었다|았다|합니다|됩니다|입니다)$"
)
_EVENT_AT = re.compile(
    r"^(.*?(?:보고회|설명회|공청회|간담회|토론회|발표회|박람회|전시회|회의|회담|포럼|행사|대회|"
    r"세미나|심포지엄|워크숍|총회|기념식|출범식))(에서는|에서|에)$"
)
# Longest first, so 하였다 is dropped whole rather than as 다.
_PRED_SUFFIX = (
    "하였으며",
    "되었으며",
    "하였다",
    "되었다",
    "하였고",
    "되었고",
    "했으며",
    "됐으며",
    "하면서",
    "되면서",
    "이면서",
    "입니다",
    "합니다",
    "됩니다",
    "했다",
    "됐다",
    "했고",
    "됐고",
    "하고",
    "하며",
    "하여",
    "한다",
    "되고",
    "되며",
    "되어",
    "된다",
    "이다",
    "이며",
    "이고",
)
_NOUN_ENDINGS = ("책임", "게임", "모임", "포함", "조함", "이음")
_PARTICLE_TAIL = re.compile(r"(으로|로|에서|을|를)$")
_ROAD_NOUNS = (
    "도로",
    "경로",
    "진로",
    "항로",
    "통로",
    "회로",
    "선로",
    "수로",
    "철로",
    "마을",
    "가을",
)
_MAX_PHRASE = 160
_QUANTITY = r"(?:총|약|누적)?\s?[0-9][0-9,.]*\s?(?:만|억|조|천|백)?\s?[가-힣A-Za-z%$㎢]"


@dataclass(frozen=True)
class _Aside:
    """A date that reads like a commitment but is not one, known by the text around it.

    `before` is searched in the few characters that end where the date starts, `after` is
    matched where the date (with its qualifiers) ends; `plain_year` limits the rule to a year
    with no qualifier (`내년`, not `내년까지`)."""

    why: str
    before: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None
    plain_year: bool = False


_ASIDES: tuple[_Aside, ...] = (
    _Aside(
        "`기본계획(’20~’25)`, `장기전략(안, ’20~’40년)`, `성장률(’18~’24)`, `수요 전망(’30년)`: "
        "the period in a plan's name or of a statistic, not a deadline",
        before=re.compile(
            r"(?:계획|대책|전략|방안|로드맵|비전|률|율|현황|실적|전망|추계|통계)\([^()]{0,8}$"
        ),
    ),
    _Aside(
        "`’25년 300개소 → ’26년 800개소`, `(3.9.→3.23.)`: the value before a change, not a "
        "commitment (the one after the arrow is)",
        after=re.compile(rf"\s?{_ARROW}|\s?\)?\s?{_QUANTITY}[^\s→]*\s?{_ARROW}"),
    ),
    _Aside(
        "`내년 소방 R&D 예산을 확대`: the year says which budget, it is no deadline",
        after=re.compile(r"\s?(?:[^\s,.()]+\s){0,2}예산"),
        plain_year=True,
    ),
)
_ASIDE_REACH = 12  # characters before a date that `_Aside.before` looks at


@dataclass(frozen=True)
class _Target:
    """A bare year (`’27년`, `’27`) read as a commitment due at its end with no 까지 or 말.

    `before` is searched in the few characters that end where the year starts, `after` is
    matched where it ends, and `unless` must not match where `after` ends; `qual` is what the
    year is read as (a deadline, `_END_QUALS`). A year before the meeting's is history, and is
    left out as such."""

    why: str
    qual: str
    after: re.Pattern[str]
    before: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None

    def holds(self, text: str, start: int, end: int) -> bool:
        if self.before and not self.before.search(text, max(0, start - _ASIDE_REACH), start):
            return False
        after = self.after.match(text, end)
        return after is not None and not (self.unless and self.unless.match(text, after.end()))


# Units that count no target: ordinals, times and ranks (`2차`, `3회`, `10대 과제`), and money:
# a year's sum of money is its budget or a market's size (`2021년 5억 원`, `2027년 207조원`).
_NOT_AMOUNT = (
    r"(?!(?:차|회|위|번|호|년|월|일|주|분기|반기|세|시|분|개월|엔)(?![가-힣])"
    r"|대\s?(?:과제|전략)|원|달러|불|유로)"
)
_AMOUNT = re.compile(
    rf"\s?(?:총|약|누적|연간)?\s?[0-9][0-9,.]*+\s?(?:만|억|조|천|백)*+\s?{_NOT_AMOUNT}"
    r"[가-힣A-Za-z%㎢㎡]"
)
# What the amount was, not what it is to be: `120개소였던`, `120개소에 불과`, `120개소 대비`.
_WAS = re.compile(
    r"[가-힣A-Za-z0-9]*?(?:였|이었|이던|에\s?불과|에서|보다)"
    r"|[가-힣A-Za-z0-9]*\s(?:대비|기준|현재|수준|실적|에\s?불과)"
)
# Nouns of action that a year in parentheses right after them is the due year of.
_ACTION_PAREN = re.compile(
    r"(?:마련|시행|도입|구축|개정|제정|수립|개편|확대|확충|확보|추진|설치|완료|완공|착수|착공|"
    r"개발|발표|신설|운영|지정|출범|개통|준공|보급|조성|정비|개선|전환|폐지|통합|실시|적용|"
    r"체결|공모|선정|개최|육성|양성|구성|달성|가동|배치|증원|증설|강화)\(\s?$"
)
_TARGETS: tuple[_Target, ...] = (
    _Target(
        "`확대(’22년 총 100개)`, `확보(’22년 2개소 → ’27년 5개소)`: the amount an action aims "
        "at by the end of that year (`_ASIDES` drops the value before the arrow)",
        "~목표",
        before=_ACTION_PAREN,
        after=_AMOUNT,
        unless=_WAS,
    ),
    _Target(
        "`2027년 85만기`, `’30년 혁신기업 20개社`: a target amount for that year, but only for a "
        "year after the meeting's (`_milestone`): the meeting's own year with an amount is as "
        "often the tally so far (`2020년 1,885명 → 2021년 1,472명`)",
        "~수량",
        after=_AMOUNT,
        unless=_WAS,
    ),
    _Target(
        "`마련(’23년)`, `시행(2026년)`: the year alone in parentheses after an action (not "
        "after a thing: `예보 시스템(’24)` in a table of tasks may be its start or its end)",
        "~목표",
        before=_ACTION_PAREN,
        after=re.compile(r"\s?\)"),
    ),
)


def _is_aside(text: str, hit: _Hit) -> bool:
    for aside in _ASIDES:
        if aside.plain_year and (hit.precision != "year" or hit.quals):
            continue
        if aside.before and not aside.before.search(
            text, max(0, hit.start - _ASIDE_REACH), hit.start
        ):
            continue
        if aside.after and not aside.after.match(text, hit.end):
            continue
        return True
    return False


def find_milestones(text: str, meeting_date: dt.date) -> list[Milestone]:
    """Every dated commitment or event in `text`, resolved against the meeting date.

    Args:
        text: press-release text (an agenda item's paragraph, or the meeting preamble).
        meeting_date: the meeting's date; year-less dates take its year, `past` compares to it.

    Returns:
        Milestones with the exact source phrase, absolute dates first and then the relative
        ones (지난 …, 올해 …, 내년 …), each group in text order. Historical periods (a deadline
        that ended before the meeting's year) and source citations (`(국회, ’25.1)`) are left out.
    """
    hits = _inherit_years(text, _scan(text), meeting_date.year)
    found: list[tuple[bool, int, Milestone]] = []
    seen: set[tuple[str, dt.date]] = set()
    lines = _Lines(text)
    for index, hit in enumerate(hits):
        next_start = hits[index + 1].start if index + 1 < len(hits) else len(text)
        milestone = _milestone(lines, hit, next_start, meeting_date)
        if milestone is None or (milestone.text, milestone.date) in seen:
            continue
        seen.add((milestone.text, milestone.date))
        found.append((hit.relative, hit.start, milestone))
    found.sort(key=lambda entry: (entry[0], entry[1]))
    return [m for _, _, m in found]


def _scan(text: str) -> list[_Hit]:
    """All date expressions, leftmost-longest, with their prefixes and qualifiers attached."""
    raw: list[_Hit] = []
    for pattern, handler in _PATTERNS:
        for match in pattern.finditer(text):
            raw.append(handler(match))
    raw = [_with_context(text, hit) for hit in raw]
    raw.sort(key=lambda h: (h.start, -h.end))
    leftmost: list[_Hit] = []
    last_end = -1
    for hit in raw:
        if hit.start < last_end:
            continue
        leftmost.append(hit)
        last_end = hit.end
    hits: list[_Hit] = []
    for index, found in enumerate(leftmost):
        hit = found
        tilde = _RANGE_FROM.match(text, hit.end) if hit.tilde_after else None
        if tilde:
            after = leftmost[index + 1] if index + 1 < len(leftmost) else None
            if after is not None and after.start <= tilde.end():
                # `2024.3~4월`, `’22~’25`: a range is read at its end, which takes its year.
                if after.year is None and after.offset is None:
                    leftmost[index + 1] = replace(
                        after, year=hit.year, offset=hit.offset, ago=hit.ago or after.ago
                    )
                continue
            hit = replace(hit, quals=(*hit.quals, "~부터"))  # `(’24~)`: from then on
        if hit.needs_qualifier and not (hit.quals or hit.ago or hit.coming):
            hit = replace(hit, bare=True)
        hits.append(hit)
    return hits


def _inherit_years(text: str, hits: list[_Hit], meeting_year: int) -> list[_Hit]:
    """`2026년 상반기까지 …, 하반기부터`: a year-less date takes the year named earlier in its sentence.

    Only a year next to the meeting's carries over: after a long-range goal ("2028년까지 달성
    …하고, 9월 중 공모") the bare month is this year's next step, not the goal's year. Two
    dates joined by 과/와/및/, share the first one's year however far (`지난해 4월과 7월`,
    `2028년 3월, 9월`), and 같은 해/동년 takes the closest earlier year in the text, a bare
    one too (`2028년 출시되고, 같은 해 4월부터`), or is dropped if there is none. Bare years
    are dropped here.
    """
    out: list[_Hit] = []
    year, gaps = None, _Gaps(text, 0)
    named: _Hit | None = None  # the last date with a year of its own (2028년, 내년)
    for found in hits:
        hit = found
        if hit.same_year:
            if named is None:
                continue
            hit = replace(hit, year=named.year, offset=named.offset, ago=named.ago)
        elif out and _shares_year(text, out[-1], hit):
            previous = out[-1]
            hit = replace(
                hit,
                year=previous.year,
                offset=previous.offset,
                ago=previous.ago,
                coming=previous.coming,
            )
        if hit.year is not None or hit.offset is not None:
            named = hit
        if hit.bare:
            continue
        if hit.year is not None:
            near = abs(hit.year - meeting_year) <= 1
            year, gaps = (hit.year if near else None), _Gaps(text, hit.end)
            out.append(hit)
        elif (
            year is not None
            and hit.offset is None
            and not (hit.ago or hit.coming)
            and not gaps.before(hit.start)
        ):
            out.append(replace(hit, year=year))
        else:
            out.append(hit)
    return out


_JOINED = re.compile(r"\s?(?:과|와|및|,|ㆍ|·)\s?")


def _shares_year(text: str, first: _Hit, second: _Hit) -> bool:
    """`지난해 4월과 7월`, `내년 3월 및 9월`: a year-less date joined to one that says its year."""
    if second.year is not None or second.offset is not None or second.ago or second.coming:
        return False
    if first.year is None and first.offset is None and not (first.ago or first.coming):
        return False
    joint = _JOINED.match(text, first.end)
    return joint is not None and joint.end() == second.start


class _Gaps:
    """Whether a sentence ends between a year and a later date (`_SENTENCE_GAP` in
    `text[after:at]`), for dates in text order: each stretch of text is searched once, not
    again from the year for every date after it (many dates in one long sentence)."""

    def __init__(self, text: str, after: int) -> None:
        self.text = text
        self.searched = after  # no sentence end starts in [after, searched)
        self.found = False

    def before(self, at: int) -> bool:
        if not self.found and at > self.searched:
            self.found = bool(_SENTENCE_GAP.search(self.text, self.searched, at))
            self.searched = at - 1  # a "." at at - 1 ends a sentence if a space follows it
        return self.found


def _with_context(text: str, hit: _Hit) -> _Hit:
    """Attach a leading 지난/오는/내년 … and trailing 말/까지/(잠정) … to the expression."""
    hit = _with_prefixes(text, hit)
    start = hit.start
    quals = list(hit.quals)
    tilde = _RANGE_TO.search(text, max(0, start - 2), start)
    if tilde:  # `~’24`, `’22~’25`: until then
        start = tilde.start()
        quals.append("~까지")
    end = hit.end
    while True:
        paren = _QUAL_PAREN.match(text, end)
        if paren:
            end = paren.end()
            continue
        word = _QUAL_WORD.match(text, end)
        if word and _FOLLOW_OK.match(text, word.end()):
            quals.append(word[1])
            end = word.end()
            continue
        particle = _PARTICLE.match(text, end)
        if particle:
            quals.append(particle[1])
            end = particle.end()
            continue
        break
    if hit.needs_qualifier and not quals and hit.offset is None and not hit.same_year:
        quals += [t.qual for t in _TARGETS if t.holds(text, start, end)][:1]
    return replace(
        hit,
        start=start,
        end=end,
        quals=tuple(quals),
        tilde_after=bool(_RANGE_FROM.match(text, end)),
    )


def _with_prefixes(text: str, hit: _Hit) -> _Hit:
    """`지난 3월`, `오는 11.21`, `내년 상반기`, `금년도 10월`, `같은 해 4월`: the words before a date."""
    start, ago, coming, offset = hit.start, hit.ago, hit.coming, hit.offset
    same_year = hit.same_year
    if (hit.offset is not None or hit.same_year) and hit.precision == "year":
        return hit
    prefix = _PREFIX.search(text, max(0, hit.start - _PREFIX_REACH), hit.start)
    while prefix:
        word = prefix[1].replace(" ", "")
        if word == "지난":
            ago = True
        elif word == "오는":
            coming = True
        elif hit.year is None and offset is None and not same_year:
            if word.startswith(("같은", "동년")):
                same_year = True
            else:  # 금년도 10월: 금년 10월
                offset = _REL_YEARS[word.removesuffix("도")]
                ago = ago or offset < 0
        else:
            break
        start = prefix.start()
        prefix = _PREFIX.search(text, max(0, start - _PREFIX_REACH), start)
    return replace(hit, start=start, ago=ago, coming=coming, offset=offset, same_year=same_year)


def _milestone(lines: _Lines, hit: _Hit, next_start: int, meeting: dt.date) -> Milestone | None:
    if _is_aside(lines.text, hit):
        return None
    span = _phrase(lines, hit, next_start)
    if span is None:
        return None
    text = lines.text
    start, end = span
    phrase = text[start:end]
    try:
        first, last, precision = _period(hit, meeting)
    except (ValueError, OverflowError):
        return None
    kind = _kind(hit, text[hit.end : end], precision)
    # A start is its period's first day, and so is a past 지난 event; the rest its last day.
    starts = hit.precision == "day" or kind == "start" or (hit.ago and kind == "event")
    when = first if starts else last
    if _is_history(hit, kind, last, meeting, phrase):
        return None
    return Milestone(text=phrase, date=when, precision=precision, kind=kind, past=last < meeting)


def _is_history(
    hit: _Hit, kind: MilestoneKind, last: dt.date, meeting: dt.date, phrase: str
) -> bool:
    """A deadline that ended before the meeting's year ("2021년까지 운영된 바 있음"), the
    meeting year's amount (the tally so far, `_TARGETS`), or what has been done (`바 있`)."""
    if not hit.ago and kind != "event" and last < dt.date(meeting.year, 1, 1):
        return True
    if "~수량" in hit.quals and last.year <= meeting.year:
        return True
    return last < meeting and "바 있" in phrase


def _period(hit: _Hit, meeting: dt.date) -> tuple[dt.date, dt.date, Precision]:
    """First and last day of the period the expression names, and its precision."""
    if hit.year is not None:
        year = hit.year
    elif hit.offset is not None:
        year = meeting.year + hit.offset
    else:
        year = meeting.year
    first, last, precision = _bounds(hit, year)
    if hit.year is None and hit.offset is None:
        if hit.ago and first >= meeting:
            first, last, precision = _bounds(hit, year - 1)
        elif hit.coming and last < meeting:
            first, last, precision = _bounds(hit, year + 1)
    return first, last, precision


def _bounds(hit: _Hit, year: int) -> tuple[dt.date, dt.date, Precision]:
    precision = hit.precision
    if precision == "day":
        day = dt.date(year, hit.month, hit.day)
        return day, day, precision
    if precision == "month":
        return (*_month_bounds(year, hit.month, hit.month), precision)
    if precision == "quarter":
        return (*_month_bounds(year, 3 * hit.part - 2, 3 * hit.part), precision)
    if precision == "half":
        return (*_month_bounds(year, 6 * hit.part - 5, 6 * hit.part), precision)
    if "초" in hit.quals:  # 2026년 초: early in the year, read as its first quarter
        return (*_month_bounds(year, 1, 3), "quarter")
    return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"


def _month_bounds(year: int, first: int, last: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1])


def _kind(hit: _Hit, tail: str, precision: Precision) -> MilestoneKind:
    """Event, start or deadline: the first of these signs that is present decides."""
    quals = set(hit.quals)
    word = _KIND_WORDS.search(tail)
    signs: tuple[tuple[object, MilestoneKind], ...] = (
        (hit.ago, "event"),  # 지난 3월: it happened
        (quals & _END_QUALS, "deadline"),  # 3월까지, 연말
        (quals & _START_QUALS, "start"),  # 3월부터
        (word and word[1], "start"),  # 3월 중 착수: the verb says when it begins
        (quals & _DEADLINE_QUALS, "deadline"),  # 3월 중
        (word and word[2], "deadline"),  # 3월 완료
        (word, "event"),  # 3월 개최
    )
    for present, kind in signs:
        if present:
            return kind
    return "event" if precision == "day" else "deadline"


def _brackets(text: str, start: int, end: int, stack: list[tuple[str, int]]) -> None:
    """Track open brackets and quotes from `start` to `end`; a ’ before two digits is a year.

    At most `_MAX_OPEN` stay open, the latest: a line of stray openers is not text whose
    clauses matter, and a deeper stack would be copied for every date in the line."""
    for i in range(start, end):
        ch = text[i]
        if ch in ("‘", "’", "'") and text[i + 1 : i + 3].isdigit():
            continue
        if ch in _OPEN:
            if len(stack) >= _MAX_OPEN:
                del stack[0]
            stack.append((ch, i))
        elif ch in _CLOSE:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == _CLOSE[ch]:
                    del stack[depth:]
                    break


@dataclass
class _Lines:
    """The text's lines, and what is open before a date in its line: brackets, and the last
    clause boundary outside them. Dates come in text order, so each line is read once up to
    its last date (reading it again from its start for every date was quadratic on a long
    line)."""

    text: str
    newlines: list[int] = field(default_factory=list)
    line_start: int = -1  # the line read so far, up to `at`
    at: int = 0
    stack: list[tuple[str, int]] = field(default_factory=list)
    boundary: int = 0  # after the last clause boundary outside brackets

    def __post_init__(self) -> None:
        self.newlines = [m.start() for m in re.finditer("\n", self.text)]

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """Start of the line holding `start`, end of the one holding `end`."""
        before = bisect_left(self.newlines, start)
        after = bisect_left(self.newlines, end)
        line_start = self.newlines[before - 1] + 1 if before else 0
        return line_start, self.newlines[after] if after < len(self.newlines) else len(self.text)

    def open_at(self, line_start: int, at: int) -> list[tuple[str, int]]:
        """The brackets open at `at`, read from `line_start` (do not change the list)."""
        if line_start != self.line_start or at < self.at:
            self._restart(line_start)
        for mark in _MARKS.finditer(self.text, self.at, at):
            i = mark.start()
            depth = len(self.stack)
            _brackets(self.text, i, i + 1, self.stack)
            if depth == 0 and not self.stack and _is_boundary(self.text, i):
                self.boundary = i + 1
        self.at = max(self.at, at)
        return self.stack

    def _restart(self, line_start: int) -> None:
        self.line_start = self.at = self.boundary = line_start
        self.stack = []


def _phrase(lines: _Lines, hit: _Hit, next_start: int) -> tuple[int, int] | None:
    """Where the milestone's phrase starts and ends, or None for a title or a citation."""
    text = lines.text
    line_start, line_end = lines.bounds(hit.start, hit.end)
    stack = lines.open_at(line_start, hit.start)
    if any(opener in _QUOTES for opener, _ in stack):
        return None  # inside a title or a quotation: 「2026년 업무계획」
    start = hit.start
    if stack:
        opener_at = stack[0][1]
        if _is_citation(text, hit, stack[-1][1], line_end):
            return None
        # The clause holding the outermost open bracket: no boundary is outside brackets
        # between it and the date, so the last one before the date is the last before it.
        start = _clause_start(text, lines.boundary, opener_at)
    end = _clause_end(text, hit, stack, min(line_end, max(next_start, hit.end)))
    if end - start > _MAX_PHRASE:
        cut = text.rfind(" ", start, start + _MAX_PHRASE)
        end = cut if cut > hit.end else start + _MAX_PHRASE
    return start, end


def _is_citation(text: str, hit: _Hit, opener_at: int, line_end: int) -> bool:
    """`(국회, ’25.1)`: a source and its date in parentheses, with nothing after the date."""
    if text[opener_at] != "(":
        return False
    after = _SPACES.match(text, hit.end, line_end)
    if after is None or after.end() >= line_end or text[after.end()] != ")":
        return False
    before = hit.start  # the last character before the date that is not a space
    while before > opener_at + 1 and text[before - 1].isspace():
        before -= 1
    return before > opener_at + 1 and text[before - 1] == ","


def _clause_start(text: str, boundary: int, limit: int) -> int:
    """Start of the clause holding position `limit`, given the last depth-0 comma or sentence
    end before it (`_Lines.boundary`): after it, and after the bullet that starts the line."""
    bullet = _BULLET.match(text, boundary)
    return bullet.end() if bullet and bullet.end() <= limit else boundary


def _is_boundary(text: str, i: int) -> bool:
    ch = text[i]
    if ch == ",":  # but not inside a number: 1,000호
        return not (0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit())
    if ch in ";?!":
        return True
    if ch == ".":
        prev = text[i - 1] if i > 0 else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        return not (prev.isdigit() and nxt.isdigit()) and nxt in ("", " ", "\n", "\t")
    return False


def _clause_end(text: str, hit: _Hit, stack: list[tuple[str, int]], limit: int) -> int:
    """End of the clause after the date, with its trailing verb ending or particle dropped."""
    stack = list(stack)
    word_start = hit.end
    # Cut by punctuation, the line end or the next date, a clause may end on a particle.
    end, by_punct = limit, True
    i = hit.end
    while i < limit:
        ch = text[i]
        depth = len(stack)
        _brackets(text, i, i + 1, stack)
        if depth == 0 and not stack:
            if ch in ",;?!." and _is_boundary(text, i):
                end = i
                break
            if ch.isspace():
                word = text[word_start:i]
                event = _EVENT_AT.match(word)
                if event and word_start >= hit.end:
                    end, by_punct = word_start + len(event[1]), False
                    break
                if _CLAUSE_END.search(word) and word_start >= hit.end:
                    end, by_punct = i, False
                    break
                word_start = i + 1
        i += 1
    # Cut at a date in parentheses or a list (`이상(2025년 59만기, 2027년 …`), the bracket or
    # comma before it is not kept.
    while end > hit.end and (text[end - 1].isspace() or text[end - 1] in _CUT_AT_NEXT):
        end -= 1
    last_start = max(text.rfind(" ", hit.end, end) + 1, hit.end)
    if last_start <= hit.end and not text[hit.end : end].strip():
        return end
    word = text[last_start:end]
    if last_start == hit.end and text[hit.end - 1 : hit.end].strip():
        return end  # the last word is still the date expression itself
    if word in _PRED_SUFFIX and last_start > hit.end:
        # `목표로 한다`: the verb stands alone, so the clause ends on the word before it.
        previous = text.rfind(" ", hit.end, last_start - 1) + 1
        if previous > hit.end:
            return previous + len(_strip_ending(text[previous : last_start - 1], True))
        return last_start - 1
    return last_start + len(_strip_ending(word, by_punct))


def _strip_ending(word: str, by_punct: bool) -> str:
    for suffix in _PRED_SUFFIX:
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)]
    if word.endswith(("임", "함", "됨")) and len(word) >= 3 and not word.endswith(_NOUN_ENDINGS):
        return word[:-1]
    if by_punct and len(word) >= 3 and not word.endswith(_ROAD_NOUNS):
        particle = _PARTICLE_TAIL.search(word)
        if particle:
            return word[: particle.start()]
    return word
