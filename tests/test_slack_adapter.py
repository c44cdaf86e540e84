"""The Slack adapter over real HTTP: the real Bolt app on its aiohttp server receives signed
requests, and the real slack_sdk talks to a fake Slack Web API on 127.0.0.1.

pytest-asyncio is not installed, so each test is a sync function running one scenario with
asyncio.run().
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import json
import logging
import re
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from openpyxl import load_workbook
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot import runner
from bot.adapters.slack import PROCESSING, SlackBot, SlackSender, build_client, command_text
from bot.commands import REGISTRY, Context
from bot.config import Settings
from bot.delivery import ChatGone, DeliveryError, RetryLater
from bot.errors import UsageError
from bot.model import Subscription
from bot.reply import Line, Reply, Section
from bot.store import Store
from fakes.slack_api import FakeSlackAPI, FakeSocketMode
from tests.conftest import ADMIN_SLACK

SECRET = "test-signing-secret-5f1c"
TOKEN = "xoxb-test-token-9a7e"
APP_TOKEN = "xapp-test-token-3b2d"
ADD = "add 3 2026-12-15 과기정통부 데이터 구축 점검"

# Arguments that make each command do real work; a command added later runs without any.
EXAMPLES = {"agenda": "3", "ministry": "중기부", "search": "보이스피싱", "milestones": "365"}
# Commands whose answer never goes to a channel (files with every follow-up).
PRIVATE_ONLY = {"export"}


@pytest.fixture
def api() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def slack_settings(settings: Settings, api: FakeSlackAPI) -> Settings:
    return dataclasses.replace(
        settings,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=api.url,
        http_host="127.0.0.1",
        http_port=0,
    )


@pytest.fixture
def sctx(store: Store, slack_settings: Settings) -> Context:
    return Context(store, slack_settings)


# -- a signed Slack client ------------------------------------------------------------------


@dataclass
class Ack:
    """What came back on the HTTP response of one request, and where its follow-ups go."""

    status: int
    body: str
    elapsed: float
    sink: str  # the response_url path of this request

    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


def text_of(message: dict[str, Any]) -> str:
    """Everything a person could see of a message: block texts and the fallback."""
    parts = [str(message.get("text", ""))]
    for block in message.get("blocks") or []:
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            parts.append(json.dumps(element, ensure_ascii=False))
    return "\n".join(parts)


class SlackClient:
    """Posts requests into the running bot as Slack would: form-encoded and signed."""

    def __init__(self, port: int, api: FakeSlackAPI, session: aiohttp.ClientSession) -> None:
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self.api = api
        self.session = session

    async def post(
        self,
        body: str,
        content_type: str = "application/x-www-form-urlencoded",
        *,
        secret: str = SECRET,
        age: int = 0,
        sink: str = "",
    ) -> Ack:
        ts = str(int(time.time()) - age)
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": str(signature),
        }
        started = time.perf_counter()
        async with self.session.post(self.url, data=body.encode(), headers=headers) as r:
            text = await r.text()
        return Ack(r.status, text, time.perf_counter() - started, sink)

    async def command(
        self,
        line: str,
        *,
        user: str = "U1",
        channel: str = "C1",
        channel_name: str = "general",
        **kw: Any,
    ) -> Ack:
        name, _, text = line.partition(" ")
        sink = f"/response/{uuid.uuid4().hex}"
        form = {
            "token": "verification-token",
            "team_id": "T1",
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": "someone",
            "command": name,
            "text": text,
            "api_app_id": "A1",
            "response_url": f"http://127.0.0.1:{self.api.port}{sink}",
            "trigger_id": "1.2.3",
        }
        return await self.post(urllib.parse.urlencode(form), sink=sink, **kw)

    async def event(self, event: dict[str, Any], event_id: str | None = None) -> Ack:
        body = {
            "token": "verification-token",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}",
            "event_time": int(time.time()),
            "event": {"ts": "1700000000.000100", "event_ts": "1700000000.000100", **event},
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
        return await self.post(json.dumps(body), "application/json")

    async def page_button(
        self, value: str, *, user: str = "U1", channel: str = "C1", action_id: str = "page_1"
    ) -> Ack:
        sink = f"/response/{uuid.uuid4().hex}"
        payload = {
            "type": "block_actions",
            "team": {"id": "T1", "domain": "test"},
            "user": {"id": user, "team_id": "T1"},
            "api_app_id": "A1",
            "channel": {"id": channel, "name": "general"},
            "container": {"type": "message", "channel_id": channel, "is_ephemeral": True},
            "trigger_id": "1.2.3",
            "response_url": f"http://127.0.0.1:{self.api.port}{sink}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "action_ts": "1700000000.1",
                }
            ],
        }
        return await self.post(urllib.parse.urlencode({"payload": json.dumps(payload)}), sink=sink)

    async def answer(self, ack: Ack, timeout: float = 30.0) -> dict[str, Any]:
        """The first answer message: in the ack itself, or through response_url when slow."""
        assert ack.status == 200, ack
        if ack.body and ack.json().get("text") != PROCESSING:
            return ack.json()
        calls = await self.api.wait_for("response", 1, timeout=timeout, path=ack.sink)
        return calls[0].body


@asynccontextmanager
async def running(
    ctx: Context, api: FakeSlackAPI, **kw: Any
) -> AsyncIterator[tuple[SlackBot, SlackClient]]:
    """The bot in HTTP mode on a free port (as the runner starts it), and a client that
    signs what it posts."""
    bot = SlackBot(ctx, **kw)
    async with runner.running(ctx, [bot]) as server, aiohttp.ClientSession() as session:
        assert server is not None and server.port
        yield bot, SlackClient(server.port, api, session)


def snapshot(store: Store) -> tuple[int, int, int]:
    return (
        len(store.followups(status=None)),
        len(store.subscriptions()),
        len(store.audit_log()),
    )


# -- HTTP mode ------------------------------------------------------------------------------


def test_http_mode_binds_the_configured_host_and_answers_healthz(
    sctx: Context, api: FakeSlackAPI
) -> None:
    async def scenario() -> None:
        bot = SlackBot(sctx)
        assert bot.mode == "http"
        async with runner.running(sctx, [bot]) as server:
            assert server is not None and server.port and server.port > 0
            assert server.addresses == ["127.0.0.1"]
            async with (
                aiohttp.ClientSession() as s,
                s.get(f"http://127.0.0.1:{server.port}/healthz") as r,
            ):
                assert r.status == 200
                body = await r.json()
                assert body["ok"] is True and body["status"] == "ok"
                assert body["adapters"]["slack"]["mode"] == "http"
                assert body["adapters"]["slack"]["status"] == "ok"  # auth.test passed at start

    asyncio.run(scenario())


def test_http_mode_needs_a_signing_secret(sctx: Context) -> None:
    ctx = Context(sctx.store, dataclasses.replace(sctx.settings, slack_signing_secret=""))

    async def scenario() -> None:
        with pytest.raises(UsageError):
            await SlackBot(ctx).start()

    asyncio.run(scenario())


def test_every_command_is_acknowledged_in_time_with_its_answer(
    sctx: Context, api: FakeSlackAPI
) -> None:
    """Each command in REGISTRY, as an admin in a channel: acked < 3 s, answered, no error."""
    seen: dict[str, str] = {}

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            for name in sorted(REGISTRY):
                ack = await slack.command(f"/{name} {EXAMPLES.get(name, '')}", user=ADMIN_SLACK)
                assert ack.status == 200
                assert ack.elapsed < 3.0, (name, ack.elapsed)
                message = await slack.answer(ack)
                assert message.get("response_type") == "ephemeral"
                assert message["blocks"], name
                seen[name] = text_of(message)
            pages = re.search(r"1/(\d+)쪽", seen["help"])  # a long list: the next pages too
            for page in range(2, int(pages.group(1)) + 1 if pages else 2):
                ack = await slack.page_button(f"{page}|/help", user=ADMIN_SLACK)
                [more] = await api.wait_for("response", path=ack.sink)
                seen["help"] += text_of(more.body)

    asyncio.run(scenario())
    for name, text in seen.items():
        if name in PRIVATE_ONLY:  # refused in a channel, even to an admin
            assert "⚠️" in text and "개인 대화" in text, (name, text)
        else:
            assert "⚠️" not in text, (name, text)
    assert "[1.3]" in seen["agenda"]
    assert "중소벤처기업부" in seen["ministry"]
    assert "보이스피싱" in seen["search"]
    assert ADMIN_SLACK in seen["whoami"] and "T1" in seen["whoami"]
    assert all(f"/{name}" in seen["help"] for name in REGISTRY)
    assert sctx.store.subscription("slack:T1:C1") is None  # subscribed, then unsubscribed
    assert api.calls_to("auth.test")  # Bolt checked the token once, against the fake


def test_slow_command_is_acknowledged_first_and_answered_through_response_url(
    sctx: Context, api: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    cmd = REGISTRY["search"]

    def slow(call: Any) -> Reply:
        time.sleep(1.0)
        return cmd.func(call)

    monkeypatch.setitem(REGISTRY, "search", dataclasses.replace(cmd, func=slow))

    async def scenario() -> None:
        async with running(sctx, api, ack_budget=0.2) as (_, slack):
            started = time.monotonic()
            ack = await slack.command("/search 보이스피싱")
            acked = time.monotonic()
            assert ack.status == 200
            assert ack.elapsed < 0.9
            assert ack.json()["text"] == PROCESSING
            assert not api.calls_to("response", ack.sink)  # the work has not finished yet
            message = await slack.answer(ack)
            answered = api.calls_to("response", ack.sink)[0].at
            assert started < acked < answered
            assert answered - started >= 1.0
            assert message["replace_original"] is True
            assert "보이스피싱" in text_of(message)

    asyncio.run(scenario())


def test_forged_or_stale_signatures_get_401_and_change_nothing(
    sctx: Context, api: FakeSlackAPI
) -> None:
    before = snapshot(sctx.store)

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            forged = await slack.command(f"/followup {ADD}", user=ADMIN_SLACK, secret="wrong")
            stale = await slack.command(f"/followup {ADD}", user=ADMIN_SLACK, age=6 * 60)
            subscribe = await slack.command("/subscribe", user=ADMIN_SLACK, secret="nope")
            for ack in (forged, stale, subscribe):
                assert ack.status == 401
            await asyncio.sleep(0.2)

    asyncio.run(scenario())
    assert snapshot(sctx.store) == before
    assert not api.calls_to("response") and not api.calls_to("chat.postMessage")


def test_admin_commands_refused_to_non_admins(sctx: Context, api: FakeSlackAPI) -> None:
    before = snapshot(sctx.store)

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            for line in (f"/followup {ADD}", "/subscribe", "/unsubscribe"):
                message = await slack.answer(await slack.command(line, user="UNOBODY"))
                assert "관리자" in text_of(message), line
            assert snapshot(sctx.store) == before
            added = await slack.answer(await slack.command(f"/followup {ADD}", user=ADMIN_SLACK))
            assert "F1" in text_of(added)

    asyncio.run(scenario())
    assert [f.text for f in sctx.store.followups()] == ["데이터 구축 점검"]
    assert sctx.store.followups()[0].created_by == f"slack:{ADMIN_SLACK}"


def test_anyone_may_subscribe_a_direct_message(sctx: Context, api: FakeSlackAPI) -> None:
    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            ack = await slack.command(
                "/subscribe", user="UNOBODY", channel="D123", channel_name="directmessage"
            )
            assert "⚠️" not in text_of(await slack.answer(ack))

    asyncio.run(scenario())
    assert sctx.store.subscription("slack:T1:D123") is not None


def test_data_never_becomes_a_mass_mention(sctx: Context, api: FakeSlackAPI) -> None:
    # Slack sends what a person typed with &, < and > as entities.
    typed = "<!channel> @here <b>굵게</b> & <@U999>"
    sent = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    async def scenario() -> None:
        async with running(sctx, api) as (bot, slack):
            add = await slack.command(
                f"/followup add 3 2026-12-15 과기정통부 {sent}", user=ADMIN_SLACK
            )
            assert "F1" in text_of(await slack.answer(add))
            listed = await slack.command("/followup list")
            assert listed.body and "<!" not in listed.body and "<@" not in listed.body
            assert "&lt;!channel&gt;" in text_of(listed.json())
            mention = await slack.event(
                {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> followup"}
            )
            assert mention.status == 200
            posted = await api.wait_for("chat.postMessage")
            sub = Subscription(key="slack:T1:C9", platform="slack", chat_id="C9", team_id="T1")
            reply = Reply(title=typed, sections=(Section(lines=(Line(typed, label=typed),)),))
            await bot.sender.send(sub, reply)
            posted = await api.wait_for("chat.postMessage", 2)
            for call in posted:
                raw = json.dumps(call.body, ensure_ascii=False)
                assert "<!" not in raw and "<@U999" not in raw and "<b>" not in raw
                assert "&lt;!channel&gt;" in raw
            assert posted[1].body["link_names"] is False

    asyncio.run(scenario())
    assert sctx.store.followups()[0].text == typed


def test_mentions_and_direct_messages_use_the_same_commands(
    sctx: Context, api: FakeSlackAPI
) -> None:
    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            ack = await slack.event(
                {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> agenda 3"},
                event_id="Ev1",
            )
            assert ack.status == 200 and ack.elapsed < 3.0
            again = await slack.event(  # Slack retrying the same event
                {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> agenda 3"},
                event_id="Ev1",
            )
            assert again.status == 200
            dm = {"type": "message", "channel_type": "im", "user": "U1", "channel": "D1"}
            await slack.event({**dm, "text": "whoami"})
            await slack.event({**dm, "text": "hi", "bot_id": "B9"})  # another bot: ignored
            await slack.event({**dm, "subtype": "message_changed", "text": "x"})  # ignored
            posted = await api.wait_for("chat.postMessage", 2)
            await asyncio.sleep(0.3)
            assert len(api.calls_to("chat.postMessage")) == 2
            by_channel = {c.body["channel"]: c.body for c in posted}
            assert "[1.3]" in text_of(by_channel["C1"])
            assert "D1" in text_of(by_channel["D1"]) and "U1" in text_of(by_channel["D1"])
            assert all(c.headers["Authorization"] == f"Bearer {TOKEN}" for c in posted)

    asyncio.run(scenario())


def test_url_verification_and_unsigned_events(sctx: Context, api: FakeSlackAPI) -> None:
    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
            ok = await slack.post(body, "application/json")
            assert ok.status == 200 and "c-123" in ok.body
            forged = await slack.post(body, "application/json", secret="wrong")
            assert forged.status == 401

    asyncio.run(scenario())


def test_paging_button_replaces_the_message_with_the_next_page(
    sctx: Context, api: FakeSlackAPI
) -> None:
    for n in range(20):
        sctx.store.add_followup(
            item=(1, 3),
            text=f"점검 {n}",
            owner="과기정통부",
            due=dt.date(2026, 12, 1) + dt.timedelta(days=n),
            by="test",
        )

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            first = (await slack.command("/followup list")).json()
            buttons = next(b for b in first["blocks"] if b["type"] == "actions")["elements"]
            value = buttons[-1]["value"]
            assert value == "2|/followup list"
            ack = await slack.page_button(value)
            assert ack.status == 200 and ack.elapsed < 3.0
            page = (await api.wait_for("response", path=ack.sink))[0].body
            assert page["replace_original"] is True
            assert "2/2" in text_of(page) and "점검 19" in text_of(page)

    asyncio.run(scenario())


def test_a_paging_button_never_runs_a_command_that_writes(
    sctx: Context, api: FakeSlackAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """A button's value comes back from Slack as we sent it, but is still data from outside:
    a forged one must not add a follow-up or subscribe a channel; the presser is told why."""
    before = snapshot(sctx.store)

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            for value in ("1|/followup add 3 2026-12-15 과기정통부 위조", "1|/subscribe 월 09:00"):
                ack = await slack.page_button(value, user=ADMIN_SLACK)
                assert ack.status == 200
                [answer] = await api.wait_for("response", path=ack.sink)
                assert "실행할 수 없는 명령" in text_of(answer.body)
                assert answer.body["replace_original"] is False

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    assert snapshot(sctx.store) == before
    assert "unexpected value" in caplog.text


def test_no_token_or_secret_reaches_the_logs(
    sctx: Context, api: FakeSlackAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> None:
        async with running(sctx, api) as (bot, slack):
            await slack.answer(await slack.command("/agenda 3"))
            await slack.command("/agenda", secret="wrong")
            sub = Subscription(key="slack:T1:C1", platform="slack", chat_id="C1", team_id="T1")
            await bot.sender.send(sub, Reply(title="x"))

    asyncio.run(scenario())
    assert caplog.records
    for secret in (TOKEN, SECRET):
        assert secret not in caplog.text


# -- sending digests ------------------------------------------------------------------------


def _sub(channel: str = "C1") -> Subscription:
    return Subscription(key=f"slack:T1:{channel}", platform="slack", chat_id=channel, team_id="T1")


def test_sender_waits_out_a_429_then_succeeds(slack_settings: Settings, api: FakeSlackAPI) -> None:
    api.ratelimit_next("chat.postMessage", 1, retry_after=1)

    async def scenario() -> None:
        sender = SlackSender(build_client(slack_settings))
        started = time.monotonic()
        ids = await sender.send(_sub(), Reply(title="주간 요약"))
        assert len(ids) == 1 and ids[0]
        assert time.monotonic() - started >= 1.0

    asyncio.run(scenario())
    assert len(api.calls_to("chat.postMessage")) == 2


def test_sender_maps_slack_errors(slack_settings: Settings, api: FakeSlackAPI) -> None:
    bare = AsyncWebClient(token=TOKEN, base_url=api.url, retry_handlers=[])

    async def scenario() -> None:
        sender = SlackSender(bare)
        api.ratelimit_next("chat.postMessage", 1, retry_after=7)
        with pytest.raises(RetryLater) as limited:
            await sender.send(_sub(), Reply(title="x"))
        assert limited.value.after == 7
        for code in ("channel_not_found", "not_in_channel", "is_archived"):
            api.fail_next("chat.postMessage", error=code)
            with pytest.raises(ChatGone):
                await sender.send(_sub(), Reply(title="x"))
        # the bot's own token (a deleted bot user): no channel's fault, nothing to pause
        api.fail_next("chat.postMessage", error="account_inactive")
        with pytest.raises(DeliveryError) as dead_token:
            await sender.send(_sub(), Reply(title="x"))
        assert not isinstance(dead_token.value, ChatGone | RetryLater)
        api.fail_next("chat.postMessage", error="fatal_error", status=500)
        with pytest.raises(RetryLater):
            await sender.send(_sub(), Reply(title="x"))
        api.fail_next("chat.postMessage", error="invalid_blocks")
        with pytest.raises(DeliveryError):
            await sender.send(_sub(), Reply(title="x"))
        dead = AsyncWebClient(token=TOKEN, base_url="http://127.0.0.1:9/api/", retry_handlers=[])
        with pytest.raises(RetryLater):
            await SlackSender(dead).send(_sub(), Reply(title="x"))

    asyncio.run(scenario())


def test_channel_not_found_pauses_the_subscription(sctx: Context, api: FakeSlackAPI) -> None:
    from digests.outbox import deliver

    async def scenario() -> None:
        async with running(sctx, api) as (bot, slack):
            ack = await slack.command("/subscribe", user=ADMIN_SLACK, channel="C404")
            assert "⚠️" not in text_of(await slack.answer(ack))
            sub = sctx.store.subscription("slack:T1:C404")
            assert sub is not None and not sub.paused
            api.fail_next("chat.postMessage", error="channel_not_found")
            outcome = await deliver(sctx.store, bot.sender, sub, "2026-W48", Reply(title="요약"))
            assert outcome == "paused"

    asyncio.run(scenario())
    sub = sctx.store.subscription("slack:T1:C404")
    assert sub is not None and sub.paused and "channel_not_found" in sub.paused_reason


def test_long_replies_are_split_within_block_kit_limits(
    slack_settings: Settings, api: FakeSlackAPI
) -> None:
    lines = tuple(Line("가" * 200, label=str(n)) for n in range(200))
    reply = Reply(
        title="긴 답", sections=tuple(Section(lines=lines[i : i + 20]) for i in range(0, 200, 20))
    )

    async def scenario() -> None:
        sender = SlackSender(build_client(slack_settings))
        ids = await sender.send(_sub(), reply)
        assert len(ids) == len(api.calls_to("chat.postMessage"))

    asyncio.run(scenario())
    for call in api.calls_to("chat.postMessage"):
        blocks = call.body["blocks"]
        assert len(blocks) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
        assert len(call.body["text"]) <= 3000


# -- Socket Mode ----------------------------------------------------------------------------


def test_socket_mode_connects_and_acks_a_slash_command(sctx: Context, api: FakeSlackAPI) -> None:
    ctx = Context(
        sctx.store,
        dataclasses.replace(sctx.settings, slack_app_token=APP_TOKEN, slack_signing_secret=""),
    )

    async def scenario() -> None:
        async with FakeSocketMode() as ws:
            api.socket_url = ws.url
            bot = SlackBot(ctx)
            assert bot.mode == "socket"
            await bot.start()
            try:
                await ws.wait_connected()
                opened = api.calls_to("apps.connections.open")
                assert opened and opened[0].headers["Authorization"] == f"Bearer {APP_TOKEN}"
                envelope = await ws.send_envelope(
                    "slash_commands",
                    {
                        "command": "/agenda",
                        "text": "3",
                        "team_id": "T1",
                        "channel_id": "C1",
                        "channel_name": "general",
                        "user_id": "U1",
                        "response_url": api.response_url("sm"),
                        "trigger_id": "1.2.3",
                    },
                )
                ack = await ws.wait_ack(envelope)
                assert "[1.3]" in text_of(ack["payload"])
            finally:
                await bot.stop()

    asyncio.run(scenario())


def test_command_text_keeps_what_was_typed() -> None:
    assert command_text("/agenda", "3") == "/agenda 3"
    assert command_text("/search", "&lt;b&gt; &amp;") == "/search <b> &"
    assert command_text("/help", "") == "/help"


def test_send_only_mode_listens_on_nothing(sctx: Context, api: FakeSlackAPI) -> None:
    async def scenario() -> None:
        bot = SlackBot(sctx)
        async with runner.running(sctx, [bot], listen=False) as server:
            assert server is None
            assert await bot.sender.send(_sub(), Reply(title="요약"))

    asyncio.run(scenario())


def test_manifest_declares_every_command_and_what_they_need() -> None:
    manifest = (Path(__file__).resolve().parent.parent / "slack-app-manifest.yml").read_text(
        encoding="utf-8"
    )
    declared = re.findall(r"^\s*- command: /(\w+)\s*$", manifest, re.MULTILINE)
    assert sorted(declared) == sorted(REGISTRY)
    for needed in (
        "commands",
        "chat:write",
        "app_mentions:read",
        "im:history",
        "im:read",
        "files:read",
    ):
        assert re.search(rf"^\s*- {re.escape(needed)}\b", manifest, re.MULTILINE), needed
    for event in ("app_mention", "message.im"):
        assert f"- {event}" in manifest
    assert "socket_mode_enabled: true" in manifest
    assert "is_enabled: true" in manifest  # interactivity, for the paging buttons


# -- a press release sent in a DM -------------------------------------------------------------

RELEASE = (Path(__file__).parent / "releases" / "agenda-table.txt").read_bytes()


def dm_file(file_id: str, user: str = ADMIN_SLACK) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "user": user,
        "channel": "D9",
        "text": "",
        "files": [{"id": file_id}],
    }


def actions_of(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The buttons of a posted message: label → button."""
    return {
        e["text"]["text"]: e
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_an_admin_shares_a_release_in_a_dm_and_saves_it(sctx: Context, api: FakeSlackAPI) -> None:
    api.files_token = TOKEN
    before = len(sctx.store.meetings())

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            await slack.event(dm_file(api.add_file(RELEASE, "release.txt")))
            [posted] = await api.wait_for("chat.postMessage")
            assert "제3회 과학기술관계장관회의" in text_of(posted.body)
            buttons = actions_of(posted.body)
            assert set(buttons) == {"저장", "취소"}
            assert all(b["action_id"].startswith("act_") for b in buttons.values())
            download = api.calls_to("download")[0]
            assert download.headers["Authorization"] == f"Bearer {TOKEN}"
            assert len(sctx.store.meetings()) == before
            save = buttons["저장"]
            ack = await slack.page_button(
                save["value"], user=ADMIN_SLACK, channel="D9", action_id=save["action_id"]
            )
            [answer] = await api.wait_for("response", path=ack.sink)
            assert answer.body["replace_original"] is True
            assert "새로 저장했습니다" in text_of(answer.body)
            assert len(sctx.store.meetings()) == before + 1

    asyncio.run(scenario())


def test_shared_files_refused_for_non_admins_big_files_and_foreign_pages(
    sctx: Context, api: FakeSlackAPI
) -> None:
    api.files_token = TOKEN
    before = sctx.store.path.read_bytes()

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            await slack.event(dm_file(api.add_file(RELEASE, "a.txt"), user="U1"))
            await api.wait_for("chat.postMessage", 1)
            big = api.add_file(b"x", "big.pdf", size=30 * 1024 * 1024)
            await slack.event(dm_file(big))
            await api.wait_for("chat.postMessage", 2)
            api.files_token = "another-token"  # Slack answers a login page: not ours
            await slack.event(dm_file(api.add_file(RELEASE, "b.txt")))
            posts = await api.wait_for("chat.postMessage", 3)
            texts = [p.body["text"] for p in posts]
            assert (
                "관리자만" in texts[0]
                and "너무 큽니다" in texts[1]
                and "받지 못했습니다" in texts[2]
            )
            assert not any(actions_of(p.body) for p in posts)
            # the non-admin's and the big file were never fetched; the third was tried once
            assert len(api.calls_to("download")) == 1

    asyncio.run(scenario())
    assert sctx.store.path.read_bytes() == before


def test_a_release_pasted_in_a_dm_is_previewed(sctx: Context, api: FakeSlackAPI) -> None:
    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            text = RELEASE.decode("utf-8")
            dm = {"type": "message", "channel_type": "im", "user": ADMIN_SLACK, "channel": "D9"}
            await slack.event({**dm, "text": text})
            [posted] = await api.wait_for("chat.postMessage")
            assert "제3회 과학기술관계장관회의" in text_of(posted.body)
            assert set(actions_of(posted.body)) == {"저장", "취소"}

    asyncio.run(scenario())


# -- /export: files uploaded to the asker's DM --------------------------------------------


def test_an_admin_gets_the_workbook_uploaded_to_the_dm(sctx: Context, api: FakeSlackAPI) -> None:
    api.dms[ADMIN_SLACK] = "D9"

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            ack = await slack.command(
                "/export", user=ADMIN_SLACK, channel="D9", channel_name="directmessage"
            )
            assert "엑셀 파일로 보냅니다" in text_of(await slack.answer(ack))
            await api.wait_for("files.completeUploadExternal")
            [upload] = api.shared("D9")
            assert upload.name == "안건-2026-11-25.xlsx" and upload.length == len(upload.data)
            book = load_workbook(io.BytesIO(upload.data), read_only=True)
            assert book.sheetnames == ["안건", "일정", "후속조치"]
            [opened] = api.calls_to("conversations.open")
            assert opened.body["users"] == ADMIN_SLACK
            [sent] = api.calls_to("upload")
            assert sent.path.startswith("/upload/") and sent.body["size"] == len(upload.data)
            assert all(
                c.headers["Authorization"] == f"Bearer {TOKEN}"
                for c in api.calls_to("files.getUploadURLExternal")
            )

    asyncio.run(scenario())


def test_export_typed_in_a_dm_uploads_three_csv_files_at_once(
    sctx: Context, api: FakeSlackAPI
) -> None:
    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            dm = {"type": "message", "channel_type": "im", "user": ADMIN_SLACK, "channel": "D7"}
            await slack.event({**dm, "text": "export csv 중기부"})
            [posted] = await api.wait_for("chat.postMessage")
            assert "CSV 파일 3개" in text_of(posted.body)
            [complete] = await api.wait_for("files.completeUploadExternal")
            assert complete.body["channel_id"] == f"D{ADMIN_SLACK}"
            names = [u.name for u in api.shared(f"D{ADMIN_SLACK}")]
            assert names == [
                "안건-중소벤처기업부-2026-11-25.csv",
                "일정-중소벤처기업부-2026-11-25.csv",
                "후속조치-중소벤처기업부-2026-11-25.csv",
            ]

    asyncio.run(scenario())


def test_export_uploads_nothing_for_staff_or_in_a_channel(sctx: Context, api: FakeSlackAPI) -> None:
    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            staff = await slack.command(
                "/export", user="U1", channel="D1", channel_name="directmessage"
            )
            assert "관리자만" in text_of(await slack.answer(staff))
            channel = await slack.command("/export", user=ADMIN_SLACK)
            assert "개인 대화" in text_of(await slack.answer(channel))
            await asyncio.sleep(0.3)
            assert not api.calls_to("files.getUploadURLExternal") and not api.uploads

    asyncio.run(scenario())


def test_a_failed_upload_is_told_in_one_line(sctx: Context, api: FakeSlackAPI) -> None:
    api.fail_next("files.completeUploadExternal", error="missing_scope")

    async def scenario() -> None:
        async with running(sctx, api) as (_, slack):
            ack = await slack.command(
                "/export", user=ADMIN_SLACK, channel="D9", channel_name="directmessage"
            )
            assert ack.status == 200
            [told] = await api.wait_for("response", path=ack.sink)
            assert "파일을 올리지 못했습니다" in text_of(told.body)
            assert not api.shared()

    asyncio.run(scenario())
