"""The screens keep decisions through an update search, a reopening, not-retrieved reports, other
processes' changes and re-resolution (issue 12), with the real keys."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from screener.core.models import BibRecord, Stage, Verdict
from screener.store import SourceInput, Store
from screener.tui import refresh
from screener.tui.app import make_app
from screener.tui.screens.conflicts import ConflictsScreen
from screener.tui.screens.dialogs import Confirm
from screener.tui.screens.screening import ScreeningScreen
from screener.workflows.dedup import run_dedup

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def _text(screen, wid: str) -> str:
    return str(screen.query_one(wid, Static).render())


def _both(store: Store, rid: int, stage: Stage, verdict: Verdict) -> None:
    for reviewer in ("NA", "ZL"):
        store.record_decision(rid, stage, reviewer, verdict)


async def _goto(pilot, rid: int) -> None:
    await pilot.press("g", *str(rid), "enter")
    await pilot.pause()


async def test_an_update_search_flags_the_record_and_keeps_the_decision(review: Store):
    run_dedup(review)
    review.record_decision(1, TA, "NA", Verdict.INCLUDE)
    first = review.record(1).bib  # type: ignore[union-attr]
    review.add_source(
        SourceInput("Embase", "update.ris", "c" * 64, "ris"),
        [
            BibRecord(
                position=1,
                title=first.title,
                authors=first.authors,
                year=first.year,
                journal=first.journal,
                pmid="23359310",
                doi="10.1002/art.37734",
                abstract=first.abstract + " Longer, from the update search.",
            )
        ],
    )
    assert "1 new record joined records already screened" in " ".join(run_dedup(review).lines())
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = app.screen
        await _goto(pilot, 1)
        assert screen.current == 1
        meta = _text(screen, "#record-meta")
        assert "Updated since you decided: doi, pmid" in meta and "PMID 23359310" in meta
        assert "include" in _text(screen, "#record-decision")  # never reopened
        assert "1 of 6 screened by you" in _text(screen, "#progress-line")


async def test_changing_a_settled_decision_asks_and_records_a_reopening(review: Store):
    _both(review, 1, TA, Verdict.INCLUDE)
    review.unblind(TA, "NA")
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        await _goto(pilot, 1)
        assert "Settled (agreed: include, by NA and ZL on" in _text(screen, "#record-decision")
        await pilot.press("e", "1")
        await pilot.pause()
        assert isinstance(app.screen, Confirm) and "agreed: include, by NA and ZL on" in app.screen.question
        await pilot.press("n")
        screen.flush()
        await pilot.pause()
        assert review.current_decisions(TA, "NA")[(1, "NA")].verdict is Verdict.INCLUDE
        await pilot.press("e", "1")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        screen.flush()
        await pilot.pause()
    assert review.current_decisions(TA, "NA")[(1, "NA")].verdict is Verdict.EXCLUDE
    assert review.reopened(TA) == [1]


async def test_not_retrieved_leaves_the_order_and_another_process_is_seen(
    review: Store, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(refresh, "REFRESH_SECONDS", 0.2)
    for rid in (1, 2, 3):
        _both(review, rid, TA, Verdict.INCLUDE)
    review.unblind(
        TA, "NA"
    )  # the full-text pool is made of title/abstract outcomes: hidden while it is blind
    app = make_app(review, reviewer="NA", stage=FT)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.current == 1
        await pilot.press("x", *"withdrawn", "enter")
        await pilot.pause()
        assert "0 of 2 screened by you  ·  1 not retrieved" in _text(screen, "#progress-line")
        assert screen.current == 2 and screen.queue == [2, 3, 1]  # it left the order (reachable at the end)
        await _goto(pilot, 1)
        await pilot.press("i")  # refused: not retrieved
        screen.flush()
        await pilot.pause()
        assert review.current_decisions(FT, "NA") == {}
        await _goto(pilot, 2)
        await pilot.press("i")
        screen.flush()
        await pilot.pause()
        assert screen.current == 3  # the next one offered is 3, never 1
        # Another reviewer's process marks report 3 not retrieved and adds a record: seen within the poll.
        review.set_retrieval(3, "not-retrieved", reason="not held", by="ZL")
        for _ in range(20):
            await pilot.pause(0.1)
            if "2 not retrieved" in _text(screen, "#progress-line"):
                break
        assert "1 of 1 screened by you  ·  2 not retrieved" in _text(screen, "#progress-line")
        assert "NOT retrieved (not held)" in _text(screen, "#record-meta")


async def test_a_resolved_conflict_is_re_resolved_keeping_its_history(review: Store):
    review.record_decision(1, TA, "NA", Verdict.INCLUDE)
    review.record_decision(1, TA, "ZL", Verdict.EXCLUDE)
    review.unblind(TA, "NA")
    review.record_resolution(1, TA, Verdict.INCLUDE, "NA", "consensus", note="pilot data count")
    app = make_app(review, resolver="ZL", stage=TA)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, ConflictsScreen) and screen.queue == []
        await pilot.press("a")  # resolved ones too
        await pilot.pause()
        assert screen.queue == [1]
        assert "include, by NA (consensus)" in _text(screen, "#votes") and "pilot data count" in _text(
            screen, "#votes"
        )
        await pilot.press("e", "1")
        await pilot.pause()
    log = review.resolution_log(TA)
    assert [(r.verdict.value, r.resolved_by, r.note) for r in log] == [
        ("include", "NA", "pilot data count"),
        ("exclude", "ZL", "pilot data count"),
    ]
