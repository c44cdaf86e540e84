"""The Answerer that runs commands inline when quick: what it remembers stays bounded."""

from __future__ import annotations

import asyncio

from bot import metrics
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


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_answers_are_counted_by_command_with_junk_under_one_label(ctx: Context) -> None:
    answerer = Answerer(ctx)
    before = sample("agendabot_commands_answered_total", command="agenda")
    unknown = sample("agendabot_commands_answered_total", command="unknown")
    timed = sample("agendabot_command_seconds_count", command="agenda")

    async def ask() -> None:
        await answerer(Request("telegram", "1", "1", "/agenda 1"))
        for n in range(50):
            await answerer(Request("telegram", "1", "1", f"/junk{n}"))

    asyncio.run(ask())
    assert sample("agendabot_commands_answered_total", command="agenda") == before + 1
    assert sample("agendabot_command_seconds_count", command="agenda") == timed + 1
    assert sample("agendabot_commands_answered_total", command="unknown") == unknown + 50
    labels = {
        s.labels.get("command")
        for m in metrics.REGISTRY.collect()
        if m.name == "agendabot_commands_answered"
        for s in m.samples
    }
    assert labels <= {*REGISTRY, "unknown"}  # 50 junk names made no new series
