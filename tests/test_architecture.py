"""Rules of the layout: the core never imports a chat library, and the README documents
every command."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.commands import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
CHAT_LIBRARIES = ("telegram", "slack_bolt", "slack_sdk")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in sorted((ROOT / "bot").rglob("*.py")) if "adapters" not in p.parts]
    + sorted((ROOT / "digests").rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_core_never_imports_a_chat_library(path: Path) -> None:
    assert not imports(path) & set(CHAT_LIBRARIES)


def test_only_the_store_imports_tinydb() -> None:
    users = [p.name for p in (ROOT / "bot").rglob("*.py") if "tinydb" in imports(p)]
    assert users == ["store.py"]


def test_digests_never_import_adapters() -> None:
    for p in (ROOT / "digests").rglob("*.py"):
        assert "bot.adapters" not in p.read_text(encoding="utf-8"), p


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_readme_documents_every_command(name: str) -> None:
    assert f"`/{name}" in (ROOT / "README.md").read_text(encoding="utf-8")
