"""Find the shipped `templates/` and `data/` folders, in a checkout or an installed wheel.

In a wheel they are force-included as `bot/templates` and `bot/data`; in a checkout (and an
editable install) they sit at the repository's top level, beside `bot/`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def _root(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"agendabot is installed without its {name}/ folder")


def data_path(*parts: str) -> Path:
    """A file under the shipped `data/` folder."""
    return _root("data").joinpath(*parts)


def templates_dir() -> Path:
    """The shipped `templates/` folder."""
    return _root("templates")


def seed_files() -> list[Path]:
    """The bundled press releases, oldest first (their names start with the date)."""
    return sorted(data_path("seeds").glob("*.txt"))
