"""Writing records as RIS or BibTeX and reading them back keeps every normalised field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.core.models import BibRecord
from screener.core.normalise import (
    clean_text,
    expand_pages,
    normalise_doi,
    normalise_issn,
    normalise_language,
    normalise_url,
    parse_author,
)
from screener.exporters import write_bibtex, write_ris
from screener.importers import read_file
from screener.importers._common import journal_pair

SKIP = ("raw", "line", "position", "database")  # the database is the source's, not written per record
WRITERS = {"ris": (write_ris, ".ris"), "bibtex": (write_bibtex, ".bib")}


def fields(r: BibRecord) -> dict:
    return {k: v for k, v in dataclasses.asdict(r).items() if k not in SKIP}


def roundtrip(records: list[BibRecord], fmt: str, directory: Path) -> list[BibRecord]:
    writer, suffix = WRITERS[fmt]
    path = directory / f"out{suffix}"
    path.write_text(writer(records), encoding="utf-8")
    parsed = read_file(path)
    assert parsed.format == fmt
    assert not parsed.unusable
    return parsed.records


# --- generated records ------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "a",
        "Z",
        " ",
        "é",
        "ß",
        "β",
        "中",
        "&",
        "%",
        "$",
        "#",
        "_",
        "~",
        "^",
        ",",
        ";",
        " and ",
        "-",
        "'",
        '"',
        "<",
        ">",
        "p<0.05",
        "@",
        "(",
        ")",
        "=",
        "/",
        ".",
        "*",
        "\t",
        "\n",
        "&amp;",
        "<i>",
        "</i>",
        "{",
        "}",
        "\\",
        "\\'e",
        "{\\aa}",
        "$\\beta$",
        "Smith",
        "TY  - ",
        "ER  - ",
        "\u00ad",
        "and",
    ]
)
_RAW = st.one_of(st.lists(_PIECES, max_size=12).map("".join), st.text(max_size=30))
_TEXT = _RAW.map(clean_text)
_ID_CHARS = st.sampled_from(list("AZaz09:._/-+") + [" ", ",", "#", "&", "%"])


@st.composite
def records(draw) -> BibRecord:
    title = draw(_TEXT.filter(bool))
    names = [parse_author(clean_text(s)) for s in draw(st.lists(_RAW, max_size=4))]
    journal, abbrev = journal_pair(draw(_TEXT), draw(_TEXT))
    pages = expand_pages(
        draw(st.one_of(_TEXT, st.from_regex(r"[A-Za-z]?\d{1,5}(?:-[A-Za-z]?\d{1,5})?", fullmatch=True)))
    )
    doi = normalise_doi(
        draw(st.from_regex(r"10\.\d{4,5}/[A-Za-z0-9.()<>;:#%_-]{1,15}", fullmatch=True))
        if draw(st.booleans())
        else None
    )
    url = (
        normalise_url(
            draw(st.from_regex(r"https?://example\.org/[A-Za-z0-9._~%&=?/-]{0,20}", fullmatch=True))
        )
        if draw(st.booleans())
        else None
    )
    source_id = draw(
        st.one_of(
            st.none(),
            st.lists(_ID_CHARS, min_size=1, max_size=12).map(lambda c: " ".join("".join(c).split()) or None),
        )
    )
    kws = dict.fromkeys(k for k in (clean_text(s) for s in draw(st.lists(_RAW, max_size=4))) if k)
    return BibRecord(
        position=1,
        title=title,
        authors=tuple(a for a in names if a),
        year=draw(st.one_of(st.none(), st.integers(1500, 2199))),
        journal=journal,
        journal_abbrev=abbrev,
        volume=draw(_TEXT),
        issue=draw(_TEXT),
        start_page=pages[0],
        end_page=pages[1],
        doi=doi,
        pmid=draw(st.one_of(st.none(), st.integers(1, 99_999_999).map(str))),
        pmcid=draw(st.one_of(st.none(), st.integers(1, 10**8).map(lambda n: f"PMC{n}"))),
        issn=normalise_issn(draw(st.from_regex(r"\d{4}-?\d{3}[\dXx]", fullmatch=True)))
        if draw(st.booleans())
        else None,
        abstract=draw(_TEXT),
        keywords=tuple(kws),
        language=normalise_language(draw(st.one_of(_TEXT, st.sampled_from(["eng", "ger; fre", "English"])))),
        publication_type=draw(
            st.one_of(
                _TEXT,
                st.sampled_from(
                    [
                        "Journal Article",
                        "Book",
                        "Book Chapter",
                        "Review",
                        "Conference Paper",
                        "Thesis",
                        "Report",
                    ]
                ),
            )
        ),
        url=url,
        source_id=source_id,
    )


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@given(recs=st.lists(records(), min_size=1, max_size=4))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_generated_records_round_trip(tmp_path, fmt, recs):
    back = roundtrip(recs, fmt, tmp_path)
    assert [fields(r) for r in back] == [fields(r) for r in recs]
    assert [r.position for r in back] == list(range(1, len(recs) + 1))


# --- real exports -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize(
    "name",
    [
        "exports/ebsco/synthesisr_ASP_academic_search_premier.ris",
        "exports/embase/asreview_embase.ris",
        "exports/embase/asreview_embase.csv",
        "exports/endnote_xml/reflib_blue-light_endnote.xml",
        "exports/pubmed/reflib_blue-light.nbib",
        "exports/scopus/litsearchr_borealis_scopus.csv",
        "exports/scopus/synthesisr_Scopus_bib_example.bib",
        "exports/web_of_science/litsearchr_WoS_corecollection_first150.bib",
        "exports/web_of_science/synthesisr_WoS_txt_example.txt",
        "dedup/asysd_diabetes/records_labelled.csv",
    ],
)
def test_real_exports_round_trip(shared_dir, tmp_path, fmt, name):
    path = shared_dir / "data" / name
    if not path.exists():
        pytest.skip(f"{name} is not in ../shared")
    original = read_file(path).records
    back = roundtrip(original, fmt, tmp_path)
    assert len(back) == len(original)
    for a, b in zip(original, back, strict=True):
        assert fields(b) == fields(a), a.position


def test_empty_input_writes_nothing():
    assert write_ris([]) == "" and write_bibtex([]) == ""


def test_bibtex_output_shape():
    rec = BibRecord(
        position=1,
        title="Rock & roll: 50% of {x}",
        source_id="needs a key, really",
        authors=(parse_author("Bill and Melinda Gates Foundation,"), parse_author("Smith, J.")),
        keywords=("a, b",),
        publication_type="Review",
        start_page="12",
        end_page="15",
    )
    text = write_bibtex([rec])
    assert text.startswith("@article{screener:1,\n  unique-id = {needs a key, really},\n")
    assert "author = {{Bill and Melinda Gates Foundation} and Smith, J.}" in text
    assert "title = {Rock \\& roll: 50\\% of x}" in text
    assert "pages = {12--15}" in text and "type = {Review}" in text and "keywords = {{a, b};}" in text


def test_ris_output_shape():
    rec = BibRecord(
        position=1,
        title="T",
        authors=(parse_author("World Health Organization,"),),
        pmid="123",
        publication_type="Journal Article",
        source_id="7",
    )
    assert write_ris([rec]) == (
        "TY  - JOUR\nTI  - T\nAU  - World Health Organization,\nN1  - PMID: 123\nID  - 7\nER  - \n"
    )
