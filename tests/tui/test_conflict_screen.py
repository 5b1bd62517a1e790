"""A full dual-screening cycle on the demo review, with the real keys: two reviewers screen blind,
the stage is unblinded, every conflict is resolved in the conflict screen, and the records move on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Static

from screener.core.models import Stage, Verdict
from screener.store import Store
from screener.tui.app import make_app
from screener.tui.screens.agreement import AgreementScreen
from screener.tui.screens.conflicts import ConflictsScreen
from screener.tui.screens.screening import ScreeningScreen
from screener.workflows.agreement import stage_agreement, stage_counts
from screener.workflows.dedup import run_dedup
from screener.workflows.demo import build_demo

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


@pytest.fixture
def demo(tmp_path: Path):
    store, _ = build_demo(tmp_path / "review.db")
    run_dedup(store)
    yield store
    store.close()


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


async def test_full_cycle_on_the_demo_review(demo: Store):
    pool = demo.stage_pool(TA)
    assert len(pool) == 30
    # NA includes the first 12 and excludes the rest (reason 1); ZL differs on records 3, 6 and 9 of the queue
    na = ["i"] * 12 + ["e1"] * 18
    zl = list(na)
    zl[2], zl[5], zl[8] = "e3", "m", "e2"
    await _screen(demo, "NA", na)
    assert demo.is_blind(TA)  # ZL has not screened yet
    await _screen(demo, "ZL", zl)
    demo.unblind(TA, "NA")
    conflicts = demo.conflicts(TA)
    assert conflicts == sorted([pool[2], pool[5], pool[8]])

    app = make_app(demo, resolver="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()  # the conflicts are read on a worker
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        votes = str(screen.query_one("#votes", Static).render())
        assert "NA    include" in votes and "ZL    exclude — FM but limited content on LDN" in votes
        await pilot.press("n", *"agreed after discussion", "enter")
        await pilot.press("i")  # first conflict: include
        await pilot.press("e", "5")  # second: exclude, commentary or expert opinion
        await pilot.press("i")  # third: include
        await pilot.pause()
        assert "0 of 3 conflicts open" in str(screen.query_one("#progress-line", Static).render())
        app.push_screen(AgreementScreen(demo))
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = str(app.screen.query_one("#agreement", Static).render())
        assert "Title/abstract: NA vs ZL, 30 records decided by both" in shown and "kappa" in shown

    log = demo.resolution_log(TA)
    assert [(r.record_id, r.verdict, r.reasons, r.resolved_by, r.method) for r in log] == [
        (conflicts[0], Verdict.INCLUDE, (), "NA", "consensus"),
        (conflicts[1], Verdict.EXCLUDE, ("E5",), "NA", "consensus"),
        (conflicts[2], Verdict.INCLUDE, (), "NA", "consensus"),
    ]
    assert log[0].note == "agreed after discussion" and log[1].note is None
    assert demo.conflicts(TA) == []
    # agreed includes plus resolved includes move on; the conflict resolved as exclude does not
    assert sorted(demo.stage_pool(FT)) == sorted(set(pool[:12]) - {conflicts[1]})
    counts = stage_counts(demo, TA)
    assert (
        counts.records,
        counts.decided,
        counts.included,
        counts.excluded,
        counts.conflicts,
        counts.resolved,
    ) == (30, 30, 11, 19, 0, 3)
    (pair,) = stage_agreement(demo, TA)
    assert pair.three.n == 30 and pair.three.observed == 27 / 30


async def test_conflict_screen_refused_while_blind(demo: Store):
    demo.record_decision(demo.stage_pool(TA)[0], TA, "NA", Verdict.INCLUDE)
    app = make_app(demo, resolver="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()  # the conflicts are read on a worker
        await pilot.pause()
        screen = app.screen
        assert "title/abstract is blind" in str(screen.query_one("#progress-line", Static).render())
        assert screen.queue == []


async def test_conflict_screen_shows_the_whole_record(demo: Store, screen_text):
    """The record beside the votes wraps within its half of the screen: nothing cut off on the right."""
    rid = max(demo.stage_pool(TA), key=lambda r: len(demo.screening_record(r).bib.title or ""))
    title = demo.screening_record(rid).bib.title
    for pid in demo.stage_pool(TA):
        demo.record_decision(pid, TA, "NA", Verdict.INCLUDE)
        demo.record_decision(pid, TA, "ZL", Verdict.EXCLUDE if pid == rid else Verdict.INCLUDE, reasons=())
    demo.unblind(TA, "NA")
    app = make_app(demo, resolver="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()  # the conflicts are read on a worker
        await pilot.pause()
        screen = app.screen
        assert screen.current == rid
        assert screen.query_one("#record-pane").region.right <= screen.query_one("#record-side").region.right
        on_screen = screen_text(app)
        missing = [word for word in re.findall(r"\w+", title) if word not in on_screen]
        assert not missing, missing
