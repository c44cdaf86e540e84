"""Keep Slack's secrets out of every log line of the Slack stack.

At INFO, Bolt logs the whole body of a request whose signature it rejects, and that body
holds a live `response_url`: a bearer URL that lets anyone post into the channel for half an
hour. At DEBUG, slack_sdk logs Socket Mode envelopes (response_url again) and the URL of every
response_url post. The tokens and the signing secret must never show either.

`bot.logs` already cuts secrets at the process's root handler when the CLI configured logging;
this filter sits on the loggers themselves (slack_bolt, slack_sdk, aiohttp and ours), so the
records are clean for every handler, whoever configured logging (a test's caplog, an embedding
application). It applies `bot.logs.REDACT` (configured secrets, secret shapes) and adds what
only Slack's transport produces: a response_url inside a form-encoded body (`payload=%7B%22
response_url%22%3A…`), inside escaped JSON, and the exact response URLs this process has
seen, whatever their host (a fake Slack on 127.0.0.1 has no Slack-shaped URL).

Why a filter on each logger and the Bolt base logger: a logger's filter sees only records
logged to that very logger, not its children's. Bolt creates its loggers as it builds the app
(one per middleware and listener), copying the filters of the logger it is given
(`AsyncApp(logger=…)`), so `BOLT_LOGGER` carries the filter into all of them; slack_sdk and
aiohttp name theirs after their modules, and `protect_logs` adds the filter to the logger of
every module of theirs that is loaded, whether it has logged yet or not.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Iterable

from bot import logs

SLACK_LOGGERS = ("slack_bolt", "slack_sdk", "aiohttp", "bot.adapters.slack")
# The logger handed to Bolt: every logger Bolt creates copies its filters and level.
BOLT_LOGGER = logging.getLogger("slack_bolt.agendabot")
REMEMBERED = 1000  # response URLs kept to be recognised when logged bare

# One character of a value inside a log line: not a quote, separator or their %-encodings.
_CHAR = r"(?:(?!%22|%27|%2C|%26|%7D|%5C)[^\s\"'&,}\\])"
# response_url=…, "response_url": "…", \"response_url\": \"…\", and the same URL-encoded.
_KEYED = re.compile(
    r"(?i)(response_url(?:%22|%27|\\?[\"'])?\s*(?:=|:|%3A|%3D)(?:\s|\+|%20)*"
    r"(?:%22|%27|\\?[\"'])?)" + _CHAR + "+"
)
# A Slack response URL or incoming webhook, URL-encoded (bot.logs knows the plain form).
_ENCODED_HOOK = re.compile(
    r"(?i)https?%3A%2F%2F" + _CHAR + r"*?%2F(?:commands|actions|services)%2F" + _CHAR + "+"
)


class SlackRedactor:
    """`bot.logs.REDACT`, plus Slack's response URLs in every encoding a log line holds."""

    def __init__(self) -> None:
        self._urls: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, url: object) -> None:
        """A response_url seen in a request: cut it wherever it shows later, even bare."""
        if not isinstance(url, str) or len(url) < logs.MIN_SECRET:
            return
        with self._lock:
            for form in (url, urllib.parse.quote(url, safe="")):
                self._urls[form] = None
                self._urls.move_to_end(form)
            while len(self._urls) > 2 * REMEMBERED:
                self._urls.popitem(last=False)

    def __call__(self, text: str) -> str:
        with self._lock:
            urls = list(self._urls)
        for url in urls:
            if url in text:
                text = text.replace(url, logs.MASK)
        text = _KEYED.sub(lambda m: m.group(1) + logs.MASK, text)
        text = _ENCODED_HOOK.sub(logs.MASK, text)
        return logs.REDACT(text)


REDACT = SlackRedactor()


class SlackLogFilter(logging.Filter):
    """Renders a record's message and traceback once, redacted, and keeps only that."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in a library: keep the raw template
            message = str(record.msg)
        record.msg, record.args = REDACT(message), None
        if record.exc_info:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = REDACT(text), None
        elif record.exc_text:
            record.exc_text = REDACT(record.exc_text)
        if record.stack_info:
            record.stack_info = REDACT(record.stack_info)
        return True


FILTER = SlackLogFilter()


def protect_logs(secrets: Iterable[str]) -> None:
    """Cut `secrets` (tokens, signing secret) from every log line, and put the filter on every
    logger of the Slack stack that exists now, the Bolt base logger included."""
    logs.protect(secrets)
    # Module loggers too that do not exist yet: slack_sdk's webhook client (what Bolt's
    # respond() posts with) calls getLogger(__name__) only when it is instantiated.
    known = [*logging.root.manager.loggerDict, *sys.modules]
    names = [n for n in known if n.startswith(SLACK_LOGGERS)]
    for name in {*names, *SLACK_LOGGERS, BOLT_LOGGER.name}:
        logger = logging.getLogger(name)
        if FILTER not in logger.filters:
            logger.addFilter(FILTER)
