"""The console: a REPL on the local database, and the one-shot `ask` the CLI and tests use.

No tokens, no network: the console user is an admin, as whoever can open the database file
already is.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from types import ModuleType
from typing import TextIO

from bot import render
from bot.commands import Context, Request, handle
from bot.reply import Reply

PROMPT = "agendabot> "
INTRO = "agendabot 콘솔입니다. /help 로 명령을 보고, 끝내려면 /quit 또는 Ctrl-D 를 누르세요."


def ask(ctx: Context, text: str) -> Reply:
    """Answer one command as the console user, unpaged."""
    req = Request(platform="console", user_id="console", chat_id="console", text=text)
    return handle(ctx, req, page=None)


def repl(ctx: Context, history: Path | None = None, out: TextIO = sys.stdout) -> None:
    """Read commands until /quit or end of input; keep line history between sessions."""
    readline = _readline(history)
    print(INTRO, file=out)
    try:
        while True:
            try:
                line = input(PROMPT)
            except EOFError:
                print(file=out)
                break
            except KeyboardInterrupt:
                print(file=out)
                continue
            if line.strip() in ("/quit", "/exit", "quit", "exit"):
                break
            if not line.strip():
                continue
            text = line if line.lstrip().startswith("/") else "/" + line.strip()
            print(render.text(ask(ctx, text)), file=out)
    finally:
        if readline and history:
            with contextlib.suppress(OSError):
                readline.write_history_file(history)


def _readline(history: Path | None) -> ModuleType | None:
    try:
        import readline
    except ImportError:  # not on every platform
        return None
    if history and history.exists():
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
    return readline
