"""A ministry's name in a URL (`/ministries/{slug}`, `/calendar/{slug}.ics`) and back.

The calendar feeds (`bot.calendar`) own the slug: a page and the feed of the same ministry must
use the same one. Until that module is present, the slug is the official Korean name (a
browser shows it as typed; the URL carries it percent-encoded), and any name the ministry
table knows reads back as the ministry.
"""

from __future__ import annotations

import datetime as dt
import importlib
from types import ModuleType
from urllib.parse import quote

from bot import ministries

ALL = "all"  # the feed of every ministry


def calendar_module() -> ModuleType | None:
    """`bot.calendar`, once it is part of the code."""
    try:
        return importlib.import_module("bot.calendar")
    except ModuleNotFoundError:
        return None


def slug(name: str) -> str:
    """The URL segment of a ministry (official name), already safe for a path."""
    calendar = calendar_module()
    if calendar is not None:
        return quote(str(calendar.slug(name)), safe="")
    return quote(name, safe="")


def ministry_of(segment: str, today: dt.date) -> str | None:
    """The official name (current on `today`) a URL segment names; None when none."""
    calendar = calendar_module()
    if calendar is not None:
        found = calendar.ministry_of(segment)
        return None if found is None else str(found)
    ministry = ministries.resolve(segment, today)
    return None if ministry is None else ministry.name
