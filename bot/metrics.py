"""What `GET /metrics` shows (Prometheus text format, via prometheus-client).

One registry of our own (not the library's global one), so tests and a second bot in the
same process start from zero and the process collectors stay out. Every metric is defined
here, named `agendabot_*`, and incremented where the thing happens: the command layer counts
answers, the senders count messages, 429s and retries, the outbox counts deliveries.
Labels are bounded sets (command names from REGISTRY, platforms, outcomes), never user text.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4 as CONTENT_TYPE

REGISTRY = CollectorRegistry(auto_describe=True)

COMMANDS = Counter(
    "agendabot_commands_answered",
    "Commands answered, by command name (unknown names count as 'unknown').",
    ["command"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "agendabot_command_seconds",
    "Time to build a command's reply (not counting sending it).",
    ["command"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
MESSAGES = Counter(
    "agendabot_messages_sent",
    "Messages delivered to a chat platform.",
    ["platform"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "agendabot_rate_limited",
    "429 (too many requests) answers from a chat platform.",
    ["platform"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "agendabot_retries",
    "Requests to a chat platform tried again after a network error or a 5xx.",
    ["platform"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "agendabot_deliveries",
    "Digest deliveries finished, by outcome (sent, skipped, failed, paused).",
    ["outcome"],
    registry=REGISTRY,
)
PENDING = Gauge(
    "agendabot_deliveries_pending",
    "Digest deliveries due now and not yet sent (as of the last scheduler tick).",
    registry=REGISTRY,
)
STORE_BUSY = Counter(
    "agendabot_store_busy",
    "Writes refused because another process held the database lock too long.",
    registry=REGISTRY,
)
WATCHER_PASSES = Counter(
    "agendabot_watcher_passes",
    "Passes of the press-release watcher, by outcome.",
    ["outcome"],
    registry=REGISTRY,
)
WATCHER_WAITING = Gauge(
    "agendabot_watcher_proposals_waiting",
    "Meetings the watcher proposed that no admin has answered yet (after its last pass).",
    registry=REGISTRY,
)


def exposition() -> bytes:
    """The metrics in Prometheus' text format."""
    return generate_latest(REGISTRY)


__all__ = [
    "COMMANDS",
    "CONTENT_TYPE",
    "DELIVERIES",
    "LATENCY",
    "MESSAGES",
    "PENDING",
    "RATE_LIMITED",
    "REGISTRY",
    "RETRIES",
    "STORE_BUSY",
    "WATCHER_PASSES",
    "WATCHER_WAITING",
    "exposition",
]
