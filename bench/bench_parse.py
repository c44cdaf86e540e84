"""Parser quality and speed over the development corpus (`../shared/corpus`).

Per release: items found vs expected (the golden files in tests/golden/corpus), decisions and
lead ministries right, title similarity, milestone dates F1, refusals, seconds. Run by hand:

    .venv/bin/python -m bench.bench_parse [--verbose]
    .venv/bin/python -m bench.bench_parse --scale   # seconds for synthetic big releases

`--scale` parses the seed release repeated to 1,000, 4,000, 16,000 and 100,000 lines (1×, 4×,
16×: the seconds should grow about as the size does), a 5 MB release, and the seed joined into
one 3.3 MB line (after its title line, and with no line break at all).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bot.errors import ParseError
from bot.reading import parse
from bot.reading.scoring import Score, read, score
from bot.resources import data_path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
GOLDEN = ROOT / "tests" / "golden" / "corpus"
SEED = data_path("seeds", "2025-11-24_sci-tech-ministers-meeting-1.txt")
MB = 1024 * 1024


def repeated_lines(lines: int) -> str:
    """The seed release repeated, cut to `lines` lines."""
    seed = SEED.read_text(encoding="utf-8").rstrip("\n").split("\n")
    return "\n".join((seed * (lines // len(seed) + 1))[:lines])


def repeated_bytes(size: int, *, joined: bool = False, title: bool = True) -> str:
    """The seed release repeated to `size` bytes of UTF-8: as lines, or `joined` into one line
    (after the title line when `title`, else with no line break at all)."""
    seed = SEED.read_text(encoding="utf-8").rstrip("\n")
    first, _, rest = seed.partition("\n") if title else ("", "", seed)
    unit = " ".join(rest.split("\n")) + " " if joined else rest + "\n"
    body = unit * (size // len(unit.encode()) + 1)
    body = body.encode()[: size - len(first.encode()) - 1].decode(errors="ignore")
    return f"{first}\n{body}" if first else body


def scale() -> None:
    """Seconds to parse synthetic big releases, each once."""
    parse(SEED.read_text(encoding="utf-8"))  # load Kiwi
    cases = [(f"{n:,} lines", repeated_lines(n)) for n in (1_000, 4_000, 16_000, 100_000)]
    cases += [
        ("5 MB release", repeated_bytes(5 * MB)),
        ("3.3 MB line after the title", repeated_bytes(int(3.3 * MB), joined=True)),
        ("3.3 MB line, no line break", repeated_bytes(int(3.3 * MB), joined=True, title=False)),
    ]
    print(f"{'release':30} {'MB':>6} {'lines':>8} {'items':>6} {'sec':>7}")
    for name, text in cases:
        started = time.perf_counter()
        try:
            items = str(len(parse(text).items))
        except ParseError:
            items = "refused"
        seconds = time.perf_counter() - started
        size = len(text.encode()) / MB
        print(f"{name:30} {size:6.1f} {text.count(chr(10)) + 1:8,} {items:>6} {seconds:7.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--scale", action="store_true", help="time synthetic big releases")
    args = parser.parse_args()
    if args.scale:
        scale()
        return 0
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    parse(CORPUS.joinpath("01_sti_ministers_13.txt").read_text(encoding="utf-8"))  # load Kiwi
    total = Score()
    print(f"{'file':44} {'items':>9} {'dec':>5} {'lead':>5} {'title':>6} {'ms F1':>6} {'sec':>6}")
    for golden_path in sorted(GOLDEN.glob("*.json")):
        golden = json.loads(golden_path.read_text(encoding="utf-8"))
        text = (CORPUS / golden["file"]).read_text(encoding="utf-8")
        started = time.perf_counter()
        release, refusal, dated = read(golden, text)
        seconds = time.perf_counter() - started
        one = score(golden, release, refusal)
        if dated:
            one.dates_right = 0  # the text has no meeting date: given, as with --date
        one.seconds = seconds
        total.add(one)
        print(
            f"{golden['file'][:44]:44} {one.found:>3}/{one.expected:<3}{one.matched:>3} "
            f"{one.decisions_right:>2}/{one.matched:<2} {one.leads_right:>2}/{one.matched:<2} "
            f"{one.title_mean:6.2f} {one.milestone_f1:6.2f} {seconds:6.3f}"
            + (f"  {refusal[:40]}" if refusal else "")
        )
        if args.verbose and release is not None:
            print(
                f"     {release.meeting.date} {release.meeting.ordinal} {release.meeting.title} | {release.meeting.chair}"
            )
            for item in release.items:
                print(f"     {item.number} {item.decision} {item.lead_ministry} | {item.title}")
            for item in golden["items"]:
                print(f"   * {item['decision']} {item['lead_ministry']} | {item['title']}")
    print()
    print(total.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
