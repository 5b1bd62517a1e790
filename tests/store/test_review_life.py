"""Decisions survive the life of a review: update searches, re-dedup, undo, unblinding, full text.

Issue 12.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.core.models import Author, BibRecord, Stage, Verdict
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import ReopenNeeded, SourceInput, Store, StoreError, open_store
from screener.workflows.dedup import run_dedup
from screener.workflows.prisma import compute_flow
from screener.workflows.status import review_status

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
TITLE = "Low-dose naltrexone for the treatment of fibromyalgia: a randomized crossover trial"


def _rec(position: int, title: str, **fields: object) -> BibRecord:
    return BibRecord(
        position=position,
        title=title,
        authors=(Author("Younger", "J"), Author("Mackey", "S")),
        year=2013,
        journal="Arthritis Rheum",
        volume="65",
        start_page="529",
        **fields,
    )  # type: ignore[arg-type]


def _store(tmp_path: Path, records: list[BibRecord]) -> Store:
    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    store.add_source(SourceInput("Embase", "embase.ris", "a" * 64, "ris"), records)
    return store


def _both(store: Store, rid: int, stage: Stage, verdict: Verdict, reasons: tuple[str, ...] = ()) -> None:
    for reviewer in ("NA", "ZL"):
        store.record_decision(rid, stage, reviewer, verdict, reasons)


def _update(store: Store, records: list[BibRecord], sha: str = "b" * 64) -> None:
    store.add_source(SourceInput("PubMed", "pubmed_update.nbib", sha, "pubmed"), records)


@pytest.fixture
def screened(tmp_path: Path) -> Store:
    """Two records; record 1 included by both reviewers at title/abstract and full text."""
    store = _store(
        tmp_path,
        [_rec(1, TITLE, doi="10.1002/art.37734"), _rec(2, "Microglia in chronic pain", doi="10.1/other")],
    )
    run_dedup(store)
    _both(store, 1, TA, Verdict.INCLUDE)
    _both(store, 2, TA, Verdict.EXCLUDE)
    store.set_retrieval(1, "retrieved", location="a.pdf", by="NA")
    _both(store, 1, FT, Verdict.INCLUDE)
    yield store
    store.close()


# -- 1. an update search never un-screens a record -------------------------------------------------------


def test_update_search_keeps_the_screened_record_and_its_decisions(screened: Store):
    store = screened
    before = store.flow_numbers()
    assert (before["reports_sought"], before["included"]) == (1, 1)
    decided_at = store.current_decisions(TA, "NA")[(1, "NA")].created_at
    _update(
        store,
        [
            _rec(
                1,
                TITLE,
                doi="10.1002/art.37734",
                pmid="23359310",
                abstract="Fibromyalgia is a chronic pain disorder. Low-dose naltrexone ...",
            )
        ],
    )
    summary = run_dedup(store)
    assert "  1 new record joined records already screened; their decisions stand" in summary.lines()
    cluster = store.cluster_of(3)
    assert cluster is not None and cluster.primary == 1 and cluster.members == (1, 3)
    after = store.flow_numbers()
    assert (after["reports_sought"], after["included"], after["records_undecided"]) == (1, 1, 0)
    assert store.box_ids("included") == [1] and store.box_ids("records_undecided") == []
    shown = store.screening_record(1)
    assert shown is not None and shown.bib.pmid == "23359310" and shown.bib.abstract  # gaps filled
    assert store.gained_fields(1, decided_at) == ["abstract", "pmid"]  # "updated since you decided"
    status = "\n".join(review_status(store).lines())
    assert "title-abstract  NA          2 of 2 decided" in status
    # Running dedup again (incremental or full) keeps it so.
    assert "joined" not in " ".join(run_dedup(store).lines())
    run_dedup(store, full=True)
    assert store.cluster_of(1).primary == 1 and store.flow_numbers()["included"] == 1  # type: ignore[union-attr]


def test_a_cluster_of_unscreened_records_still_keeps_the_most_complete(tmp_path: Path):
    store = _store(
        tmp_path, [_rec(1, TITLE, doi="10.1/x"), _rec(2, TITLE, doi="10.1/x", abstract="An abstract.")]
    )
    summary = run_dedup(store)
    assert store.cluster_of(1).primary == 2 and not summary.joined_screened  # type: ignore[union-attr]
    store.close()


# -- 3. every --by names a reviewer of the protocol ----------------------------------------------------


def test_by_must_be_a_reviewer_of_the_protocol(screened: Store, tmp_path: Path):
    store = screened
    _update(store, [_rec(1, "Pharmacotherapy of fibromyalgia", doi="10.9/z")])
    db = str(tmp_path / "review.db")
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", db, "dedup", "--different", "1", "3", "--by", "NA"])
    assert out.exit_code == 0, out.output
    for args in (["--same", "1", "3", "--by", "XX"], ["--same", "1", "3"], ["--undo", "1"]):
        out = runner.invoke(cli, ["--db", db, "dedup", *args])
        assert out.exit_code == 1 and len(out.output.strip().splitlines()) == 1, (args, out.output)
        assert "--by" in out.output and "NA, ZL" in out.output
    assert (
        "not a reviewer of the protocol"
        in runner.invoke(cli, ["--db", db, "dedup", "--same", "1", "3", "--by", "XX"]).output
    )
    assert store.human_pair_decisions() == {frozenset((1, 3)): "distinct"}
    assert {p.decided_by for p in store.pairs_of(1) if p.decided_by} == {"NA"}
    with pytest.raises(StoreError, match="not a reviewer"):
        store.record_pair_decision(1, 3, "duplicate", "lead")
    with pytest.raises(StoreError, match="not a reviewer"):
        store.set_retrieval(1, "retrieved", by="XX")
    with pytest.raises(StoreError, match="not a reviewer"):
        store.record_resolution(1, TA, Verdict.INCLUDE, "XX", "consensus")
    out = runner.invoke(cli, ["--db", db, "unblind", "--by", "ZL"])
    assert out.exit_code == 1 and "only the review's lead" in out.output


# -- 5. not retrieved is an outcome of the full-text stage ------------------------------------------------


def test_not_retrieved_leaves_the_queue_counts_everywhere_and_finishes_the_stage(tmp_path: Path):
    store = _store(
        tmp_path, [_rec(i, f"Trial {i} of naltrexone in fibromyalgia", doi=f"10.1/{i}") for i in range(1, 4)]
    )
    for rid in (1, 2, 3):
        _both(store, rid, TA, Verdict.INCLUDE)
    _both(store, 1, FT, Verdict.INCLUDE)
    _both(store, 2, FT, Verdict.INCLUDE)
    assert store.stage_pool(FT) == [1, 2, 3] and store.is_blind(FT)
    store.set_retrieval(3, "not-retrieved", reason="not held by any library", by="NA")
    store.set_retrieval(2, "not-retrieved", reason="withdrawn", by="ZL")  # after both included it
    assert store.stage_pool(FT) == [1] and store.not_retrieved_ids() == [2, 3]
    assert not store.is_blind(FT)  # what remains is all not retrieved: the stage is finished
    with pytest.raises(StoreError, match="not retrieved"):
        store.record_decision(3, FT, "NA", Verdict.INCLUDE)
    with pytest.raises(StoreError, match="not retrieved"):
        store.record_resolution(3, FT, Verdict.EXCLUDE, "NA", "consensus", ("E1",))
    flow = store.flow_numbers()
    counts = compute_flow(store).counts
    status = review_status(store)
    ft = next(c for c in status.stages if c.stage is FT)
    assert (flow["reports_not_retrieved"], flow["included"], flow["reports_undecided"]) == (2, 1, 0)
    assert (counts.reports_not_retrieved, counts.new_reports) == (2, 1)
    assert (ft.included, ft.not_retrieved, ft.undecided, ft.decided) == (1, 2, 0, 1)
    assert store.box_ids("included") == [1] and store.box_ids("reports_not_retrieved") == [2, 3]
    text = "\n".join(status.lines())
    assert "full-text       NA          1 of 1 decided (include 1); 2 reports not retrieved" in text
    # Marked retrieved again: its votes count again, and it can be decided.
    store.set_retrieval(2, "retrieved", location="b.pdf", by="NA")
    assert store.flow_numbers()["included"] == 2 and store.stage_pool(FT) == [1, 2]
    store.record_decision(2, FT, "NA", Verdict.INCLUDE)


# -- 6. a note is stored when written ---------------------------------------------------------------------


def test_a_note_is_stored_when_written_and_survives_undo(screened: Store):
    store = screened
    store.record_note(2, FT, "NA", "check the trial registry")  # record 2 has no full-text decision
    assert store.notes(FT, "NA") == {(2, "NA"): "check the trial registry"}
    store.record_decision(1, TA, "NA", Verdict.EXCLUDE, ("E1",), note="on reflection, a review", reopen=True)
    store.record_decision(1, TA, "NA", Verdict.RETRACTED, reopen=True)  # undo
    assert store.notes(TA, "NA") == {(1, "NA"): "on reflection, a review"}
    assert store.notes(FT, "ZL") == {}
    with pytest.raises(StoreError, match="not a reviewer"):
        store.record_note(1, TA, "XX", "text")


# -- 2. undo of a merge is one human decision; same-identifier records stay together ----------------------


def test_undo_keeps_identifier_twins_together_asks_first_and_same_joins_again(tmp_path: Path):
    store = _store(
        tmp_path, [_rec(1, TITLE, doi="10.1002/art.37734"), _rec(2, TITLE, issue="2")]
    )  # no identifier: joined by the bibliographic rule
    _update(store, [_rec(1, TITLE, doi="10.1002/ART.37734", pmid="23359310", abstract="An abstract.")])
    run_dedup(store)
    (cluster,) = store.clusters()
    assert cluster.members == (1, 2, 3)
    _both(store, cluster.primary, TA, Verdict.INCLUDE)
    db = str(tmp_path / "review.db")
    runner = CliRunner()
    refused = runner.invoke(cli, ["--db", db, "dedup", "--undo", str(cluster.id), "--by", "ZL"], input="n\n")
    assert (
        "carry screening decisions; undo the merge anyway?" in refused.output
        and "nothing changed" in refused.output
    )
    assert [c.members for c in store.clusters()] == [(1, 2, 3)]
    out = runner.invoke(cli, ["--db", db, "dedup", "--undo", str(cluster.id), "--by", "ZL", "--yes"])
    assert out.exit_code == 0, out.output
    assert "kept together (same DOI or PMID): 1+3" in out.output
    assert [c.members for c in store.clusters()] == [(1, 3)]  # 2 comes apart; 1 and 3 share a DOI
    assert store.human_pair_decisions() == {frozenset((1, 2)): "distinct", frozenset((2, 3)): "distinct"}
    assert {p.decided_by for p in store.pairs_of(2) if p.decided_by} == {"ZL"}
    assert run_dedup(store, full=True).clusters == 1 and store.duplicates_removed() == 1  # the undo holds
    out = runner.invoke(cli, ["--db", db, "dedup", "--same", "2", "3", "--by", "NA"])
    assert out.exit_code == 0 and "recorded: 2 and 3 are duplicates" in out.output
    assert [c.members for c in store.clusters()] == [(1, 2, 3)]  # joined again
    assert store.flow_numbers()["records_undecided"] == 0  # the screened primary still counts
    # Identifier twins come apart only when named explicitly.
    runner.invoke(cli, ["--db", db, "dedup", "--different", "1", "3", "--by", "NA"])
    assert not any({1, 3} <= set(c.members) for c in store.clusters())
    store.close()


# -- 4. changing a settled decision asks first and is recorded as a reopening -----------------------------


def test_changing_a_settled_decision_is_a_reopening_listed_until_decided_again(tmp_path: Path):
    store = _store(
        tmp_path, [_rec(i, f"Trial {i} of naltrexone in fibromyalgia", doi=f"10.1/{i}") for i in range(1, 4)]
    )
    _both(store, 1, TA, Verdict.INCLUDE)
    store.record_decision(2, TA, "NA", Verdict.INCLUDE)
    store.record_decision(2, TA, "ZL", Verdict.EXCLUDE, ("E1",))
    store.record_decision(3, TA, "NA", Verdict.EXCLUDE)
    store.record_decision(3, TA, "NA", Verdict.EXCLUDE, ("E2",))  # blind: a change needs no confirmation
    store.record_decision(3, TA, "ZL", Verdict.EXCLUDE, ("E2",))
    store.unblind(TA, "NA")
    store.record_resolution(2, TA, Verdict.INCLUDE, "NA", "consensus", note="agreed after discussion")
    today = store.resolutions(TA)[2].created_at.date().isoformat()  # type: ignore[union-attr]
    with pytest.raises(ReopenNeeded) as agreed:
        store.record_decision(1, TA, "NA", Verdict.EXCLUDE, ("E1",))
    assert agreed.value.settled.text == f"agreed: include, by NA and ZL on {today} (stage unblinded)"
    with pytest.raises(ReopenNeeded) as resolved:
        store.record_decision(2, TA, "ZL", Verdict.RETRACTED)  # an undo changes it too
    assert resolved.value.settled.text == f"resolved: include, by NA and ZL on {today}"
    store.record_decision(2, TA, "ZL", Verdict.EXCLUDE, ("E1",))  # the same decision again changes nothing
    assert store.reopened(TA) == [] and store.flow_numbers()["reports_sought"] == 2
    # Confirmed: recorded as reopenings, the resolution set aside, listed until decided again.
    store.record_decision(1, TA, "NA", Verdict.EXCLUDE, ("E1",), reopen=True)
    store.record_decision(2, TA, "NA", Verdict.MAYBE, reopen=True)
    assert store.reopened(TA) == [1, 2] and store.resolutions(TA) == {}
    flow = store.flow_numbers()
    assert (flow["reports_sought"], flow["records_undecided"]) == (0, 2)
    assert store.box_ids("records_undecided") == [1, 2]
    status = "\n".join(review_status(store).lines())
    assert "title-abstract: 2 reopened after a final decision, not decided again: records 1, 2" in status
    assert compute_flow(store).reopened_lines()[0].endswith("(counted as undecided): 1, 2")
    store.record_resolution(1, TA, Verdict.INCLUDE, "ZL", "consensus")  # decided again
    store.record_decision(2, TA, "ZL", Verdict.MAYBE)  # ... or agreed again (conflict under maybe = conflict)
    assert store.reopened(TA) == [2]
    store.record_resolution(2, TA, Verdict.EXCLUDE, "NA", "consensus", ("E1",))
    assert store.reopened(TA) == [] and store.flow_numbers()["reports_sought"] == 1
    store.close()


# -- 7. the resolution record can be seen, exported and re-resolved ---------------------------------------


def test_resolved_conflicts_are_listed_exported_and_re_resolved_with_history(tmp_path: Path):
    import csv
    import io

    store = _store(
        tmp_path, [_rec(i, f"Trial {i} of naltrexone in fibromyalgia", doi=f"10.1/{i}") for i in range(1, 4)]
    )
    for rid in (1, 2, 3):
        store.record_decision(rid, TA, "NA", Verdict.INCLUDE)
        store.record_decision(rid, TA, "ZL", Verdict.EXCLUDE if rid < 3 else Verdict.INCLUDE, ())
    store.close()
    db = str(tmp_path / "review.db")
    runner = CliRunner()

    def run(*args: str) -> str:
        out = runner.invoke(cli, ["--db", db, *args])
        assert out.exit_code == 0, out.output
        return out.output

    run("unblind", "--by", "NA")
    store = open_store(db)
    store.record_resolution(1, TA, Verdict.INCLUDE, "NA", "consensus", note="pilot data count")
    store.close()
    open_only = run("conflicts", "--list")
    assert "1 conflict at title-abstract:" in open_only and "record 1" not in open_only
    listing = run("conflicts", "--list", "--all")
    assert "1 conflict at title-abstract, 1 resolved:" in listing
    assert "record 1 (resolved): Trial 1" in listing and "record 2: Trial 2" in listing
    assert "resolved include, by NA (consensus) on " in listing and "(note: pilot data count)" in listing
    rows = list(csv.DictReader(io.StringIO(run("export", "resolutions"))))
    assert [(r["record_id"], r["verdict"], r["resolved_by"], r["note"], r["in_effect"]) for r in rows] == [
        ("1", "include", "NA", "pilot data count", "yes")
    ]
    store = open_store(db)
    store.record_resolution(1, TA, Verdict.EXCLUDE, "ZL", "consensus", ("E1",), note="on second reading")
    store.close()
    listing = run("conflicts", "--list", "--all")
    assert "earlier  include, by NA (consensus)" in listing and "(note: pilot data count)" in listing
    assert "resolved exclude — Review articles" in listing
    rows = list(csv.DictReader(io.StringIO(run("export", "resolutions"))))
    assert [(r["verdict"], r["in_effect"], r["note"]) for r in rows] == [
        ("include", "no", "pilot data count"),
        ("exclude", "yes", "on second reading"),
    ]


def test_a_human_merge_of_an_included_and_an_excluded_record_keeps_the_include(tmp_path: Path):
    """Found by the review machine: both reviewers excluded record 1 and included record 2; a human then
    says they are one record. The include must keep counting (the merged record's path went further)."""
    store = _store(tmp_path, [_rec(1, TITLE), _rec(2, "Microglia and the mechanism of low-dose naltrexone")])
    run_dedup(store)
    assert store.clusters() == []
    store.unblind(TA, by="NA")
    _both(store, 1, TA, Verdict.EXCLUDE, ("E2",))
    _both(store, 2, TA, Verdict.INCLUDE)
    assert store.box_ids("reports_sought") == [2]
    store.record_pair_decision(1, 2, "duplicate", by="NA")
    run_dedup(store)
    (cluster,) = store.clusters()
    assert cluster.members == (1, 2) and cluster.primary == 2
    assert store.box_ids("reports_sought") == [2]
    assert store.flow_numbers()["records_excluded"] == 0
    store.close()
