"""The console REPL, driven as a person would: lines typed at the prompt, answers printed."""

from __future__ import annotations

import io

import pytest

from bot.adapters import console
from bot.commands import Context


def test_repl_answers_each_line_until_quit(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = iter(["/agenda 3", "", "ministry 중기부", "/nosuch", "/quit", "/agenda 1"])
    monkeypatch.setattr("builtins.input", lambda _prompt: next(lines))
    out = io.StringIO()
    console.repl(ctx, out=out)
    text = out.getvalue()
    assert text.startswith(console.INTRO)
    assert "산업통상부" in text and "중소기업 인공 지능" in text and "알 수 없는 명령" in text
    assert "인공 지능 민생" not in text  # nothing after /quit


def test_repl_ends_on_end_of_input(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    def eof(_prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    out = io.StringIO()
    console.repl(ctx, out=out)
    assert out.getvalue().startswith(console.INTRO)


def test_console_user_is_admin_and_sees_whole_answers(ctx: Context) -> None:
    reply = console.ask(ctx, "/followup add 3 2026-12-15 과기정통부 점검")
    assert not reply.error and ctx.store.followup("F1").created_by == "console:console"
