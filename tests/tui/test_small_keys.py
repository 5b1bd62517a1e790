"""The small frictions of a reviewer's day, pressed with the real keys."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from screener.core.models import Author, BibRecord, Stage
from screener.store import SourceInput, Store
from screener.tui.app import make_app
from screener.tui.screens.dialogs import Help
from screener.tui.screens.duplicates import DuplicatesScreen
from screener.tui.screens.home import HomeScreen
from screener.tui.screens.screening import ScreeningScreen
from screener.workflows.dedup import run_dedup

TA = Stage.TITLE_ABSTRACT


async def test_question_mark_on_home_and_duplicates(review: Store):
    app = make_app(review)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, Help)
        shown = str(app.screen.query_one("#help-lines", Static).render())
        assert "Import database exports" in shown and "Leave screener" in shown
        await pilot.press("escape")
        app.push_screen(DuplicatesScreen(review, "NA"))
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, Help)
        shown = str(app.screen.query_one("#help-lines", Static).render())
        assert "These two are the same record" in shown and "Go to" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DuplicatesScreen)


async def test_palette_names_actions_without_key_names(review: Store):
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        helps = [c.help for c in app.get_system_commands(app.screen)]
        assert "Help" in titles and "Next" in titles
        assert not any("question_mark" in t or "(" in t for t in titles if t in ("Help", "Next", "Include"))
        assert "All keys on this screen (key: ?)" in helps


async def test_vim_keys_and_the_saved_line_follows_the_record(review: Store):
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        await pilot.press("i")
        screen.flush()
        await pilot.pause()
        await pilot.pause()
        assert "saved: record 1 include" in str(screen.query_one("#save-line", Static).render())
        await pilot.press("j", "j")  # next, next (vim)
        assert screen.current == 4
        line = str(screen.query_one("#save-line", Static).render())
        assert "record 1" not in line and "all your decisions are saved (1 at Title/abstract)" in line
        await pilot.press("k")
        assert screen.current == 3


async def test_cluster_ids_hold_when_a_cluster_grows_and_go_to_a_cluster(review: Store, tmp_path: Path):
    paper = dict(
        title="Low-dose naltrexone for the treatment of fibromyalgia: a pilot study",
        authors=(Author("Younger", "J"), Author("Mackey", "S")),
        year=2009,
        volume="10",
        start_page="663",
        doi="10.1111/j.1526-4637.2009.00613.x",
        journal="Pain Med",
    )
    other = dict(
        title="Pharmacotherapy of fibromyalgia",
        authors=(Author("Traynor", "LM"),),
        year=2011,
        journal="Am J Health Syst Pharm",
        volume="68",
        start_page="1307",
    )
    review.add_source(
        SourceInput("Embase", "e.ris", "e" * 64, "ris"),
        [BibRecord(position=1, **paper), BibRecord(position=2, **other)],
    )
    review.add_source(
        SourceInput("CINAHL", "c.ris", "c" * 64, "ris"),
        [BibRecord(position=1, **paper), BibRecord(position=2, **other)],
    )
    run_dedup(review)
    before = {c.id: c.members for c in review.clusters()}
    assert sorted(before.values()) == [(7, 9), (8, 10)]
    review.add_source(SourceInput("Scopus", "s.ris", "s" * 64, "ris"), [BibRecord(position=1, **paper)])
    run_dedup(review)
    after = {c.id: c.members for c in review.clusters()}
    grown = next(cid for cid, m in before.items() if m == (7, 9))
    assert after[grown] == (7, 9, 11)  # the same id, one member more
    assert set(after) == set(before)
    app = make_app(review)
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(DuplicatesScreen(review, "NA"))
        await pilot.pause()
        screen = app.screen
        await pilot.press("c")
        last = max(after)
        await pilot.press("g", *str(last), "enter")
        await pilot.pause()
        assert f"Merged cluster {last} " in str(screen.query_one("#progress-line", Static).render())
        await pilot.press("g", "1", "1", "enter")  # a record id finds its cluster
        await pilot.pause()
        assert f"Merged cluster {grown} " in str(screen.query_one("#progress-line", Static).render())
        await pilot.press("g", "4", "enter")  # record 4 is in no cluster
        await pilot.pause()
        assert f"Merged cluster {grown} " in str(screen.query_one("#progress-line", Static).render())
