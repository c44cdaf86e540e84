"""Rendering: escaping per target and splitting to platform limits without breaking markup."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import render
from bot.reply import Line, Reply, Section

NASTY = "<b>굵게</b> & <!channel> @here"


def well_formed(html: str) -> bool:
    stack: list[str] = []
    for closing, tag in re.findall(r"<(/?)([a-z]+)[^>]*>", html):
        if closing:
            if not stack or stack.pop() != tag:
                return False
        else:
            stack.append(tag)
    return not stack


def test_telegram_escapes_data() -> None:
    out = "\n".join(
        render.telegram(Reply(title=NASTY, sections=(Section(lines=(Line(NASTY, label=NASTY),)),)))
    )
    assert "<b>굵게</b>" not in out
    assert "&lt;b&gt;굵게&lt;/b&gt; &amp; &lt;!channel&gt; @here" in out


def test_slack_escapes_blocks_and_fallback() -> None:
    messages = render.slack(Reply(title=NASTY, sections=(Section(paragraph=NASTY),)))
    dumped = str(messages)
    assert "<!channel>" not in dumped and "&lt;!channel&gt;" in dumped


def test_text_is_verbatim() -> None:
    assert NASTY in render.text(Reply(title=NASTY))


def test_a_line_longer_than_the_limit_is_split_into_well_formed_parts() -> None:
    reply = Reply(
        title="긴 줄", sections=(Section(lines=(Line("본문", label="F1", detail="가" * 9000),)),)
    )
    parts = render.telegram(reply)
    assert len(parts) >= 3
    assert all(len(p) <= render.TELEGRAM_LIMIT for p in parts)
    assert all(well_formed(p) for p in parts)
    assert "".join(parts).count("가") == 9000


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(min_size=0, max_size=700), min_size=1, max_size=30),
    limit=st.integers(min_value=200, max_value=4096),
)
def test_telegram_parts_fit_and_stay_well_formed(texts: list[str], limit: int) -> None:
    reply = Reply(
        title="t", sections=(Section(lines=tuple(Line(t, label="L", detail=t) for t in texts)),)
    )
    for part in render.telegram(reply, limit=limit):
        assert len(part) <= limit
        assert well_formed(part)
