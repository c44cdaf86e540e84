"""What the admin edit commands share: arguments split like a shell (values with spaces in
quotes, 「제목」 as one word), `field=value` pairs in English or Korean, values read by kind,
and the before → after lines every edit answers with."""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Callable, Iterable
from typing import Any, get_args

from bot import dates, words
from bot.commands.base import Call, parse_int
from bot.model import Decision
from bot.reply import Line

# Every field name users may type, and the record field it names.
FIELDS = {
    "title": "title", "제목": "title",
    "decision": "decision", "결정": "decision",
    "lead": "lead_ministry", "주관": "lead_ministry",
    "ministries": "ministries", "부처": "ministries",
    "summary": "summary", "요약": "summary",
    "date": "date", "날짜": "date",
    "text": "text", "내용": "text",
    "chair": "chair", "주재": "chair",
    "venue": "venue", "장소": "venue",
    "ordinal": "ordinal", "회차": "ordinal",
    "url": "url",
}  # fmt: skip
NAMES_KO = {
    "title": "제목", "decision": "결정", "lead_ministry": "주관", "ministries": "부처",
    "summary": "요약", "date": "날짜", "text": "내용", "chair": "주재", "venue": "장소",
    "ordinal": "회차", "url": "url", "status": "상태", "note": "메모",
    "original_date": "원래 날짜",
}  # fmt: skip
DECISIONS: tuple[str, ...] = get_args(Decision)
NONE_WORDS = ("없음", "-", "none")
_FIELD = re.compile(r"([^\s=]+)=(.*)", re.DOTALL)


def arguments(call: Call) -> list[str]:
    """The words after the command name, split like a shell: `title="두 단어"` is one word,
    and so is 「두 단어」."""
    parts = call.req.text.strip().split(None, 1)
    rest = parts[1] if len(parts) > 1 else ""
    rest = re.sub(r"「([^」]*)」", lambda m: shlex.quote(m[1]), rest)
    try:
        return shlex.split(rest)
    except ValueError:
        raise call.usage_error(
            '따옴표가 닫히지 않았습니다. 값은 "두 단어" 처럼 감싸세요.'
        ) from None


def split_fields(
    call: Call, args: Iterable[str], allowed: Iterable[str]
) -> tuple[list[str], dict[str, str]]:
    """The plain words and the `name=value` pairs (by record field), refusing unknown names."""
    allowed = tuple(allowed)
    plain: list[str] = []
    pairs: dict[str, str] = {}
    for word in args:
        m = _FIELD.fullmatch(word)
        if m is None:
            plain.append(word)
            continue
        name = FIELDS.get(m[1].lower())
        if name is None or name not in allowed:
            known = ", ".join(f"{k}=" for k, v in FIELDS.items() if v in allowed)
            raise call.usage_error(f"바꿀 수 없는 항목입니다: {m[1][:20]}= (가능: {known})")
        pairs[name] = m[2].strip()
    return plain, pairs


def read_date(call: Call, text: str) -> dt.date:
    try:
        return dates.parse_due(text, call.ctx.today())
    except ValueError as e:
        raise call.usage_error(str(e)) from None


def leading_date(call: Call, args: list[str]) -> tuple[dt.date, list[str]]:
    """A date at the start of `args` (one or more words: 2026-12-31, 12월 말), and the rest."""
    found = words.longest(args, lambda t: dates.read_due(t, call.ctx.today()))
    if found is None:
        raise call.usage_error(
            f"날짜를 알 수 없습니다: {' '.join(args[:2])[:40]} ({dates.EXAMPLES})"
        )
    day, n = found
    return day, args[n:]


def _decision(call: Call, text: str) -> str | None:
    if text.lower() in NONE_WORDS:
        return None
    if text not in DECISIONS:
        raise call.usage_error(f"결정은 {', '.join(DECISIONS)} 중 하나입니다: {text[:20]}")
    return text


def _lead(call: Call, text: str) -> str | None:
    return None if text.lower() in NONE_WORDS else call.ministry(text).name


def _ministries(call: Call, text: str) -> tuple[str, ...]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    return tuple(dict.fromkeys(call.ministry(n).name for n in names))


def _required(name: str) -> Callable[[Call, str], str]:
    def read(call: Call, text: str) -> str:
        if not text:
            raise call.usage_error(
                f"{words.with_particle(NAMES_KO[name], '은/는')} 비울 수 없습니다."
            )
        return text

    return read


_READERS: dict[str, Callable[[Call, str], Any]] = {
    "date": read_date,
    "ordinal": lambda call, text: parse_int(text, "회차", call.command.usage),
    "decision": _decision,
    "lead_ministry": _lead,
    "ministries": _ministries,
    "title": _required("title"),
    "text": _required("text"),
    "chair": lambda call, text: text or None,
    "venue": lambda call, text: text or None,
    "url": lambda call, text: text or None,
}


def read_value(call: Call, name: str, text: str) -> Any:
    """A typed value of the record field `name` (summary: the text as it is)."""
    read = _READERS.get(name)
    return text if read is None else read(call, text)


def read_changes(call: Call, pairs: dict[str, str]) -> dict[str, Any]:
    if not pairs:
        raise call.usage_error("바꿀 항목을 name=값 으로 입력하세요.")
    return {name: read_value(call, name, text) for name, text in pairs.items()}


def shown(value: Any) -> str:
    if value is None or value == "" or value == ():
        return "(없음)"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def changed_lines(before: Any, after: Any, names: Iterable[str]) -> tuple[Line, ...]:
    """`제목: 옛 제목 → 새 제목`, one line per field that differs."""
    return tuple(
        Line(
            label=NAMES_KO.get(n, n),
            text=f"{shown(getattr(before, n))} → {shown(getattr(after, n))}",
        )
        for n in names
        if getattr(before, n) != getattr(after, n)
    )
