"""Shared fixtures: a pinned clock, a fresh store per test (copied from one seeded file),
a command harness, and a guard that fails any test reaching beyond 127.0.0.1."""

from __future__ import annotations

import logging
import shutil
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import logs
from bot.commands import Context, Request, handle
from bot.config import Settings
from bot.importer import ensure_seeded
from bot.reply import Reply
from bot.store import Store
from tests.store_worker import seed

NOW = "2026-11-25T10:00:00+09:00"  # a Wednesday; the seed's 2026-12-31 milestone is D-36
ADMIN_TG, ADMIN_SLACK = "100", "UADMIN"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _local_only(address: Any) -> None:
    if isinstance(address, tuple):
        host = str(address[0])
        if not (host.startswith("127.") or host in ("localhost", "::1")):
            pytest.fail(f"test tried to reach the network: {address}")


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """A test that runs the CLI in-process calls `bot.logs.configure`, which installs a
    handler on pytest's captured stderr of that test and quietens httpx: undo both, so later
    tests neither write to a closed stream nor miss the log lines they look for."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    chatty = {name: logging.getLogger(name).level for name in logs.CHATTY}
    hooks = (sys.excepthook, threading.excepthook)
    yield
    root.handlers[:], root.level = handlers, level
    for name, old in chatty.items():
        logging.getLogger(name).setLevel(old)
    sys.excepthook, threading.excepthook = hooks
    logging.captureWarnings(False)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def connect(self: socket.socket, address: Any) -> Any:
        _local_only(address)
        return _real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        _local_only(address)
        return _real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled seed imported once per session; tests get copies."""
    path = tmp_path_factory.mktemp("seed") / "seed.json"
    ensure_seeded(Store(path))
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(
        overrides={
            "db_path": tmp_path / "db.json",
            "now": NOW,
            "telegram_admins": ADMIN_TG,
            "slack_admins": ADMIN_SLACK,
            "http_port": 0,  # the runner's server always listens: any free port
        },
        environ={},
    )


@pytest.fixture
def store(settings: Settings, seed_db: Path) -> Store:
    shutil.copy(seed_db, settings.db_path)
    return Store(settings.db_path, clock=settings.clock)


@pytest.fixture
def empty_store(settings: Settings) -> Store:
    return Store(settings.db_path, clock=settings.clock)


@pytest.fixture
def ctx(store: Store, settings: Settings) -> Context:
    return Context(store, settings)


Ask = Callable[..., Reply]


@pytest.fixture
def ask(ctx: Context) -> Iterator[Ask]:
    """Run one command as someone: `ask("/agenda 3")`, `ask("/followup add …", user="7", platform="telegram")`."""

    def _ask(
        text: str,
        *,
        platform: str = "console",
        user: str = "console",
        chat: str = "console",
        private: bool = True,
        page: int = 1,
    ) -> Reply:
        req = Request(platform=platform, user_id=user, chat_id=chat, text=text, is_private=private)
        return handle(ctx, req, page=page)

    yield _ask


@pytest.fixture
def small(tmp_path: Path) -> Store:
    """A store with one meeting and one item, written once (the store's fault and backup
    tests)."""
    s = Store(tmp_path / "db.json")
    seed(s)
    return s
