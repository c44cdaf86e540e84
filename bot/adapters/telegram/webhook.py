"""Telegram's webhook: POSTs checked against the secret token, fed to PTB's update queue.

PTB's own `start_webhook` needs tornado (the `webhooks` extra, not installed) and its own
port; this handler is one route on the shared server (`bot.server`), as PTB's "custom
webhook" example does it.
"""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

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

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], secret: str) -> None:
        check_secret(secret)
        self.app = app
        self.secret = secret.encode()

    async def handle(self, request: web.Request) -> web.Response:
        """The secret token is checked first, in constant time."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook request with a wrong secret token from %s refused", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), self.app.bot)
        except Exception as e:
            log.warning("webhook request with an unreadable update refused: %s", e)
            return web.Response(status=400, text="bad update")
        await self.app.update_queue.put(update)
        return web.Response(text="ok")
