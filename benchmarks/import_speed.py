"""Import speed: 100,000 RIS records and 100,000 BibTeX entries into a fresh SQLite review.

Run: python benchmarks/import_speed.py [N [REPEAT]]

Generates realistic records (titles, 2-8 authors with accented names, journals, pages,
DOIs, keywords, ~1,200-character abstracts) with a fixed seed, writes them as one RIS
and one BibTeX file, and prints, in one process:

* the time `rispy.load` / `bibtexparser.parse_string` alone take to parse each file
  (the baseline), and
* the time `screener import` takes for the same file into a fresh SQLite review
  (reading, encoding detection, parsing, normalising, and one transaction),

with their ratio, each pair run REPEAT times (default 3; the median run by ratio is
reported, all ratios shown: the machines are noisy), and the peak memory of each import and of each baseline, each measured
in a fresh child process (the same process's peak would be the largest of everything run
before). Targets: RIS <= 2.0x rispy, BibTeX <= 1.3x bibtexparser, peak <= 1 GiB.

``python benchmarks/import_speed.py --peak KIND FILE`` is the child: it runs one import
(KIND ``import``) or one baseline (``rispy``, ``bibtexparser``) and prints its peak in MiB.
"""

from __future__ import annotations

import gc
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bibtexparser
import rispy

from screener.core.protocol import load_protocol
from screener.importing import ImportOptions, import_file
from screener.paths import example_dir
from screener.store import open_store

WORDS = ("low dose naltrexone fibromyalgia chronic pain randomised controlled trial microglia cytokine "
         "opioid receptor antagonist placebo crossover women sleep fatigue quality of life systematic "
         "review meta-analysis cohort inflammation central sensitisation analgesic efficacy safety").split()
SURNAMES = ["Younger", "Häuser", "Rodríguez-Pintó", "Kučić", "Martínez-Lavín", "Bruun-Plesner", "O'Kelly",
            "Müller", "Nørgaard", "Smith", "Chen", "García", "Šverko", "Lambert", "Jackson", "Parkitny"]
JOURNALS = [("Pain Medicine", "Pain Med"), ("Clinical Rheumatology", "Clin Rheumatol"),
            ("Arthritis & Rheumatology", "Arthritis Rheumatol"), ("Journal of Pain Research", "J Pain Res")]


def records(n: int, seed: int = 11):
    rng = random.Random(seed)
    for k in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize()
        authors = [(rng.choice(SURNAMES), f"{rng.choice('ABCDEFGHJKLMN')}{rng.choice('ABCDE')}")
                   for _ in range(rng.randint(2, 8))]
        journal, abbrev = rng.choice(JOURNALS)
        start = rng.randint(1, 2000)
        abstract = " ".join(rng.choice(WORDS) for _ in range(180)).capitalize() + "."
        yield dict(k=k, title=title, authors=authors, journal=journal, abbrev=abbrev, year=rng.randint(1990, 2024),
                   volume=rng.randint(1, 60), issue=rng.randint(1, 12), start=start, end=start + rng.randint(3, 15),
                   doi=f"10.{rng.randint(1000, 9999)}/bench.{k}", keywords=rng.sample(WORDS, 4), abstract=abstract)


def write_ris(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records(n):
            fh.write("TY  - JOUR\n")
            fh.write(f"ID  - {r['k']}\n")
            fh.write(f"T1  - {r['title']}\n")
            for fam, giv in r["authors"]:
                fh.write(f"A1  - {fam}, {giv}\n")
            fh.write(f"Y1  - {r['year']}\nJF  - {r['journal']}\nJA  - {r['abbrev']}\nVL  - {r['volume']}\n"
                     f"IS  - {r['issue']}\nSP  - {r['start']}\nEP  - {r['end']}\nDO  - {r['doi']}\n")
            for kw in r["keywords"]:
                fh.write(f"KW  - {kw}\n")
            fh.write(f"N2  - {r['abstract']}\nDB  - Embase\nER  - \n\n")


def write_bib(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records(n):
            authors = " and ".join(f"{fam}, {giv}" for fam, giv in r["authors"])
            fh.write(f"@article{{key{r['k']},\n  author = {{{authors}}},\n  title = {{{r['title']}}},\n"
                     f"  journal = {{{r['journal']}}},\n  year = {{{r['year']}}},\n  volume = {{{r['volume']}}},\n"
                     f"  number = {{{r['issue']}}},\n  pages = {{{r['start']}--{r['end']}}},\n"
                     f"  doi = {{{r['doi']}}},\n  keywords = {{{', '.join(r['keywords'])}}},\n"
                     f"  abstract = {{{r['abstract']}}}\n}}\n\n")


def timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def peak_child(kind: str, path: Path) -> float:
    """Peak resident memory (MiB) of one import or baseline run in a fresh interpreter."""
    out = subprocess.run([sys.executable, __file__, "--peak", kind, str(path)], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.split()[-1])


def run_peak(kind: str, path: Path) -> None:
    if kind == "rispy":
        rispy.load(path, encoding="utf-8")
    elif kind == "bibtexparser":
        bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    else:
        store = open_store(path.with_name(path.name + ".peak.db"), create=True)
        store.init_review(load_protocol(example_dir() / "protocol.toml"))
        import_file(store, path, ImportOptions(source="Benchmark"))
        store.close()
    print(f"{peak_mib():.0f}")


def peak_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries
    ru_maxrss over an exec, so a child would report its (large) parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    if sys.argv[1:2] == ["--peak"]:
        run_peak(sys.argv[2], Path(sys.argv[3]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        ris, bib = tmpdir / "bench.ris", tmpdir / "bench.bib"
        write_ris(ris, n)
        write_bib(bib, n)
        os.sync()  # the 400 MB just written must not be flushed to disk during a timed import's own fsyncs
        print(f"{n:,} records: RIS file {ris.stat().st_size / 1e6:.0f} MB, BibTeX file {bib.stat().st_size / 1e6:.0f} MB")
        protocol = load_protocol(example_dir() / "protocol.toml")
        rows = []
        for fmt, path, baseline_name, baseline in (
            ("RIS", ris, "rispy.load", lambda: rispy.load(ris, encoding="utf-8")),
            ("BibTeX", bib, "bibtexparser.parse_string",
             lambda: bibtexparser.parse_string(bib.read_text(encoding="utf-8"))),
        ):
            pairs = []
            for run in range(repeat):
                base_s, parsed = timed(baseline)
                count = len(parsed) if isinstance(parsed, list) else len(parsed.entries)  # type: ignore[arg-type]
                # The baseline's result (millions of objects) must not stay alive during the import: every
                # garbage collection would walk it, and the import would pay for the baseline's memory.
                del parsed
                gc.collect()
                store = open_store(tmpdir / f"{fmt}{run}.db", create=True)
                store.init_review(protocol)
                ours_s, _ = timed(lambda: import_file(store, path, ImportOptions(source="Benchmark")))
                assert store.record_count() == n == count, (store.record_count(), n, count)
                store.close()
                pairs.append((ours_s / base_s, base_s, ours_s))
            rows.append((fmt, baseline_name, sorted(pairs)))
        for fmt, name, pairs in rows:
            target = 2.0 if fmt == "RIS" else 1.3
            ratio, base_s, ours_s = pairs[len(pairs) // 2]  # the median run (by ratio)
            verdict = "ok" if ratio <= target else "MISSED"
            spread = f"  (runs: {', '.join(f'{r:.2f}x' for r, _, _ in pairs)})" if len(pairs) > 1 else ""
            print(f"{fmt:<7} {name} {base_s:6.1f} s   screener import into SQLite {ours_s:6.1f} s   "
                  f"ratio {ratio:4.2f}x (target <= {target}x) {verdict}{spread}")
        for fmt, path, baseline in (("RIS", ris, "rispy"), ("BibTeX", bib, "bibtexparser")):
            ours, base = peak_child("import", path), peak_child(baseline, path)
            verdict = "ok" if ours <= 1024 else "MISSED"
            print(f"{fmt:<7} peak memory: screener import {ours:,.0f} MiB (target <= 1024 MiB) {verdict}; "
                  f"{baseline} alone {base:,.0f} MiB")

if __name__ == "__main__":
    main()
