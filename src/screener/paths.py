"""Where screener finds its bundled files and where a review lives by default."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "review.db"


def default_db() -> str:
    """The review database: ``SCREENER_DB`` if set, else ``review.db`` in the current folder."""
    return os.environ.get("SCREENER_DB") or DEFAULT_DB


def example_dir(name: str = "ldn-fibromyalgia") -> Path:
    """The folder of a bundled example review (protocol and database exports).

    A wheel carries ``imports/`` as ``screener/_imports``; a source checkout (editable
    install, tests) has it at the repository root.
    """
    here = Path(__file__).resolve().parent
    for base in (here / "_imports", here.parents[1] / "imports"):
        if (base / name).is_dir():
            return base / name
    raise FileNotFoundError(f"example review '{name}' is not bundled with this screener")


def examples() -> list[str]:
    here = Path(__file__).resolve().parent
    for base in (here / "_imports", here.parents[1] / "imports"):
        if base.is_dir():
            return sorted(p.name for p in base.iterdir() if (p / "protocol.toml").is_file())
    return []
