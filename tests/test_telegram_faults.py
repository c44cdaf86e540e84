"""The Telegram adapter when things go wrong, over real HTTP against the fake Bot API: a
rejected or revoked token, a failing or unreachable Bot API, a send that hangs, a crash with
updates in hand. Every path is also checked for the token: neither a log line (any logger,
DEBUG up) nor an exception's text may carry it.

No test asserts on wall time beyond generous "did not hang" bounds: where order matters, the
test looks at what had happened when something else happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import re
import signal
import socket
import stat
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from telegram.error import BadRequest, NetworkError, TimedOut

from bot import metrics
from bot.adapters import telegram as tg
from bot.adapters.telegram import app as tg_app
from bot.adapters.telegram import sender as tg_sender
from bot.adapters.telegram.inbox import Inbox, inbox_path
from bot.adapters.telegram.processor import ChatOrderedProcessor
from bot.commands import Context
from bot.errors import UsageError
from bot.runner import running
from fakes.telegram_api import TOKEN, FakeTelegramAPI

ROOT = Path(__file__).resolve().parent.parent
WRONG_TOKEN = "654321:WRONG-token-that-the-server-rejects"
ALICE, BOB = 301, 302


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_bot(ctx: Context, base_url: str, token: str = TOKEN, **settings: Any) -> tg.TelegramBot:
    settings.setdefault("http_port", 0)
    ctx.settings = dataclasses.replace(
        ctx.settings, telegram_token=token, telegram_base_url=base_url, **settings
    )
    return tg.TelegramBot(ctx)


async def until(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    """Wait until `check()` holds; `timeout` is only a "did not hang" bound."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.01)


async def settled(bot: tg.TelegramBot, api: FakeTelegramAPI) -> None:
    """Every update pushed so far was fetched and handled."""
    last = api.last_update_id
    await until(lambda: bot.inbox.seen(last) and bot.inbox.pending == 0, "updates handled")


@contextlib.contextmanager
def token_kept_secret(caplog: pytest.LogCaptureFixture, token: str) -> Iterator[None]:
    """Capture every logger at DEBUG (httpx and httpcore too, which log request URLs) and
    check afterwards that no line and no traceback holds the token."""
    with (
        caplog.at_level(logging.DEBUG),
        caplog.at_level(logging.DEBUG, logger="httpx"),
        caplog.at_level(logging.DEBUG, logger="httpcore"),
    ):
        yield
    assert caplog.records, "nothing was logged: the check would prove nothing"
    assert token not in caplog.text
    for record in caplog.records:
        assert token not in record.getMessage()
        if record.exc_info:
            assert token not in "".join(traceback.format_exception(*record.exc_info))


def clean(error: BaseException, token: str) -> None:
    """An error that reaches the command line: no token anywhere in what would be printed."""
    printed = "".join(traceback.format_exception(error))
    assert token not in printed and token not in str(error)
    assert error.__cause__ is None and error.__suppress_context__  # `from None`


def sample(name: str) -> float:
    value = metrics.REGISTRY.get_sample_value(name, {"platform": "telegram"})
    return value or 0.0


# -- 1. the token ------------------------------------------------------------------------------


def test_a_rejected_token_is_one_clean_line_without_the_token(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        async with FakeTelegramAPI() as api:  # knows TOKEN only: WRONG_TOKEN gets 401
            for start in ("start", "start_sending"):
                bot = make_bot(ctx, api.base_url, WRONG_TOKEN)
                with pytest.raises(UsageError) as raised:
                    await getattr(bot, start)()
                assert raised.value.message == tg_app.TOKEN_REJECTED
                clean(raised.value, WRONG_TOKEN)
                assert bot.health.status == "down" or start == "start_sending"
                await bot.stop()  # safe after a failed start, and twice

    with token_kept_secret(caplog, WRONG_TOKEN):
        asyncio.run(main())


def test_start_sending_gives_up_cleanly_when_the_api_fails(
    ctx: Context, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tg_sender, "NETWORK_RETRIES", (0.01, 0.01, 0.01))

    async def main() -> None:
        async with FakeTelegramAPI() as api:
            api.fail("getMe", 500, times=10)
            bot = make_bot(ctx, api.base_url)
            with pytest.raises(UsageError) as raised:
                await bot.start_sending()
            assert "연결하지 못했습니다" in raised.value.message
            clean(raised.value, TOKEN)
            assert len(api.of("getMe", ok_only=False)) == 4  # a bounded number of tries
        nowhere = f"http://127.0.0.1:{free_port()}/bot"  # nothing listens: connection refused
        bot = make_bot(ctx, nowhere)
        with pytest.raises(UsageError) as raised:
            await bot.start_sending()
        clean(raised.value, TOKEN)

    with token_kept_secret(caplog, TOKEN):
        asyncio.run(main())


# -- 2. polling errors ---------------------------------------------------------------------------


def test_failed_polls_degrade_health_and_are_retried_until_ok(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        async with FakeTelegramAPI() as api:
            bot = make_bot(ctx, api.base_url)
            await bot.start()
            try:
                assert bot.health.status == "ok"
                api.fail("getUpdates", 500, times=2)
                api.push_text("/whoami", chat_id=ALICE, user_id=ALICE)  # wakes the long poll
                await until(lambda: bot.health.status == "degraded", "health degraded")
                assert "500" in bot.health.detail or "Internal" in bot.health.detail
                failed_at = bot.health.last_ok
                api.push_text("/whoami", chat_id=BOB, user_id=BOB)
                await until(lambda: bool(api.sent(BOB)), "answered after the failures")
                assert bot.health.status == "ok" and bot.health.last_ok != failed_at
                await settled(bot, api)
                assert len(api.sent(ALICE)) == len(api.sent(BOB)) == 1
            finally:
                await bot.stop()
        failures = [r for r in caplog.records if "polling Telegram failed" in r.getMessage()]
        assert len(failures) == 2 and all(r.levelno == logging.WARNING for r in failures)
        assert not any(r.exc_info for r in failures)  # one line each, no traceback

    with token_kept_secret(caplog, TOKEN):
        asyncio.run(main())


def test_a_revoked_token_stops_polling_and_marks_the_adapter_down(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        async with FakeTelegramAPI() as api:
            bot = make_bot(ctx, api.base_url)
            await bot.start()
            try:
                api.revoke()
                await until(lambda: bot.health.status == "down", "health down")
                assert "token" in bot.health.detail
                polls = len(api.of("getUpdates", ok_only=False))
                await asyncio.sleep(1.5)  # PTB would poll again within 1 s if it went on
                assert len(api.of("getUpdates", ok_only=False)) == polls
                assert bot.app.updater is not None and not bot.app.updater.running
            finally:
                await bot.stop()  # the ended polling task's error is not raised here
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("rejected the bot token" in r.getMessage() for r in errors)

    with token_kept_secret(caplog, TOKEN):
        asyncio.run(main())


# -- 3. no network at start ------------------------------------------------------------------------


def test_start_without_network_keeps_trying_in_the_background(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()

    async def main() -> None:
        bot = make_bot(ctx, f"http://127.0.0.1:{port}/bot")
        await asyncio.wait_for(bot.start(), 10)  # returns: the other adapters may start
        try:
            assert bot.health.status == "degraded"
            assert "reach" in bot.health.detail
            async with FakeTelegramAPI(port=port) as api:  # the network is back
                await until(lambda: bot.health.status == "ok", "connected", timeout=20)
                api.push_text("/whoami", chat_id=ALICE, user_id=ALICE)
                await settled(bot, api)
                assert str(ALICE) in api.sent(ALICE)[0]["text"]
                assert [c.method for c in api.calls][:3] == [
                    "getMe",
                    "setMyCommands",
                    "deleteWebhook",
                ]
        finally:
            await bot.stop()
        tries = [r for r in caplog.records if "connecting to Telegram failed" in r.getMessage()]
        assert tries and all(r.levelno == logging.WARNING for r in tries)

    with token_kept_secret(caplog, TOKEN):
        asyncio.run(main())


def test_stop_cancels_connecting_cleanly(ctx: Context) -> None:
    async def main() -> None:
        bot = make_bot(ctx, f"http://127.0.0.1:{free_port()}/bot")
        await asyncio.wait_for(bot.start(), 10)
        await asyncio.sleep(0.2)
        await asyncio.wait_for(bot.stop(), 5)
        await bot.stop()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert others == []  # no connecting task left behind
        assert bot.health.status == "degraded"

    asyncio.run(main())


# -- 4. a hung Bot API ---------------------------------------------------------------------------


def test_a_hung_send_is_never_repeated_and_other_chats_go_on(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        async with FakeTelegramAPI() as api:
            bot = make_bot(ctx, api.base_url)
            await bot.start()
            try:
                # PTB's read timeout is 5 s: the answer is written, then never acknowledged.
                api.hang("sendMessage", 8, chat_id=ALICE)
                api.push_text("/whoami", chat_id=ALICE, user_id=ALICE)
                api.push_text("/help", chat_id=ALICE, user_id=ALICE)  # waits for its turn
                await until(lambda: len(calls_to(api, ALICE)) == 1, "the hung send arrived")
                api.push_text("/whoami", chat_id=BOB, user_id=BOB)
                await until(lambda: bool(api.sent(BOB)), "another chat answered", timeout=4)
                # BOB was answered (and his update marked done, a moment after the send
                # returns) while ALICE's first send still hung, and ALICE's second command had
                # not been answered before her first: her order is kept.
                await until(lambda: bot.inbox.pending == 2, "BOB's update done", timeout=2)
                assert len(calls_to(api, ALICE)) == 1
                await settled(bot, api)
                texts = [c.params["text"] for c in calls_to(api, ALICE)]
                assert len(texts) == 2  # the hung answer once (no resend, no apology), /help
                assert str(ALICE) in texts[0] and "/agenda" in texts[1]
                assert tg.SORRY not in texts
                assert isinstance(bot.app.update_processor, ChatOrderedProcessor)
                assert bot.app.update_processor.chats_waiting == 0  # no lock left behind
            finally:
                await bot.stop()
        assert any("may or may not have arrived" in r.getMessage() for r in caplog.records)

    with token_kept_secret(caplog, TOKEN):
        asyncio.run(main())


def calls_to(api: FakeTelegramAPI, chat: int) -> list[Any]:
    return [c for c in api.of("sendMessage", ok_only=False) if c.params.get("chat_id") == chat]


def test_only_sends_that_surely_never_left_are_retried() -> None:
    """What `with_backoff` may send again, by what PTB raises (httpx's error as the cause)."""
    request = httpx.Request("POST", "http://127.0.0.1:1/bot/sendMessage")

    def caused(error: NetworkError, cause: Exception) -> NetworkError:
        error.__cause__ = cause
        return error

    never_left = [
        caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")),
        caused(TimedOut(), httpx.ConnectTimeout("connect", request=request)),
        caused(TimedOut("Pool timeout"), httpx.PoolTimeout("pool", request=request)),
        NetworkError("Internal Server Error"),  # Telegram's own answer: the method failed
    ]
    maybe_arrived = [
        caused(TimedOut(), httpx.ReadTimeout("read", request=request)),
        caused(TimedOut(), httpx.WriteTimeout("write", request=request)),
        caused(NetworkError("httpx.ReadError"), httpx.ReadError("reset", request=request)),
        caused(NetworkError("x"), httpx.RemoteProtocolError("closed", request=request)),
        TimedOut(),
    ]
    assert all(tg_sender.surely_unsent(e) for e in never_left)
    assert not any(tg_sender.surely_unsent(e) for e in maybe_arrived)
    assert all(tg_sender.may_have_arrived(e) for e in maybe_arrived)
    assert not tg_sender.surely_unsent(BadRequest("Bad Request: message is too long"))


# -- 5. crashes ----------------------------------------------------------------------------------


def test_unfinished_updates_are_replayed_once_at_start(ctx: Context) -> None:
    async def main() -> None:
        async with FakeTelegramAPI() as api:
            journal = Inbox(inbox_path(ctx.settings.db_path))
            # Confirmed to Telegram, then the process died: only the journal has it.
            lost = {"update_id": 500, "message": api.message("/zz500", chat_id=ALICE)}
            # Never confirmed: the journal has it and Telegram sends it again.
            again: dict[str, Any] = {"message": api.message("/zz501", chat_id=BOB)}
            again["update_id"] = api.push(again)
            journal.write(journal.admit([lost, again]))
            journal.close()

            bot = make_bot(ctx, api.base_url)
            await bot.start()
            try:
                await until(lambda: offset(api) > again["update_id"], "Telegram's copy fetched")
                await settled(bot, api)
                assert len(api.sent(ALICE)) == 1 and "/zz500" in api.sent(ALICE)[0]["text"]
                assert len(api.sent(BOB)) == 1 and "/zz501" in api.sent(BOB)[0]["text"]
            finally:
                await bot.stop()
            assert Inbox(inbox_path(ctx.settings.db_path)).open() == []  # all done

    asyncio.run(main())


def offset(api: FakeTelegramAPI) -> int:
    """The highest offset polled with: every update below it was fetched and confirmed."""
    return max((int(c.params.get("offset") or 0) for c in api.of("getUpdates")), default=0)


def test_the_webhook_records_before_acknowledging_and_skips_a_redelivery(
    ctx: Context,
) -> None:
    secret = "hook-secret_1"

    async def main() -> None:
        async with FakeTelegramAPI() as api:
            bot = make_bot(
                ctx,
                api.base_url,
                telegram_webhook_url="https://bot.example.org/tg",
                telegram_webhook_secret=secret,
            )
            async with running(ctx, [bot]) as server, aiohttp.ClientSession() as http:
                assert server is not None
                url = f"http://127.0.0.1:{server.port}/tg"
                update = {"update_id": 77, "message": api.message("/zz77", chat_id=ALICE)}
                for _ in range(2):  # Telegram sends it again when unsure we got it
                    async with http.post(url, json=update, headers={tg.SECRET_HEADER: secret}) as r:
                        assert r.status == 200
                        assert bot.inbox.seen(77)  # written down before the 200
                await until(lambda: bot.inbox.pending == 0 and bool(api.sent(ALICE)), "done")
                await asyncio.sleep(0.2)
                assert len(api.sent(ALICE)) == 1

    asyncio.run(main())


def test_the_journal_is_private_bounded_and_drops_an_update_that_keeps_crashing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.json.telegram-inbox.jsonl"
    journal = Inbox(path)
    journal.COMPACT_IDLE = 30_000
    assert journal.open() == []
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for n in range(1, 400):  # 400 records and done marks: about 70 KB uncompacted
        journal.write(journal.admit([{"update_id": n, "message": {"text": "x" * 150}}]))
        journal.finish(n)
    assert path.stat().st_size < 30_000 + 200  # compacted once everything was done
    assert journal.admit([{"update_id": 5, "message": {"text": "x" * 150}}]) == []  # a copy
    other = {"update_id": 6, "message": {"text": "a new bot, or ids started anew"}}
    assert journal.admit([other]) == [other]  # the same id with other content is new
    journal.finish(6)
    journal.write(journal.admit([{"update_id": 900}]))
    journal.close()
    for replay in range(Inbox.MAX_REPLAYS):
        again = Inbox(path)
        assert [u["update_id"] for u in again.open()] == [900], replay
        assert again.seen(5) and again.seen(900)
        again.close()  # dies before finishing it, every time
    last = Inbox(path)
    assert last.open() == []  # replayed MAX_REPLAYS times: dropped, the bot can start
    last.close()


def test_updates_in_hand_survive_a_sigkill(tmp_path: Path, seed_db: Path) -> None:
    """`agendabot run` as a process, 300 updates of one chat whose answers are slow, killed
    with SIGKILL half-way, started again: no update is answered twice, and every one is
    answered except at most the one in flight at the kill (a chat's updates run one at a
    time), whose answer may or may not have left: the journal marks an update before its
    answer goes out, and a replay never answers a marked update again."""
    db = tmp_path / "run.json"
    db.write_bytes(seed_db.read_bytes())
    total = 300

    async def scenario() -> tuple[int, Counter[int]]:
        async with FakeTelegramAPI() as api:
            env = {
                **os.environ,
                "AGENDABOT_DB": str(db),
                "AGENDABOT_NOW": "2026-11-25T10:00:00+09:00",
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": api.base_url,
                "AGENDABOT_HTTP_PORT": str(free_port()),
            }
            api.slow("sendMessage", 0.02)
            proc = await start_process(env)
            try:
                await api.wait_for("getUpdates", timeout=60)
                for n in range(total):
                    api.push_text(f"/zz{n}", chat_id=ALICE, user_id=ALICE)
                await until(lambda: len(answers(api)) >= total // 3, "a third answered", 60)
            finally:
                proc.kill()
                await proc.wait()
            at_kill = sum(answers(api).values())
            proc = await start_process(env)
            try:
                await until(lambda: len(answers(api)) >= total - 1, "all answered", 90)
                await asyncio.sleep(0.5)  # anything answered twice would show by now
            finally:
                proc.send_signal(signal.SIGTERM)
                _, err = await asyncio.wait_for(proc.communicate(), 30)
            assert proc.returncode == 0, err.decode()[-2000:]
            assert TOKEN.encode() not in err
            return at_kill, answers(api)

    at_kill, counted = asyncio.run(scenario())
    twice = [n for n, c in counted.items() if c > 1]
    print(f"answered before the kill: {at_kill}; after the restart: {len(counted)}; twice: {twice}")
    missing = set(range(total)) - set(counted)
    assert twice == [] and len(missing) <= 1, (twice, missing)


async def start_process(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


def answers(api: FakeTelegramAPI) -> Counter[int]:
    """How many answers each `/zzN` got (the unknown-command answer names the command)."""
    found = (re.search(r"/zz(\d+)", c.params["text"]) for c in api.of("sendMessage"))
    return Counter(int(m.group(1)) for m in found if m)


# -- metrics -------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_metrics_count_messages_429s_and_retries(ctx: Context) -> None:
    async def main() -> None:
        async with FakeTelegramAPI() as api:
            bot = make_bot(ctx, api.base_url)
            await bot.start()
            try:
                before = {n: sample(n) for n in NAMES}
                api.fail("sendMessage", 429, retry_after=1)
                api.push_text("/whoami", chat_id=ALICE, user_id=ALICE)
                api.fail("sendMessage", 502, after=1)
                api.push_text("/whoami", chat_id=BOB, user_id=BOB)
                await settled(bot, api)
                delta = {n: sample(n) - before[n] for n in NAMES}
                assert delta == {
                    "agendabot_messages_sent_total": 2,
                    "agendabot_rate_limited_total": 1,
                    "agendabot_retries_total": 1,
                }
            finally:
                await bot.stop()

    asyncio.run(main())


NAMES = ("agendabot_messages_sent_total", "agendabot_rate_limited_total", "agendabot_retries_total")


def test_an_update_whose_answer_may_have_left_is_not_replayed(tmp_path: Path) -> None:
    """Marked as being answered, then the process died: a replay would risk a second copy."""
    path = tmp_path / "inbox.jsonl"
    first = Inbox(path)
    first.open()
    updates = [{"update_id": n, "message": {"text": f"/zz{n}"}} for n in (1, 2, 3)]
    first.write(first.admit(updates))
    first.answering(1)  # its answer was on its way
    first.finish(2)  # answered and done
    first.answering(1)  # a second part of the same answer: one mark is enough
    first.close()  # killed: 1 may have been answered, 3 was not started
    assert [u["update_id"] for u in Inbox(path).open()] == [3]
    assert path.read_bytes().count(b'"a":1') <= 1
