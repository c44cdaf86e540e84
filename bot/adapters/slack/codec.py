"""Slack's shapes ⇄ the command layer's: what a person typed becomes a `Request`, a `Reply`
becomes Block Kit messages."""

from __future__ import annotations

import re
from typing import Any

from bot import render
from bot.commands import Request
from bot.reply import Reply

PLATFORM = "slack"
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
BUTTON_VALUE_LIMIT = 2000  # characters, Block Kit
MAX_PAGE = 9999

Message = dict[str, Any]


def unescape(text: str) -> str:
    """Slack sends &, < and > typed by a person as entities; commands want what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_request(
    text: str, user_id: str, channel_id: str, team_id: str | None, channel_name: str = ""
) -> Request:
    """A Request for the command layer; a DM is a private chat (anyone may subscribe it)."""
    private = channel_name == "directmessage" or channel_id.startswith("D")
    return Request(
        platform=PLATFORM,
        user_id=user_id,
        chat_id=channel_id,
        text=text,
        is_private=private,
        team_id=team_id or None,
    )


def command_text(command: str, text: str) -> str:
    """`/agenda` + `3` → `/agenda 3`."""
    return f"/{command.lstrip('/')} {unescape(text or '')}".strip()


def message_text(text: str) -> str:
    """`<@UBOT> agenda 3` (a mention or a DM) → `/agenda 3`; nothing but a mention → `/help`."""
    words = unescape(_MENTION.sub(" ", text or "")).strip()
    if not words:
        return "/help"
    return words if words.startswith("/") else "/" + words


def messages(reply: Reply) -> list[Message]:
    """Block Kit messages for a Reply, each with an escaped plain-text fallback."""
    return [{"blocks": m["blocks"], "text": m["text"]} for m in render.slack(reply)]


def page_press(value: object) -> tuple[int, str] | None:
    """(page, command) of a page button's value (`2|/followup 중기부`, as `render.slack`
    writes it), or None when it is no value we could have sent."""
    if not isinstance(value, str) or len(value) > BUTTON_VALUE_LIMIT:
        return None
    page, bar, command = value.partition("|")
    if not bar or not (page.isascii() and page.isdigit()) or len(page) > len(str(MAX_PAGE)):
        return None
    number = int(page)
    if not 1 <= number <= MAX_PAGE or not command.startswith("/"):
        return None
    return number, command


def action_command(value: object) -> str | None:
    """The command of an action button's value (`/import save TOKEN`), or None."""
    if not isinstance(value, str) or len(value) > BUTTON_VALUE_LIMIT:
        return None
    return value if value.startswith("/") and value.strip() != "/" else None
