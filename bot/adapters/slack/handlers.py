"""Slack requests in: slash commands, mentions, DMs and paging buttons, through one Bolt app.

Why the ack works the way it does: Slack gives a slash command 3 seconds. Almost every
command answers in milliseconds, so the answer itself is the ack (one message, no second
round trip). Every command runs in a worker thread and gets `ack_budget` seconds (see
`Dispatcher`); when it needs longer (the first search loads the Korean tokenizer, a slow
disk, the store busy with another writer) the ack becomes a short "처리 중" line and the
answer follows through `response_url` from a background task. Never inline on the loop,
not even a command that was quick last time: a read waits for the store's lock while
another thread writes (and a write waits for another process's file lock), and the loop
blocked there would miss every ack, Socket Mode's included. Bolt's lazy listeners could not
reuse the work already started for the ack, so we keep our own task set instead, which
`SlackBot.stop()` drains.

Listeners run with `process_before_response=True`: the HTTP response leaves as soon as the
listener returns, instead of Bolt polling for the ack every 10 ms. Every listener therefore
returns right after `ack()` and leaves slower follow-ups to background tasks.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.say.async_say import AsyncSay
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.adapters import Health
from bot.adapters.answering import Answerer
from bot.adapters.slack.codec import (
    PLATFORM,
    Message,
    action_command,
    command_text,
    message_text,
    messages,
    page_press,
    to_request,
    unescape,
)
from bot.adapters.slack.files import FileError, download, file_info
from bot.adapters.slack.log_filter import BOLT_LOGGER, REDACT
from bot.adapters.slack.sender import upload_files
from bot.commands import Context, Request, may_repeat
from bot.commands.importing import ADMINS_ONLY, refuse_size, upload
from bot.intake import SIZE_LIMIT, looks_pasted
from bot.reply import Attachment, Reply, error

log = logging.getLogger(__name__)

ACK_BUDGET = 2.0  # seconds of work before the ack; Slack allows 3, the network needs some
DRAIN_TIMEOUT = 10.0  # seconds stop() waits for answers still being sent
SEEN_EVENTS = 1000  # event ids remembered to drop Slack's retries
PROCESSING = "⏳ 처리 중입니다. 잠시만 기다려 주세요."
FAILED = "죄송합니다. 답을 보내다 오류가 났습니다. 잠시 후 다시 시도해 주세요."
EXPIRED = "만료된 버튼입니다. 명령을 다시 입력하세요."
NOT_A_PAGE = "이 버튼으로는 실행할 수 없는 명령입니다. 명령을 직접 입력하세요."
_PAGE_ACTION = re.compile(r"^page_\d+$")
_ACTION = re.compile(r"^act_\d+$")

Body = dict[str, Any]
Tell = Callable[[str], Awaitable[Any]]  # one line to the asker, where they asked


@dataclass(frozen=True)
class Answer:
    """A command's answer as Slack messages, and the files to upload after them (/export)."""

    messages: list[Message]
    files: tuple[Attachment, ...] = ()


class Dispatcher:
    """Runs commands in worker threads and keeps the answers that outlive their ack, which
    fall back to the response_url path; marks the adapter alive on every request."""

    def __init__(
        self, ctx: Context, ack_budget: float = ACK_BUDGET, health: Health | None = None
    ) -> None:
        self.ctx = ctx
        self.ack_budget = ack_budget
        self.health = health or Health()
        self.answerer = Answerer(ctx)
        self._tasks: set[asyncio.Future[Any]] = set()
        self._seen_events: OrderedDict[str, None] = OrderedDict()

    def alive(self) -> None:
        """A request came through (signed, and the token accepted): Slack reaches us. A token
        Slack rejected stays `down`: requests in flight do not make it work again."""
        if self.health.status != "down":
            self.health.ok()

    def start(self, req: Request, page: int = 1) -> asyncio.Future[Answer]:
        """The command's answer, computed in a worker thread (see the module docstring)."""
        return self.background(asyncio.to_thread(self._answer, req, page))

    def _answer(self, req: Request, page: int) -> Answer:
        try:
            reply = self.answerer.answer(req, page)
            return Answer(messages(reply), reply.attachments)
        except Exception:  # handle() never raises; rendering might, and the user needs a line
            log.exception("rendering failed for %r", req.text[:200])
            return Answer(messages(error(FAILED)))

    async def run(self, req: Request, page: int = 1) -> Answer:
        return await self.start(req, page)

    async def within_budget(self, work: asyncio.Future[Answer]) -> Answer | None:
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
        while len(self._seen_events) > SEEN_EVENTS:
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


def build_app(ctx: Context, client: AsyncWebClient, work: Dispatcher) -> AsyncApp:
    """The Bolt app with every listener; request signatures are always verified."""
    app = AsyncApp(
        client=client,
        signing_secret=ctx.settings.slack_signing_secret,
        process_before_response=True,
        logger=BOLT_LOGGER,  # Bolt's loggers copy its filter: no secret in their lines
        name="agendabot",
    )
    listen = Listeners(work, client)
    app.use(listen.seen)
    # One listener for every slash command: the command layer knows the names (REGISTRY)
    # and answers unknown ones with a suggestion, so nothing is listed here.
    app.command(re.compile(r"^/"))(listen.on_command)
    app.event("app_mention")(listen.on_mention)
    app.event("message")(listen.on_message)
    app.action(_PAGE_ACTION)(listen.on_page)
    app.action(_ACTION)(listen.on_action)
    return app


class Listeners:
    """Bolt's listeners; each returns right after its ack and leaves the work to a task."""

    def __init__(self, work: Dispatcher, client: AsyncWebClient) -> None:
        self.work = work
        self.client = client

    async def seen(self, body: Body, next_: Callable[[], Awaitable[None]]) -> None:
        """Every request that passed Bolt's checks: its response_url is cut from the logs
        from now on, wherever it shows (a failed post logs the bare URL), and we are alive."""
        REDACT.remember(body.get("response_url"))
        self.work.alive()
        await next_()

    async def on_command(self, ack: AsyncAck, command: Body, respond: AsyncRespond) -> None:
        work = self.work
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
            await ack(response_type="ephemeral", **answer.messages[0])
            delivered()
            if answer.messages[1:] or answer.files:
                work.background(self._respond_rest(respond, req, answer))
            return
        await ack(response_type="ephemeral", text=PROCESSING)
        work.background(self._respond_later(respond, req, pending))

    async def _respond_rest(self, respond: AsyncRespond, req: Request, answer: Answer) -> None:
        """What did not fit in the ack: the other parts, then the files."""
        await _respond_all(respond, answer.messages[1:])
        await _send_files(self.client, req, answer.files, _teller(respond))

    async def _respond_later(
        self, respond: AsyncRespond, req: Request, pending: asyncio.Future[Answer]
    ) -> None:
        answer = await pending
        await _respond_all(respond, answer.messages, replace=True)
        await _send_files(self.client, req, answer.files, _teller(respond))

    async def on_mention(self, event: Body, body: Body, say: AsyncSay) -> None:
        if self.work.first_time(body.get("event_id")):
            self.work.background(_answer_event(self.work, self.client, event, body, say))

    async def on_message(self, event: Body, body: Body, say: AsyncSay) -> None:
        """What a person typed or shared in a DM with the bot: channel messages reach us as
        app_mention, and edits, joins and bot posts carry another subtype or a bot_id."""
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        subtype = event.get("subtype")
        if subtype not in (None, "file_share") or not self.work.first_time(body.get("event_id")):
            return
        if subtype == "file_share" or looks_pasted(unescape(event.get("text") or "")):
            self.work.background(_import(self.work, self.client, event, body, say))
        else:
            self.work.background(_answer_event(self.work, self.client, event, body, say))

    async def on_page(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond) -> None:
        """◀ 이전 / 다음 ▶: the command again at another page, as whoever pressed it.

        The value comes back from Slack as we sent it, but it is still data from outside (an
        old message, another app's button): one we could not have sent gets "만료된 버튼",
        and a command that writes is never run from a page button."""
        await ack()
        press = page_press(action.get("value"))
        if press is None or not _presser(body):
            log.warning("slack: paging button with an unexpected value ignored")
            self.work.background(_tell(respond, EXPIRED))
            return
        page, text = press
        if not may_repeat(text):
            log.warning("slack: paging button with an unexpected value ignored (it writes)")
            self.work.background(_tell(respond, NOT_A_PAGE))
            return
        req = _button_request(body, text)
        self.work.background(_respond_page(self.work, self.client, respond, req, page))

    async def on_action(
        self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond
    ) -> None:
        """저장, 취소, 삭제 확인: the button's command, run once as whoever pressed it (the
        command itself checks that they may)."""
        await ack()
        text = action_command(action.get("value"))
        if text is None or not _presser(body):
            log.warning("slack: action button with an unexpected value ignored")
            self.work.background(_tell(respond, EXPIRED))
            return
        req = _button_request(body, text)
        self.work.background(_respond_page(self.work, self.client, respond, req, 1))


def _presser(body: Body) -> str:
    """Who pressed the button: the request runs as them, never as whoever asked first."""
    return str((body.get("user") or {}).get("id") or "")


def _button_request(body: Body, text: str) -> Request:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return to_request(text, _presser(body), channel, team)


async def _import(
    work: Dispatcher, client: AsyncWebClient, event: Body, body: Body, say: AsyncSay
) -> None:
    """A file shared in a DM, or a release pasted there: its preview with 저장 / 취소."""
    req = to_request(
        "/import",
        event.get("user", ""),
        event.get("channel", ""),
        body.get("team_id") or event.get("team"),
        "directmessage",
    )
    reply = await _upload(work, client, event, req)
    for message in messages(reply):
        await say(channel=event.get("channel"), unfurl_links=False, **message)
        delivered()


async def _upload(work: Dispatcher, client: AsyncWebClient, event: Body, req: Request) -> Reply:
    ctx = work.ctx
    shared = event.get("files") or []
    if not shared:
        data = unescape(event.get("text") or "").encode("utf-8")
        return await asyncio.to_thread(upload, ctx, req, "pasted.txt", data)
    if not await asyncio.to_thread(ctx.is_admin, req):  # asks the store: off the loop
        return error(ADMINS_ONLY)
    try:
        found = await file_info(client, str(shared[0].get("id", "")))
        refusal = refuse_size(found.size)
        if refusal is not None:
            return refusal
        data = await download(found, ctx.settings.slack_bot_token, SIZE_LIMIT)
    except FileError as e:
        return error(e.line())
    return await asyncio.to_thread(upload, ctx, req, found.name, data)


def delivered(count: int = 1) -> None:
    metrics.MESSAGES.labels(platform=PLATFORM).inc(count)


async def _respond_all(respond: AsyncRespond, answer: list[Message], replace: bool = False) -> None:
    """Send through response_url; only the first part may replace the original message."""
    for i, message in enumerate(answer):
        sent = await respond(
            response_type="ephemeral", replace_original=replace and i == 0, **message
        )
        if sent.status_code != 200:  # expired (30 min, 5 posts) or Slack failing; no URL here
            log.warning("slack: response_url refused an answer (%s)", sent.status_code)
            return
        delivered()


async def _tell(respond: AsyncRespond, line: str) -> None:
    """A one-line answer only the presser sees, under the message they pressed."""
    await _respond_all(respond, messages(error(line)))


def _teller(respond: AsyncRespond) -> Tell:
    return lambda line: _tell(respond, line)


async def _send_files(
    client: AsyncWebClient, req: Request, files: tuple[Attachment, ...], tell: Tell
) -> None:
    """Upload an answer's files to the asker's DM with the bot, after its messages; a
    failed upload is told in one line where they asked."""
    if not files:
        return
    line = await upload_files(client, req.user_id, files)
    if line:
        await tell(line)


async def _respond_page(
    work: Dispatcher, client: AsyncWebClient, respond: AsyncRespond, req: Request, page: int
) -> None:
    answer = await work.run(req, page)
    await _respond_all(respond, answer.messages, replace=True)
    await _send_files(client, req, answer.files, _teller(respond))


async def _answer_event(
    work: Dispatcher, client: AsyncWebClient, event: Body, body: Body, say: AsyncSay
) -> None:
    """Answer a mention or a DM in place: in the thread when asked in a thread."""
    req = to_request(
        message_text(event.get("text", "")),
        event.get("user", ""),
        event.get("channel", ""),
        body.get("team_id") or event.get("team"),
        "directmessage" if event.get("channel_type") == "im" else "",
    )
    answer = await work.run(req)
    for message in answer.messages:
        await say(
            channel=event.get("channel"),
            thread_ts=event.get("thread_ts"),
            unfurl_links=False,
            unfurl_media=False,
            **message,
        )
        delivered()

    async def tell(line: str) -> None:
        await say(channel=event.get("channel"), thread_ts=event.get("thread_ts"), text=line)

    await _send_files(client, req, answer.files, tell)
