"""The Slack adapter: Bolt in front of the platform-neutral command layer.

One module per job:

* `app.py` — `SlackBot`, the `Adapter` the runner starts: Socket Mode, or the events route
  on the shared HTTP server; its `health`;
* `client.py` — the Web API client: retry handlers that count 429s and retries, and tell
  the adapter when Slack rejects a token;
* `socket_mode.py` — Socket Mode reporting ok / reconnecting / a rejected app token;
* `handlers.py` — requests in: slash commands (answer within the 3 s ack), mentions, DMs,
  page and action buttons (guarded: a forged or stale value is refused, never run);
* `sender.py` — digests out: Slack's rate limit (`SlackSender.pace`), errors for the outbox;
* `codec.py` — Slack's text ⇄ `Request`, `Reply` → Block Kit, button values read back;
* `log_filter.py` — tokens, the signing secret and response URLs cut from every log line;
* `doctor.py` — `agendabot doctor`'s Slack checks (auth.test, scopes, the app token).
"""

from bot.adapters.slack.app import EVENTS_PATH, SlackBot, build_client
from bot.adapters.slack.codec import command_text, message_text, messages, to_request
from bot.adapters.slack.handlers import FAILED, PROCESSING, Dispatcher, build_app
from bot.adapters.slack.sender import SlackSender

__all__ = [
    "EVENTS_PATH",
    "FAILED",
    "PROCESSING",
    "Dispatcher",
    "SlackBot",
    "SlackSender",
    "build_app",
    "build_client",
    "command_text",
    "message_text",
    "messages",
    "to_request",
]
