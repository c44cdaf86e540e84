"""`agendabot doctor`, run as a real subprocess against the fake Telegram and Slack APIs on
127.0.0.1: one line per check, what to fix, no secret, exit 0 only when everything passes."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from bot import doctor
from bot.adapters.slack.doctor import BOT_SCOPES
from bot.config import Settings
from fakes import slack_api
from fakes.briefing_api import KEY as BRIEFING_KEY
from fakes.briefing_api import FakeBriefingAPI
from fakes.slack_api import FakeSlackAPI
from fakes.telegram_api import TOKEN as TELEGRAM_TOKEN
from fakes.telegram_api import FakeTelegramAPI

ROOT = Path(__file__).resolve().parent.parent
BOT_TOKEN = "xoxb-doctor-1234-abcdef"
APP_TOKEN = "xapp-1-doctor-5678-ghijkl"
SIGNING = "doctor-signing-secret-77aa"
SECRETS = (TELEGRAM_TOKEN, BOT_TOKEN, APP_TOKEN, SIGNING)


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        fake.tokens = {BOT_TOKEN, APP_TOKEN}
        yield fake


@pytest.fixture
def db(tmp_path: Path, seed_db: Path) -> Path:
    path = tmp_path / "data" / "agendabot.json"
    path.parent.mkdir(mode=0o700)
    shutil.copy(seed_db, path)
    path.chmod(0o600)
    return path


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_doctor(db: Path, env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    """`agendabot doctor` with only `env` (no setting or token of the developer's leaks in)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *options, "--db", str(db), "doctor"],
        check=False,  # the tests look at the exit code
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(db.parent), **env},
        timeout=120,
    )


def doctor_with_telegram(
    db: Path, env: dict[str, str], token: str = TELEGRAM_TOKEN, base: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the doctor while the fake Telegram API serves (it lives in this event loop)."""

    async def scenario() -> subprocess.CompletedProcess[str]:
        async with FakeTelegramAPI() as telegram:
            full = {
                "TELEGRAM_BOT_TOKEN": token,
                "TELEGRAM_BASE_URL": base or telegram.base_url,
                **env,
            }
            return await asyncio.to_thread(run_doctor, db, full, "--verbose")

    return asyncio.run(scenario())


def line(out: str, name: str) -> str:
    """The line of check `name`."""
    found = [row for row in out.splitlines() if row[2:].startswith(f"{name}:")]
    assert len(found) == 1, (name, out)
    return found[0]


def no_secret(result: subprocess.CompletedProcess[str]) -> None:
    for secret in SECRETS:
        assert secret not in result.stdout and secret not in result.stderr, secret


def slack_env(api: FakeSlackAPI, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": api.url,
        "SLACK_ADMINS": "UADMIN,W0123",
        "TELEGRAM_ADMINS": "100,200",
        **extra,
    }


def test_a_working_setup_passes(db: Path, slack: FakeSlackAPI) -> None:
    result = doctor_with_telegram(db, slack_env(slack))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert line(out, "설정").startswith("✓")
    assert line(out, "데이터베이스 파일") == f"✓ 데이터베이스 파일: {db} (스키마 1, 회의 1건)"
    assert line(out, "데이터베이스 권한") == "✓ 데이터베이스 권한: 600"
    assert line(out, "텔레그램 토큰") == "✓ 텔레그램 토큰: @agenda_test_bot (id 123456)"
    assert line(out, "텔레그램 관리자") == "✓ 텔레그램 관리자: 2명"
    assert "Test 워크스페이스의 @agendabot (UBOT)" in line(out, "Slack 봇 토큰")
    assert line(out, "Slack 권한") == f"✓ Slack 권한: 필요한 권한 {len(BOT_SCOPES)}개 모두 있음"
    assert line(out, "Slack 수신").startswith("✓ Slack 수신: Socket Mode")
    assert line(out, "Slack 관리자") == "✓ Slack 관리자: 2명"
    assert out.rstrip().endswith("모두 통과했습니다.")
    no_secret(result)
    # the tokens were really tried, each once: auth.test serves both the token and the scopes
    [auth] = slack.calls_to("auth.test")
    assert auth.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    [opened] = slack.calls_to("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"


def test_each_problem_is_named_with_its_fix(db: Path, slack: FakeSlackAPI) -> None:
    slack.scopes = tuple(s for s in slack_api.SCOPES if s not in ("im:write", "files:read"))
    slack.tokens = {BOT_TOKEN}  # the app token was revoked
    db.chmod(0o644)
    env = slack_env(slack, SLACK_ADMINS="UADMIN,someone", TELEGRAM_ADMINS="100,@boss")
    result = doctor_with_telegram(db, env, token="999:WRONG-token-of-someone-else-0000000")
    assert result.returncode == 1
    out = result.stdout
    assert "거부했습니다 (401) → @BotFather" in line(out, "텔레그램 토큰")
    assert line(out, "텔레그램 관리자").startswith(
        "✗ 텔레그램 관리자: 숫자가 아닌 사용자 ID: @boss"
    )
    assert "빠진 권한: im:write, files:read → " in line(out, "Slack 권한")
    assert "다시 설치" in line(out, "Slack 권한")
    assert "앱 토큰을 거부했습니다 (invalid_auth)" in line(out, "Slack 수신")
    assert line(out, "Slack 관리자").startswith("✗ Slack 관리자: 멤버 ID 가 아닌 값: someone")
    assert (
        line(out, "데이터베이스 권한")
        == f"✗ 데이터베이스 권한: 다른 사용자도 읽을 수 있습니다 (644) → chmod 600 {db}"
    )
    assert line(out, "Slack 봇 토큰").startswith("✓")
    assert "문제 6개" in out
    assert all(row[0] in "✓✗!-" for row in out.splitlines()[1:] if row and row[0] != "문")
    no_secret(result)
    assert "999:WRONG" not in out + result.stderr


def test_rejected_or_misplaced_tokens_and_unreachable_hosts(db: Path, slack: FakeSlackAPI) -> None:
    slack.tokens = {APP_TOKEN}  # the bot token was revoked
    dead = f"http://127.0.0.1:{closed_port()}/bot"
    result = doctor_with_telegram(db, slack_env(slack), base=dead)
    assert result.returncode == 1
    out = result.stdout
    assert "연결할 수 없습니다" in line(out, "텔레그램 토큰")
    assert "Slack 이 토큰을 거부했습니다 (invalid_auth)" in line(out, "Slack 봇 토큰")
    assert line(out, "Slack 권한") == "- Slack 권한: 토큰 확인에 실패해 건너뜁니다"
    no_secret(result)

    swapped = slack_env(slack, SLACK_BOT_TOKEN=APP_TOKEN, SLACK_APP_TOKEN=BOT_TOKEN)
    unreachable = slack_env(slack, SLACK_API_URL=f"http://127.0.0.1:{closed_port()}/api/")
    result = run_doctor(db, swapped)
    assert "봇 토큰(xoxb-…)이 아닙니다" in line(result.stdout, "Slack 봇 토큰")
    assert "앱 토큰(xapp-…)이 아닙니다" in line(result.stdout, "Slack 수신")
    no_secret(result)
    result = run_doctor(db, {**unreachable, "SLACK_APP_TOKEN": ""})
    assert "답을 받지 못했습니다" in line(result.stdout, "Slack 봇 토큰")
    assert "SLACK_SIGNING_SECRET" in line(result.stdout, "Slack 수신")  # no way to receive
    assert result.returncode == 1


def test_a_bad_setting_or_a_corrupt_database_is_a_failed_check(db: Path) -> None:
    bad = run_doctor(db, {"AGENDABOT_TZ": "Mars/Olympus"})
    assert bad.returncode == 1  # not 2: the doctor reports it like any other problem
    assert line(bad.stdout, "설정").startswith("✗ 설정: 알 수 없는 시간대입니다: Mars/Olympus")
    db.write_text("{이건 JSON 이 아닙니다", encoding="utf-8")
    corrupt = run_doctor(db, {"SLACK_SIGNING_SECRET": SIGNING})
    assert corrupt.returncode == 1
    assert "agendabot repair" in line(corrupt.stdout, "데이터베이스 파일")
    assert line(corrupt.stdout, "채팅 어댑터").startswith(
        "! 채팅 어댑터: 켤 채팅 어댑터가 없습니다"
    )
    no_secret(corrupt)


def test_the_checks_are_a_table_anything_can_run(settings: Settings) -> None:
    """The same checks without the CLI (a /healthz could run them): one named result each."""
    results = doctor.run_checks(settings)
    assert [r.name for r in results] == [name for name, _ in doctor.CHECKS]
    assert all(r.passed for r in results)
    assert doctor.Result("fail", "x", "y", "이름").line() == "✗ 이름: x → y"


def test_the_scopes_checked_are_the_manifests() -> None:
    manifest = yaml.safe_load((ROOT / "slack-app-manifest.yml").read_text(encoding="utf-8"))
    declared = manifest["oauth_config"]["scopes"]["bot"]
    assert list(BOT_SCOPES) == declared
    assert list(slack_api.SCOPES) == declared  # the fake grants what a proper install grants


def test_the_watchers_key_and_admin_chat_are_checked(db: Path) -> None:
    with FakeBriefingAPI() as api:
        watching = {
            "AGENDABOT_BRIEFING_URL": api.url,
            "AGENDABOT_BRIEFING_KEY": BRIEFING_KEY,
            "AGENDABOT_ADMIN_CHAT": "telegram:100",
        }
        good = doctor_with_telegram(db, watching)
        assert good.returncode == 0, good.stdout + good.stderr
        assert line(good.stdout, "정책브리핑 API").startswith("✓ 정책브리핑 API: 서비스 키 확인됨")
        assert (
            line(good.stdout, "제안 대화방")
            == "✓ 제안 대화방: telegram:100 (저장 / 무시 미리 보기)"
        )
        assert len(api.calls) == 1  # one request, no retries
        wrong = {
            **watching,
            "AGENDABOT_BRIEFING_KEY": "not+the/key==",
            "AGENDABOT_ADMIN_CHAT": "slack:C1",
        }
        bad = doctor_with_telegram(db, wrong)
    assert bad.returncode == 1
    key_line = line(bad.stdout, "정책브리핑 API")
    assert key_line.startswith("✗") and "SERVICE_KEY_IS_NOT_REGISTERED" in key_line
    assert "data.go.kr" in key_line
    chat_line = line(bad.stdout, "제안 대화방")
    assert chat_line.startswith("✗") and "SLACK_BOT_TOKEN" in chat_line
    for secret in ("not+the/key==", quote("not+the/key==", safe=""), BRIEFING_KEY):
        assert secret not in bad.stdout + bad.stderr and secret not in good.stdout + good.stderr
    off = run_doctor(db, {})
    assert line(off.stdout, "정책브리핑 API").startswith("- 정책브리핑 API: 설정 안 됨")
