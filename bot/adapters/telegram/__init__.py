"""The Telegram adapter: python-telegram-bot in front of the platform-neutral command layer.

One module per job:

* `app.py` — `TelegramBot`, the `Adapter` the runner starts: the PTB Application, the
  command menu, connecting in the background with backoff, long polling or the webhook
  route, its `health`;
* `client.py` — the Bot API client (PTB's ExtBot): each polled batch written to the inbox
  before PTB confirms it, each poll's outcome turned into health and a log line;
* `inbox.py` — the journal of updates in hand, replayed at start after a crash;
* `processor.py` — chats handled in parallel, each chat's updates in order;
* `handlers.py` — updates in: commands, page buttons, group migrations;
* `sender.py` — messages out: the one send loop, Telegram's rate limits (`TelegramSender.pace`),
  which failures may be sent again, Bot API errors mapped for the digest outbox, metrics;
* `codec.py` — page buttons as callback data within 64 bytes;
* `webhook.py` — the webhook route and its secret-token check;
* `log_filter.py` — the token kept out of every log line.
"""

from bot.adapters.telegram.app import TelegramBot, bot_commands, bot_url, build_application
from bot.adapters.telegram.codec import CallbackCodec
from bot.adapters.telegram.handlers import EXPIRED, NOT_A_PAGE, SORRY, Handlers
from bot.adapters.telegram.sender import TelegramSender
from bot.adapters.telegram.webhook import SECRET_HEADER

__all__ = [
    "EXPIRED",
    "NOT_A_PAGE",
    "SECRET_HEADER",
    "SORRY",
    "CallbackCodec",
    "Handlers",
    "TelegramBot",
    "TelegramSender",
    "bot_commands",
    "bot_url",
    "build_application",
]
