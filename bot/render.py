"""Render a Reply for its target: one Jinja2 environment, one template family per format.

Families: `text` (console, CLI, fallbacks), `telegram` (HTML parse mode), `slack` (Block Kit
JSON with mrkdwn), `archive` (a standalone HTML page). Every string that came from data or a
user is escaped for its target by the template's filters, never trusted as markup.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import cache, lru_cache
from typing import Any

import jinja2
import orjson

from bot.reply import Reply, shorten
from bot.resources import templates_dir

TELEGRAM_LIMIT = 4096
SLACK_SECTION_LIMIT = 3000
SLACK_MAX_BLOCKS = 50


# Slack mrkdwn has no escape character: only &, < and > have entities. A `*`, `_`, `~` or
# `` ` `` in data would open bold, italics, strike-through or code ("*긴급*", a stray backtick,
# the range in "1~3월 … 5~6월"), and one inside our own `*label*` would close it early. So data
# gets look-alikes that mrkdwn does not parse: the fullwidth forms, which every Korean font
# draws (they are in KS X 1001) and which read naturally in Korean text (～ is the usual range
# mark). Not a zero-width space or joiner beside the marker: Slack takes a zero-width space as
# a word boundary (Markdown-to-Slack converters insert one to *force* bold inside a word), so
# what it does next to a marker depends on Slack's parser; a character mrkdwn does not know
# can never format. The data itself is unchanged in the store and in every other output.
_LOOKALIKES = str.maketrans({"*": "＊", "_": "＿", "~": "～", "`": "｀"})
# `&gt;` at the start of a line is a block quote in mrkdwn (Slack stores a typed "> " so).
_QUOTE = re.compile(r"^([ \t]*)&gt;", re.MULTILINE)


def mrkdwn(value: Any) -> str:
    """Data as literal mrkdwn text: `<!channel>` and `<@U1>` never become mentions, and
    `*`, `_`, `~`, `` ` `` and a leading `>` never format."""
    escaped = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _QUOTE.sub("\\1＞", escaped.translate(_LOOKALIKES))


def mrkdwn_url(value: Any) -> str:
    """A link target in `<url|text>`: escaped like data, but its characters kept (an `_` in a
    URL must stay one); a `|` would end the URL early, so it is percent-encoded."""
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "%7C")
    )


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["mrkdwn"] = mrkdwn
    env.filters["mrkdwn_url"] = mrkdwn_url
    # Markup closes on the line that opens it (split_lines relies on it): data in a marked-up
    # field is kept to one line.
    env.filters["oneline"] = lambda v: " ".join(str(v).split())
    env.filters["json_str"] = lambda v: json.dumps(str(v), ensure_ascii=False)
    return env


def render(family: str, name: str, **data: Any) -> str:
    """Render `templates/<family>/<name>` with `data`."""
    return environment().get_template(f"{family}/{name}").render(**data).strip()


def text(reply: Reply) -> str:
    """Plain text: the console, the CLI and every platform's notification fallback. Files
    attached to the reply are named with their size, as the console cannot send them."""
    shown = render("text", "reply.txt.j2", reply=reply)
    files = "\n".join(f"[첨부: {a.name} {a.size_text}]" for a in reply.attachments)
    return f"{shown}\n{files}" if files else shown


def _text_only(reply: Reply) -> Reply:
    """The reply without its files: chat renderings are cached by reply, and the cache must
    not keep a workbook's bytes alive (adapters send the files themselves)."""
    return replace(reply, attachments=()) if reply.attachments else reply


# Rendering costs more than answering a cached command, and the same answers are asked for
# again and again (everyone reads /agenda after a meeting): replies are immutable and
# hashable, so their renderings are kept.
RENDER_CACHE = 512


def telegram(reply: Reply, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Telegram HTML messages, each within the 4,096-character limit."""
    return list(_telegram(_text_only(reply), limit))


@lru_cache(maxsize=RENDER_CACHE)
def _telegram(reply: Reply, limit: int) -> tuple[str, ...]:
    return tuple(split_lines(render("telegram", "reply.html.j2", reply=reply), limit))


def slack(reply: Reply) -> list[dict[str, Any]]:
    """Slack messages: each a dict with Block Kit `blocks` and a plain-text `text` fallback."""
    messages: list[dict[str, Any]] = orjson.loads(
        _slack(_text_only(reply))
    )  # fresh objects every call
    return messages


@lru_cache(maxsize=RENDER_CACHE)
def _slack(reply: Reply) -> bytes:
    blocks = json.loads(render("slack", "reply.json.j2", reply=reply))
    blocks = [b for b in blocks if b["type"] != "section" or b["text"]["text"].strip()]
    blocks = [piece for b in blocks for piece in _fit_section(b)]
    # The top-level `text` is what notifications show, and Slack parses it for mentions too:
    # it is the escaped title, never the raw data.
    fallback = mrkdwn(shorten(("⚠️ " if reply.error else "") + reply.title, 300))
    chunks = [
        blocks[i : i + SLACK_MAX_BLOCKS] for i in range(0, max(len(blocks), 1), SLACK_MAX_BLOCKS)
    ]
    return orjson.dumps(
        [
            {"blocks": c, "text": fallback + (f" ({n}/{len(chunks)})" if len(chunks) > 1 else "")}
            for n, c in enumerate(chunks, 1)
        ]
    )


def _fit_section(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block["type"] != "section" or len(block["text"]["text"]) <= SLACK_SECTION_LIMIT:
        return [block]
    return [
        {**block, "text": {**block["text"], "text": part}}
        for part in split_lines(block["text"]["text"], SLACK_SECTION_LIMIT)
    ]


def split_lines(rendered: str, limit: int) -> list[str]:
    """Split on line boundaries so each part fits `limit`.

    Templates close every tag on the line that opens it, so a line boundary is never inside
    an element. A single line longer than the limit is cut outside any tag or entity, and
    the elements open at the cut are closed before it and reopened after it.
    """
    parts: list[str] = []
    current = ""
    for line in rendered.split("\n"):
        heads, rest = _cut_to_fit(line, limit)
        if heads and current:
            parts.append(current)
            current = ""
        parts.extend(heads)
        candidate = f"{current}\n{rest}" if current else rest
        if len(candidate) > limit:
            parts.append(current)
            current = rest
        else:
            current = candidate
    if current.strip() or not parts:
        parts.append(current)
    return [p for p in parts if p.strip()] or [""]


def _cut_to_fit(line: str, limit: int) -> tuple[list[str], str]:
    """A line too long for one part: the parts cut from its front, and the rest that fits."""
    heads: list[str] = []
    while len(line) > limit:
        head, line = _cut_line(line, limit)
        heads.append(head)
    return heads, line


_TAG = re.compile(r"<(/?)([a-z]+)[^>]*>")
_TAG_ROOM = 24  # room kept for the closing tags added at a cut


def _cut_line(line: str, limit: int) -> tuple[str, str]:
    """Cut a too-long line into a head that fits `limit` and the rest, both well-formed."""
    cut = _safe_cut(line, limit - _TAG_ROOM)
    open_tags: list[str] = []
    for m in _TAG.finditer(line, 0, cut):
        if m.group(1):
            if open_tags and open_tags[-1] == m.group(2):
                open_tags.pop()
        else:
            open_tags.append(m.group(2))
    close = "".join(f"</{t}>" for t in reversed(open_tags))
    reopen = "".join(f"<{t}>" for t in open_tags)
    return line[:cut] + close, reopen + line[cut:]


def _safe_cut(line: str, limit: int) -> int:
    """The last position ≤ limit that is outside a <tag> and an &entity;."""
    cut = limit
    while cut > 0:
        head = line[:cut]
        if head.rfind("<") <= head.rfind(">") and head.rfind("&") <= head.rfind(";"):
            return cut
        cut -= 1
    return limit
