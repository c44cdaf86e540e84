"""Property tests over the command parser: any text gets a one-line answer, never an
exception, and nothing a non-admin types changes the database."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import render
from bot.commands import REGISTRY, Context, Request, handle, split_command

names = st.sampled_from([*sorted(REGISTRY), "followup add", "followup done", "followup edit"])
words = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            [
                "3",
                "1.3",
                "99",
                "-1",
                "0",
                "F1",
                "중기부",
                "2026-12-15",
                "12월",
                "15일",
                "due=",
                "월",
                "25:00",
                "Asia/Seoul",
                "overdue",
                "\x00",
                "<b>",
                "@here",
            ]
        ),
    ),
    max_size=6,
)
HYP = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HYP
@given(name=names, args=words)
def test_any_arguments_get_an_answer(ctx: Context, name: str, args: list[str]) -> None:
    text = "/" + name + " " + " ".join(args)
    reply = handle(ctx, Request("telegram", "100", "100", text))
    assert reply.title.strip()
    if reply.error:
        assert "\n" not in render.text(reply).strip()


@HYP
@given(text=st.text(max_size=200))
def test_any_text_gets_an_answer(ctx: Context, text: str) -> None:
    reply = handle(ctx, Request("slack", "U1", "C1", text, team_id="T1"))
    assert reply.title.strip()


@HYP
@given(args=words, sub=st.sampled_from(["add", "done", "cancel", "edit"]))
def test_staff_cannot_change_anything(ctx: Context, args: list[str], sub: str) -> None:
    before = ctx.store.path.read_bytes()
    reply = handle(
        ctx, Request("telegram", "7", "-5", f"/followup {sub} " + " ".join(args), is_private=False)
    )
    assert reply.error
    assert ctx.store.path.read_bytes() == before


@given(text=st.text(max_size=50))
def test_split_command_never_fails(text: str) -> None:
    name, args = split_command(text)
    assert "@" not in name and all(a.strip() for a in args)
