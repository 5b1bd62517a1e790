"""Fixtures shared by every test package."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The read-only real data next to the project checkout (``../shared``). This file is
#: tests/conftest.py, so parents[1] is the project root (parents[2] from tests/unit/).
SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared``; tests that use it are skipped where it is absent."""
    if not (SHARED_DIR / "data" / "exports").is_dir():
        pytest.skip("../shared/data/exports not present: real-export tests need the shared data")
    return SHARED_DIR


#: The passphrase every reviewer of a test review has (set on first use: see the fixture below).
TEST_PASSPHRASE = "test-passphrase"


@pytest.fixture(autouse=True)
def reviewer_passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    """$SCREENER_PASSPHRASE for every test: a reviewer's first command sets it, later ones prove it.

    Tests of the passphrase checks themselves unset or change it.
    """
    monkeypatch.setenv("SCREENER_PASSPHRASE", TEST_PASSPHRASE)
    monkeypatch.delenv("SCREENER_NEW_PASSPHRASE", raising=False)
    return TEST_PASSPHRASE
