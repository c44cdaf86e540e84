"""`agendabot run` as a real process configured only by environment variables: Telegram
(long polling) and Slack (HTTP mode) in one loop with the digest scheduler, against the fake
servers; a catch-up digest goes out once across a restart; SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot import backup
from bot.commands import Context
from bot.errors import UsageError
from bot.model import Subscription
from bot.runner import WATCH_INTERVAL, Service, back_up_daily, only_instance, running, watch
from bot.store import Store
from fakes.slack_api import FakeSlackAPI
from fakes.telegram_api import TOKEN, FakeTelegramAPI

ROOT = Path(__file__).resolve().parent.parent
SECRET = "runner-signing-secret"
GROUP = -100123


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "-v", "run",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def stop_bot(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), 20)
    return proc.returncode or 0, err.decode()


async def wait_healthy(session: aiohttp.ClientSession, port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                if r.status == 200:
                    return
        await asyncio.sleep(0.1)
    raise TimeoutError("Slack HTTP endpoint never came up")


async def slash(session: aiohttp.ClientSession, port: int, text: str) -> str:
    name, _, args = text.partition(" ")
    body = urllib.parse.urlencode(
        {"command": name, "text": args, "team_id": "T1", "channel_id": "C1",
         "channel_name": "general", "user_id": "U9", "response_url": "http://127.0.0.1:1/x",
         "trigger_id": "1.2.3"}
    )  # fmt: skip
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
        or "",
    }
    async with session.post(
        f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
    ) as r:
        assert r.status == 200
        return json.dumps(await r.json(content_type=None), ensure_ascii=False)


def test_run_serves_both_platforms_and_sends_the_catch_up_digest_once(
    tmp_path: Path, seed_db: Path
) -> None:
    db = tmp_path / "run.json"
    db.write_bytes(seed_db.read_bytes())
    Store(db).save_subscription(
        Subscription(key=f"telegram:{GROUP}", platform="telegram", chat_id=str(GROUP)), by="test"
    )
    port = free_port()

    async def scenario() -> None:
        async with FakeTelegramAPI() as tg, aiohttp.ClientSession() as session:
            with FakeSlackAPI() as slack:
                env = {
                    **os.environ,
                    "AGENDABOT_DB": str(db),
                    "AGENDABOT_NOW": "2026-11-30T10:00:00+09:00",  # Monday, after 09:00
                    "TELEGRAM_BOT_TOKEN": TOKEN,
                    "TELEGRAM_BASE_URL": tg.base_url,
                    "TELEGRAM_ADMINS": "100",
                    "SLACK_BOT_TOKEN": "xoxb-runner-token",
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": slack.url,
                    "AGENDABOT_HTTP_PORT": str(port),
                }
                proc = await start_bot(env)
                try:
                    await tg.wait_for("setMyCommands", timeout=30)
                    digest = await tg.wait_for("sendMessage", timeout=30)
                    assert digest[0].params["chat_id"] == GROUP
                    assert "주간 요약" in digest[0].params["text"]
                    tg.push_text("/agenda 3", chat_id=100)
                    replies = await tg.wait_for("sendMessage", 2, timeout=30)
                    assert "산업통상부" in replies[1].params["text"]
                    await wait_healthy(session, port)
                    assert "산업통상부" in await slash(session, port, "/agenda 3")
                finally:
                    code, err = await stop_bot(proc)
                assert code == 0, err[-2000:]
                assert TOKEN not in err and SECRET not in err and "xoxb-runner-token" not in err

                # A restart the same day: the week's digest is already out, nothing is re-sent.
                sent_before = len(tg.sent(GROUP))
                proc = await start_bot(env)
                try:
                    await tg.wait_for("setMyCommands", 2, timeout=30)
                    tg.push_text("/whoami", chat_id=100)
                    await tg.wait_for("sendMessage", 3, timeout=30)
                finally:
                    code, err = await stop_bot(proc)
                assert code == 0, err[-2000:]
                assert len(tg.sent(GROUP)) == sent_before == 1

    asyncio.run(scenario())
    delivery = Store(db).delivery(f"telegram:{GROUP}", "2026-W49")
    assert delivery is not None and delivery.status == "sent"


def test_run_without_any_token_says_what_to_set(tmp_path: Path) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(tmp_path / "x.json"), "run"],
        check=False, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert out.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in out.stderr and len(out.stderr.strip().splitlines()) == 1


class StubAdapter:
    """An adapter with no platform behind it: only its health and its routes matter here."""

    def __init__(self, platform: str) -> None:
        from bot.adapters import Health

        self.platform = platform
        self.health = Health()
        self.mode = "polling"
        self.sender: Any = None
        self.stopped = False

    def routes(self) -> list[Any]:
        return []

    async def start(self) -> None:
        self.health.ok()

    async def start_sending(self) -> None:
        pass

    async def stop(self) -> None:
        self.stopped = True


def test_healthz_and_metrics_answer_in_polling_mode_and_report_each_adapter(
    ctx: Context,
) -> None:
    """No webhook, no Slack HTTP mode: the server still listens for health and metrics."""
    tg, sl = StubAdapter("telegram"), StubAdapter("slack")

    async def main() -> None:
        service = Service([tg, sl])
        async with running(ctx, [tg, sl], service=service) as server, aiohttp.ClientSession() as s:
            assert server is not None
            base = f"http://127.0.0.1:{server.port}"
            async with s.get(base + "/healthz") as r:
                body = await r.json()
                assert r.status == 200 and body["status"] == "ok"
                assert body["adapters"]["telegram"]["mode"] == "polling"
            sl.health.degraded("Slack 500")
            async with s.get(base + "/healthz") as r:
                body = await r.json()
                assert r.status == 200 and body["status"] == "degraded"
                assert body["adapters"]["slack"]["detail"] == "Slack 500"
            tg.health.down("token rejected")
            async with s.get(base + "/healthz") as r:
                assert r.status == 503 and (await r.json())["status"] == "down"
            async with s.get(base + "/metrics") as r:
                text = await r.text()
                assert r.status == 200 and r.content_type == "text/plain"
                assert "agendabot_commands_answered_total" in text
                assert "agendabot_deliveries_pending" in text

    asyncio.run(main())
    assert tg.stopped and sl.stopped


def test_the_runner_stops_when_every_adapter_is_down_and_not_before() -> None:
    tg, sl = StubAdapter("telegram"), StubAdapter("slack")
    service = Service([tg, sl])

    async def main() -> bool:
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(service, stop))
        tg.health.down("token rejected")
        await asyncio.sleep(WATCH_INTERVAL * 1.5)
        stopped_early = stop.is_set()
        sl.health.down("invalid_auth")
        await asyncio.wait_for(watcher, 10)
        assert stop.is_set()
        return stopped_early

    assert asyncio.run(main()) is False
    assert service.all_down()


def test_daily_backups_are_taken_while_the_bot_runs(ctx: Context) -> None:
    """One backup for today beside the database, kept private; a second pass adds none."""

    async def main() -> None:
        stop = asyncio.Event()
        chore = asyncio.create_task(back_up_daily(ctx, stop, every=0.05))
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.wait_for(chore, 10)

    asyncio.run(main())
    found = sorted(backup.folder_of(ctx.settings.db_path).iterdir())
    assert [p.name for p in found] == [f"db-{ctx.today().isoformat()}.json"]
    assert found[0].stat().st_mode & 0o077 == 0
    assert json.loads(found[0].read_bytes()) == json.loads(ctx.settings.db_path.read_bytes())


HOLDER = """
import sys
from pathlib import Path
from bot.runner import only_instance
with only_instance(Path(sys.argv[1])):
    print("holding", flush=True)
    sys.stdin.read()
"""


def test_a_second_run_on_the_same_database_is_refused_and_a_killed_one_leaves_no_lock(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.json"
    with only_instance(db), pytest.raises(UsageError, match="이미 실행 중"), only_instance(db):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"holding\n"
        with pytest.raises(UsageError, match=db.name), only_instance(db):
            pass
    finally:
        holder.kill()  # SIGKILL: no cleanup runs
        holder.wait()
    with only_instance(db):  # the OS let go of the dead process's lock
        pass
    with only_instance(tmp_path / "other.json"):  # another database: its own bot
        pass
