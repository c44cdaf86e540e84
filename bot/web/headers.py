"""The headers every dashboard response carries, and HTTP dates.

The Content-Security-Policy allows our own stylesheet and nothing else: no script at all, no
inline style (the archived digest page, which has one, is allowed exactly its own by hash), no
frames, no forms. The token is part of every URL, so no Referer may carry it elsewhere; and
pages are personal data of a sort, so no shared cache keeps them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Iterable

from aiohttp import web

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
NO_STORE = "private, no-store"
REVALIDATE = "private, no-cache"  # feeds: kept by the client, asked again with its ETag
STATIC = "private, max-age=86400"  # the stylesheet, whose URL changes with its content


def policy(extra_styles: Iterable[str] = ()) -> str:
    """The CSP, with inline style hashes (`'sha256-…'`) added to style-src if any."""
    extra = " ".join(extra_styles)
    return CSP.replace("style-src 'self'", f"style-src 'self' {extra}") if extra else CSP


def secure(
    response: web.StreamResponse, *, cache: str = NO_STORE, csp: str = CSP
) -> web.StreamResponse:
    """Set the security headers; a policy or Cache-Control the handler chose is kept."""
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", cache)
    return response


def http_date(moment: dt.datetime) -> str:
    """`Wed, 25 Nov 2026 01:00:00 GMT` (a naive moment is taken as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return email.utils.format_datetime(aware.astimezone(dt.UTC), usegmt=True)


def quoted_etag(tag: str) -> str:
    """An entity tag as the header carries it: `"abc"` or `W/"abc"`."""
    tag = tag.strip()
    return tag if tag.startswith(('"', 'W/"')) else f'"{tag}"'


def not_modified(request: web.Request, etag: str, last_modified: dt.datetime | None) -> bool:
    """Does the client's copy still hold (RFC 9110 §13.1)? If-None-Match, when sent, decides
    alone (weak comparison); otherwise If-Modified-Since against `last_modified`, to the
    second an HTTP date can say."""
    match = request.headers.get("If-None-Match")
    if match is not None:
        wanted = {_opaque(t) for t in match.split(",")}
        return "*" in wanted or _opaque(etag) in wanted
    since = request.if_modified_since
    if since is None or last_modified is None:
        return False
    aware = last_modified if last_modified.tzinfo else last_modified.replace(tzinfo=dt.UTC)
    return aware.replace(microsecond=0) <= since


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag
