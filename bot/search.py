"""Ranked search over agenda items and follow-ups: BM25 over Kiwi content-word terms, so
Korean particles and endings do not defeat a query (보이스피싱을 → 보이스피싱).

Terms are computed once, by the store when an item is imported or a follow-up written
(`nlp.item_terms`, `nlp.followup_terms`), and stored with it; a query only tokenises itself.
The inverted index is rebuilt in memory when the store changes.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot import nlp
from bot.store import Store, exempt_from_gc

K1, B = 1.2, 0.75
SNIPPET = 40


@dataclass(frozen=True)
class Hit:
    """One search result: an item (`ref` = "1.3") or a follow-up (`ref` = "F12")."""

    kind: str
    ref: str
    score: float
    snippet: str


class _Index:
    """BM25 postings for one collection of documents."""

    def __init__(self, docs: Iterable[tuple[str, list[str]]]) -> None:
        self.postings: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.length: dict[str, int] = {}
        for key, terms in docs:
            self.length[key] = len(terms)
            for term, tf in Counter(terms).items():
                self.postings[term].append((key, tf))
        self.avg = sum(self.length.values()) / len(self.length) if self.length else 0.0

    def score(self, query: list[str]) -> dict[str, float]:
        n = len(self.length)
        scores: dict[str, float] = defaultdict(float)
        for term in set(query):
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for key, tf in posting:
                norm = K1 * (1 - B + B * self.length[key] / (self.avg or 1))
                scores[key] += idf * tf * (K1 + 1) / (tf + norm)
        return scores


class Searcher:
    """Keeps the indexes of one store, rebuilding only the part that changed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._items_key: tuple[tuple[int, str], ...] | None = None
        self._items = _Index(())
        self._followups_generation = -1
        self._followups = _Index(())

    def _refresh(self) -> None:
        generation = self.store.generation
        rebuilt = False
        items_key = tuple((m.number, m.source_sha256) for m in self.store.meetings())
        if items_key != self._items_key:
            self._items = _Index((f"{m}.{n}", terms) for (m, n), terms in self.store.item_terms())
            self._items_key = items_key
            rebuilt = True
        if generation != self._followups_generation:
            self._followups = _Index(self.store.followup_terms())
            self._followups_generation = generation
            rebuilt = True
        if rebuilt and self.store.is_big:
            exempt_from_gc()

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """The best `limit` items and follow-ups for the query, best first."""
        self._refresh()
        terms = nlp.terms(query)
        needles = [*terms, query.strip()]
        scored = [("item", k, s) for k, s in self._items.score(terms).items()]
        scored += [("followup", k, s) for k, s in self._followups.score(terms).items()]
        if not scored:
            # The tokenizer can split a word differently inside other text (로봇(휴머노이드) →
            # 휴머노이); the literal text still finds it.
            scored = self._literal(query)
        scored.sort(key=lambda h: (-h[2], h[1]))
        return [
            Hit(kind, ref, round(s, 3), self._snippet(kind, ref, needles))
            for kind, ref, s in scored[:limit]
        ]

    def _literal(self, query: str) -> list[tuple[str, str, float]]:
        """Items and follow-ups whose text contains the query as written, spaces aside."""
        needle = _compact(query)
        if len(needle) < 2:
            return []
        hits = [
            ("item", item.ref, 0.0)
            for item in self.store.items()
            if needle in _compact(item.title) or needle in _compact(item.body)
        ]
        hits += [
            ("followup", fu.id, 0.0)
            for fu in self.store.followups_with_text(lambda text: needle in _compact(text))
        ]
        return hits

    def _snippet(self, kind: str, ref: str, needles: list[str]) -> str:
        if kind == "item":
            m, n = (int(x) for x in ref.split("."))
            item = self.store.item(m, n)
            text = item.body or item.summary
        else:
            text = self.store.followup(ref).text
        return snippet(text, needles)


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def snippet(text: str, needles: list[str], width: int = SNIPPET) -> str:
    """A short window of `text` around the first needle found, with ellipses."""
    flat = re.sub(r"\s+", " ", text).strip()
    low = flat.lower()
    positions = [p for p in (low.find(n.lower()) for n in needles if n) if p >= 0]
    if not positions:
        return flat[: width * 2] + ("…" if len(flat) > width * 2 else "")
    at = min(positions)
    start, end = max(0, at - width), min(len(flat), at + width)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
