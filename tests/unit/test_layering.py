"""Core modules import neither the UI nor the database; only the store touches SQLAlchemy."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import screener

FORBIDDEN = ("textual", "sqlmodel", "sqlalchemy", "alembic", "rich")
HEADLESS_PACKAGES = ("screener.core", "screener.importers", "screener.exporters")
# The workflows reach the database through the store, but never the UI libraries.
UI = ("textual", "rich")


def _modules(packages: tuple[str, ...]) -> list[str]:
    names = []
    for info in pkgutil.walk_packages(screener.__path__, "screener."):
        if info.name.startswith(packages):
            names.append(info.name)
    return names


def _pulled_in(modules: list[str], forbidden: tuple[str, ...]) -> str:
    """Import ``modules`` in a fresh interpreter; the forbidden top-level modules it then holds."""
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_core_modules_load_without_ui_or_orm():
    modules = _modules(HEADLESS_PACKAGES)
    assert "screener.core.protocol" in modules and "screener.core.models" in modules
    bad = _pulled_in(modules, FORBIDDEN)
    assert bad == "", f"headless modules pulled in: {bad}"


def test_workflow_modules_load_without_ui():
    modules = _modules(("screener.workflows",))
    assert "screener.workflows.importing" in modules and "screener.workflows.prisma" in modules
    bad = _pulled_in(modules, UI)
    assert bad == "", f"workflow modules pulled in: {bad}"


def test_import_linter_contracts():
    out = subprocess.run(
        [sys.executable, "-m", "importlinter.cli", "--no-cache"], capture_output=True, text=True
    )
    if out.returncode != 0 and "No module named" in out.stderr:
        out = subprocess.run(["lint-imports", "--no-cache"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
