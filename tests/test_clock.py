"""One clock: the settings' (`AGENDABOT_NOW` pins it). Nothing else in bot/ or digests/ reads
the real date or time, and the parser, the importer and the ministry table go by the date they
are handed or, when handed none, by the configured clock."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from bot import ministries
from bot.config import Settings, configured_today
from bot.importer import _clock_environment, read_release
from bot.reading import parse

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "digests").rglob("*.py"))

# Where the real clock may be read: (file, enclosing function).
CLOCK = ("bot/config.py", "Settings.clock")
# Default clocks of the store and the scheduler, for callers that hand them none (tests,
# benchmarks); the program hands them the settings' clock. Kept here so none is added.
DEFAULT_CLOCKS = {
    ("bot/store.py", "Store.__init__"),
    ("digests/scheduler.py", "Runner.__init__"),
}
_READS = {"today", "now", "utcnow"}
_CLASSES = {"date", "datetime"}

# A release whose meeting date has no year: "3월 5일(수)" fell on a Wednesday in 2025 and 2031.
YEARLESS = (
    "□ 정부는 3월 5일(수) 정부서울청사에서 경제관계장관회의를 개최하였다.\n"
    "<안건 1> 「청년 주거 지원 방안」\n"
    "「청년 주거 지원 방안」이 논의되었다. 국토교통부는 청년 임대주택을 공급할 계획이다.\n"
)
PINNED = dt.date(2031, 6, 1)


def clock_reads(source: str) -> list[tuple[str, int]]:
    """Each `date.today`, `datetime.now` (…) in the source: (enclosing function, line)."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, scope: str) -> None:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            scope = f"{scope}.{node.name}" if scope else node.name
        if isinstance(node, ast.Attribute) and node.attr in _READS:
            base = node.value
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            if name in _CLASSES:
                found.append((scope, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, scope)

    visit(ast.parse(source), "")
    return found


def test_the_detector_sees_every_spelling() -> None:
    source = (
        "import datetime as dt\nfrom datetime import date, datetime\n"
        "def f(ctx):\n"
        "    a = dt.date.today(); b = dt.datetime.now(dt.UTC); c = date.today()\n"
        "    d = datetime.utcnow(); e = dt.datetime.now\n"
        "    return ctx.today(), ctx.now(), settings.clock().date()\n"
    )
    assert [line for _, line in clock_reads(source)] == [4, 4, 4, 5, 5]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_settings_read_the_real_clock(path: Path) -> None:
    where = str(path.relative_to(ROOT))
    allowed = {CLOCK, *DEFAULT_CLOCKS}
    reads = [
        f"{where}:{line} in {scope or 'module'}"
        for scope, line in clock_reads(path.read_text(encoding="utf-8"))
        if (where, scope) not in allowed
    ]
    assert not reads, "ask the settings (Settings.clock/today) or take a date parameter"


def test_the_settings_clock_is_read_where_expected() -> None:
    path, scope = CLOCK
    assert [s for s, _ in clock_reads((ROOT / path).read_text(encoding="utf-8"))] == [scope]


def test_settings_today_is_the_date_in_the_configured_zone() -> None:
    late = Settings.load(environ={"AGENDABOT_NOW": "2031-05-31T20:00:00+00:00"})
    assert late.today() == PINNED  # 05:00 in Seoul
    utc = Settings.load(
        environ={"AGENDABOT_NOW": "2031-05-31T20:00:00+00:00", "AGENDABOT_TZ": "UTC"}
    )
    assert utc.today() == dt.date(2031, 5, 31)


def test_a_yearless_meeting_date_is_inferred_from_the_given_day() -> None:
    pinned = parse(YEARLESS, today=PINNED)
    assert pinned.meeting.date == dt.date(2031, 3, 5)
    assert any("연도" in w for w in pinned.warnings)
    # The same text read in late 2026: the latest Wednesday 5 March up to next year.
    assert parse(YEARLESS, today=dt.date(2026, 11, 29)).meeting.date == dt.date(2025, 3, 5)
    # Never years ahead: a Friday 5 March is at most next year's.
    friday = YEARLESS.replace("(수)", "(금)")
    assert parse(friday, today=PINNED).meeting.date == dt.date(2032, 3, 5)
    assert parse(friday, today=dt.date(2026, 11, 29)).meeting.date == dt.date(2027, 3, 5)


def test_without_a_day_the_parser_asks_the_configured_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENDABOT_NOW", "2031-06-01T09:00:00+09:00")
    monkeypatch.delenv("AGENDABOT_CONFIG", raising=False)
    assert configured_today() == PINNED
    assert parse(YEARLESS).meeting.date == dt.date(2031, 3, 5)


def test_the_importer_reads_as_on_the_day_it_is_handed(tmp_path: Path) -> None:
    release = tmp_path / "release.txt"
    release.write_text(YEARLESS, encoding="utf-8")
    assert read_release(release, today=PINNED).meeting.date == dt.date(2031, 3, 5)


def test_an_isolated_seed_import_is_handed_the_zone_and_pinned_clock() -> None:
    pinned = Settings.load(overrides={"now": "2031-06-01T09:00", "tz": "UTC"}, environ={})
    env = _clock_environment(pinned)
    assert env["AGENDABOT_TZ"] == "UTC"
    assert Settings.load(environ=env).today() == PINNED
    assert "AGENDABOT_NOW" not in _clock_environment(Settings.load(environ={}))


def test_ministry_names_go_by_the_given_day(monkeypatch: pytest.MonkeyPatch) -> None:
    found = ministries.resolve("산업부", PINNED)
    assert found is not None and found.name == "산업통상부"
    before = ministries.resolve("산업부", dt.date(2025, 9, 30))
    assert before is not None and before.name == "산업통상자원부"
    # An unknown name is answered with the names valid on the given day, by default the
    # configured clock's.
    assert ministries.suggest("산업통상자원", on=dt.date(2025, 9, 30))[0] == "산업통상자원부"
    assert ministries.suggest("산업통상자원", on=PINNED)[0] == "산업통상부"
    monkeypatch.delenv("AGENDABOT_CONFIG", raising=False)
    monkeypatch.setenv("AGENDABOT_NOW", "2025-09-30T09:00:00+09:00")
    assert ministries.suggest("산업통상자원")[0] == "산업통상자원부"
    monkeypatch.setenv("AGENDABOT_NOW", PINNED.isoformat())
    assert ministries.suggest("산업통상자원")[0] == "산업통상부"
