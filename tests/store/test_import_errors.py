"""Import errors a user can fix are one line naming the file and entry, on both backends.

Issue 13, items 8-9.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from screener.store import open_store


def _cli(db_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCREENER_DB"}
    return subprocess.run(
        [sys.executable, "-m", "screener", "--db", db_url, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def review(db_url: str, protocol) -> str:
    store = open_store(db_url, create=True)
    store.init_review(protocol)
    store.close()
    return db_url


def test_nul_bytes_are_removed_and_reported(review: str, tmp_path: Path):
    path = tmp_path / "nul.ris"
    path.write_bytes(b"TY  - JOUR\nTI  - Low-dose\x00 naltrexone\nDB  - Embase\nER  - \n\n")
    out = _cli(review, "import", str(path), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "  removed 1 NUL byte" in out.stdout
    store = open_store(review)
    try:
        assert [r.bib.title for r in store.records()] == ["Low-dose naltrexone"]
    finally:
        store.close()


def test_an_over_long_doi_is_one_line_naming_the_entry(review: str, tmp_path: Path):
    path = tmp_path / "long.ris"
    path.write_text(
        "TY  - JOUR\nTI  - Fine\nDB  - Embase\nER  - \n\nTY  - JOUR\nTI  - Broken\nDO  - 10.1000/"
        + "a" * 9000
        + "\nER  - \n",
        encoding="utf-8",
    )
    out = _cli(review, "import", str(path), cwd=tmp_path)
    assert out.returncode == 1
    assert out.stderr.strip() == (
        f"screener: error: {path}:6: entry 2: its DOI is 9,008 characters long (at most "
        "1,000): the export looks broken there; fix or export it again"
    )
    store = open_store(review)
    try:
        assert store.sources() == []
    finally:
        store.close()
