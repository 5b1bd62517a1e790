"""Every screen's work runs off the UI thread; when it fails the user sees why and the screen stays usable.

Each test makes the workflow (or the store call) behind one screen raise, then checks for an
error notification with the error's one line, a status line that does not pretend, and a key
that still works afterwards.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, Static
from textual.worker import WorkerFailed

from screener.core.models import Stage, Verdict
from screener.store import Store
from screener.tui.app import make_app
from screener.tui.screens import agreement as agreement_module
from screener.tui.screens import home as home_module
from screener.tui.screens import prisma as prisma_module
from screener.tui.screens.agreement import AgreementScreen
from screener.tui.screens.duplicates import DuplicatesScreen
from screener.tui.screens.importing import ImportScreen
from screener.tui.screens.prisma import PrismaScreen
from screener.tui.screens.records import RecordsScreen
from screener.tui.screens.screening import ScreeningScreen
from screener.workflows.dedup import run_dedup
from screener.workflows.demo import build_demo

TA = Stage.TITLE_ABSTRACT


@pytest.fixture
def demo(tmp_path: Path):
    store, _ = build_demo(tmp_path / "review.db")
    run_dedup(store)
    yield store
    store.close()


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("disk I/O error\nsecond line never shown")


def _errors(app: App) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


def _line(app: App, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _settle(app: App, pilot) -> None:
    """Wait for the workers; one that fails is what these tests are about (wait_for_complete re-raises it)."""
    with contextlib.suppress(WorkerFailed):
        await app.workers.wait_for_complete()
    await pilot.pause()


async def test_duplicates_screen_says_when_dedup_fails(demo: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(demo, "save_dedup", _boom)
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(DuplicatesScreen(demo, "NA"))
        await _settle(app, pilot)
        await pilot.press("r")
        await _settle(app, pilot)
        assert _errors(app) == ["running dedup failed: RuntimeError: disk I/O error"]
        assert "running dedup …" not in _line(app, "#save-line")
        assert "running dedup failed" in _line(app, "#save-line")
        await pilot.press("c")  # still usable: the clusters view
        await _settle(app, pilot)
        assert "Merged cluster" in _line(app, "#progress-line") or "No merged" in _line(app, "#progress-line")


async def test_duplicates_screen_says_when_a_pair_decision_fails(
    tmp_path: Path, pairs_review, monkeypatch: pytest.MonkeyPatch
):
    store = pairs_review(tmp_path)
    run_dedup(store)
    monkeypatch.setattr(store, "record_pair_decision", _boom)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(DuplicatesScreen(store, "NA"))
        await _settle(app, pilot)
        await pilot.press("n")
        await _settle(app, pilot)
        assert _errors(app) == ["NOT saved: RuntimeError: disk I/O error"]
        assert "NOT saved" in _line(app, "#save-line")
        assert [(p.a, p.b) for p in store.possible_queue()] == [(1, 2)]  # nothing was written
        await pilot.press("c")
        await _settle(app, pilot)
        assert "Merged cluster" in _line(app, "#progress-line")
    store.close()


async def test_conflict_screen_says_when_a_resolution_fails(demo: Store, monkeypatch: pytest.MonkeyPatch):
    pool = demo.stage_pool(TA)
    for rid in pool:
        demo.record_decision(rid, TA, "NA", Verdict.INCLUDE)
        demo.record_decision(
            rid, TA, "ZL", Verdict.EXCLUDE if rid in pool[:2] else Verdict.INCLUDE, reasons=()
        )
    demo.unblind(TA, "NA")
    monkeypatch.setattr(demo, "record_resolution", _boom)
    app = make_app(demo, resolver="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        await _settle(app, pilot)
        assert "2 of 2 conflicts open" in _line(app, "#progress-line")
        await pilot.press("i")
        await _settle(app, pilot)
        assert _errors(app) == ["Resolution NOT saved: RuntimeError: disk I/O error"]
        assert "2 of 2 conflicts open" in _line(app, "#progress-line")  # shown as it is stored
        assert "NOT saved" in _line(app, "#save-line")
        monkeypatch.undo()
        await pilot.press("i")  # still usable: the next key resolves
        await _settle(app, pilot)
        assert "1 of 2 conflicts open" in _line(app, "#progress-line")
    assert len(demo.resolution_log(TA)) == 1


async def test_home_screen_says_when_the_status_cannot_be_read(
    review: Store, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(home_module, "review_status", _boom)
    app = make_app(review)
    async with app.run_test(size=(100, 32)) as pilot:
        await _settle(app, pilot)
        assert _errors(app) == ["RuntimeError: disk I/O error"]
        await pilot.press("p")  # still usable: the PRISMA screen opens
        await _settle(app, pilot)
        assert isinstance(app.screen, PrismaScreen)


async def test_prisma_screen_says_when_the_flow_cannot_be_computed(
    review: Store, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(prisma_module, "compute_flow", _boom)
    app = make_app(review)
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(PrismaScreen(review, folder=Path.cwd()))
        await _settle(app, pilot)
        assert _errors(app) == ["RuntimeError: disk I/O error"]
        assert "could not compute the flow: RuntimeError: disk I/O error" in _line(app, "#diagram")
        monkeypatch.undo()
        await pilot.press("r")  # still usable: computed again
        await _settle(app, pilot)
        assert "Records screened" in _line(app, "#diagram")


async def test_prisma_screen_says_when_a_box_cannot_be_counted(
    review: Store, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(review, "box_names", _boom)
    app = make_app(review)
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(PrismaScreen(review, folder=Path.cwd()))
        await _settle(app, pilot)
        await pilot.press("b")
        await _settle(app, pilot)
        assert _errors(app) == ["RuntimeError: disk I/O error"]
        assert isinstance(app.screen, PrismaScreen)  # no half-built dialog; the screen's keys work


async def test_agreement_screen_says_when_agreement_cannot_be_computed(
    demo: Store, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(agreement_module, "stage_agreement", _boom)
    demo.unblind(TA, "NA")  # agreement is computed for a stage no longer blind
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(AgreementScreen(demo))
        await _settle(app, pilot)
        assert _errors(app) == ["could not compute agreement: RuntimeError: disk I/O error"]
        assert "could not compute agreement" in _line(app, "#agreement")
        await pilot.press("q")
        await _settle(app, pilot)
        assert not isinstance(app.screen, AgreementScreen)


async def test_records_list_says_when_a_page_cannot_be_read(review: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(review, "record_list", _boom)
    app = make_app(review)
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(RecordsScreen(review, "NA", TA))
        await _settle(app, pilot)
        assert _errors(app) == ["RuntimeError: disk I/O error"]
        screen = app.screen
        assert isinstance(screen, RecordsScreen) and not screen.paging
        monkeypatch.undo()
        await pilot.press("a")  # still usable: the list is read again
        await _settle(app, pilot)
        assert screen.query_one(DataTable).row_count == 6


async def test_import_screen_says_when_dedup_fails(
    review: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(review, "save_dedup", _boom)
    app = make_app(review)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = ImportScreen(review, folder=tmp_path)
        app.push_screen(screen)
        await pilot.pause()
        await pilot.press("d")
        assert screen.job is not None
        with contextlib.suppress(WorkerFailed):  # not app.workers: the file tree's loader never completes
            await screen.job.wait()
        await pilot.pause()
        assert _errors(app) == ["RuntimeError: disk I/O error"]
        assert "disk I/O error" in _line(app, "#import-result")


async def test_screening_screen_says_when_a_search_fails(review: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(review, "search", _boom)
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash", *"naltrexone", "enter")
        await _settle(app, pilot)
        assert _errors(app) == ["RuntimeError: disk I/O error"]
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        await pilot.press("i")  # still usable: the decision is saved
        screen.flush()
        await _settle(app, pilot)
        assert 1 in screen.mine and review.current_decisions(TA, "NA")
