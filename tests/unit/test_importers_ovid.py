"""Ovid exports: RIS with Ovid's numbering and link lines, Ovid tagged, Ovid field-labelled display.

Ovid is how most hospital and university libraries search MEDLINE, Embase, PsycINFO and
CENTRAL; a multi-file search exports several databases in one file, each record naming
its own (``DB``, or the ``D=`` code of its links).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.importers import ImportFileError, read_file
from screener.importers._databases import database_name, ovid_code_database


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


OVID_RIS = """1.
TY  - JOUR
DB  - Ovid MEDLINE(R) ALL <1946 to March 10, 2023>
ID  - 30439442
T1  - Mushroom poisoning: A proposed new clinical classification.
A1  - White, Julian
A1  - Weinstein, Scott A
Y1  - 2018//
JF  - Toxicon
VL  - 157
SP  - 53
EP  - 65
DO  - https://dx.doi.org/10.1016/j.toxicon.2018.11.007
L2  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=medp&NEWS=N&AN=30439442
ER  -
NL  - https://proxy.example.edu/login?url=http://ovidsp.ovid.com?T=JS&D=medp&AN=30439442

Link to the Ovid Full Text or citation: https://proxy.example.edu/login?url=http://ovidsp.ovid.com?T=JS&D=medp

2.
TY  - JOUR
DB  - Embase <1974 to 2023 March 10>
ID  - 2001234567
T1  - An Embase record
A1  - Smith, J.
Y1  - 2019//
JF  - Pain
VL  - 12
SP  - 1
ER  -
NL  - https://proxy.example.edu/login?url=http://ovidsp.ovid.com?T=JS&D=emed18

3.
TY  - ELEC
ID  - CN-00187174
T1  - EEG spectra under psilocybin
A1  - Koukkou M, Lehmann D
Y1  - 1977//
JA  - Electroencephalography and clinical neurophysiology
VL  - 43
SP  - NO
L2  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=cctr&NEWS=N&AN=CN-00187174
ER  -

Link to the Ovid Full Text or citation: https://proxy.example.edu/login?url=http://ovidsp.ovid.com?D=cctr
"""


@pytest.mark.parametrize(("encoding", "newline"), [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("cp1252", "\r")])
def test_ovid_ris_numbering_link_lines_and_databases(tmp_path, encoding, newline):
    pf = read_file(write(tmp_path, "ovid.ris", OVID_RIS, encoding, newline))
    assert (pf.format, pf.platform, pf.count) == ("ris", "Ovid", 3)
    assert pf.databases == {"MEDLINE": 1, "Embase": 1, "CENTRAL": 1}
    medline, embase, central = pf.records
    assert (medline.database, medline.pmid, medline.doi) == (
        "MEDLINE",
        "30439442",
        "10.1016/j.toxicon.2018.11.007",
    )
    assert (embase.database, embase.pmid) == ("Embase", None)  # an Embase id is no PMID
    assert central.database == "CENTRAL"
    assert [a.family for a in central.authors] == ["Koukkou", "Lehmann"]  # CENTRAL's one-line author list
    assert central.start_page is None  # "NO": no pages
    assert central.journal == "Electroencephalography and clinical neurophysiology"
    assert [r.line for r in pf.records] == [2, 21, 34]


def test_ovid_ris_a_stray_tag_between_entries_is_still_an_error(tmp_path):
    text = OVID_RIS.replace(
        "NL  - https://proxy.example.edu/login?url=http://ovidsp.ovid.com?T=JS&D=emed18", "T1  - lost title"
    )
    with pytest.raises(ImportFileError, match=r"ovid\.ris:31: a tagged line outside any entry"):
        read_file(write(tmp_path, "ovid.ris", text))


def test_database_names():
    assert database_name("Ovid MEDLINE(R) ALL <1946 to March 10, 2023>") == "MEDLINE"
    assert database_name("Embase Classic+Embase <1947 to 2023 March 10>") == "Embase"
    assert database_name("APA PsycInfo <1806 to March Week 1 2023>") == "PsycINFO"
    assert (
        database_name("EBM Reviews - Cochrane Central Register of Controlled Trials <February 2023>")
        == "CENTRAL"
    )
    assert database_name("EBM Reviews - Cochrane Database of Systematic Reviews <2005 to March 8, 2023>") == (
        "Cochrane Database of Systematic Reviews"
    )
    assert database_name("Global Health <1973 to 2023 Week 09>") == "Global Health"
    assert database_name("BIOSIS Previews <1969 to 2023 Week 10>") == "BIOSIS Previews"
    assert database_name("Journals@Ovid") == "Journals@Ovid"
    assert [
        ovid_code_database(c)
        for c in (
            "emed18",
            "emez",
            "med1",
            "prem",
            "mesz",
            "psyh",
            "cctr",
            "biop30",
            "ghall",
            "zoor12",
            "xyz",
        )
    ] == [
        "Embase",
        "Embase",
        "MEDLINE",
        "MEDLINE",
        "MEDLINE",
        "PsycINFO",
        "CENTRAL",
        "BIOSIS Previews",
        "Global Health",
        "Zoological Record",
        None,
    ]


def test_real_ovid_ris_multi_file_search(shared_dir):
    pf = read_file(shared_dir / "data/exports/ovid/mckeown_mir_Ovid_search_results_1_to_1000.ris")
    assert (pf.format, pf.platform, pf.count, pf.unusable) == ("ris", "Ovid", 1000, [])
    # D=med1 ... D=prem are MEDLINE editions and segments; D=cctr is CENTRAL.
    assert pf.databases == {"MEDLINE": 895, "CENTRAL": 105}
    first = pf.records[0]
    assert (first.pmid, first.doi, first.year, first.volume, first.start_page) == (
        "30439442",
        "10.1016/j.toxicon.2018.11.007",
        2018,
        "157",
        "53",
    )


OVID_TAGGED = """Database: Embase <1974 to 2023 March 10>, Ovid MEDLINE(R) ALL <1946 to March 10, 2023>
Search Strategy:
--------------------------------------------------------------------------------
1     exp fibromyalgia/ (23456)
2     naltrexone.mp. (12345)
3     1 and 2 (42)

<1. >
VN  - Ovid Technologies
DB  - Embase <1974 to 2023 March 10>
AN  - 2001234567
TI  - Low-dose naltrexone for fibromyalgia: a trial.
AU  - Younger J.
AU  - Mackey S.
SO  - Pain Medicine. 14 (7) (pp 1069-1074), 2013. Date of Publication: July 2013.
DO  - https://dx.doi.org/10.1111/pme.12148
PM  - 23841578
PT  - Journal: Article
LG  - English
XL  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=emed14&NEWS=N&AN=2001234567

<2. >
VN  - Ovid Technologies
DB  - Ovid MEDLINE(R) ALL <1946 to March 10, 2023>
UI  - 23841579
TI  - Naltrexone and pain:
      a second line of the title.
FA  - Smith, Jane
AU  - Smith J
SO  - Journal of Pain. 15(2):e101-9, 2014 Feb.
YR  - 2014
XL  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=medl&NEWS=N&AN=23841579

<3. >
VN  - Ovid Technologies
DB  - APA PsycInfo <1806 to March Week 1 2023>
AN  - 2019-12345-001
TI  - Pain and mood.
AU  - DOE, Jonathan
SO  - Psychological Medicine. Vol.49(4), Mar 2019, pp. 555-563.
DI  - 10.1017/S0033291718001234
YR  - 2019
XL  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=psyh&NEWS=N&AN=2019-12345-001
"""


@pytest.mark.parametrize(("encoding", "newline"), [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("cp1252", "\r")])
def test_ovid_tagged_complete_reference(tmp_path, encoding, newline):
    pf = read_file(write(tmp_path, "export.txt", OVID_TAGGED, encoding, newline))
    assert (pf.format, pf.platform, pf.count) == ("ovid", "Ovid", 3)
    assert pf.databases == {"Embase": 1, "MEDLINE": 1, "PsycINFO": 1}
    embase, medline, psyc = pf.records
    assert (
        embase.title,
        embase.first_author,
        embase.year,
        embase.volume,
        embase.issue,
        embase.start_page,
        embase.end_page,
        embase.doi,
        embase.pmid,
        embase.source_id,
        embase.journal,
        embase.line,
    ) == (
        "Low-dose naltrexone for fibromyalgia: a trial.",
        "Younger",
        2013,
        "14",
        "7",
        "1069",
        "1074",
        "10.1111/pme.12148",
        "23841578",
        "2001234567",
        "Pain Medicine",
        8,
    )
    assert (
        medline.title,
        medline.first_author,
        medline.authors[0].given,
        medline.pmid,
        medline.volume,
        medline.issue,
        medline.start_page,
        medline.journal,
    ) == (
        "Naltrexone and pain: a second line of the title.",
        "Smith",
        "Jane",
        "23841579",
        "15",
        "2",
        "e101",
        "Journal of Pain",
    )
    assert (psyc.first_author, psyc.volume, psyc.issue, psyc.start_page, psyc.doi, psyc.pmid) == (
        "Doe",
        "49",
        "4",
        "555",
        "10.1017/s0033291718001234",
        None,
    )


def test_ovid_tagged_without_numbering_lines_and_database_from_links_only(tmp_path):
    text = "\n\n".join(
        f"VN  - Ovid Technologies\nAN  - CN-0{k}\nTI  - Trial {k}\nSO  - Trials. {k}(1):1-2, 2020.\n"
        f"XL  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&D={code}&AN=CN-0{k}"
        for k, code in enumerate(["cctr", "cctr", "ghall"], 1)
    )
    pf = read_file(write(tmp_path, "central.cgi", text))
    assert pf.format == "ovid" and pf.databases == {"CENTRAL": 2, "Global Health": 1}
    assert [r.volume for r in pf.records] == ["1", "2", "3"]


def test_ovid_tagged_truncated_last_record_is_refused(tmp_path):
    cut = OVID_TAGGED[: OVID_TAGGED.rindex("AU  - DOE")]  # the last record stops after its title
    with pytest.raises(ImportFileError, match=r"cut\.txt:34: the last record has no 'XL' field.*truncated"):
        read_file(write(tmp_path, "cut.txt", cut))
    mid_line = OVID_TAGGED[: OVID_TAGGED.rindex("(4), Mar 2019")]  # stops in the middle of a line
    with pytest.raises(ImportFileError, match=r"mid\.txt:34: the last record has no 'XL' field"):
        read_file(write(tmp_path, "mid.txt", mid_line))
    # A whole last record that merely lacks the optional last field is read.
    whole = OVID_TAGGED[: OVID_TAGGED.rindex("XL  - ")]
    assert read_file(write(tmp_path, "whole.txt", whole)).count == 3


def test_ovid_reader_given_another_format(tmp_path):
    ris = write(tmp_path, "not_ovid.ris", "TY  - JOUR\nTI  - A title\nER  - \n")
    with pytest.raises(ImportFileError, match=r"not_ovid\.ris:1: no Ovid records found"):
        read_file(ris, format="ovid")
    junk = write(
        tmp_path, "junk.txt", "<1. >\nVN  - Ovid Technologies\nTI  - A title\n<2. >\nthis is no field\n"
    )
    with pytest.raises(ImportFileError, match=r"junk\.txt:5: expected an Ovid field line"):
        read_file(junk)


OVID_LABELLED = """<1>
Database
  Embase <1974 to 2023 March 10>
Accession Number
  2001234567
Author
  Younger J.;  Mackey S.
Title
  Low-dose naltrexone for fibromyalgia.
Source
  Pain Medicine. 14 (7) (pp 1069-1074), 2013.
Year of Publication
  2013
Digital Object Identifier
  https://dx.doi.org/10.1111/pme.12148
Link to the Ovid Full Text or citation:
  http://ovidsp.ovid.com/ovidweb.cgi?T=JS&D=emed14&AN=2001234567

<2>
Database
  Ovid MEDLINE(R) ALL <1946 to March 10, 2023>
Unique Identifier
  23841579
Authors
  Smith J
  Jones K
Title
  Naltrexone and pain.
Source
  Journal of Pain. 15(2):101-9, 2014 Feb.
Link to the Ovid Full Text or citation:
  http://ovidsp.ovid.com/ovidweb.cgi?T=JS&D=medl&AN=23841579
"""


def test_ovid_field_labelled_display(tmp_path):
    pf = read_file(write(tmp_path, "display.txt", OVID_LABELLED, "utf-8-sig", "\r\n"))
    assert (pf.format, pf.databases) == ("ovid", {"Embase": 1, "MEDLINE": 1})
    embase, medline = pf.records
    assert [a.family for a in embase.authors] == ["Younger", "Mackey"]
    assert (embase.doi, embase.volume, embase.start_page, embase.year) == (
        "10.1111/pme.12148",
        "14",
        "1069",
        2013,
    )
    assert [a.family for a in medline.authors] == ["Smith", "Jones"]
    assert (medline.pmid, medline.year, medline.start_page, medline.end_page) == (
        "23841579",
        2014,
        "101",
        "109",
    )


def test_ovid_field_labelled_truncated(tmp_path):
    text = OVID_LABELLED + OVID_LABELLED.replace("<1>", "<3>").replace("<2>", "<4>")
    cut = text[: text.rindex("Naltrexone and pain") + 5]  # stops in the middle of the title
    with pytest.raises(
        ImportFileError,
        match=(
            r"cut\.txt:51: the last record has no 'Link to the Ovid Full Text or citation' "
            r"field.*truncated"
        ),
    ):
        read_file(write(tmp_path, "cut.txt", cut))


def test_real_ovid_labelled_display(shared_dir):
    pf = read_file(shared_dir / "data/exports/ovid/jabref_OvidImporterTest4_ovid_labelled_display.txt")
    (r,) = pf.records
    assert (
        pf.format,
        r.database,
        r.first_author,
        r.year,
        r.volume,
        r.issue,
        r.start_page,
        r.end_page,
        r.doi,
        r.journal,
        r.issn,
    ) == (
        "ovid",
        "Journals@Ovid",
        "Kohler",
        2015,
        "8",
        "6",
        "1048",
        "1064",
        "10.1002/eco.1563",
        "Ecohydrology",
        "1936-0584",
    )
    assert r.title.startswith("Cloud water interception") and not r.title.endswith("]")
