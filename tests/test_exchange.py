"""A meeting as a file (`bot/exchange.py`): parse --json → import → export → edit → import, in
JSON and YAML, every wrong input refused with one Korean line and the database untouched."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import exchange, ministries
from bot.errors import AgendabotError, UsageError
from bot.importer import import_data, import_file
from bot.model import AgendaItem, Meeting, Milestone, Release
from bot.reading import parse, release_to_json
from bot.reading.scoring import read
from bot.store import Store
from tests.test_cli import SEED, agendabot

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
GOLDEN = sorted((Path(__file__).parent / "golden" / "corpus").glob("*.json"))
FORMATS = ("json", "yaml")


def content(data: dict[str, Any]) -> dict[str, Any]:
    """What a release says, as exchange data: no store number, hash, warnings or the store's
    life cycle of milestones."""
    data = copy.deepcopy(data)
    data["meeting"].pop("number", None)
    data["meeting"].pop("source_sha256", None)
    data.pop("warnings", None)
    for stones in (data["meeting_milestones"], *(i["milestones"] for i in data["agenda"])):
        stones[:] = [
            {k: m[k] for k in ("text", "date", "precision", "kind", "past")} for m in stones
        ]
    return data


def write(path: Path, data: Any, fmt: str) -> Path:
    path.write_text(exchange.dump(data, fmt), encoding="utf-8")
    return path


# -- the corpus: nothing lost --------------------------------------------------------------------


def corpus_releases() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return [p for p in GOLDEN if not json.loads(p.read_text(encoding="utf-8"))["refusal"]]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the development corpus is not at {CORPUS}")
@pytest.mark.parametrize("path", corpus_releases(), ids=lambda p: p.stem)
def test_corpus_round_trip_loses_nothing(path: Path, empty_store: Store, tmp_path: Path) -> None:
    golden = json.loads(path.read_text(encoding="utf-8"))
    release, refusal, _ = read(golden, (CORPUS / golden["file"]).read_text(encoding="utf-8"))
    assert release is not None, refusal
    printed = release_to_json(release)  # what `parse --json` prints
    fmt = "yaml" if path.stem[:2] in ("01", "07", "18", "33") else "json"
    meeting, status, _ = import_file(empty_store, write(tmp_path / f"m.{fmt}", printed, fmt))
    assert status == "new"
    exported = exchange.meeting_to_data(empty_store, meeting.number)
    assert exported["meeting"]["number"] == meeting.number
    want, got = content(printed), content(exported)
    assert got["meeting"] == want["meeting"]
    assert got["meeting_milestones"] == want["meeting_milestones"]
    assert len(got["agenda"]) == len(want["agenda"])
    for mine, theirs in zip(got["agenda"], want["agenda"], strict=True):
        for field in theirs:  # title, decision, ministries, summary, key points, milestones…
            assert mine[field] == theirs[field], (mine["number"], field)
    # The export, re-imported in either format, is the same content: nothing to do.
    for again in FORMATS:
        file = write(tmp_path / f"again.{again}", exported, again)
        assert import_file(empty_store, file)[1] == "unchanged"


# -- export → edit → import ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_edit_changes_exactly_that_and_followups_stay(
    fmt: str, store: Store, tmp_path: Path
) -> None:
    before = {i.number: i for i in store.items(1)}
    followup = store.add_followup(
        item=(1, 3),
        text="데이터 구축 점검",
        owner="과학기술정보통신부",
        due=dt.date(2026, 12, 15),
        by="t",
    )
    data = exchange.load(exchange.dump(exchange.meeting_to_data(store, 1), fmt), fmt)
    data["meeting"]["title"] = "제1회 과학기술관계장관회의(정정)"
    data["agenda"][1]["decision"] = "의결"
    data["agenda"].append(
        {
            "title": "새 안건",
            "decision": "보고",
            "lead_ministry": "중기부",
            "ministries": ["중기부"],
        }
    )
    meeting, status, _ = import_file(store, write(tmp_path / f"e.{fmt}", data, fmt))
    assert (meeting.number, status) == (1, "updated")
    assert store.meeting(1).title == "제1회 과학기술관계장관회의(정정)"
    after = {i.number: i for i in store.items(1)}
    assert set(after) == {*before, 11}
    assert after[2] == before[2].evolve(decision="의결")
    assert after[11].title == "새 안건" and after[11].lead_ministry == "중소벤처기업부"
    for n in set(before) - {2}:
        assert after[n] == before[n], n  # body (not in the file) and milestone ids kept
    assert store.followup(followup.id).item_ref == "1.3"
    assert len(store.meetings()) == 1
    # The same file again: nothing to do.
    assert import_file(store, tmp_path / f"e.{fmt}")[1] == "unchanged"


def test_renumbered_item_keeps_its_followup(store: Store) -> None:
    followup = store.add_followup(
        item=(1, 3), text="점검", owner="과학기술정보통신부", due=dt.date(2026, 12, 15), by="t"
    )
    data = exchange.meeting_to_data(store, 1)
    del data["agenda"][0]  # item 1 removed: 3 becomes 2
    for n, item in enumerate(data["agenda"], 1):
        item["number"] = n
    title = data["agenda"][1]["title"]
    assert import_data(store, data)[1] == "updated"
    assert store.item(1, 2).title == title
    assert store.followup(followup.id).item_ref == "1.2"


def test_number_updates_that_meeting_even_with_a_new_title_and_date(store: Store) -> None:
    data = exchange.meeting_to_data(store, 1)
    data["meeting"].update(title="다른 회의", date="2025-11-25")
    assert import_data(store, data)[:2] == (store.meeting(1), "updated")
    assert len(store.meetings()) == 1 and store.meeting(1).date == dt.date(2025, 11, 25)
    del data["meeting"]["number"]
    data["meeting"]["title"] = "또 다른 회의"
    assert import_data(store, data)[1] == "new"  # no number, no title and date alike
    assert len(store.meetings()) == 2


def test_layout_does_not_count(store: Store, tmp_path: Path) -> None:
    data = exchange.meeting_to_data(store, 1)
    data["warnings"] = ["무시"]
    data["memo"] = "extra keys are ignored"
    for item in data["agenda"]:
        item.pop("key_points") if not item["key_points"] else None
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    assert import_file(store, path)[1] == "unchanged"


# -- wrong input: one Korean line, database unchanged ----------------------------------------

Edit = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key) if key.isdigit() else key]
        node[int(last) if last.isdigit() else last] = value

    return edit


def _drop(path: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key) if key.isdigit() else key]
        del node[last]

    return edit


WRONG: list[tuple[str, Edit, str]] = [
    ("meeting missing", _drop("meeting"), "파일의 meeting: 빠졌습니다"),
    ("meeting a list", _set("meeting", []), "회의: "),
    ("title missing", _drop("meeting.title"), "회의의 title: 빠졌습니다"),
    ("title a number", _set("meeting.title", 3), "회의의 title: 글자여야"),
    ("title blank", _set("meeting.title", "  "), "회의의 title: 비어 있습니다"),
    ("date wrong", _set("meeting.date", "2026-13-01"), "회의의 date: 날짜는 YYYY-MM-DD"),
    ("date other form", _set("meeting.date", "20261201"), "회의의 date: 날짜는"),
    ("date missing", _drop("meeting.date"), "회의의 date: 빠졌습니다"),
    ("ordinal text", _set("meeting.ordinal", "1"), "회의의 ordinal: 1 이상의 정수"),
    ("ordinal zero", _set("meeting.ordinal", 0), "회의의 ordinal: 1 이상의 정수"),
    ("number bool", _set("meeting.number", True), "회의의 number: 1 이상의 정수"),
    ("number unknown", _set("meeting.number", 99), "회의의 number: 99번 회의는 없습니다"),
    ("chair a list", _set("meeting.chair", ["a"]), "회의의 chair: 글자 또는 null"),
    ("attendees text", _set("meeting.attendees", "과기정통부"), "회의의 attendees: 글자의 목록"),
    (
        "attendee unknown",
        _set("meeting.attendees", ["없는부"]),
        "회의의 attendees: 알 수 없는 부처",
    ),
    ("agenda missing", _drop("agenda"), "파일의 agenda: 안건 목록이 없습니다"),
    ("agenda empty", _set("agenda", []), "파일의 agenda: 안건이 하나도 없습니다"),
    ("agenda a mapping", _set("agenda", {}), "파일의 agenda: 목록이어야"),
    ("item a string", _set("agenda.2", "안건"), "안건 3: "),
    ("item title missing", _drop("agenda.2.title"), "안건 3의 title: 빠졌습니다"),
    ("item number text", _set("agenda.2.number", "3"), "안건 3의 number: 1 이상의 정수"),
    ("item number twice", _set("agenda.2.number", 1), "안건 3의 number: 안건 1의 번호와 같습니다"),
    ("decision", _set("agenda.2.decision", "승인"), "안건 3의 decision: 심의·의결, 의결"),
    (
        "lead unknown",
        _set("agenda.2.lead_ministry", "우주부처"),
        "안건 3의 lead_ministry: 알 수 없는 부처",
    ),
    (
        "ministries numbers",
        _set("agenda.2.ministries", [1]),
        "안건 3의 ministries: 1번째 값이 글자가",
    ),
    ("summary list", _set("agenda.2.summary", ["a"]), "안건 3의 summary: 글자여야"),
    ("key points text", _set("agenda.2.key_points", "a"), "안건 3의 key_points: 글자의 목록"),
    ("milestones text", _set("agenda.0.milestones", "x"), "안건 1의 milestones: 목록이어야"),
    (
        "milestone date",
        _set("agenda.0.milestones.0.date", "2026-13-01"),
        "안건 1 일정 1의 date: 날짜는 YYYY-MM-DD 형식이어야 합니다: '2026-13-01'",
    ),
    ("milestone text", _drop("agenda.0.milestones.0.text"), "안건 1 일정 1의 text: 빠졌습니다"),
    (
        "milestone kind",
        _set("agenda.0.milestones.0.kind", "soon"),
        "안건 1 일정 1의 kind: deadline, start, event",
    ),
    (
        "milestone precision",
        _set("agenda.0.milestones.0.precision", 3),
        "안건 1 일정 1의 precision:",
    ),
    (
        "milestone past",
        _set("agenda.0.milestones.0.past", "no"),
        "안건 1 일정 1의 past: true 또는 false",
    ),
    ("meeting milestones", _set("meeting_milestones", [1]), "회의 일정 1: "),
]


@pytest.mark.parametrize(("edit", "expected"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_wrong_field_is_named_and_nothing_changes(
    edit: Edit, expected: str, store: Store, tmp_path: Path
) -> None:
    data = exchange.meeting_to_data(store, 1)
    edit(data)
    before = store.path.read_bytes()
    for fmt in FORMATS:
        with pytest.raises(UsageError) as caught:
            import_file(store, write(tmp_path / f"bad.{fmt}", data, fmt))
        line = caught.value.line()
        assert expected in line and "\n" not in line, line
    assert store.path.read_bytes() == before


BAD_TEXT = [
    ("m.json", '{"meeting": {"title": "x",\n  "date": }', "JSON을 읽을 수 없습니다(2번째 줄"),
    ("m.yaml", "meeting:\n  title: [x\nagenda: []\n", "YAML을 읽을 수 없습니다(3번째 줄"),
    ("m.yml", "- 1\n- 2\n", "회의 하나를 담은 객체"),
    ("m.json", '"회의"', "회의 하나를 담은 객체"),
    ("m.yaml", "a: &a [x, x]\nb: [*a, *a]\n", "앵커·별칭"),
    ("m.json", "\ud55c".encode("cp949").decode("latin-1"), "UTF-8"),
    ("m.json", "[" * 100_000 + "]" * 100_000, ""),
    ("missing.json", None, "파일을 찾을 수 없습니다"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_TEXT)
def test_unreadable_file_is_refused(
    name: str, text: str | None, expected: str, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_bytes(text.encode("latin-1") if expected == "UTF-8" else text.encode())
    before = store.path.read_bytes()
    with pytest.raises(UsageError) as caught:
        import_file(store, path)
    assert expected in caught.value.line() and "\n" not in caught.value.line()
    assert store.path.read_bytes() == before


def test_too_big_is_refused_before_reading(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (exchange.MAX_BYTES + 1))
    with pytest.raises(UsageError, match="너무 큽니다"):
        import_file(store, path)
    with pytest.raises(UsageError, match="너무 큽니다"):
        exchange.read_bytes(b" " * (exchange.MAX_BYTES + 1), "json")


def test_release_options_are_refused_for_exchange_files(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "m.json", exchange.meeting_to_data(store, 1), "json")
    with pytest.raises(UsageError, match="--date와 --url"):
        import_file(store, path, date=dt.date(2026, 1, 1))


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, seed_db: Path) -> Path:
    path = tmp_path / "cli.json"
    path.write_bytes(seed_db.read_bytes())
    return path


def test_cli_seed_parse_json_imports_over_the_seed_unchanged(db: Path, tmp_path: Path) -> None:
    """The issue's bug: this file used to be read as a press release and garble 10 items."""
    printed = agendabot("parse", str(SEED), "--json", db=db)
    assert printed.returncode == 0, printed.stderr
    path = tmp_path / "m.json"
    path.write_text(printed.stdout, encoding="utf-8")
    before = db.read_bytes()
    out = agendabot("import", str(path), db=db)
    assert out.returncode == 0, out.stderr
    assert "이미 같은 내용" in out.stdout and "안건 10건" in out.stdout
    assert db.read_bytes() == before


def test_cli_export_edit_import(db: Path, tmp_path: Path) -> None:
    out = agendabot("export", "1", "--format", "yaml", db=db)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("meeting:\n  number: 1\n")
    path = tmp_path / "m.yaml"
    saved = agendabot("export", "1", "-o", str(path), db=db)
    assert saved.returncode == 0 and path.read_text(encoding="utf-8") == out.stdout
    path.write_text(out.stdout.replace("decision: 논의", "decision: 의결", 1), encoding="utf-8")
    again = agendabot("import", str(path), db=db)
    assert again.returncode == 0 and "갱신했습니다" in again.stdout, again.stderr
    answer = agendabot("ask", "/agenda 1", db=db)
    assert "의결" in answer.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("export", "9"), "9번 회의는 없습니다"),
        (("export", "x"), "회의 번호는 1 이상의 숫자입니다"),
        (("import", "{bad}"), "회의의 date: 날짜는 YYYY-MM-DD 형식이어야 합니다: '2025-02-30'"),
        (("import", "{syntax}"), "JSON을 읽을 수 없습니다(1번째 줄"),
    ],
)
def test_cli_errors_are_one_korean_line(
    args: tuple[str, ...], expected: str, db: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    data = json.loads(agendabot("export", "1", db=db).stdout)
    data["meeting"]["date"] = "2025-02-30"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    syntax = tmp_path / "syntax.json"
    syntax.write_text("{meeting", encoding="utf-8")
    before = db.read_bytes()
    out = agendabot(*(a.format(bad=bad, syntax=syntax) for a in args), db=db)
    assert out.returncode == 2
    *usage, line = out.stderr.strip().splitlines()
    assert expected in line and line.startswith("agendabot"), out.stderr
    assert not usage or usage[0].startswith("usage:")  # argparse's own usage, for `export x`
    assert db.read_bytes() == before


# -- generated releases ------------------------------------------------------------------------

DAY = dt.date(2026, 6, 1)
OFFICIAL = sorted(
    m.name
    for m in ministries.table()
    if m.valid_on(DAY) and (found := ministries.resolve(m.name, DAY)) and found.name == m.name
)
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
titles = words.filter(lambda s: bool(s.strip()))
milestones = st.builds(
    Milestone,
    text=titles,
    date=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
    precision=st.sampled_from(exchange.PRECISIONS),
    kind=st.sampled_from(exchange.KINDS),
    past=st.booleans(),
)


@st.composite
def releases(draw: st.DrawFn) -> Release:
    count = draw(st.integers(1, 4))
    numbers = draw(st.lists(st.integers(1, 50), min_size=count, max_size=count, unique=True))
    items = tuple(
        AgendaItem(
            meeting=0,
            number=n,
            title=draw(titles),
            decision=draw(st.none() | st.sampled_from(exchange.DECISIONS)),
            lead_ministry=draw(st.none() | st.sampled_from(OFFICIAL)),
            ministries=tuple(draw(st.lists(st.sampled_from(OFFICIAL), max_size=3, unique=True))),
            summary=draw(words),
            key_points=tuple(draw(st.lists(words, max_size=2))),
            milestones=tuple(draw(st.lists(milestones, max_size=2))),
        )
        for n in numbers
    )
    meeting = Meeting(
        number=0,
        title=draw(titles),
        date=DAY,
        ordinal=draw(st.none() | st.integers(1, 300)),
        chair=draw(st.none() | words),
        venue=draw(st.none() | words),
        url=draw(st.none() | words),
        source=draw(words),
        attendees=tuple(draw(st.lists(st.sampled_from(OFFICIAL), max_size=3, unique=True))),
        milestones=tuple(draw(st.lists(milestones, max_size=2))),
    )
    return Release(meeting=meeting, items=items)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases(), st.sampled_from(FORMATS))
def test_generated_releases_round_trip(release: Release, fmt: str) -> None:
    text = exchange.dump(release_to_json(release), fmt)
    back = exchange.release_from_data(exchange.load(text, fmt))
    assert back.items == release.items
    assert back.meeting == release.meeting.evolve(source_sha256=exchange.content_sha256(release))


def test_parse_output_is_accepted_as_is() -> None:
    text = SEED.read_text(encoding="utf-8")
    release = parse(text, today=dt.date(2026, 11, 25), source=SEED.name)
    back = exchange.release_from_data(release_to_json(release))
    assert back.items == tuple(i.evolve(body="") for i in release.items)
    assert exchange.content_sha256(back) == exchange.content_sha256(release)


@pytest.mark.timeout(30)
def test_a_fifo_named_like_a_meeting_file_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "meeting.json"
    os.mkfifo(fifo)
    with pytest.raises(AgendabotError) as caught:
        exchange.read_file(fifo)
    assert "meeting.json" in caught.value.line()
