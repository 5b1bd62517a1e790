"""Two processes importing or opening one review at once (issue 13, items 5, 6 and 9).

Real processes, as in test_concurrency.py: a worker holds an import open (its transaction
begun, its source row written) until the test says go, while ``screener import`` runs
in another process.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_migrations import OLD, _build_old

from screener.store import engine as engines
from screener.store import open_store

pytestmark = pytest.mark.slow

HOLDER = r"""
import os, sys, time
from screener.core.models import BibRecord
from screener.store import SourceInput, open_store

url, sha, go = sys.argv[1], sys.argv[2], sys.argv[3]
store = open_store(url)
with store.import_source(SourceInput("Embase", "first.ris", sha, "ris")) as writer:
    writer.add([BibRecord(position=1, title="Held")])
    while not writer._locked:  # the writer thread has begun its transaction
        time.sleep(0.01)
    time.sleep(0.2)  # and written the source row
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    writer.commit("Embase", None)
print("committed", flush=True)
"""

OPENER = r"""
import os, sys, time
from screener.store import open_store
url, go = sys.argv[1], sys.argv[2]
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
store = open_store(url)
print("opened", store.backup_path or "", flush=True)
store.close()
"""


def _ris(path: Path, n: int, tag: str) -> Path:
    path.write_text(
        "".join(
            f"TY  - JOUR\nTI  - {tag} record {i}\nPY  - 2020\nDB  - Embase\nER  - \n\n" for i in range(n)
        ),
        encoding="utf-8",
    )
    return path


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "SCREENER_DB"}


def _review(url: str, protocol) -> None:
    store = open_store(url, create=True)
    store.init_review(protocol)
    store.close()


def _wait_until_blocked(db_url: str, proc: subprocess.Popen[str]) -> None:
    """Until the import process waits: for the SQLite lock (it says so) or PostgreSQL's unique index."""
    assert proc.stderr is not None
    if "://" not in db_url:
        line = proc.stderr.readline()
        assert "waiting for another import" in line, line
        return
    engine = sa.create_engine(db_url)
    try:
        for _ in range(600):
            with engine.connect() as conn:
                waiting = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
            if waiting:
                return
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        pytest.fail("the second import never waited for the first")
    finally:
        engine.dispose()


def _sources(db_url: str) -> list[tuple[str, int]]:
    store = open_store(db_url)
    try:
        return [(s.file_name, s.record_count) for s in store.sources()]
    finally:
        store.close()


def test_the_same_file_imported_twice_at_once_is_stored_once(db_url: str, protocol, tmp_path: Path):
    _review(db_url, protocol)
    ris = _ris(tmp_path / "embase.ris", 50, "Same")
    sha = hashlib.sha256(ris.read_bytes()).hexdigest()
    go = tmp_path / "go"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db_url, sha, str(go)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    importer = None
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready", holder.communicate()
        importer = subprocess.Popen(
            [sys.executable, "-m", "screener", "--db", db_url, "import", str(ris)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        _wait_until_blocked(db_url, importer)  # it passed the "already imported" check: nothing is stored yet
        go.touch()
        assert holder.communicate(timeout=120)[0].strip().endswith("committed")
        out, err = importer.communicate(timeout=120)
    finally:
        for proc in (holder, importer):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert importer.returncode == 1, (out, err)
    last = err.strip().splitlines()[-1]
    assert last.startswith(
        f"screener: error: {ris}: already imported as source 1 (Embase, first.ris, 1 records"
    )
    assert last.endswith("use --force to import it again")
    assert _sources(db_url) == [("first.ris", 1)]


def test_an_import_waits_for_another_import(tmp_path: Path, protocol):
    """SQLite: the second import says it waits, then stores its file (it used to fail after 30 s)."""
    db_url = str(tmp_path / "review.db")
    _review(db_url, protocol)
    ris = _ris(tmp_path / "other.ris", 20, "Other")
    go = tmp_path / "go"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db_url, "f" * 64, str(go)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    importer = None
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready", holder.communicate()
        importer = subprocess.Popen(
            [sys.executable, "-m", "screener", "--db", db_url, "import", str(ris)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        _wait_until_blocked(db_url, importer)
        go.touch()
        holder.communicate(timeout=120)
        out, err = importer.communicate(timeout=120)
    finally:
        for proc in (holder, importer):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert importer.returncode == 0, err
    assert "other.ris: 20 records from Embase" in out
    assert _sources(db_url) == [("first.ris", 1), ("other.ris", 20)]


def test_two_processes_open_an_older_review_at_once(db_url: str, tmp_path: Path):
    _build_old(db_url)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, db_url, str(go)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        go.touch()
        results = [p.communicate(timeout=180) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0 and out.strip().startswith("opened"), err
    backups = [out.split(maxsplit=1)[1].strip() for out, _ in results if len(out.split()) > 1]
    if "://" not in db_url:  # one upgrade, so one backup
        assert len(backups) == 1 and list(tmp_path.glob(f"*.schema-{OLD}.*.bak")) == [Path(backups[0])]
    engine = engines.make_engine(engines.database_url(db_url))
    try:
        assert engines.current_revision(engine) == engines.head_revision()
    finally:
        engine.dispose()
