"""A full dual-screening cycle: two reviewers, unblinding, every conflict resolved in the TUI."""

from __future__ import annotations

from textual.widgets import Static

from screener.core.models import Stage, Verdict
from screener.stats import stage_agreement, stage_counts
from screener.store import Store
from screener.tui.app import make_app
from screener.tui.screens.conflicts import ConflictsScreen
from screener.tui.screens.screening import ScreeningScreen

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


async def _screen(store: Store, reviewer: str, keys: list[str]) -> None:
    app = make_app(store, reviewer=reviewer, stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        for key in keys:
            await pilot.press(*key)
        screen.flush()
        await pilot.pause()
        await pilot.press("q")


async def test_full_cycle_to_full_text(review: Store):
    # records 1-6; NA and ZL disagree on 2 (include/exclude), 4 (include/exclude) and 5 (maybe/include)
    await _screen(review, "NA", ["i", "i", "e1", "i", "m", "e2"])
    assert review.is_blind(TA)  # ZL has not screened yet
    await _screen(review, "ZL", ["i", "e3", "e1", "e4", "i", "e2"])
    review.unblind(TA, "NA")
    assert review.conflicts(TA) == [2, 4, 5]

    app = make_app(review, resolver="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        votes = str(screen.query_one("#votes", Static).render())
        assert "NA    include" in votes and "ZL    exclude — FM but limited content on LDN" in votes
        await pilot.press("n", *"agreed after discussion", "enter")
        await pilot.press("i")  # record 2: include
        await pilot.press("e", "3")  # record 4: exclude, FM but limited content on LDN
        await pilot.press("i")  # record 5: include
        await pilot.pause()
        assert "0 of 3 conflicts open" in str(screen.query_one("#progress-line", Static).render())

    log = review.resolution_log(TA)
    assert [(r.record_id, r.verdict, r.reasons, r.resolved_by, r.method) for r in log] == [
        (2, Verdict.INCLUDE, (), "NA", "consensus"), (4, Verdict.EXCLUDE, ("E3",), "NA", "consensus"),
        (5, Verdict.INCLUDE, (), "NA", "consensus")]
    assert log[0].note == "agreed after discussion" and log[1].note is None
    assert review.conflicts(TA) == []
    assert review.stage_pool(FT) == [1, 2, 5]  # agreed includes plus resolved includes move on
    counts = stage_counts(review, TA)
    assert (counts.records, counts.decided, counts.included, counts.excluded, counts.conflicts, counts.resolved) == (
        6, 6, 3, 3, 0, 3)
    (pair,) = stage_agreement(review, TA)
    assert pair.three.n == 6 and pair.three.observed == 3 / 6


async def test_conflict_screen_refused_while_blind(review: Store):
    review.record_decision(1, TA, "NA", Verdict.INCLUDE)
    app = make_app(review, resolver="NA", stage=TA)
    async with app.run_test(size=(100, 32)):
        screen = app.screen
        assert "still blind" in str(screen.query_one("#progress-line", Static).render()) or \
            "hidden until" in str(screen.query_one("#progress-line", Static).render())
        assert screen.queue == []
