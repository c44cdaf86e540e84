"""/export through the platform-neutral layer: who gets the spreadsheet, where, in which
format, narrowed to a ministry, and that a reply carrying files is never reused."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from bot import render
from bot.commands import export as export_command
from bot.commands.base import Context
from bot.reply import Attachment, Reply
from tests.conftest import ADMIN_SLACK, ADMIN_TG, Ask


def sheet_rows(data: bytes, sheet: str) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(r) for r in book[sheet].iter_rows(values_only=True)]


def test_an_admin_in_a_private_chat_gets_a_workbook_with_three_sheets(ask: Ask) -> None:
    reply = ask("/export", platform="telegram", user=ADMIN_TG, chat=ADMIN_TG)
    assert not reply.error
    [file] = reply.attachments
    assert file.name == "안건-2026-11-25.xlsx"
    assert file.mime.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(file.data), read_only=True)
    assert book.sheetnames == ["안건", "일정", "후속조치"]
    items = sheet_rows(file.data, "안건")
    assert items[0][0] == "안건" and len(items) == 1 + 10  # header + the seed's ten items
    assert reply.title == "📎 전체 안건·일정·후속조치를 엑셀 파일로 보냅니다(12 KB)."
    assert render.text(reply).endswith(f"[첨부: {file.name} 12 KB]")  # console, agendabot ask


def test_csv_gives_three_utf8_files(ask: Ask) -> None:
    reply = ask("/export csv", platform="slack", user=ADMIN_SLACK, chat="D1")
    names = [a.name for a in reply.attachments]
    assert names == ["안건-2026-11-25.csv", "일정-2026-11-25.csv", "후속조치-2026-11-25.csv"]
    assert "CSV 파일 3개" in reply.title
    rows = list(csv.reader(io.StringIO(reply.attachments[0].data.decode("utf-8-sig"))))
    assert rows[0][0] == "안건" and len(rows) == 11


def test_a_ministry_narrows_the_rows(ask: Ask) -> None:
    whole = ask("/export").attachments[0].data
    reply = ask("/export 중기부")
    [file] = reply.attachments
    assert file.name == "안건-중소벤처기업부-2026-11-25.xlsx"
    assert "중소벤처기업부의" in reply.title
    items = sheet_rows(file.data, "안건")[1:]
    assert 0 < len(items) < len(sheet_rows(whole, "안건")) - 1
    assert all("중소벤처기업부" in f"{row[6]} {row[7]}" for row in items)  # lead or taking part
    # the format word may come first or last
    assert ask("/export 중기부 csv").attachments[0].name == "안건-중소벤처기업부-2026-11-25.csv"


def test_an_unknown_ministry_gets_the_usual_suggestions(ask: Ask) -> None:
    reply = ask("/export 중기청")
    assert reply.error and not reply.attachments
    assert "알 수 없는 부처" in reply.title and "/export" in reply.title


@pytest.mark.parametrize(
    ("user", "private", "needle"),
    [("200", True, "관리자만"), (ADMIN_TG, False, "개인 대화"), ("200", False, "관리자만")],
)
def test_non_admins_and_groups_get_no_file(ask: Ask, user: str, private: bool, needle: str) -> None:
    reply = ask("/export", platform="telegram", user=user, chat="-100500", private=private)
    assert reply.error and not reply.attachments
    assert needle in reply.title


def test_a_reply_with_files_is_never_cached(ctx: Context, ask: Ask) -> None:
    first = ask("/export")
    ctx.store.add_followup(
        item=(1, 3), text="새 점검", owner="산업통상부", due=dt.date(2026, 12, 15), by="t"
    )
    second = ask("/export")
    assert len(sheet_rows(second.attachments[0].data, "후속조치")) == (
        len(sheet_rows(first.attachments[0].data, "후속조치")) + 1
    )
    again = ask("/export")
    assert again.attachments[0].data is not second.attachments[0].data  # built anew each time
    assert not any(r.attachments for r in ctx.replies.values())


def test_too_big_a_file_is_refused(ask: Ask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_command, "SIZE_LIMIT", 100)
    reply = ask("/export")
    assert reply.error and not reply.attachments and "너무 큽니다" in reply.title


def test_text_names_the_files_and_chat_renderings_leave_them_out() -> None:
    files = (Attachment("안건.xlsx", b"x" * 12_000), Attachment("큰.csv", b"y" * 3_500_000))
    reply = Reply(title="보냅니다", attachments=files)
    assert render.text(reply).splitlines()[-2:] == [
        "[첨부: 안건.xlsx 12 KB]",
        "[첨부: 큰.csv 3.3 MB]",
    ]
    assert render.telegram(reply) == render.telegram(Reply(title="보냅니다"))
    assert render.slack(reply) == render.slack(Reply(title="보냅니다"))
    assert "xxxx" not in repr(reply)
