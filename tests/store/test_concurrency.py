"""Two reviewers' processes writing decisions into one review at the same time.

Each worker is a separate OS process (``python -c`` with the worker below) acting as one
reviewer of the example protocol. Both open the store, say "ready", wait for a flag file
the test creates once both are ready, then write 5,000 decisions each at full speed,
every decision its own ``record_decision`` call and so its own transaction. Afterwards
every decision is in the database exactly once and neither process saw an error.

Run with ``-s`` to see the elapsed time and the throughput.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from screener.core.models import BibRecord, Stage
from screener.core.protocol import Protocol
from screener.store import SourceInput, open_store
from screener.store.engine import sqlite_path

pytestmark = pytest.mark.slow

PER_REVIEWER = 5_000
TIMEOUT_S = 600

WORKER = r"""
import json, os, sys, time, traceback

url, reviewer, go, order = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
out = {"reviewer": reviewer, "ids": [], "waits": [], "errors": [], "elapsed": None}
try:
    from screener.core.models import Stage, Verdict
    from screener.store import open_store

    store = open_store(url)
    record_ids = [r.id for r in store.records()]
    if order == "desc":
        record_ids.reverse()
    choices = [(Verdict.INCLUDE, ()), (Verdict.EXCLUDE, ("E2",)), (Verdict.MAYBE, ())]
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.0005)
    t0 = time.perf_counter()
    for i, rid in enumerate(record_ids):
        verdict, reasons = choices[i % 3]
        try:
            t = time.perf_counter()
            d = store.record_decision(rid, Stage.TITLE_ABSTRACT, reviewer, verdict, reasons)
            out["waits"].append(time.perf_counter() - t)
            out["ids"].append(d.id)
        except Exception:
            out["errors"].append(traceback.format_exc())
            if len(out["errors"]) >= 10:
                break
    out["elapsed"] = time.perf_counter() - t0
    store.close()
except BaseException:
    out["errors"].append(traceback.format_exc())
print("result " + json.dumps(out), flush=True)
"""


def _start(url: str, reviewer: str, go: Path, order: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, reviewer, str(go), order],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(proc: subprocess.Popen[str], reviewer: str) -> dict:
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"worker {reviewer} did not finish within {TIMEOUT_S} s; stderr:\n{stderr}")
    lines = [ln for ln in stdout.splitlines() if ln.startswith("result ")]
    assert proc.returncode == 0 and lines, f"worker {reviewer} exited {proc.returncode}; stderr:\n{stderr}"
    return json.loads(lines[-1].removeprefix("result "))


def test_two_reviewers_write_at_once(db_url: str, protocol: Protocol, tmp_path: Path):
    store = open_store(db_url, create=True)
    store.init_review(protocol)
    records = [
        BibRecord(position=i, title=f"Record {i}: low-dose naltrexone in fibromyalgia", year=2000 + i % 25)
        for i in range(1, PER_REVIEWER + 1)
    ]
    store.add_source(SourceInput("PubMed", "pubmed.nbib", "c" * 64, "pubmed"), records)
    record_ids = {r.id for r in store.records()}
    if sqlite_path(store.url) is not None:
        with store.engine.connect() as conn:  # the settings the workers write with: no weakened durability
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    store.close()

    go = tmp_path / "go"
    workers = {
        "NA": _start(db_url, "NA", go, "asc", tmp_path),
        "ZL": _start(db_url, "ZL", go, "desc", tmp_path),
    }
    for reviewer, proc in workers.items():
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if line != "ready":
            _, stderr = proc.communicate(timeout=TIMEOUT_S)
            for other in workers.values():
                if other.poll() is None:
                    other.kill()
            pytest.fail(f"worker {reviewer} did not get ready (said {line!r}); stderr:\n{stderr}")
    t0 = time.perf_counter()
    go.touch()
    results = {reviewer: _result(proc, reviewer) for reviewer, proc in workers.items()}
    elapsed = time.perf_counter() - t0

    errors = {reviewer: r["errors"] for reviewer, r in results.items() if r["errors"]}
    assert not errors, "workers saw errors:\n" + "\n".join(
        f"--- {rv}:\n" + "\n".join(e) for rv, e in errors.items()
    )

    store = open_store(db_url)
    try:
        log = store.decision_log(Stage.TITLE_ABSTRACT)
        with store.engine.connect() as conn:
            counts = dict(
                conn.execute(sa.text("SELECT reviewer, count(*) FROM decision GROUP BY reviewer")).all()
            )
    finally:
        store.close()
    assert counts == {"NA": PER_REVIEWER, "ZL": PER_REVIEWER}
    assert len(log) == 2 * PER_REVIEWER
    by_id = {d.id: d for d in log}
    for reviewer, r in results.items():
        ids = r["ids"]
        assert len(ids) == len(set(ids)) == PER_REVIEWER
        missing = [i for i in ids if i not in by_id]
        assert not missing, f"{reviewer}: {len(missing)} committed decisions missing, e.g. {missing[:5]}"
        assert all(by_id[i].reviewer == reviewer for i in ids)
        assert {by_id[i].record_id for i in ids} == record_ids  # every record decided once by each reviewer
    assert not set(results["NA"]["ids"]) & set(results["ZL"]["ids"])

    # How interleaved the two writers were (in commit order): 1 switch would mean one ran after the other.
    order = [d.reviewer for d in log]
    switches = sum(1 for a, b in itertools.pairwise(order) if a != b)
    backend = "postgresql" if "://" in db_url else "sqlite"
    total = 2 * PER_REVIEWER
    print(
        f"\n[{backend}] {total} decisions by 2 processes in {elapsed:.1f} s = "
        f"{total / elapsed:.0f} decisions/s; "
        f"writer switches in commit order: {switches}"
    )
    for rv, r in results.items():
        waits = sorted(r["waits"])
        print(
            f"  {rv}: {r['elapsed']:.1f} s ({PER_REVIEWER / r['elapsed']:.0f}/s); record_decision latency "
            f"median {_ms(waits, 0.5)}, p99 {_ms(waits, 0.99)}, max {waits[-1] * 1000:.0f} ms"
        )
    assert switches >= 3, "the two writers did not run concurrently (one wrote everything before the other)"


def _ms(sorted_values: list[float], q: float) -> str:
    return f"{sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] * 1000:.1f} ms"
