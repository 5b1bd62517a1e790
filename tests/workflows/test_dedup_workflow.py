"""workflows.dedup: a pair decision, undoing a merge and explaining a record, without the command line."""

from __future__ import annotations

import pytest

from screener.core.models import Stage, Verdict
from screener.store import Store
from screener.workflows.dedup import (
    UnknownRecord,
    decide_pair,
    explain_record,
    run_dedup,
    screened_members,
    undo_merge,
)


def test_run_dedup_merges_the_same_papers(store: Store):
    summary = run_dedup(store)
    assert (summary.mode, summary.records, summary.new_records) == ("full", 6, 6)
    assert (summary.duplicate_pairs, summary.clusters, summary.removed) == (3, 3, 3)
    assert [c.members for c in store.clusters()] == [(1, 4), (2, 5), (3, 6)]
    again = run_dedup(store)
    assert (again.mode, again.new_records, again.clusters) == ("incremental", 0, 3)


def test_a_pair_with_an_unknown_record_writes_nothing(store: Store):
    run_dedup(store)
    with pytest.raises(UnknownRecord, match="no record 1 or 999 in this review"):
        decide_pair(store, 1, 999, "distinct", "NA")
    assert store.human_pair_decisions() == {}
    assert len(store.clusters()) == 3


def test_a_distinct_pair_leaves_its_cluster(store: Store):
    run_dedup(store)
    summary = decide_pair(store, 1, 4, "distinct", "NA")
    assert store.human_pair_decisions() == {frozenset({1, 4}): "distinct"}
    assert (summary.mode, summary.clusters, summary.removed) == ("recluster", 2, 2)
    assert [c.members for c in store.clusters()] == [(2, 5), (3, 6)]


def test_undoing_a_merge(store: Store):
    run_dedup(store)
    assert screened_members(store, 999) is None
    found = screened_members(store, store.clusters()[0].id)
    assert found is not None
    cluster, decided = found
    assert (cluster.members, decided) == ((1, 4), [])
    undone = undo_merge(store, cluster, "NA")
    assert undone.cluster == cluster and undone.kept_together == []
    assert (undone.summary.mode, undone.summary.clusters) == ("recluster", 2)
    assert store.human_pair_decisions() == {frozenset({1, 4}): "distinct"}


def test_explaining_a_record(store: Store):
    run_dedup(store)
    cluster, pairs = explain_record(store, 1)
    assert cluster is not None and cluster.members == (1, 4)
    assert {(p.pair.a, p.pair.b, p.pair.outcome) for p in pairs} >= {(1, 4, "duplicate")}
    for p in pairs:  # automatic pairs: the evidence starts with the stored outcome and rule
        assert p.pair.decided_by is None
        assert p.evidence[0].startswith(f"{p.pair.a} ~ {p.pair.b}: {p.pair.outcome} ({p.pair.rule}: ")
    decide_pair(store, 1, 4, "distinct", "NA")
    _, pairs = explain_record(store, 1)
    human = [p for p in pairs if p.pair.decided_by == "NA"]
    assert [(p.pair.outcome, p.evidence) for p in human] == [("distinct", [])]
    assert explain_record(store, 999) == (None, [])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # the earlier record is a conflict (include and maybe), the later one an agreed include
        ((Verdict.INCLUDE, Verdict.MAYBE), (Verdict.INCLUDE, Verdict.INCLUDE)),
        # the earlier record is an agreed exclusion, the later one still a conflict
        ((Verdict.EXCLUDE, Verdict.EXCLUDE), (Verdict.INCLUDE, Verdict.EXCLUDE)),
        # both conflicts, the later one nearer an include
        ((Verdict.EXCLUDE, Verdict.MAYBE), (Verdict.INCLUDE, Verdict.MAYBE)),
    ],
)
def test_merging_two_screened_records_keeps_the_one_nearest_inclusion(store: Store, first, second):
    """Two copies screened apart, then merged: the copy whose outcome went furthest counts for the
    study (an agreed include over a conflict, a conflict over an agreed exclusion), whatever the
    import order, so a merge never takes an include out of the reports sought."""
    for rid, verdicts in ((1, first), (4, second)):
        for reviewer, verdict in zip(("NA", "ZL"), verdicts, strict=True):
            reasons = ("E1",) if verdict is Verdict.EXCLUDE else ()
            store.record_decision(rid, Stage.TITLE_ABSTRACT, reviewer, verdict, reasons)
    run_dedup(store)
    assert [(c.members, c.primary) for c in store.clusters() if 1 in c.members] == [((1, 4), 4)]
