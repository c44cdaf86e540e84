"""The Telegram adapter over real HTTP: python-telegram-bot's Application, pointed by
`base_url` at a fake Bot API on 127.0.0.1, answering updates the fake hands out by long
polling (or posts to the webhook).

pytest-asyncio is not installed, so every test is a plain function running one scenario
with `asyncio.run`. Chats are handled in parallel, so `Harness.settle` asks the bot's inbox
journal: once the last update pushed was fetched and nothing is pending, every message
caused by the commands has been sent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from openpyxl import load_workbook
from telegram.ext import AIORateLimiter

from bot import render
from bot.adapters import telegram as tg
from bot.commands import REGISTRY, Context, Request, handle
from bot.delivery import ChatGone, ChatMoved, RetryLater
from bot.errors import UsageError
from bot.model import Subscription
from bot.reply import Line, Reply, Section
from bot.runner import running
from bot.server import HttpServer
from bot.store import Store
from fakes.telegram_api import FakeTelegramAPI
from tests.conftest import ADMIN_TG

ADMIN = int(ADMIN_TG)
STAFF = 200
GROUP = -100_500

Scenario = Callable[["Harness"], Awaitable[None]]


@dataclasses.dataclass
class Harness:
    api: FakeTelegramAPI
    bot: tg.TelegramBot
    ctx: Context
    server: HttpServer | None = None

    async def settle(self) -> None:
        """Wait until every update pushed so far has been handled: fetched (the inbox
        journal has seen the last one) and finished (nothing is pending in it)."""
        last = self.api.last_update_id
        deadline = time.monotonic() + 15
        while not (self.bot.inbox.seen(last) and self.bot.inbox.pending == 0):
            assert time.monotonic() < deadline, "the bot stopped answering"
            await asyncio.sleep(0.002)

    async def ask_all(
        self,
        text: str,
        *,
        chat_id: int = STAFF,
        user_id: int | None = STAFF,
        chat_type: str | None = None,
    ) -> list[dict[str, Any]]:
        """Send a command as a user; return the sendMessage calls it caused in that chat."""
        before = len(self.api.sent(chat_id))
        self.api.push_text(text, chat_id=chat_id, user_id=user_id, chat_type=chat_type)
        await self.settle()
        return self.api.sent(chat_id)[before:]

    async def ask(self, text: str, **kw: Any) -> str:
        """The answer's text (all parts joined)."""
        return "\n".join(p["text"] for p in await self.ask_all(text, **kw))


def with_bot(ctx: Context, scenario: Scenario, rate_limiter: Any = None, **settings: Any) -> None:
    """Start the fake API and the real bot on it as the runner does (with the HTTP server
    when a webhook is configured), run the scenario, stop both."""

    async def main() -> None:
        async with FakeTelegramAPI() as api:
            bot = new_bot(ctx, api, rate_limiter, **settings)
            async with running(ctx, [bot]) as server:
                await asyncio.wait_for(scenario(Harness(api, bot, ctx, server)), 40)

    asyncio.run(main())


def new_bot(
    ctx: Context, api: FakeTelegramAPI, rate_limiter: Any = None, **settings: Any
) -> tg.TelegramBot:
    settings.setdefault("http_port", 0)  # the runner's HTTP server, if it starts one
    ctx.settings = dataclasses.replace(
        ctx.settings, telegram_token=api.token, telegram_base_url=api.base_url, **settings
    )
    return tg.TelegramBot(ctx, rate_limiter=rate_limiter)


async def start_bot(
    ctx: Context, api: FakeTelegramAPI, rate_limiter: Any = None, **settings: Any
) -> tg.TelegramBot:
    bot = new_bot(ctx, api, rate_limiter, **settings)
    await bot.start()
    return bot


def expected(ctx: Context, text: str, user: int = STAFF, private: bool = True) -> list[str]:
    """What the command layer and the renderer give for the same request."""
    req = Request("telegram", str(user), str(user), text, is_private=private)
    return render.telegram(handle(ctx, req))


def balanced(html: str) -> bool:
    return all(html.count(f"<{t}>") == html.count(f"</{t}>") for t in ("b", "i", "code"))


# -- start-up -----------------------------------------------------------------------------


def test_start_registers_the_korean_command_menu(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        await h.api.wait_for("getUpdates")
        methods = [c.method for c in h.api.calls]
        assert methods[:4] == ["getMe", "setMyCommands", "deleteWebhook", "getUpdates"]
        commands = h.api.of("setMyCommands")[0].params["commands"]
        assert [c["command"] for c in commands] == list(REGISTRY)
        assert all(re.search("[가-힣]", c["description"]) for c in commands)
        assert {c["command"]: c["description"] for c in commands}["agenda"] == (
            REGISTRY["agenda"].summary
        )

    with_bot(ctx, scenario)


def test_base_url_gets_the_bot_path_when_given_a_server_root() -> None:
    assert tg.bot_url("http://127.0.0.1:8081") == (
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/file/bot",
    )
    assert tg.bot_url("https://tg.example.org/bot/")[0] == "https://tg.example.org/bot"
    assert tg.bot_url("https://x.org/custom/{token}/")[0] == "https://x.org/custom/{token}"


# -- commands -----------------------------------------------------------------------------

STAFF_COMMANDS = {
    "/help": ["agendabot 명령", "/agenda"],
    "/meetings": ["과학기술관계장관회의"],
    "/agenda": ["안건 10건"],
    "/agenda 3": ["제조", "산업통상부"],
    "/ministry 중기부": ["중소벤처기업부"],
    "/milestones": ["D-36"],
    "/search 보이스피싱": ["보이스피싱"],
    "/followup": ["후속조치"],
    "/subscriptions": ["구독"],
    "/digest": ["주간 요약"],
    "/whoami": [str(STAFF), "일반 사용자"],
}


def test_every_command_round_trip_as_staff(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        for text, needles in STAFF_COMMANDS.items():
            sent = await h.ask_all(text)
            assert [p["text"] for p in sent] == expected(h.ctx, text), text
            assert all(p["parse_mode"] == "HTML" for p in sent)
            joined = "\n".join(p["text"] for p in sent)
            for needle in needles:
                assert needle in joined, (text, needle)
            assert tg.SORRY not in joined

    with_bot(ctx, scenario)


def test_start_and_unknown_commands_in_private_chats(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        assert "agendabot 명령" in await h.ask("/start")
        assert "알 수 없는 명령" in await h.ask("/agneda 3")
        # in a group an unknown command may be another bot's: stay quiet
        assert await h.ask_all("/agneda 3", chat_id=GROUP) == []

    with_bot(ctx, scenario)


def test_channel_posts_are_answered_in_the_channel(ctx: Context) -> None:
    channel = -100_300

    async def scenario(h: Harness) -> None:
        answer = await h.ask("/whoami", chat_id=channel, user_id=None, chat_type="channel")
        assert f"<b>사용자 ID</b> {channel}" in answer  # the channel speaks for itself

    with_bot(ctx, scenario)


def test_admin_adds_a_followup_and_staff_sees_it(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        answer = await h.ask(
            "/followup add 3 2026-12-15 과기정통부 점검", chat_id=ADMIN, user_id=ADMIN
        )
        [fu] = h.ctx.store.followups()
        assert (fu.item, fu.due, fu.text) == (3, dt.date(2026, 12, 15), "점검")
        assert fu.owner == "과학기술정보통신부"  # 과기정통부, as the ministry table names it
        assert fu.id in answer
        listed = await h.ask("/followup")
        assert fu.id in listed and "점검" in listed
        assert "점검" in await h.ask("/agenda 3")

    with_bot(ctx, scenario)


def test_non_admin_is_refused_and_nothing_is_stored(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        answer = await h.ask("/followup add 3 2026-12-15 과기정통부 점검")
        assert "관리자만" in answer
        assert h.ctx.store.followups(status=None) == []

    with_bot(ctx, scenario)


def test_group_commands_addressed_to_the_bot(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        answer = await h.ask("/agenda@agenda_test_bot 3", chat_id=GROUP, user_id=STAFF)
        assert "제조" in answer and "산업통상부" in answer
        assert await h.ask_all("/agenda@some_other_bot 3", chat_id=GROUP) == []
        who = await h.ask("/whoami@agenda_test_bot", chat_id=GROUP, user_id=ADMIN)
        assert str(GROUP) in who and "관리자" in who
        # A typo addressed to us is answered; a bare unknown command may be another bot's.
        typo = await h.ask("/agnda@agenda_test_bot 3", chat_id=GROUP, user_id=STAFF)
        assert "알 수 없는 명령" in typo and "/agenda" in typo
        assert await h.ask_all("/agnda 3", chat_id=GROUP) == []

    with_bot(ctx, scenario)


def test_followup_text_is_escaped_in_the_html(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        await h.ask(
            "/followup add 3 2026-12-15 과기정통부 <b>굵게</b> & <i>",
            chat_id=ADMIN,
            user_id=ADMIN,
        )
        listed = await h.ask("/followup")
        assert "&lt;b&gt;굵게&lt;/b&gt; &amp; &lt;i&gt;" in listed
        assert "<b>굵게</b>" not in listed
        assert balanced(listed)

    with_bot(ctx, scenario)


def add_followups(store: Store, count: int, length: int) -> None:
    for n in range(count):
        text = f"점검 {n:03d} " + "가나다라마바사 " * (length // 8)
        store.add_followup(
            item=(1, 1 + n % 10),
            text=text[:length],
            owner="과학기술정보통신부",
            due=dt.date(2026, 12, 1) + dt.timedelta(days=n),
            by="test",
        )


def test_long_replies_are_split_within_4096_characters(ctx: Context) -> None:
    add_followups(ctx.store, 20, 330)

    async def scenario(h: Harness) -> None:
        sent = await h.ask_all("/followup")
        assert len(sent) >= 2
        assert all(len(p["text"]) <= 4096 for p in sent)
        assert all(balanced(p["text"]) for p in sent)
        joined = "\n".join(p["text"] for p in sent)
        assert all(f"F{n}" in joined for n in range(1, 16))  # the whole first page arrived
        assert [p["text"] for p in sent] == expected(h.ctx, "/followup")
        # the page buttons ride on the last part only
        assert "reply_markup" not in sent[0] and "reply_markup" in sent[-1]
        assert all(len(c.params["text"]) <= 4096 for c in h.api.of("sendMessage"))

    with_bot(ctx, scenario)


# -- page buttons -------------------------------------------------------------------------


def buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in params["reply_markup"]["inline_keyboard"] for b in row]


def test_page_button_edits_the_message_to_the_next_page(ctx: Context) -> None:
    add_followups(ctx.store, 20, 20)

    async def scenario(h: Harness) -> None:
        [first] = await h.ask_all("/followup")
        assert "1/2쪽" in first["text"] and "F16" not in first["text"]
        [nxt] = buttons(first)
        assert nxt["callback_data"] == "p2|/followup"
        message = h.api.of("sendMessage")[-1].result
        assert message["text"] == first["text"]
        h.api.push_callback(nxt["callback_data"], message=message, user_id=STAFF)
        await h.settle()
        [edit] = h.api.of("editMessageText")
        assert edit.params["message_id"] == message["message_id"]
        assert "2/2쪽" in edit.params["text"] and "F16" in edit.params["text"]
        assert [b["text"] for b in buttons(edit.params)] == ["◀ 이전"]
        assert len(h.api.of("answerCallbackQuery")) == 1

    with_bot(ctx, scenario)


def test_long_commands_use_short_ids_and_old_ids_expire(ctx: Context) -> None:
    add_followups(ctx.store, 20, 20)
    long_command = "/followup" + " " * 60 + "과기정통부"

    async def scenario(h: Harness) -> None:
        [first] = await h.ask_all(long_command)
        [nxt] = buttons(first)
        data = nxt["callback_data"]
        assert data.startswith("k") and len(data.encode()) <= 64
        message = h.api.of("sendMessage")[-1].result
        h.api.push_callback(data, message=message)
        await h.settle()
        assert "2/2쪽" in h.api.of("editMessageText")[-1].params["text"]

        h.api.push_callback("kdeadbeef1", message=message)  # unknown id: expired
        await h.settle()
        answer = h.api.of("answerCallbackQuery")[-1].params
        assert answer["text"] == tg.EXPIRED
        assert len(h.api.of("editMessageText")) == 1

    with_bot(ctx, scenario)


def test_buttons_never_repeat_a_change(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        message = h.api.message("x", chat_id=ADMIN)
        h.api.push_callback(
            "p1|/followup add 3 2026-12-15 과기정통부 x", message=message, user_id=ADMIN
        )
        await h.settle()
        assert h.ctx.store.followups(status=None) == []
        assert h.api.of("answerCallbackQuery")[-1].params["text"] == tg.NOT_A_PAGE

    with_bot(ctx, scenario)


def test_callback_codec_is_bounded_and_per_process() -> None:
    codec = tg.CallbackCodec(capacity=3)
    assert codec.decode(codec.encode("/agenda", 2)) == ("/agenda", 2, False)
    assert codec.decode(codec.encode("/import save x", 1, action=True)) == (
        "/import save x",
        1,
        True,
    )
    long = "/search " + "보이스피싱" * 5
    keys = [codec.encode(long, page) for page in range(1, 6)]
    assert all(len(k.encode()) <= 64 for k in keys)
    assert codec.encode(long, 5) == keys[4]  # the same button, the same id
    assert len(codec) == 3
    assert codec.decode(keys[0]) is None  # evicted
    assert codec.decode(keys[4]) == (long, 5, False)
    assert tg.CallbackCodec().decode(keys[4]) is None  # another run never knew it


# -- errors -------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_429_waits_retry_after_and_then_delivers(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        h.api.fail("sendMessage", 429, retry_after=1)
        started = time.monotonic()
        answer = await h.ask("/whoami")
        assert str(STAFF) in answer
        assert time.monotonic() - started >= 1.0
        attempts = [c.status for c in h.api.of("sendMessage", ok_only=False)]
        assert attempts[:2] == [429, 200]

    with_bot(ctx, scenario)


def test_403_pauses_the_chats_subscription(ctx: Context, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(h: Harness) -> None:
        await h.ask("/subscribe", chat_id=ADMIN, user_id=ADMIN)
        key = f"telegram:{ADMIN}"
        sub = h.ctx.store.subscription(key)
        assert sub is not None and not sub.paused
        h.api.fail("sendMessage", 403)
        assert await h.ask_all("/agenda", chat_id=ADMIN, user_id=ADMIN) == []
        sub = h.ctx.store.subscription(key)
        assert sub is not None and sub.paused and "blocked" in sub.paused_reason
        assert str(STAFF) in await h.ask("/whoami")  # the bot carries on

    with caplog.at_level(logging.WARNING, logger="bot.adapters.telegram"):
        with_bot(ctx, scenario)
    assert "paused" in caplog.text


def test_migrated_group_rekeys_its_subscription(ctx: Context) -> None:
    new_group = -100_777
    for chat in (GROUP, -42):
        ctx.store.save_subscription(
            Subscription(key=f"telegram:{chat}", platform="telegram", chat_id=str(chat)), by="t"
        )

    async def scenario(h: Harness) -> None:
        # the service message Telegram sends in the old group
        h.api.push({"message": h.api.message("", chat_id=GROUP, chat_type="group",
                                             extra={"migrate_to_chat_id": new_group})})  # fmt: skip
        await h.settle()
        assert h.ctx.store.subscription(f"telegram:{GROUP}") is None
        moved = h.ctx.store.subscription(f"telegram:{new_group}")
        assert moved is not None and moved.chat_id == str(new_group)
        # a reply that hits the migration error follows the group too
        h.api.fail("sendMessage", 400, migrate_to_chat_id=-100_888)
        await h.ask("/whoami", chat_id=-42, chat_type="group")
        assert h.ctx.store.subscription("telegram:-100888") is not None
        assert "대화방 ID" in h.api.sent(-100_888)[0]["text"]

    with_bot(ctx, scenario)


def test_network_errors_are_retried(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        h.api.fail("sendMessage", 502, times=2)
        assert str(STAFF) in await h.ask("/whoami")
        attempts = [c.status for c in h.api.of("sendMessage", ok_only=False)]
        assert attempts[:3] == [502, 502, 200]

    with_bot(ctx, scenario)


def test_unexpected_error_gets_one_line_and_the_bot_keeps_running(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_render = render.telegram

    def broken(reply: Reply, limit: int = 4096) -> list[str]:
        if "agenda" in reply.title or "안건" in reply.title:
            raise RuntimeError("template bug")
        return real_render(reply, limit)

    monkeypatch.setattr(render, "telegram", broken)

    async def scenario(h: Harness) -> None:
        assert [p["text"] for p in await h.ask_all("/agenda")] == [tg.SORRY]
        assert str(STAFF) in await h.ask("/whoami")

    with_bot(ctx, scenario)


def test_the_token_never_reaches_the_logs(ctx: Context, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(h: Harness) -> None:
        h.api.fail("sendMessage", 502)
        await h.ask("/whoami")
        h.api.fail("sendMessage", 403)
        await h.ask("/agenda")

    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        with_bot(ctx, scenario)
    assert ctx.settings.telegram_token
    assert "127.0.0.1" in caplog.text  # httpx did log the request URLs …
    assert ctx.settings.telegram_token not in caplog.text  # … without the token
    assert all(ctx.settings.telegram_token not in r.getMessage() for r in caplog.records)


# -- restart and webhook --------------------------------------------------------------------


def test_restart_on_the_same_database_keeps_everything(ctx: Context) -> None:
    async def main() -> None:
        async with FakeTelegramAPI() as api:
            bot = await start_bot(ctx, api)
            h = Harness(api, bot, ctx)
            await h.ask(
                "/followup add 3 2026-12-15 과기정통부 재시작 점검", chat_id=ADMIN, user_id=ADMIN
            )
            await h.ask("/subscribe 화 10:00", chat_id=ADMIN, user_id=ADMIN)
            add_followups(ctx.store, 20, 330)
            long_key = bot.handlers.codec.encode("/followup" + " " * 60, 2)
            await bot.stop()

            again = Context(Store(ctx.settings.db_path, clock=ctx.settings.clock), ctx.settings)
            h = Harness(api, await start_bot(again, api), again)
            try:
                assert "재시작 점검" in await h.ask("/followup 3")
                subs = await h.ask("/subscriptions", chat_id=ADMIN, user_id=ADMIN)
                assert "화" in subs and "10:00" in subs
                message = api.message("x", chat_id=STAFF)
                api.push_callback(long_key, message=message)
                await h.settle()
                assert api.of("answerCallbackQuery")[-1].params["text"] == tg.EXPIRED
            finally:
                await h.bot.stop()

    asyncio.run(main())


def test_webhook_checks_the_secret_token(ctx: Context) -> None:
    secret = "s3cret-Token_1"

    async def scenario(h: Harness) -> None:
        assert h.api.webhook["url"] == "https://bot.example.org/tg/hook"
        assert h.api.webhook["secret_token"] == secret
        assert not h.api.of("getUpdates")
        assert h.server is not None
        url = f"http://127.0.0.1:{h.server.port}/tg/hook"
        update = {"update_id": 1, "message": h.api.message("/agenda 3", chat_id=STAFF)}
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {tg.SECRET_HEADER: "wrong"}, {tg.SECRET_HEADER: secret + "x"}):
                async with http.post(url, json=update, headers=headers) as r:
                    assert r.status == 403
            await asyncio.sleep(0.05)
            assert h.api.sent(STAFF) == []
            async with http.post(url, json=update, headers={tg.SECRET_HEADER: secret}) as r:
                assert r.status == 200
        [sent] = await h.api.wait_for("sendMessage")
        assert "제조" in sent.params["text"]

    with_bot(
        ctx,
        scenario,
        telegram_webhook_url="https://bot.example.org/tg/hook",
        telegram_webhook_secret=secret,
        http_port=0,
    )


def test_webhook_mode_needs_a_secret(ctx: Context) -> None:
    ctx.settings = dataclasses.replace(
        ctx.settings, telegram_token="1:x", telegram_webhook_url="https://bot.example.org/tg"
    )
    with pytest.raises(UsageError, match="SECRET"):
        tg.TelegramBot(ctx)


# -- the digest outbox's sender ---------------------------------------------------------------


def long_reply(lines: int = 40) -> Reply:
    return Reply(
        title="주간 요약",
        sections=(Section(lines=tuple(Line(text="가" * 200, label=f"{n}") for n in range(lines))),),
    )


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_sender_sends_parts_and_maps_errors(ctx: Context) -> None:
    sub = Subscription(key=f"telegram:{GROUP}", platform="telegram", chat_id=str(GROUP))

    async def scenario(h: Harness) -> None:
        sender = h.bot.sender
        assert sender.platform == "telegram"
        ids = await sender.send(sub, long_reply())
        sent = h.api.sent(GROUP)
        assert len(ids) == len(sent) >= 2 and all(len(p["text"]) <= 4096 for p in sent)

        h.api.fail("sendMessage", 429, retry_after=7)
        with pytest.raises(RetryLater) as later:
            await sender.send(sub, Reply(title="x"))
        assert later.value.after == 7
        h.api.fail("sendMessage", 403, description="Forbidden: bot was kicked from the group chat")
        with pytest.raises(ChatGone):
            await sender.send(sub, Reply(title="x"))
        h.api.fail("sendMessage", 400, description="Bad Request: chat not found")
        with pytest.raises(ChatGone):
            await sender.send(sub, Reply(title="x"))
        h.api.fail("sendMessage", 400, migrate_to_chat_id=-100_999)
        with pytest.raises(ChatMoved) as moved:
            await sender.send(sub, Reply(title="x"))
        assert moved.value.new_chat_id == "-100999"
        h.api.fail("sendMessage", 502)
        with pytest.raises(RetryLater):
            await sender.send(sub, Reply(title="x"))

        # a failure half-way: the retry sends only what is missing
        before = len(h.api.sent(GROUP))
        h.api.fail("sendMessage", 502, after=1)
        with pytest.raises(RetryLater):
            await sender.send(sub, long_reply())
        again = await sender.send(sub, long_reply())
        assert len(h.api.sent(GROUP)) - before == len(again) == len(ids)

    # no retries inside the limiter: the outbox decides when to try again
    with_bot(ctx, scenario, rate_limiter=AIORateLimiter(max_retries=0))


def test_an_unreachable_api_at_start_is_retried(ctx: Context) -> None:
    async def main() -> None:
        async with FakeTelegramAPI() as api:
            api.fail("getMe", 502)
            bot = await start_bot(ctx, api)  # returns after the first attempt failed
            try:
                assert bot.health.status == "degraded"
                await api.wait_for("getUpdates")  # the next attempt, in the background
                assert bot.health.as_dict()["status"] == "ok"
                assert [c.status for c in api.of("getMe", ok_only=False)] == [502, 200]
                h = Harness(api, bot, ctx)
                assert str(STAFF) in await h.ask("/whoami")
            finally:
                await bot.stop()

    asyncio.run(main())


# -- a press release sent in chat -----------------------------------------------------------

RELEASE = (Path(__file__).parent / "releases" / "agenda-table.txt").read_bytes()


def buttons_of(call: dict[str, Any]) -> dict[str, str]:
    """The inline keyboard of a sent message: label → callback data."""
    rows = (call.get("reply_markup") or {}).get("inline_keyboard") or []
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def test_an_admin_sends_a_release_sees_a_preview_and_saves_it(ctx: Context) -> None:
    before = len(ctx.store.meetings())

    async def scenario(h: Harness) -> None:
        h.api.push_document(RELEASE, "release.txt", chat_id=ADMIN, user_id=ADMIN)
        [preview] = await h.api.wait_for("sendMessage")
        text = preview.params["text"]
        assert (
            "제3회 과학기술관계장관회의" in text and "첨단바이오" in text and "저장할까요" in text
        )
        keys = buttons_of(preview.params)
        assert set(keys) == {"저장", "취소"}
        assert len(ctx.store.meetings()) == before  # nothing stored before 저장
        message = h.api.message("x", chat_id=ADMIN)
        h.api.push_callback(keys["저장"], message=message, user_id=ADMIN)
        [edited] = await h.api.wait_for("editMessageText")
        assert "새로 저장했습니다" in edited.params["text"]
        assert len(ctx.store.meetings()) == before + 1
        # the same button again: the preview is gone, nothing is stored twice
        h.api.push_callback(keys["저장"], message=message, user_id=ADMIN)
        await h.api.wait_for("editMessageText", 2)
        assert len(ctx.store.meetings()) == before + 1

    with_bot(ctx, scenario)


def test_cancel_stores_nothing_and_non_admins_are_refused(ctx: Context) -> None:
    before = ctx.store.path.read_bytes()

    async def scenario(h: Harness) -> None:
        h.api.push_document(RELEASE, "release.txt", chat_id=ADMIN, user_id=ADMIN)
        [preview] = await h.api.wait_for("sendMessage")
        message = h.api.message("x", chat_id=ADMIN)
        h.api.push_callback(buttons_of(preview.params)["취소"], message=message, user_id=ADMIN)
        [edited] = await h.api.wait_for("editMessageText")
        assert "취소했습니다" in edited.params["text"]

        h.api.push_document(RELEASE, "release.txt", chat_id=STAFF, user_id=STAFF)
        await h.api.wait_for("sendMessage", 2)
        assert "관리자만" in h.api.sent(STAFF)[-1]["text"]
        assert len(h.api.of("getFile")) == 1  # the admin's file only: refused before downloading

    with_bot(ctx, scenario)
    assert ctx.store.path.read_bytes() == before


def test_too_big_and_unreadable_files_get_one_line(ctx: Context) -> None:
    before = ctx.store.path.read_bytes()

    async def scenario(h: Harness) -> None:
        h.api.push_document(b"x", "big.pdf", size=21 * 1024 * 1024, chat_id=ADMIN, user_id=ADMIN)
        await h.api.wait_for("sendMessage")
        assert "너무 큽니다" in h.api.sent(ADMIN)[-1]["text"]
        assert not h.api.of("getFile")
        h.api.push_document(b"%PDF-1.4 broken", "broken.pdf", chat_id=ADMIN, user_id=ADMIN)
        await h.api.wait_for("sendMessage", 2)
        answer = h.api.sent(ADMIN)[-1]
        assert h.api.of("download") and "broken.pdf" in answer["text"]
        assert not buttons_of(answer) and "Traceback" not in answer["text"]

    with_bot(ctx, scenario)
    assert ctx.store.path.read_bytes() == before


def test_a_release_pasted_in_a_private_chat_is_previewed(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        h.api.push_text(RELEASE.decode("utf-8"), chat_id=ADMIN, user_id=ADMIN)
        [preview] = await h.api.wait_for("sendMessage")
        assert "제3회 과학기술관계장관회의" in preview.params["text"]
        assert set(buttons_of(preview.params)) == {"저장", "취소"}
        # a short text is no release: no answer at all
        h.api.push_text("안녕하세요", chat_id=ADMIN, user_id=ADMIN)
        await h.settle()
        assert len(h.api.sent(ADMIN)) == 1

    with_bot(ctx, scenario)


# -- /export: the spreadsheet as a document ------------------------------------------------


def test_an_admin_gets_the_workbook_as_a_document_in_a_private_chat(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        [text] = await h.ask_all("/export", chat_id=ADMIN, user_id=ADMIN)
        assert "엑셀 파일로 보냅니다" in text["text"]
        [document] = h.api.documents
        assert (document.chat_id, document.name) == (ADMIN, "안건-2026-11-25.xlsx")
        assert document.mime.endswith("spreadsheetml.sheet")
        [call] = h.api.of("sendDocument")
        assert call.params["document"]["file_size"] == document.size > 0
        assert call.at > h.api.of("sendMessage")[-1].at  # after the answer's line
        book = load_workbook(io.BytesIO(document.data), read_only=True)
        assert book.sheetnames == ["안건", "일정", "후속조치"]
        await h.ask_all("/export csv 중기부", chat_id=ADMIN, user_id=ADMIN)
        assert [d.name for d in h.api.documents[1:]] == [
            "안건-중소벤처기업부-2026-11-25.csv",
            "일정-중소벤처기업부-2026-11-25.csv",
            "후속조치-중소벤처기업부-2026-11-25.csv",
        ]

    with_bot(ctx, scenario)


def test_export_is_refused_to_staff_and_in_groups_without_a_file(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        assert "관리자만" in await h.ask("/export")  # staff, private chat
        assert "개인 대화" in await h.ask("/export", chat_id=GROUP, user_id=ADMIN)
        assert not h.api.of("sendDocument", ok_only=False) and not h.api.documents

    with_bot(ctx, scenario)


def test_a_document_is_sent_again_only_when_it_surely_did_not_arrive(ctx: Context) -> None:
    async def scenario(h: Harness) -> None:
        h.api.fail("sendDocument", 502)  # Telegram's own word that it failed: sent again
        await h.ask_all("/export", chat_id=ADMIN, user_id=ADMIN)
        assert [c.status for c in h.api.of("sendDocument", ok_only=False)] == [502, 200]
        assert len(h.api.documents) == 1
        # PTB's read timeout is 5 s: the upload is taken, its answer never comes
        h.api.hang("sendDocument", 8)
        answer = await h.ask_all("/export", chat_id=ADMIN, user_id=ADMIN)
        await asyncio.sleep(0.5)
        assert len(h.api.of("sendDocument", ok_only=False)) == 3  # never a second upload
        assert [p["text"] for p in answer if p["text"] == tg.SORRY] == []  # nor an apology

    with_bot(ctx, scenario)
