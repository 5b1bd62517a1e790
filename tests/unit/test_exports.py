"""Every file under ../shared/data/exports imports with the right number of records and database.

One line per file in :data:`EXPORTS`: a new export is one more line. The expected count is
counted independently of screener's readers, by the format's own record markers
(:func:`_marker_count`: ``TY  -`` lines, ``PMID-`` lines, ``<PubmedArticle>`` elements, rows
of a tab or CSV file, ...), and the table's number must equal that count too. The
Zotero translator cases in ``zotero_oracle/`` are covered field by field by
test_zotero_oracle.py.

Files of formats whose reader is not built yet are expected to fail (strict=False).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import pytest

from screener.importers import read_file

EXPORTS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "exports"

#: Marker kinds whose reader is not built yet: their files are xfail.
NOT_BUILT: set[str] = set()

# path -> (marker kind, expected records, {database: records})
EXPORTS: dict[str, tuple[str, int, dict[str | None, int]]] = {
    "ebsco/synthesisr_ASP_academic_search_premier.ris": ("ris", 4, {"Academic Search Premier": 4}),
    "embase/asreview_embase.csv": ("csv", 6, {"Embase": 6}),
    "embase/asreview_embase.ris": ("ris", 6, {"Embase": 6}),  # 3 of them also name "DB - Medline"
    "endnote_xml/reflib_blue-light_endnote.xml": ("endnote-xml", 102, {None: 102}),  # a library: no database
    "endnote_xml/reflib_blue-light_endnote_export.ris": ("ris", 102, {None: 102}),
    "ovid/jabref_OvidImporterTest4_ovid_labelled_display.txt": ("ovid-labelled", 1, {"Journals@Ovid": 1}),
    # D= of each record's L2 link: 105 cctr (CENTRAL), the rest Ovid MEDLINE segments
    # (med1-8, medc, medl, medp, prem)
    "ovid/mckeown_mir_Ovid_search_results_1_to_1000.ris": (
        "ovid-ris",
        1000,
        {"MEDLINE": 895, "CENTRAL": 105},
    ),
    "pubmed/reflib_blue-light.nbib": ("pubmed", 80, {"PubMed": 80}),
    "pubmed/synthesisr_PubMed_example.txt": ("pubmed", 3, {"PubMed": 3}),
    "pubmed_xml/jabref_MedlineImporterTestMathML.xml": ("pubmed-xml", 1, {"PubMed": 1}),
    "scopus/litsearchr_borealis_scopus.csv": ("csv", 137, {"Scopus": 137}),
    "scopus/litsearchr_scopus_final.bib": ("bibtex", 1115, {"Scopus": 1115}),
    "scopus/litstudy_scopus.csv": ("csv", 58, {"Scopus": 58}),
    "scopus/synthesisr_Scopus_bib_example.bib": ("bibtex", 3, {"Scopus": 3}),
    "scopus/synthesisr_Scopus_ris_example.ris": ("ris", 3, {"Scopus": 3}),
    "springer/litstudy_springerlink_search.csv": ("csv", 1000, {"SpringerLink": 1000}),
    "web_of_science/litsearchr_WoS_corecollection_first150.bib": ("bibtex", 150, {"Web of Science": 150}),
    # An "All Databases" export: UT WOS: x3, MEDLINE: x1.
    "web_of_science/synthesisr_WoS_txt_example.txt": ("wos", 4, {"Web of Science": 3, "MEDLINE": 1}),
    "web_of_science_tab/litsearchr_WoS_MEDLINE_tabdelim_mac.txt": ("wos-tab", 73, {"MEDLINE": 73}),
    "web_of_science_tab/litsearchr_WoS_corecollection_tabdelim_mac.txt": (
        "wos-tab", 163, {"Web of Science": 163}
    ),
}  # fmt: skip

_MARKERS = {
    "ris": re.compile(r"^TY  -", re.MULTILINE),
    "ovid-ris": re.compile(r"^TY  -", re.MULTILINE),
    "pubmed": re.compile(r"^PMID-", re.MULTILINE),
    "wos": re.compile(r"^ER\s*$", re.MULTILINE),
    "bibtex": re.compile(r"^@(?!string|comment|preamble)[a-z]+\s*[{(]", re.MULTILINE | re.IGNORECASE),
    "endnote-xml": re.compile(r"<record>"),
    "pubmed-xml": re.compile(r"<(?:PubmedArticle|PubmedBookArticle|MedlineCitation)[\s>]"),
    "ovid-labelled": re.compile(r"^<\d+>\s*$", re.MULTILINE),
    "ovid-tagged": re.compile(r"^<\d+\. >", re.MULTILINE),
}


def _marker_count(path: Path, kind: str) -> int:
    """Records in a file, counted by its format's record markers (not by screener)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig")
    if kind == "pubmed-xml":
        # A MedlineCitation inside a PubmedArticle is the same record.
        return len(_MARKERS[kind].findall(text)) - text.count("<PubmedArticle>") * (
            "<MedlineCitation" in text
        )
    if kind in ("csv", "wos-tab"):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if kind == "wos-tab":  # not CSV-quoted: one record per non-empty line after the header
            return sum(1 for ln in text.split("\n")[1:] if ln.strip())
        return sum(1 for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)) - 1
    return len(_MARKERS[kind].findall(text))


def _params():
    out = []
    for name, (kind, count, dbs) in sorted(EXPORTS.items()):
        marks = [pytest.mark.xfail(reason="reader not built yet", strict=False)] if kind in NOT_BUILT else []
        out.append(pytest.param(name, kind, count, dbs, id=name, marks=marks))
    return out


def test_every_export_is_listed(shared_dir):
    root = shared_dir / "data" / "exports"
    present = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != "README.md" and "zotero_oracle" not in p.parts
    }
    assert present - set(EXPORTS) == set(), "exports with no line in EXPORTS"


@pytest.mark.parametrize(("name", "kind", "count", "databases"), _params())
def test_export_imports(shared_dir, name, kind, count, databases):
    path = shared_dir / "data" / "exports" / name
    if not path.exists():
        pytest.skip(f"{name} is not in ../shared")
    assert _marker_count(path, kind) == count, "the table's count is not the file's"
    assert sum(databases.values()) == count
    parsed = read_file(path)
    assert parsed.unusable == []
    assert len(parsed.records) == count
    assert [r.position for r in parsed.records] == list(range(1, count + 1))
    # A file of several databases is stored as one source per database (records naming none: --source).
    named = parsed.databases if len(parsed.databases) > 1 else {}
    by_database = dict(named) or {parsed.database: len(parsed.records)}
    if named and sum(named.values()) < count:
        by_database[None] = count - sum(named.values())
    assert by_database == databases
