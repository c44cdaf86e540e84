"""The command table and what a command receives: one Request in, one Reply out.

A command is one function, registered once with its name, usage line, one-line summary and
examples; its docstring is the long help. `/help` and the Telegram command menu are
generated from this table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bot import ministries
from bot.chats import ChatKey
from bot.config import Settings
from bot.errors import Forbidden, UnknownMinistry, UsageError
from bot.intake import PendingImports
from bot.ministries import Ministry
from bot.reply import Reply
from bot.search import Searcher
from bot.store import Store
from bot.words import with_particle

MAX_INPUT = 1000  # characters; a command longer than this is a mistake or an attack
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Request:
    """A command as typed by someone, wherever they typed it."""

    platform: str  # console, telegram, slack
    user_id: str
    chat_id: str
    text: str  # "/agenda 3"
    is_private: bool = True
    team_id: str | None = None

    @property
    def chat(self) -> ChatKey:
        return ChatKey(self.platform, self.chat_id, self.team_id)

    @property
    def chat_key(self) -> str:
        """The chat's identity across platforms, as subscriptions store it."""
        return str(self.chat)


@dataclass
class Context:
    """What commands work with: the store, the settings and the clock."""

    store: Store
    settings: Settings
    clock: Callable[[], dt.datetime] | None = None
    trusted: bool = False  # the shell user, who holds the database file, is an admin anywhere
    replies: dict[tuple[Any, ...], Reply] = field(default_factory=dict, repr=False)
    pending: PendingImports = field(default_factory=PendingImports, repr=False)  # /import

    def now(self) -> dt.datetime:
        return (self.clock or self.settings.clock)()

    def today(self) -> dt.date:
        return self.now().astimezone(self.settings.zone).date()

    @cached_property
    def searcher(self) -> Searcher:
        return Searcher(self.store)

    def is_admin(self, req: Request) -> bool:
        return (
            self.trusted
            or req.platform == "console"
            or req.user_id in self.settings.admins(req.platform)
            or self.store.is_admin(req.platform, req.user_id)  # added in chat: /admin add
        )


@dataclass(frozen=True)
class Call:
    """A parsed request handed to a command function."""

    ctx: Context
    req: Request
    args: list[str]
    command: Command

    @property
    def is_admin(self) -> bool:
        return self.ctx.is_admin(self.req)

    @property
    def by(self) -> str:
        return f"{self.req.platform}:{self.req.user_id}"

    def usage_error(self, reason: str, usage: str | None = None) -> UsageError:
        return UsageError(reason, usage or self.command.usage)

    def no_arguments(self) -> None:
        """Refuse arguments to a command that takes none."""
        if self.args:
            raise self.usage_error("이 명령은 인자가 없습니다.")

    def require_admin(self, usage: str | None = None) -> None:
        if not self.is_admin:
            raise Forbidden(
                "관리자만 쓸 수 있는 명령입니다. /whoami 로 ID를 확인해 관리자에게 등록을 요청하세요.",
                usage or self.command.usage,
            )

    def ministry(self, name: str, usage: str | None = None) -> Ministry:
        today = self.ctx.today()
        found = ministries.resolve(name, today)
        if found is None:
            close = ministries.suggest(name, on=today)
            raise UnknownMinistry(name, close, usage or self.command.usage)
        return found


CommandFunc = Callable[[Call], Reply]


@dataclass(frozen=True)
class Command:
    """One row of the command table."""

    name: str
    usage: str
    summary: str
    func: CommandFunc
    examples: tuple[str, ...] = ()
    admin: bool = False
    details: str = field(default="")
    cacheable: bool = False  # the answer depends only on the arguments, the data and the day
    writes: Callable[[list[str]], bool] = field(default=lambda args: False)

    def may_repeat(self, args: list[str]) -> bool:
        """May a button run this again (a page of a long answer)? Never when it writes."""
        return not self.writes(args)


REGISTRY: dict[str, Command] = {}


def command(
    name: str,
    *,
    usage: str,
    summary: str,
    examples: tuple[str, ...] = (),
    admin: bool = False,
    cacheable: bool = False,
    writes: bool | Callable[[list[str]], bool] = False,
) -> Callable[[CommandFunc], CommandFunc]:
    """Register a command function under `name`.

    `cacheable`: the answer depends only on the arguments, the stored data and today's date,
    never on who asks or where, and the command changes nothing.
    `writes`: the command changes data (True), or a test of its arguments that says when.
    """
    changes = writes if callable(writes) else (lambda args: writes)

    def register(func: CommandFunc) -> CommandFunc:
        REGISTRY[name] = Command(
            name,
            usage,
            summary,
            func,
            examples,
            admin,
            (func.__doc__ or "").strip(),
            cacheable,
            changes,
        )
        return func

    return register


def check_text(text: str) -> None:
    """Refuse input no person types: control characters, or far too long."""
    if len(text) > MAX_INPUT:
        raise UsageError(f"입력이 너무 깁니다({len(text):,}자). {MAX_INPUT:,}자 이내로 입력하세요.")
    if _CONTROL.search(text):
        raise UsageError("입력에 제어 문자가 들어 있습니다. 글자와 숫자만 입력하세요.")


def printable(text: str) -> str:
    """The text without control characters, safe to echo back."""
    return _CONTROL.sub("", text)


def parse_int(value: str, what: str, usage: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,6}", value):
        raise UsageError(f"{with_particle(what, '은/는')} 숫자여야 합니다: '{value[:20]}'", usage)
    return int(value)


_REF = re.compile(r"(?:(\d{1,4})\.)?(\d{1,3})")


def parse_item_ref(ctx: Context, ref: str, usage: str) -> tuple[int, int]:
    """`3` is item 3 of the latest meeting; `1.3` is item 3 of meeting 1."""
    m = _REF.fullmatch(ref.strip())
    if not m:
        raise UsageError(f"안건 번호는 3 또는 1.3 처럼 입력하세요: '{ref[:20]}'", usage)
    if m.group(1):
        meeting = int(m.group(1))
    else:
        latest = ctx.store.latest_meeting()
        if latest is None:
            raise UsageError(
                "아직 가져온 회의가 없습니다. agendabot import FILE 로 보도자료를 넣으세요."
            )
        meeting = latest.number
    return meeting, int(m.group(2))
