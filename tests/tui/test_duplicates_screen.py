"""Reviewing possible duplicates and undoing merges with the real keys."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from screener.core.models import Author, BibRecord, Stage, Verdict
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import SourceInput, open_store
from screener.tui.app import make_app
from screener.tui.screens.dialogs import Confirm
from screener.tui.screens.duplicates import DuplicatesScreen
from screener.workflows.dedup import run_dedup

AUTHORS = (Author("Younger", "J"), Author("Mackey", "S"))


async def test_decide_pairs_and_undo_a_merge(tmp_path: Path, pairs_review):
    store = pairs_review(tmp_path)
    summary = run_dedup(store)
    assert summary.clusters == 2 and summary.removed == 2
    # 2 is a near-duplicate of 1 (and so of 4, 1's Embase copy): queued for a human, not merged;
    # one question for 2 against the cluster {1, 4}, not one per member
    assert [(p.a, p.b) for p in store.possible_queue()] == [(1, 2)]
    assert [c.members for c in store.clusters()] == [(1, 4), (3, 5)]
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(DuplicatesScreen(store, "NA"))
        await pilot.pause()
        screen = app.screen
        assert "Possible duplicate 1 of" in str(screen.query_one("#progress-line", Static).render())
        await pilot.press("n")  # 1 and 2 are not duplicates: stored as a human decision
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert store.possible_queue() == []  # the answer covers 2 against 4 too
        await pilot.press("c")  # merged clusters
        await pilot.pause()
        assert "Merged cluster" in str(screen.query_one("#progress-line", Static).render())
        await pilot.press("u")  # undo the first merge (1 and 4): no decisions on them, so nothing to confirm
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert [c.members for c in store.clusters()] == [(3, 5)]
    assert store.duplicates_removed() == 1
    human = store.human_pair_decisions()
    assert human == {frozenset((1, 2)): "distinct", frozenset((1, 4)): "distinct"}
    # the decisions hold when dedup runs again, fully
    again = run_dedup(store, full=True)
    # with 1 and 4 apart again, 2 against 4 is a question of its own
    assert again.clusters == 1 and [(p.a, p.b) for p in store.possible_queue()] == [(2, 4)]
    store.close()


async def test_a_merged_cluster_shows_every_member(tmp_path: Path):
    """A paper found in three databases: the cluster view shows all three records, not two."""
    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    paper = dict(
        title="Low-dose naltrexone for the treatment of fibromyalgia: a pilot study",
        authors=AUTHORS,
        year=2009,
        volume="10",
        start_page="663",
        doi="10.1111/j.1526-4637.2009.00613.x",
    )
    for name, journal in (("PubMed", "Pain Med"), ("Embase", "Pain Medicine"), ("Scopus", "Pain Medicine")):
        store.add_source(
            SourceInput(name, f"{name}.ris", name[0] * 64, "ris"),
            [BibRecord(position=1, journal=journal, **paper)],
        )
    run_dedup(store)
    assert [c.members for c in store.clusters()] == [(1, 2, 3)]
    app = make_app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        app.push_screen(DuplicatesScreen(store, "NA"))
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        table = app.screen.query_one("#comparison", Static).content
        headers = [str(c.header) for c in table.columns]  # type: ignore[union-attr]
        assert headers == ["", "1 · PubMed (kept)", "2 · Embase (removed)", "3 · Scopus (removed)"]
    store.close()


async def test_undo_asks_first_when_the_records_carry_decisions(tmp_path: Path, pairs_review):
    store = pairs_review(tmp_path)
    run_dedup(store)
    store.record_decision(1, Stage.TITLE_ABSTRACT, "NA", Verdict.INCLUDE)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(DuplicatesScreen(store, "ZL"))
        await pilot.pause()
        await pilot.press("c", "u")  # cluster (1, 4): record 1 carries NA's decision
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, Confirm) and "Records 1 of cluster" in app.screen.question
        await pilot.press("n")
        await app.workers.wait_for_complete()
        assert [c.members for c in store.clusters()] == [(1, 4), (3, 5)]
        await pilot.press("u")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert [c.members for c in store.clusters()] == [(3, 5)]
    assert store.human_pair_decisions() == {frozenset((1, 4)): "distinct"}
    store.close()
