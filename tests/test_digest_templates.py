"""Digest output in every format: escaped for its target, split within platform limits, and a
standalone archive page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot import render
from bot.model import FollowUp, Subscription
from bot.reply import Reply
from bot.store import FollowUpRef, Store
from digests.build import DigestSource, build_digest, render_html
from tests.conftest import NOW

NOW_DT = dt.datetime.fromisoformat(NOW)
NASTY = "<b>굵게</b> & <!channel> @here"
SUB = Subscription(key="telegram:1", platform="telegram", chat_id="1")


@pytest.fixture
def nasty(store: Store) -> Reply:
    store.add_followup(
        item=(1, 1), text=NASTY, owner="과학기술정보통신부", due=dt.date(2026, 11, 30), by="t"
    )
    return build_digest(store, SUB, NOW_DT)


def test_text_is_verbatim(nasty: Reply) -> None:
    assert NASTY in render.text(nasty)


def test_telegram_html_is_escaped(nasty: Reply) -> None:
    out = "\n".join(render.telegram(nasty))
    assert "&lt;b&gt;굵게&lt;/b&gt; &amp; &lt;!channel&gt; @here" in out
    assert "<b>굵게</b>" not in out and "<!channel>" not in out


def test_slack_blocks_are_escaped(nasty: Reply) -> None:
    messages = render.slack(nasty)
    texts = [b["text"]["text"] for m in messages for b in m["blocks"] if b["type"] == "section"]
    joined = "\n".join(texts)
    assert "&lt;b&gt;굵게&lt;/b&gt; &amp; &lt;!channel&gt; @here" in joined
    assert "<!channel>" not in joined


def test_slack_fallback_text_is_escaped(nasty: Reply) -> None:
    for message in render.slack(nasty):
        assert "<!channel>" not in message["text"]


def test_archive_html_is_escaped_and_standalone(nasty: Reply) -> None:
    page = render_html(nasty)
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="ko">' in page
    assert "&lt;b&gt;굵게&lt;/b&gt; &amp; &lt;!channel&gt; @here" in page
    assert "<b>굵게</b>" not in page
    assert "Noto Sans KR" in page and "<style>" in page
    assert not re.search(r"""(?:src|href)=["']?https?:""", page)  # no external resources
    assert "D-36" in page and "2026년 말까지" in page


def test_archive_html_of_an_empty_digest(store: Store) -> None:
    imported = store.meetings()[0].imported_at
    sub = Subscription(
        key="k", platform="telegram", chat_id="1", horizon_days=1, last_digest_at=imported
    )
    page = render_html(build_digest(store, sub, NOW_DT))
    assert "이번 주는 다가오는 일정이나 마감이 없습니다." in page


def test_300_followups_split_within_platform_limits(store: Store) -> None:
    source = DigestSource.load(store, NOW_DT)
    source.followups = tuple(
        FollowUpRef.of(
            FollowUp(
                id=f"F{n}",
                meeting=1,
                item=1 + n % 10,
                text=f"{NASTY} 후속조치 {n}번: 데이터 구축과 모델 개발 진행 상황을 점검하고 보고",
                owner="과학기술정보통신부",
                due=dt.date(2026, 11, 1) + dt.timedelta(days=n % 38),
            )
        )
        for n in range(1, 301)
    )
    reply = source.digest(SUB, NOW_DT, max_lines=None)
    assert reply.line_count >= 300

    parts = render.telegram(reply)
    assert len(parts) > 1
    assert all(len(p) <= render.TELEGRAM_LIMIT for p in parts)
    for p in parts:  # each part is valid on its own: every tag it opens, it closes
        assert p.count("<b>") == p.count("</b>") and p.count("<i>") == p.count("</i>")
    assert sum(p.count("&lt;!channel&gt;") for p in parts) == 300

    messages = render.slack(reply)
    assert all(len(m["blocks"]) <= render.SLACK_MAX_BLOCKS for m in messages)
    for m in messages:
        for b in m["blocks"]:
            if b["type"] == "section":
                assert len(b["text"]["text"]) <= render.SLACK_SECTION_LIMIT
    slack_text = "".join(
        b["text"]["text"] for m in messages for b in m["blocks"] if b["type"] == "section"
    )
    assert slack_text.count("&lt;!channel&gt;") == 300
