"""How updates are processed: chats in parallel, each chat's updates in order, each update
crossed off the inbox journal once handled.

Why: PTB's default (`concurrent_updates(False)`) handles one update at a time, so one chat
whose answer hangs on the Bot API made every other chat wait. PTB's own concurrent mode
keeps no order at all, and answers in a chat must follow the commands' order (a page button
after the page it turns). So this processor takes a lock per chat: updates of one chat run
one after another, different chats run side by side, at most `workers` at once.

Bounds: PTB creates one task per queued update and its semaphore (`max_concurrent_updates`)
caps how many of them wait here; a chat's lock exists only while one of its updates is
queued or running, so the lock table never outgrows the updates in hand.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.adapters.telegram.inbox import Inbox

# The update whose handlers are running in this task: what a message sent now answers.
HANDLING: contextvars.ContextVar[int | None] = contextvars.ContextVar("handling", default=None)


def chat_of(update: object) -> int | None:
    """The chat whose updates must stay in order (the user's, for updates with no chat)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class _ChatLock:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Per-chat order, parallel chats, a bound on both the waiting and the running."""

    def __init__(self, inbox: Inbox | None = None, *, workers: int = 32, queued: int = 1024):
        super().__init__(max(queued, workers, 2))  # PTB runs concurrently only when > 1
        self.inbox = inbox
        self._workers = asyncio.Semaphore(workers)
        self._chats: dict[int, _ChatLock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.inbox is not None and self.inbox.is_echo(update):
            _discard(coroutine)  # handled already, from the journal or the first delivery
            return
        key = chat_of(update)
        if key is None:
            await self._run(update, coroutine)
            return
        chat = self._chats.setdefault(key, _ChatLock())
        chat.users += 1
        try:
            async with chat.lock:
                await self._run(update, coroutine)
        finally:
            chat.users -= 1
            if chat.users == 0:
                del self._chats[key]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle it; cross it off the journal unless cancelled (then it is replayed)."""
        async with self._workers:
            token = HANDLING.set(update.update_id if isinstance(update, Update) else None)
            try:
                await coroutine
            finally:
                HANDLING.reset(token)
                if not _cancelling() and self.inbox and isinstance(update, Update):
                    self.inbox.finish(update.update_id)

    @property
    def chats_waiting(self) -> int:
        """Chats with an update queued or running (what the lock table holds)."""
        return len(self._chats)

    async def initialize(self) -> None:
        """Nothing to set up: locks are made per chat as updates come."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB's stop() has waited for every update in hand."""


def _discard(coroutine: Awaitable[Any]) -> None:
    if inspect.iscoroutine(coroutine):
        coroutine.close()


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
