"""Rules of the layout: only the Telegram and Slack adapter packages import a chat library,
only the store imports TinyDB, digests import no adapter, no platform's name is branched on
outside its adapter, and the README documents every command."""

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


ADAPTER_PACKAGES = {"telegram": ("telegram",), "slack": ("slack_bolt", "slack_sdk")}


def in_adapter(path: Path) -> str | None:
    """The chat platform whose adapter package holds `path`, if any."""
    rel = path.relative_to(ROOT).parts
    if rel[:2] == ("bot", "adapters") and len(rel) > 3 and rel[2] in ADAPTER_PACKAGES:
        return rel[2]
    return None


CORE = [
    p
    for p in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "digests").rglob("*.py"))
    if in_adapter(p) is None
]


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_adapter_packages_import_a_chat_library(path: Path) -> None:
    assert not imports(path) & set(CHAT_LIBRARIES)


@pytest.mark.parametrize("platform", sorted(ADAPTER_PACKAGES))
def test_an_adapter_imports_only_its_own_chat_library(platform: str) -> None:
    others = {lib for name, libs in ADAPTER_PACKAGES.items() if name != platform for lib in libs}
    for path in sorted((ROOT / "bot" / "adapters" / platform).rglob("*.py")):
        assert not imports(path) & others, path
        assert f"bot.adapters.{'slack' if platform == 'telegram' else 'telegram'}" not in (
            path.read_text(encoding="utf-8")
        ), path


def platform_comparisons(path: Path) -> list[int]:
    """Lines where code compares something with "telegram" or "slack"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            values = [node.left, *node.comparators]
            if any(isinstance(v, ast.Constant) and v.value in ADAPTER_PACKAGES for v in values):
                found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_core_module_branches_on_a_platform_name(path: Path) -> None:
    """Platform policy (limits, id rules, errors) lives in the adapter: the outbox once
    asked `if sub.platform == "telegram"`; now the Sender declares its own limits."""
    assert platform_comparisons(path) == []


def test_only_the_store_imports_tinydb() -> None:
    users = [
        str(p.relative_to(ROOT))
        for p in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "digests").rglob("*.py")]
        if "tinydb" in imports(p)
    ]
    assert users and all(u.startswith("bot/store") for u in users), users


def test_tests_and_benchmarks_share_the_fakes_without_importing_each_other() -> None:
    for path in (ROOT / "bench").rglob("*.py"):
        assert "tests" not in imports(path), path
    for path in (ROOT / "fakes").rglob("*.py"):
        assert not imports(path) & {"tests", "bench"}, path


def test_digests_never_import_adapters() -> None:
    for p in (ROOT / "digests").rglob("*.py"):
        assert "bot.adapters" not in p.read_text(encoding="utf-8"), p


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_readme_documents_every_command(name: str) -> None:
    assert f"`/{name}" in (ROOT / "README.md").read_text(encoding="utf-8")
