"""Reviewers keep screening while someone imports (issue 13, item 11).

An import stages its records in short transactions and publishes them in one at the end:
a decision made meanwhile commits at once (real processes: ``screener import`` in one,
the decisions in the test's), nothing staged counts anywhere until it is published, and
an import that fails or is killed half-way leaves nothing in the review; the next import
removes what a killed one staged and stores its file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from screener.core.models import BibRecord, Stage, Verdict
from screener.store import SourceInput, Store, open_store
from screener.store import engine as engines

pytestmark = pytest.mark.slow

N = 30_000  # records in the big file: an import of a few seconds
WORDS = [
    "low",
    "dose",
    "naltrexone",
    "fibromyalgia",
    "pain",
    "trial",
    "placebo",
    "women",
    "sleep",
    "fatigue",
    "cohort",
    "review",
]


def _ris(path: Path, n: int) -> Path:
    abstract = " ".join(WORDS[(i * 7) % len(WORDS)] for i in range(120))
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(
                f"TY  - JOUR\nTI  - Staged record {i} {WORDS[i % len(WORDS)]}\nAU  - Smith, J\nPY  - 2020\n"
                f"DO  - 10.1000/staged.{i}\nAB  - {abstract}\nER  - \n\n"
            )
    return path


@pytest.fixture
def store(db_url: str, protocol) -> Iterator[Store]:
    s = open_store(db_url, create=True)
    s.init_review(protocol)
    s.add_source(
        SourceInput("PubMed", "screen.nbib", "0" * 64, "pubmed"),
        [BibRecord(position=i, title=f"Record {i} to screen") for i in range(1, 21)],
    )
    yield s
    s.close()


@pytest.fixture
def raw(db_url: str) -> Iterator[sa.Engine]:
    """A plain engine on the same database, to see the staged rows the store hides."""
    engine = engines.make_engine(engines.database_url(db_url))
    yield engine
    engine.dispose()


def _staged_rows(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT count(*) FROM record JOIN source ON source.id = record.source_id WHERE source.staged"
            )
        ).scalar_one()


def _all_rows(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM record")).scalar_one()


def _wait_for_staged(engine: sa.Engine, proc: subprocess.Popen[str] | None = None) -> None:
    for _ in range(6000):
        if _staged_rows(engine):
            return
        assert proc is None or proc.poll() is None, proc.communicate() if proc else ""
        time.sleep(0.01)
    pytest.fail("the import never staged a record")


def _import(db_url: str, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "screener", "--db", db_url, "import", str(path), "--source", "Embase"],
        cwd=path.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SCREENER_DB"},
    )


def _what_counts(store: Store) -> tuple[object, ...]:
    """Every count and list a reviewer sees of the review's records and sources."""
    return (
        store.record_count(),
        [s.id for s in store.sources()],
        [s.id for s in store.source_list()],
        store.flow_numbers(),
        store.box_names(),
        store.max_record_id(),
        store.change_token(),
        store.search("staged"),
        len(store.records()),
        store.stage_pool(Stage.TITLE_ABSTRACT),
        [s.id for s in (store.source_by_sha256("0" * 64), store.source_by_sha256("1" * 64)) if s],
        len(store.record_sources_map()),
    )


def test_a_decision_commits_while_a_large_import_runs(
    store: Store, raw: sa.Engine, db_url: str, tmp_path: Path
):
    ris = _ris(tmp_path / "big.ris", N)
    importer = _import(db_url, ris)
    waits = []
    try:
        _wait_for_staged(raw, importer)
        for rid in (1, 2, 3):
            t0 = time.perf_counter()
            store.record_decision(rid, Stage.TITLE_ABSTRACT, "NA", Verdict.INCLUDE)
            waits.append(time.perf_counter() - t0)
            assert importer.poll() is None, "the import ended before the decision committed"
        assert _staged_rows(raw) > 0 and store.record_count() == 20  # staged, not yet in the review
        out, err = importer.communicate(timeout=600)
    finally:
        if importer.poll() is None:
            importer.kill()
    assert importer.returncode == 0, err
    assert f"big.ris: {N:,} records from Embase" in out or f"big.ris: {N} records from Embase" in out, out
    assert store.record_count() == 20 + N and _staged_rows(raw) == 0
    assert [d.record_id for d in store.decision_log()] == [1, 2, 3]
    print(f"decision commit times during the import: {[round(w * 1000) for w in waits]} ms")


def test_an_import_killed_midway_leaves_nothing_and_the_next_one_stores_the_file(
    store: Store, raw: sa.Engine, db_url: str, tmp_path: Path
):
    before = _what_counts(store)
    ris = _ris(tmp_path / "big.ris", N)
    importer = _import(db_url, ris)
    try:
        _wait_for_staged(raw, importer)
    finally:
        importer.kill()
        importer.communicate(timeout=60)
    assert _staged_rows(raw) > 0  # left behind by the killed process ...
    assert _what_counts(store) == before  # ... and counted nowhere
    store.record_decision(1, Stage.TITLE_ABSTRACT, "NA", Verdict.INCLUDE)  # the review is not locked
    again = _import(db_url, ris)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err  # not "already imported", and no wait for the dead import
    assert "waiting" not in err
    assert store.record_count() == 20 + N
    assert _staged_rows(raw) == 0 and _all_rows(raw) == 20 + N  # the killed import's rows are gone


def test_staged_records_count_nowhere_and_a_failed_import_deletes_them(store: Store, raw: sa.Engine):
    before = _what_counts(store)
    records = [BibRecord(position=i, title=f"Staged record {i}", doi=f"10.1/{i}") for i in range(1, 2001)]
    with (
        pytest.raises(ValueError, match="parse error"),
        store.import_source(SourceInput("Embase", "e.ris", "1" * 64, "ris")) as writer,
    ):
        writer.add(records[:1000])
        writer.add(records[1000:])
        _wait_for_staged(raw)
        while _staged_rows(raw) < 2000:
            time.sleep(0.01)
        assert _what_counts(store) == before
        raise ValueError("parse error in entry 2001")
    assert _staged_rows(raw) == 0 and _all_rows(raw) == 20
    assert _what_counts(store) == before
    # the same file then imports (its staged source is gone, so is its copy number)
    source = store.add_source(SourceInput("Embase", "e.ris", "1" * 64, "ris"), records)
    assert source.record_count == 2000 and store.record_count() == 2020
    assert _what_counts(store) != before


def test_an_import_waits_for_a_long_write_between_its_batches(tmp_path: Path, protocol):
    """SQLite: a batch finding the write lock held (30 s busy timeout or more) says so, waits, goes on."""
    db = tmp_path / "review.db"
    s = open_store(db, create=True)
    s.init_review(protocol)
    s.close()
    importer = _import(str(db), _ris(tmp_path / "big.ris", 10_000))
    engine = engines.make_engine(engines.database_url(str(db)))
    try:
        _wait_for_staged(engine, importer)
        with engine.connect().execution_options(screener_write=True) as conn, conn.begin():  # BEGIN IMMEDIATE
            assert importer.stderr is not None
            assert "big.ris: waiting for another import (or another write)" in importer.stderr.readline()
            assert importer.poll() is None
        out, err = importer.communicate(timeout=600)
    finally:
        engine.dispose()
        if importer.poll() is None:
            importer.kill()
    assert importer.returncode == 0, err
    store = open_store(db)
    assert store.record_count() == 10_000
    store.close()
