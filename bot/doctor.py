"""`agendabot doctor`: is this installation ready to run? One line per check, in Korean,
with what to fix; never a secret; exit 0 when every check passes, 1 otherwise.

The checks are a table (`CHECKS`) of small functions, each taking a `Checkup` (the settings,
a network timeout, answers fetched once) and returning a `Result`, so the CLI prints them
and anything else (a /healthz that wants more) can run the same ones. A check that is not
configured (no Slack token) is skipped, which passes; `warn` passes too but says something
looks off (no admins, a pinned clock).

Checks: the configuration loads; the time zone; the database's folder and file (opens, its
schema version, not readable by other users); each configured token, against the platform
(Telegram getMe, Slack auth.test and the token's scopes, the Slack app token); the admin
ids; the 정책브리핑 service key (one list request) and the watcher's admin chat. The Slack
checks live in `bot.adapters.slack.doctor` (they use slack_sdk) and are
loaded only when Slack is configured.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO, TypeVar
from urllib.parse import urlsplit

from bot import logs
from bot.config import Settings
from bot.errors import AgendabotError

Status = Literal["ok", "warn", "fail", "skip"]
MARKS: dict[Status, str] = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}
TIMEOUT = 10.0  # seconds for each call to a platform
TELEGRAM_API = "https://api.telegram.org/bot"
T = TypeVar("T")


@dataclass(frozen=True)
class Result:
    """One check's outcome: what was found, and for a problem what to do about it."""

    status: Status
    detail: str
    fix: str = ""
    name: str = ""  # set from the table

    @property
    def passed(self) -> bool:
        return self.status != "fail"

    def line(self) -> str:
        fix = f" → {self.fix}" if self.fix else ""
        return f"{MARKS[self.status]} {self.name}: {self.detail}{fix}"


def ok(detail: str) -> Result:
    return Result("ok", detail)


def warn(detail: str, fix: str = "") -> Result:
    return Result("warn", detail, fix)


def fail(detail: str, fix: str = "") -> Result:
    return Result("fail", detail, fix)


def skip(detail: str) -> Result:
    return Result("skip", detail)


@dataclass
class Checkup:
    """What the checks share: the settings, the network timeout, and answers that several
    checks read (Slack's auth.test: the token check and the scope check), fetched once."""

    settings: Settings
    timeout: float = TIMEOUT
    _answers: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, fetch: Callable[[], T]) -> T:
        if key not in self._answers:
            self._answers[key] = fetch()
        value: T = self._answers[key]
        return value


Check = Callable[[Checkup], Result]


# -- what runs, the time zone, the database -----------------------------------------------------


def check_adapters(checkup: Checkup) -> Result:
    settings = checkup.settings
    names = [
        n
        for n, token in (("텔레그램", settings.telegram_token), ("Slack", settings.slack_bot_token))
        if token
    ]
    if not names:
        return warn(
            "켤 채팅 어댑터가 없습니다",
            "agendabot run 에는 TELEGRAM_BOT_TOKEN 또는 SLACK_BOT_TOKEN 이 필요합니다"
            " (토큰 없이는 agendabot console)",
        )
    return ok(", ".join(names))


def check_time_zone(checkup: Checkup) -> Result:
    settings = checkup.settings
    now = settings.clock().astimezone(settings.zone)
    shown = f"{settings.tz} (지금 {now:%Y-%m-%d %H:%M %Z})"
    if settings.now is not None:
        return warn(f"{shown}, 시각이 고정됨", "운영 중이라면 AGENDABOT_NOW 를 지우세요")
    return ok(shown)


def check_db_folder(checkup: Checkup) -> Result:
    folder = checkup.settings.db_path.parent
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        return fail(f"{folder} 를 만들 수 없습니다", "AGENDABOT_DB 의 경로를 확인하세요")
    if not os.access(existing, os.W_OK | os.X_OK):
        return fail(
            f"{existing} 에 쓸 수 없습니다",
            "봇을 실행하는 사용자에게 쓰기 권한을 주거나 AGENDABOT_DB 를 바꾸세요",
        )
    mode = stat.S_IMODE(existing.stat().st_mode)
    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
        return fail(
            f"{existing} 는 누구나 쓸 수 있습니다 ({mode:o})",
            f"chmod o-w {existing} (다른 사용자가 데이터베이스를 바꿔치기할 수 있습니다)",
        )
    if existing != folder:
        return ok(f"{folder} (아직 없음, 첫 실행 때 만듭니다)")
    return ok(f"{folder} (쓰기 가능)")


def check_db_file(checkup: Checkup) -> Result:
    from bot.store import SCHEMA_VERSION, CorruptStore, Store

    path = checkup.settings.db_path
    if not path.exists():
        return ok(f"{path} (아직 없음, 첫 실행 때 만들고 번들 보도자료를 가져옵니다)")
    if not os.access(path, os.R_OK | os.W_OK):
        return fail(
            f"{path} 를 읽거나 쓸 수 없습니다", "봇을 실행하는 사용자가 파일 주인인지 확인하세요"
        )
    try:
        store = Store(path)
        version = store.schema_version()
        meetings = len(store.meetings())
    except (CorruptStore, ValueError) as e:
        return fail(
            f"{path} 를 읽을 수 없습니다 ({type(e).__name__})",
            "agendabot repair 로 백업에서 되살리세요",
        )
    if version is not None and version > SCHEMA_VERSION:
        return fail(
            f"더 새 버전의 agendabot 이 만든 파일입니다 (스키마 {version})",
            "agendabot 을 업데이트하세요",
        )
    return ok(f"{path} (스키마 {version or SCHEMA_VERSION}, 회의 {meetings}건)")


def check_db_mode(checkup: Checkup) -> Result:
    path = checkup.settings.db_path
    if not path.exists():
        return skip("파일이 아직 없습니다")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        return fail(f"다른 사용자도 읽을 수 있습니다 ({mode:o})", f"chmod 600 {path}")
    return ok(f"{mode:o}")


# -- Telegram ------------------------------------------------------------------------------------


def telegram_url(settings: Settings) -> str:
    """getMe's URL, built as python-telegram-bot builds it from TELEGRAM_BASE_URL."""
    base = TELEGRAM_API
    if settings.telegram_base_url:
        from bot.adapters.telegram.app import bot_url

        base = bot_url(settings.telegram_base_url)[0]
    token = settings.telegram_token
    full = base.replace("{token}", token) if "{token}" in base else base + token
    return f"{full}/getMe"


def check_telegram_token(checkup: Checkup) -> Result:
    import httpx

    settings = checkup.settings
    if not settings.telegram_token:
        return skip("설정 안 됨 (TELEGRAM_BOT_TOKEN)")
    url = telegram_url(settings)
    host = urlsplit(url).netloc
    try:
        response = httpx.post(url, timeout=checkup.timeout)  # as python-telegram-bot asks
    except httpx.HTTPError as e:
        return fail(
            f"{host} 에 연결할 수 없습니다 ({type(e).__name__})",
            "네트워크(프록시, 방화벽)와 TELEGRAM_BASE_URL 을 확인하세요",
        )
    if response.status_code in (401, 404):
        return fail(
            f"텔레그램이 토큰을 거부했습니다 ({response.status_code})",
            "@BotFather 에서 토큰을 확인해 TELEGRAM_BOT_TOKEN 에 넣으세요",
        )
    me = _json(response).get("result")
    if response.status_code != 200 or not isinstance(me, dict):
        return fail(f"{host} 가 예상하지 못한 답을 했습니다 ({response.status_code})")
    return ok(f"@{me.get('username', '?')} (id {me.get('id', '?')})")


def _json(response: Any) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def check_telegram_admins(checkup: Checkup) -> Result:
    settings = checkup.settings
    admins = sorted(settings.telegram_admins)
    if not admins:
        if not settings.telegram_token:
            return skip("텔레그램을 쓰지 않습니다")
        return warn(
            "관리자가 없습니다",
            "각자 봇에게 /whoami 를 보내 사용자 ID 를 확인해 TELEGRAM_ADMINS 에 넣으세요",
        )
    bad = [a for a in admins if not re.fullmatch(r"\d{1,20}", a)]
    if bad:
        return fail(
            f"숫자가 아닌 사용자 ID: {', '.join(a[:20] for a in bad[:5])}",
            "TELEGRAM_ADMINS 에는 숫자 사용자 ID 를 쉼표로 구분해 넣으세요 (/whoami)",
        )
    return ok(f"{len(admins)}명")


# -- Slack (bot.adapters.slack.doctor, loaded only when needed) -----------------------------------


def _slack(name: str) -> Check:
    """A check of `bot.adapters.slack.doctor`, imported (with slack_sdk) only when run."""

    def run(checkup: Checkup) -> Result:
        settings = checkup.settings
        if not (settings.slack_bot_token or settings.slack_admins or settings.slack_app_token):
            return skip("Slack 을 쓰지 않습니다")
        from bot.adapters.slack import doctor

        check: Check = getattr(doctor, name)
        return check(checkup)

    return run


# -- the 정책브리핑 watcher ------------------------------------------------------------------------


def check_briefing(checkup: Checkup) -> Result:
    """The service key, tried once on today's list (no retries: a doctor answers quickly)."""
    import httpx

    from bot.watch.client import BriefingClient, BriefingError

    settings = checkup.settings
    if not settings.briefing_key:
        return skip("설정 안 됨 (AGENDABOT_BRIEFING_KEY): 새 보도자료 감시가 꺼져 있습니다")
    today = settings.clock().astimezone(settings.zone).date()
    client = BriefingClient(
        settings.briefing_url,
        settings.briefing_key,
        retries=0,
        timeout=httpx.Timeout(checkup.timeout),
    )
    try:
        with client:
            listed = client.releases(today, today)
    except BriefingError as e:
        return fail(
            str(e),
            "공공데이터포털(data.go.kr)에서 서비스 키와 '정책브리핑 보도자료' 활용 신청을 확인하세요",
        )
    return ok(f"서비스 키 확인됨 (오늘 보도자료 {len(listed)}건)")


_BOT_TOKENS = {  # platform → (the setting, its environment variable)
    "telegram": ("telegram_token", "TELEGRAM_BOT_TOKEN"),
    "slack": ("slack_bot_token", "SLACK_BOT_TOKEN"),
}


def check_admin_chat(checkup: Checkup) -> Result:
    """Where the watcher's proposals go: a chat of a platform this bot runs."""
    from bot.chats import ChatKey

    settings = checkup.settings
    if not settings.briefing_key:
        return skip("감시가 꺼져 있습니다")
    mode = "자동 저장 후 알림" if settings.watch_auto else "저장 / 무시 미리 보기"
    if not settings.admin_chat:
        if settings.watch_auto:
            return ok("자동 저장 (알릴 대화방 없음)")
        return warn(
            "AGENDABOT_ADMIN_CHAT 이 없어 제안이 대화방에 올라가지 않습니다(/import list 로만 보임)",
            "AGENDABOT_ADMIN_CHAT=telegram:ID 또는 slack:CHANNEL 을 설정하세요",
        )
    try:
        chat = ChatKey.parse(settings.admin_chat)
    except AgendabotError as e:
        return fail(e.message, "AGENDABOT_ADMIN_CHAT=telegram:ID 또는 slack:CHANNEL")
    setting, variable = _BOT_TOKENS[chat.platform]
    if not getattr(settings, setting):
        return fail(
            f"{settings.admin_chat}: {chat.platform} 어댑터가 켜져 있지 않습니다",
            f"{variable} 값을 설정하거나 다른 대화방을 고르세요",
        )
    return ok(f"{settings.admin_chat} ({mode})")


CHECKS: tuple[tuple[str, Check], ...] = (
    ("채팅 어댑터", check_adapters),
    ("시간대", check_time_zone),
    ("데이터베이스 폴더", check_db_folder),
    ("데이터베이스 파일", check_db_file),
    ("데이터베이스 권한", check_db_mode),
    ("텔레그램 토큰", check_telegram_token),
    ("텔레그램 관리자", check_telegram_admins),
    ("Slack 봇 토큰", _slack("check_bot_token")),
    ("Slack 권한", _slack("check_scopes")),
    ("Slack 수신", _slack("check_receiving")),
    ("Slack 관리자", _slack("check_admins")),
    ("정책브리핑 API", check_briefing),
    ("제안 대화방", check_admin_chat),
)


def run_checks(settings: Settings, timeout: float = TIMEOUT) -> list[Result]:
    """Every check of `CHECKS`, in order; one that breaks is a failed check, not a crash."""
    checkup = Checkup(settings, timeout)
    results = []
    for name, check in CHECKS:
        try:
            result = check(checkup)
        except Exception as e:  # a bug or an odd system: say which check, go on
            result = fail(f"검사하다 오류가 났습니다 ({type(e).__name__})")
        results.append(dataclasses.replace(result, name=name))
    return results


def diagnose(
    overrides: Mapping[str, Any] | None = None,
    toml_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> tuple[list[Result], list[str]]:
    """The configuration check, then every other check when it loads; and the secrets of
    the settings, for the caller to keep out of what it prints."""
    try:
        settings = Settings.load(overrides, environ=environ, toml_path=toml_path)
    except AgendabotError as e:
        line = fail(e.line(), "환경 변수나 AGENDABOT_CONFIG 파일을 고치세요")
        return [dataclasses.replace(line, name="설정")], []
    config = toml_path or (environ if environ is not None else os.environ).get("AGENDABOT_CONFIG")
    source = f"환경 변수와 설정 파일 {config}" if config else "환경 변수"
    loaded = dataclasses.replace(ok(f"{source}에서 읽었습니다"), name="설정")
    return [loaded, *run_checks(settings, timeout)], logs.secrets_of(settings)


def main(
    overrides: Mapping[str, Any] | None = None,
    toml_path: Path | None = None,
    out: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Print one line per check; 0 when all pass, 1 otherwise."""
    out = out or sys.stdout
    results, secrets = diagnose(overrides, toml_path, environ)
    redact = logs.Redactor(secrets)
    print("agendabot doctor", file=out)
    for result in results:
        print(redact(result.line()), file=out)
    failed = [r for r in results if not r.passed]
    if failed:
        print(f"\n문제 {len(failed)}개: ✗ 표시된 항목을 고치세요.", file=out)
        return 1
    print("\n모두 통과했습니다.", file=out)
    return 0
