"""The Bot API token is part of every request URL: keep it out of every log line.

httpx logs request URLs at INFO, so its logger is raised to WARNING; and a filter on every
logger of the Telegram stack replaces the token in messages and formatted tracebacks.
"""

from __future__ import annotations

import logging

# asyncio too: an exception nobody awaited is logged there, message and all.
TELEGRAM_LOGGERS = ("telegram", "httpx", "httpcore", "bot.adapters.telegram", "asyncio")

logging.getLogger("httpx").setLevel(logging.WARNING)


class RedactToken(logging.Filter):
    """Belt and braces: no log line from the Telegram stack may carry the token."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if self.token in text:
                record.exc_text = text.replace(self.token, "<token>")
                record.exc_info = None
        return True


def protect_logs(token: str) -> None:
    """Add the filter to every logger of the Telegram stack that exists now or is named."""
    redact = RedactToken(token)
    names = [n for n in logging.root.manager.loggerDict if n.startswith(TELEGRAM_LOGGERS)]
    for name in [*names, *TELEGRAM_LOGGERS]:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactToken) and f.token == token for f in logger.filters):
            logger.addFilter(redact)
