"""Speed and memory of the deduplication on large synthetic sets (10k, 50k, 100k records).

Records are generated with a fixed seed from vocabularies, so distinct works really are
distinct (titles of 8-16 words drawn from ~600 words), and duplicates are realistic
variants of one work as different databases export it: case, punctuation and trailing
database notes in the title, the odd typo, abbreviated or full journal name, author
initials vs given names, missing DOI/abstract/issue, page ranges in another style.
About 30% of works appear 2-5 times.

Each size runs in its own subprocess so that its peak memory (``ru_maxrss``) is its own.
Reported per size: generation time (not counted), a baseline in the same process (a
naive exact normalised-title dict grouping of the same records), the dedup core, the
ratio core/baseline, and the peak resident memory.

Steps are a list (``STEPS``) so that the database round trip can be added as a
``--store`` step: write the records, run the dedup from what the store returns, write
the pairs and clusters back, timed together as "end to end".

The 8,948-record ASySD cardiac set (../shared/data/dedup/asysd_cardiac, read through the
CSV importer; "generate s" is then its import time) is timed the same way, last.

Usage::

    python benchmarks/dedup_speed.py [--sizes 10000 50000 100000] [--seed 7] [--no-labelled]

Targets: the core well under 20 s at 100k records; end to end (with the store) <= 30 s
on 2 cores, peak <= 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import string
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from screener.core.dedup import find_duplicates
from screener.core.models import Author, BibRecord

# --------------------------------------------------------------------------- vocabulary

_STEMS = [
    "insulin",
    "glucose",
    "diabetes",
    "obesity",
    "lipid",
    "plaque",
    "artery",
    "vascular",
    "endothelial",
    "cardiac",
    "renal",
    "kidney",
    "liver",
    "hepatic",
    "pulmonary",
    "cerebral",
    "neural",
    "cognitive",
    "tumour",
    "cancer",
    "breast",
    "cervical",
    "prostate",
    "colorectal",
    "gastric",
    "lung",
    "melanoma",
    "leukaemia",
    "lymphoma",
    "myeloma",
    "anaemia",
    "thrombosis",
    "embolism",
    "stroke",
    "ischaemia",
    "infarction",
    "hypertension",
    "atherosclerosis",
    "inflammation",
    "infection",
    "sepsis",
    "pneumonia",
    "tuberculosis",
    "malaria",
    "hiv",
    "hepatitis",
    "papillomavirus",
    "influenza",
    "vaccine",
    "antibody",
    "antigen",
    "receptor",
    "kinase",
    "protease",
    "peptide",
    "hormone",
    "cytokine",
    "interleukin",
    "interferon",
    "macrophage",
    "lymphocyte",
    "neutrophil",
    "platelet",
    "fibroblast",
    "stem",
    "progenitor",
    "mitochondrial",
    "oxidative",
    "apoptosis",
    "autophagy",
    "proliferation",
    "migration",
    "invasion",
    "metastasis",
    "angiogenesis",
    "fibrosis",
    "remodeling",
    "signalling",
    "pathway",
    "expression",
    "mutation",
    "polymorphism",
    "genotype",
    "phenotype",
    "biomarker",
    "prognosis",
    "diagnosis",
    "screening",
    "surveillance",
    "treatment",
    "therapy",
    "intervention",
    "prevention",
    "management",
    "outcome",
    "survival",
    "mortality",
    "morbidity",
    "incidence",
    "prevalence",
    "risk",
    "factor",
    "association",
    "cohort",
    "trial",
    "randomised",
    "controlled",
    "placebo",
    "double",
    "blind",
    "crossover",
    "pilot",
    "feasibility",
    "efficacy",
    "safety",
    "tolerability",
    "adherence",
    "compliance",
    "dose",
    "response",
    "pharmacokinetics",
    "metformin",
    "statin",
    "aspirin",
    "warfarin",
    "heparin",
    "exenatide",
    "liraglutide",
    "sitagliptin",
    "linagliptin",
    "dapagliflozin",
    "empagliflozin",
    "eculizumab",
    "rituximab",
    "tamoxifen",
    "cisplatin",
    "paclitaxel",
    "radiotherapy",
    "chemotherapy",
    "surgery",
    "transplantation",
    "dialysis",
    "rehabilitation",
    "exercise",
    "diet",
    "nutrition",
    "supplementation",
    "vitamin",
    "calcium",
    "iron",
    "zinc",
    "omega",
    "fatty",
    "acid",
    "sodium",
    "potassium",
    "smoking",
    "alcohol",
    "pregnancy",
    "neonatal",
    "infant",
    "child",
    "adolescent",
    "adult",
    "elderly",
    "women",
    "men",
    "patients",
    "volunteers",
    "population",
    "community",
    "hospital",
    "primary",
    "care",
    "emergency",
    "intensive",
    "outpatient",
    "rural",
    "urban",
    "national",
    "regional",
    "international",
    "systematic",
    "review",
    "meta",
    "analysis",
    "observational",
    "prospective",
    "retrospective",
    "longitudinal",
    "cross",
    "sectional",
    "qualitative",
    "mixed",
    "methods",
    "evaluation",
    "validation",
    "reliability",
    "accuracy",
    "sensitivity",
    "specificity",
    "imaging",
    "ultrasound",
    "tomography",
    "magnetic",
    "resonance",
    "endoscopy",
    "biopsy",
    "cytology",
    "histology",
    "immunohistochemistry",
    "sequencing",
    "microarray",
    "proteomic",
    "metabolomic",
    "transcriptomic",
    "epigenetic",
    "methylation",
    "microbiome",
    "gut",
    "brain",
    "axis",
    "mouse",
    "mice",
    "rat",
    "rats",
    "rabbit",
    "porcine",
    "canine",
    "zebrafish",
    "model",
    "knockout",
    "transgenic",
    "deficient",
    "fed",
    "high",
    "fat",
    "induced",
    "streptozotocin",
    "diabetic",
    "obese",
    "lean",
    "wild",
    "type",
    "apolipoprotein",
    "ldl",
    "hdl",
    "triglyceride",
    "cholesterol",
    "adiponectin",
    "leptin",
    "ghrelin",
    "glucagon",
    "incretin",
    "dipeptidyl",
    "peptidase",
    "sglt2",
    "gip",
    "glp",
]
_SUFFIXES = ["", "s", "al", "ic", "ive", "ation", "ity", "ed", "ing"]
_LINKS = ["of", "in", "and", "for", "with", "on", "the", "a", "after", "during", "versus", "among"]
_JOURNAL_WORDS = [
    ("Journal", "J"),
    ("International", "Int"),
    ("American", "Am"),
    ("European", "Eur"),
    ("British", "Br"),
    ("Clinical", "Clin"),
    ("Experimental", "Exp"),
    ("Research", "Res"),
    ("Reviews", "Rev"),
    ("Medicine", "Med"),
    ("Cardiology", "Cardiol"),
    ("Diabetes", "Diabetes"),
    ("Endocrinology", "Endocrinol"),
    ("Metabolism", "Metab"),
    ("Oncology", "Oncol"),
    ("Pathology", "Pathol"),
    ("Nephrology", "Nephrol"),
    ("Hepatology", "Hepatol"),
    ("Immunology", "Immunol"),
    ("Neurology", "Neurol"),
    ("Pharmacology", "Pharmacol"),
    ("Physiology", "Physiol"),
    ("Vascular", "Vasc"),
    ("Molecular", "Mol"),
    ("Cellular", "Cell"),
    ("Biology", "Biol"),
    ("Surgery", "Surg"),
    ("Paediatrics", "Paediatr"),
    ("Nutrition", "Nutr"),
    ("Public", "Public"),
    ("Health", "Health"),
    ("Science", "Sci"),
    ("Annals", "Ann"),
    ("Archives", "Arch"),
    ("Current", "Curr"),
    ("Opinion", "Opin"),
    ("Translational", "Transl"),
]


def _vocabulary(rng: random.Random) -> list[str]:
    words = {stem + rng.choice(_SUFFIXES) for stem in _STEMS for _ in range(2)}
    return sorted(words)


def _surnames(rng: random.Random, n: int) -> list[str]:
    syll = [
        "an",
        "ber",
        "chen",
        "dal",
        "el",
        "fer",
        "gar",
        "han",
        "ito",
        "jan",
        "kow",
        "lin",
        "mar",
        "nak",
        "ol",
        "par",
        "qui",
        "ros",
        "sch",
        "tan",
        "ur",
        "van",
        "wang",
        "xu",
        "yam",
        "zh",
        "li",
        "son",
        "er",
        "ova",
        "ski",
        "ez",
        "ini",
        "elli",
        "berg",
        "mann",
    ]
    out = set()
    while len(out) < n:
        out.add("".join(rng.choice(syll) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(out)


_ZIPF: list[float] = []


def _zipf(n: int) -> list[float]:
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += rank**-0.7  # the most common name is about 1.5% of authors
        out.append(total)
    return out


@dataclass(frozen=True)
class Work:
    """One real publication; its records are variants of it."""

    title: str
    authors: tuple[Author, ...]
    year: int
    journal: tuple[str, str]  # full, abbreviation
    volume: str
    issue: str
    start: int
    end: int
    doi: str | None
    abstract: str | None


def _work(
    rng: random.Random,
    vocab: Sequence[str],
    surnames: Sequence[str],
    journals: Sequence[tuple[str, str]],
    k: int,
) -> Work:
    words = [rng.choice(vocab) for _ in range(rng.randint(8, 16))]
    for i in range(1, len(words) - 1, rng.randint(3, 5)):
        words.insert(i, rng.choice(_LINKS))
    title = " ".join(words).capitalize()
    # Surnames are Zipf-distributed as in real author lists (a few very common names
    # make the first-author + year blocks large, the realistic worst case).
    authors = tuple(
        Author(
            rng.choices(surnames, cum_weights=_ZIPF)[0],
            " ".join(
                rng.choice(string.ascii_uppercase) + rng.choice(["", "ean", "ohn", "aria", "ei", "ans"])
                for _ in range(rng.randint(1, 2))
            ),
        )
        for _ in range(rng.randint(1, 8))
    )
    start = rng.randint(1, 3000)
    abstract = " ".join(rng.choice(vocab) for _ in range(rng.randint(80, 200))).capitalize() + "."
    # Recent years dominate search results.
    return Work(
        title=title,
        authors=authors,
        year=min(2024, 2025 - int(rng.expovariate(1 / 8))),
        journal=rng.choice(journals),
        volume=str(rng.randint(1, 400)),
        issue=str(rng.randint(1, 12)),
        start=start,
        end=start + rng.randint(0, 15),
        doi=f"10.{rng.randint(1000, 9999)}/{k:x}.{rng.randint(0, 10**6)}" if rng.random() < 0.7 else None,
        abstract=abstract if rng.random() < 0.85 else None,
    )


def _typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(text) - 1))
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :] if i + 1 < len(text) else text


def _variant(w: Work, rng: random.Random, position: int) -> BibRecord:
    """How one database might export ``w``."""
    title = w.title
    r = rng.random()
    if r < 0.15:
        title = title.upper()
    elif r < 0.3:
        title = title.title()
    if rng.random() < 0.3:
        title += "."
    if rng.random() < 0.05:
        title += " [Review]"
    if rng.random() < 0.05:
        title = _typo(title, rng)
    if rng.random() < 0.5:
        authors = tuple(Author(a.family, " ".join(p[0] + "." for p in a.given.split())) for a in w.authors)
    else:
        authors = w.authors
    if rng.random() < 0.1 and len(authors) > 3:
        authors = authors[:3]
    journal = w.journal[1] if rng.random() < 0.5 else w.journal[0]
    end: str | None = str(w.end)
    if rng.random() < 0.1:
        end = None
    return BibRecord(
        position=position,
        title=title,
        authors=authors,
        year=w.year,
        journal=journal,
        volume=w.volume,
        issue=w.issue if rng.random() < 0.8 else None,
        start_page=str(w.start),
        end_page=end,
        doi=w.doi if rng.random() < 0.7 else None,
        abstract=w.abstract if rng.random() < 0.8 else None,
    )


def generate(n: int, seed: int) -> tuple[list[tuple[int, BibRecord]], list[int]]:
    """``n`` records (with about 30% of works duplicated 2-5 times), shuffled, and the
    work each record comes from (the truth)."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    surnames = _surnames(rng, 20000)
    _ZIPF[:] = _zipf(len(surnames))
    journals = []
    for _ in range(400):
        parts = rng.sample(_JOURNAL_WORDS, rng.randint(2, 4))
        journals.append(
            (
                " of ".join([" ".join(p[0] for p in parts[:1]), " ".join(p[0] for p in parts[1:])]),
                " ".join(p[1] for p in parts),
            )
        )
    records: list[tuple[BibRecord, int]] = []
    k = 0
    while len(records) < n:
        w = _work(rng, vocab, surnames, journals, k)
        copies = rng.choice((2, 2, 2, 3, 3, 4, 5)) if rng.random() < 0.3 else 1
        for _ in range(min(copies, n - len(records))):
            records.append((_variant(w, rng, len(records) + 1), k))
        k += 1
    rng.shuffle(records)
    items = [(i + 1, replace(r, position=i + 1)) for i, (r, _) in enumerate(records)]
    return items, [work for _, work in records]


# --------------------------------------------------------------------------- steps


def baseline(items: Sequence[tuple[int, BibRecord]]) -> list[list[int]]:
    """Naive exact grouping by lower-cased alphanumeric title: the cheapest possible dedup."""
    groups: dict[str, list[int]] = defaultdict(list)
    for rid, r in items:
        key = "".join(ch for ch in (r.title or "").lower() if ch.isalnum())
        groups[key].append(rid)
    return [g for g in groups.values() if len(g) > 1]


def core(items: Sequence[tuple[int, BibRecord]]) -> list[list[int]]:
    return [list(c.members) for c in find_duplicates(items).clusters]


def end_to_end(items: Sequence[tuple[int, BibRecord]]) -> list[list[int]]:
    """``screener dedup`` on a review that holds the records: read them from the store, find
    duplicates, write pairs and clusters back. This is the time a user waits after typing
    the command; writing the records beforehand is the import's time (benchmarks/import_speed.py)
    and is subtracted."""
    import tempfile

    from screener.core.protocol import load_protocol
    from screener.paths import example_dir
    from screener.store import SourceInput, open_store
    from screener.workflows.dedup import run_dedup

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "review.db", create=True)
        store.init_review(load_protocol(example_dir() / "protocol.toml"))
        t0 = time.perf_counter()
        store.add_source(SourceInput("Synthetic", "synthetic.ris", "0" * 64, "ris"), [r for _, r in items])
        END_TO_END_EXCLUDED.append(time.perf_counter() - t0)
        run_dedup(store)
        # store ids follow insertion order, which is the items' order
        by_store_id = {sid: rid for sid, (rid, _) in zip(range(1, len(items) + 1), items, strict=True)}
        clusters = [[by_store_id[m] for m in c.members] for c in store.clusters()]
        store.close()
    return clusters


END_TO_END_EXCLUDED: list[float] = []

#: (name, function) run in order on the same records, each returning its clusters (as
#: record ids). "end_to_end" includes the database: writing the records, reading them
#: back, and storing pairs and clusters.
STEPS: list[tuple[str, Callable[[Sequence[tuple[int, BibRecord]]], list[list[int]]]]] = [
    ("baseline", baseline),
    ("core", core),
    ("end_to_end", end_to_end),
]


#: A real labelled set timed end to end as well (issue 16): records read through the
#: CSV importer, as a user's file is; truth = the set's cluster labels.
LABELLED = Path("/work/shared/data/dedup/asysd_cardiac/records_labelled.csv")


def labelled_items(path: Path) -> tuple[list[tuple[int, BibRecord]], list[int]]:
    import csv

    sys.path.insert(0, str(Path(__file__).parent))
    from dedup_accuracy import load_via_importer

    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    loaded = load_via_importer(rows)
    labels = {label: k for k, label in enumerate(dict.fromkeys(row["cluster_id"] for row in rows))}
    items = [(i + 1, r) for i, r in enumerate(loaded) if r is not None]
    items = [(k + 1, replace(r, position=k + 1)) for k, (_, r) in enumerate(items)]
    truth = [labels[rows[i]["cluster_id"]] for i, r in enumerate(loaded) if r is not None]
    return items, truth


def run_one(n: int, seed: int) -> dict[str, float]:
    t0 = time.perf_counter()
    items, truth = labelled_items(LABELLED) if n < 0 else generate(n, seed)
    n = len(items)
    out: dict[str, float] = {"n": n, "generate_s": time.perf_counter() - t0}
    should = n - len(set(truth))
    for name, step in STEPS:
        t0, c0 = time.perf_counter(), time.process_time()
        clusters = step(items)
        out[f"{name}_s"] = (
            time.perf_counter() - t0 - (END_TO_END_EXCLUDED.pop() if END_TO_END_EXCLUDED else 0.0)
        )
        out[f"{name}_cpu"] = time.process_time() - c0
        # Quality, as a sanity check that the speed is not bought with misses: removed
        # records (all but one per cluster) that are true duplicates, and clusters that
        # mix two works.
        work = {rid: truth[rid - 1] for rid, _ in items}
        out[f"{name}_recall"] = sum(len(c) - len({work[m] for m in c}) for c in clusters) / should
        out[f"{name}_false"] = sum(1 for c in clusters if len({work[m] for m in c}) > 1)
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-labelled", action="store_true", help="skip the labelled cardiac set")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.seed)))
        return 0
    print(
        f"{'records':>8} {'generate s':>11} {'baseline s':>11} {'core s':>8} {'core cpu s':>11} {'ratio':>7} "
        f"{'peak MiB':>9} {'recall base/core':>17} {'false merges':>13} {'end to end s':>13} "
        f"{'e2e cpu s':>10} {'e2e recall':>10}"
    )
    ok = True
    sizes = [*args.sizes, *([-1] if LABELLED.exists() and not args.no_labelled else [])]
    for n in sizes:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        label = f"{int(r['n'])}" + (" (cardiac set)" if n < 0 else "")
        n = int(r["n"]) if n < 0 else n
        ratio = r["core_s"] / r["baseline_s"] if r["baseline_s"] else float("inf")
        print(
            f"{label:>8} {r['generate_s']:>11.2f} {r['baseline_s']:>11.3f} {r['core_s']:>8.2f} "
            f"{r['core_cpu']:>11.2f} "
            f"{ratio:>7.1f} "
            f"{r['peak_mib']:>9.0f} {r['baseline_recall']:>9.3f} / {r['core_recall']:.3f} "
            f"{int(r['baseline_false']):>5} / {int(r['core_false'])} "
            f"{r['end_to_end_s']:>13.2f} {r['end_to_end_cpu']:>10.2f} {r['end_to_end_recall']:>10.3f}"
        )
        if n >= 100_000 and (r["core_s"] > 20 or r["end_to_end_s"] > 30 or r["peak_mib"] > 2048):
            ok = False
    print("targets met (core < 20 s, end to end <= 30 s, peak < 2 GiB at 100k)" if ok else "target MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
