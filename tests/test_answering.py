"""The Answerer that runs commands inline when quick: what it remembers stays bounded."""

from __future__ import annotations

import asyncio

from bot.adapters.answering import Answerer
from bot.commands import REGISTRY, Context, Request


def test_junk_command_names_are_not_remembered(ctx: Context) -> None:
    answerer = Answerer(ctx)

    async def flood() -> None:
        for n in range(2000):
            await answerer(Request("telegram", "1", "1", f"/junk{n}"))
        await answerer(Request("telegram", "1", "1", "/whoami"))
        await answerer(Request("telegram", "1", "1", "/whoami"))

    asyncio.run(flood())
    assert answerer._quick <= set(REGISTRY)
    assert "junk1" not in answerer._quick
