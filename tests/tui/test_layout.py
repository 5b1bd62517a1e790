"""Every screen at 80x24, 100x32 and 150x40: nothing needed is out of reach.

The footer shows every key the screen offers (wrapped, never cut), the criteria can be
scrolled to the last reason, the abstract keeps at least a third of the height, and
tables scroll to their last row.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from screener.core.models import BibRecord, Stage, Verdict
from screener.store import SourceInput, Store
from screener.tui.app import make_app
from screener.tui.screens.agreement import AgreementScreen
from screener.tui.screens.duplicates import DuplicatesScreen
from screener.tui.screens.importing import ImportScreen
from screener.tui.screens.prisma import PrismaScreen
from screener.tui.widgets.key_footer import KeyFooter, _Keys
from screener.workflows.dedup import run_dedup
from screener.workflows.demo import build_demo

SIZES = [(80, 24), (100, 32), (150, 40)]
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


@pytest.fixture(scope="module")
def busy(tmp_path_factory) -> Store:
    """The demo review with 22 sources, both reviewers done at title/abstract (4 conflicts), unblinded."""
    store, _ = build_demo(tmp_path_factory.mktemp("layout") / "review.db")
    for n in range(19):
        store.add_source(
            SourceInput(f"Register {n}", f"reg{n}.ris", f"{n:064d}", "ris"),
            [
                BibRecord(
                    position=1,
                    title=f"Registered trial {n} of naltrexone",
                    year=2020,
                    abstract="Background. " + "Low-dose naltrexone was given daily. " * 40,
                )
            ],
        )
    run_dedup(store)
    for i, rid in enumerate(store.stage_pool(TA)):
        for who in ("NA", "ZL"):
            include = i % 3 == 0 or (who == "NA" and i % 5 == 1)
            store.record_decision(
                rid,
                TA,
                who,
                Verdict.INCLUDE if include else Verdict.EXCLUDE,
                reasons=() if include else ("E2",),
            )
    assert store.conflicts(TA)
    yield store
    store.close()


def _inside(widget, size) -> bool:
    r = widget.region
    return (
        r.width > 0 and r.height > 0 and r.x >= 0 and r.y >= 0 and r.right <= size[0] and r.bottom <= size[1]
    )


def _check_footer(app, size, screen_text) -> None:
    footer = app.screen.query_one(KeyFooter)
    keys = footer.query_one(_Keys)
    assert _inside(footer, size) and footer.region.bottom == size[1]
    lines = keys.lines(keys.size.width)
    assert footer.region.height == len(lines) <= 3
    assert all(line.cell_len <= keys.size.width for line in lines)
    shown = " ".join(screen_text(app).split())
    seen = set()
    for _node, binding, _enabled, _tip in app.screen.active_bindings.values():
        if binding.show and binding.description and binding.action not in seen:  # one key per action shown
            seen.add(binding.action)
            assert f"{app.get_key_display(binding)} {binding.description}" in shown, binding.description


async def _last_line_reachable(pilot, box: VerticalScroll, last: str, screen_text) -> None:
    box.scroll_end(animate=False)
    await pilot.pause()
    assert last in screen_text(pilot.app), last


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("stage", [TA, FT], ids=["title-abstract", "full-text"])
async def test_screening_screen(busy: Store, size, stage, screen_text):
    app = make_app(busy, reviewer="NA", stage=stage)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("g", *str(busy.stage_pool(stage)[-1]), "enter")  # a record with a long abstract
        await pilot.pause()
        _check_footer(app, size, screen_text)
        abstract = screen.query_one("#record-abstract-box")
        assert _inside(abstract, size) and abstract.region.height >= size[1] / 3
        assert _inside(screen.query_one("#record-decision"), size)
        assert app.focused is abstract  # the arrows scroll the abstract
        criteria = screen.query_one("#criteria-pane", VerticalScroll)
        assert _inside(criteria, size)
        last_reason = busy.protocol().exclusion_reasons(stage)[-1][1].label.split()[-1]
        await _last_line_reachable(pilot, criteria, last_reason, screen_text)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_conflict_screen(busy: Store, size, screen_text):
    app = make_app(busy, resolver="NA", stage=TA)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        _check_footer(app, size, screen_text)
        abstract = screen.query_one("#record-abstract-box")
        assert _inside(abstract, size) and abstract.region.height >= size[1] / 3
        assert _inside(screen.query_one("#votes"), size)
        criteria = screen.query_one("#criteria-pane", VerticalScroll)
        await _last_line_reachable(pilot, criteria, "no reason", screen_text)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_home_screen(busy: Store, size, screen_text):
    app = make_app(busy)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        _check_footer(app, size, screen_text)
        sources = app.screen.query_one("#sources", DataTable)
        assert sources.row_count == 22 and _inside(sources, size)
        assert app.focused is sources
        await pilot.press(*["down"] * 21)
        await pilot.pause()
        assert sources.cursor_row == 21 and "Register 18" in screen_text(
            app
        )  # the last source scrolled into view
        progress = app.screen.query_one("#progress", DataTable)
        assert _inside(progress, size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_duplicates_screen(busy: Store, size, screen_text):
    app = make_app(busy)
    async with app.run_test(size=size) as pilot:
        app.push_screen(DuplicatesScreen(busy, "NA"))
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        _check_footer(app, size, screen_text)
        line = app.screen.query_one("#progress-line", Static)
        assert "u undoes it" in " ".join(screen_text(app).split())  # the whole progress line, wrapped
        assert _inside(line, size)
        pane = app.screen.query_one("#dups-pane", VerticalScroll)
        await _last_line_reachable(pilot, pane, "┘", screen_text)  # the bottom of the comparison table


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_prisma_agreement_and_import_screens(busy: Store, size, screen_text, tmp_path: Path):
    app = make_app(busy)
    async with app.run_test(size=size) as pilot:
        app.push_screen(PrismaScreen(busy))
        await app.workers.wait_for_complete()
        await pilot.pause()
        _check_footer(app, size, screen_text)
        checks = str(app.screen.query_one("#checks", Static).render()).split()[-3:]
        await _last_line_reachable(
            pilot, app.screen.query_one("#prisma-pane", VerticalScroll), " ".join(checks), screen_text
        )
        await pilot.press("q")
        app.push_screen(AgreementScreen(busy))
        await app.workers.wait_for_complete()
        await pilot.pause()
        _check_footer(app, size, screen_text)
        await _last_line_reachable(pilot, app.screen.query_one(VerticalScroll), "still blind", screen_text)
        await pilot.press("q")
        app.push_screen(ImportScreen(busy, tmp_path))
        await pilot.pause()
        _check_footer(app, size, screen_text)
        assert _inside(app.screen.query_one("#files"), size) and _inside(
            app.screen.query_one("#preview"), size
        )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_records_list(busy: Store, size, screen_text):
    from screener.tui.screens.records import RecordsScreen

    app = make_app(busy)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = RecordsScreen(busy, "NA", TA)
        app.push_screen(screen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        _check_footer(app, size, screen_text)
        table = screen.query_one(DataTable)
        assert _inside(table, size) and _inside(screen.query_one("#list-filter"), size)
        assert app.focused is table and table.row_count == len(busy.stage_pool(TA))
        await pilot.press(*["down"] * (table.row_count - 1))
        await pilot.pause()
        last = str(table.get_row_at(table.row_count - 1)[0])
        assert table.cursor_row == table.row_count - 1 and f" {last} " in screen_text(app)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_protocol_screen(busy: Store, size, screen_text):
    from screener.tui.screens.protocol import ProtocolScreen

    app = make_app(busy)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.push_screen(ProtocolScreen(busy))
        await app.workers.wait_for_complete()
        await pilot.pause()
        _check_footer(app, size, screen_text)
        assert _inside(app.screen.query_one("#protocol-note"), size)
        pane = app.screen.query_one("#protocol-pane", VerticalScroll)
        assert _inside(pane, size)
        await _last_line_reachable(pilot, pane, "no change since the review was created", screen_text)
