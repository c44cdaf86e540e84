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


MARKUP = "*긴급* _기울임_ ~취소~ `코드` ```블록``` 1~3월 F*1"


def slack_texts(reply: Reply) -> list[str]:
    """Every mrkdwn string of the rendered messages: block texts, context elements, fallback."""
    texts: list[str] = []
    for message in render.slack(reply):
        texts.append(message["text"])
        for block in message["blocks"]:
            if "text" in block:
                texts.append(block["text"]["text"])
            texts += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return texts


def every_field(data: str) -> Reply:
    return Reply(
        title=data,
        sections=(
            Section(heading=data, paragraph=data, lines=(Line(data, label=data, detail=data),)),
        ),
        footer=data,
    )


def test_slack_data_never_formats() -> None:
    """`*`, `_`, `~` and `` ` `` in data show as look-alikes; only our own markup remains:
    the bold title, heading and label, the italic detail."""
    joined = "\n".join(slack_texts(every_field(MARKUP)))
    assert "*긴급*" not in joined and "`" not in joined and "~" not in joined
    assert "＊긴급＊ ＿기울임＿ ～취소～ ｀코드｀ ｀｀｀블록｀｀｀ 1～3월 F＊1" in joined
    assert joined.count("*") == 2 * 3  # title, heading, label
    assert joined.count("_") == 2  # the detail


def test_slack_a_leading_quote_mark_in_data_is_no_block_quote() -> None:
    texts = slack_texts(Reply(title="t", sections=(Section(paragraph="> 인용\n  >> 또"),)))
    assert not any(re.search(r"^\s*&gt;", t, re.MULTILINE) for t in texts)
    assert any("＞ 인용" in t for t in texts)


def test_slack_link_targets_keep_their_characters() -> None:
    url = "https://www.korea.kr/briefing/pressReleaseView.do?news_id=1&a=b|c"
    [message] = render.slack(
        Reply(title="t", sections=(Section(lines=(Line("*원문*", url=url),)),))
    )
    body = message["blocks"][1]["text"]["text"]
    assert (
        "<https://www.korea.kr/briefing/pressReleaseView.do?news_id=1&amp;a=b%7Cc|＊원문＊>" in body
    )


@settings(max_examples=80, deadline=None)
@given(data=st.text(alphabet=st.sampled_from("*_~`>&<가 a\n"), max_size=60))
def test_slack_markup_comes_only_from_the_template(data: str) -> None:
    joined = "\n".join(slack_texts(every_field("가" + data)))  # every field present
    assert joined.count("*") == 2 * 3
    assert joined.count("_") == 2
    assert "~" not in joined and "`" not in joined
    assert not re.search(r"^\s*&gt;", joined, re.MULTILINE)
