"""The records list with the real keys: filter, sort, label, open a record, screen only the maybes."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Static

from screener.core.models import Stage, Verdict
from screener.core.passphrase import hash_passphrase
from screener.store import Store
from screener.tui.app import make_app
from screener.tui.screens.home import HomeScreen
from screener.tui.screens.passphrase import PassphraseScreen
from screener.tui.screens.records import RecordsScreen
from screener.tui.screens.screening import ScreeningScreen

TA = Stage.TITLE_ABSTRACT


async def _loaded(pilot, screen: RecordsScreen) -> list[int]:
    for _ in range(50):
        await pilot.pause()
        if not screen.paging and not screen.workers:
            break
        await asyncio.sleep(0.05)
    table = screen.query_one(DataTable)
    return [int(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_list_filter_label_open_and_screen_the_maybes(review: Store):
    review.record_decision(2, TA, "NA", Verdict.MAYBE)
    review.record_decision(5, TA, "NA", Verdict.MAYBE)
    review.record_decision(3, TA, "NA", Verdict.EXCLUDE, reasons=("E6",))
    review.record_decision(4, TA, "ZL", Verdict.MAYBE)  # another reviewer's: never listed as a maybe
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screening = app.screen
        assert isinstance(screening, ScreeningScreen)
        await pilot.press("l")
        records = app.screen
        assert isinstance(records, RecordsScreen)
        assert await _loaded(pilot, records) == [1, 2, 3, 4, 5, 6]
        await pilot.press("m")
        assert await _loaded(pilot, records) == [2, 5]
        assert "maybe · 2 records" in str(records.query_one("#list-filter", Static).render())
        await pilot.press("e", "6", "enter")
        assert await _loaded(pilot, records) == [3]
        await pilot.press("a", "o")  # all, sorted by year (newest first)
        assert await _loaded(pilot, records) == [6, 5, 4, 3, 2, 1]
        await pilot.press("t", *"pediatric", "enter")  # label the selected record (6)
        await _loaded(pilot, records)
        await pilot.press("b", "enter")
        assert await _loaded(pilot, records) == [6]
        assert review.labels_of("NA") == ["pediatric"] and review.labels_of("ZL") == []
        await pilot.press("a", "slash", *"chronic fatigue", "enter")
        assert await _loaded(pilot, records) == [4]
        await pilot.press("enter")  # opens record 4 in the screening screen
        await pilot.pause()
        assert app.screen is screening and screening.current == 4
        await pilot.press("l", "m")
        assert await _loaded(pilot, app.screen) == [2, 5]
        await pilot.press("s")  # screen only the maybes
        await pilot.pause()
        await pilot.pause()
        only = app.screen
        assert isinstance(only, ScreeningScreen) and only is not screening
        assert only.queue == [2, 5] and only.current == 2
        await pilot.press("i")
        only.flush()
        await pilot.pause()
        assert only.current == 5
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is screening
    assert review.current_decisions(TA, "NA")[(2, "NA")].verdict is Verdict.INCLUDE


async def test_l_on_the_home_screen(review: Store):
    review.set_passphrase("NA", hash_passphrase("napassphrase1"), by="NA")
    app = make_app(review)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("l", "enter")  # NA
        await pilot.pause()
        assert isinstance(app.screen, PassphraseScreen)  # who NA is, proven first
        await pilot.press(*"napassphrase1", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")  # title/abstract
        await pilot.pause()
        records = app.screen
        assert isinstance(records, RecordsScreen)
        assert await _loaded(pilot, records) == [1, 2, 3, 4, 5, 6]
        await pilot.press("down", "enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ScreeningScreen) and app.screen.current == 2
