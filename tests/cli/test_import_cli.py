"""`screener import` as a user runs it: bad files, unusable entries, unknown databases.

Every failure must be one line naming the file (and the line), exit 1, and leave the
review exactly as it was, also when the problem is found after thousands of records
have already been handed to the database (the import stores while it reads).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run  # tests/cli is on the path (pytest rootdir-less import)

from screener.importers import BATCH_SIZE
from screener.store import open_store


def ris_entry(k: int, *, title: str | None = "A trial of something", db: str | None = "Embase") -> str:
    lines = ["TY  - JOUR", f"ID  - {k}"]
    if title:
        lines.append(f"T1  - {title} {k}")
    lines += ["AU  - Smith, J", "PY  - 2020", "JF  - Pain Medicine", "VL  - 3", f"SP  - {k + 1}"]
    if db:
        lines.append(f"DB  - {db}")
    return "\n".join([*lines, "ER  - ", ""])


def counts(review: Path) -> tuple[int, int]:
    store = open_store(review)
    try:
        return len(store.sources()), store.record_count()
    finally:
        store.close()


@pytest.fixture
def review(tmp_path: Path) -> Path:
    assert run("init", "--example", "ldn-fibromyalgia", cwd=tmp_path).returncode == 0
    return tmp_path / "review.db"


def one_line_error(out, *parts: str) -> None:
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    for part in parts:
        assert part in out.stderr, out.stderr


def test_a_malformed_entry_after_many_batches_leaves_nothing(review: Path):
    n = 3 * BATCH_SIZE + 10  # several batches are stored before the bad entry is read
    good = "\n".join(ris_entry(k) for k in range(n))
    bad = "TY  - JOUR\nT1  - cut off here\nAU  - Smith, J\n"  # no ER: truncated
    path = review.parent / "embase.ris"
    path.write_text(good + "\n" + bad, encoding="utf-8")
    truncated_line = good.count("\n") + 2
    out = run("import", str(path), cwd=review.parent)
    one_line_error(out, f"embase.ris:{truncated_line}:", "no 'ER  -' line")
    assert counts(review) == (0, 0)
    # Fixed, the same file imports whole.
    path.write_text(good, encoding="utf-8")
    out = run("import", str(path), cwd=review.parent)
    assert out.returncode == 0, out.stderr
    assert f"{n} records from Embase" in out.stdout
    assert counts(review) == (1, n)


def test_unusable_entries_are_named_and_skipped_only_when_asked(review: Path):
    entries = [ris_entry(k) for k in range(5)]
    entries[3] = "TY  - JOUR\nAU  - Nobody, N\nPY  - 2020\nER  - \n"  # no title, no identifier
    path = review.parent / "search.ris"
    path.write_text("\n".join(entries), encoding="utf-8")
    line = "\n".join(entries[:3]).count("\n") + 2
    out = run("import", str(path), "--source", "Embase", cwd=review.parent)
    one_line_error(out, f"search.ris:{line}:", "1 unusable entries", "entries 4", "--skip-unusable")
    assert counts(review) == (0, 0)
    out = run("import", str(path), "--source", "Embase", "--skip-unusable", cwd=review.parent)
    assert out.returncode == 0, out.stderr
    assert "4 records from Embase" in out.stdout and "skipped 1 unusable" in out.stdout
    assert counts(review) == (1, 4)


def test_unknown_database_asks_for_source(review: Path):
    path = review.parent / "export.ris"
    path.write_text("\n".join(ris_entry(k, db=None) for k in range(3)), encoding="utf-8")
    out = run("import", str(path), cwd=review.parent)  # not a terminal: cannot ask
    one_line_error(out, "export.ris: cannot tell which database", "--source NAME")
    assert counts(review) == (0, 0)
    out = run("import", str(path), "--source", "Scopus", cwd=review.parent)
    assert out.returncode == 0 and "3 records from Scopus" in out.stdout


def test_same_file_twice_is_refused(review: Path):
    path = review.parent / "embase.ris"
    path.write_text("\n".join(ris_entry(k) for k in range(3)), encoding="utf-8")
    assert run("import", str(path), cwd=review.parent).returncode == 0
    out = run("import", str(path), cwd=review.parent)
    one_line_error(out, "embase.ris: already imported as source 1 (Embase", "--force")
    assert counts(review) == (1, 3)
    assert run("import", str(path), "--force", cwd=review.parent).returncode == 0
    assert counts(review) == (2, 6)
