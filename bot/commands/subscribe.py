"""/subscribe, /unsubscribe and /subscriptions: the weekly digest of a chat or channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot import words
from bot.commands.base import Call, command
from bot.errors import NotFound, UsageError
from bot.model import WEEKDAYS_KO, Subscription
from bot.reply import Line, Reply, Section

USAGE = (
    "/subscribe [요일 시각] [시간대] [부처…] [휴일포함] "
    "(예: /subscribe 월 09:00 중기부, /subscribe 목요일 오후 5시)"
)

# What a word of /subscribe may be, tried in this order before it is taken as a ministry. A
# time (오전 9시 30분) or the holiday flag (휴일 포함) may span several words.
_KINDS: tuple[tuple[str, Callable[[str], Any]], ...] = (
    ("holidays_too", words.parse_holidays_flag),
    ("weekday", words.parse_weekday),
    ("time", words.parse_time),
    ("tz", words.parse_tz),
)
_ONCE = {"weekday": "요일은", "time": "시각은", "tz": "시간대는"}


@dataclass
class Wanted:
    """What the words of /subscribe ask for; None where they say nothing."""

    weekday: int | None = None
    time: str | None = None
    tz: str | None = None
    holidays_too: bool = False
    ministries: list[str] = field(default_factory=list)


def read_words(call: Call) -> Wanted:
    """Recognise each word by kind; a word of no kind must be a ministry.

    A word that is clearly a weekday, time or time zone but no valid one (금욜일, 25시,
    Mars/Olympus) gets its own error rather than "unknown ministry".
    """
    wanted = Wanted()
    args, i = call.args, 0
    while i < len(args):
        kind, value, used = _recognise(args[i:])
        if kind is None:
            problem = words.misread(args[i:])
            if problem:
                raise UsageError(problem, USAGE)
            wanted.ministries.append(call.ministry(args[i], USAGE).name)
        elif kind in _ONCE and getattr(wanted, kind) not in (None, value):
            raise UsageError(
                f"{_ONCE[kind]} 하나만 입력하세요: {' '.join(args[i : i + used])}", USAGE
            )
        else:
            setattr(wanted, kind, value)
        i += used
    return wanted


def _recognise(rest: list[str]) -> tuple[str | None, Any, int]:
    """The kind and value of the words at the start of `rest`, and how many words it took."""
    for kind, read in _KINDS:
        found = words.longest(rest, read)
        if found is not None:
            return kind, found[0], found[1]
    return None, None, 1


def describe(sub: Subscription) -> str:
    """매주 월 09:00 (Asia/Seoul), 60일 앞까지, 부처: 전체."""
    scope = ", ".join(sub.ministries) if sub.ministries else "전체"
    paused = f" · 일시중지({sub.paused_reason})" if sub.paused else ""
    holiday = " (공휴일이면 다음 평일)" if sub.skip_holidays else ""
    return (
        f"매주 {WEEKDAYS_KO[sub.weekday]} {sub.time}{holiday} ({sub.tz}), "
        f"{sub.horizon_days}일 앞까지, 부처: {scope}{paused}"
    )


def _require_chat_admin(call: Call, usage: str) -> None:
    """Anyone may subscribe their own private chat; channels and groups need an admin."""
    if not call.req.is_private:
        call.require_admin(usage)


@command(
    "subscribe",
    usage=USAGE,
    summary="이 대화방에 주간 요약 구독 (그룹·채널은 관리자)",
    examples=(
        "/subscribe",
        "/subscribe 월 09:00",
        "/subscribe 월요일 오전 9시",
        "/subscribe 금 17:30 중기부 과기정통부",
        "/subscribe 월 09:00 Europe/Berlin",
    ),
    admin=True,
    writes=True,
)
def subscribe(call: Call) -> Reply:
    """이 대화방에 매주 정한 요일·시각(기본 월 09:00, Asia/Seoul)에 다가오는 일정과 마감
    임박·지연 후속조치를 보내 줍니다. 요일은 월, 월요일, mon, 시각은 09:00, 9시 30분, 오후 5시,
    정오처럼 적습니다. 부처를 적으면 그 부처 것만 보냅니다. 그날이 공휴일이면 그 주의 다음
    평일에 보내며, `휴일포함`을 적으면 공휴일에도 보냅니다. 다시 쓰면 설정이 바뀝니다."""
    _require_chat_admin(call, USAGE)
    wanted = read_words(call)
    existing = call.ctx.store.subscription(call.req.chat_key)
    sub = call.req.chat.subscription(
        weekday=0 if wanted.weekday is None else wanted.weekday,
        time=wanted.time or "09:00",
        tz=wanted.tz or call.ctx.settings.tz,
        ministries=tuple(dict.fromkeys(wanted.ministries)),
        skip_holidays=not wanted.holidays_too,
        created_by=call.by,
        created_at=existing.created_at if existing else call.ctx.now(),
        last_digest_at=existing.last_digest_at if existing else None,
    )
    call.ctx.store.save_subscription(sub, by=call.by)
    verb = "바꿨습니다" if existing else "시작했습니다"
    return Reply(
        title=f"주간 요약 구독을 {verb}: {describe(sub)}",
        footer="미리 보기: /digest · 해지: /unsubscribe",
    )


@command(
    "unsubscribe",
    usage="/unsubscribe",
    summary="이 대화방의 주간 요약 구독 해지 (그룹·채널은 관리자)",
    examples=("/unsubscribe",),
    admin=True,
    writes=True,
)
def unsubscribe(call: Call) -> Reply:
    """이 대화방의 주간 요약 구독을 해지합니다."""
    call.no_arguments()
    _require_chat_admin(call, "/unsubscribe")
    call.ctx.store.remove_subscription(call.req.chat_key, by=call.by)
    return Reply(title="주간 요약 구독을 해지했습니다.")


@command(
    "subscriptions",
    usage="/subscriptions",
    summary="구독 현황 (관리자는 전체)",
    examples=("/subscriptions",),
)
def subscriptions(call: Call) -> Reply:
    """이 대화방의 구독 설정을 보여 줍니다. 관리자에게는 모든 구독을 보여 줍니다."""
    call.no_arguments()
    store = call.ctx.store
    if call.is_admin:
        subs = store.subscriptions()
        if not subs:
            return Reply(title="구독이 없습니다.", footer="구독: " + USAGE)
        lines = tuple(Line(label=s.key, text=describe(s)) for s in subs)
        return Reply(title=f"구독 {len(subs)}건", sections=(Section(lines=lines),))
    sub = store.subscription(call.req.chat_key)
    if sub is None:
        raise NotFound("이 대화방은 구독하고 있지 않습니다.", USAGE)
    return Reply(title=f"이 대화방 구독: {describe(sub)}")
