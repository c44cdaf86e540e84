"""The Slack adapter when things go wrong: forged or stale buttons, secrets in the logs of
every failure path, a busy store, a token Slack rejects, and what the metrics count.

The real Bolt app and slack_sdk against the fake Slack on 127.0.0.1, as in
`tests/test_slack_adapter.py` (whose signed client this file reuses).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot import metrics
from bot.adapters.slack import PROCESSING, SlackBot, SlackSender, build_client
from bot.commands import Context
from bot.config import Settings
from bot.delivery import DeliveryError
from bot.model import Subscription
from bot.reply import Reply
from bot.store import Store
from fakes.slack_api import FakeSlackAPI, FakeSocketMode
from tests.conftest import ADMIN_SLACK
from tests.test_slack_adapter import (
    APP_TOKEN,
    SECRET,
    TOKEN,
    SlackClient,
    running,
    snapshot,
    text_of,
)

EXPIRED = "만료된 버튼"


@pytest.fixture
def api() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def sctx(store: Store, settings: Settings, api: FakeSlackAPI) -> Context:
    return Context(
        store,
        dataclasses.replace(
            settings,
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=api.url,
            http_host="127.0.0.1",
            http_port=0,
        ),
    )


def socket_ctx(ctx: Context) -> Context:
    """The same bot in Socket Mode: an app token, no signing secret."""
    settings = dataclasses.replace(ctx.settings, slack_app_token=APP_TOKEN, slack_signing_secret="")
    return Context(ctx.store, settings)


def _sub(channel: str = "C1") -> Subscription:
    return Subscription(key=f"slack:T1:{channel}", platform="slack", chat_id=channel, team_id="T1")


def status(bot: SlackBot) -> str:
    """The adapter's health status, read afresh (mypy would keep an earlier comparison)."""
    return bot.health.status


def count(name: str) -> float:
    """A counter's value for platform="slack" (0 before its first increment)."""
    value = metrics.REGISTRY.get_sample_value(f"{name}_total", {"platform": "slack"})
    return value or 0.0


# -- paging and action buttons ---------------------------------------------------------------


async def press(
    slack: SlackClient, value: str, action_id: str = "page_1", user: str = "U1"
) -> dict[str, Any]:
    """Press a button; the one message the presser gets back through response_url."""
    ack = await slack.page_button(value, user=user, action_id=action_id)
    assert ack.status == 200 and ack.elapsed < 3.0
    [answer] = await slack.api.wait_for("response", path=ack.sink)
    return answer.body


FORGED_PAGES = (
    "",
    "abc",
    "|/agenda",
    "1|",
    "1|agenda",  # no slash: we never send that
    "0|/agenda",
    "-1|/agenda",
    "99999999999999|/agenda",
    "9" * 5000 + "|/agenda",  # would be too long an int for Python, and for Slack
    "٣|/agenda",  # a digit, but not one we write
    "1|/" + "가" * 2100,  # longer than Slack lets a button carry
)


def test_forged_or_stale_page_values_get_an_expired_answer_and_change_nothing(
    sctx: Context, api: FakeSlackAPI
) -> None:
    before = snapshot(sctx.store)

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            for value in FORGED_PAGES:
                answer = await press(slack, value, user=ADMIN_SLACK)
                assert EXPIRED in text_of(answer), value
                assert answer["replace_original"] is False, value  # the page stays as it was
                assert answer["response_type"] == "ephemeral"
            for value in ("", "agenda", "/"):
                answer = await press(slack, value, action_id="act_1", user=ADMIN_SLACK)
                assert EXPIRED in text_of(answer), value

    asyncio.run(scenario())
    assert snapshot(sctx.store) == before


def test_a_page_runs_as_whoever_pressed_it_and_never_without_one(
    sctx: Context, api: FakeSlackAPI
) -> None:
    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            answer = await press(slack, "1|/whoami", user="U7")
            assert "U7" in text_of(answer) and answer["replace_original"] is True
            sink = f"/response/{uuid.uuid4().hex}"
            payload = {
                "type": "block_actions",
                "team": {"id": "T1"},
                "channel": {"id": "C1"},
                "response_url": f"http://127.0.0.1:{api.port}{sink}",
                "actions": [{"action_id": "page_1", "value": "1|/whoami", "type": "button"}],
            }
            ack = await slack.post(urllib.parse.urlencode({"payload": json.dumps(payload)}))
            assert ack.status == 200
            [nobody] = await api.wait_for("response", path=sink)
            assert EXPIRED in text_of(nobody.body)

    asyncio.run(scenario())


# -- a busy store ------------------------------------------------------------------------------


def test_ack_within_3_seconds_while_the_store_is_slow(
    sctx: Context, api: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/agenda 3 answered quickly twice (so it counts as quick), then the store takes 5 s for
    each call (another writer, a slow disk): both commands sent meanwhile are acknowledged
    within Slack's 3 seconds, and their answers follow through response_url."""
    generation = Store.generation

    def slow(store: Store) -> int:
        time.sleep(5.0)
        value: int = generation.fget(store)  # type: ignore[attr-defined]
        return value

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            for _ in range(2):
                assert "[1.3]" in text_of((await slack.command("/agenda 3")).json())
            monkeypatch.setattr(Store, "generation", property(slow))
            started = time.monotonic()
            acks = await asyncio.gather(slack.command("/agenda 3"), slack.command("/meetings"))
            for ack in acks:
                assert ack.status == 200
                assert ack.elapsed < 3.0, ack.elapsed
                assert ack.json()["text"] == PROCESSING
            agenda = await slack.answer(acks[0], timeout=30)
            assert "[1.3]" in text_of(agenda) and agenda["replace_original"] is True
            assert time.monotonic() - started >= 5.0  # it did wait for the store
            assert text_of(await slack.answer(acks[1], timeout=30))

    asyncio.run(scenario())


# -- secrets in logs ---------------------------------------------------------------------------


class Everything(logging.Handler):
    """Every record of every logger, rendered as a handler would (message and traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        if record.exc_info:  # a traceback another handler would render itself
            self.lines.append(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            self.lines.append(record.stack_info)


@pytest.fixture
def everything() -> Iterator[Everything]:
    root = logging.getLogger()
    handler, level = Everything(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


async def forged(slack: SlackClient, sink: str) -> None:
    """A slash command and a button press, each carrying a live response_url, signed with
    the wrong secret or too old: Bolt rejects them (401) and logs them at INFO."""
    url = f"http://127.0.0.1:{slack.api.port}{sink}"
    form = urllib.parse.urlencode(
        {"command": "/agenda", "text": "3", "user_id": "U1", "response_url": url}
    )
    assert (await slack.post(form, secret="wrong")).status == 401
    assert (await slack.post(form, age=6 * 60)).status == 401
    payload = {"type": "block_actions", "response_url": url, "user": {"id": "U1"}}
    button = urllib.parse.urlencode({"payload": json.dumps(payload)})
    assert (await slack.post(button, secret="wrong")).status == 401
    event = {"type": "event_callback", "event": {"type": "app_mention"}, "response_url": url}
    assert (await slack.post(json.dumps(event), "application/json", secret="nope")).status == 401


async def http_failures(sctx: Context, api: FakeSlackAPI, sinks: list[str]) -> list[str]:
    """Every error path of HTTP mode; the texts of the exceptions it raised to us."""
    raised: list[str] = []
    async with running(sctx, api, ack_budget=0.0) as (bot, slack):  # answers via response_url
        await forged(slack, sink := f"/response/{uuid.uuid4().hex}")
        sinks.append(sink)
        # Bolt checks the token on the first signed request: Slack answers 401 invalid_auth
        api.fail_next("auth.test", error="invalid_auth", status=401)
        refused = await slack.command("/help")
        sinks.append(refused.sink)
        assert refused.status == 200 and not api.calls_to("response", refused.sink)
        # a command answered through response_url, which answers 500 and then works
        api.fail_next("response", error="internal_error", status=500)
        ack = await slack.command("/agenda 3")
        sinks.append(ack.sink)
        await api.wait_for("response", path=ack.sink, timeout=30)
        page = await slack.page_button("1|/followup list")
        sinks.append(page.sink)
        await api.wait_for("response", path=page.sink, timeout=30)
        # chat.postMessage: a 429 (answering a mention), a 500 (a digest), then invalid_auth
        api.ratelimit_next("chat.postMessage", 1, retry_after=1)
        mention = {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> help"}
        await slack.event(mention)
        await api.wait_for("chat.postMessage", 2)
        api.fail_next("chat.postMessage", error="fatal_error", status=500)
        await bot.sender.send(_sub(), Reply(title="요약"))
        api.fail_next("chat.postMessage", error="invalid_auth", status=401)
        try:
            await bot.sender.send(_sub(), Reply(title="요약"))
        except DeliveryError as e:
            raised.append(repr(e) + str(e))
    return raised


async def socket_failures(sctx: Context, api: FakeSlackAPI, sinks: list[str]) -> None:
    """Socket Mode: apps.connections.open answering 500, an envelope with a response_url
    (logged at DEBUG), then a second bot whose app token Slack rejects."""
    ctx = socket_ctx(sctx)
    async with FakeSocketMode() as ws:
        api.socket_url = ws.url
        api.fail_next("apps.connections.open", error="internal_error", status=500)
        bot = SlackBot(ctx, connect_timeout=5.0)
        await bot.start()
        try:
            await ws.wait_connected()
            url = api.response_url(uuid.uuid4().hex)
            sinks.append(urllib.parse.urlsplit(url).path)
            payload = {"command": "/agenda", "text": "3", "team_id": "T1", "channel_id": "C1"}
            envelope = await ws.send_envelope(
                "slash_commands", {**payload, "user_id": "U1", "response_url": url}
            )
            await ws.wait_ack(envelope)
        finally:
            await bot.stop()
        api.fail_next("apps.connections.open", error="invalid_auth", status=200)
        rejected = SlackBot(ctx, connect_timeout=2.0)
        await rejected.start()
        await rejected.stop()


def test_no_token_secret_or_response_url_in_any_log_line_or_exception(
    sctx: Context, api: FakeSlackAPI, everything: Everything
) -> None:
    sinks: list[str] = []

    async def scenario() -> list[str]:
        raised = await http_failures(sctx, api, sinks)
        await socket_failures(sctx, api, sinks)
        return raised

    raised = asyncio.run(scenario())
    lines = everything.lines + raised
    logged = "\n".join(lines)
    secrets = [TOKEN, APP_TOKEN, SECRET]
    for line in lines:
        for secret in secrets:
            assert secret not in line, line
        for sink in sinks:
            for form in (sink, urllib.parse.quote(sink, safe=""), sink.rsplit("/", 1)[1]):
                assert form not in line, line
    # the paths this test is about did log, at INFO and DEBUG: they were cut, not silent
    assert "Invalid request signature detected" in logged
    assert "response_url" in logged and "<redacted>" in logged
    assert "Failed to authorize" in logged and "invalid_auth" in logged
    assert any("slack_sdk" in line and " DEBUG " in line for line in everything.lines)
    assert raised


# -- health ------------------------------------------------------------------------------------


def test_health_ok_after_start_and_down_when_slack_rejects_the_token(
    sctx: Context, api: FakeSlackAPI
) -> None:
    async def scenario() -> None:
        async with running(sctx, api) as (bot, slack):
            assert status(bot) == "ok" and bot.health.last_ok
            assert "[1.3]" in text_of((await slack.command("/agenda 3")).json())
            api.fail_next("chat.postMessage", error="token_revoked")
            with pytest.raises(DeliveryError):
                await bot.sender.send(_sub(), Reply(title="요약"))
            assert status(bot) == "down"
            assert "token_revoked" in bot.health.detail and TOKEN not in bot.health.detail
            await slack.command("/agenda 3")  # a request in flight does not revive it
            assert status(bot) == "down"
        api.fail_next("auth.test", error="account_inactive")
        async with running(sctx, api) as (rejected, _):
            assert rejected.health.status == "down"
            assert "account_inactive" in rejected.health.detail

    asyncio.run(scenario())


def test_socket_mode_health_ok_degraded_while_reconnecting_down_on_a_rejected_app_token(
    sctx: Context, api: FakeSlackAPI
) -> None:
    ctx = socket_ctx(sctx)

    async def scenario() -> None:
        async with FakeSocketMode() as ws:
            api.socket_url = ws.url
            bot = SlackBot(ctx)
            seen: list[str] = []
            degraded = bot.health.degraded

            def noted(detail: str) -> None:
                seen.append(detail)
                degraded(detail)

            bot.health.degraded = noted  # type: ignore[method-assign]
            await bot.start()
            try:
                assert status(bot) == "ok"
                await ws.connections[0].close()  # Slack drops the connection
                deadline = time.monotonic() + 20
                while len(ws.connections) < 2 or status(bot) != "ok":
                    assert time.monotonic() < deadline, (len(ws.connections), bot.health)
                    await asyncio.sleep(0.05)
                assert any("reconnecting" in d for d in seen)
            finally:
                await bot.stop()
            calls = len(api.calls_to("apps.connections.open"))
            api.fail_next("apps.connections.open", error="invalid_auth")
            revoked = SlackBot(ctx, connect_timeout=3.0)
            started = time.monotonic()
            await revoked.start()
            try:
                assert status(revoked) == "down"
                assert "app token" in revoked.health.detail
                assert time.monotonic() - started < 3.0  # it gave up, it did not keep trying
                await asyncio.sleep(0.5)
                assert len(api.calls_to("apps.connections.open")) == calls + 1
            finally:
                await revoked.stop()

    asyncio.run(scenario())


# -- metrics -----------------------------------------------------------------------------------


def test_metrics_count_messages_429s_and_retries(sctx: Context, api: FakeSlackAPI) -> None:
    before = {n: count(n) for n in ("agendabot_messages_sent", "agendabot_rate_limited")}
    retries = count("agendabot_retries")

    async def scenario() -> None:
        sender = SlackSender(build_client(sctx.settings))
        api.ratelimit_next("chat.postMessage", 1, retry_after=1)
        assert len(await sender.send(_sub(), Reply(title="요약"))) == 1
        api.fail_next("chat.postMessage", error="fatal_error", status=500)
        assert len(await sender.send(_sub(), Reply(title="요약"))) == 1
        async with running(sctx, api) as (_, slack):
            await slack.answer(await slack.command("/agenda 3"))

    asyncio.run(scenario())
    assert count("agendabot_messages_sent") == before["agendabot_messages_sent"] + 3
    assert count("agendabot_rate_limited") == before["agendabot_rate_limited"] + 1
    assert count("agendabot_retries") == retries + 1
