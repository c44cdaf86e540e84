"""The spreadsheet export (bot/spreadsheet.py): the workbook read back with openpyxl, the CSV
files with the csv module, the ministry filter, and `agendabot export --xlsx/--csv`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from bot import cli, spreadsheet
from bot.commands import Context
from bot.errors import NotFound
from bot.store import Store
from tests.conftest import NOW

DEFAULT_WIDTH = 8.43  # Excel's column width when none is set


@pytest.fixture
def ctx_with_followups(ctx: Context, store: Store) -> Context:
    store.ensure_milestone_ids()
    store.add_followup(item=(1, 6), text="중소기업 인공 지능 교육 과정 개설 점검",
                       owner="중소벤처기업부", due=dt.date(2026, 12, 15), by="t")  # fmt: skip
    store.add_followup(item=(1, 3), text="=HYPERLINK(\"http://evil\")", owner="산업통상부",
                       due=dt.date(2027, 1, 5), by="t")  # fmt: skip
    store.update_followup("F2", {"status": "cancelled"}, by="t")
    return ctx


def book(ctx: Context, ministry: str | None = None) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(spreadsheet.workbook(ctx, ministry)))


def sheet(workbook: openpyxl.Workbook, name: str) -> Worksheet:
    found = workbook[name]
    assert isinstance(found, Worksheet)
    return found


def test_workbook_has_the_three_sheets_with_styled_frozen_filtered_headers(
    ctx_with_followups: Context, store: Store
) -> None:
    workbook = book(ctx_with_followups)
    assert workbook.sheetnames == ["안건", "일정", "후속조치"]
    items = sheet(workbook, "안건")
    header = [c.value for c in items[1]]
    assert header == list(spreadsheet.ITEM_HEADERS)
    assert all(c.font.b and c.fill.fill_type == "solid" for c in items[1])
    assert items.freeze_panes == "A2"
    assert items.auto_filter.ref == f"A1:J{len(store.items()) + 1}"
    assert items.max_row == len(store.items()) + 1
    followups = sheet(workbook, "후속조치")
    assert followups.auto_filter.ref == "A1:K3" and followups.freeze_panes == "A2"
    assert [c.value for c in followups[1]] == list(spreadsheet.FOLLOWUP_HEADERS)


def test_dates_are_real_dates_with_a_date_format(ctx_with_followups: Context) -> None:
    workbook = book(ctx_with_followups)
    due = sheet(workbook, "후속조치")["F2"]
    assert due.is_date and due.value == dt.datetime(2026, 12, 15)
    assert due.number_format == spreadsheet.DATE_FORMAT
    created = sheet(workbook, "후속조치")["J2"]  # 2026-11-25T10:00+09:00, the pinned clock
    assert created.is_date and created.value == dt.datetime(2026, 11, 25, 10, 0)
    milestone = sheet(workbook, "일정")["D2"]
    assert milestone.is_date and milestone.number_format == spreadsheet.DATE_FORMAT


def test_columns_fit_their_content(ctx_with_followups: Context) -> None:
    items = sheet(book(ctx_with_followups), "안건")

    def width(column: str) -> float:
        return float(items.column_dimensions[column].width)

    # 제목 (E): long Korean titles, counted two per character, up to the cap.
    assert width("E") > 2 * DEFAULT_WIDTH
    assert width("E") <= spreadsheet.MAX_WIDTH + 1
    assert width("C") > width("B")  # a meeting's name is wider than its number
    assert width("B") > DEFAULT_WIDTH - 1  # never narrower than the header (회의 번호)


def test_formula_like_text_stays_text(ctx_with_followups: Context) -> None:
    cell = sheet(book(ctx_with_followups), "후속조치")["D3"]
    assert cell.value == '=HYPERLINK("http://evil")' and cell.data_type == "s"
    rows = rows_of(spreadsheet.csv_files(ctx_with_followups)["후속조치.csv"])
    assert rows[2][3] == '\'=HYPERLINK("http://evil")'


def rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the UTF-8 BOM: Excel reads the Korean right
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_files_start_with_a_bom_and_round_trip(
    ctx_with_followups: Context, store: Store
) -> None:
    files = spreadsheet.csv_files(ctx_with_followups)
    assert set(files) == {"안건.csv", "일정.csv", "후속조치.csv"}
    items = rows_of(files["안건.csv"])
    assert items[0] == list(spreadsheet.ITEM_HEADERS)
    assert [r[0] for r in items[1:]] == [i.ref for i in store.items()]
    assert items[3][4] == store.item(1, 3).title and items[3][3] == "2025-11-24"
    followups = rows_of(files["후속조치.csv"])
    assert followups[1][:7] == ["F1", "1.6", "중소기업 인공 지능 활용·확산 지원방안",
                                "중소기업 인공 지능 교육 과정 개설 점검", "중소벤처기업부",
                                "2026-12-15", "진행"]  # fmt: skip
    assert followups[2][6] == "취소"  # every status is exported
    milestones = rows_of(files["일정.csv"])
    assert len(milestones) - 1 == sum(len(i.milestones) for i in store.items())


def test_a_ministry_keeps_its_items_milestones_and_followups(
    ctx_with_followups: Context, store: Store
) -> None:
    files = spreadsheet.csv_files(ctx_with_followups, "중기부")
    items = rows_of(files["안건.csv"])[1:]
    assert [r[0] for r in items] == ["1.6"]
    assert [r[0] for r in rows_of(files["후속조치.csv"])[1:]] == ["F1"]
    science = rows_of(spreadsheet.csv_files(ctx_with_followups, "과학기술정보통신부")["일정.csv"])[
        1:
    ]
    wanted = [
        m.id for i in store.items() if "과학기술정보통신부" in i.ministries for m in i.milestones
    ]
    assert [r[0] for r in science] == wanted and wanted
    assert sheet(book(ctx_with_followups, "중기부"), "안건").max_row == 2
    with pytest.raises(NotFound, match="알 수 없는 부처"):
        spreadsheet.workbook(ctx_with_followups, "없는부")


def run(*args: str) -> int:
    return cli.main(list(args))


def test_cli_export_spreadsheets_and_exit_codes(
    tmp_path: Path, seed_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "db.json"
    shutil.copy(seed_db, db)
    common = ("--db", str(db), "--now", NOW)
    xlsx, folder = tmp_path / "out.xlsx", tmp_path / "csv"
    assert run(*common, "export", "--xlsx", str(xlsx), "--csv", str(folder)) == 0
    assert openpyxl.load_workbook(xlsx).sheetnames == ["안건", "일정", "후속조치"]
    assert sorted(p.name for p in folder.iterdir()) == ["안건.csv", "일정.csv", "후속조치.csv"]
    assert run(*common, "export", "--csv", str(tmp_path / "c2"), "--ministry", "중기부") == 0
    assert len(rows_of((tmp_path / "c2" / "안건.csv").read_bytes())) == 2
    capsys.readouterr()
    assert run(*common, "export") == 2  # neither a meeting nor a spreadsheet
    assert "회의 번호" in capsys.readouterr().err
    assert run(*common, "export", "1", "--xlsx", str(xlsx)) == 2
    assert run(*common, "export", "1", "--ministry", "중기부") == 2
    assert run(*common, "export", "--xlsx", str(xlsx), "--ministry", "없는부") == 2
    assert "알 수 없는 부처" in capsys.readouterr().err
    assert run(*common, "export", "1") == 0  # the meeting as JSON, as before
    assert '"meeting"' in capsys.readouterr().out
