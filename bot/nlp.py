"""Korean text analysis with Kiwi, loaded once and only when first needed: sentences, and
the search terms the store keeps with each agenda item and follow-up.

Kiwi holds about 330 MB once loaded (with `load_multi_dict=False`), so a process that never
parses, writes follow-ups or searches never pays for it.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

    from bot.model import AgendaItem

_lock = threading.Lock()
# Content-word tags: nouns, foreign words, numbers, verb and adjective stems, roots.
_CONTENT_TAGS = ("NNG", "NNP", "NNB", "NR", "SL", "SN", "SH", "VV", "VA", "XR")
MAX_TERMS_TEXT = 20_000  # characters of one text analysed for search terms
TITLE_WEIGHT = 3  # in search, a word in an item's title counts as much as three in its body
_BULLET = re.compile(r"^\s*(?:[□■○●◦ㅇ\-*•▶▷◆◇※]|\d+\)|[①-⑳])\s*")


@cache
def kiwi() -> Kiwi:
    """The process-wide Kiwi, with ministry abbreviations taught so they stay whole."""
    with _lock:
        from kiwipiepy import Kiwi

        from bot import ministries

        k = Kiwi(load_multi_dict=False)
        for m in ministries.table():
            for word in (m.name, *m.aliases):
                if " " not in word and "(" not in word:
                    k.add_user_word(word, "NNP", 0)
        return k


def strip_bullet(line: str) -> str:
    """A line without its leading list mark (□, ㅇ, *, ①, 1) …)."""
    return _BULLET.sub("", line).strip()


def sentences(text: str) -> list[str]:
    """Split into sentences: newlines first (Kiwi ignores them), bullets stripped, then Kiwi."""
    out: list[str] = []
    for raw in text.splitlines():
        line = strip_bullet(raw)
        if not line:
            continue
        out.extend(s.text.strip() for s in kiwi().split_into_sents(line) if s.text.strip())
    return out


def terms(text: str) -> list[str]:
    """Content-word forms for search, so particles and endings fall away (보이스피싱을 → 보이스피싱).

    Only the first `MAX_TERMS_TEXT` characters are analysed: Kiwi costs ~30 µs a character,
    so a hostile import could otherwise keep a writer busy for minutes; a real item body is
    a few thousand characters (the longest in the corpus: 5,827).
    """
    if not text.strip():
        return []
    return [
        t.form.lower()
        for t in kiwi().tokenize(text[:MAX_TERMS_TEXT])
        if t.tag.startswith(_CONTENT_TAGS) and (len(t.form) > 1 or t.tag in ("SL", "SN"))
    ]


def item_terms(item: AgendaItem) -> list[str]:
    """The terms an item is found by: its title (weighted), and its body or else summary."""
    return terms(item.title) * TITLE_WEIGHT + terms(item.body or item.summary)


def followup_terms(text: str, owner: str = "") -> list[str]:
    """The terms a follow-up is found by: its text and its owner."""
    return terms(f"{text} {owner}")
