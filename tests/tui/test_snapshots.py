"""How the screens look at 100x32 on the demo review (pytest-textual-snapshot).

Review changes in the HTML report before running ``pytest --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.core.models import Stage
from screener.tui.app import make_app
from screener.workflows.dedup import run_dedup
from screener.workflows.demo import build_demo


@pytest.fixture
def demo(tmp_path: Path):
    store, _ = build_demo(tmp_path / "review.db")
    run_dedup(store)
    yield store
    store.close()


async def _fixed_subtitle(pilot) -> None:  # the database path differs per run
    pilot.app.sub_title = "review.db"
    await pilot.pause()


def test_screening_screen(snap_compare, demo):
    app = make_app(demo, reviewer="NA", stage=Stage.TITLE_ABSTRACT)
    assert snap_compare(app, terminal_size=(100, 32), run_before=_fixed_subtitle)


def test_home_screen(snap_compare, demo):
    app = make_app(demo)

    async def ready(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await _fixed_subtitle(pilot)

    assert snap_compare(app, terminal_size=(100, 32), run_before=ready)


def test_records_list_screen(snap_compare, demo):
    from screener.tui.screens.records import RecordsScreen

    app = make_app(demo)

    async def ready(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        pilot.app.push_screen(RecordsScreen(demo, "NA", Stage.TITLE_ABSTRACT))
        await pilot.app.workers.wait_for_complete()
        await _fixed_subtitle(pilot)

    assert snap_compare(app, terminal_size=(100, 32), run_before=ready)


def test_protocol_screen(snap_compare, demo):
    from screener.tui.screens.protocol import ProtocolScreen

    app = make_app(demo)

    async def ready(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        pilot.app.push_screen(ProtocolScreen(demo))
        await pilot.app.workers.wait_for_complete()
        await _fixed_subtitle(pilot)

    assert snap_compare(app, terminal_size=(100, 32), run_before=ready)
