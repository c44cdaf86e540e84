"""The `agendabot` command line: the one place where errors become exit codes.

Exit codes: 0 done; 1 the bot command was refused or invalid (its one-line reason printed);
2 the command line itself was wrong, or an input file (or the database file) could not be used.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import json
import logging
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from bot import logs, render, words
from bot.adapters import console
from bot.chats import ChatKey
from bot.commands import Context
from bot.config import Settings, settings_help
from bot.errors import AgendabotError, UsageError
from bot.importer import ensure_seeded, import_file, read_release
from bot.model import WEEKDAYS_KO
from bot.reply import Reply
from bot.store import CorruptStore, Store

log = logging.getLogger(__name__)
T = TypeVar("T")

TOUR = (
    "/help",
    "/meetings",
    "/agenda",
    "/agenda 3",
    "/agenda 1",
    "/ministry 중기부",
    "/milestones 400",
    "/search 보이스피싱을",
    "/followup add 1 2026-12-15 과기정통부 민생 10대 과제 데이터 구축 점검",
    "/followup",
    "/subscribe 월 09:00",
    "/digest",
    "/agenda 99",
    "/ministry 중기청",
)


# What `digest --send-due` says about each outcome the outbox reports.
OUTCOMES = {
    "sent": "보냄",
    "unconfirmed": "보냈으나 도착 확인 못 함(다시 보내지 않음)",
    "skipped": "보낼 내용 없음",
    "already": "이미 보냄",
    "paused": "일시중지(봇 차단·채널 없음)",
    "failed": "실패(다음 주기에 다시 시도)",
    "no-sender": "보낼 수 없음(해당 플랫폼 토큰 미설정)",
}


class CliError(Exception):
    """Misuse of the command line: exit 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _logging(args)
    if not getattr(args, "func", None):
        args.func = _console
    try:
        return int(args.func(args) or 0)
    except (AgendabotError, CliError) as e:
        message = e.line() if isinstance(e, AgendabotError) else str(e)
        print(f"agendabot: {message}", file=sys.stderr)
        return 2
    except CorruptStore as e:
        print(f"agendabot: 데이터베이스 파일을 읽을 수 없습니다(JSON 오류): {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"agendabot: 파일을 다룰 수 없습니다: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug: one line for the user, the traceback only in the log
        if args.verbose:
            log.error("unexpected error", exc_info=True)
        hint = "" if args.verbose else " (자세한 내용: -v 를 붙여 다시 실행)"
        print(f"agendabot: 예상하지 못한 오류: {logs.REDACT(_describe(e))}{hint}", file=sys.stderr)
        return 1


def _describe(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def _logging(args: argparse.Namespace) -> None:
    """One redacting handler for everything, before any command runs: a secret from the
    environment or the config file is cut from every line, tracebacks included."""
    try:
        settings: Settings | None = _settings(args)
    except AgendabotError:
        settings = None  # the command itself reports the bad setting
    service = getattr(args, "func", None) is _run  # a service logs what it does; a command not
    logs.configure(
        logging.INFO if args.verbose or service else logging.WARNING,
        settings.log_format if settings else "text",
        logs.secrets_of(settings) if settings else (),
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="agendabot",
        description="정부 회의 안건과 후속조치를 추적하는 봇 (텔레그램·슬랙·콘솔)",
    )
    _common(p)
    # The same options after the command too (`agendabot digest --preview X --now T`); there
    # they default to "not given", so they never undo one given before the command.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    _common(common)
    sub = p.add_subparsers(metavar="COMMAND")
    add = functools.partial(sub.add_parser, parents=[common])
    _bot_commands(add)
    _release_commands(add)
    _service_commands(add)
    _admin_commands(add)
    _maintenance_commands(add)
    return p


# Adds one subcommand: `sub.add_parser` with the common options.
_Add = Callable[..., argparse.ArgumentParser]


def _bot_commands(add: _Add) -> None:
    """The bot on this machine: the console, one command, the tour."""
    c = add("console", help="interactive console on the local database")
    c.set_defaults(func=_console)

    c = add("ask", help='answer one bot command, e.g. agendabot ask "/agenda 3"')
    c.add_argument("text", nargs="+", help="the command, e.g. /agenda 3")
    c.set_defaults(func=_ask)

    c = add("tour", help="a scripted tour of the bot on a fresh copy of the bundled data")
    c.add_argument("--keep", action="store_true", help="use --db instead of a temporary copy")
    c.set_defaults(func=_tour)


def _release_commands(add: _Add) -> None:
    """Press releases: parse one, or import it into the database."""
    c = add("parse", help="parse a press release and print what was found")
    _release_arguments(c)
    c.add_argument("--json", action="store_true", help="print JSON (default: a short summary)")
    c.set_defaults(func=_parse)

    c = add("import", help="store a press release, or a meeting as JSON/YAML (from export)")
    _release_arguments(c, "a press release as for parse, or a meeting as .json, .yaml or .yml")
    c.set_defaults(func=_import)

    c = add(
        "export",
        help="print or write a stored meeting as JSON or YAML (import reads it), or every "
        "item, milestone and follow-up as a spreadsheet (--xlsx, --csv)",
    )
    c.add_argument(
        "meeting", type=_meeting_arg, metavar="MEETING", nargs="?", help="the meeting's number"
    )
    c.add_argument("--format", choices=("json", "yaml"), help="default: -o's suffix, else json")
    c.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")
    c.add_argument("--xlsx", type=Path, metavar="FILE", help="sheets 안건, 일정, 후속조치 as .xlsx")
    c.add_argument("--csv", type=Path, metavar="DIR", help="the same as three CSV files here")
    c.add_argument("--ministry", metavar="NAME", help="with --xlsx/--csv: one ministry's rows")
    c.set_defaults(func=_export)

    c = add("ics", help="write the calendar feed (iCalendar) of everything or of one ministry")
    c.add_argument("--ministry", metavar="NAME", help="one ministry's feed, e.g. 중기부")
    c.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")
    c.set_defaults(func=_ics)


def _release_arguments(
    c: argparse.ArgumentParser,
    what: str = "a .txt, .html, .pdf or .hwpx press release, or - for standard input",
) -> None:
    c.add_argument("file", help=what)
    c.add_argument("--date", type=_date_arg, help="meeting date when the text lacks it")
    c.add_argument("--url", help="the release's 정책브리핑 URL, kept as its source")


def _service_commands(add: _Add) -> None:
    """The running bot and its weekly digests."""
    c = add(
        "run",
        help="start the configured chat adapters and the digest scheduler",
        description="Start the configured chat adapters, the digest scheduler and the HTTP "
        "server (/healthz, /metrics); exit 3 when every adapter is down for good.",
        epilog=settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.set_defaults(func=_run)

    c = add("digest", help="preview, send or archive weekly digests")
    g = c.add_mutually_exclusive_group(required=True)
    g.add_argument("--preview", metavar="PLATFORM:CHAT", help="print that chat's digest")
    g.add_argument("--send-due", action="store_true", help="run one scheduler tick")
    g.add_argument("--html", type=Path, metavar="FILE", help="write a digest as an HTML page")
    c.add_argument("--chat", metavar="PLATFORM:CHAT", help="with --html: whose digest")
    c.set_defaults(func=_digest)

    c = add("doctor", help="check the settings, the database and each token; exit 1 on a problem")
    c.set_defaults(func=_doctor)

    c = add(
        "watch",
        help="one pass of the 정책브리핑 watcher: propose the new meeting releases in the admin "
        "chat (or, with AGENDABOT_WATCH_AUTO=on, store them)",
    )
    c.add_argument(
        "--dry-run", action="store_true", help="print what it would propose; change nothing"
    )
    c.add_argument("--since", type=_date_arg, metavar="YYYY-MM-DD", help="read from this day")
    c.set_defaults(func=_watch)


def _admin_commands(add: _Add) -> None:
    """Admin bot commands run from the shell for a given chat: follow-ups, subscriptions."""
    c = add("followup", help="list, add, close, cancel or edit follow-ups")
    c.add_argument("words", nargs="+", help='e.g. add 3 2026-12-15 과기정통부 "데이터 구축 점검"')
    c.set_defaults(func=lambda a: _mirror(a, "/followup " + " ".join(a.words)))

    c = add("subscribe", help="subscribe a chat to the weekly digest")
    c.add_argument("chat", metavar="PLATFORM:CHAT_ID")
    c.add_argument("--day", default="mon", help="mon … sun, or 월 … 일")
    c.add_argument("--time", default="09:00", help="09:00, 9시 30분, '오후 5시' …")
    c.add_argument("--tz", default=None)
    c.add_argument("--ministry", action="append", default=[])
    c.add_argument("--on-holidays", action="store_true", help="send on public holidays too")
    c.set_defaults(func=_subscribe)

    c = add("unsubscribe", help="stop a chat's weekly digest")
    c.add_argument("chat", metavar="PLATFORM:CHAT_ID")
    c.set_defaults(func=lambda a: _mirror(a, "/unsubscribe", chat=a.chat))

    c = add("subscriptions", help="list subscriptions")
    c.set_defaults(func=lambda a: _mirror(a, "/subscriptions"))

    # The edit commands, as in chat; words keep their quoting (`title="두 단어"`).
    for name, example in EDIT_MIRRORS.items():
        c = add(name, help=f"/{name} from the shell, e.g. agendabot {name} {example}")
        c.add_argument("words", nargs="*")
        c.set_defaults(func=functools.partial(_mirror_words, name))


def _maintenance_commands(add: _Add) -> None:
    """The database file itself: backups, restore, repair (`bot/backup.py`)."""
    c = add("backup", help="copy the database (safe while the bot runs), by default to backups/")
    c.add_argument("file", nargs="?", type=Path, help="where to write it (a file or a folder)")
    c.set_defaults(func=_backup)

    c = add("restore", help="replace the database with a backup, keeping the current data")
    c.add_argument("file", type=Path, help="a backup written by agendabot backup")
    c.set_defaults(func=_restore)

    c = add("repair", help="move a corrupt database aside and show or restore the backups")
    c.add_argument("--from-backup", action="store_true", help="restore the newest backup")
    c.set_defaults(func=_repair)


def _backup(args: argparse.Namespace) -> int:
    from bot import backup

    settings = _settings(args)
    path = backup.take(Store(settings.db_path), args.file, now=settings.clock())
    print(f"데이터베이스를 백업했습니다: {path}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from bot import backup

    settings = _settings(args)
    before = backup.restore(Store(settings.db_path), args.file, now=settings.clock())
    kept = f" 바꾸기 전 데이터는 {before} 에 두었습니다." if before else ""
    print(f"{args.file} 에서 데이터베이스를 되살렸습니다.{kept}")
    return 0


def _repair(args: argparse.Namespace) -> int:
    from bot import backup

    settings = _settings(args)
    done = backup.repair(
        Store(settings.db_path), now=settings.clock(), from_backup=args.from_backup
    )
    if done.state == "ok":
        hint = " 백업으로 바꾸려면: agendabot restore 파일" if args.from_backup else ""
        print(f"데이터베이스에 이상이 없습니다: {settings.db_path}{hint}")
        return 0
    said = f"손상된 데이터베이스를 {done.moved} 로 옮겼습니다. " if done.moved else ""
    if done.restored:
        print(f"{said}{done.restored} 에서 되살렸습니다.")
        return 0
    if args.from_backup:
        raise CliError(
            f"{said}되살릴 수 있는 백업이 없습니다: {backup.folder_of(settings.db_path)}"
        )
    if not done.backups:
        print(f"{said}백업이 없습니다. 다음 실행 때 빈 데이터베이스로 시작합니다.")
        return 0
    print(
        f"{said}백업 {len(done.backups)}개(최근 것부터). 가장 최근 것으로: agendabot repair --from-backup"
    )
    for path in done.backups:
        print(f"  {path}")
    return 0


EDIT_MIRRORS = {
    "meeting": "add 제5회 국가정책조정회의 2026-01-15",
    "agenda": "edit 1.3 decision=보고",
    "milestone": "done M7 완료 보고",
    "history": "1.3",
    "undo": "",
    "admin": "add 12345",
}


def _mirror_words(name: str, args: argparse.Namespace) -> int:
    """The shell already split the words: quote each again, except a 「title」 the command
    reads whole by itself."""
    words = [w if _TITLE.fullmatch(w) else shlex.quote(w) for w in args.words]
    return _mirror(args, f"/{name} {' '.join(words)}".strip())


_TITLE = re.compile(r"「[^」]*」")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, help="database file (default: AGENDABOT_DB or user data dir)")
    p.add_argument("--config", type=Path, help="optional TOML configuration file")
    p.add_argument("--now", help="pin the clock (ISO 8601), like AGENDABOT_NOW")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")


def _meeting_arg(value: str) -> int:
    if not value.isdecimal() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"회의 번호는 1 이상의 숫자입니다: {value}")
    return int(value)


def _date_arg(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"날짜는 YYYY-MM-DD 형식입니다: {value}") from None


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load({"db_path": args.db, "now": args.now}, toml_path=args.config)


def _context(args: argparse.Namespace, seed: bool = True, isolated: bool = False) -> Context:
    settings = _settings(args)
    store = Store(settings.db_path, clock=settings.clock)
    if seed:
        ensure_seeded(store, settings=settings, isolated=isolated)
    return Context(store, settings)


def _print(reply: Reply) -> int:
    print(render.text(reply))
    if reply.meta.get("fault") == "storage":  # the database file, not the command: exit 2
        print(f"agendabot: {reply.meta.get('detail', '')}", file=sys.stderr)
        return 2
    return 1 if reply.error else 0


def _console(args: argparse.Namespace) -> int:
    ctx = _context(args)
    console.repl(ctx, history=ctx.settings.db_path.with_name("console_history"))
    return 0


def _ask(args: argparse.Namespace) -> int:
    return _print(console.ask(_context(args), " ".join(args.text)))


def _tour(args: argparse.Namespace) -> int:
    """Run the scripted tour; a temporary database keeps the user's own untouched."""
    with tempfile.TemporaryDirectory() as tmp:
        if not args.keep:
            args.db = Path(tmp) / "tour.json"
        ctx = _context(args)
        print(
            f"# agendabot 둘러보기 (데이터: {ctx.settings.db_path}, 기준 시각: {ctx.now():%Y-%m-%d %H:%M %Z})"
        )
        for text in TOUR:
            print(f"\n{console.PROMPT}{text}")
            print(render.text(console.ask(ctx, text)))
    return 0


def _parse(args: argparse.Namespace) -> int:
    from bot.reading import release_to_json

    today = _settings(args).today()
    release = read_release(args.file, date=args.date, today=today, url=args.url)
    _warn(release.warnings)
    data = release_to_json(release)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    meeting = data["meeting"]
    print(f"{meeting['title']} ({meeting['date']}, {meeting.get('chair') or '주재자 미상'})")
    for item in data["agenda"]:
        print(
            f"  {item['number']:>2}. {item['title']} [{item['decision'] or '-'}] "
            f"{', '.join(item['ministries'])} · 일정 {len(item['milestones'])}건"
        )
    return 0


def _import(args: argparse.Namespace) -> int:
    ctx = _context(args, seed=False)
    meeting, status, release = import_file(
        ctx.store, args.file, date=args.date, today=ctx.settings.today(), url=args.url
    )
    _warn(release.warnings)
    outcome = {
        "new": "새로 가져왔습니다",
        "updated": "갱신했습니다",
        "unchanged": "이미 같은 내용이 있습니다",
    }
    print(
        f"{meeting.number}번 회의 {meeting.title} ({meeting.date}): {outcome[status]} "
        f"(안건 {len(ctx.store.items(meeting.number))}건)"
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    """A stored meeting as `import` reads it: edit the file and import it to correct it. Or,
    with --xlsx/--csv, everything as a spreadsheet."""
    from bot import exchange

    if args.xlsx or args.csv:
        return _export_tables(args)
    if args.meeting is None:
        raise CliError(
            "내보낼 회의 번호를 입력하세요(예: agendabot export 1). 표로 내보내려면 "
            "--xlsx 파일 또는 --csv 폴더를 쓰세요."
        )
    if args.ministry:
        raise CliError("--ministry 는 --xlsx 또는 --csv 와 함께 씁니다.")
    ctx = _context(args)
    fmt = args.format or (args.output and exchange.format_of(args.output)) or "json"
    text = exchange.dump(exchange.meeting_to_data(ctx.store, args.meeting), fmt)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"{args.output} 에 저장했습니다.")
    return 0


def _export_tables(args: argparse.Namespace) -> int:
    """Items, milestones and follow-ups as an .xlsx workbook and/or three CSV files."""
    from bot import spreadsheet

    if args.meeting is not None or args.output or args.format:
        raise CliError(
            "--xlsx/--csv 는 모든 회의를 표로 내보냅니다. 회의 번호, -o, --format 은 "
            "회의 하나를 JSON/YAML로 내보낼 때 씁니다."
        )
    ctx = _context(args)
    if args.xlsx:
        args.xlsx.write_bytes(spreadsheet.workbook(ctx, args.ministry))
        print(f"{args.xlsx} 에 저장했습니다.")
    if args.csv:
        files = spreadsheet.csv_files(ctx, args.ministry)
        args.csv.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (args.csv / name).write_bytes(data)
        print(f"{args.csv} 에 {words.with_particle(', '.join(files), '을/를')} 저장했습니다.")
    return 0


def _ics(args: argparse.Namespace) -> int:
    """The calendar feed the dashboard serves, as a file to import into a calendar app."""
    from bot import calendar

    built = calendar.feed(_context(args), ministry=args.ministry)
    if args.output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(built.body)
        return 0
    args.output.write_bytes(built.body)
    print(f"{args.output} 에 저장했습니다 (일정 {built.body.count(b'BEGIN:VEVENT')}건).")
    return 0


def _warn(warnings: tuple[str, ...]) -> None:
    """What the parser was unsure of goes to stderr, so an admin knows what to check."""
    for line in warnings:
        print(f"확인 필요: {line}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    from bot.runner import run

    return asyncio.run(run(_context(args, isolated=True)))


def _watch(args: argparse.Namespace) -> int:
    """One watcher pass (bot/watch/): the proposals are kept in the store and posted to the
    admin chat (stored at once with AGENDABOT_WATCH_AUTO=on); `--dry-run` only prints them.
    Exit 1 when the list or an attachment could not be read."""
    from bot.watch import watcher

    ctx = _context(args)
    if not ctx.settings.briefing_key:
        raise CliError("AGENDABOT_BRIEFING_KEY(공공데이터포털 서비스 키)를 설정하세요.")
    with watcher.client_for(ctx) as client:
        found = watcher.collect(ctx, client, args.since)
    for line in found.errors:
        print(f"오류: {line}", file=sys.stderr)
    if args.dry_run:
        for line in watcher.describe(found):
            print(line)
        return 1 if found.errors else 0
    for line in asyncio.run(watcher.deliver_from_shell(ctx, found)):
        print(line)
    if not (ctx.settings.watch_auto or ctx.settings.admin_chat) and ctx.store.proposals():
        print(
            "관리자 대화방(AGENDABOT_ADMIN_CHAT)이 없어 제안을 올리지 않았습니다: 봇에서 /import list"
        )
    return 1 if found.errors else 0


def _doctor(args: argparse.Namespace) -> int:
    """One line per check (bot/doctor.py); a bad setting is one of them, not exit 2."""
    from bot import doctor

    return doctor.main({"db_path": args.db, "now": args.now}, toml_path=args.config)


def _digest(args: argparse.Namespace) -> int:
    from digests import build, scheduler

    ctx = _context(args)
    now = ctx.now()
    if args.preview or args.html:
        key = args.preview or args.chat or "console:console"
        reply = build.preview(ctx.store, str(ChatKey.parse(key)), now)
        if args.html:
            args.html.write_text(build.render_html(reply), encoding="utf-8")
            print(f"{args.html} 에 저장했습니다.")
            return 0
        return _print(reply)
    from bot.runner import senders_for

    async def tick() -> dict[str, int]:
        async with senders_for(ctx) as senders:
            return await scheduler.send_due(ctx.store, senders, now)

    counts = asyncio.run(tick())
    if not counts:
        print("지금 보낼 요약이 없습니다.")
        return 0
    print(", ".join(f"{OUTCOMES.get(k, k)} {v}건" for k, v in sorted(counts.items())))
    return 1 if counts.get("failed") or counts.get("no-sender") else 0


def _mirror(args: argparse.Namespace, text: str, chat: str | None = None) -> int:
    """Run an admin command from the shell, as the console user, for a given chat."""
    ctx = _context(args)
    where = ChatKey.parse(chat) if chat else ChatKey("console", "console")
    from bot.commands import Request, handle

    req = Request(
        platform=where.platform,
        user_id="console",
        chat_id=where.chat_id,
        text=text,
        is_private=False,
        team_id=where.team_id,
    )
    # The shell user holds the database file, so they act as an admin on every platform.
    ctx.trusted = True
    return _print(handle(ctx, req, page=None))


SUBSCRIBE_USAGE = (
    "agendabot subscribe PLATFORM:CHAT_ID [--day 월|mon] [--time 09:00|'오후 5시'] "
    "[--tz Asia/Seoul] [--ministry 중기부] [--on-holidays]"
)


def _subscribe(args: argparse.Namespace) -> int:
    """Each option recognised by its kind here, so a wrong --day is not taken as a ministry."""
    day = _option(args.day, "weekday", words.parse_weekday)
    said: list[str] = [WEEKDAYS_KO[day], _option(args.time, "time", words.parse_time)]
    if args.tz:
        said.append(_option(args.tz, "tz", words.parse_tz))
    said += args.ministry
    if args.on_holidays:
        said.append("휴일포함")
    return _mirror(args, "/subscribe " + " ".join(said), chat=args.chat)


def _option(value: str, kind: str, read: Callable[[str], T | None]) -> T:
    found = read(value)
    if found is None:
        raise UsageError(words.unknown(kind, value), SUBSCRIBE_USAGE)
    return found


if __name__ == "__main__":
    sys.exit(main())
