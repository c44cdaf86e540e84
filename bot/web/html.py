"""The dashboard's templates (`templates/web/`) and its one stylesheet.

Built like `bot.render.environment()` (the shipped templates folder, StrictUndefined, trimmed
blocks), but every web template is autoescaped, the SVG timeline included: whatever comes
from the data (a title with `<script>`, a quote, an ampersand) is text, never markup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from typing import Any

import jinja2

from bot.reply import dday, kdate, source_line
from bot.resources import templates_dir

STYLESHEET = "web/web.css"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["kdate"] = kdate
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["compact"] = compact
    env.globals["dday"] = dday
    env.globals["source_line"] = source_line  # a meeting's release: linked only if http(s)
    env.globals["css_version"] = stylesheet_version()
    return env


def compact(n: int) -> str:
    """A count in few characters: 9,999 then 1.2만."""
    return f"{n:,}" if n < 10_000 else f"{n / 10_000:.1f}만"


def page(name: str, **data: Any) -> bytes:
    """Render `templates/web/<name>` as UTF-8 bytes."""
    return environment().get_template(f"web/{name}").render(**data).encode("utf-8")


@cache
def stylesheet() -> bytes:
    """The dashboard's CSS, read once per process (it ships with the code)."""
    return (templates_dir() / STYLESHEET).read_bytes()


@cache
def stylesheet_version() -> str:
    """A short hash of the CSS: its URL changes when it does, so it may be cached."""
    return hashlib.sha256(stylesheet()).hexdigest()[:12]


def local_time(moment: dt.datetime | None, zone: dt.tzinfo) -> str:
    """`2026-11-25 10:00` in the configured zone (naive moments read as UTC); `-` for None."""
    if moment is None:
        return "-"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return f"{aware.astimezone(zone):%Y-%m-%d %H:%M}"
