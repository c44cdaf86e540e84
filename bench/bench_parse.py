"""Parser quality and speed over the development corpus (`../shared/corpus`).

Per release: items found vs expected (the golden files in tests/golden/corpus), decisions and
lead ministries right, title similarity, milestone dates F1, refusals, seconds. Run by hand:

    .venv/bin/python -m bench.bench_parse [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bot.reading import parse
from bot.reading.scoring import Score, read, score

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
GOLDEN = ROOT / "tests" / "golden" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
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
