"""One pass of the press-release watcher: fetch the list since the last finished day, pick
the meeting releases, read them, and propose each new meeting to the admins (a preview with
저장 / 무시 in the admin chat) or, with `AGENDABOT_WATCH_AUTO=on`, store it and say so.

Why it is split in two: `collect` does the slow, blocking part (HTTP, parsing) and changes
nothing, so `agendabot watch --dry-run` is `collect` alone and the runner calls it in a
thread; `deliver` then keeps each proposal in the store (`Store.propose`) and posts the
previews not yet posted. The store, not memory, holds a proposal until an admin answers
(`/import save|ignore TOKEN`, `/import list`), so a restart loses none and an unreachable
admin chat only delays the preview. A pass never raises:
an unreadable list or attachment is logged once, counted in WATCHER_PASSES, and read again
next pass (the cursor only moves after a complete read).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.chats import ChatKey
from bot.commands import Context
from bot.commands.importing import STATUS_KO
from bot.delivery import DeliveryError, MaybeSent, Sender
from bot.errors import AgendabotError
from bot.intake import proposal_reply
from bot.metrics import WATCHER_PASSES, WATCHER_WAITING
from bot.model import Proposal
from bot.reply import Reply
from bot.watch import candidates
from bot.watch.client import BriefingClient, BriefingError, NewsItem

log = logging.getLogger(__name__)

MAX_PREVIEWS = 8  # previews posted per pass: the rest come at the next passes
GIVE_UP_DAYS = 7  # days a release that cannot be read is tried again
EXPIRE_DAYS = 30  # days a proposal waits for an admin's answer
# Days a first pass (no cursor yet) reads back: a bot installed on Monday still proposes last
# week's meetings (older ones: `agendabot watch --since`).
FIRST_DAYS = 7
MEETING_STATUSES = frozenset({"proposed", "saved"})  # handled releases that held a meeting


@dataclass(frozen=True)
class NewMeeting:
    """A meeting to propose, the releases it came from, and whether any was seen before
    (a revision)."""

    reading: candidates.Reading
    revision: bool

    @property
    def hashes(self) -> dict[str, str]:
        return {n.news_id: n.digest for n in self.reading.news}


@dataclass
class Pass:
    """What one pass found; nothing is changed until `deliver`."""

    start: dt.date
    end: dt.date
    listed: int = 0
    proposals: list[NewMeeting] = field(default_factory=list)
    others: dict[str, str] = field(default_factory=dict)  # id → hash: a kind named, no agenda
    errors: list[str] = field(default_factory=list)
    listed_ok: bool = False  # the whole list was read: the cursor may move
    held: list[NewsItem] = field(default_factory=list)  # to read or post again next pass

    @property
    def complete(self) -> bool:
        return self.listed_ok and not self.held


def collect(ctx: Context, client: BriefingClient, since: dt.date | None = None) -> Pass:
    """Read the list from `since` (default: the stored cursor; a first pass, `FIRST_DAYS`
    back) to today and pick what to propose. Changes nothing; never raises for the API's faults."""
    today = ctx.today()
    start = since or ctx.store.watch_cursor() or today - dt.timedelta(days=FIRST_DAYS)
    found = Pass(start=min(start, today), end=today)
    try:
        listed = client.releases(found.start, today)
    except BriefingError as e:
        _failed(found, e)
        return found
    found.listed, found.listed_ok = len(listed), True
    # Most of a day's releases name no meeting kind: dropped here, cheaply, and not recorded
    # (the store would grow by every release of every day).
    listed = [n for n in listed if candidates.named_kind(n) is not None]
    seen = ctx.store.watch_seen()
    fresh = [n for n in listed if _is_new(n, seen)]
    readings = _read_all(found, fresh, today, client)
    if readings:  # a meeting's other releases, handled before, so it is proposed whole
        known = [n for n in listed if seen.get(n.news_id, ("", ""))[1] in MEETING_STATUSES]
        readings += _read_all(found, [n for n in known if n not in fresh], today, client)
    new_ids = {n.news_id for n in fresh}
    for reading in candidates.merge(readings):
        ids = set(reading.news_ids)
        if ids & new_ids:
            revision = any(i in seen for i in ids & new_ids)
            found.proposals.append(NewMeeting(reading, revision))
    return found


def _read_all(
    found: Pass, listed: list[NewsItem], today: dt.date, client: BriefingClient
) -> list[candidates.Reading]:
    """The meetings these releases report; the others are noted in `found.others`, and an
    attachment that could not be downloaded in `found.errors`."""
    readings = []
    for news in listed:
        try:
            read = candidates.read(news, today, client.download)
        except BriefingError as e:
            _failed(found, e)
            found.held.append(news)
            continue
        if read is None:
            found.others[news.news_id] = news.digest
        else:
            readings.append(read)
    return readings


def _is_new(news: NewsItem, seen: dict[str, tuple[str, str]]) -> bool:
    """Not seen, or seen with other content (a revision) and not ignored by an admin."""
    before = seen.get(news.news_id)
    return before is None or (before[0] != news.digest and before[1] != "ignored")


def _failed(found: Pass, e: BriefingError) -> None:
    log.warning("press-release watcher: %s", e)
    WATCHER_PASSES.labels(outcome=e.kind).inc()
    found.errors.append(str(e))


async def deliver(ctx: Context, found: Pass, senders: Mapping[str, Sender]) -> list[str]:
    """Store each proposal (auto mode: the meeting itself), record what was handled, post
    the previews still waiting to be posted, move the cursor; one line per proposal (for the
    command line and the log)."""
    if ctx.settings.watch_auto:
        lines = [await _save(ctx, new, senders, found) for new in found.proposals]
    else:
        lines = await asyncio.to_thread(_propose, ctx, found)
    await asyncio.to_thread(ctx.store.mark_watched, found.others, "no-agenda")
    await asyncio.to_thread(_expire, ctx)
    if not ctx.settings.watch_auto:
        await post_waiting(ctx, senders)
    if found.listed_ok:
        await asyncio.to_thread(_advance, ctx, found)
    if found.complete:
        WATCHER_PASSES.labels(outcome="ok").inc()
    return lines


def _propose(ctx: Context, found: Pass) -> list[str]:
    """Keep the proposals in the store, in one write; `post_waiting` posts their previews.
    A revision that changes nothing the parser reads (a corrected phone number on the page
    of an attachment-only release) is recorded as seen, not asked again."""
    fresh, same = [], {}
    for new in found.proposals:
        stored = ctx.store.stored_as(new.reading.release)
        if stored and stored.source_sha256 == new.reading.release.meeting.source_sha256:
            same.update(new.hashes)
        else:
            fresh.append(new)
    kept = [
        Proposal(
            token=secrets.token_hex(4),  # typed from /import list: no _ or - for mrkdwn to eat
            release=new.reading.release,
            news=new.hashes,
            proposed_at=ctx.now(),
            revision=new.revision,
        )
        for new in fresh
    ]
    try:
        ctx.store.mark_watched(same, "saved")
        replaced = ctx.store.propose(kept) if kept else []
    except AgendabotError as e:  # the store was busy: read and proposed again next pass
        _unkept(found, found.proposals, e)
        return []
    if replaced:
        log.info("press-release watcher: revised proposals replace %s", replaced)
    return [
        f"제안: {p.release.meeting.title} ({len(p.release.items)}건) ← {', '.join(p.news)}"
        for p in kept
    ]


async def _save(ctx: Context, new: NewMeeting, senders: Mapping[str, Sender], found: Pass) -> str:
    """Auto mode: store the meeting, then tell the admin chat of a new or updated one (a
    chat that cannot be told does not undo the save: the failure is logged)."""
    release = new.reading.release
    try:
        meeting, status = await asyncio.to_thread(ctx.store.save_release, release, by="watcher")
        await asyncio.to_thread(ctx.store.mark_watched, new.hashes, "saved")
    except AgendabotError as e:
        _unkept(found, [new], e)
        return f"저장하지 못함(다음에 다시): {release.meeting.title}"
    line = (
        f"정책브리핑 보도자료의 {meeting.number}번 회의 {meeting.title}"
        f"(안건 {len(release.items)}건): {STATUS_KO.get(status, status)}."
    )
    if status == "unchanged":
        return line  # a revision nothing read changed: no news for the admins
    try:
        await _post(ctx, senders, Reply(title=line))
    except (AgendabotError, DeliveryError) as e:
        log.warning("press-release watcher could not tell the admin chat: %s", e)
        WATCHER_PASSES.labels(outcome="undelivered").inc()
    return line


def _unkept(found: Pass, news: list[NewMeeting], e: AgendabotError) -> None:
    """The store refused (busy): these releases are read and offered again next pass."""
    log.warning("press-release watcher could not keep %d proposals: %s", len(news), e)
    WATCHER_PASSES.labels(outcome="unkept").inc()
    for new in news:
        found.held += new.reading.news


async def post_waiting(ctx: Context, senders: Mapping[str, Sender]) -> int:
    """Post the previews of waiting proposals not posted yet, oldest first and at most
    `MAX_PREVIEWS` a pass (a first run over a busy month must not flood the chat); returns
    how many were posted. A preview that may have arrived (a timeout after sending) counts
    as posted: an admin would rather find it once than twice. A refused one stops the pass:
    the rest wait for the next."""
    proposals = await asyncio.to_thread(ctx.store.proposals)
    WATCHER_WAITING.set(len(proposals))
    waiting = [p for p in proposals if not p.posted]
    if not waiting:
        return 0
    if not ctx.settings.admin_chat:
        log.warning(
            "press-release watcher: AGENDABOT_ADMIN_CHAT is not set; %d proposals wait "
            "(/import list)",
            len(waiting),
        )
        WATCHER_PASSES.labels(outcome="no-admin-chat").inc()
        return 0
    posted = 0
    for kept in waiting[:MAX_PREVIEWS]:
        try:
            stored = await asyncio.to_thread(ctx.store.stored_as, kept.release)
            await _post(ctx, senders, proposal_reply(kept, stored))
        except MaybeSent:
            pass
        except (AgendabotError, DeliveryError) as e:
            log.warning("press-release watcher could not post a preview: %s", e)
            WATCHER_PASSES.labels(outcome="undelivered").inc()
            break
        await asyncio.to_thread(ctx.store.mark_posted, kept.token)
        posted += 1
    return posted


def _expire(ctx: Context) -> None:
    """Let go of proposals nobody answered for `EXPIRE_DAYS` (the table stays bounded); a
    later revision of their releases is proposed again."""
    limit = ctx.now() - dt.timedelta(days=EXPIRE_DAYS)
    for kept in ctx.store.proposals():
        if kept.proposed_at < limit:
            ctx.store.settle_proposal(kept.token, "expired")
            log.warning(
                "press-release watcher: nobody answered the proposal of %s since %s; let go",
                kept.release.meeting.title,
                kept.proposed_at.date(),
            )
            WATCHER_PASSES.labels(outcome="expired").inc()


def _advance(ctx: Context, found: Pass) -> None:
    """Move the cursor to the first day with a release still to handle (today when none),
    so that day is read again and nothing is lost. A release that has failed for
    `GIVE_UP_DAYS` (an attachment that never downloads) is marked unreadable and let go,
    or the window would grow each day."""
    limit = found.end - dt.timedelta(days=GIVE_UP_DAYS)
    stale = {n.news_id: n.digest for n in found.held if (n.day or found.end) < limit}
    if stale:
        log.warning(
            "press-release watcher gives up on %s (unreadable since %s)", sorted(stale), limit
        )
        WATCHER_PASSES.labels(outcome="given-up").inc()
        ctx.store.mark_watched(stale, "unreadable")
        found.held = [n for n in found.held if n.news_id not in stale]
    days = [n.day for n in found.held]
    if None in days:
        return  # a day we cannot read: keep the cursor where it is
    ctx.store.set_watch_cursor(min([d for d in days if d is not None] + [found.end]))


async def _post(ctx: Context, senders: Mapping[str, Sender], reply: Reply) -> None:
    """To the admin chat, when one is configured and its platform runs.

    Raises:
        DeliveryError: the platform refused the message (the proposal is kept for next pass).
        UsageError: AGENDABOT_ADMIN_CHAT is not PLATFORM:CHAT.
    """
    if not ctx.settings.admin_chat:
        return
    chat = ChatKey.parse(ctx.settings.admin_chat)
    sender = senders.get(chat.platform)
    if sender is None:
        raise DeliveryError(
            f"{chat.platform} 어댑터가 켜져 있지 않아 관리자 대화방에 보낼 수 없습니다"
        )
    await sender.send(chat.subscription(), reply)


async def deliver_from_shell(ctx: Context, found: Pass) -> list[str]:
    """`agendabot watch`: deliver with the configured adapters' senders (to post to the
    admin chat), not listening for anything."""
    from bot.runner import senders_for

    async with senders_for(ctx) as senders:
        return await deliver(ctx, found, senders)


def describe(found: Pass) -> list[str]:
    """What a pass would propose, for `agendabot watch --dry-run`: each meeting, its items,
    and the NewsItemIds it comes from."""
    lines = [
        f"{found.start.isoformat()} ~ {found.end.isoformat()}: 보도자료 {found.listed}건, "
        f"제안할 회의 {len(found.proposals)}건"
    ]
    for proposal in found.proposals:
        release = proposal.reading.release
        what = "수정" if proposal.revision else "새"
        lines.append(
            f"[{what}] {release.meeting.title} ({release.meeting.date.isoformat()}) "
            f"← {', '.join(proposal.reading.news_ids)}"
        )
        lines += [f"    {item.number}. {item.title}" for item in release.items]
    return lines


def client_for(ctx: Context, halt: threading.Event | None = None) -> BriefingClient:
    return BriefingClient(ctx.settings.briefing_url, ctx.settings.briefing_key, halt=halt)


async def run_pass(
    ctx: Context, senders: Mapping[str, Sender], since: dt.date | None = None
) -> Pass:
    """One whole pass, the blocking part in a thread; never raises for a fault of the API,
    a release or a chat."""
    halt = threading.Event()  # a cancelled pass stops its thread's retries at once
    client = client_for(ctx, halt)
    try:
        found = await asyncio.to_thread(collect, ctx, client, since)
        await deliver(ctx, found, senders)
        log.info(
            "press-release watcher: %s to %s, %d releases, %d meetings found, %d problems",
            found.start,
            found.end,
            found.listed,
            len(found.proposals),
            len(found.errors),
        )
    finally:
        halt.set()
        client.close()
    return found


async def watch_periodically(
    ctx: Context, senders: Mapping[str, Sender], stop: asyncio.Event
) -> None:
    """`agendabot run`'s chore: a pass every `watch_interval` minutes until `stop`; a bug in
    a pass is logged and the next pass runs (the bot itself keeps answering)."""
    while not stop.is_set():
        try:
            await run_pass(ctx, senders)
        except Exception:
            log.exception("press-release watcher pass failed")
            WATCHER_PASSES.labels(outcome="bug").inc()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), ctx.settings.watch_interval * 60.0)
