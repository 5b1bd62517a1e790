"""Importers on small hand-written files: formats, dialects, encodings, bad input."""

from __future__ import annotations

import codecs
import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.core.models import Author
from screener.importers import FORMATS, ImportFileError, ParsedFile, Unusable, detect_format, read_file

RIS = """TY  - JOUR
AU  - Häuser, W.
AU  - Rodríguez-Pintó, I.
TI  - Low-dose naltrexone for fibromyalgia
T2  - Pain Medicine
J2  - Pain Med
PY  - 2013
VL  - 14
IS  - 10
SP  - 1069
EP  - 74
DO  - https://doi.org/10.1111/PME.12172
AB  - An abstract.
KW  - fibromyalgia
KW  - naltrexone
ID  - 17
ER  - 

TY  - JOUR
TI  - Second record
PY  - 2020 Apr
ER  - 
"""

PUBMED = """PMID- 23841578
OWN - NLM
DP  - 2013 Oct
TI  - Low-dose naltrexone for the treatment of fibromyalgia: findings of a small,
      randomized, double-blind, placebo-controlled study.
PG  - 1069-74
LID - 10.1111/pme.12172 [doi]
AB  - Objective: an abstract.
FAU - Younger, Jarred W
AU  - Younger JW
FAU - Kučić, Nina
AU  - Kučić N
LA  - eng
PT  - Journal Article
PT  - Randomized Controlled Trial
JT  - Pain medicine (Malden, Mass.)
TA  - Pain Med
VI  - 14
IP  - 10
IS  - 1526-4637 (Electronic)
IS  - 1526-2375 (Linking)
MH  - *Fibromyalgia/drug therapy
OT  - low-dose naltrexone
PMC - PMC3818298

PMID- 11111111
TI  - Another one.
DP  - 2001
"""

BIB = r"""@string{pm = "Pain Medicine"}

@article{younger2013,
  author = {Younger, Jarred W. and Noor, N. and McCue, R. and Mackey, Sean},
  title = {Low-dose naltrexone for the treatment of {F}ibromyalgia: {\"U}ber~alles},
  journal = pm,
  year = {2013},
  volume = {14},
  number = {10},
  pages = {1069--74},
  doi = {10.1111/pme.12172},
  keywords = {fibromyalgia; naltrexone},
}

@article{younger2013,
  title = "Duplicate key, kept",
  author = {Doe, Jane and Roe, R.},
  journal = pm,
  year = 2014,
}
"""

ENDNOTE_XML = """<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><rec-number>42</rec-number>
<ref-type name="Journal Article">17</ref-type><contributors><authors><author>
<style face="normal">Younger, J. W.</style></author></authors></contributors><titles><title>
<style face="normal">Low-dose </style><style face="italic">naltrexone</style></title>
<secondary-title><style>Pain Med</style></secondary-title></titles><periodical>
<full-title><style>Pain Med</style></full-title><abbr-1><style>Pain medicine</style></abbr-1></periodical>
<pages><style>1069-74</style></pages><volume><style>14</style></volume>
<dates><year><style>2013</style></year></dates><electronic-resource-num><style>10.1111/pme.12172</style></electronic-resource-num>
<accession-num><style>23841578</style></accession-num><remote-database-provider><style>NLM</style></remote-database-provider>
</record>
<record><rec-number>43</rec-number><titles><title>Second</title></titles></record></records></xml>
"""

WOS = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Younger, JW
   Mackey, S
AF Younger, Jarred W.
   Mackey, Sean
TI Low-dose naltrexone for the treatment of
   fibromyalgia
SO PAIN MEDICINE
JI Pain Med.
DE fibromyalgia; naltrexone;
   opioid
PY 2013
VL 14
IS 10
BP 1069
EP 1074
DI 10.1111/pme.12172
PM 23841578
UT WOS:000325510600016
ER

EF
"""

CSV = """Authors,Title,Year,Source title,Volume,Issue,Page start,Page end,DOI,EID
"Younger J.W., Mackey S.",Low-dose naltrexone,2013,Pain Medicine,14,10,1069,1074,10.1111/pme.12172,2-s2.0-1
"Kučić N.","A title, with a comma",2014,J X,1,,e5,,,2-s2.0-2
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- formats and fields -----------------------------------------------------------


def test_ris_fields(tmp_path):
    pf = read_file(write(tmp_path, "a.ris", RIS))
    assert (pf.format, pf.encoding, len(pf.records), pf.unusable) == ("ris", "utf-8", 2, [])
    r = pf.records[0]
    assert r.authors == (Author("Häuser", "W."), Author("Rodríguez-Pintó", "I."))
    assert (r.title, r.journal, r.journal_abbrev, r.year) == (
        "Low-dose naltrexone for fibromyalgia",
        "Pain Medicine",
        "Pain Med",
        2013,
    )
    assert (r.volume, r.issue, r.start_page, r.end_page, r.pages) == (
        "14",
        "10",
        "1069",
        "1074",
        "1069\u20131074",
    )
    assert (r.doi, r.source_id, r.keywords) == ("10.1111/pme.12172", "17", ("fibromyalgia", "naltrexone"))
    assert (r.position, r.line, r.publication_type) == (1, 1, "Journal Article")
    assert r.raw.startswith("TY  - JOUR") and r.raw.endswith("ER  - ")
    assert (pf.records[1].position, pf.records[1].line, pf.records[1].year) == (2, 19, 2020)
    assert len(pf.sha256) == 64


def test_ris_dialects(tmp_path):
    text = (
        "TY - JOUR\nT1 - Loose tags\nA1 - Liu R.\nN2 - Embase abstract\nDB - Embase\nDB - Medline\n"
        "C5 - 15368318\n"
        "U2 - L39097156\nER -\n\n"
        "TY  - JOUR\nT1  - EBSCO\nL3  - 10.1016/j.agee.2016.06.041\n"
        "N1  - Accession Number: 117372971; Source Info\n"
        "DP  - EBSCOhost\nDB  - CINAHL\nER  - \n"
    )
    pf = read_file(write(tmp_path, "d.ris", text))
    a, b = pf.records
    assert (a.title, a.authors, a.abstract, a.pmid, a.source_id) == (
        "Loose tags",
        (Author("Liu", "R."),),
        "Embase abstract",
        "15368318",
        "L39097156",
    )
    assert (b.doi, b.source_id) == ("10.1016/j.agee.2016.06.041", "117372971")
    endnote = (
        "TY  - JOUR\nTI  - EndNote\nKW  - Acne\nLight\nPhototherapy\nAN  - 29657938\nDP  - NLM\n"
        "C2  - PMC5887696\n"
        "UR  - https://doi.org/10.1000/X; http://example.org\nID  - 895\nER  - \n"
    )
    r = read_file(write(tmp_path, "e.ris", endnote)).records[0]
    assert (r.keywords, r.pmid, r.pmcid, r.source_id) == (
        ("Acne", "Light", "Phototherapy"),
        "29657938",
        "PMC5887696",
        "895",
    )
    assert (r.doi, r.url) == ("10.1000/x", "https://doi.org/10.1000/X")


def test_ris_mixed_tag_spacing(tmp_path):
    pf = read_file(write(tmp_path, "m.ris", "TY  - JOUR\nTI  - one\nER -\n\nTY - JOUR\nTI - two\nER  - \n"))
    assert [r.title for r in pf.records] == ["one", "two"]


def test_ris_database_guesses(tmp_path):
    def guess(lines: str) -> tuple[str | None, str | None]:
        pf = read_file(write(tmp_path, "g.ris", f"TY  - JOUR\nTI  - T\n{lines}ER  - \n"))
        return pf.database, pf.platform

    assert guess("DB  - Embase\n") == ("Embase", None)
    assert guess("DB  - Scopus\n") == ("Scopus", None)
    assert guess("DB  - Embase <1974 to 2020 May 08>\n") == ("Embase", "Ovid")
    assert guess("DB  - Ovid MEDLINE(R) ALL <1946 to May 07, 2020>\n") == ("MEDLINE", "Ovid")
    assert guess("DB  - CINAHL Complete\nDP  - EBSCOhost\n") == ("CINAHL Complete", "EBSCOhost")
    assert guess("AN  - WOS:000325510600016\n") == ("Web of Science", None)
    assert guess("UR  - https://www.scopus.com/inward/record.uri?eid=2-s2.0-85079532227&x=1\n") == (
        "Scopus",
        None,
    )
    assert guess("DP  - NLM\n") == (None, None)


def test_pubmed_fields(tmp_path):
    pf = read_file(write(tmp_path, "p.nbib", PUBMED))
    assert (pf.format, pf.database, len(pf.records)) == ("pubmed", "PubMed", 2)
    r = pf.records[0]
    assert r.title == (
        "Low-dose naltrexone for the treatment of fibromyalgia: findings of a small, randomized, "
        "double-blind, placebo-controlled study."
    )
    assert r.authors == (Author("Younger", "Jarred W"), Author("Kučić", "Nina"))
    assert (r.year, r.start_page, r.end_page, r.doi, r.pmid, r.pmcid) == (
        2013,
        "1069",
        "1074",
        "10.1111/pme.12172",
        "23841578",
        "PMC3818298",
    )
    assert (r.journal, r.journal_abbrev, r.issn, r.language) == (
        "Pain medicine (Malden, Mass.)",
        "Pain Med",
        "1526-2375",
        "English",
    )
    assert (r.publication_type, r.keywords, r.source_id) == (
        "Journal Article",
        ("Fibromyalgia/drug therapy", "low-dose naltrexone"),
        "23841578",
    )
    assert (pf.records[1].line, pf.records[1].position) == (26, 2)


def test_bibtex_fields(tmp_path):
    pf = read_file(write(tmp_path, "b.bib", BIB))
    assert (pf.format, len(pf.records)) == ("bibtex", 2)
    r = pf.records[0]
    assert r.title == "Low-dose naltrexone for the treatment of Fibromyalgia: Über alles"
    assert r.authors[0] == Author("Younger", "Jarred W.") and r.authors[-1] == Author("Mackey", "Sean")
    assert (r.journal, r.year, r.start_page, r.end_page, r.doi) == (
        "Pain Medicine",
        2013,
        "1069",
        "1074",
        "10.1111/pme.12172",
    )
    assert (r.keywords, r.source_id, r.line, r.publication_type) == (
        ("fibromyalgia", "naltrexone"),
        "younger2013",
        3,
        "Journal Article",
    )
    dup = pf.records[1]  # bibtexparser hands a repeated key back unprocessed: braces, quotes, @string
    assert (dup.title, dup.source_id, dup.year, dup.journal) == (
        "Duplicate key, kept",
        "younger2013",
        2014,
        "Pain Medicine",
    )
    assert dup.authors == (Author("Doe", "Jane"), Author("Roe", "R."))


def test_endnote_xml_fields(tmp_path):
    pf = read_file(write(tmp_path, "e.xml", ENDNOTE_XML))
    assert (pf.format, pf.database, len(pf.records)) == ("endnote-xml", None, 2)
    r = pf.records[0]
    assert (r.title, r.authors, r.journal, r.journal_abbrev) == (
        "Low-dose naltrexone",
        (Author("Younger", "J. W."),),
        "Pain medicine",
        "Pain Med",
    )
    assert (r.pmid, r.doi, r.source_id, r.start_page, r.end_page, r.line) == (
        "23841578",
        "10.1111/pme.12172",
        "42",
        "1069",
        "1074",
        1,
    )
    assert r.raw.startswith("<record>") and r.raw.endswith("</record>")
    assert (pf.records[1].line, pf.records[1].source_id) == (11, "43")


def test_wos_fields(tmp_path):
    pf = read_file(write(tmp_path, "w.txt", WOS))
    assert (pf.format, pf.database, len(pf.records)) == ("wos", "Web of Science", 1)
    r = pf.records[0]
    assert (r.title, r.authors) == (
        "Low-dose naltrexone for the treatment of fibromyalgia",
        (Author("Younger", "Jarred W."), Author("Mackey", "Sean")),
    )
    assert (r.journal, r.journal_abbrev, r.keywords) == (
        "PAIN MEDICINE",
        "Pain Med.",
        ("fibromyalgia", "naltrexone", "opioid"),
    )
    assert (r.pmid, r.source_id, r.line, r.pages) == ("23841578", "WOS:000325510600016", 3, "1069\u20131074")


def test_csv_fields_and_guessed_headers(tmp_path):
    pf = read_file(write(tmp_path, "s.csv", CSV))
    assert (pf.format, pf.database, len(pf.records)) == ("csv", "Scopus", 2)
    a, b = pf.records
    assert a.authors == (Author("Younger", "J.W."), Author("Mackey", "S."))
    assert (a.journal, a.start_page, a.end_page, a.source_id, a.line) == (
        "Pain Medicine",
        "1069",
        "1074",
        "2-s2.0-1",
        2,
    )
    assert (b.title, b.authors, b.issue, b.start_page, b.doi, b.line) == (
        "A title, with a comma",
        (Author("Kučić", "N."),),
        None,
        "e5",
        None,
        3,
    )
    assert b.raw == '"Kučić N.","A title, with a comma",2014,J X,1,,e5,,,2-s2.0-2'


def test_csv_columns_mapping_tsv_and_id_column(tmp_path):
    text = "Ref\tArticle name\tWho\tWhen\tnumber\n7\tA study\tSmith, J and Doe, K\t1999\t3\n"
    path = write(tmp_path, "x.tsv", text)
    pf = read_file(
        path,
        columns={"title": "Article name", "authors": "Who", "year": "When", "issue": ""},
        id_column="Ref",
    )
    r = pf.records[0]
    assert (r.title, r.authors, r.year, r.issue, r.source_id) == (
        "A study",
        (Author("Smith", "J"), Author("Doe", "K")),
        1999,
        None,
        "7",
    )
    with pytest.raises(ImportFileError) as err:
        read_file(path, columns={"title": "Nope"})
    assert str(err.value).startswith(f"{path}:1: no column named 'Nope'")
    with pytest.raises(ImportFileError, match="unknown field 'colour'"):
        read_file(path, columns={"colour": "Who"})


def test_csv_semicolon_delimiter_and_na(tmp_path):
    pf = read_file(write(tmp_path, "x.csv", "title;doi;pages\nA;NA;01-Apr\n"))
    r = pf.records[0]
    assert (r.title, r.doi, r.start_page, r.end_page) == ("A", None, "1", "4")


def test_garbage_collector_is_back_on_after_reading(tmp_path):
    import gc

    assert gc.isenabled()
    read_file(write(tmp_path, "a.ris", RIS))
    with pytest.raises(ImportFileError):
        read_file(write(tmp_path, "b.ris", "TY  - JOUR\nTI  - x\n"))
    assert gc.isenabled()


def test_progress_is_reported(tmp_path):
    calls: list[tuple[int, int]] = []
    read_file(write(tmp_path, "a.ris", RIS), progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (2, 2)


# --- unusable entries --------------------------------------------------------------


def test_entries_without_title_or_id_are_unusable(tmp_path):
    text = (
        "TY  - JOUR\nTI  - Fine\nER  - \n\n"
        "TY  - JOUR\nAU  - Nobody, A.\nPY  - 2000\nER  - \n\n"
        "TY  - JOUR\nDO  - 10.1/x.y\nER  - \n"
    )
    pf = read_file(write(tmp_path, "u.ris", text))
    assert [r.position for r in pf.records] == [1, 3]
    assert pf.unusable == [Unusable(2, 5, "no title and no identifier (DOI, PMID or record id)")]
    csv_pf = read_file(write(tmp_path, "u.csv", "title,year\nA,2000\n,2001\n"))
    assert [(u.position, u.line) for u in csv_pf.unusable] == [(2, 3)]


# --- encodings -------------------------------------------------------------------

ACCENTED = "TY  - JOUR\nAU  - Häuser W\nAU  - Rodríguez-Pintó I\nTI  - Schmerz – Übersicht\nER  - \n"


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("cp1252", b"", "cp1252"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
        ("utf-16-le", b"", "utf-16-le"),
    ],
)
def test_encodings(tmp_path, encoding, bom, expected):
    text = ACCENTED if encoding == "cp1252" else ACCENTED.replace("Übersicht", "Übersicht Kučić N")
    path = tmp_path / "enc.ris"
    path.write_bytes(bom + text.replace("\n", "\r\n").encode(encoding))
    pf = read_file(path)
    assert pf.encoding == expected
    r = pf.records[0]
    assert r.authors == (Author("Häuser", "W"), Author("Rodríguez-Pintó", "I"))
    assert r.title.startswith("Schmerz – Übersicht")
    if encoding != "cp1252":
        assert r.title.endswith("Kučić N")


def test_cp1252_scandinavian_is_not_read_as_cp1250(tmp_path):
    text = "TY  - JOUR\nAU  - Sørensen, Æbbe\nAU  - Ødegård, Å.\nTI  - Smerter hos børn på sygehuse\nER  - \n"
    pf = read_file(write(tmp_path, "dk.ris", text, "cp1252"))
    assert pf.encoding == "cp1252"
    assert pf.records[0].authors[1] == Author("Ødegård", "Å.")


@pytest.mark.parametrize(
    ("encoding", "names"),
    [
        ("cp1252", ["Sørensen, Æbbe", "Ødegård, Å.", "Lefèvre, Gaëlle", "Muñoz, João"]),
        ("cp1250", ["Kučić, N.", "Dvořák, A.", "Kučera, J.", "Wrocławski, P."]),
    ],
)
def test_legacy_code_pages_are_told_apart(tmp_path, encoding, names):
    text = "TY  - JOUR\nTI  - T\n" + "".join(f"AU  - {n}\n" for n in names) + "ER  - \n"
    pf = read_file(write(tmp_path, "legacy.ris", text, encoding))
    assert pf.encoding == encoding
    assert [str(a) for a in pf.records[0].authors] == names


def test_latin1_csv(tmp_path):
    pf = read_file(write(tmp_path, "l.csv", 'author,title\n"Müller, Jürgen",Ärger im Büro\n', "latin-1"))
    assert pf.records[0].title == "Ärger im Büro"


# --- detection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "fmt"),
    [
        (RIS, "x.txt", "ris"),
        (PUBMED, "x.txt", "pubmed"),
        (BIB, "x.txt", "bibtex"),
        (ENDNOTE_XML, "x.txt", "endnote-xml"),
        (WOS, "x.txt", "wos"),
        (CSV, "x.txt", "csv"),
        (RIS, "x.bib", "ris"),  # content wins over the extension
        ("Exported from somewhere\n\nTY  - JOUR\nTI  - x\nER  - \n", "x.txt", "ris"),
        ("just one title\n", "x.csv", "csv"),  # no content clue: the extension decides
    ],
)
def test_detect_format(text, name, fmt):
    assert detect_format(text, Path(name)) == fmt


@pytest.mark.parametrize("text", ["", "  \n\n", "Dear colleague,\nplease find attached"])
def test_detect_format_rejects(tmp_path, text):
    path = write(tmp_path, "x.txt", text)
    with pytest.raises(ImportFileError) as err:
        read_file(path)
    assert str(err.value).startswith(f"{path}")
    assert "\n" not in str(err.value)


# --- bad input -------------------------------------------------------------------


def assert_error(path: Path, line: int | None, fragment: str, **kw) -> None:
    with pytest.raises(ImportFileError) as err:
        read_file(path, **kw)
    e = err.value
    message = str(e)
    assert "\n" not in message
    assert (e.path, e.line) == (path, line), message
    prefix = f"{path}:{line}: " if line is not None else f"{path}: "
    assert message.startswith(prefix), message
    assert fragment in message, message


def test_empty_file(tmp_path):
    assert_error(write(tmp_path, "e.ris", ""), None, "the file is empty")
    assert_error(write(tmp_path, "e.csv", "\n\n"), None, "the file is empty", format="csv")


def test_ris_entry_without_er_at_end(tmp_path):
    path = write(tmp_path, "t.ris", RIS + "\nTY  - JOUR\nTI  - cut off\nAU  - X, Y.\n")
    assert_error(path, 24, "no 'ER  -' line")


def test_ris_entries_run_together(tmp_path):
    path = write(tmp_path, "t.ris", "TY  - JOUR\nTI  - one\n\nTY  - JOUR\nTI  - two\nER  - \n")
    assert_error(path, 4, "line 1 has no 'ER  -' line")


def test_ris_tag_outside_entry(tmp_path):
    path = write(tmp_path, "t.ris", "TY  - JOUR\nTI  - one\nER  - \n\nTI  - orphan\nER  - \n")
    assert_error(path, 6, "without a 'TY  -' line")
    path = write(tmp_path, "u.ris", "TY  - JOUR\nTI  - one\nER  - \nTI  - orphan\n")
    assert_error(path, 4, "after the last entry")


def test_ris_forced_on_other_text(tmp_path):
    assert_error(write(tmp_path, "t.txt", "hello\nworld\n"), None, "no RIS entries", format="ris")


def test_bibtex_unterminated_brace(tmp_path):
    path = write(
        tmp_path,
        "t.bib",
        "@article{a,\n  title = {Fine},\n}\n\n@article{b,\n  title = {Never closed,\n  year = 2000\n",
    )
    assert_error(path, 5, "cannot read this BibTeX entry")


def test_broken_xml(tmp_path):
    path = write(tmp_path, "t.xml", ENDNOTE_XML.replace("</record>\n<record>", "</rec>\n<record>"))
    assert_error(path, 10, "broken XML")


def test_non_endnote_xml(tmp_path):
    path = write(tmp_path, "t.xml", "<?xml version='1.0'?><library><item/></library>")
    assert_error(path, None, "not EndNote XML")


def test_csv_wrong_number_of_fields(tmp_path):
    path = write(tmp_path, "t.csv", "title,year\nA,2000\nB,2001,extra\n")
    assert_error(path, 3, "this row has 3 fields but the header has 2")


def test_csv_unclosed_quote(tmp_path):
    path = write(tmp_path, "t.csv", 'title,year\nA,2000\n"B never closed,2001\nC,2002\n')
    assert_error(path, 3, "a quoted field is never closed")


def test_csv_without_usable_columns(tmp_path):
    assert_error(write(tmp_path, "t.csv", "colour,size\nred,1\n"), 1, "no title, DOI, PMID or id column")


def test_pubmed_malformed_line(tmp_path):
    path = write(tmp_path, "t.nbib", "PMID- 1\nTI  - ok\nthis is not a tag\n")
    assert_error(path, 3, "expected a MEDLINE tag line")


def test_wos_missing_er(tmp_path):
    path = write(tmp_path, "t.txt", WOS.replace("ER\n", ""))
    assert_error(path, 3, "no 'ER' line")


def test_missing_file(tmp_path):
    assert_error(tmp_path / "nope.ris", None, "cannot read the file")


def test_unknown_format_name(tmp_path):
    assert_error(write(tmp_path, "a.ris", RIS), None, "unknown format 'refman'", format="refman")


def test_error_message_shapes(tmp_path):
    p = tmp_path / "f.ris"
    assert str(ImportFileError(p, "bad\nthing", line=3)) == f"{p}:3: bad thing"
    assert str(ImportFileError(p, "bad", entry=4)) == f"{p}: entry 4: bad"
    assert str(ImportFileError(p, "bad")) == f"{p}: bad"


# --- no input crashes a parser -----------------------------------------------------

PUBMED_XML = """<?xml version="1.0" ?>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID Version="1">23841578</PMID><Article>
<Journal><JournalIssue><Volume>14</Volume><PubDate><Year>2013</Year></PubDate></JournalIssue>\
<Title>Pain Med</Title></Journal>
<ArticleTitle>Low-dose <i>naltrexone</i>.</ArticleTitle><Pagination><MedlinePgn>1069-74</MedlinePgn>\
</Pagination>
<Abstract><AbstractText Label="AIM">An abstract.</AbstractText></Abstract>
<AuthorList><Author><LastName>Younger</LastName><ForeName>Jarred</ForeName></Author></AuthorList></Article>
</MedlineCitation></PubmedArticle>
<PubmedBookArticle><BookDocument><PMID>20301295</PMID><Book><BookTitle>GeneReviews</BookTitle></Book>
</BookDocument></PubmedBookArticle></PubmedArticleSet>
"""

WOS_TAB = (
    "PT\tAU\tAF\tTI\tSO\tPY\tVL\tBP\tEP\tDI\tUT\r"
    'J\tYounger, JW; Mackey, S\tYounger, Jarred W.; Mackey, Sean\tLow-dose "naltrexone\t'
    "PAIN MED\t2013\t14\t1069\t"
    "1074\t10.1111/pme.12172\tWOS:000325423800016\t\r"
    "J\tSmith, A\t\tSecond\tJ\t2020\t1\t\t\t\tBCI:BCI2\t\r"
)

OVID = """<1. >
VN  - Ovid Technologies
DB  - Embase <1974 to 2023 March 10>
AN  - 2001234567
TI  - Low-dose naltrexone for fibromyalgia.
AU  - Younger J.
SO  - Pain Medicine. 14 (7) (pp 1069-1074), 2013.
YR  - 2013

<2. >
VN  - Ovid Technologies
DB  - Ovid MEDLINE(R) ALL
UI  - 23841578
TI  - A second title
      going on here.
SO  - Pain Med. 15(2):1-9, 2014 Feb.
"""
REFER = (
    "%0 Journal Article\n%A Younger, Jarred\n%T Low-dose naltrexone\n%J Pain Med\n"
    "%D 2013\n%V 14\n%P 1069-74\n"
)
REFWORKS = (
    "RT Journal Article\nA1 Younger,Jarred\nT1 Low-dose naltrexone\nJF Pain Med\nYR 2013\nVO 14\nSP 1069\n"
)

_SAMPLES = {
    "ris": RIS, "pubmed": PUBMED, "pubmed-xml": PUBMED_XML, "bibtex": BIB, "endnote-xml": ENDNOTE_XML,
    "wos": WOS, "wos-tab": WOS_TAB, "csv": CSV, "ovid": OVID, "refer": REFER, "refworks": REFWORKS,
}  # fmt: skip


@st.composite
def _damaged(draw) -> tuple[str, str]:
    fmt = draw(st.sampled_from(FORMATS))
    text = _SAMPLES[fmt]
    kind = draw(st.sampled_from(["random", "truncate", "insert", "delete"]))
    if kind == "random":
        return fmt, draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
    i = draw(st.integers(0, len(text)))
    if kind == "truncate":
        return fmt, text[:i]
    if kind == "insert":
        pieces = list("{}<>\"',;\n\t -@&\\%TYERPMID") + ["TY  - ", "ER  - ", "\n   ", "</record>", "\nPT J\n"]
        junk = "".join(draw(st.lists(st.sampled_from(pieces), max_size=12)))
        return fmt, text[:i] + junk + text[i:]
    j = draw(st.integers(i, min(len(text), i + 40)))
    return fmt, text[:i] + text[j:]


@given(_damaged(), st.booleans())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_input_crashes_a_parser(tmp_path, case, forced):
    fmt, text = case
    path = tmp_path / "fuzz.txt"
    path.write_text(text, encoding="utf-8")
    try:
        result = read_file(path, format=fmt if forced else None)
    except ImportFileError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))
    else:
        assert isinstance(result, ParsedFile)
        for r in result.records + result.unusable:
            assert r.position >= 1


@given(st.text(max_size=400))
@settings(max_examples=200)
def test_detect_format_only_raises_import_file_error(text):
    with contextlib.suppress(ImportFileError):
        assert detect_format(text, Path("x")) in FORMATS


def test_records_can_be_handed_on_in_batches_as_they_are_read(tmp_path):
    """An import stores records while the file is read: batches, none kept, same records."""
    from screener.importers import BATCH_SIZE, load_text, parse_text

    n = 2 * BATCH_SIZE + 7
    path = tmp_path / "big.ris"
    path.write_text("".join(f"TY  - JOUR\nT1  - Title {k}\nPY  - 2020\nER  - \n\n" for k in range(n)))
    batches: list[list] = []
    streamed = parse_text(load_text(path), on_batch=batches.append)
    assert [len(b) for b in batches] == [BATCH_SIZE, BATCH_SIZE, 7]
    assert streamed.records == [] and streamed.count == n
    whole = read_file(path)
    assert whole.count == n and [r.title for b in batches for r in b] == [r.title for r in whole.records]


def test_bibtex_is_read_in_pieces_with_strings_and_lines_kept(tmp_path, monkeypatch):
    """Large BibTeX files go to bibtexparser a piece at a time (bounded memory): an
    @string defined at the top still resolves in later pieces, and an error in a later
    piece names its line in the file."""
    from screener.importers import bibtex

    monkeypatch.setattr(bibtex, "CHUNK_ENTRIES", 3)
    entries = [
        f"@article{{k{i},\n  title = {{Title {i}}},\n  journal = jn,\n  year = {{2020}}\n}}\n"
        for i in range(10)
    ]
    text = '@string{jn = "Pain Medicine"}\n\n' + "\n".join(entries)
    path = tmp_path / "lib.bib"
    path.write_text(text)
    parsed = read_file(path)
    assert [r.title for r in parsed.records] == [f"Title {i}" for i in range(10)]
    assert {r.journal for r in parsed.records} == {"Pain Medicine"}
    assert [r.source_id for r in parsed.records] == [f"k{i}" for i in range(10)]
    assert parsed.records[8].line == text[: text.index("@article{k8")].count("\n") + 1
    broken = text.replace("@article{k8,\n  title = {Title 8}", "@article{k8,\n  title = {Title 8")
    path.write_text(broken)
    with pytest.raises(ImportFileError) as err:
        read_file(path)
    assert f"lib.bib:{broken[: broken.index('@article{k8')].count(chr(10)) + 1}:" in str(err.value)


def test_bibtex_braced_corporate_author_holding_and_stays_one_author(tmp_path):
    """A braced name with "and" in it is one (corporate) author; a double-braced WoS list of
    "Family, Given" names is still split (found by the export round trip: {{a and a}})."""
    text = (
        "@misc{a, title = {A}, author = {{National Institute for Health and Care Excellence}}}\n"
        "@misc{b, title = {B}, author = {{Roach, M. and Thompson, F.}}}\n"
    )
    a, b = read_file(write(tmp_path, "c.bib", text)).records
    assert a.authors == (Author("National Institute for Health and Care Excellence"),)
    assert b.authors == (Author("Roach", "M."), Author("Thompson", "F."))
