"""The seed review's flow, rebuilt through the public functions, gives every PRISMA box.

Aitchison et al. searched PubMed, CINAHL and Embase (376 records), screened titles and
abstracts with two reviewers, assessed 57 full texts and included 21. The records here
are synthetic (the seed does not list its 376 records) but travel the real path: export
files are written, imported, deduplicated, screened by two reviewers with disagreements
resolved, and counted.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from screener.core.models import Stage, Verdict
from screener.core.prisma import check, to_template_csv
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import open_store
from screener.workflows.dedup import run_dedup
from screener.workflows.importing import ImportOptions, import_file
from screener.workflows.prisma import compute_flow

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
WORDS = [
    "naltrexone",
    "fibromyalgia",
    "pain",
    "dose",
    "opioid",
    "glial",
    "microglia",
    "inflammation",
    "trial",
    "cohort",
    "sleep",
    "fatigue",
    "cytokine",
    "antagonist",
    "receptor",
    "central",
    "sensitisation",
    "analgesia",
    "placebo",
    "crossover",
    "pilot",
    "women",
    "chronic",
    "widespread",
    "syndrome",
    "therapy",
    "outcome",
    "quality",
    "life",
    "depression",
    "anxiety",
    "cognitive",
    "symptom",
    "severity",
]
SURNAMES = [
    "Younger",
    "Parkitny",
    "Bruun",
    "Jackson",
    "Toljan",
    "Bostick",
    "Trofimovitch",
    "Siembida",
    "Ramanathan",
    "Martinez",
    "Hauser",
    "Wolfe",
    "Guymer",
    "Maffei",
    "Chinn",
    "Traynor",
    "Lo",
    "Rodriguez",
    "Panerai",
    "Kucic",
    "Cabanas",
    "Kelly",
    "Ursini",
    "Colomer",
]


def _studies(n: int) -> list[dict]:
    rng = random.Random(2022)
    out, seen = [], set()
    while len(out) < n:
        title = " ".join(rng.sample(WORDS, 8)).capitalize()
        if title in seen:
            continue
        seen.add(title)
        k = len(out)
        out.append(
            dict(
                title=title,
                authors=[(rng.choice(SURNAMES), "AB"[k % 2] + "C") for _ in range(3)],
                year=2000 + k % 23,
                journal="Pain Medicine",
                abbrev="Pain Med",
                volume=str(k % 40 + 1),
                issue=str(k % 12 + 1),
                start=str(100 + k),
                end=str(108 + k),
                doi=f"10.9999/seed.{k:04d}",
            )
        )
    return out


def _nbib(studies: list[dict]) -> str:
    entries = []
    for k, s in studies:
        lines = [
            f"PMID- {31000000 + k}",
            f"DP  - {s['year']}",
            f"TI  - {s['title']}.",
            f"PG  - {s['start']}-{s['end']}",
            f"LID - {s['doi']} [doi]",
            f"VI  - {s['volume']}",
            f"IP  - {s['issue']}",
        ]
        lines += [f"AU  - {fam} {giv}" for fam, giv in s["authors"]]
        lines += [f"TA  - {s['abbrev']}", f"JT  - {s['journal']}"]
        entries.append("\n".join(lines))
    return "\n\n".join(entries) + "\n"


def _ris(studies: list[dict], db: str, with_doi: bool) -> str:
    entries = []
    for k, s in studies:
        lines = [
            "TY  - JOUR",
            f"TI  - {s['title'].title() if db == 'CINAHL' else s['title']}",
            *[f"AU  - {fam}, {giv[0]}." for fam, giv in s["authors"]],
            f"PY  - {s['year']}",
            f"JF  - {s['journal']}",
            f"VL  - {s['volume']}",
            f"IS  - {s['issue']}",
            f"SP  - {s['start']}",
            f"EP  - {s['end']}",
            f"DB  - {db}",
        ]
        if with_doi or k % 3:
            lines.append(f"DO  - {s['doi']}")
        entries.append("\n".join(lines) + "\nER  - ")
    return "\n".join(entries) + "\n"


def test_seed_flow_every_box(tmp_path: Path):
    studies = list(enumerate(_studies(279)))
    files = {
        "pubmed.nbib": ("PubMed", _nbib(studies[0:150])),
        "cinahl.ris": ("CINAHL", _ris(studies[90:150], "CINAHL", with_doi=False)),
        "embase.ris": ("Embase", _ris(studies[113:279], "Embase", with_doi=True)),
    }
    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    for name, (db, text) in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        import_file(store, tmp_path / name, ImportOptions(source=db, searched="2022-05-16"))
    summary = run_dedup(store)
    assert summary.removed == 97 and summary.queue == 0

    rng = random.Random(57)
    pool = store.stage_pool(TA)
    assert len(pool) == 279
    sought = set(rng.sample(pool, 57))
    for i, rid in enumerate(pool):
        agree = Verdict.INCLUDE if rid in sought else Verdict.EXCLUDE
        store.record_decision(rid, TA, "NA", agree, () if rid in sought else ("E1",))
        other = (
            agree
            if i % 10
            else (Verdict.MAYBE if i % 20 else Verdict("exclude" if agree is Verdict.INCLUDE else "include"))
        )
        store.record_decision(rid, TA, "ZL", other, ("E3",) if other is Verdict.EXCLUDE else ())
    conflicts = store.conflicts(TA)  # both finished: the stage unblinds itself
    assert len(conflicts) == 28
    for rid in conflicts:
        store.record_resolution(
            rid,
            TA,
            Verdict.INCLUDE if rid in sought else Verdict.EXCLUDE,
            "NA",
            "consensus",
            note="resolved through discussion",
        )
    ft_pool = store.stage_pool(FT)
    assert sorted(ft_pool) == sorted(sought)
    reasons = ["E1"] * 14 + ["E2"] * 8 + ["E3"] * 6 + ["E5"] * 5 + ["E6"] * 3 + [None] * 21
    for j, (rid, reason) in enumerate(zip(ft_pool, reasons, strict=True)):
        for reviewer in ("NA", "ZL"):
            given = reason if reviewer == "NA" or j % 7 else "E4"  # a few disagree on the reason
            store.record_decision(
                rid, FT, reviewer, Verdict.EXCLUDE if reason else Verdict.INCLUDE, (given,) if reason else ()
            )
        if reason and j % 7 == 0:
            store.record_resolution(rid, FT, Verdict.EXCLUDE, "NA", "consensus", (reason,))
    assert store.conflicts(FT) == []

    c = compute_flow(store).counts
    assert dict(c.databases) == {"PubMed": 150, "CINAHL": 60, "Embase": 166} and c.identified == 376
    assert (c.duplicates, c.removed_automation, c.removed_other) == (97, 0, 0)
    assert (c.records_screened, c.records_excluded_human, c.records_excluded_automation) == (279, 222, 0)
    assert (c.reports_sought, c.reports_not_retrieved, c.reports_assessed, c.reports_excluded) == (
        57,
        0,
        57,
        36,
    )
    assert dict(c.reports_excluded_reasons) == {
        "Review articles with limited content on either LDN or FM": 14,
        "Conference papers or abstracts": 8,
        "FM but limited content on LDN": 6,
        "Commentary or expert opinion": 5,
        "Naltrexone (50 mg) not LDN": 3,
    }
    assert (c.new_studies, c.new_reports, c.undecided_records, c.undecided_reports) == (21, 21, 0, 0)
    assert not c.has_other_methods
    assert check(c) == []
    rows = {r["data"]: r["n"] for r in csv.DictReader(io.StringIO(to_template_csv(c)))}
    assert rows["database_specific_results"] == "PubMed, 150; CINAHL, 60; Embase, 166"
    assert (rows["duplicates"], rows["records_screened"], rows["records_excluded"]) == ("97", "279", "222")
    assert (rows["dbr_assessed"], rows["new_studies"], rows["new_reports"]) == ("57", "21", "21")
    assert rows["dbr_excluded"].startswith("Review articles with limited content on either LDN or FM, 14; ")
    assert len(store.box_ids("included") or []) == 21
    store.close()
