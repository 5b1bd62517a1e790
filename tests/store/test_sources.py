"""Removing a wrongly imported source, archiving a screened one, and restoring either until the next dedup."""

from __future__ import annotations

import pytest

from screener.core.models import Author, BibRecord, Stage, Verdict
from screener.core.prisma import check, methods_paragraph
from screener.store import SourceInput, StoreError, open_store
from screener.workflows.dedup import run_dedup
from screener.workflows.prisma import compute_flow, methods_facts

TA = Stage.TITLE_ABSTRACT
PAPER = dict(
    title="Low-dose naltrexone for the treatment of fibromyalgia: a pilot study",
    authors=(Author("Younger", "J"), Author("Mackey", "S")),
    year=2009,
    volume="10",
    start_page="663",
    doi="10.1111/j.1526-4637.2009.00613.x",
    journal="Pain Med",
)


@pytest.fixture
def store(db_url, protocol):
    s = open_store(db_url, create=True)
    s.init_review(protocol)
    s.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [
            BibRecord(position=1, **PAPER),
            BibRecord(position=2, title="Pharmacotherapy of fibromyalgia"),
            BibRecord(position=3, title="Naltrexone in alcohol dependence"),
        ],
    )
    s.add_source(
        SourceInput("Embase", "e.ris", "b" * 64, "ris"),
        [BibRecord(position=1, **PAPER), BibRecord(position=2, title="Microglia and LDN")],
    )
    yield s
    s.close()


def test_remove_a_source_without_decisions_then_restore_it(store):
    run_dedup(store)
    [cluster] = store.clusters()
    assert cluster.members == (1, 4) and store.pairs_of(4)
    removal = store.remove_source(2, by="NA")
    assert (removal.mode, removal.records, removal.clusters_changed) == ("removed", 2, 1)
    assert store.record_count() == 3 and [s.name for s in store.sources()] == ["PubMed"]
    assert store.clusters() == [] and store.pairs_of(4) == []  # its dedup links went with it
    assert store.stage_pool(TA) == [1, 2, 3]
    assert store.removed_sources() == [(2, "Embase", "removed")]
    assert store.source_by_sha256("b" * 64) is None  # the right file can be imported now
    name, count = store.restore_source(2)
    assert (name, count) == ("Embase", 2)
    assert (
        store.record_count() == 5 and [r.bib.title for r in store.records([4, 5])][1] == "Microglia and LDN"
    )
    assert store.clusters() == [cluster]  # the same cluster, same id, same primary
    assert store.pairs_of(4) and store.stage_pool(TA) == [1, 2, 3, 5]
    with pytest.raises(StoreError, match="was not removed"):
        store.restore_source(2)


def test_a_removal_cannot_be_restored_after_the_next_dedup(store):
    store.remove_source(2)
    run_dedup(store)
    with pytest.raises(StoreError, match="dedup has run since"):
        store.restore_source(2)
    assert store.source_list()[0].restorable is False


def test_a_source_with_decisions_is_refused_unless_archived(store):
    run_dedup(store)
    store.unblind(TA, "NA")  # the PRISMA counts below are read while screening goes on
    store.record_decision(4, TA, "NA", Verdict.INCLUDE)  # 4 is a duplicate: decided before dedup merged it?
    store.record_decision(5, TA, "NA", Verdict.EXCLUDE, reasons=("E1",))
    store.record_decision(5, TA, "ZL", Verdict.EXCLUDE, reasons=("E1",))
    with pytest.raises(StoreError, match=r"source 2 \(Embase\): 2 of its 2 records carry decisions; --force"):
        store.remove_source(2)
    assert store.record_count() == 5
    removal = store.remove_source(2, force=True, by="NA")
    assert (removal.mode, removal.with_decisions) == ("archived", 2)
    assert store.stage_pool(TA) == [1, 2, 3] and store.record_count() == 3
    assert [d.record_id for d in store.decision_log(TA)] == [4, 5, 5]  # decisions stay in the log
    assert store.search("microglia") == []
    counts = compute_flow(store).counts
    assert counts.databases == {"PubMed": 3} and counts.records_screened == 3
    assert counts.records_excluded_human == 0  # record 5's exclusion left with it
    assert not [m for m in check(counts) if m.is_error]
    text = methods_paragraph(methods_facts(store))
    assert (
        "One search was withdrawn from the review after screening had begun: Embase (2 records, 2 with "
        "decisions)" in text
    )
    [info] = [s for s in store.source_list() if s.id == 2]
    assert info.archived and info.restorable
    store.restore_source(2)
    assert store.stage_pool(TA) == [1, 2, 3, 5] and compute_flow(store).counts.records_excluded_human == 1


def test_restore_refused_when_the_file_was_imported_again(store):
    store.remove_source(2)
    store.add_source(SourceInput("Embase", "e.ris", "b" * 64, "ris"), [BibRecord(position=1, title="Again")])
    with pytest.raises(StoreError, match="its file was imported again"):
        store.restore_source(2)
    assert [s.name for s in store.sources()] == ["PubMed", "Embase"] and store.record_count() == 4
