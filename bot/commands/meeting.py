"""/meeting add|edit|remove: an admin puts a meeting right by hand."""

from __future__ import annotations

import re

from bot import dates
from bot.commands.base import Call, command, parse_int
from bot.commands.editing import arguments, changed_lines, read_changes, split_fields
from bot.commands.naming import meeting_name
from bot.reply import Button, Line, Reply, Section, kdate
from bot.store import MEETING_FIELDS
from bot.words import with_particle

USAGE = (
    "/meeting add 제목 날짜 | /meeting edit 회의번호 title=… date=… chair=… venue=… "
    "ordinal=… url=… | /meeting remove 회의번호"
)
CONFIRM = "확인"
_ORDINAL = re.compile(r"제\s*(\d{1,4})\s*회")


def usage_reply(call: Call) -> Reply:
    """The command's usage and examples, for the command typed alone."""
    cmd = call.command
    return Reply(
        title=f"/{cmd.name} — {cmd.summary}",
        sections=(
            Section(heading="사용법", paragraph=cmd.usage),
            Section(heading="예", lines=tuple(Line(e) for e in cmd.examples)),
        ),
    )


def _writes(args: list[str]) -> bool:
    if not args:
        return False
    if args[0] == "remove":
        return CONFIRM in args[1:]
    return args[0] in ("add", "edit")


@command(
    "meeting",
    usage=USAGE,
    summary="회의 추가·수정·삭제 (관리자)",
    examples=(
        "/meeting add 제5회 국가정책조정회의 2026-01-15",
        '/meeting edit 2 title="제5회 국가정책조정회의" chair=국무총리',
        "/meeting remove 2",
    ),
    admin=True,
    writes=_writes,
)
def meeting(call: Call) -> Reply:
    """보도자료 없이 회의를 추가하거나(제목과 날짜), 회의의 제목(제목=), 날짜(날짜=), 주재(주재=),
    장소(장소=), 회차(회차=), 원문 주소(url=)를 고치거나, 회의를 삭제합니다. 삭제는 확인 단추를
    눌러야(또는 `/meeting remove N 확인`) 실행되며, 진행 중인 후속조치가 있는 회의는 삭제할 수
    없습니다(완료·취소된 후속조치는 회의와 함께 지워집니다). 모든 변경은 기록되고 /undo 로
    되돌릴 수 있습니다. 띄어쓰기가 있는 값은 따옴표로 감쌉니다."""
    call.require_admin()
    args = arguments(call)
    if not args:
        return usage_reply(call)
    if args[0] not in ("add", "edit", "remove"):
        raise call.usage_error("add, edit, remove 중 하나를 입력하세요.")
    return {"add": _add, "edit": _edit, "remove": _remove}[args[0]](call, args[1:])


def _add(call: Call, args: list[str]) -> Reply:
    plain, pairs = split_fields(call, args, ("chair",))
    today = call.ctx.today()
    # The date is the last word(s), the title before: the longest tail that is a date.
    found = next(
        (
            (n, day)
            for n in range(max(1, len(plain) - 4), len(plain))
            if (day := dates.read_due(" ".join(plain[n:]), today)) is not None
        ),
        None,
    )
    if found is None:
        raise call.usage_error("회의 제목과 날짜(예: 2026-01-15)를 입력하세요.")
    n, day = found
    title = " ".join(plain[:n])
    m = _ORDINAL.search(title)
    chair = pairs.get("chair") or None
    added = call.ctx.store.add_meeting(
        title, day, by=call.by, ordinal=int(m[1]) if m else None, chair=chair
    )
    return Reply(
        title=f"{with_particle(meeting_name(added), '을/를')} 추가했습니다.",
        sections=(Section(lines=(Line(label="날짜", text=kdate(added.date)),)),),
        footer=f"안건 추가: /agenda add {added.number} 「제목」 · 되돌리기: /undo",
    )


def _number(call: Call, args: list[str]) -> int:
    if not args:
        raise call.usage_error("회의 번호를 입력하세요 (/meetings 참고).")
    return parse_int(args[0], "회의 번호", USAGE)


def _edit(call: Call, args: list[str]) -> Reply:
    number = _number(call, args)
    plain, pairs = split_fields(call, args[1:], MEETING_FIELDS)
    if plain:
        raise call.usage_error(f"값은 name=값 으로 입력하세요: {plain[0][:20]}")
    changes = read_changes(call, pairs)
    store = call.ctx.store
    before = store.meeting(number)
    after = store.edit_meeting(number, changes, by=call.by)
    lines = changed_lines(before, after, changes)
    return Reply(
        title=f"{with_particle(meeting_name(after), '을/를')} 고쳤습니다."
        if lines
        else "바뀐 것이 없습니다.",
        sections=(Section(lines=lines),) if lines else (),
        footer="되돌리기: /undo",
    )


def _remove(call: Call, args: list[str]) -> Reply:
    number = _number(call, args)
    extra = args[1:]
    if extra and extra != [CONFIRM]:
        raise call.usage_error(f"삭제하려면 '/meeting remove {number} {CONFIRM}' 을 입력하세요.")
    store = call.ctx.store
    found = store.meeting(number)
    if not extra:
        items = len(store.items(number))
        return Reply(
            title=f"{with_particle(meeting_name(found), '와/과')} 안건 {items}건을 삭제할까요?",
            footer=f"삭제하려면 단추를 누르거나 /meeting remove {number} {CONFIRM} 을 입력하세요.",
            buttons=(Button("삭제 확인", f"/meeting remove {number} {CONFIRM}", action=True),),
        )
    store.remove_meeting(number, by=call.by)
    return Reply(
        title=f"{with_particle(meeting_name(found), '을/를')} 삭제했습니다.",
        footer="되돌리기: /undo",
    )
