"""The read-only web dashboard and calendar feeds, served by the runner's HTTP server.

    routes(ctx) ─► access.check(settings)      off: no routes; on without a guard: UsageError
               └─► app.WebApp(ctx).routes()    /w/{token}/… or /w/…, each handler guarded
                     ├─ pages.py     overview, meetings, an item, a ministry (store → records)
                     ├─ timeline.py  the SVG timeline's layout (lanes, marks, months, today)
                     ├─ archive.py   the digest outbox, sent digests rebuilt as pages
                     ├─ slugs.py     a ministry in a URL (bot.calendar's slug when present)
                     ├─ headers.py   CSP and the other headers, ETags, HTTP dates
                     └─ html.py      templates/web/*.j2 (all autoescaped) and web.css

Every URL is built by `bot.links` (`prefix`, `web_url`), so chat answers and pages agree.
"""

from __future__ import annotations

from bot.commands.base import Context
from bot.server import Route
from bot.web import access


def routes(ctx: Context) -> list[Route]:
    """The dashboard's routes for the runner's server: none while AGENDABOT_WEB is off.

    Raises:
        UsageError: the web is on without a token or a user and password (or half of one).
    """
    if not ctx.settings.web:
        return []
    access.check(ctx.settings)
    from bot.web.app import WebApp  # the templates and pages load only when the web is on

    return WebApp(ctx).routes()
