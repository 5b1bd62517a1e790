"""Import speed: 100,000 records as RIS, BibTeX, MEDLINE (.nbib), PubMed XML and WoS tab-delimited.

Run: python benchmarks/import_speed.py [N [REPEAT [FORMAT,...]]]
(FORMAT: RIS, BibTeX, MEDLINE, PubMedXML, WoSTab)

Generates realistic records (titles, 2-8 authors with accented names, journals, pages,
DOIs, keywords, ~1,200-character abstracts) with a fixed seed, writes them in each format,
and prints, in one process:

* the time a plain parse alone takes for each file (the baseline): `rispy.load`,
  `bibtexparser.parse_string`, a minimal tag-line parse for MEDLINE (split lines, group
  by tag), `xml.etree.ElementTree.iterparse` clearing each article for PubMed XML, and
  the `csv` module (tab, no quoting) for WoS tab-delimited; and
* the time `screener import` takes for the same file into a fresh SQLite review
  (reading, encoding detection, parsing, normalising, and one transaction),

with their ratio, each pair run REPEAT times (default 3; the median run by ratio is
reported, all ratios shown: the machines are noisy), and the peak memory of each import
and of each baseline, each measured in a fresh child process (the same process's peak would
be the largest of everything run before). Targets: RIS <= 2.5x rispy, BibTeX <= 1.3x
bibtexparser, peak <= 1 GiB each; the MEDLINE, PubMed XML and WoS tab ratios are reported
without a target.

``python benchmarks/import_speed.py --peak KIND FILE`` is the child: it runs one import
(KIND ``import``) or one baseline (a FORMAT name) and prints its peak in MiB.
"""

from __future__ import annotations

import csv
import gc
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

import bibtexparser
import rispy

from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import open_store
from screener.workflows.importing import ImportOptions, import_file

WORDS = [
    "low",
    "dose",
    "naltrexone",
    "fibromyalgia",
    "chronic",
    "pain",
    "randomised",
    "controlled",
    "trial",
    "microglia",
    "cytokine",
    "opioid",
    "receptor",
    "antagonist",
    "placebo",
    "crossover",
    "women",
    "sleep",
    "fatigue",
    "quality",
    "of",
    "life",
    "systematic",
    "review",
    "meta-analysis",
    "cohort",
    "inflammation",
    "central",
    "sensitisation",
    "analgesic",
    "efficacy",
    "safety",
]
SURNAMES = [
    "Younger",
    "Häuser",
    "Rodríguez-Pintó",
    "Kučić",
    "Martínez-Lavín",
    "Bruun-Plesner",
    "O'Kelly",
    "Müller",
    "Nørgaard",
    "Smith",
    "Chen",
    "García",
    "Šverko",
    "Lambert",
    "Jackson",
    "Parkitny",
]
JOURNALS = [
    ("Pain Medicine", "Pain Med"),
    ("Clinical Rheumatology", "Clin Rheumatol"),
    ("Arthritis & Rheumatology", "Arthritis Rheumatol"),
    ("Journal of Pain Research", "J Pain Res"),
]


def records(n: int, seed: int = 11):
    rng = random.Random(seed)
    for k in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize()
        authors = [
            (rng.choice(SURNAMES), f"{rng.choice('ABCDEFGHJKLMN')}{rng.choice('ABCDE')}")
            for _ in range(rng.randint(2, 8))
        ]
        journal, abbrev = rng.choice(JOURNALS)
        start = rng.randint(1, 2000)
        abstract = " ".join(rng.choice(WORDS) for _ in range(180)).capitalize() + "."
        yield dict(
            k=k,
            title=title,
            authors=authors,
            journal=journal,
            abbrev=abbrev,
            year=rng.randint(1990, 2024),
            volume=rng.randint(1, 60),
            issue=rng.randint(1, 12),
            start=start,
            end=start + rng.randint(3, 15),
            doi=f"10.{rng.randint(1000, 9999)}/bench.{k}",
            keywords=rng.sample(WORDS, 4),
            abstract=abstract,
        )


def write_ris(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records(n):
            fh.write("TY  - JOUR\n")
            fh.write(f"ID  - {r['k']}\n")
            fh.write(f"T1  - {r['title']}\n")
            for fam, giv in r["authors"]:
                fh.write(f"A1  - {fam}, {giv}\n")
            fh.write(
                f"Y1  - {r['year']}\nJF  - {r['journal']}\nJA  - {r['abbrev']}\nVL  - {r['volume']}\n"
                f"IS  - {r['issue']}\nSP  - {r['start']}\nEP  - {r['end']}\nDO  - {r['doi']}\n"
            )
            for kw in r["keywords"]:
                fh.write(f"KW  - {kw}\n")
            fh.write(f"N2  - {r['abstract']}\nDB  - Embase\nER  - \n\n")


def write_bib(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records(n):
            authors = " and ".join(f"{fam}, {giv}" for fam, giv in r["authors"])
            fh.write(
                f"@article{{key{r['k']},\n  author = {{{authors}}},\n  title = {{{r['title']}}},\n"
                f"  journal = {{{r['journal']}}},\n  year = {{{r['year']}}},\n  volume = {{{r['volume']}}},\n"
                f"  number = {{{r['issue']}}},\n  pages = {{{r['start']}--{r['end']}}},\n"
                f"  doi = {{{r['doi']}}},\n  keywords = {{{', '.join(r['keywords'])}}},\n"
                f"  abstract = {{{r['abstract']}}}\n}}\n\n"
            )


def write_nbib(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records(n):
            fh.write(f"PMID- {30000000 + r['k']}\nOWN - NLM\nSTAT- MEDLINE\nDP  - {r['year']} Mar\n")
            fh.write(f"TI  - {wrap(r['title'])}\n")
            fh.write(f"PG  - {r['start']}-{r['end']}\nLID - {r['doi']} [doi]\nAB  - {wrap(r['abstract'])}\n")
            for fam, giv in r["authors"]:
                fh.write(f"FAU - {fam}, {giv}\nAU  - {fam} {giv}\n")
            fh.write(
                f"LA  - eng\nPT  - Journal Article\nTA  - {r['abbrev']}\nJT  - {r['journal']}\n"
                f"VI  - {r['volume']}\nIP  - {r['issue']}\nIS  - 1526-4637 (Electronic)\n"
            )
            for kw in r["keywords"]:
                fh.write(f"OT  - {kw}\n")
            fh.write("\n")


def wrap(text: str, width: int = 82) -> str:
    """MEDLINE's continuation lines: six spaces, about 80 characters a line."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) >= width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n      ".join(lines)


def write_pubmed_xml(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            '<?xml version="1.0" ?>\n'
            '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January '
            '2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n<PubmedArticleSet>\n'
        )
        for r in records(n):
            pmid = 30000000 + r["k"]
            authors = "".join(
                f'<Author ValidYN="Y"><LastName>{escape(fam)}</LastName><ForeName>{giv}</ForeName>'
                f"<Initials>{giv}</Initials></Author>"
                for fam, giv in r["authors"]
            )
            keywords = "".join(f'<Keyword MajorTopicYN="N">{kw}</Keyword>' for kw in r["keywords"])
            fh.write(
                '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
                f'<PMID Version="1">{pmid}</PMID>'
                f'<Article PubModel="Print"><Journal><ISSN IssnType="Print">1526-2375</ISSN>'
                f'<JournalIssue CitedMedium="Print"><Volume>{r["volume"]}</Volume><Issue>{r["issue"]}</Issue>'
                f"<PubDate><Year>{r['year']}</Year><Month>Mar</Month></PubDate></JournalIssue>"
                f"<Title>{escape(r['journal'])}</Title><ISOAbbreviation>{escape(r['abbrev'])}</ISOAbbreviation></Journal>"
                f"<ArticleTitle>{r['title']}</ArticleTitle><Pagination><MedlinePgn>{r['start']}-{r['end']}</MedlinePgn>"
                f'</Pagination><ELocationID EIdType="doi" ValidYN="Y">{r["doi"]}</ELocationID>'
                f'<Abstract><AbstractText Label="BACKGROUND">{r["abstract"][:300]}</AbstractText>'
                f'<AbstractText Label="RESULTS">{r["abstract"][300:]}</AbstractText></Abstract>'
                f'<AuthorList CompleteYN="Y">{authors}</AuthorList><Language>eng</Language>'
                "<PublicationTypeList>"
                '<PublicationType UI="D016428">Journal Article</PublicationType>'
                "</PublicationTypeList></Article>"
                f"<MedlineJournalInfo><MedlineTA>{escape(r['abbrev'])}</MedlineTA></MedlineJournalInfo>"
                f'<KeywordList Owner="NOTNLM">{keywords}</KeywordList></MedlineCitation>'
                f'<PubmedData><ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId>'
                f'<ArticleId IdType="doi">{r["doi"]}</ArticleId></ArticleIdList></PubmedData>'
                "</PubmedArticle>\n"
            )
        fh.write("</PubmedArticleSet>\n")


WOS_TAGS = (
    "PT",
    "AU",
    "AF",
    "TI",
    "SO",
    "LA",
    "DT",
    "DE",
    "AB",
    "SN",
    "J9",
    "JI",
    "PY",
    "VL",
    "IS",
    "BP",
    "EP",
    "DI",
    "UT",
)


def write_wos_tab(path: Path, n: int) -> None:
    # "Mac, UTF-8": CR line ends, a BOM, one tab more at the end of each row.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        fh.write("\t".join(WOS_TAGS) + "\r")
        for r in records(n):
            row = (
                "J",
                "; ".join(f"{fam}, {giv}" for fam, giv in r["authors"]),
                "; ".join(f"{fam}, {giv}" for fam, giv in r["authors"]),
                r["title"],
                r["journal"].upper(),
                "English",
                "Article",
                "; ".join(r["keywords"]),
                r["abstract"],
                "1526-2375",
                r["abbrev"].upper(),
                r["abbrev"],
                str(r["year"]),
                str(r["volume"]),
                str(r["issue"]),
                str(r["start"]),
                str(r["end"]),
                r["doi"],
                f"WOS:{r['k']:015d}",
            )
            fh.write("\t".join(row) + "\t\r")


def medline_baseline(path: Path) -> list[dict[str, list[str]]]:
    """A minimal MEDLINE parse: records split on blank lines, lines grouped by tag."""
    out: list[dict[str, list[str]]] = []
    rec: dict[str, list[str]] = {}
    last = ""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                if rec:
                    out.append(rec)
                    rec = {}
                continue
            if line[0] == " ":
                rec[last][-1] += " " + line.strip()
                continue
            last = line[:4].rstrip()
            rec.setdefault(last, []).append(line[6:].rstrip("\n"))
    if rec:
        out.append(rec)
    return out


def iterparse_baseline(path: Path) -> int:
    """ElementTree's incremental parse, each article cleared once read."""
    n = 0
    for _event, elem in ET.iterparse(path, events=("end",)):
        if elem.tag == "PubmedArticle":
            n += 1
            elem.clear()
    return n


def csv_tab_baseline(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        text = fh.read().replace("\r", "\n")
    return list(csv.reader(text.split("\n")[1:-1], delimiter="\t", quoting=csv.QUOTE_NONE))


# format -> (file name, writer, baseline name, baseline(path) -> parsed, target ratio or None)
FORMATS = {
    "RIS": ("bench.ris", write_ris, "rispy.load", lambda p: rispy.load(p, encoding="utf-8"), 2.5),
    "BibTeX": (
        "bench.bib",
        write_bib,
        "bibtexparser.parse_string",
        lambda p: bibtexparser.parse_string(p.read_text(encoding="utf-8")),
        1.3,
    ),
    "MEDLINE": ("bench.nbib", write_nbib, "tag-line parse", medline_baseline, None),
    "PubMedXML": ("bench.xml", write_pubmed_xml, "ElementTree.iterparse", iterparse_baseline, None),
    "WoSTab": ("bench_wos.txt", write_wos_tab, "csv.reader (tab)", csv_tab_baseline, None),
}


def count_of(parsed: object) -> int:
    if isinstance(parsed, int):
        return parsed
    if isinstance(parsed, list):
        return len(parsed)
    return len(parsed.entries)  # type: ignore[attr-defined]


def timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def peak_child(kind: str, path: Path) -> float:
    """Peak resident memory (MiB) of one import or baseline run in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, __file__, "--peak", kind, str(path)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.split()[-1])


def run_peak(kind: str, path: Path) -> None:
    if kind in FORMATS:
        FORMATS[kind][3](path)
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
    chosen = sys.argv[3].split(",") if len(sys.argv) > 3 else list(FORMATS)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        files = {}
        for fmt in chosen:
            name, write, *_ = FORMATS[fmt]
            files[fmt] = tmpdir / name
            write(files[fmt], n)
        os.sync()  # the files just written must not be flushed to disk during a timed import's own fsyncs
        print(
            f"{n:,} records: "
            + ", ".join(f"{fmt} {p.stat().st_size / 1e6:.0f} MB" for fmt, p in files.items())
        )
        protocol = load_protocol(example_dir() / "protocol.toml")
        rows = []
        for fmt, path in files.items():
            _name, _write, baseline_name, baseline, target = FORMATS[fmt]
            pairs = []
            for run in range(repeat):
                base_s, parsed = timed(lambda: baseline(path))  # noqa: B023
                count = count_of(parsed)
                # The baseline's result (millions of objects) must not stay alive during the import: every
                # garbage collection would walk it, and the import would pay for the baseline's memory.
                del parsed
                gc.collect()
                store = open_store(tmpdir / f"{fmt}{run}.db", create=True)
                store.init_review(protocol)
                ours_s, _ = timed(lambda: import_file(store, path, ImportOptions(source="Benchmark")))  # noqa: B023
                assert store.record_count() == n == count, (fmt, store.record_count(), n, count)
                store.close()
                pairs.append((ours_s / base_s, base_s, ours_s))
            rows.append((fmt, baseline_name, target, sorted(pairs)))
        for fmt, name, target, pairs in rows:
            ratio, base_s, ours_s = pairs[len(pairs) // 2]  # the median run (by ratio)
            verdict = ("ok" if ratio <= target else "MISSED") if target else "(no target)"
            goal = f"target <= {target}x" if target else "reported"
            spread = f"  (runs: {', '.join(f'{r:.2f}x' for r, _, _ in pairs)})" if len(pairs) > 1 else ""
            print(
                f"{fmt:<9} {name} {base_s:6.1f} s   screener import into SQLite {ours_s:6.1f} s   "
                f"ratio {ratio:4.2f}x ({goal}) {verdict}{spread}"
            )
        for fmt, path in files.items():
            ours, base = peak_child("import", path), peak_child(fmt, path)
            verdict = "ok" if ours <= 1024 else "MISSED"
            print(
                f"{fmt:<9} peak memory: screener import {ours:,.0f} MiB (target <= 1024 MiB) {verdict}; "
                f"{FORMATS[fmt][2]} alone {base:,.0f} MiB"
            )


if __name__ == "__main__":
    main()
