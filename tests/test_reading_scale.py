"""Unbounded input: files that are not files, and releases far bigger than real ones.

`parse` and `import` refuse devices, FIFOs, directories and sockets from `stat`, before any
`open` (a FIFO blocks whoever opens it, /dev/zero never ends), and anything over the one size
limit, stdin included. Parsing does work that grows with the size of the release: the tests
count the work (comparisons, characters searched) rather than time it, and the big releases
only carry a generous timeout.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import os
import random
import re
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import intake, nlp
from bot.errors import AgendabotError, ParseError
from bot.reading import content, formats, items, meeting, milestones, parse, rules, text
from bot.reading.rules import Doc
from bot.reading.text import regular
from bot.resources import data_path

ROOT = Path(__file__).resolve().parent.parent
RELEASES = Path(__file__).parent / "releases"
SEED = data_path("seeds", "2025-11-24_sci-tech-ministers-meeting-1.txt")
SEED_TEXT = SEED.read_text(encoding="utf-8")
TODAY = dt.date(2026, 11, 25)


def seed_lines(lines: int) -> str:
    """The seed release repeated, cut to `lines` lines (bench/bench_parse.py --scale)."""
    seed = SEED_TEXT.rstrip("\n").split("\n")
    return "\n".join((seed * (lines // len(seed) + 1))[:lines])


def one_line(chars: int) -> str:
    """The seed's title line, then the rest of it repeated as one line of `chars` characters."""
    title, _, rest = SEED_TEXT.rstrip("\n").partition("\n")
    unit = " ".join(rest.split("\n")) + " "
    return title + "\n" + (unit * (chars // len(unit) + 1))[:chars]


class Counting:
    """A compiled pattern that adds up how many characters it was given to look at."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.chars = 0

    def _count(self, string: str, pos: int, endpos: int) -> None:
        self.chars += max(0, min(len(string), endpos) - pos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        self._count(string, pos, endpos)
        return self.pattern.search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        self._count(string, pos, endpos)
        return self.pattern.match(string, pos, endpos)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths `os.open` is asked for while the test runs."""
    paths: list[str] = []
    real_open = os.open

    def spy(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        paths.append(str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    return paths


def refused_in_one_line(error: pytest.ExceptionInfo[ParseError], name: str, *words: str) -> None:
    message = error.value.line()
    assert isinstance(error.value, AgendabotError)
    assert name in message and "\n" not in message
    for word in words:
        assert word in message


# --- files that are not regular files, and the size limit ---------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_device_is_refused_without_being_opened(opened: list[str]) -> None:
    with pytest.raises(ParseError) as error:
        formats.read_document("/dev/zero")
    refused_in_one_line(error, "/dev/zero", "장치 파일")
    assert "/dev/zero" not in opened


@pytest.mark.timeout(30)
def test_fifo_is_refused_at_once_not_waited_on(tmp_path: Path, opened: list[str]) -> None:
    fifo = tmp_path / "release.txt"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            formats.read_document(fifo)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # blocked in open(): a writer end lets it go before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
        pytest.fail("reading a FIFO blocked")
    assert len(outcome) == 1 and isinstance(outcome[0], ParseError)
    assert "파이프(FIFO)" in outcome[0].line() and str(fifo) in outcome[0].line()
    assert str(fifo) not in opened


def test_directory_and_socket_are_refused(tmp_path: Path, opened: list[str]) -> None:
    with pytest.raises(ParseError) as error:
        formats.read_document(tmp_path)
    refused_in_one_line(error, str(tmp_path), "폴더")
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        try:
            server.bind(str(path))
        except OSError:
            pytest.skip("socket path too long here")
        assert stat.S_ISSOCK(path.stat().st_mode)
        with pytest.raises(ParseError) as error:
            formats.read_document(path)
    refused_in_one_line(error, str(path), "소켓")
    assert opened == []


def test_oversize_file_is_refused_unread(tmp_path: Path, opened: list[str]) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(21 * 1024 * 1024)  # sparse: no disk used
    with pytest.raises(ParseError) as error:
        formats.read_document(big)
    refused_in_one_line(error, "big.txt", "너무 큽니다", "20MB")
    assert opened == []
    assert formats.file_bytes(SEED) == SEED.read_bytes()
    with pytest.raises(ParseError):
        formats.file_bytes(big)


class Zeros(io.RawIOBase):
    """An endless stream of zero bytes that counts what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        buffer[:size] = bytes(size)
        self.read_bytes += size
        return size


def test_oversize_stdin_is_read_only_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    zeros = Zeros()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(zeros)))
    with pytest.raises(ParseError) as error:
        formats.read_document("-")
    refused_in_one_line(error, "표준 입력", "너무 큽니다")
    assert zeros.read_bytes <= formats.MAX_BYTES + 1 + 64 * 1024


def test_one_size_limit() -> None:
    assert intake.SIZE_LIMIT == formats.MAX_BYTES == 20 * 1024 * 1024


def agendabot(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "AGENDABOT_NOW": "2026-11-25T10:00:00+09:00"},
        timeout=120,
    )


@pytest.mark.timeout(300)
def test_cli_refuses_a_device_and_a_fifo_in_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "release.txt"
    os.mkfifo(fifo)
    runs = [agendabot("parse", str(fifo), db=tmp_path / "db.json")]
    runs.append(agendabot("import", str(fifo), db=tmp_path / "db.json"))
    if os.path.exists("/dev/zero"):
        runs.append(agendabot("parse", "/dev/zero", db=tmp_path / "db.json"))
    for run in runs:
        assert run.returncode == 2, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
        assert "파일이 아니라" in run.stderr


# --- work that grows with the release -----------------------------------------------------------


@pytest.fixture
def comparisons(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many pairs of titles difflib compared while merging mentions."""
    count = [0]
    real = difflib.SequenceMatcher

    class Counted(real):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            count[0] += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(difflib, "SequenceMatcher", Counted)
    yield count


def titles(release_text: str) -> list[str]:
    return [item.title for item in parse(release_text, today=TODAY).items]


def test_titles_are_compared_once_per_pair_not_per_mention(comparisons: list[int]) -> None:
    seed = titles(SEED_TEXT)
    comparisons[0] = 0
    assert titles(seed_lines(2 * 44)) == seed
    twice = comparisons[0]
    comparisons[0] = 0
    assert titles(seed_lines(16 * 44)) == seed  # 8 times the mentions
    assert comparisons[0] == twice


def test_dates_in_one_long_line_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    scanned = [0]
    real = milestones._brackets

    def counted(line: str, start: int, end: int, stack: list[tuple[str, int]]) -> None:
        scanned[0] += end - start
        real(line, start, end, stack)

    gap = Counting(milestones._SENTENCE_GAP)
    monkeypatch.setattr(milestones, "_brackets", counted)
    monkeypatch.setattr(milestones, "_SENTENCE_GAP", gap)
    clause = "(1단계) 과제를 {}월 중 착수하고, ‘시범 사업’을 {}월까지 마무리하며 "
    line = "2026년 " + "".join(clause.format(1 + i % 12, 1 + (i + 5) % 12) for i in range(3000))
    found = milestones.find_milestones(line, dt.date(2026, 1, 10))
    assert len(found) >= 12  # each distinct phrase once
    assert scanned[0] <= 2 * len(line)  # was: the line from its start again for every date
    assert gap.chars <= 2 * len(line)


def test_wrapped_lines_are_joined_without_searching_the_joined_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patterns = {name: Counting(getattr(text, name)) for name in ("_ENDS_OPEN", "_ENDS_CLOSED")}
    patterns["_ENDS_MODIFIER"] = Counting(text._ENDS_MODIFIER)
    for name, counting in patterns.items():
        monkeypatch.setattr(text, name, counting)
    lines = 20_000
    wrapped = "\n".join(["인공 지능 기반 공공 서비스를 선도적으로 도입하기 위해"] * lines)
    joined = regular(wrapped).body
    assert "\n" not in joined and joined.count("도입하기 위해") == lines
    assert sum(c.chars for c in patterns.values()) <= 40 * lines


def test_sentences_are_bounded_in_length() -> None:
    rows = "\n".join(f"| 의결 | 「제{n}차 계획 {n}」 | 과기정통부 |" for n in range(20_000))
    doc = Doc("결과 보고\n" + rows, TODAY)
    spans = doc.sentences()
    assert max(end - start for start, end in spans) <= rules.MAX_SENTENCE
    assert sum(doc.text[start:end].count("|") for start, end in spans) == 4 * 20_000


def test_items_are_the_same_read_on_any_date() -> None:
    """`parse` reads the items once, on the provisional date: the rules ask only whether a
    note names ministries, which every date answers alike."""
    for path in [SEED, *sorted(RELEASES.glob("*.txt"))]:
        body = regular(formats.read_document(path).text).body
        before, after = (items.find(Doc(body, day)) for day in (dt.date(2020, 1, 1), TODAY))
        assert [_found(f) for f in before] == [_found(f) for f in after], path.name


def _found(item: items.Found) -> tuple[Any, ...]:
    mentions = [(m.rule, m.at, m.title, m.owners, m.decision) for m in item.mentions]
    return (item.title, item.number, item.decision, item.owners, item.start, item.end, mentions)


# The patterns as they were, as references: the new ones must find what they found.
OLD_ORDINAL_NAME = re.compile(
    r"(?:(?P<year>(?:19|20)[0-9]{2})년도?\s?)?(?P<pre>국가과학기술자문회의\s)?제\s?(?P<n>[0-9]+)\s?(?P<unit>회|차)\s*"
    r"(?P<name>(?:[가-힣A-Za-z0-9·\-]+\s?){0,8}?[가-힣]*(?:회의|전체회의)(?:\s운영위원회)?)"
)
OLD_VENUE = re.compile(
    r"(?P<venue>(?:[가-힣A-Za-z0-9]+\s){0,3}?[가-힣A-Za-z0-9]*(?:청사|센터|공장|본사|회의실|연구원|호텔|"
    r"컨벤션센터|빌딩|기념관|대학교|박물관))(?:\s?\([^()]*\))?\s?(?:에서|를\s찾아)"
)


def random_texts(atoms: list[str], count: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(atoms) for _ in range(rng.randint(1, 14)))


def same_match(old: re.Pattern[str], new: re.Pattern[str], string: str) -> bool:
    a, b = old.search(string), new.search(string)
    return (a and (a.span(), a.groupdict())) == (b and (b.span(), b.groupdict()))


@pytest.mark.timeout(60)
def test_meeting_name_pattern_finds_what_the_backtracking_one_found() -> None:
    atoms = ["제", "1", "2", "회", "차", "의", "회의", "전체", "가나", "A", "·", "-", " ", "  "]
    atoms += ["\n", "(", "2024", "년", " 운영위원회", "국가과학기술자문회의 ", "위원"]
    for string in random_texts(atoms, 5000, seed=1):
        assert same_match(OLD_ORDINAL_NAME, meeting._ORDINAL_NAME, string), string
    # The old pattern split an unspaced run every way it could: minutes at 40 letters.
    assert meeting._ORDINAL_NAME.search("제1회 " + "가" * 100_000) is None


@pytest.mark.timeout(60)
def test_venue_pattern_finds_what_the_unanchored_one_found() -> None:
    atoms = [
        "정부",
        "서울",
        "청사",
        "센터",
        "에서",
        " ",
        "(",
        ")",
        "세종",
        "1",
        "A",
        "를 찾아",
        ".",
    ]
    for string in random_texts(atoms, 5000, seed=2):
        assert same_match(OLD_VENUE, meeting._VENUE, string), string
    assert meeting.venue("회의 " + "가" * 100_000 + " 개최") is None


def test_titles_past_the_bound_are_left_with_a_warning(comparisons: list[int]) -> None:
    rng = random.Random(3)
    syllables = [chr(code) for code in range(0xAC00, 0xD7A4, 97)]
    lines = ["과학기술관계장관회의 개최", "□ 정부는 11월 24일(월) 회의를 개최하였다."]
    for number in range(1, 201):
        title = "".join(rng.choice(syllables) for _ in range(12))
        lines += [f"<안건 {number}> {title} 방안", f"{title} 방안을 논의하였다."]
    release = parse("\n".join(lines), today=TODAY)
    assert len(release.items) <= items.MAX_TITLES
    assert any("제목 후보가 너무 많아" in w for w in release.warnings)
    assert comparisons[0] <= items.MAX_TITLES**2


def test_bodies_and_tokenizer_input_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    given: list[int] = []
    real = nlp.sentences

    def counted(passage: str) -> list[str]:
        given.append(len(passage))
        return real(passage)

    monkeypatch.setattr(nlp, "sentences", counted)
    release = parse(one_line(200_000), today=TODAY)
    assert release.items
    assert max(len(item.body) for item in release.items) <= items.MAX_BODY
    assert max(given) <= content._TOKENIZED


# --- big releases, end to end -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "release",
    [
        pytest.param(lambda: seed_lines(4_000), id="4,000 lines"),  # was 40 s
        pytest.param(lambda: one_line(1_400_000), id="one 3.3 MB line"),  # was minutes
        pytest.param(lambda: seed_lines(13_000), id="5 MB"),
    ],
)
def test_big_releases_are_read_whole(release: Any) -> None:
    found = parse(release(), today=TODAY)
    seed = titles(SEED_TEXT)
    assert len(found.items) >= 8  # the seed's ten, or eight when its headings share a line
    assert all(any(items.same(item.title, title) for title in seed) for item in found.items)
    assert max(len(item.body) for item in found.items) <= items.MAX_BODY


def test_search_terms_analyse_a_bounded_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile import cannot make the store's writer tokenize megabytes for search terms."""
    from bot import nlp

    seen: list[int] = []
    real = nlp.kiwi()

    class Counting:
        def tokenize(self, text: str) -> Any:
            seen.append(len(text))
            return real.tokenize(text)

    monkeypatch.setattr(nlp, "kiwi", Counting)
    words = nlp.terms("보이스피싱 대응 " * 200_000)
    assert seen == [nlp.MAX_TERMS_TEXT]
    assert "보이스피싱" in words
