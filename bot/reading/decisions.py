"""What the meeting did with an item, in the text's own word, normalised.

The words, strongest first: a written report is still a report but says more; a resolution
(의결) says more than the category an item was filed under (토론안건, 보고안건), which says more
than the verb of the whole sentence (상정·논의하였다). When the text says nothing, the decision
is None: a guess would be worse than a gap an admin can see.
"""

from __future__ import annotations

import re

from bot.reading.text import DOT

DECISIONS: tuple[str, ...] = ("심의·의결", "의결", "보고", "서면보고", "논의", "토론", "발표")

# (pattern, decision, rank): lower rank wins when one clause says several things.
_WORDS: list[tuple[re.Pattern[str], str, int]] = [
    (re.compile(r"서면\s?보고|보고[^.\n「」]{0,40}\(서면\)"), "서면보고", 0),
    (re.compile(rf"(?:심의|상정)\s?{DOT}?\s?(?:및\s?)?(?:의결|확정)"), "심의·의결", 1),
    (
        re.compile(r"(?:심의|상정)(?:하여|하고|하며|한 후|해|되어)\s?[^.\n「」]{0,120}?의결"),
        "심의·의결",
        1,
    ),
    (re.compile(r"의결"), "의결", 2),
    (re.compile(r"토론\s?안건|토론(?:하였|했|한다|하고)"), "토론", 3),
    (
        re.compile(
            r"보고\s?안건|보고\s?(?:받|하였|했|되었|됐|한다|하고|하며|드)|점검\s?·\s?보고|원안\s?접수"
        ),
        "보고",
        4,
    ),
    (re.compile(r"심의(?!회의|기구|위원)"), "심의·의결", 5),
    (re.compile(r"논의|의논"), "논의", 6),
    (re.compile(r"발표"), "발표", 7),
]
# A completed verb in an item's own block: what the meeting did (not 논의하여 in its plans).
DONE_VERB = re.compile(
    rf"(논의|심의\s?{DOT}?\s?의결|상정\s?{DOT}?\s?의결|의결|보고|심의|상정|토론|발표)\s?"
    r"(?:되었|됐|하였|했|받았)(?!던)"
)
# The verbs that say the meeting took an item up; an agenda sentence has one of them.
AGENDA_VERB = re.compile(
    r"(?:논의|의결|심의|보고|상정|발표|토론|의논|점검|접수)\s?"
    r"(?:하였|했|한다|합니다|하고|하며|하여|되었|됐|된다|됩니다|되고|받았|받고|하겠|했습니다|하였습니다|되었습니다|됐습니다)"
    rf"|(?:논의|의결|보고|발표|상정){DOT}?\s?(?:의결|논의|발표)?\s*(?:[.]|$)"
    r"|등\s?(?:을|를)?\s?논의|안건(?:을|이|으로|들)"
)


def decision_in(text: str) -> str | None:
    """The strongest decision word in a clause, or None."""
    best: tuple[int, str] | None = None
    for pattern, decision, rank in _WORDS:
        if pattern.search(text) and (best is None or rank < best[0]):
            best = (rank, decision)
    return best[1] if best else None


def normalise(word: str | None) -> str | None:
    """A decision typed by an admin or found in a note (`[보고]`, `심의의결`) in its one spelling."""
    if not word:
        return None
    compact = re.sub(rf"\s|{DOT}", "", word)
    for decision in DECISIONS:
        if compact == re.sub(DOT, "", decision):
            return decision
    if compact in ("상정의결", "심의확정"):
        return "심의·의결"
    return decision_in(word)
