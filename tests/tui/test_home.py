"""The home screen, driven with Pilot on a real store."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from screener.core.models import BibRecord, Stage, Verdict
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import SourceInput, open_store
from screener.tui.app import make_app
from screener.tui.screens.home import HomeScreen


def _review(tmp_path: Path):
    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    store.add_source(
        SourceInput("PubMed", "pubmed.nbib", "a" * 64, "pubmed", searched_on="2022-05-16"),
        [BibRecord(position=i, title=f"Record {i}") for i in range(1, 4)],
    )
    store.add_source(SourceInput("Embase", "embase.ris", "b" * 64, "ris"), [BibRecord(position=1, title="E")])
    store.record_decision(1, Stage.TITLE_ABSTRACT, "NA", Verdict.INCLUDE)
    store.record_decision(2, Stage.TITLE_ABSTRACT, "NA", Verdict.EXCLUDE, reasons=("E1",))
    return store


async def test_home_shows_sources_and_progress(tmp_path: Path):
    store = _review(tmp_path)
    app = make_app(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        sources = screen.query_one("#sources", DataTable)
        assert sources.row_count == 2
        assert [str(c) for c in sources.get_row_at(0)] == ["1", "PubMed", "3", "pubmed.nbib", "2022-05-16"]
        totals = str(screen.query_one("#totals", Static).render())
        assert "4 records from 2 searches" in totals and "4 to screen" in totals
        progress = screen.query_one("#progress", DataTable)
        # blind: how far NA has got, but not what NA decided
        assert [str(c) for c in progress.get_row_at(0)] == ["Title/abstract", "NA", "2 of 4", "·", "·", "·"]
        store.unblind(Stage.TITLE_ABSTRACT, "NA")
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [str(c) for c in progress.get_row_at(0)] == ["Title/abstract", "NA", "2 of 4", "1", "1", "0"]
        await pilot.press("q")
    store.close()


async def test_home_lists_what_is_waiting_with_keys(tmp_path: Path):
    from screener.workflows.dedup import run_dedup

    store = _review(tmp_path)  # 4 records, NA has decided 2, no dedup yet
    app = make_app(store)

    async def waiting_text(pilot) -> str:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return str(app.screen.query_one("#waiting", Static).render())

    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        text = await waiting_text(pilot)
        assert "d   4 imported records not yet deduplicated" in text
        run_dedup(store)
        for rid in (3, 4):
            store.record_decision(rid, Stage.TITLE_ABSTRACT, "NA", Verdict.EXCLUDE, reasons=("E1",))
        for rid, verdict in ((1, Verdict.EXCLUDE), (2, Verdict.EXCLUDE), (3, Verdict.EXCLUDE)):
            store.record_decision(rid, Stage.TITLE_ABSTRACT, "ZL", verdict, reasons=("E1",))
        text = await waiting_text(pilot)
        assert text.startswith("Nothing is waiting")  # NA done, ZL not: blind, so no conflict is counted
        store.record_decision(4, Stage.TITLE_ABSTRACT, "ZL", Verdict.EXCLUDE, reasons=("E1",))
        text = await waiting_text(pilot)
        assert "c   1 open conflict at Title/abstract" in text
        assert "p   Title/abstract is finished: every reviewer has screened its 4 records" in text
        assert "reopened" not in text
        store.record_decision(
            2, Stage.TITLE_ABSTRACT, "NA", Verdict.INCLUDE, reopen=True
        )  # agreed, now changed
        text = await waiting_text(pilot)
        assert "s   1 reopened record at Title/abstract" in text
        await pilot.press("c")  # the key on the line opens that workflow
        await pilot.pause()
        assert "Who is resolving?" in str(app.screen.query_one("Label").render())
    store.close()


async def test_the_demo_opens_with_its_passphrase_said_once(review):
    """`screener demo` opens the app after printing the passphrase, which the app then hides: it says it
    again."""
    app = make_app(review, welcome="Demo review: every demo reviewer's passphrase is 'demo-passphrase'.")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [n.message for n in app._notifications if "demo-passphrase" in n.message]
        await pilot.press("P")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and app.welcome is None
