"""Quality and speed of the relevance ranker on labelled screening sets.

For each set in ../shared/data/screening/ (every CSV with a ``label_included`` column) and
each seed: shuffles the rows (seeded), picks one included and one excluded row at random as
the prior, runs ``screener rank simulate`` on the shuffled file exactly as a user would
(a subprocess, with RANK_EVAL_PRIOR_IDX="rel,irr"), and scores the order it wrote:

* WSS@95: work saved over sampling at 95% recall (Cohen 2006), in % of the records;
* RRF@10: % of the included records found after screening 10% of the records;
* all found: records screened until the last included record was found;
* time: wall time of the command (reading the file, features, every retraining), and its CPU time
  (on a shared, loaded machine the CPU time is the steadier figure).

Beside it, in the same process: random order (the same shuffles, the same priors first),
which is what screening without a ranker amounts to. ASReview's default model
(TF-IDF 1-2-grams + linear SVM, max query, balanced) measured on this machine: Kitchenham
WSS@95 67.4%, PTSD 90.2% (1 include + 1 exclude prior, mean of 3 seeds).

Usage::

    python benchmarks/rank_quality.py [--seeds 0 1 2] [--data DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from screener.core.ranking import rrf, screened_to_find_all, wss

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "screening"
ASREVIEW = {"Kitchenham_2010": 67.4, "van_de_Schoot_2018": 90.2}
LABEL = "label_included"


def _shuffled(src: Path, dest: Path, seed: int) -> list[bool]:
    """Write ``src`` with its rows shuffled; the labels in the new order."""
    csv.field_size_limit(1 << 30)
    with src.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    random.Random(seed).shuffle(rows)
    with dest.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    col = header.index(LABEL)
    return [r[col].strip() == "1" for r in rows]


def _prior(labels: list[bool], seed: int) -> tuple[int, int]:
    rng = random.Random(seed + 1000)
    return (
        rng.choice([i for i, v in enumerate(labels) if v]),
        rng.choice([i for i, v in enumerate(labels) if not v]),
    )


def _scores(order: list[int], labels: list[bool]) -> tuple[float, float, int]:
    return 100 * wss(order, labels), 100 * rrf(order, labels), screened_to_find_all(order, labels)


def run(path: Path, seeds: list[int], tmp: Path) -> None:
    ours: list[tuple[float, float, int]] = []
    rand: list[tuple[float, float, int]] = []
    times: list[float] = []
    cpus: list[float] = []
    n = n_inc = 0
    for seed in seeds:
        data = tmp / f"{path.stem}-{seed}.csv"
        out = tmp / f"{path.stem}-{seed}.order"
        labels = _shuffled(path, data, seed)
        n, n_inc = len(labels), sum(labels)
        rel, irr = _prior(labels, seed)
        env = {**os.environ, "RANK_EVAL_PRIOR_IDX": f"{rel},{irr}"}
        start = time.perf_counter()
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "screener",
                "rank",
                "simulate",
                str(data),
                "--label-column",
                LABEL,
                "--seed",
                str(seed),
                "--out",
                str(out),
            ],
            env=env,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime)
        order = [int(line) for line in out.read_text().split()]
        assert sorted(order) == list(range(n)), "the order must list every row once"
        ours.append(_scores(order, labels))
        rest = [i for i in range(n) if i not in (rel, irr)]
        random.Random(seed + 2000).shuffle(rest)
        rand.append(_scores([rel, irr, *rest], labels))

    def mean(rows: list[tuple[float, float, int]], k: int) -> float:
        return statistics.mean(r[k] for r in rows)

    ref = ASREVIEW.get(path.stem)
    print(f"{path.stem}: {n} records, {n_inc} included, seeds {seeds}; load average {os.getloadavg()[0]:.1f}")
    print(
        f"  ranker : WSS@95 {mean(ours, 0):5.1f}%  RRF@10 {mean(ours, 1):5.1f}%  all found after "
        f"{mean(ours, 2):6.0f}  time {statistics.mean(times):5.1f} s "
        f"(CPU {statistics.mean(cpus):.1f} s)  (WSS per seed: "
        f"{', '.join(f'{r[0]:.1f}' for r in ours)})"
    )
    print(
        f"  random : WSS@95 {mean(rand, 0):5.1f}%  RRF@10 {mean(rand, 1):5.1f}%  all found after "
        f"{mean(rand, 2):6.0f}"
    )
    if ref is not None:
        verdict = "met" if mean(ours, 0) >= ref else "MISSED"
        print(f"  ASReview default WSS@95 {ref:.1f}%: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    files = sorted(args.data.glob("*/*.csv"))
    if not files:
        sys.exit(f"no labelled sets under {args.data}")
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            run(path, args.seeds, Path(tmp))


if __name__ == "__main__":
    main()
