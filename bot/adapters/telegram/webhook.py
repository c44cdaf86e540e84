"""Telegram's webhook: POSTs checked against the secret token, written to the inbox journal,
then fed to PTB's update queue.

The 200 goes back only once the update is written down (`inbox.py`): Telegram sends an update
again until it gets one, so a crash before that loses nothing, and one after it is replayed
from the journal at the next start. An update Telegram sends again after we recorded it is
acknowledged and not handled twice.

PTB's own `start_webhook` needs tornado (the `webhooks` extra, not installed) and its own
port; this handler is one route on the shared server (`bot.server`), as PTB's "custom
webhook" example does it.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.adapters import Health
from bot.adapters.telegram.inbox import Inbox
from bot.errors import UsageError

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def check_secret(secret: str) -> None:
    """Raises UsageError unless the secret is what the Bot API accepts."""
    if not _SECRET.fullmatch(secret or ""):
        raise UsageError(
            "웹훅 모드에는 AGENDABOT_TELEGRAM_WEBHOOK_SECRET 이 필요합니다 (영문·숫자·_·- 1~256자)."
        )


class Webhook:
    """The aiohttp handler of the webhook route."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        secret: str,
        inbox: Inbox | None = None,
        health: Health | None = None,
    ) -> None:
        check_secret(secret)
        self.app = app
        self.secret = secret.encode()
        self.inbox = inbox
        self.health = health

    async def handle(self, request: web.Request) -> web.Response:
        """The secret token is checked first, in constant time."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook request with a wrong secret token from %s refused", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            raw = await request.json()
            update = Update.de_json(raw, self.app.bot)
        except Exception as e:
            log.warning("webhook request with an unreadable update refused: %s", e)
            return web.Response(status=400, text="bad update")
        if self.health is not None:
            self.health.ok()  # an update arrived: receiving works
        if self.inbox is not None and not await self.record(self.inbox, raw):
            return web.Response(text="ok")  # sent again: the first copy is in hand
        await self.app.update_queue.put(update)
        return web.Response(text="ok")

    async def record(self, inbox: Inbox, raw: dict[str, Any]) -> bool:
        """Write the update down before acknowledging it; False when it was seen before."""
        fresh = inbox.admit([raw])
        if not fresh:
            return False
        try:
            await asyncio.to_thread(inbox.write, fresh)
        except OSError as e:
            log.error("the inbox journal %s cannot be written (%s)", inbox.path, e)
        return True
