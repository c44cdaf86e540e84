"""/export: the spreadsheet (`bot/spreadsheet.py`) as a file in chat, for an admin, in a
private chat only.

The workbook holds every follow-up of every status, with notes and who created it: more than
a group should see at once, so it goes to an admin in a private chat (as /web's address does).
The files travel as `Reply.attachments`; each adapter sends them after the answer's line.

CSV comes as three files rather than one zip: each opens in Excel or on a phone with one
tap, and a zip of Korean file names still shows garbled names in some Windows unzip tools.
"""

from __future__ import annotations

from bot import spreadsheet
from bot.commands.base import Call, command
from bot.errors import Forbidden
from bot.reply import Attachment, Reply, error, size_text

USAGE = "/export [xlsx|csv] [부처]  (예: /export, /export csv 중기부)"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
FORMATS = {"xlsx": "xlsx", "excel": "xlsx", "엑셀": "xlsx", "csv": "csv"}
# Telegram bots may send 50 MB, Slack takes 1 GB; far below both, and a file a phone opens.
SIZE_LIMIT = 20 * 1024 * 1024
GROUP = (
    "내보낸 파일에는 모든 후속조치와 메모가 들어 있어 단체 대화방에는 보내지 않습니다. "
    "봇과의 개인 대화(DM)에서 /export 를 보내세요."
)


@command(
    "export",
    usage=USAGE,
    summary="안건·일정·후속조치를 엑셀(CSV) 파일로 받기 (관리자, 개인 대화)",
    examples=("/export", "/export csv", "/export 중기부"),
    admin=True,
)
def export(call: Call) -> Reply:
    """안건, 일정, 후속조치(완료·취소 포함)를 엑셀 파일 하나(시트 안건·일정·후속조치)로
    보냅니다. csv 를 붙이면 같은 세 표를 CSV 파일 세 개로 보냅니다(UTF-8, 엑셀에서 바로 열림).
    부처를 붙이면 그 부처가 주관·참여하는 안건과 그 일정, 그 부처가 맡은 후속조치만 담습니다.
    모든 후속조치가 들어 있어 관리자에게, 개인 대화에서만 보냅니다. 콘솔과 agendabot ask 는
    파일 이름과 크기만 보여 줍니다(파일은 agendabot export --xlsx 파일명 으로 만드세요)."""
    call.require_admin()
    if not call.req.is_private:
        raise Forbidden(GROUP, USAGE)
    kind, words = _format(call.args)
    found = call.ministry(" ".join(words)) if words else None
    ministry = found.name if found else None
    files = _files(call, kind, ministry)
    total = sum(len(f.data) for f in files)
    if total > SIZE_LIMIT:
        return error(
            f"파일이 너무 큽니다({total / (1024 * 1024):.1f} MB, 한도 {SIZE_LIMIT // (1024 * 1024)} MB)."
            " 부처를 지정해 나눠 받거나 서버에서 agendabot export --xlsx 파일명 으로 만드세요."
        )
    return Reply(title=_title(ministry, kind, files), attachments=files)


def _title(ministry: str | None, kind: str, files: tuple[Attachment, ...]) -> str:
    """One line: what the files hold and their size (chats show each file's name with it,
    the console lists them under it)."""
    which = f"{ministry}의 " if ministry else "전체 "
    what = "엑셀 파일" if kind == "xlsx" else f"CSV 파일 {len(files)}개"
    size = size_text(sum(len(f.data) for f in files))
    return f"📎 {which}안건·일정·후속조치를 {what}로 보냅니다({size})."


def _format(args: list[str]) -> tuple[str, list[str]]:
    """The file format named first or last (xlsx when none), and the other words."""
    if args and args[0].lower() in FORMATS:
        return FORMATS[args[0].lower()], args[1:]
    if args and args[-1].lower() in FORMATS:
        return FORMATS[args[-1].lower()], args[:-1]
    return "xlsx", args


def _files(call: Call, kind: str, ministry: str | None) -> tuple[Attachment, ...]:
    """The workbook, or the three CSV files, named by ministry and today's date."""
    suffix = "-".join(p for p in (ministry, call.ctx.today().isoformat()) if p)
    if kind == "xlsx":
        data = spreadsheet.workbook(call.ctx, ministry)
        return (Attachment(f"안건-{suffix}.xlsx", data, XLSX_MIME),)
    return tuple(
        Attachment(f"{name.removesuffix('.csv')}-{suffix}.csv", data, CSV_MIME)
        for name, data in spreadsheet.csv_files(call.ctx, ministry).items()
    )
