"""The meeting a release reports: its name and ordinal, the day it was held, who chaired it,
where, and which ministries attended.

The meeting date is the day the text says the meeting was held (`11월 24일(월)`, `’22.3.17.(목)`,
`9.26일(화)`), not the release date; a year-less date takes the year in which that day fell on
the weekday written next to it, near the years the text (or its file name) mentions and never
after next year, counted from `today` (the caller's clock: nothing here reads the real one).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from functools import cache

from bot import ministries
from bot.reading.text import HANGUL
from bot.resources import data_path

# The name: up to eight words, the last one ending in 회의. It is found where the older
# `(?:[…]+\s?){0,8}?[가-힣]*회의` found it (tests/test_reading_scale.py compares them), which
# split every unspaced run every way it could: minutes on 40 letters without a 회의. In the
# same order, but reading each word once (atomic): at each word start in turn, then at the
# last 회의 inside a word, from the last word back.
_WORD = r"[가-힣A-Za-z0-9·\-]"
_ORDINAL_NAME = re.compile(
    r"(?:(?P<year>(?:19|20)[0-9]{2})년도?\s?)?(?P<pre>국가과학기술자문회의\s)?제\s?(?P<n>[0-9]+)\s?(?P<unit>회|차)\s*"
    rf"(?P<name>(?:(?:(?>{_WORD}+)\s){{0,8}}?[가-힣]*|(?:(?>{_WORD}+)\s){{0,7}}{_WORD}+)"
    r"(?:회의|전체회의)(?:\s운영위원회)?)"
)
_QUOTED_MEETING = re.compile(
    r"[「『‘']\s*([^「」『』’'\n]{2,80}?(?:회의|전체회의|위원회))\s*[」』’']"
)
_PLAIN_NAME = re.compile(
    r"(?:(?<=\s)|^)((?:[0-9]{4}\s)?(?:[가-힣A-Za-z0-9·]+\s){0,3}?[가-힣A-Za-z0-9·]*(?:장관회의|조정회의|"
    r"전체회의|심의회의|본부\s?회의|관계장관회의))(?=\s?(?:를|을|에서|가|이|는|\(|,|’|'|」|$|\s개최|\s주재))"
)
_NAME_STOP = re.compile(r"(?:은|는|를|을|에서|에|서|의|며|고|여|하|와|과|위한|청사)$")
_COMBINED = re.compile(r"\s?겸\s?")
_CHAIR = re.compile(
    r"(?<![가-힣])(?P<name>[가-힣]{2,4})\s(?P<role>(?:부총리\s?겸\s?[가-힣]+\s?장관|경제부총리|국무총리|대통령|"
    r"부총리|총리|장관|차관|민간위원장|위원장|부의장|의장|실장|본부장))"
    r"(?:[은는이가]?(?:[,\s][^.\n]{0,100}?)?)\s?주재"
)
_CHAIR_AFTER = re.compile(
    r"주재\s?(?::|로)?\s?(?P<name>[가-힣]{2,4})\s(?P<role>국무총리|부총리|위원장|민간위원장|부의장|의장|장관)"
)
_CHAIR_ROLE = re.compile(
    r"(국무총리|대통령|경제부총리|부총리|총리|장관|차관|위원장)\s?(?:이\s|가\s)?주재"
)
_DAY_WEEKDAY = re.compile(  # 11월 24일(월), 12.18(목), 12. 4.(목), ’22.3.17.(목), 9.26일(화)
    r"(?:[’'‘]?(?P<yy>[0-9]{2})\s?\.\s?)?(?<![0-9])(?P<m>1[0-2]|0?[1-9])\s?(?:월\s?|\.\s?)"
    r"(?P<d>3[01]|[12][0-9]|0?[1-9])\s?(?:일\s?|\.\s?)?\((?P<w>[월화수목금토일])"
)
_DAY_ONLY = re.compile(r"(?<![0-9.])(?P<d>3[01]|[12][0-9]|0?[1-9])일\s?\((?P<w>[월화수목금토일])\)")
_DAY_FULL = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})\s?(?:년\s?|[.\-/]\s?)(1[0-2]|0?[1-9])\s?(?:월\s?|[.\-/]\s?)"
    r"(3[01]|[12][0-9]|0?[1-9])(?![0-9])"
)
_DAY_BARE = re.compile(
    r"(?<![0-9.])(?P<m>1[0-2]|0?[1-9])\s?월\s?(?P<d>3[01]|[12][0-9]|0?[1-9])\s?일"
)
_YEAR_HINT = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
_SHORT_YEAR = re.compile(r"[’'‘`]([0-9]{2})(?=\s?[.년~])")
_MEETING_WORDS = re.compile(r"개최|주재|열린|열렸|회의")
# Tried at word starts only: a match from inside a word also matches from its start, which
# comes first; trying every letter of a long run of them was quadratic.
_VENUE = re.compile(
    r"(?<![가-힣A-Za-z0-9])(?P<venue>(?:[가-힣A-Za-z0-9]+\s){0,3}?[가-힣A-Za-z0-9]*(?:청사|센터|공장|본사|회의실|연구원|호텔|"
    r"컨벤션센터|빌딩|기념관|대학교|박물관))(?:\s?\([^()]*\))?\s?(?:에서|를\s찾아)"
)
_ATTENDEES = re.compile(r"참석\s?(?:자)?\s?[:：)]|\(참석\)")
# Characters of an attendee line read for ministries: a real one lists a few dozen in under
# 300, and the ·-list pattern of `ministries` slows down with the square of a long line.
_ATTENDEE_LINE = 2_000
_WEEKDAYS = "월화수목금토일"


def title(head: str, text: str) -> tuple[int | None, str]:
    """The meeting's name as written (`2023년 제4차 2050 탄소중립녹색성장위원회 전체회의`, `A 겸 B`)
    and its ordinal (the first 제N회/제N차)."""
    for chunk in (head, text):
        quoted = _quoted_meeting(chunk)
        if quoted:
            return quoted[0], canonical(quoted[1])
        match = _ORDINAL_NAME.search(chunk)
        if match:
            return int(match["n"]), canonical(_with_year(match))
        plain = _plain_meeting(chunk)
        if plain:
            return None, canonical(plain)
    headline = next((ln.strip(" |\t") for ln in text.splitlines() if HANGUL.search(ln)), "")
    return None, headline[:80]


@cache
def kinds() -> tuple[str, ...]:
    """The meeting kinds in `data/meeting_kinds.toml`, canonically spelled."""
    with data_path("meeting_kinds.toml").open("rb") as f:
        return tuple(tomllib.load(f)["kinds"])


@cache
def _kind_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each kind, matched with or without the spaces a release puts inside it."""
    out = []
    for kind in sorted(kinds(), key=len, reverse=True):
        letters = [re.escape(ch) for ch in kind.replace(" ", "")]
        out.append((re.compile(r"\s?".join(letters)), kind))
    return tuple(out)


def canonical(name: str) -> str:
    """`제1회 과학 기술 관계 장관회의` → `제1회 과학기술관계장관회의`; other words as written."""
    for pattern, kind in _kind_patterns():
        match = pattern.search(name)
        if match:
            return name[: match.start()] + kind + name[match.end() :]
    return name


def _with_year(match: re.Match[str]) -> str:
    name = re.sub(r"\s+", " ", match["name"]).strip()
    parts = [match["year"] + "년" if match["year"] else "", (match["pre"] or "").strip()]
    parts.append(f"제{int(match['n'])}{match['unit']} {name}")
    return " ".join(p for p in parts if p)


def _quoted_meeting(chunk: str) -> tuple[int | None, str] | None:
    """「제56차 비상경제 중앙대책본부 회의」를 주재 — and 「A」 겸 「B」 combined meetings."""
    for match in _QUOTED_MEETING.finditer(chunk):
        after = chunk[match.end() : match.end() + 30]
        if (
            not re.match(r"\s?(?:를|을|에서|가|이|\(|겸|,)?\s?(?:주재|개최|겸)", after)
            and "겸" not in after[:3]
        ):
            continue
        names = [match[1]]
        rest = chunk[match.end() :]
        joined = re.match(r"\s?겸\s?[「『‘']\s*([^「」『』’'\n]{2,80}?)\s*[」』’']", rest)
        if joined:
            names.append(joined[1])
        full = " 겸 ".join(
            re.sub(r"^([0-9]+)\s?([회차])", r"제\1\2", re.sub(r"\s+", " ", n).strip())
            for n in names
        )
        ordinal = re.search(r"제\s?([0-9]+)\s?[회차]", full)
        return (int(ordinal[1]) if ordinal else None), full
    return None


def _plain_meeting(chunk: str) -> str | None:
    for sentence in re.split(r"(?<=[.다음])\s+|\n", chunk):
        if not _MEETING_WORDS.search(sentence):
            continue
        match = _PLAIN_NAME.search(sentence)
        if not match:
            continue
        words = match[1].split(" ")
        while len(words) > 1 and _NAME_STOP.search(words[0]):
            words.pop(0)
        name = " ".join(words)
        if _COMBINED.search(sentence[match.end() : match.end() + 3]):
            second = _PLAIN_NAME.search(sentence, match.end() + 2)
            if second:
                name = f"{name} 겸 {second[1]}"
        return name
    return None


def chair(head: str) -> str | None:
    """`김민석 국무총리`: the person before 주재 with their office; the office alone if unnamed."""
    match = _CHAIR.search(head) or _CHAIR_AFTER.search(head)
    if match:
        role = re.sub(r"\s+", " ", match["role"])
        return f"{match['name']} {role}"
    bare = _CHAIR_ROLE.search(head)
    return bare[1] if bare else None


def venue(head: str) -> str | None:
    """Where the meeting was held: `정부서울청사`, `코스메카코리아 본사 공장`."""
    for sentence in re.split(r"(?<=[.다음])\s+|\n", head):
        if not _MEETING_WORDS.search(sentence):
            continue
        match = _VENUE.search(sentence)
        if match:
            words = match["venue"].split(" ")
            while len(words) > 1 and (_NAME_STOP.search(words[0]) or re.search(r"[0-9]", words[0])):
                words.pop(0)
            return " ".join(words)
    return None


def attendees(text: str, on: dt.date) -> tuple[str, ...]:
    """Ministries in the attendee line (`참석자 : 과기부·외교부·산업부 …`), official names."""
    for line in text.split("\n"):
        if _ATTENDEES.search(line):
            found = ministries.find_in_text(line[:_ATTENDEE_LINE], on)
            if found:
                return tuple(found)
    return ()


def date(head: str, text: str, source: str, today: dt.date) -> tuple[dt.date | None, bool]:
    """The meeting day, and whether its year had to be inferred (no year in the text).

    `today` bounds the inference: a year-less date is placed near the text's years up to this
    one (this year when it names none), and never later than next year.
    """
    reference = _reference_year(source, text, today.year)
    latest = today.year + 1  # a meeting is not reported years ahead
    months = cache(lambda: _months(text))  # read once, if a bare day asks for them
    sentences = [s for s in re.split(r"(?<=[.다음])\s+|\n", head) if s.strip()]
    ordered = [s for s in sentences if _MEETING_WORDS.search(s)] + [head, text[:3000]]
    for index, chunk in enumerate(ordered):
        # Past the preamble a full date is more likely a milestone than the meeting day.
        full = _DAY_FULL.search(chunk) if index < len(ordered) - 1 else None
        weekday = _DAY_WEEKDAY.search(chunk)
        if full and (not weekday or full.start() <= weekday.start()):
            try:
                return dt.date(int(full[1]), int(full[2]), int(full[3])), False
            except ValueError:
                pass
        if weekday:
            year = 2000 + int(weekday["yy"]) if weekday["yy"] else None
            day = _from_weekday(
                int(weekday["m"]), int(weekday["d"]), weekday["w"], year or reference, latest
            )
            if day:
                return day, year is None
        only = _DAY_ONLY.search(chunk)
        if only and index < len(ordered) - 1:
            day = _from_day(int(only["d"]), only["w"], reference, months(), latest)
            if day:
                return day, True
        bare = _DAY_BARE.search(chunk)
        if bare and index < len(ordered) - 2:  # 3월 11일 개최된: no weekday to fix the year
            try:
                return dt.date(reference, int(bare["m"]), int(bare["d"])), True
            except ValueError:
                pass
    return None, False


def _reference_year(source: str, text: str, this_year: int) -> int:
    """The year a year-less meeting date is near: from the file name, else the text's years."""
    hint = _YEAR_HINT.search(source)
    if hint:
        return int(hint[1])
    years = [int(y) for y in _YEAR_HINT.findall(text)]
    years += [2000 + int(y) for y in _SHORT_YEAR.findall(text)]
    # Releases look ahead (2030년까지 …): only years up to now say when one was written.
    years = sorted(y for y in years if 1990 <= y <= this_year)
    return years[len(years) // 2] if years else this_year


def _from_weekday(
    month: int, day: int, weekday: str, reference: int, latest: int
) -> dt.date | None:
    """The year, up to `latest`, in which month/day fell on that weekday, nearest the reference
    year."""
    target = _WEEKDAYS.index(weekday)
    for distance in range(0, 12):
        for year in (reference - distance, reference + distance):
            if year > latest:
                continue
            try:
                candidate = dt.date(year, month, day)
            except ValueError:
                continue
            if candidate.weekday() == target:
                return candidate
    return None


def _months(text: str) -> list[int]:
    """The months the text names, in order, each once (a month tried twice fails twice)."""
    found = (int(m) for m in re.findall(r"(?<![0-9])(1[0-2]|[1-9])월", text))
    return list(dict.fromkeys(found))


def _from_day(
    day: int, weekday: str, reference: int, months: list[int], latest: int
) -> dt.date | None:
    """`10일(수)`: the month is the one of the text's `months` nearest that weekday."""
    for month in [*months, *range(1, 13)]:
        candidate = _from_weekday(month, day, weekday, reference, latest)
        if candidate and abs(candidate.year - reference) <= 1:
            return candidate
    return None
