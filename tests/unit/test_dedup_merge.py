"""merged_fields against the field-by-field loop it replaced (issue 17: typed, same result)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.dedup import Cluster, merged_fields
from screener.core.dedup.features import Features
from screener.core.models import Author, BibRecord

_FILLABLE = (
    "abstract",
    "doi",
    "pmid",
    "pmcid",
    "issn",
    "journal",
    "journal_abbrev",
    "volume",
    "issue",
    "year",
    "language",
    "url",
)


def _merged_before(cluster: Cluster, records: Mapping[int, BibRecord]) -> BibRecord:
    """The implementation before issue 17, kept as the oracle."""
    primary = records[cluster.primary]
    others = sorted(
        (m for m in cluster.members if m != cluster.primary),
        key=lambda m: (-Features.of(records[m]).fields, m),
    )
    updates: dict[str, object] = {}
    for name in _FILLABLE:
        if getattr(primary, name):
            continue
        if name == "abstract":
            candidates = [records[m].abstract for m in others if records[m].abstract]
            if candidates:
                updates[name] = max(candidates, key=len)  # type: ignore[arg-type]
            continue
        for m in others:
            value = getattr(records[m], name)
            if value:
                updates[name] = value
                break
    if not primary.start_page:
        for m in others:
            if records[m].start_page:
                updates["start_page"] = records[m].start_page
                updates["end_page"] = records[m].end_page
                break
    if not primary.authors:
        for m in others:
            if records[m].authors:
                updates["authors"] = records[m].authors
                break
    return replace(primary, **updates) if updates else primary  # type: ignore[arg-type]


def _maybe(*values: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(["", *values]))


@st.composite
def _records(draw: st.DrawFn) -> BibRecord:
    return BibRecord(
        position=1,
        title=draw(_maybe("A trial", "A trial of mice")),
        authors=draw(st.sampled_from([(), (Author("Smith", "J"),), (Author("Lee", ""), Author("Ng", "K"))])),
        year=draw(st.one_of(st.none(), st.sampled_from([0, 1999, 2012]))),
        journal=draw(_maybe("Lancet", "Cancer")),
        journal_abbrev=draw(_maybe("Lancet")),
        volume=draw(_maybe("1", "12")),
        issue=draw(_maybe("2")),
        start_page=draw(_maybe("1", "375")),
        end_page=draw(_maybe("9", "382")),
        doi=draw(_maybe("10.1000/a", "10.1000/b")),
        pmid=draw(_maybe("123", "456")),
        pmcid=draw(_maybe("PMC1")),
        issn=draw(_maybe("1234-5678")),
        abstract=draw(_maybe("Short.", "A longer abstract.", "Same length abc.", "Same length xyz.")),
        language=draw(_maybe("eng", "fre")),
        url=draw(_maybe("https://example.org/1")),
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(_records(), min_size=1, max_size=5), st.data())
def test_merged_fields_matches_the_loop_it_replaced(members: list[BibRecord], data: st.DataObject) -> None:
    records = {i + 1: r for i, r in enumerate(members)}
    primary = data.draw(st.sampled_from(sorted(records)))
    cluster = Cluster(tuple(sorted(records)), primary, "automatic", "test")
    got = merged_fields(cluster, records)
    want = _merged_before(cluster, records)
    assert got == want
    assert (got is records[primary]) == (want is records[primary])
