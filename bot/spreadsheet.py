"""The agenda items, their milestones and the follow-ups as a spreadsheet, for the people who
work in Excel: one workbook (openpyxl) with the sheets 안건, 일정 and 후속조치, or the same three
tables as CSV files. `agendabot export --xlsx FILE | --csv DIR`; `workbook` and `csv_files`
return the bytes, so a chat command can send them as files.

Everything is exported, of every status (a follow-up done or cancelled too); with a ministry,
the items it leads or joins, their milestones, and the follow-ups it owns, under every name it
had, as `/ministry` and the calendar feeds choose them.

A cell that starts like a formula (`=`, `+`, `-`, `@`) is text the users typed, never a
formula: the workbook stores it as a string, and a CSV cell gets a leading apostrophe (as
OWASP advises against CSV injection), which Excel shows without it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot import ministries
from bot.errors import UnknownMinistry
from bot.model import MILESTONE_STATUS_KO, STATUS_KO, AgendaItem, FollowUp, Meeting

if TYPE_CHECKING:  # bot.commands imports the commands, which may import this module
    from bot.commands.base import Context

SHEETS = ("안건", "일정", "후속조치")
CSV_NAMES = {name: f"{name}.csv" for name in SHEETS}
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with this
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
MIN_WIDTH, MAX_WIDTH = 6, 60  # columns, in characters (a Korean character counts as two)
WIDTH_SAMPLE = 2000  # rows looked at to fit a column: enough to find its usual longest value
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

PRECISION_KO = {"day": "일", "month": "월", "quarter": "분기", "half": "반기", "year": "연"}
KIND_KO = {"deadline": "마감", "start": "시작", "event": "행사"}


@dataclass(frozen=True)
class Table:
    """One sheet: its header row and its rows (dates as `date`, times as naive local
    `datetime`)."""

    name: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def tables(ctx: Context, ministry: str | None = None) -> list[Table]:
    """The three tables, of everything or of one ministry.

    Raises:
        UnknownMinistry: the ministry is unknown (a NotFound: one Korean line, with close
            names).
    """
    names = _names(ministry, ctx.today())
    store = ctx.store
    meetings = {m.number: m for m in store.meetings()}
    items = [i for i in store.items() if names is None or _involves(i, names)]
    titles = {(i.meeting, i.number): i.title for i in store.items()}
    followups = store.followups(status=None, owners=names)
    zone = ctx.settings.zone
    return [
        Table("안건", ITEM_HEADERS, [_item_row(i, meetings.get(i.meeting)) for i in items]),
        Table("일정", MILESTONE_HEADERS, [row for i in items for row in _milestone_rows(i)]),
        Table(
            "후속조치",
            FOLLOWUP_HEADERS,
            [_followup_row(f, titles.get((f.meeting, f.item), ""), zone) for f in followups],
        ),
    ]


def workbook(ctx: Context, ministry: str | None = None) -> bytes:
    """The tables as an .xlsx workbook: a bold, filled header row that stays in view, columns
    as wide as their content, real dates, and a filter on every column."""
    book = Workbook(write_only=True)
    for table in tables(ctx, ministry):
        _write_sheet(book.create_sheet(table.name), table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_files(ctx: Context, ministry: str | None = None) -> dict[str, bytes]:
    """The tables as CSV files by file name (안건.csv, 일정.csv, 후속조치.csv): UTF-8 with a
    BOM, so Excel opens the Korean text as it is; dates as 2026-12-31."""
    files = {}
    for table in tables(ctx, ministry):
        out = io.StringIO()
        out.write(BOM)
        writer = csv.writer(out)
        writer.writerow(table.headers)
        writer.writerows([_csv_value(v) for v in row] for row in table.rows)
        files[CSV_NAMES[table.name]] = out.getvalue().encode("utf-8")
    return files


# -- rows -----------------------------------------------------------------------------------

ITEM_HEADERS = (
    "안건", "회의 번호", "회의", "회의 날짜", "제목", "결정", "주관 부처", "참여 부처", "일정 수", "요약",
)  # fmt: skip
MILESTONE_HEADERS = (
    "일정 ID", "안건", "안건 제목", "날짜", "원래 날짜", "상태", "단위", "종류", "원문", "메모",
)  # fmt: skip
FOLLOWUP_HEADERS = (
    "ID", "안건", "안건 제목", "내용", "담당", "기한", "상태", "메모", "만든 사람", "만든 때",
    "고친 때",
)  # fmt: skip


def _item_row(item: AgendaItem, meeting: Meeting | None) -> tuple[Any, ...]:
    others = [n for n in item.ministries if n != item.lead_ministry]
    return (
        item.ref,
        item.meeting,
        meeting.title if meeting else "",
        meeting.date if meeting else None,
        item.title,
        item.decision or "",
        item.lead_ministry or "",
        ", ".join(others),
        len(item.milestones),
        item.summary,
    )


def _milestone_rows(item: AgendaItem) -> Iterable[tuple[Any, ...]]:
    for m in item.milestones:
        yield (
            m.id,
            item.ref,
            item.title,
            m.date,
            m.original_date,
            MILESTONE_STATUS_KO.get(m.status, m.status),
            PRECISION_KO.get(m.precision, m.precision),
            KIND_KO.get(m.kind, m.kind),
            m.text,
            m.note,
        )


def _followup_row(fu: FollowUp, title: str, zone: dt.tzinfo) -> tuple[Any, ...]:
    return (
        fu.id,
        fu.item_ref,
        title,
        fu.text,
        fu.owner,
        fu.due,
        STATUS_KO.get(fu.status, fu.status),
        fu.note,
        fu.created_by,
        _local(fu.created_at, zone),
        _local(fu.updated_at, zone),
    )


def _local(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    """A stored time as the configured zone's wall clock, to the minute (Excel has no zones)."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def _names(ministry: str | None, today: dt.date) -> frozenset[str] | None:
    if ministry is None:
        return None
    found = ministries.resolve(ministry, today)
    if found is None:
        raise UnknownMinistry(ministry[:30], ministries.suggest(ministry, on=today))
    return ministries.lineage(found.name) or frozenset({found.name})


def _involves(item: AgendaItem, names: frozenset[str]) -> bool:
    return item.lead_ministry in names or not names.isdisjoint(item.ministries)


# -- writing --------------------------------------------------------------------------------


def _write_sheet(sheet: Worksheet, table: Table) -> None:
    """Widths, frozen header and filter are set before the rows: a write-only sheet (which
    keeps 100,000 rows out of memory) takes them only then."""
    for n, width in enumerate(_widths(table), start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"
    last = f"{get_column_letter(len(table.headers))}{len(table.rows) + 1}"
    sheet.auto_filter.ref = f"A1:{last}"
    header = []
    for name in table.headers:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])


def _xlsx_cell(sheet: Worksheet, value: Any) -> Any:
    """A date with a date format; text that looks like a formula kept as text."""
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = TIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would store it as a formula
        return cell
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _widths(table: Table) -> list[float]:
    """Each column as wide as its widest value (in the first rows), within bounds; a Korean
    character counts as two, as it shows about twice as wide as a Latin one."""
    widths = [_display_width(h) + 2 for h in table.headers]  # bold, and the filter button
    for row in table.rows[:WIDTH_SAMPLE]:
        for n, value in enumerate(row):
            widths[n] = max(widths[n], _display_width(value))
    return [min(max(w, MIN_WIDTH), MAX_WIDTH) + 1 for w in widths]


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    shown = str(value)
    # A Hangul syllable is 3 bytes in UTF-8 and shows two columns wide; ASCII is 1 and 1.
    return len(shown) + (len(shown.encode()) - len(shown)) // 2
