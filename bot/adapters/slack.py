"""The Slack adapter: slash commands, mentions, DMs and paging buttons go through the one
command layer; digests go out through `SlackSender`. The only module that imports Slack.

Why the ack works the way it does: Slack gives a slash command 3 seconds. Almost every
command answers in milliseconds, so the answer itself is the ack (one message, no second
round trip). A command not known to be quick runs in a worker thread and gets `ack_budget`
seconds (see `Dispatcher`); when it needs longer (the first search loads the Korean
tokenizer, a slow disk) the ack becomes a short "처리 중" line and the answer follows
through `response_url` from a background task. Bolt's
lazy listeners could not reuse the work already started for the ack, so we keep our own task
set instead, which `SlackBot.stop()` drains.

Listeners run with `process_before_response=True`: the HTTP response leaves as soon as the
listener returns, instead of Bolt polling for the ack every 10 ms. Every listener therefore
returns right after `ack()` and leaves slower follow-ups to background tasks.

HTTP mode serves Bolt through its aiohttp adapter on an `AppRunner` bound to the configured
host only, in the caller's event loop (shared with python-telegram-bot), never `App.start()`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.adapters.answering import Answerer
from bot.commands import Context, Request
from bot.config import Settings
from bot.delivery import ChatGone, DeliveryError, RetryLater
from bot.errors import UsageError
from bot.model import Subscription
from bot.reply import Reply, error

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger(__name__)
# Bolt also reads SLACK_BOT_TOKEN from the environment and then warns that the token of the
# client we pass wins; that is our intent, so the warning is only noise at every start.
logging.getLogger("slack_bolt.AsyncApp").addFilter(
    lambda record: "will be unused" not in record.getMessage()
)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
ACK_BUDGET = 2.0  # seconds of work before the ack; Slack allows 3, the network needs some
DRAIN_TIMEOUT = 10.0  # seconds stop() waits for answers still being sent
CHANNEL_INTERVAL = 1.0  # chat.postMessage: about one message per second per channel
PROCESSING = "⏳ 처리 중입니다. 잠시만 기다려 주세요."
FAILED = "죄송합니다. 답을 보내다 오류가 났습니다. 잠시 후 다시 시도해 주세요."

# chat.postMessage errors that mean this channel will not take our messages until a person
# acts (invites the bot again, unarchives the channel): pause the subscription.
GONE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived", "account_inactive"})
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_PAGE_ACTION = re.compile(r"^page_\d+$")

Message = dict[str, Any]


# -- requests in ------------------------------------------------------------------------


def unescape(text: str) -> str:
    """Slack sends &, < and > typed by a person as entities; commands want what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_request(
    text: str, user_id: str, channel_id: str, team_id: str | None, channel_name: str = ""
) -> Request:
    """A Request for the command layer; a DM is a private chat (anyone may subscribe it)."""
    private = channel_name == "directmessage" or channel_id.startswith("D")
    return Request(
        platform="slack",
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


# -- replies out ------------------------------------------------------------------------


def messages(reply: Reply) -> list[Message]:
    """Block Kit messages for a Reply, each with an escaped plain-text fallback."""
    return [{"blocks": m["blocks"], "text": m["text"]} for m in render.slack(reply)]


class Dispatcher:
    """Runs commands (inline when quick, see `Answerer`) and keeps the answers that outlive
    their ack, which fall back to the response_url path."""

    def __init__(self, ctx: Context, ack_budget: float = ACK_BUDGET) -> None:
        self.ctx = ctx
        self.ack_budget = ack_budget
        self.answerer = Answerer(ctx)
        self._tasks: set[asyncio.Future[Any]] = set()
        self._seen_events: OrderedDict[str, None] = OrderedDict()

    def start(self, req: Request, page: int = 1) -> asyncio.Future[list[Message]]:
        if self.answerer.is_quick(req):
            future: asyncio.Future[list[Message]] = asyncio.get_running_loop().create_future()
            future.set_result(self._messages(req, page))
            return future
        return self.background(asyncio.to_thread(self._messages, req, page))

    def _messages(self, req: Request, page: int) -> list[Message]:
        try:
            return messages(self.answerer.answer(req, page))
        except Exception:  # handle() never raises; rendering might, and the user needs a line
            log.exception("rendering failed for %r", req.text[:200])
            return messages(error(FAILED))

    async def run(self, req: Request, page: int = 1) -> list[Message]:
        return await self.start(req, page)

    async def within_budget(self, work: asyncio.Future[list[Message]]) -> list[Message] | None:
        """The answer if it is ready within the ack budget, else None (it keeps running)."""
        if work.done():
            return work.result()
        done, _ = await asyncio.wait({work}, timeout=self.ack_budget)
        return work.result() if done else None

    def background(self, aw: Awaitable[Any]) -> asyncio.Future[Any]:
        """Keep a reference (the loop holds only weak ones) and log failures."""
        task = asyncio.ensure_future(aw)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack answer failed", exc_info=task.exception())

    def first_time(self, event_id: str | None) -> bool:
        """False for an event Slack delivers again (a retry after a slow or lost ack)."""
        if not event_id:
            return True
        if event_id in self._seen_events:
            return False
        self._seen_events[event_id] = None
        while len(self._seen_events) > 1000:
            self._seen_events.popitem(last=False)
        return True

    async def drain(self, timeout: float = DRAIN_TIMEOUT) -> None:
        """Let answers in flight reach Slack; cancel what is still running after `timeout`."""
        pending = set(self._tasks)
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            log.warning("slack: %d answers still running at shutdown were cancelled", len(late))


# -- the Bolt app -----------------------------------------------------------------------


def build_client(settings: Settings) -> AsyncWebClient:
    """A Web API client for the bot token; SLACK_API_URL points it at another host (GovSlack)."""
    kwargs: dict[str, Any] = {"token": settings.slack_bot_token or None}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    client = AsyncWebClient(**kwargs)
    # The default is one connection-error retry only; 429 would surface as an error without
    # waiting the Retry-After that Slack asks for.
    client.retry_handlers = [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ]
    return client


def build_app(
    ctx: Context,
    client: AsyncWebClient | None = None,
    *,
    dispatcher: Dispatcher | None = None,
) -> AsyncApp:
    """The Bolt app with every listener; request signatures are always verified."""
    settings = ctx.settings
    work = dispatcher or Dispatcher(ctx)
    app = AsyncApp(
        client=client or build_client(settings),
        signing_secret=settings.slack_signing_secret,
        process_before_response=True,
    )

    # One listener for every slash command: the command layer knows the names (REGISTRY)
    # and answers unknown ones with a suggestion, so nothing is listed here.
    @app.command(re.compile(r"^/"))
    async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        req = to_request(
            command_text(command.get("command", ""), command.get("text", "")),
            command.get("user_id", ""),
            command.get("channel_id", ""),
            command.get("team_id"),
            command.get("channel_name", ""),
        )
        pending = work.start(req)
        answer = await work.within_budget(pending)
        if answer is not None:
            await ack(response_type="ephemeral", **answer[0])
            if answer[1:]:
                work.background(_respond_all(respond, answer[1:]))
            return
        await ack(response_type="ephemeral", text=PROCESSING)
        work.background(_respond_later(respond, pending))

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], body: dict[str, Any], say: Any) -> None:
        if not work.first_time(body.get("event_id")):
            return
        work.background(_answer_event(work, event, body, say))

    @app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any], say: Any) -> None:
        # Only what a person typed in a DM with the bot: channel messages reach us as
        # app_mention, and edits, joins and bot posts carry a subtype or a bot_id.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if not work.first_time(body.get("event_id")):
            return
        work.background(_answer_event(work, event, body, say))

    @app.action(_PAGE_ACTION)
    async def on_page(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        await ack()
        page_text, _, text = str(action.get("value", "")).partition("|")
        if not page_text.isdigit() or not text:
            log.warning("slack: paging button with an unexpected value ignored")
            return
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id", ""
        )
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
        req = to_request(text, (body.get("user") or {}).get("id", ""), channel, team)
        work.background(_respond_page(work, respond, req, int(page_text)))

    return app


async def _respond_all(respond: Any, answer: list[Message], replace: bool = False) -> None:
    """Send through response_url; only the first part may replace the original message."""
    for i, message in enumerate(answer):
        await respond(response_type="ephemeral", replace_original=replace and i == 0, **message)


async def _respond_later(respond: Any, pending: asyncio.Future[list[Message]]) -> None:
    await _respond_all(respond, await pending, replace=True)


async def _respond_page(work: Dispatcher, respond: Any, req: Request, page: int) -> None:
    await _respond_all(respond, await work.run(req, page), replace=True)


async def _answer_event(
    work: Dispatcher, event: dict[str, Any], body: dict[str, Any], say: Any
) -> None:
    """Answer a mention or a DM in place: in the thread when asked in a thread."""
    req = to_request(
        message_text(event.get("text", "")),
        event.get("user", ""),
        event.get("channel", ""),
        body.get("team_id") or event.get("team"),
        "directmessage" if event.get("channel_type") == "im" else "",
    )
    for message in await work.run(req):
        await say(
            channel=event.get("channel"),
            thread_ts=event.get("thread_ts"),
            unfurl_links=False,
            unfurl_media=False,
            **message,
        )


# -- digests out ------------------------------------------------------------------------


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list | tuple) else value)
    return None


class SlackSender:
    """Posts a Reply to a subscribed channel; failures become the outbox's exceptions.

    The outbox paces deliveries across channels and pauses a subscription on ChatGone; the
    parts of one long reply are spaced here, since the outbox hands them over in one call.
    """

    platform = "slack"

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        channel_interval: float = CHANNEL_INTERVAL,
    ) -> None:
        self.client = client
        self.channel_interval = channel_interval
        self._next_slot: dict[str, float] = {}

    async def send(self, sub: Subscription, reply: Reply) -> list[str]:
        ids: list[str] = []
        for message in messages(reply):
            await self._pace(sub.chat_id)
            try:
                response = await self.client.chat_postMessage(
                    channel=sub.chat_id,
                    unfurl_links=False,
                    unfurl_media=False,
                    link_names=False,
                    **message,
                )
            except SlackApiError as e:
                raise self._failure(sub, e) from None
            except (aiohttp.ClientError, TimeoutError, OSError) as e:
                raise RetryLater(f"slack: network error ({type(e).__name__})", after=5.0) from None
            ids.append(str(response.get("ts", "")))
        return ids

    async def _pace(self, channel: str) -> None:
        """Keep to about one message per second per channel; reserve the slot, then wait."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next_slot.get(channel, 0.0))
        self._next_slot[channel] = slot + self.channel_interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def _failure(self, sub: Subscription, e: SlackApiError) -> DeliveryError:
        status = getattr(e.response, "status_code", 0)
        data = getattr(e.response, "data", None)
        code = str(data.get("error", "")) if isinstance(data, dict) else ""
        if status == 429 or code == "ratelimited":
            retry_after = _header(getattr(e.response, "headers", None), "Retry-After")
            after = float(retry_after) if retry_after and retry_after.isdigit() else 1.0
            return RetryLater(f"slack: rate limited on {sub.key}", after=after)
        if code in GONE_ERRORS:
            return ChatGone(f"slack: {code}")
        if status >= 500:
            return RetryLater(f"slack: server error {status}", after=5.0)
        return DeliveryError(f"slack: {code or status}")


# -- running it -------------------------------------------------------------------------


class SlackBot:
    """The Slack side of `agendabot run`: Socket Mode with an app token, else HTTP."""

    def __init__(
        self,
        ctx: Context,
        client: AsyncWebClient | None = None,
        *,
        ack_budget: float = ACK_BUDGET,
        channel_interval: float = CHANNEL_INTERVAL,
        connect_timeout: float = 10.0,
        extra_routes: Sequence[tuple[str, Handler]] = (),
    ) -> None:
        """`extra_routes` are POST routes served on the same HTTP port (a Telegram webhook)."""
        self.ctx = ctx
        self.extra_routes = tuple(extra_routes)
        self.settings = ctx.settings
        self.client = client or build_client(self.settings)
        self.dispatcher = Dispatcher(ctx, ack_budget)
        self.app = build_app(ctx, self.client, dispatcher=self.dispatcher)
        self.sender = SlackSender(self.client, channel_interval=channel_interval)
        self.mode = "socket" if self.settings.slack_app_token else "http"
        self.connect_timeout = connect_timeout
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start receiving; returns once the server listens (or Socket Mode is connecting)."""
        if not self.settings.slack_bot_token:
            raise UsageError("SLACK_BOT_TOKEN 이 없어 Slack 을 시작할 수 없습니다.")
        if self.mode == "socket":
            await self._start_socket_mode()
        else:
            await self._start_http()

    async def start_sending(self) -> None:
        """Only send (a one-off digest tick from the CLI): no server, no socket connection."""
        if not self.settings.slack_bot_token:
            raise UsageError("SLACK_BOT_TOKEN 이 없어 Slack 으로 보낼 수 없습니다.")

    async def _start_http(self) -> None:
        if not self.settings.slack_signing_secret:
            raise UsageError(
                "Slack HTTP 모드에는 SLACK_SIGNING_SECRET 이 필요합니다"
                " (또는 SLACK_APP_TOKEN 으로 Socket Mode 를 쓰세요)."
            )
        web_app = web.Application()
        web_app.router.add_post(EVENTS_PATH, self._events)
        web_app.router.add_get(HEALTH_PATH, self._health)
        for path, handler in self.extra_routes:
            web_app.router.add_post(path, handler)
        self._runner = web.AppRunner(web_app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info(
            "slack: HTTP mode on http://%s:%d%s",
            self.settings.http_host,
            self.port,
            EVENTS_PATH,
        )

    async def _events(self, request: web.Request) -> web.Response:
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "mode": self.mode})

    async def _start_socket_mode(self) -> None:
        self._socket = AsyncSocketModeHandler(
            self.app, app_token=self.settings.slack_app_token, web_client=self.client
        )
        # connect() retries forever while Slack is unreachable; do not hold up the other
        # adapters for that, keep connecting in the background.
        self._connecting = asyncio.ensure_future(self._socket.connect_async())
        done, _ = await asyncio.wait({self._connecting}, timeout=self.connect_timeout)
        if done:
            self._connecting.result()
            log.info("slack: Socket Mode connected")
        else:
            log.warning("slack: Socket Mode not connected yet; still trying in the background")

    async def stop(self) -> None:
        """Stop taking requests, then let the answers already being sent finish."""
        if self._socket is not None:
            await self._socket.close_async()
            if self._connecting is not None and not self._connecting.done():
                self._connecting.cancel()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.dispatcher.drain()


__all__ = [
    "Dispatcher",
    "SlackBot",
    "SlackSender",
    "build_app",
    "build_client",
    "messages",
]
