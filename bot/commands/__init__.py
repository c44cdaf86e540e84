"""The platform-neutral command layer: `handle(ctx, request)` answers any command with a
Reply. Every adapter (console, Telegram, Slack) calls this and only renders the result."""

from __future__ import annotations

import difflib
import logging
from dataclasses import replace

from bot.commands import (  # noqa: F401  (importing registers the commands)
    admin,
    agenda,
    calendar,
    digest,
    export,
    followup,
    history,
    importing,
    info,
    meeting,
    milestone,
    milestones,
    ministry,
    search,
    subscribe,
    web,
)
from bot.commands.base import REGISTRY, Call, Command, Context, Request, check_text, printable
from bot.errors import AgendabotError
from bot.reply import Reply, error
from bot.store import CorruptStore

log = logging.getLogger(__name__)

__all__ = ["REGISTRY", "Command", "Context", "Request", "handle", "may_repeat", "split_command"]


def split_command(text: str) -> tuple[str, list[str]]:
    """`/agenda@agenda_bot 1.3` → ("agenda", ["1.3"]); the leading slash is optional."""
    words = text.strip().split()
    if not words:
        return "", []
    name = words[0].lstrip("/").split("@", 1)[0].lower()
    return name, words[1:]


def may_repeat(text: str) -> bool:
    """May a button (a page of a long answer) run this command line again?

    A button's payload may be forged or stale, so only known commands that change nothing
    with these arguments qualify."""
    name, args = split_command(text)
    cmd = REGISTRY.get(name)
    return cmd is not None and cmd.may_repeat(args)


def handle(ctx: Context, req: Request, page: int | None = 1) -> Reply:
    """Answer one request. Never raises: user errors become one Korean line, bugs are logged.

    `page` picks a page of a long answer for chat; None returns it whole (console, CLI).
    """
    try:
        name, args = split_command(req.text)
        if not name:
            return error("명령을 입력하세요. 전체 명령은 /help 로 볼 수 있습니다.")
        cmd = REGISTRY.get(name)
        if cmd is None:
            return error(_unknown(name))
        try:
            check_text(req.text)
            reply = _answer(ctx, Call(ctx, req, args, cmd))
        except AgendabotError as e:
            e.usage = e.usage or cmd.usage  # every error line ends with the right usage
            raise
        return reply if page is None else reply.paged(req.text.strip(), page)
    except AgendabotError as e:
        return error(e.line())
    except (OSError, CorruptStore) as e:
        return _storage_fault(req, e)
    except Exception:
        log.exception("command failed: %r", req.text[:200])
        return error("죄송합니다. 명령을 처리하다 오류가 났습니다. 잠시 후 다시 시도해 주세요.")


UNWRITABLE = "데이터베이스 파일을 읽거나 쓸 수 없습니다(디스크 가득 참·권한 없음 등). 관리자에게 알려 주세요."
CORRUPT = "데이터베이스 파일이 손상되어 읽을 수 없습니다. 관리자에게 알려 주세요(agendabot repair)."


def _storage_fault(req: Request, e: OSError | CorruptStore) -> Reply:
    """The database file cannot be used (disk full, no permission, not JSON): nothing the
    user can fix. Chat gets one Korean line without server paths; the log and the reply's
    `meta` (which the CLI prints and turns into exit 2) carry the error with its path. A
    failed write changed nothing: the store replaces the file atomically or not at all."""
    log.error("command %r could not use the database: %s", req.text[:50], e)
    line = CORRUPT if isinstance(e, CorruptStore) else UNWRITABLE
    return replace(error(line), meta={"fault": "storage", "detail": str(e)})


REPLY_CACHE = 256


def _answer(ctx: Context, call: Call) -> Reply:
    """Run the command, or reuse its answer while the data and the day are the same."""
    if not call.command.cacheable or call.command.writes(call.args):
        return call.command.func(call)
    key = (call.command.name, tuple(call.args), ctx.store.generation, ctx.today())
    reply = ctx.replies.get(key)
    if reply is None:
        reply = call.command.func(call)
        if len(ctx.replies) >= REPLY_CACHE:
            ctx.replies.clear()
        ctx.replies[key] = reply
    return reply


def _unknown(name: str) -> str:
    name = printable(name)[:30]
    close = difflib.get_close_matches(name, REGISTRY, n=2, cutoff=0.5)
    hint = f" 혹시 {', '.join('/' + c for c in close)}?" if close else ""
    return f"알 수 없는 명령입니다: /{name}.{hint} 전체 명령은 /help 로 볼 수 있습니다."
