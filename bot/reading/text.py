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

# Replaced one by one: str.translate takes ~0.2 s a million Hangul letters, str.replace ~1 ms.
_REPLACE = (("｢", "「"), ("｣", "」"), ("\xa0", " "), ("\u3000", " "), ("\ufeff", ""))
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
_HEAD = 200  # characters of a joined line `_AGENDA_HEADING` is matched on (it needs a dozen)
_TAIL = 8  # characters at its end the `_ENDS_*` patterns are searched in (they match two)


@dataclass(frozen=True)
class Text:
    """A release as one regular string, with what its header said about its origin."""

    body: str
    url: str | None = None


def regular(raw: str) -> Text:
    """Normalise line ends, spaces and brackets; join hard-wrapped lines; read `# source:`."""
    text = raw
    for old, new in _REPLACE:
        text = text.replace(old, new)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
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
    out: list[str] = []
    joined: _Joined | None = None
    for line in text.split("\n"):
        if joined is not None and _continues(joined, line):
            joined.add(line.strip())
            continue
        if joined is not None:
            out.append(joined.text())
        joined = _Joined(line)
    if joined is not None:
        out.append(joined.text())
    return "\n".join(out)


class _Joined:
    """A line and the wrapped lines joined to it, with what `_continues` asks of it kept up to
    date as lines are added: the joined text is never searched again (a long run of wrapped
    lines made that quadratic). Its stripped text is `head`."""

    def __init__(self, line: str) -> None:
        self.pieces = [line]
        head = line.strip()
        self.opened = _opened(head)  # title brackets opened and not closed
        self.length = len(head)
        self.start = head[:_HEAD]  # `_AGENDA_HEADING` reads no further
        self.tail = head[-_TAIL:]  # the `_ENDS_*` patterns read no further back

    def add(self, piece: str) -> None:
        self.pieces[-1] = self.pieces[-1].rstrip()
        self.pieces.append(piece)
        self.opened += _opened(piece)
        self.length += 1 + len(piece)
        if len(self.start) < _HEAD:
            self.start = f"{self.start} {piece}"[:_HEAD]
        self.tail = f"{self.tail} {piece}"[-_TAIL:]

    def text(self) -> str:
        return " ".join(self.pieces)


def _opened(text: str) -> int:
    return text.count("「") + text.count("『") - text.count("」") - text.count("』")


def _continues(previous: _Joined, line: str) -> bool:
    if not line.strip() or LINE_MARK.match(line):
        return False
    if previous.opened > 0:
        return True  # an unclosed title bracket is the surest sign of a wrap
    if line.lstrip().startswith("「") and _ENDS_MODIFIER.search(previous.tail):
        return True  # "③…제고를 위한" / "「10대 산업분야 규제혁신 방안(Ⅰ)」"
    if _AGENDA_HEADING.match(previous.start):  # "(안건 2) 과학기술 현장규제" / "개선방안(안)"
        return len(line.strip()) <= 40 and not _ENDS_CLOSED.search(line.strip())
    if previous.length < _MIN_WRAPPED:
        return False
    return not _ENDS_CLOSED.search(previous.tail) and bool(_ENDS_OPEN.search(previous.tail))


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
