"""Answering commands from an event loop that Telegram and Slack share.

A command runs in a worker thread unless it is known to be quick: its last run took under
`INLINE_LIMIT`, it writes nothing, and the store is loaded (otherwise the next read parses
the whole file again) and not in the middle of another thread's write. Quick commands run
inline, because the thread hop and the wait for the GIL cost more than the command itself
under load; anything else (a first search loading the tokenizer, a re-read after the CLI
wrote, a write with its fsync or its wait for another process's file lock) stays off the loop.
"""

from __future__ import annotations

import asyncio
import time

from bot import metrics
from bot.commands import REGISTRY, Context, Request, handle, split_command
from bot.reply import Reply


class Answerer:
    """Runs `handle()` inline or in a thread, learning which commands are quick."""

    INLINE_LIMIT = 0.002  # seconds

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._quick: set[str] = set()  # commands whose last run was quick

    def is_quick(self, req: Request) -> bool:
        """May this run inline? Only a command that was quick last time, does not write with
        these arguments (a write waits for the file lock, up to `Store.lock_wait`) and finds
        the store loaded and not held by a transaction in another thread (`is_loaded` does not
        wait for it), so the event loop never waits for a write."""
        name, args = split_command(req.text)
        if name not in self._quick or REGISTRY[name].writes(args):
            return False
        return self.ctx.store.is_loaded()

    def answer(self, req: Request, page: int = 1) -> Reply:
        """Answer now, in this thread, and remember whether that was quick."""
        started = time.perf_counter()
        reply = handle(self.ctx, req, page=page)
        took = time.perf_counter() - started
        name = split_command(req.text)[0]
        known = name if name in REGISTRY else "unknown"  # metric labels stay a bounded set
        metrics.COMMANDS.labels(known).inc()
        metrics.LATENCY.labels(known).observe(took)
        if name not in REGISTRY:  # junk names are not remembered: the set stays bounded
            return reply
        if took < self.INLINE_LIMIT:
            self._quick.add(name)
        else:
            self._quick.discard(name)
        return reply

    async def __call__(self, req: Request, page: int = 1) -> Reply:
        if self.is_quick(req):
            return self.answer(req, page)
        return await asyncio.to_thread(self.answer, req, page)
