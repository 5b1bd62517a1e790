"""The RIS and BibTeX writers' exact text for records that exercise every field and branch.

Pinned before the writers' field runs became tables (issue 17): the text must not change.
Rewrite the golden files with UPDATE_GOLDEN=1 only for an intended change of output.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from screener.core.models import Author, BibRecord
from screener.exporters import write_bibtex, write_ris

GOLDEN = Path(__file__).parent / "golden"

FULL = BibRecord(
    position=1,
    title="Effect of exenatide & co. on 50% of\nplaque_formation #1 ~ $x^2$ {braced}",
    authors=(Author("Smith", "J A"), Author("World Health Organization"), Author("Lee, Jr", "K and L")),
    year=2012,
    journal="Atherosclerosis",
    journal_abbrev="Atheroscler.",
    volume="221",
    issue="2",
    start_page="375",
    end_page="382",
    doi="10.1016/j.atherosclerosis.2012.{01}.005",
    pmid="22341866",
    pmcid="PMC123456",
    issn="0021-9150",
    abstract="Line one.\r\nLine two with 100% & more.",
    keywords=("mice", "plaque, arterial", "a; b"),
    language="eng",
    publication_type="Journal Article",
    url="https://example.org/a_b{c}",
    source_id="Smith2012",
)

RECORDS = [
    FULL,
    BibRecord(position=2),
    BibRecord(position=3, title="Year zero", year=0, publication_type="Review", source_id="7 8"),
    BibRecord(
        position=4,
        title="A chapter",
        journal="Proceedings of a meeting",
        publication_type="Book Chapter",
        start_page="S77",
        source_id="screener:12",
    ),
    BibRecord(position=5, title="A paper", journal="Conf", publication_type="Conference Paper"),
    BibRecord(position=6, title="A thesis", publication_type="Thesis", keywords=("{one, two}",)),
    BibRecord(position=7, title="Unknown type", publication_type="Dataset of things", pmid="1"),
    BibRecord(position=8, authors=(Author("Ng"),), pmcid="PMC9", end_page="9", url="u"),
    BibRecord(position=9, title="Editorial", publication_type="Editorial", language="fre", issn="1"),
    BibRecord(
        position=10, title="Magazine", publication_type="Magazine Article", volume="3", issue="Suppl 1"
    ),
]


def assert_golden(name: str, text: str) -> None:
    """Compare ``text`` with golden file ``name`` exactly; rewrite it under UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(text.encode("utf-8"))
        return
    if not path.exists():
        pytest.fail(f"golden file {path} missing; run with UPDATE_GOLDEN=1 to create it")
    assert text == path.read_bytes().decode("utf-8"), (
        f"{name} differs from golden (UPDATE_GOLDEN=1 to accept)"
    )


def test_ris_golden() -> None:
    assert_golden("export_sample.ris", write_ris(RECORDS))


def test_bibtex_golden() -> None:
    assert_golden("export_sample.bib", write_bibtex(RECORDS))
