"""`init` never wipes a review: it refuses, or with --force moves it aside as a backup (issue 13, item 3).

A process that still has the old review open (another reviewer screening) must not go on
saying "saved" for decisions written into the moved file: its next write stops with a
clear message. Real processes, as in tests/store/test_concurrency.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from screener.core.models import BibRecord, Stage, Verdict
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import SourceInput, open_store

SCREENER = r"""
import json, os, sys, time
from screener.core.models import Stage, Verdict
from screener.store import StoreError, open_store

db, go = sys.argv[1], sys.argv[2]
store = open_store(db)
store.record_decision(1, Stage.TITLE_ABSTRACT, "NA", Verdict.INCLUDE)
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.01)
out = []
for rid in (2, 3):
    try:
        store.record_decision(rid, Stage.TITLE_ABSTRACT, "NA", Verdict.EXCLUDE)
        out.append("saved")
    except StoreError as exc:
        out.append(str(exc))
print(json.dumps(out), flush=True)
"""


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCREENER_DB"}
    return subprocess.run(
        [sys.executable, "-m", "screener", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _review(path: Path) -> None:
    store = open_store(path, create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    store.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [BibRecord(position=i, title=f"Record {i}") for i in range(1, 4)],
    )
    store.close()


def test_init_refuses_an_existing_review(tmp_path: Path):
    _review(tmp_path / "review.db")
    before = (tmp_path / "review.db").read_bytes()
    out = _cli("init", "--example", "ldn-fibromyalgia", cwd=tmp_path)
    assert out.returncode == 1
    assert out.stderr.strip().endswith(
        "already exists: pick another --db, or --force to replace it "
        "(the old review is kept as a dated backup)"
    )
    assert (tmp_path / "review.db").read_bytes() == before


def test_init_force_keeps_a_backup_and_stops_the_other_process(tmp_path: Path):
    db = tmp_path / "review.db"
    _review(db)
    go = tmp_path / "go"
    other = subprocess.Popen(
        [sys.executable, "-c", SCREENER, str(db), str(go)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "ready", other.stderr.read() if other.stderr else ""
        out = _cli("init", "--example", "ldn-fibromyalgia", "--force", cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        go.touch()
        said = json.loads(other.communicate(timeout=120)[0].strip().splitlines()[-1])
    finally:
        if other.poll() is None:
            other.kill()
    assert len(said) == 2 and "saved" not in said, said
    assert said[0] == (
        f"{db} was moved or replaced since this screener opened it (screener init --force?): "
        "nothing was saved; open the review again"
    )

    backups = sorted(tmp_path.glob("review.db.replaced-*.bak"))
    assert len(backups) == 1 and f"moved the old review to {backups[0]}" in out.stderr
    old = sqlite3.connect(backups[0])  # one self-contained file, with what was committed before
    assert old.execute("SELECT record_id, verdict FROM decision").fetchall() == [(1, "include")]
    old.close()
    new = open_store(db)
    try:
        assert new.record_count() == 0 and new.decision_log() == []
    finally:
        new.close()
    backup = open_store(backups[0])
    try:
        assert backup.record_count() == 3
        assert [(d.record_id, d.verdict) for d in backup.decision_log(Stage.TITLE_ABSTRACT)] == [
            (1, Verdict.INCLUDE)
        ]
    finally:
        backup.close()


def test_init_force_refuses_a_file_that_is_not_a_database(tmp_path: Path):
    db = tmp_path / "review.db"
    db.write_text("my thesis, not a database\n", encoding="utf-8")
    out = _cli("init", "--example", "ldn-fibromyalgia", "--force", cwd=tmp_path)
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "is not a review screener can back up" in out.stderr
    assert db.read_text(encoding="utf-8") == "my thesis, not a database\n"
