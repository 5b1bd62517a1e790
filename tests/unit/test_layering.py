"""Core modules import neither the UI nor the database; only the store touches SQLAlchemy."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import screener

FORBIDDEN = ("textual", "sqlmodel", "sqlalchemy", "alembic", "rich")
HEADLESS_PACKAGES = ("screener.core", "screener.importers", "screener.exporters")


def _headless_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(screener.__path__, "screener."):
        if info.name.startswith(HEADLESS_PACKAGES):
            names.append(info.name)
    return names


def test_core_modules_load_without_ui_or_orm():
    modules = _headless_modules()
    assert "screener.core.protocol" in modules and "screener.core.models" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"headless modules pulled in: {out.stdout.strip()}"


def test_import_linter_contracts():
    out = subprocess.run(
        [sys.executable, "-m", "importlinter.cli", "--no-cache"], capture_output=True, text=True
    )
    if out.returncode != 0 and "No module named" in out.stderr:
        out = subprocess.run(["lint-imports", "--no-cache"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
