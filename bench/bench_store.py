"""Foundation benchmarks: parse the seed, import 200 meetings, one write on 100,000 follow-ups.

Run: .venv/bin/python -m bench.bench_store
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from bench.synthetic import build_db, release_texts, seed_text
from bot import nlp, reading
from bot.importer import import_file
from bot.store import Store


def timed(fn, repeat: int = 1) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    t = time.perf_counter()
    nlp.kiwi()
    load = time.perf_counter() - t
    text = seed_text()
    t = time.perf_counter()
    reading.parse(text)
    first = time.perf_counter() - t
    runs = timed(lambda: reading.parse(text), repeat=20)
    print(f"tokenizer load (Kiwi, load_multi_dict=False): {load * 1000:.0f} ms")
    print(f"parse seed, first call after load:            {first * 1000:.1f} ms")
    print(
        f"parse seed, warm: median {statistics.median(runs) * 1000:.1f} ms, max {max(runs) * 1000:.1f} ms"
    )

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        texts = release_texts(200)
        store = Store(folder / "import.json")
        files = []
        for i, (body, day) in enumerate(texts):
            path = folder / f"r{i}.txt"
            path.write_text(body, encoding="utf-8")
            files.append((path, day))
        t = time.perf_counter()
        for path, day in files:
            import_file(store, path, date=day)
        took = time.perf_counter() - t
        print(
            f"import 200 meetings ({len(store.items())} items): {took:.2f} s "
            f"({took / 200 * 1000:.0f} ms per release), file {store.path.stat().st_size / 1e6:.1f} MB"
        )

        big = build_db(folder / "big.json", meetings=200, followups=100_000)
        size = big.path.stat().st_size / 1e6
        fresh = Store(big.path)
        fresh.followups()  # the first read parses the file; a running bot has done it already
        writes = timed(
            lambda: fresh.add_followup(
                item=(1, 3), text="벤치 점검", owner="국방부", due=dt.date(2026, 12, 1), by="bench"
            ),
            repeat=10,
        )
        print(
            f"one follow-up write, 200 meetings + 100,000 follow-ups ({size:.0f} MB file): "
            f"median {statistics.median(writes) * 1000:.0f} ms, max {max(writes) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
