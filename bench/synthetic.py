"""Synthetic databases for the benchmarks: the seed's meeting repeated with new dates and
ordinals, and many follow-ups, written in bulk through the store's own transaction.

Rows are written directly (the store's add_followup would take minutes for 100,000), with the
search terms the store would compute (`nlp.item_terms`, `nlp.followup_terms`), each distinct
text analysed once."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from bot import nlp, reading
from bot.resources import seed_files
from bot.store import Store

OWNERS = ("과학기술정보통신부", "중소벤처기업부", "산업통상부", "국방부", "교육부", "행정안전부")
TEXTS = (
    "데이터 구축 진행 상황 점검",
    "보이스피싱 대응 플랫폼 시범 운영",
    "휴머노이드 실증 사업 공고",
    "인공 지능 반도체 개발 계획 보고",
    "중소기업 인공 지능 교육 과정 개설",
    "국방 인공 지능 전투 참모 시제품 평가",
)


def seed_text() -> str:
    return seed_files()[0].read_text(encoding="utf-8")


def release_texts(n: int) -> list[tuple[str, dt.date]]:
    """`n` press releases shaped like the seed, each for a different meeting and date."""
    text = seed_text()
    start = dt.date(2025, 11, 24)
    out = []
    for i in range(n):
        day = start + dt.timedelta(weeks=i)
        body = text.replace("제1회", f"제{i + 1}회").replace("보이스피싱", f"보이스피싱{i % 7}")
        out.append((body, day))
    return out


def build_db(path: Path, meetings: int, followups: int, seed: int = 1) -> Store:
    """A database of `meetings` × 10 items and `followups` follow-ups, written in one go."""
    rng = random.Random(seed)
    store = Store(path)
    base = reading.parse(seed_text(), source="seed.txt")
    terms = {item.number: " ".join(nlp.item_terms(item)) for item in base.items}
    followup_terms = {(t, o): " ".join(nlp.followup_terms(t, o)) for t in TEXTS for o in OWNERS}
    now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    with store.transaction() as db:
        db.table("meetings").insert_multiple(
            base.meeting.evolve(
                number=m,
                title=f"제{m}회 과학기술관계장관회의",
                date=base.meeting.date + dt.timedelta(days=m),
                source_sha256=f"synthetic-{m}",
                imported_at=now,
            ).to_dict()
            for m in range(1, meetings + 1)
        )
        db.table("items").insert_multiple(
            {**item.evolve(meeting=m).to_dict(), "terms": terms[item.number]}
            for m in range(1, meetings + 1)
            for item in base.items
        )
        rows = []
        for n in range(1, followups + 1):
            text = rng.choice(TEXTS)
            # Drawn in the order of the row's fields, as always: the same seed, the same data.
            meeting, item, owner = rng.randint(1, meetings), rng.randint(1, 10), rng.choice(OWNERS)
            rows.append(
                {
                    "id": f"F{n}",
                    "meeting": meeting,
                    "item": item,
                    "text": text,
                    "owner": owner,
                    "due": (
                        dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
                    ).isoformat(),
                    "status": rng.choice(("open", "open", "open", "done", "cancelled")),
                    "note": "",
                    "created_by": "bench",
                    "created_at": now.isoformat(),
                    "updated_by": "bench",
                    "updated_at": now.isoformat(),
                    "history": [],
                    "terms": followup_terms[(text, owner)],
                }
            )
        db.table("followups").insert_multiple(rows)
        db.table("meta").update({"next_followup": followups + 1}, doc_ids=[1])
    return store
