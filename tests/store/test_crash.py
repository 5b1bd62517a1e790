"""A screening process killed with SIGKILL loses no decision it reported as saved.

A worker process (``python -c`` with the worker below) screens in a loop on one SQLite
review, printing ``committed <decision id>`` only after ``record_decision`` returned. The
test kills it with SIGKILL at a random moment (20-300 ms after it is ready, fixed seed),
then checks that every id it reported is in the database and that SQLite's
``PRAGMA integrity_check`` says ok, and starts the next worker on the same file.
SQLite only: that is where a crash could corrupt the file.
"""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from screener.core.models import BibRecord
from screener.core.protocol import Protocol
from screener.store import SourceInput, open_store

pytestmark = pytest.mark.slow

ROUNDS = 24
SEED = 20240611
RECORDS = 400

WORKER = r"""
import sys

path, reviewer, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
from screener.core.models import Stage, Verdict
from screener.store import open_store

store = open_store(path)
ids = [r.id for r in store.records()]
choices = [(Verdict.INCLUDE, (), None), (Verdict.EXCLUDE, ("E3",), "dose unclear"), (Verdict.MAYBE, (), None)]
sys.stdout.write("ready\n")
sys.stdout.flush()
i = start
while True:
    verdict, reasons, note = choices[i % 3]
    d = store.record_decision(ids[i % len(ids)], Stage.TITLE_ABSTRACT, reviewer, verdict, reasons, note)
    sys.stdout.write(f"committed {d.id}\n")  # only once the decision is committed
    sys.stdout.flush()
    i += 1
"""

COMMITTED = re.compile(r"^committed (\d+)$")


def _check(path: Path) -> tuple[str, set[int]]:
    conn = sqlite3.connect(path)
    try:
        integrity = "\n".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
        ids = {row[0] for row in conn.execute("SELECT id FROM decision")}
    finally:
        conn.close()
    return integrity, ids


def test_sigkill_loses_no_committed_decision(tmp_path: Path, protocol: Protocol):
    path = tmp_path / "review.db"
    store = open_store(path, create=True)
    store.init_review(protocol)
    store.add_source(
        SourceInput("PubMed", "pubmed.nbib", "d" * 64, "pubmed"),
        [
            BibRecord(position=i, title=f"Low-dose naltrexone, record {i}", abstract="word " * 200)
            for i in range(1, RECORDS + 1)
        ],
    )
    store.close()

    rng = random.Random(SEED)
    reported_all: set[int] = set()
    in_db_before: set[int] = set()
    per_round: list[int] = []
    t0 = time.perf_counter()
    for n in range(ROUNDS):
        reviewer = ("NA", "ZL")[n % 2]
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), reviewer, str(rng.randrange(RECORDS))],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stderr is not None
        ready = proc.stdout.readline().strip()
        if ready != "ready":
            proc.kill()
            pytest.fail(f"round {n}: worker did not start (said {ready!r}); stderr:\n{proc.stderr.read()}")
        time.sleep(rng.uniform(0.020, 0.300))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        rest, stderr = proc.stdout.read(), proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL, (
            f"round {n}: worker ended by itself ({proc.returncode}):\n{stderr}"
        )
        # A line cut short by the kill is not a report; only whole "committed <id>" lines count.
        reported = {int(m.group(1)) for line in rest.split("\n")[:-1] if (m := COMMITTED.match(line))}
        integrity, in_db = _check(path)
        assert integrity == "ok", f"round {n}: integrity_check after SIGKILL:\n{integrity}"
        missing = (reported_all | reported) - in_db
        assert not missing, f"round {n}: decisions reported as committed are missing: {sorted(missing)[:10]}"
        # At most the one decision committed but killed before it was printed is unreported.
        unreported = in_db - in_db_before - reported
        assert len(unreported) <= 1, f"round {n}: {len(unreported)} unreported rows appeared"
        reported_all |= reported
        in_db_before = in_db
        per_round.append(len(reported))

    rounds_with_writes = sum(1 for k in per_round if k)
    print(
        f"\n{ROUNDS} SIGKILLs in {time.perf_counter() - t0:.1f} s; decisions reported committed per round: "
        f"{per_round}; total {len(reported_all)} reported, {len(in_db_before)} in the database; "
        "integrity_check ok after every kill"
    )
    # Kills before the first commit of a round are fine too, but most should land while it writes.
    assert rounds_with_writes >= ROUNDS // 2, (
        f"only {rounds_with_writes} of {ROUNDS} rounds committed anything"
    )
