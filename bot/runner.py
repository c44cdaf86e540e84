"""`agendabot run`: the configured chat adapters and the digest scheduler, in one asyncio
loop, sharing one store, until SIGTERM or SIGINT — or until every adapter is down for good
(a revoked token), which ends the process with a non-zero exit instead of idling silently.

One HTTP server always listens (`bot.server`): the adapters' routes, /healthz (each
adapter's `Health`, the last digest tick) and /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from bot import backup, web
from bot.adapters import Adapter
from bot.commands import Context
from bot.delivery import Sender
from bot.errors import UsageError
from bot.server import HttpServer

if TYPE_CHECKING:
    from digests.scheduler import Runner

log = logging.getLogger(__name__)

WATCH_INTERVAL = 1.0  # seconds between looks at the adapters' health
EXIT_ALL_DOWN = 3  # `agendabot run`'s exit code when every adapter gave up
BACKUP_CHECK = 600.0  # seconds between looks for today's daily backup


def configured(ctx: Context) -> list[Adapter]:
    """The adapters the settings enable. A chat library is imported only when its adapter
    is configured, so a Slack-only deployment never loads python-telegram-bot."""
    found: list[Adapter] = []
    if ctx.settings.telegram_token:
        from bot.adapters.telegram import TelegramBot

        found.append(TelegramBot(ctx))
    if ctx.settings.slack_bot_token:
        from bot.adapters.slack import SlackBot

        found.append(SlackBot(ctx))
    return found


@dataclass
class Service:
    """What /healthz reports: every adapter's health and the digest scheduler's last tick."""

    adapters: Sequence[Adapter]
    digests: Runner | None = None
    started: float = field(default_factory=time.time)

    def all_down(self) -> bool:
        return bool(self.adapters) and all(a.health.status == "down" for a in self.adapters)

    def health(self) -> tuple[dict[str, object], bool]:
        """Healthy (HTTP 200) unless an adapter is down: a revoked token needs a person."""
        states = {a.platform: {"mode": a.mode, **a.health.as_dict()} for a in self.adapters}
        statuses = {a.health.status for a in self.adapters}
        overall = "down" if "down" in statuses else "ok" if statuses <= {"ok"} else "degraded"
        body: dict[str, object] = {
            "status": overall,
            "adapters": states,
            "digests": {"last_tick": self.digests.last_tick if self.digests else None},
            "started": round(self.started, 3),
        }
        return body, overall != "down"


@contextlib.asynccontextmanager
async def running(
    ctx: Context, chosen: Sequence[Adapter], *, listen: bool = True, service: Service | None = None
) -> AsyncIterator[HttpServer | None]:
    """Start the adapters and the one HTTP server; stop all on exit.

    The server listens before any adapter starts, so a webhook is registered only once its
    route answers. With `listen=False` the adapters only send (`agendabot digest --send-due`)
    and no server starts. Yields the server (None when not listening).
    """
    started: list[Adapter] = []
    server: HttpServer | None = None
    service = service or Service(chosen)
    try:
        if listen:
            routes = [r for a in chosen for r in a.routes()] + web.routes(ctx)
            server = HttpServer(
                ctx.settings.http_host, ctx.settings.http_port, routes, health=service.health
            )
            await server.start()
        for adapter in chosen:
            await (adapter.start() if listen else adapter.start_sending())
            started.append(adapter)
        yield server
    finally:
        if server is not None:
            await server.stop()
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)


@contextlib.asynccontextmanager
async def adapters(ctx: Context, *, listen: bool = True) -> AsyncIterator[dict[str, Sender]]:
    """Start every adapter the settings enable; yield their senders; stop them on exit."""
    chosen = configured(ctx)
    async with running(ctx, chosen, listen=listen):
        yield {a.platform: a.sender for a in chosen}


def senders_for(ctx: Context) -> contextlib.AbstractAsyncContextManager[dict[str, Sender]]:
    """Senders only, no listening: a one-off digest tick from the command line."""
    return adapters(ctx, listen=False)


async def watch(service: Service, stop: asyncio.Event) -> None:
    """Set `stop` once every adapter is down: a bot that can reach no chat must say so and
    exit (a supervisor restarts it or a person looks), not idle with a green process."""
    while not stop.is_set():
        if service.all_down():
            details = "; ".join(f"{a.platform}: {a.health.detail}" for a in service.adapters)
            log.error("every chat adapter is down (%s); stopping", details)
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), WATCH_INTERVAL)


@contextlib.contextmanager
def only_instance(db: Path) -> Iterator[None]:
    """One `agendabot run` per database. A second would poll the same Telegram bot (the Bot
    API answers 409 to both), write the same update journal and run every chore twice. The
    lock is the OS's (flock): a killed bot leaves nothing to clean up.

    Raises:
        UsageError: another process holds it.
    """
    lock = FileLock(f"{db}.run.lock", mode=0o600)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise UsageError(
            f"이 데이터베이스({db.name})로 agendabot run 이 이미 실행 중입니다. "
            "먼저 실행 중인 봇을 멈추세요."
        ) from None
    try:
        yield
    finally:
        lock.release()


async def warm_up() -> None:
    """Load the Korean analyser before serving anything. Building Kiwi's model holds the GIL
    for a second or two: done on the first write or search, it froze the event loop (and
    /healthz, and every chat) that long; done here, nobody is waiting yet."""
    from bot import nlp

    started = time.perf_counter()
    await asyncio.to_thread(nlp.terms, "과학기술관계장관회의 안건을 점검합니다")  # load + first use
    log.info("Korean analyser loaded in %.1f s", time.perf_counter() - started)


async def back_up_daily(ctx: Context, stop: asyncio.Event, every: float = BACKUP_CHECK) -> None:
    """Keep `backup_days` daily backups beside the database while the bot runs (one stat a
    check once today's exists); the copy runs in a thread (it takes the file lock)."""
    while not stop.is_set():
        await asyncio.to_thread(
            backup.daily, ctx.store, None, ctx.today(), ctx.settings.backup_days
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


async def run(ctx: Context) -> int:
    """Run until a signal asks us to stop (exit 0) or every adapter is down (exit 3).

    Raises:
        UsageError: no adapter is configured, or another `agendabot run` serves this database.
    """
    if not (ctx.settings.telegram_token or ctx.settings.slack_bot_token or ctx.settings.web):
        raise UsageError(
            "켤 어댑터가 없습니다. TELEGRAM_BOT_TOKEN 또는 SLACK_BOT_TOKEN 을 설정하세요 "
            "(대시보드만 쓰려면 AGENDABOT_WEB=on, 토큰 없이 써 보려면 agendabot console)."
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    chosen = configured(ctx)
    service = Service(chosen)
    with only_instance(ctx.settings.db_path):
        return await _serve(ctx, chosen, service, stop)


async def _serve(
    ctx: Context, chosen: Sequence[Adapter], service: Service, stop: asyncio.Event
) -> int:
    from digests.scheduler import Runner, run_forever

    await warm_up()
    async with running(ctx, chosen, service=service):
        names = [a.platform for a in chosen] + (["web"] if ctx.settings.web else [])
        log.info("running: %s and the digest scheduler", ", ".join(names))
        service.digests = Runner(ctx.store, {a.platform: a.sender for a in chosen}, clock=ctx.now)
        chores = [
            asyncio.create_task(watch(service, stop)),
            asyncio.create_task(back_up_daily(ctx, stop)),
        ]
        if ctx.settings.briefing_key:  # the 정책브리핑 watcher (bot/watch/), its HTTP in a thread
            from bot.watch.watcher import watch_periodically

            senders = {a.platform: a.sender for a in chosen}
            chores.append(asyncio.create_task(watch_periodically(ctx, senders, stop)))
        try:
            await run_forever(service.digests, stop)
        finally:
            for chore in chores:
                chore.cancel()
    if service.all_down():
        log.error("stopped: no chat adapter could run")
        return EXIT_ALL_DOWN
    log.info("stopped")
    return 0
