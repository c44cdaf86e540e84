"""Release text made regular before anything is read from it.

Real releases come as the API's plain-text rendering, saved pages or converted files: carriage
returns, non-breaking spaces, half-width brackets mixed with full-width ones (「…｣), brackets
lost to "?" and sentences hard-wrapped mid-line. Every rule downstream reads the one form made
here, so none of them has to know about those accidents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HANGUL = re.compile(r"[가-힣]")
DOT = "[·‧ㆍ・•･⸱]"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
DARK_CIRCLED = "❶❷❸❹❺❻❼❽❾❿➊➋➌➍➎➏➐➑➒➓"
# A title in brackets after normalisation: 「…」 (also ｢…｣) and 『…』.
QUOTED = re.compile(r"[「『]\s*([^「『」』\n]{2,200}?)\s*[」』]")

_TRANSLATE = str.maketrans({"｢": "「", "｣": "」", "\xa0": " ", "\u3000": " ", "\ufeff": ""})
# "?부정경쟁방지 및 영업비밀보호 시행계획?": brackets the text conversion turned into "?".
_LOST_BRACKETS = re.compile(
    r"(?<![가-힣A-Za-z0-9?])\?([가-힣A-Za-z0-9][^?\n]{3,150}?\s[^?\n]*?)\?(?=[가-힣\s,.)」]|$)"
)
_META = re.compile(r"^#\s*([a-z-]+)\s*:\s*(.*)$")
# A wrapped line ends mid-sentence: not after a sentence end, a colon or a closing mark.
_ENDS_OPEN = re.compile(r"[가-힣A-Za-z0-9,·]$")
_ENDS_MODIFIER = re.compile(r"(?:위한|관한|대한|따른|향한|의|및|과|와|,)$")
_ENDS_CLOSED = re.compile(r"(?:다|음|임|함|됨|요|까|니다|[.:!?]|-|–)$")
# A line that starts a new unit: a list mark, a heading mark or a number.
LINE_MARK = re.compile(
    rf"^\s*(?:[□■◇◆○●◈▶▷▸▹◎ㅇ※*＊\-–·•▲△▴【\[<〈＜(（{CIRCLED}{DARK_CIRCLED}]|[0-9]+\s*[.)]|"
    r"[가-하]\s*[.)])"
)
_AGENDA_HEADING = re.compile(
    r"^[(<\[【〈＜]\s*(?:심의|보고|의결|토론)?\s*안건\s*[0-9]*\s*[)>\]】〉＞]"
)
_MIN_WRAPPED = 25  # shorter lines are headings or table cells, not wrapped sentences


@dataclass(frozen=True)
class Text:
    """A release as one regular string, with what its header said about its origin."""

    body: str
    url: str | None = None


def regular(raw: str) -> Text:
    """Normalise line ends, spaces and brackets; join hard-wrapped lines; read `# source:`."""
    text = raw.translate(_TRANSLATE).replace("\r\n", "\n").replace("\r", "\n")
    text, url = _strip_meta(text)
    text = _LOST_BRACKETS.sub(r"「\1」", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return Text(body=_unwrap(text), url=url)


def _strip_meta(text: str) -> tuple[str, str | None]:
    """Leading `# source: URL` lines (the corpus and saved API records) are metadata."""
    url = None
    lines = text.split("\n")
    while lines and (meta := _META.match(lines[0].strip())):
        if meta[1] in ("source", "url") and meta[2].startswith("http"):
            url = meta[2].strip()
        lines.pop(0)
    return "\n".join(lines), url


def _unwrap(text: str) -> str:
    """Join a line to the next when the sentence plainly runs on (`…을 위한\\n「방안」을`)."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if out and _continues(out[-1], line):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def _continues(previous: str, line: str) -> bool:
    head = previous.strip()
    if not line.strip() or LINE_MARK.match(line):
        return False
    if head.count("「") + head.count("『") > head.count("」") + head.count("』"):
        return True  # an unclosed title bracket is the surest sign of a wrap
    if line.lstrip().startswith("「") and _ENDS_MODIFIER.search(head):
        return True  # "③…제고를 위한" / "「10대 산업분야 규제혁신 방안(Ⅰ)」"
    if _AGENDA_HEADING.match(head):  # "(안건 2) 과학기술 현장규제" / "개선방안(안)"
        return len(line.strip()) <= 40 and not _ENDS_CLOSED.search(line.strip())
    if len(head) < _MIN_WRAPPED:
        return False
    return not _ENDS_CLOSED.search(head) and bool(_ENDS_OPEN.search(head))


def norm(title: str) -> str:
    """Letters and digits only: the key titles are compared by."""
    return re.sub(r"[^0-9A-Za-z가-힣]", "", title).lower()


def clean(title: str) -> str:
    """One line, single spaces, no quote marks or trailing punctuation around it."""
    title = re.sub(r"\s+", " ", title).strip()
    return title.strip(" ,.;:·-–「」『』‘’“”'\"")


def lines_with_offsets(text: str) -> list[tuple[int, str]]:
    """Each line with the offset where it starts."""
    out: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out
