"""/subscribe, /unsubscribe and /subscriptions: the weekly digest of a chat or channel."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.base import Call, command
from bot.errors import NotFound, UsageError
from bot.model import WEEKDAYS_KO, Subscription
from bot.reply import Line, Reply, Section

USAGE = "/subscribe [요일 시각] [시간대] [부처…] [휴일포함] (예: /subscribe 월 09:00 중기부)"
HOLIDAYS_TOO = ("휴일포함", "공휴일포함", "holidays")  # send on public holidays too
_EN_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def parse_weekday(word: str) -> int | None:
    """월, 월요일, mon, monday → 0."""
    w = word.lower().removesuffix("요일")
    if w in WEEKDAYS_KO:
        return WEEKDAYS_KO.index(w)
    if w[:3] in _EN_DAYS and _EN_DAYS[_EN_DAYS.index(w[:3])].startswith(w[:3]) and len(w) >= 3:
        return _EN_DAYS.index(w[:3])
    return None


def parse_time(word: str, usage: str = USAGE) -> str | None:
    m = _TIME.fullmatch(word)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise UsageError(f"없는 시각입니다: {word}", usage)
    return f"{hour:02d}:{minute:02d}"


def check_tz(name: str, usage: str = USAGE) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"알 수 없는 시간대입니다: {name[:40]} (예: Asia/Seoul)", usage) from None
    return name


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
        "/subscribe 금 17:30 중기부 과기정통부",
        "/subscribe 월 09:00 Europe/Berlin",
    ),
    admin=True,
    writes=True,
)
def subscribe(call: Call) -> Reply:
    """이 대화방에 매주 정한 요일·시각(기본 월 09:00, Asia/Seoul)에 다가오는 일정과 마감
    임박·지연 후속조치를 보내 줍니다. 부처를 적으면 그 부처 것만 보냅니다. 그날이 공휴일이면
    그 주의 다음 평일에 보내며, `휴일포함`을 적으면 공휴일에도 보냅니다. 다시 쓰면 설정이
    바뀝니다."""
    _require_chat_admin(call, USAGE)
    existing = call.ctx.store.subscription(call.req.chat_key)
    weekday, time, tz = 0, "09:00", call.ctx.settings.tz
    skip_holidays = True
    names: list[str] = []
    for word in call.args:
        day = parse_weekday(word)
        if word in HOLIDAYS_TOO:
            skip_holidays = False
        elif day is not None:
            weekday = day
        elif (t := parse_time(word)) is not None:
            time = t
        elif "/" in word:
            tz = check_tz(word)
        else:
            names.append(call.ministry(word, USAGE).name)
    sub = call.req.chat.subscription(
        weekday=weekday,
        time=time,
        tz=tz,
        ministries=tuple(dict.fromkeys(names)),
        skip_holidays=skip_holidays,
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
