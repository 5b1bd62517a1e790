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
    assert (medline.database, medline.pmid, medline.doi) == ("MEDLINE", "30439442", "10.1016/j.toxicon.2018.11.007")
    assert (embase.database, embase.pmid) == ("Embase", None)  # an Embase id is no PMID
    assert central.database == "CENTRAL"
    assert [a.family for a in central.authors] == ["Koukkou", "Lehmann"]  # CENTRAL's one-line author list
    assert central.start_page is None  # "NO": no pages
    assert central.journal == "Electroencephalography and clinical neurophysiology"
    assert [r.line for r in pf.records] == [2, 21, 34]


def test_ovid_ris_a_stray_tag_between_entries_is_still_an_error(tmp_path):
    text = OVID_RIS.replace("NL  - https://proxy.example.edu/login?url=http://ovidsp.ovid.com?T=JS&D=emed18",
                            "T1  - lost title")
    with pytest.raises(ImportFileError, match=r"ovid\.ris:31: a tagged line outside any entry"):
        read_file(write(tmp_path, "ovid.ris", text))


def test_database_names():
    assert database_name("Ovid MEDLINE(R) ALL <1946 to March 10, 2023>") == "MEDLINE"
    assert database_name("Embase Classic+Embase <1947 to 2023 March 10>") == "Embase"
    assert database_name("APA PsycInfo <1806 to March Week 1 2023>") == "PsycINFO"
    assert database_name("EBM Reviews - Cochrane Central Register of Controlled Trials <February 2023>") == "CENTRAL"
    assert database_name("EBM Reviews - Cochrane Database of Systematic Reviews <2005 to March 8, 2023>") == (
        "Cochrane Database of Systematic Reviews")
    assert database_name("Global Health <1973 to 2023 Week 09>") == "Global Health"
    assert database_name("BIOSIS Previews <1969 to 2023 Week 10>") == "BIOSIS Previews"
    assert database_name("Journals@Ovid") == "Journals@Ovid"
    assert [ovid_code_database(c) for c in ("emed18", "emez", "med1", "prem", "mesz", "psyh", "cctr", "biop30",
                                            "ghall", "zoor12", "xyz")] == [
        "Embase", "Embase", "MEDLINE", "MEDLINE", "MEDLINE", "PsycINFO", "CENTRAL", "BIOSIS Previews",
        "Global Health", "Zoological Record", None]


def test_real_ovid_ris_multi_file_search(shared_dir):
    pf = read_file(shared_dir / "data/exports/ovid/mckeown_mir_Ovid_search_results_1_to_1000.ris")
    assert (pf.format, pf.platform, pf.count, pf.unusable) == ("ris", "Ovid", 1000, [])
    # D=med1 ... D=prem are MEDLINE editions and segments; D=cctr is CENTRAL.
    assert pf.databases == {"MEDLINE": 895, "CENTRAL": 105}
    first = pf.records[0]
    assert (first.pmid, first.doi, first.year, first.volume, first.start_page) == (
        "30439442", "10.1016/j.toxicon.2018.11.007", 2018, "157", "53")
