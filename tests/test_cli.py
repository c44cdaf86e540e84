"""The `agendabot` command line, run as a real subprocess: exit codes, bad input, wheel install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seeds" / "2025-11-24_sci-tech-ministers-meeting-1.txt"


def agendabot(
    *args: str, db: Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        check=False,  # the tests look at the exit code
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "AGENDABOT_NOW": "2026-11-25T10:00:00+09:00", **(env or {})},
        timeout=120,
    )


@pytest.fixture
def db(tmp_path: Path, seed_db: Path) -> Path:
    path = tmp_path / "cli.json"
    path.write_bytes(seed_db.read_bytes())
    return path


def test_ask_answers_and_exit_codes(db: Path) -> None:
    ok = agendabot("ask", "/agenda 3", db=db)
    assert ok.returncode == 0, ok.stderr
    assert "산업통상부" in ok.stdout
    bad = agendabot("ask", "/agenda x", db=db)
    assert bad.returncode == 1 and "안건 번호" in bad.stdout
    misuse = agendabot("nosuch", db=db)
    assert misuse.returncode == 2


def test_first_run_creates_database_and_imports_seed(tmp_path: Path) -> None:
    db = tmp_path / "new" / "db.json"
    out = agendabot("ask", "/meetings", db=db)
    assert out.returncode == 0, out.stderr
    assert db.exists() and "제1회 과학기술관계장관회의" in out.stdout


def test_parse_json_shape(tmp_path: Path) -> None:
    out = agendabot("parse", str(SEED), "--json", db=tmp_path / "unused.json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data["meeting"]) >= {"title", "ordinal", "date", "chair"}
    assert len(data["agenda"]) == 10
    item = data["agenda"][0]
    assert set(item) >= {
        "number",
        "title",
        "decision",
        "lead_ministry",
        "ministries",
        "summary",
        "milestones",
    }
    assert set(item["milestones"][0]) >= {"text", "date", "precision", "kind", "past"}


def test_import_is_idempotent(db: Path) -> None:
    before = db.read_bytes()
    out = agendabot("import", str(SEED), db=db)
    assert out.returncode == 0 and "이미 같은 내용" in out.stdout
    assert db.read_bytes() == before


def test_revised_release_keeps_followups(db: Path, tmp_path: Path) -> None:
    assert agendabot("followup", "add", "3", "2026-12-15", "산업부", "점검", db=db).returncode == 0
    revised = tmp_path / "revised.txt"
    revised.write_text(
        SEED.read_text(encoding="utf-8").replace("대내외 복합 위기", "대내외 복합 위기(수정)"),
        encoding="utf-8",
    )
    out = agendabot("import", str(revised), db=db)
    assert out.returncode == 0 and "갱신" in out.stdout, out.stderr
    listed = agendabot("ask", "/followup 3", db=db)
    assert "F1" in listed.stdout
    items = json.loads(db.read_text(encoding="utf-8"))["items"].values()
    assert any("(수정)" in row["body"] for row in items if row["number"] == 3)
    meetings = agendabot("ask", "/meetings", db=db).stdout
    assert meetings.count("제1회 과학기술관계장관회의") == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.txt", b""),
        ("binary.bin", bytes(range(256)) * 8),
        ("noagenda.txt", "오늘은 날씨가 맑습니다. 회의 소식은 없습니다.\n".encode()),
    ],
)
def test_bad_files_exit_2_with_one_line_and_change_nothing(
    db: Path, tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = db.read_bytes()
    for command in ("parse", "import"):
        out = agendabot(command, str(path), db=db)
        assert out.returncode == 2, (command, out.stdout, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert db.read_bytes() == before


def test_missing_file_exits_2(db: Path, tmp_path: Path) -> None:
    out = agendabot("import", str(tmp_path / "nope.txt"), db=db)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


def test_cp949_release_is_decoded(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "cp949.txt"
    path.write_bytes(SEED.read_text(encoding="utf-8").encode("cp949", errors="replace"))
    out = agendabot("parse", str(path), "--json", db=db)
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)["agenda"]) == 10


def test_cli_mirrors_of_admin_commands(db: Path) -> None:
    assert (
        agendabot(
            "followup", "add", "1", "2026-12-15", "과기정통부", "데이터", "점검", db=db
        ).returncode
        == 0
    )
    assert "F1" in agendabot("followup", "list", db=db).stdout
    assert agendabot("followup", "done", "F1", db=db).returncode == 0
    sub = agendabot(
        "subscribe",
        "telegram:-100123",
        "--day",
        "fri",
        "--time",
        "17:00",
        "--ministry",
        "중기부",
        db=db,
    )
    assert sub.returncode == 0, sub.stdout
    listed = agendabot("subscriptions", db=db).stdout
    assert "telegram:-100123" in listed and "금 17:00" in listed and "중소벤처기업부" in listed
    assert agendabot("unsubscribe", "telegram:-100123", db=db).returncode == 0
    assert agendabot("unsubscribe", "telegram:-100123", db=db).returncode == 1
    assert agendabot("subscribe", "nowhere", db=db).returncode == 2


def test_cli_mirrors_of_the_edit_commands(db: Path) -> None:
    """Each edit command as in chat; a value with spaces stays one word."""
    edit = agendabot("meeting", "edit", "1", "title=제1회 과학기술관계장관회의 (수정)", db=db)
    assert edit.returncode == 0, edit.stdout + edit.stderr
    assert "(수정)" in agendabot("ask", "/meetings", db=db).stdout
    assert "(수정)" in agendabot("history", "1", db=db).stdout
    assert agendabot("undo", db=db).returncode == 0
    assert "(수정)" not in agendabot("ask", "/meetings", db=db).stdout
    added = agendabot("agenda", "add", "1", "「새 안건」", "보고", db=db)
    assert added.returncode == 0 and "1.11" in added.stdout
    before = db.read_bytes()
    wrong = agendabot("milestone", "delay", "M999", db=db)
    assert wrong.returncode != 0 and "사용법" in wrong.stdout + wrong.stderr
    assert db.read_bytes() == before


def test_tour_runs_on_a_temporary_copy(db: Path) -> None:
    before = db.read_bytes()
    out = agendabot("tour", db=db)
    assert out.returncode == 0, out.stderr
    assert "/agenda 3" in out.stdout and "산업통상부" in out.stdout
    assert db.read_bytes() == before


def test_wheel_ships_templates_and_data(tmp_path: Path) -> None:
    """Built as a wheel and run from another folder, templates and bundled data are found."""
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("agendabot-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/templates/telegram/reply.html.j2" in names
    assert "bot/data/ministries.toml" in names
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import bot, sys; from bot.cli import main; sys.exit(main())",
            "--db",
            str(tmp_path / "w.json"),
            "ask",
            "/agenda 3",
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=elsewhere,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(target), "PYTHONSAFEPATH": "1"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "산업통상부" in out.stdout


def test_digest_preview_html_and_send_due_without_tokens(db: Path, tmp_path: Path) -> None:
    sunday = {"AGENDABOT_NOW": "2026-11-29T10:00:00+09:00"}
    assert agendabot("subscribe", "telegram:-1001", db=db, env=sunday).returncode == 0
    preview = agendabot("digest", "--preview", "telegram:-1001", db=db)
    assert preview.returncode == 0 and "2026-12-31" in preview.stdout and "D-36" in preview.stdout
    page = tmp_path / "digest.html"
    out = agendabot("digest", "--html", str(page), "--chat", "telegram:-1001", db=db)
    assert out.returncode == 0 and '<html lang="ko">' in page.read_text(encoding="utf-8")
    monday = {"AGENDABOT_NOW": "2026-11-30T10:00:00+09:00"}
    due = agendabot("digest", "--send-due", db=db, env=monday)
    assert due.returncode == 1 and "토큰 미설정" in due.stdout
    assert agendabot("digest", "--preview", "telegram:", db=db).returncode == 2


def test_a_corrupt_or_unwritable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"meetings": {', encoding="utf-8")
    out = agendabot("ask", "/meetings", db=broken)
    assert out.returncode == 2 and "JSON" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    out = agendabot("ask", "/meetings", db=blocked / "db.json")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


def test_options_work_before_and_after_the_command(db: Path) -> None:
    late = agendabot(
        "digest", "--preview", "telegram:-1", "--now", "2026-12-25T10:00:00+09:00", db=db
    )
    assert late.returncode == 0 and "2026-12-25" in late.stdout and "D-6" in late.stdout
    early = subprocess.run(
        [sys.executable, "-m", "bot", "--now", "2026-12-01T10:00:00+09:00", "--db", str(db),
         "ask", "/agenda 1"],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert early.returncode == 0 and "D-30" in early.stdout


HTML_RELEASE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="canonical" href="https://www.korea.kr/briefing/pressReleaseView.do?newsId=156000001">
<title>제9회 국가정책조정회의</title></head><body><nav>메뉴 &middot; 로그인</nav>
<div class="view_cont"><p>□ 김민석 국무총리는 3월 4일(수) 정부서울청사에서 제9회 국가정책조정회의를 주재하였다.</p>
<p>ㅇ 이날 회의에서는 ｢청년 주거 지원 방안(국토부)｣과 ｢소상공인 &amp; 골목상권 대책(중기부)｣을 논의하였다.</p>
<p>□ 국토부는 2026년 말까지 청년 임대주택 5만 호를 공급한다.</p></div>
<footer>저작권</footer></body></html>"""


def test_import_html_from_stdin_keeps_the_source_link(db: Path, tmp_path: Path) -> None:
    page = tmp_path / "release.html"
    page.write_text(HTML_RELEASE, encoding="utf-8")
    parsed = agendabot("parse", str(page), "--json", db=db)
    assert parsed.returncode == 0, parsed.stderr
    data = json.loads(parsed.stdout)
    assert [(a["title"], a["decision"], a["lead_ministry"]) for a in data["agenda"]] == [
        ("청년 주거 지원 방안", "논의", "국토교통부"),
        ("소상공인 & 골목상권 대책", "논의", "중소벤처기업부"),
    ]
    assert data["meeting"]["url"].endswith("newsId=156000001")
    assert "확인 필요" in parsed.stderr  # the parser says what it inferred
    imported = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), "import", "-"],
        input=HTML_RELEASE,
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "AGENDABOT_NOW": "2026-11-25T10:00:00+09:00"},
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    meetings = agendabot("ask", "/meetings", db=db)
    assert "원문: 정책브리핑 보도자료" in meetings.stdout
    assert "newsId=156000001" in meetings.stdout
    item = agendabot("ask", "/agenda 2.1", db=db)
    assert "원문" in item.stdout and "newsId=156000001" in item.stdout


YEARLESS_RELEASE = (
    "□ 정부는 3월 5일(수) 정부서울청사에서 경제관계장관회의를 개최하였다.\n"
    "<안건 1> 「청년 주거 지원 방안」\n"
    "「청년 주거 지원 방안」이 논의되었다. 국토교통부는 청년 임대주택을 공급할 계획이다.\n"
)


def test_parse_and_import_date_a_yearless_release_by_the_pinned_clock(
    db: Path, tmp_path: Path
) -> None:
    """Wednesday 5 March: 2025 for a clock in late 2026, 2031 for one pinned in June 2031."""
    release = tmp_path / "yearless.txt"
    release.write_text(YEARLESS_RELEASE, encoding="utf-8")
    pinned = {"AGENDABOT_NOW": "2031-06-01T10:00:00+09:00"}
    parsed = agendabot("parse", str(release), "--json", db=db, env=pinned)
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout)["meeting"]["date"] == "2031-03-05"
    assert "연도" in parsed.stderr  # the inferred year is flagged for checking
    default = agendabot("parse", str(release), "--json", db=db)  # pinned to 2026-11-25
    assert json.loads(default.stdout)["meeting"]["date"] == "2025-03-05"
    imported = agendabot("import", str(release), "--now", "2031-06-01T10:00:00+09:00", db=db)
    assert imported.returncode == 0, imported.stderr
    assert "(2031-03-05)" in imported.stdout


def test_release_without_agenda_is_refused_with_the_reason(db: Path, tmp_path: Path) -> None:
    stub = tmp_path / "stub.txt"
    stub.write_text(
        "경제관계장관회의 개최\n\n□ 부총리는 2.17(월) 경제관계장관회의를 주재하였음\n\n"
        "※ 자세한 내용은 첨부자료를 참고하시기 바랍니다.\n",
        encoding="utf-8",
    )
    out = agendabot("import", str(stub), db=db)
    assert out.returncode == 2
    assert "첨부" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    pdf_hint = agendabot("import", str(tmp_path / "release.hwp"), db=db)
    assert pdf_hint.returncode == 2 and "\n" not in pdf_hint.stderr.strip()


def test_subscribe_options_are_recognised_by_kind(db: Path) -> None:
    before = db.read_bytes()
    for option, value, line in [
        ("--day", "xyz", "요일을 알 수 없습니다: xyz (사용법: agendabot subscribe"),
        ("--time", "25시", "시각을 알 수 없습니다: 25시 (사용법: agendabot subscribe"),
        ("--tz", "Mars/Olympus", "시간대를 알 수 없습니다: Mars/Olympus (사용법: agendabot"),
    ]:
        out = agendabot("subscribe", "telegram:-100123", option, value, db=db)
        assert out.returncode == 2, out.stderr
        assert out.stderr.strip().startswith(f"agendabot: {line}"), out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and not out.stdout
    assert db.read_bytes() == before
    ok = agendabot("subscribe", "telegram:-100123", "--day", "목요일", "--time", "오후 5시", db=db)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "telegram:-100123" in (listed := agendabot("subscriptions", db=db).stdout)
    assert "목 17:00" in listed
