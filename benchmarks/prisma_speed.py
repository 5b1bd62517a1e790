"""How long the PRISMA 2020 counts take on a 100,000-record review with dual decisions.

Run: python benchmarks/prisma_speed.py [N]

Builds a review in a temporary SQLite file: N records from three databases, both
reviewers' title/abstract decisions on every record (about 10 % included, a few
conflicts resolved), full-text decisions on the included ones, some reports not
retrieved. Then times `compute_flow` (every box, by query) against a baseline in the same
process: one `SELECT count(*)` per table the flow reads. Target: <= 100 ms.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from screener.core.models import BibRecord, Stage, Verdict
from screener.core.prisma import check
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import SourceInput, open_store
from screener.workflows.prisma import compute_flow

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def build(path: Path, n: int) -> None:
    rng = random.Random(7)
    store = open_store(path, create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    per = n // 3
    for i, name in enumerate(("PubMed", "Embase", "CINAHL")):
        count = per if i < 2 else n - 2 * per
        store.add_source(
            SourceInput(name, f"{name}.ris", f"{i:064d}", "ris"),
            [BibRecord(position=k, title=f"Record {i}-{k}", year=2000 + k % 25) for k in range(count)],
        )
    decisions = []
    included = []
    for rid in range(1, n + 1):
        inc = rng.random() < 0.1
        for reviewer in ("NA", "ZL"):
            flip = rng.random() < 0.02
            verdict = Verdict.INCLUDE if inc != flip else Verdict.EXCLUDE
            decisions.append(
                (rid, TA, reviewer, verdict, () if verdict is Verdict.INCLUDE else ("E1",), None)
            )
        if inc:
            included.append(rid)
    store.record_decisions(decisions)
    for rid in list(store.conflicts(TA)) if not store.is_blind(TA) else []:
        store.record_resolution(rid, TA, Verdict.INCLUDE, "NA", "consensus")
    ft = []
    for rid in store.stage_pool(FT):
        if rng.random() < 0.03:
            store.set_retrieval(rid, "not-retrieved", reason="not available")
            continue
        reason = rng.choice(["E1", "E2", "E3", "E5"])
        out = rng.random() < 0.6
        for reviewer in ("NA", "ZL"):
            ft.append(
                (
                    rid,
                    FT,
                    reviewer,
                    Verdict.EXCLUDE if out else Verdict.INCLUDE,
                    (reason,) if out else (),
                    None,
                )
            )
    store.record_decisions(ft)
    store.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "review.db"
        t0 = time.perf_counter()
        build(path, n)
        print(f"built a {n:,}-record review with dual decisions in {time.perf_counter() - t0:.1f} s")
        store = open_store(path)
        flows, bases = [], []
        for _ in range(5):
            t = time.perf_counter()
            flow = compute_flow(store)
            flows.append(time.perf_counter() - t)
            t = time.perf_counter()
            with store.engine.connect() as conn:
                for table in ("source", "record", "decision", "resolution", "retrieval", "dup_member"):
                    conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            bases.append(time.perf_counter() - t)
        c = flow.counts
        print(
            f"counts: identified {c.identified:,}, screened {c.records_screened:,}, "
            f"excluded {c.records_excluded:,}, "
            f"sought {c.reports_sought:,}, assessed {c.reports_assessed:,}, included {c.new_reports:,}; "
            f"check: {check(c) or 'all add up'}"
        )
        flow_ms, base_ms = statistics.median(flows) * 1000, statistics.median(bases) * 1000
        print(
            f"compute_flow median {flow_ms:.0f} ms (target <= 100 ms); "
            f"baseline count(*) x6 {base_ms:.1f} ms; "
            f"ratio {flow_ms / base_ms:.1f}x"
        )
        store.close()


if __name__ == "__main__":
    main()
