"""`agendabot run` with the press-release watcher on and Slack as the admin chat, end to end.

tests/test_watch.py runs the same story with Telegram as the admin chat. Slack differs where
a preview can go wrong: the preview is a Block Kit message posted with chat.postMessage, the
저장 button comes back as a signed block_actions request on /slack/events, and the answer goes
through response_url. So here, as a real process against the fake Slack Web API and the fake
정책브리핑 API on 127.0.0.1: the first pass posts one preview to the admin channel, an admin's
저장 stores the meeting once (a second press stores nothing), a restart on the same database
proposes nothing again, and neither the bot token nor the service key reaches stderr.
The test skips when the development corpus is absent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from bot.store import Store
from fakes.briefing_api import KEY, FakeBriefingAPI, Item
from fakes.slack_api import FakeSlackAPI
from tests.conftest import ADMIN_SLACK, NOW
from tests.test_runner import free_port, start_bot, stop_bot, wait_healthy
from tests.test_slack_adapter import SECRET, TOKEN, SlackClient, actions_of, text_of
from tests.test_watch import DAY, MEETING_6, corpus_files, news_id, paragraphs

CHANNEL = "C0ADMINS"  # the admin channel the watcher's previews go to
OK_PASSES = re.compile(r'^agendabot_watcher_passes_total\{outcome="ok"\} (\S+)$', re.MULTILINE)
SECRETS = (TOKEN, SECRET, KEY, quote(KEY, safe=""))  # never in the logs


def bot_env(db: Path, port: int, slack: FakeSlackAPI, api: FakeBriefingAPI) -> dict[str, str]:
    """Slack (HTTP mode) as the only adapter, the watcher on, previews to CHANNEL."""
    inherited = ("TELEGRAM_", "SLACK_", "AGENDABOT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    return env | {
        "AGENDABOT_DB": str(db),
        "AGENDABOT_NOW": NOW,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "SLACK_ADMINS": ADMIN_SLACK,
        "AGENDABOT_HTTP_PORT": str(port),
        "AGENDABOT_BRIEFING_URL": api.url,
        "AGENDABOT_BRIEFING_KEY": KEY,
        "AGENDABOT_ADMIN_CHAT": f"slack:{CHANNEL}",
    }


def previews(slack: FakeSlackAPI) -> list[str]:
    """The text of every message the bot posted to the admin channel."""
    return [
        text_of(c.body)
        for c in slack.calls_to("chat.postMessage")
        if c.body.get("channel") == CHANNEL
    ]


async def press(slack: SlackClient, button: dict[str, Any]) -> dict[str, Any]:
    """An admin presses `button` in the admin channel; the answer through response_url."""
    ack = await slack.page_button(
        button["value"], user=ADMIN_SLACK, channel=CHANNEL, action_id=button["action_id"]
    )
    assert ack.status == 200, ack
    [answer] = await slack.api.wait_for("response", path=ack.sink, timeout=30)
    return answer.body


async def finished_passes(session: aiohttp.ClientSession, port: int) -> float:
    """How many watcher passes the running bot has finished, from its /metrics."""
    async with session.get(f"http://127.0.0.1:{port}/metrics") as r:
        assert r.status == 200
        return sum(float(n) for n in OK_PASSES.findall(await r.text()))


async def first_run(env: dict[str, str], slack: FakeSlackAPI, port: int) -> None:
    """One preview in the admin channel; 저장 stores it, the same button again does not."""
    async with aiohttp.ClientSession() as session:
        proc = await start_bot(env)
        try:
            [posted] = await slack.wait_for("chat.postMessage", timeout=60)
            assert posted.body["channel"] == CHANNEL
            assert "제6회 국가정책조정회의" in text_of(posted.body)
            buttons = actions_of(posted.body)
            assert set(buttons) == {"저장", "무시"}
            await wait_healthy(session, port)
            admin = SlackClient(port, slack, session)
            saved = await press(admin, buttons["저장"])
            assert saved["replace_original"] is True  # the preview and its buttons are gone
            assert "새로 저장했습니다" in text_of(saved)
            again = await press(admin, buttons["저장"])  # an old copy of the message: expired
            assert "새로 저장했습니다" not in text_of(again)
        finally:
            code, err = await stop_bot(proc)
    assert code == 0, err[-2000:]
    assert len(previews(slack)) == 1
    assert not [s for s in SECRETS if s in err]


async def restart(env: dict[str, str], api: FakeBriefingAPI, port: int) -> None:
    """The same database again: wait for the first pass to list and finish delivering."""
    list_calls = len(api.calls)
    async with aiohttp.ClientSession() as session:
        proc = await start_bot(env)
        try:
            deadline = asyncio.get_running_loop().time() + 60
            while len(api.calls) == list_calls:  # the restarted bot's first pass
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.1)
            await wait_healthy(session, port)
            while await finished_passes(session, port) < 1:  # ... done, previews posted
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.1)
        finally:
            code, err = await stop_bot(proc)
    assert code == 0, err[-2000:]
    assert not [s for s in SECRETS if s in err]


@pytest.mark.slow
def test_run_posts_one_slack_preview_saves_it_once_and_a_restart_does_not_propose_it_again(
    tmp_path: Path, seed_db: Path
) -> None:
    [path] = [p for p in corpus_files() if news_id(p) == MEETING_6]
    lines = path.read_text(encoding="utf-8").splitlines()
    db = tmp_path / "run.json"
    db.write_bytes(seed_db.read_bytes())
    before = len(Store(db).meetings())
    port = free_port()

    with FakeBriefingAPI() as api, FakeSlackAPI() as slack:
        slack.tokens = {TOKEN}  # any other token is refused, as Slack would
        api.add(Item(MEETING_6, lines[2], paragraphs(lines[3:]), DAY + dt.timedelta(hours=12)))
        env = bot_env(db, port, slack, api)
        asyncio.run(first_run(env, slack, port))
        assert len(Store(db).meetings()) == before + 1
        asyncio.run(restart(env, api, port))
        assert len(previews(slack)) == 1, previews(slack)[1:]  # no second preview
    assert len(Store(db).meetings()) == before + 1
