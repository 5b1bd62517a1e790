"""The store on SQLite and PostgreSQL: reviews, sources, records, append-only decisions."""

from __future__ import annotations

import pytest

from screener.core.models import Author, BibRecord, Source, Stage, StoredRecord, Verdict
from screener.core.protocol import Protocol
from screener.store import SourceInput, StoreError, open_store

RECORDS = [
    BibRecord(
        position=1,
        title="Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot study",
        authors=(Author("Younger", "J"), Author("Mackey", "S")),
        year=2009,
        journal="Pain Medicine",
        journal_abbrev="Pain Med",
        volume="10",
        issue="4",
        start_page="663",
        end_page="672",
        doi="10.1111/j.1526-4637.2009.00613.x",
        pmid="19453963",
        keywords=("naltrexone", "fibromyalgia"),
        source_id="19453963",
        line=1,
        raw="PMID- 19453963\nTI  - ...",
    ),
    BibRecord(
        position=2,
        title="Immunometabolic modulatory role of naltrexone in BV-2 microglia cells",
        authors=(Author("Kučić", "N"), Author("Rački", "V")),
        year=2021,
        doi="10.3390/ijms22168429",
    ),
]


def test_open_missing_review_is_refused(tmp_path):
    with pytest.raises(StoreError, match="no review at .*screener init"):
        open_store(tmp_path / "missing.db")


def test_review_sources_records_roundtrip(db_url: str, protocol: Protocol):
    store = open_store(db_url, create=True)
    store.init_review(protocol)
    assert store.protocol() == protocol
    assert store.reviewers() == ["NA", "ZL"]
    source = store.add_source(
        SourceInput("PubMed", "pubmed.nbib", "ab" * 32, "pubmed", searched_on="2022-05-16"), RECORDS
    )
    assert isinstance(source, Source) and source.record_count == 2 and source.imported_at is not None
    assert store.source_by_sha256("ab" * 32) == source
    assert store.source_by_sha256("cd" * 32) is None
    stored = store.records()
    assert [r.bib for r in stored] == RECORDS  # every field, accents included, comes back
    assert all(isinstance(r, StoredRecord) and r.source_id == source.id for r in stored)
    assert store.record_count() == 2
    with pytest.raises(StoreError, match="already holds a review"):
        store.init_review(protocol)
    store.close()


def test_decisions_are_append_only(db_url: str, protocol: Protocol):
    store = open_store(db_url, create=True)
    store.init_review(protocol)
    store.add_source(SourceInput("PubMed", "p.nbib", "00" * 32, "pubmed"), RECORDS)
    rid = store.records()[0].id
    ta = Stage.TITLE_ABSTRACT
    store.record_decision(rid, ta, "NA", Verdict.INCLUDE)
    store.record_decision(rid, ta, "NA", Verdict.EXCLUDE, reasons=("E2",), note="conference abstract")
    store.record_decision(rid, ta, "ZL", Verdict.MAYBE)
    store.record_decision(rid, ta, "ZL", Verdict.RETRACTED)
    log = store.decision_log(ta)
    assert [(d.reviewer, d.verdict) for d in log] == [
        ("NA", Verdict.INCLUDE),
        ("NA", Verdict.EXCLUDE),
        ("ZL", Verdict.MAYBE),
        ("ZL", Verdict.RETRACTED),
    ]
    current = store.current_decisions(ta)
    assert list(current) == [(rid, "NA")]  # ZL's retraction leaves ZL undecided
    assert current[(rid, "NA")].reasons == ("E2",) and current[(rid, "NA")].note == "conference abstract"
    assert store.current_decisions(ta, reviewer="ZL") == {}
    assert store.decision_counts() == {("title-abstract", "NA"): {"exclude": 1}}
    with pytest.raises(StoreError, match="no reviewer 'XX'"):
        store.record_decision(rid, ta, "XX", Verdict.INCLUDE)
    store.close()


def test_import_is_one_transaction(db_url: str, protocol: Protocol):
    """A failing record write leaves neither the source nor any record behind."""
    store = open_store(db_url, create=True)
    store.init_review(protocol)
    bad = [RECORDS[0], BibRecord(position=None)]  # type: ignore[arg-type]  # position is NOT NULL
    with pytest.raises(StoreError, match="could not write to"):
        store.add_source(SourceInput("PubMed", "p.nbib", "11" * 32, "pubmed"), bad)
    assert store.sources() == [] and store.record_count() == 0
    # Records handed over, then the import given up (a parse error further on): nothing.
    with (
        pytest.raises(RuntimeError, match="parse error"),
        store.import_source(SourceInput("", "p.nbib", "22" * 32, "pubmed")) as writer,
    ):
        writer.add(RECORDS)
        raise RuntimeError("parse error")
    assert store.sources() == [] and store.record_count() == 0
    # The source's name can wait until the whole file has been read.
    with store.import_source(SourceInput("", "p.nbib", "22" * 32, "pubmed")) as writer:
        writer.add(RECORDS)
        sid = writer.commit("PubMed", "NCBI")
    source = store.source(sid)
    assert (source.name, source.platform, source.record_count) == ("PubMed", "NCBI", len(RECORDS))
    store.close()


def test_large_import_keeps_every_field(db_url: str, protocol: Protocol):
    """Thousands of records in batches (SQLite inserts 1,000 rows per statement, then the rest):
    every field comes back, including author and keyword text that JSON must escape."""
    odd = [
        'Quote "in" name',
        "back\\slash",
        "tab\there",
        "new\nline",
        "Kučić",
        "\u00e9\u0301",
        "\x01ctl",
        "[]",
    ]
    records = [
        BibRecord(
            position=i,
            title=f"Title {i} {odd[i % len(odd)]}",
            line=i * 3,
            authors=tuple(
                Author(odd[(i + k) % len(odd)], odd[k % len(odd)] if k else "") for k in range(i % 4)
            ),
            keywords=tuple(odd[(i + k) % len(odd)] for k in range(i % 3)),
            year=1990 + i % 30,
            doi=f"10.1/{i}" if i % 2 else None,
            raw=f"TY  - JOUR\nT1  - {i}",
        )
        for i in range(1, 2346)
    ]
    store = open_store(db_url, create=True)
    store.init_review(protocol)
    with store.import_source(SourceInput("", "big.ris", "33" * 32, "ris")) as writer:
        for i in range(0, len(records), 700):
            writer.add(records[i : i + 700])
        sid = writer.commit("Embase", None)
    assert store.source(sid).record_count == len(records)
    assert [r.bib for r in store.records()] == records
    store.close()


def test_sqlite_pragmas(tmp_path, protocol: Protocol):
    store = open_store(tmp_path / "r.db", create=True)
    store.init_review(protocol)
    store.add_source(SourceInput("PubMed", "p.nbib", "22" * 32, "pubmed"), RECORDS)  # imports relax fsync ...
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # ... decisions never: FULL
    store.close()


def test_search_ignores_case_and_accents_and_takes_text_literally(db_url: str, protocol: Protocol):
    store = open_store(db_url, create=True)
    store.init_review(protocol)
    extra = BibRecord(position=3, title="ÄRZTLICHE Versorgung: 100% of patients_with pain", year=2020)
    store.add_source(SourceInput("PubMed", "p.nbib", "44" * 32, "pubmed"), [*RECORDS, extra])
    assert store.search("kucic") == [2]  # typed without accents: finds Kučić (authors)
    assert store.search("KUČIĆ") == [2]
    assert store.search("ärztliche") == [3]  # non-ASCII capitals fold too
    assert store.search("arztliche  versorgung") == [3]
    assert store.search("naltrexone") == [1, 2]
    assert store.search("100%") == [3] and store.search("0% of") == [3]
    assert store.search("patients_with") == [3] and store.search("n_ltrexone") == []  # no wildcards
    assert store.search("   ") == []
    store.close()


def test_related_records_name_the_screened_record(db_url: str, protocol: Protocol):
    """An erratum kept apart from an article found in two databases: each side names the
    other as it is screened (the article's cluster by its primary), on both backends; an
    incremental run keeps the relation, and undoing the article's merge names both copies."""
    from dataclasses import replace

    from screener.workflows.dedup import run_dedup

    store = open_store(db_url, create=True)
    store.init_review(protocol)
    article = RECORDS[0]
    erratum = replace(
        article,
        position=2,
        title="Erratum: " + article.title,
        start_page="1050",
        end_page=None,
        issue="6",
        doi=None,
        pmid=None,
    )
    store.add_source(SourceInput("PubMed", "p.nbib", "ab" * 32, "pubmed"), [article, erratum])
    store.add_source(
        SourceInput("Embase", "e.ris", "cd" * 32, "ris"), [replace(article, pmid=None, position=1)]
    )
    run_dedup(store)
    (cluster,) = store.clusters()
    assert cluster.members == (1, 3) and cluster.primary == 1
    assert [(rid, rule) for rid, rule, _ in store.related_records(2)] == [(1, "erratum-vs-article")]
    assert [(rid, rule) for rid, rule, _ in store.related_records(3)] == [(2, "erratum-vs-article")]
    store.add_source(SourceInput("Scopus", "s.csv", "ef" * 32, "csv"), [RECORDS[1]])
    run_dedup(store)  # incremental: the relation stays
    assert [rid for rid, _, _ in store.related_records(2)] == [1]
    store.undo_cluster(cluster.id, "NA")
    assert sorted(rid for rid, _, _ in store.related_records(2)) == [1, 3]
    store.close()
