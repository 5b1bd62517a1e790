"""Screening while someone imports: how long a decision waits during a large import (issue 13, item 11).

Run: python benchmarks/import_lock.py [N [PG_URL]]   (default N = 100,000 records, RIS, SQLite;
     with PG_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test, a fresh PostgreSQL database
     is created beside that one and dropped afterwards)

Writes N generated records as RIS (the generator of ``import_speed.py``), creates a review
with a few records to screen, then runs ``screener import`` of the file in one process
while another process, acting as a reviewer, records a decision every 0.25 s, each its own
``record_decision`` call (one transaction, as the screening screen makes). Printed side by
side: the import's time (wall and CPU), and the decisions' commit times during it (median,
95th percentile, slowest, how many over 1 s). The baseline is the same decision loop with
no import running, in the same run. Target (issue 13): a decision commits within 1 s during
a 100,000-record import.

The import stages its records in short transactions and publishes them in one short
transaction (screener.store.importing); before that, it held SQLite's write lock for
its whole transaction and one decision waited 10.5 s at 100,000 records.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))

from import_speed import write_ris  # noqa: E402

from screener.core.models import BibRecord  # noqa: E402
from screener.core.protocol import load_protocol  # noqa: E402
from screener.paths import example_dir  # noqa: E402
from screener.store import SourceInput, open_store  # noqa: E402

REVIEWER = r"""
import json, os, sys, time
from screener.core.models import Stage, Verdict
from screener.store import open_store

db, stop, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
store = open_store(db)
store.record_decision(1, Stage.TITLE_ABSTRACT, "NA", Verdict.INCLUDE)  # warm
print("ready", flush=True)
waits = []
rid = 0
while not os.path.exists(stop):
    rid = rid % 200 + 1
    t = time.perf_counter()
    store.record_decision(rid, Stage.TITLE_ABSTRACT, "NA", Verdict.INCLUDE if rid % 2 else Verdict.EXCLUDE)
    waits.append(time.perf_counter() - t)
    time.sleep(0.25)
store.close()
with open(out_path, "w") as f:
    json.dump(waits, f)
"""


def decisions_while(
    db: str, work: list[str] | None, folder: Path, name: str
) -> tuple[list[float], float, float]:
    """Decision commit times while ``work`` runs (or for 5 s with no work); the work's wall and CPU time."""
    stop = folder / f"{name}.stop"
    out = folder / f"{name}.json"
    reviewer = subprocess.Popen(
        [sys.executable, "-c", REVIEWER, str(db), str(stop), str(out)], stdout=subprocess.PIPE, text=True
    )
    assert reviewer.stdout is not None and reviewer.stdout.readline().strip() == "ready"
    t0 = time.perf_counter()
    cpu0 = _children_cpu()
    if work is None:
        time.sleep(5.0)
    else:
        subprocess.run(
            work,
            check=True,
            stdout=subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items() if k != "SCREENER_DB"},
        )
    elapsed = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0  # the work's only: the reviewer is waited for below
    stop.touch()
    reviewer.wait(timeout=600)
    return json.loads(out.read_text()), elapsed, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def describe(waits: list[float]) -> str:
    ordered = sorted(waits)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    over = sum(w > 1.0 for w in waits)
    return (
        f"{len(waits)} decisions, median {statistics.median(waits) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, slowest {max(waits) * 1000:.0f} ms, {over} over 1 s"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    pg_admin = sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory(prefix="screener-lock-") as tmp:
        folder = Path(tmp)
        ris = folder / "big.ris"
        write_ris(ris, n)
        with _database(folder, pg_admin) as db:
            store = open_store(db, create=True)
            store.init_review(load_protocol(example_dir() / "protocol.toml"))
            store.add_source(
                SourceInput("PubMed", "screen.nbib", "0" * 64, "pubmed"),
                [BibRecord(position=i, title=f"Record {i} to screen") for i in range(1, 201)],
            )
            store.close()
            base, _, _ = decisions_while(db, None, folder, "baseline")
            during, import_s, import_cpu = decisions_while(
                db,
                [sys.executable, "-m", "screener", "--db", db, "import", str(ris), "--source", "Embase"],
                folder,
                "import",
            )
    backend = "PostgreSQL" if pg_admin else "SQLite"
    print(
        f"import of {n:,} RIS records into {backend}: {import_s:.1f} s wall, {import_cpu:.1f} s CPU "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    for label, waits in (("no import (baseline)", base), ("during the import", during)):
        print(f"decision commit, {label}: {describe(waits)}")
    print(f"target: slowest during the import <= 1000 ms: {'met' if max(during) <= 1.0 else 'NOT met'}")


@contextmanager
def _database(folder: Path, pg_admin: str | None) -> Iterator[str]:
    """An SQLite file in ``folder``, or a fresh PostgreSQL database beside ``pg_admin``'s (dropped after)."""
    if pg_admin is None:
        yield str(folder / "review.db")
        return
    admin = sa.create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    name = f"screener_bench_lock_{os.getpid()}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
