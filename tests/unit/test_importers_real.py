"""Every real export in ../shared/data/exports imports, with values checked against the files.

Expected values were read from the files themselves (the line quoted in each comment is
where the value sits in the export).
"""

from __future__ import annotations

import pytest

from screener.importers import read_file

EN = "\u2013"

# file -> (format, database, platform, encoding, number of records)
FILES = {
    "ebsco/synthesisr_ASP_academic_search_premier.ris": (
        "ris",
        "Academic Search Premier",
        "EBSCOhost",
        "utf-8",
        4,
    ),
    "embase/asreview_embase.csv": ("csv", "Embase", None, "utf-8", 6),
    "embase/asreview_embase.ris": ("ris", "Embase", None, "utf-8-sig", 6),
    "endnote_xml/reflib_blue-light_endnote.xml": ("endnote-xml", None, None, "utf-8", 102),
    "endnote_xml/reflib_blue-light_endnote_export.ris": ("ris", None, None, "utf-8-sig", 102),
    "pubmed/reflib_blue-light.nbib": ("pubmed", "PubMed", None, "utf-8", 80),
    "pubmed/synthesisr_PubMed_example.txt": ("pubmed", "PubMed", None, "utf-8", 3),
    "scopus/litsearchr_borealis_scopus.csv": ("csv", "Scopus", None, "utf-8-sig", 137),
    "scopus/synthesisr_Scopus_bib_example.bib": ("bibtex", "Scopus", None, "utf-8", 3),
    "scopus/synthesisr_Scopus_ris_example.ris": ("ris", "Scopus", None, "utf-8", 3),
    "web_of_science/litsearchr_WoS_corecollection_first150.bib": (
        "bibtex",
        "Web of Science",
        None,
        "utf-8",
        150,
    ),
    "web_of_science/synthesisr_WoS_txt_example.txt": ("wos", "Web of Science", "Web of Science", "utf-8", 4),
}

# (file, position) -> expected fields; "author" is the first author's family name.
RECORDS = {
    ("ebsco/synthesisr_ASP_academic_search_premier.ris", 1): dict(
        line=1,
        title="“Living on the edge”: The role of field margins for common vole (Microtus "
        "arvalis) populations in "
        "recently colonised Mediterranean farmland.",
        author="Rodríguez-Pastor",
        year=2016,
        doi="10.1016/j.agee.2016.06.041",  # from L3
        journal="Agriculture, Ecosystems & Environment",
        pages=f"206{EN}217",
        volume="231",
        source_id="117372971",  # N1 "Accession Number: 117372971"
    ),
    ("ebsco/synthesisr_ASP_academic_search_premier.ris", 2): dict(
        line=35,
        title="£330,000 Welsh farmer scheme helps reduce flooding.",
        author="James",
        year=2018,
        doi=None,
        journal="Farmers Weekly",
        pages="4",
    ),
    ("ebsco/synthesisr_ASP_academic_search_premier.ris", 4): dict(
        line=83,
        title="2ZGK-6 型可调宽窄行高速水稻插秧机设计与试验.",
        author="朱德泉",
        year=2016,
        doi="10.11975/j.issn.1002-6819.2016.21.005",
        pages=f"37{EN}45",
        volume="32",
        issue="21",
    ),
    ("embase/asreview_embase.ris", 1): dict(
        line=1,
        title="Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
        author="Liu",
        year=2014,
        doi="10.4103/2303-9027.138783",
        journal="Endoscopic Ultrasound",
        pages=f"152{EN}160",
        source_id="L373791783",
        pmid=None,
        issn="2226-7190",
        language="English",
        publication_type="Article",
    ),
    ("embase/asreview_embase.ris", 2): dict(
        line=51,
        author="Eloubeidi",
        year=2004,
        doi="10.1002/cncr.20369",
        journal="Cancer",
        pages=f"253{EN}258",
        pmid="15368318",  # C5 of a record also in MEDLINE
        title="Endoscopic ultrasound-guided fine-needle aspiration in the diagnosis of foregut "
        "duplication cysts: "
        "The value of demonstrating detached ciliary tufts in cyst fluid",
    ),
    ("embase/asreview_embase.ris", 6): dict(
        line=317,
        author="Faraj",
        year=2017,
        doi="10.1089/cren.2017.0016",
        journal="Journal of Endourology Case Reports",
        journal_abbrev="J. Endourol. Case Rep.",
        pages=f"31{EN}33",
    ),
    ("embase/asreview_embase.csv", 1): dict(
        line=2,
        title="Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
        author="Liu",
        year=2014,
        doi=None,
        journal="Endoscopic Ultrasound",
        volume="3",
        issue="3",
        pages=f"152{EN}160",
    ),
    ("embase/asreview_embase.csv", 3): dict(
        line=4,
        author="Nakashima",
        year=2019,
        journal="International Journal of Surgery Case Reports",
        volume="54",
        issue=None,
        pages=f"83{EN}86",
    ),
    ("endnote_xml/reflib_blue-light_endnote.xml", 1): dict(
        line=1,
        author="Shahtalebi",
        year=2018,
        doi="10.4103/abr.abr_99_17",
        journal="Adv Biomed Res",
        pages="53",
        title="Formulation of Herbal Gel of Antirrhinum majus Extract and Evaluation of its "
        "Anti-Propionibacterium acne Effects",
        pmid="29657938",
        pmcid="PMC5887696",
        source_id="895",
        publication_type="Journal Article",
    ),
    ("endnote_xml/reflib_blue-light_endnote.xml", 2): dict(
        title="Phototherapy in the treatment of acne vulgaris: what is its role?",
        author="Charakida",
        year=2004,
        doi="10.2165/00128071-200405040-00001",
        pages=f"211{EN}216",
        pmid="15301568",
        source_id="963",
        # <full-title>Am J Clin Dermatol</full-title><abbr-1>American journal of ...</abbr-1>: swapped back
        journal="American journal of clinical dermatology",
        journal_abbrev="Am J Clin Dermatol",
    ),
    ("endnote_xml/reflib_blue-light_endnote.xml", 102): dict(
        title="Proton magic angle spinning NMR reveals new features in photodynamically treated bacteria",
        author="Johansen",
        year=2003,
        doi="10.1515/znc-2003-5-619",
        journal="Z Naturforsch C J Biosci",
        pages=f"401{EN}407",
        issue="5-6",
        source_id="967",
    ),
    ("endnote_xml/reflib_blue-light_endnote_export.ris", 1): dict(
        line=1,
        author="Shahtalebi",
        year=2018,
        doi="10.4103/abr.abr_99_17",
        journal="Adv Biomed Res",
        pages="53",
        pmid="29657938",
        pmcid="PMC5887696",
        source_id="895",
        keywords=("Acne", "Antirrhinum majus", "Propionibacterium acnes", "blue light"),
    ),
    ("endnote_xml/reflib_blue-light_endnote_export.ris", 2): dict(
        line=44,
        title="Phototherapy in the treatment of acne vulgaris: what is its role?",
        author="Charakida",
        journal="Am J Clin Dermatol",
        source_id="963",
        pmid="15301568",
    ),
    ("pubmed/reflib_blue-light.nbib", 1): dict(
        line=1,
        author="Shahtalebi",
        year=2018,
        doi="10.4103/abr.abr_99_17",
        journal="Advanced biomedical research",
        journal_abbrev="Adv Biomed Res",
        pages="53",
        pmid="29657938",
        pmcid="PMC5887696",
        source_id="29657938",
        title="Formulation of Herbal Gel of Antirrhinum majus Extract and Evaluation of its "
        "Anti-Propionibacterium acne "
        "Effects.",
    ),
    ("pubmed/reflib_blue-light.nbib", 2): dict(
        line=83,
        author="Nikolis",
        year=2018,
        doi="10.1111/ijd.13814",
        journal="International journal of dermatology",
        pages=f"94{EN}103",
        pmid="29152718",
    ),
    ("pubmed/reflib_blue-light.nbib", 80): dict(
        line=5758,
        author="Meffert",
        year=1990,
        doi=None,
        journal="Dermatologische Monatschrift",
        pages=f"597{EN}603",
        title="[Therapy of acne with visible light. Decreased irradiation time by using a "
        "blue-light high-energy lamp].",
        language="German",
        pmid="2150382",
    ),
    ("pubmed/synthesisr_PubMed_example.txt", 1): dict(
        line=1,
        author="Neilen",
        year=2017,
        doi="10.1016/j.scitotenv.2017.04.075",
        pages=f"188{EN}197",
        journal="The Science of the total environment",
        pmid="28441597",
        issn="0048-9697",
        title="Differences in nitrate and phosphorus export between wooded and grassed "
        "riparian zones from farmland "
        "to receiving waterways under varying rainfall conditions.",
    ),
    ("pubmed/synthesisr_PubMed_example.txt", 3): dict(
        line=190,
        author="Bavougian",
        year=2018,
        doi="10.7717/peerj.5082",
        journal="PeerJ",
        pages="e5082",
        pmid="29967742",
        pmcid="PMC6022731",
    ),
    ("scopus/litsearchr_borealis_scopus.csv", 1): dict(
        line=2,
        author="Craig",
        year=2019,
        doi="10.1016/j.foreco.2019.02.016",
        journal="Forest Ecology and Management",
        title="Predictors of habitat use and nesting success for two sympatric species of "
        "boreal woodpeckers in an "
        "unburned, managed forest landscape",
        volume="438",
        pages=f"134{EN}141",
        source_id="2-s2.0-85061613518",
        publication_type="Article",
    ),
    ("scopus/litsearchr_borealis_scopus.csv", 137): dict(
        line=138,
        title="Use of snags by cavity-nesting birds in the Sierra Nevada.",
        author="Raphael",
        year=1984,
        doi=None,
        journal="Wildlife Monographs",
        volume="86",
        pages=None,
        source_id="2-s2.0-0021579087",
    ),
    ("scopus/synthesisr_Scopus_bib_example.bib", 1): dict(
        line=2,
        author="Li",
        year=2020,
        doi="10.1080/20964129.2020.1722034",
        journal="Ecosystem Health and Sustainability",
        title="Soil fauna diversity at different stages of reed restoration in a lakeshore "
        "wetland at Lake Taihu, China",
        pages="1722034",
        source_id="Li2020",
        journal_abbrev="Ecosyst. Health Sustain.",  # art_number for pages
    ),
    ("scopus/synthesisr_Scopus_bib_example.bib", 3): dict(
        line=53,
        title="Application of Digital Processing in Relic Image Restoration Design",
        author="Tang",
        year=2020,
        doi="10.1007/s11220-019-0265-8",
        journal="Sensing and Imaging",
        pages="6",
        source_id="Tang2020",
    ),
    ("scopus/synthesisr_Scopus_ris_example.ris", 1): dict(
        line=1,
        author="Li",
        year=2020,
        doi="10.1080/20964129.2020.1722034",
        journal="Ecosystem Health and Sustainability",
        pages="1722034",
        source_id="2-s2.0-85079532227",
        issn="2096-4129",
    ),
    ("scopus/synthesisr_Scopus_ris_example.ris", 3): dict(
        line=77,
        author="Tang",
        year=2020,
        doi="10.1007/s11220-019-0265-8",
        journal="Sensing and Imaging",
        journal_abbrev="Sens. Imaging",
        pages="6",
    ),
    ("web_of_science/litsearchr_WoS_corecollection_first150.bib", 1): dict(
        line=1,
        author="Roach",
        year=2019,
        doi="10.1016/j.foreco.2018.12.057",
        journal="FOREST ECOLOGY AND MANAGEMENT",
        title="Effects of pine-oak woodland restoration on breeding bird densities in the "
        "Ozark-Ouachita Interior Highlands",
        pages=f"443{EN}459",
        volume="437",
        source_id="ISI:000461270600041",
        journal_abbrev="For. Ecol. Manage.",
    ),
    ("web_of_science/litsearchr_WoS_corecollection_first150.bib", 150): dict(
        line=11815,
        author="Tingley",
        year=2016,
        doi="10.1098/rspb.2016.1703",
        journal="PROCEEDINGS OF THE ROYAL SOCIETY B-BIOLOGICAL SCIENCES",
        pages="20161703",
        source_id="ISI:000386490000014",
    ),
    ("web_of_science/synthesisr_WoS_txt_example.txt", 1): dict(
        line=3,
        author="Li",
        year=2020,
        doi="10.1080/20964129.2020.1722034",
        journal="ECOSYSTEM HEALTH AND SUSTAINABILITY",
        pages="1722034",
        source_id="WOS:000514379300001",  # AR "UNSP 1722034"
    ),
    ("web_of_science/synthesisr_WoS_txt_example.txt", 2): dict(
        line=56,
        title="Aesthetics and the Containment of Grief",
        author="Higgins",
        year=2020,
        doi="10.1111/jaac.12686",
        journal="JOURNAL OF AESTHETICS AND ART CRITICISM",
        pages=f"9{EN}20",
    ),
    ("web_of_science/synthesisr_WoS_txt_example.txt", 4): dict(
        line=137,
        author="Zhang",
        year=2020,
        pmid="31858815",
        source_id="MEDLINE:31858815",
        pages=f"315{EN}324",
        title="miR-324-5p inhibits gallbladder carcinoma cell metastatic behaviours by "
        "downregulation of transforming "
        "growth factor beta 2 expression.",
    ),
}


@pytest.fixture(scope="module")
def parsed(shared_dir):
    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = read_file(shared_dir / "data" / "exports" / name)
        return cache[name]

    return get


@pytest.mark.parametrize("name", sorted(FILES))
def test_export_imports(parsed, shared_dir, name):
    if not (shared_dir / "data" / "exports" / name).exists():
        pytest.skip(f"{name} is not in ../shared")
    pf = parsed(name)
    fmt, database, platform, encoding, count = FILES[name]
    assert (pf.format, pf.database, pf.platform, pf.encoding, len(pf.records), pf.unusable) == (
        fmt,
        database,
        platform,
        encoding,
        count,
        [],
    )
    assert [r.position for r in pf.records] == list(range(1, count + 1))
    for r in pf.records:
        assert r.raw and r.line is not None and r.title


@pytest.mark.parametrize(("name", "position"), sorted(RECORDS))
def test_record_values(parsed, shared_dir, name, position):
    if not (shared_dir / "data" / "exports" / name).exists():
        pytest.skip(f"{name} is not in ../shared")
    r = parsed(name).records[position - 1]
    assert r.position == position
    for key, expected in RECORDS[(name, position)].items():
        actual = r.first_author if key == "author" else getattr(r, key)
        assert actual == expected, f"{key}: {actual!r} != {expected!r}"


def test_same_paper_agrees_across_formats(parsed):
    """The Blue Light library as PubMed, EndNote XML and EndNote RIS gives the same identifiers."""
    xml = {r.pmid: r for r in parsed("endnote_xml/reflib_blue-light_endnote.xml").records if r.pmid}
    ris = {r.pmid: r for r in parsed("endnote_xml/reflib_blue-light_endnote_export.ris").records if r.pmid}
    nbib = {r.pmid: r for r in parsed("pubmed/reflib_blue-light.nbib").records}
    common = set(xml) & set(nbib)
    assert len(common) >= 70
    for pmid in common:
        assert xml[pmid].doi == nbib[pmid].doi == ris[pmid].doi
        assert xml[pmid].year == nbib[pmid].year
        # EndNote sentence-cases page ids ("Cd007917" for PubMed's "CD007917").
        assert (str(xml[pmid].start_page).lower(), xml[pmid].end_page) == (
            str(nbib[pmid].start_page).lower(),
            nbib[pmid].end_page,
        )


# --- dedup benchmark CSVs -------------------------------------------------------------

DEDUP = {
    # file -> (encoding, records, first record's (title start, first author, year, pages, source_id))
    "rathbone2015_sradm/cytology_screening/records_labelled.csv": (
        "utf-8",
        1856,
        ("Comparison of human papillomavirus distribution", "Zuna", 2006, f"288{EN}297", "id_0000001"),
    ),
    "rathbone2015_sradm/haematology/records_labelled.csv": (
        "utf-8",
        1415,
        ("New insights into postrenal transplant hemolytic", "Zuber", 2011, f"23{EN}35", "id_0000001"),
    ),
    "asysd_diabetes/records_labelled.csv": (
        "utf-8",
        1845,
        ("Intestinal lipoprotein overproduction", "Adeli", 2008, f"221{EN}228", "1"),
    ),
    "asysd_diabetes/labelled_test_set.csv": (
        "cp1252",
        1845,
        ("Intestinal lipoprotein overproduction", "Adeli", 2008, f"221{EN}228", "1"),
    ),
    "bibdedupe_special_cases/records_labelled.csv": (
        "utf-8",
        12,
        ("How Consumers Perceive Trustworthiness", "Deng", 2017, None, "id_0000001"),
    ),
}


@pytest.mark.parametrize("name", sorted(DEDUP))
def test_dedup_csvs_import_with_guessed_headers(shared_dir, name):
    path = shared_dir / "data" / "dedup" / name
    if not path.exists():
        pytest.skip(f"{name} is not in ../shared")
    encoding, count, (title, author, year, pages, source_id) = DEDUP[name]
    pf = read_file(path)
    assert (pf.format, pf.encoding, len(pf.records), pf.unusable) == ("csv", encoding, count, [])
    r = pf.records[0]
    assert (r.title or "").startswith(title)
    assert (r.first_author, r.year, r.pages, r.source_id, r.line) == (author, year, pages, source_id, 2)


def test_asysd_quirks(shared_dir):
    """Separator-less author lists, URL-form DOIs, Excel-damaged pages, NA cells."""
    path = shared_dir / "data" / "dedup" / "asysd_diabetes" / "records_labelled.csv"
    if not path.exists():
        pytest.skip("asysd_diabetes is not in ../shared")
    records = {r.source_id: r for r in read_file(path).records}
    first, dup = records["1"], records["699"]  # the same paper from two sources
    assert [a.family for a in first.authors] == ["Adeli", "Lewis"]
    assert first.doi == dup.doi == "10.1097/mol.0b013e3282ffaf82"  # bare vs http://dx.doi.org/ form
    assert (
        (first.start_page, first.end_page) == (dup.start_page, dup.end_page) == ("221", "228")
    )  # 221-8 vs 221-228
    assert first.issn == "0957-9672"  # "0957-9672 (Print)\r\n0957-9672" in the isbn column
    assert not any(r.doi == "na" or r.start_page == "NA" for r in records.values())
    months = [r for r in records.values() if r.raw.count("-Sep") or r.raw.count("-Apr")]
    assert months and all(r.start_page and r.start_page.isdigit() for r in months if r.start_page)


def test_latin1_labelled_test_set_matches_utf8_derivative(shared_dir):
    base = shared_dir / "data" / "dedup" / "asysd_diabetes"
    if not base.exists():
        pytest.skip("asysd_diabetes is not in ../shared")
    latin = {r.source_id: r for r in read_file(base / "labelled_test_set.csv").records}
    utf8 = {r.source_id: r for r in read_file(base / "records_labelled.csv").records}
    assert latin.keys() == utf8.keys()
    differ = [k for k in latin if (latin[k].title, latin[k].authors) != (utf8[k].title, utf8[k].authors)]
    assert not differ, differ[:5]
