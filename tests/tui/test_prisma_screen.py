"""The PRISMA screen shows live numbers and exports next to the review."""

from __future__ import annotations

import csv
from pathlib import Path

from textual.widgets import Static

from screener.core.models import Stage, Verdict
from screener.store import Store
from screener.tui.app import make_app

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


async def test_prisma_screen_numbers_and_csv_export(review: Store, tmp_path: Path):
    for reviewer in ("NA", "ZL"):
        for rid in range(1, 7):
            review.record_decision(rid, TA, reviewer, Verdict.INCLUDE if rid in (1, 5) else Verdict.EXCLUDE)
        review.record_decision(1, FT, reviewer, Verdict.INCLUDE)
        review.record_decision(5, FT, reviewer, Verdict.EXCLUDE, reasons=("E4",))
    app = make_app(review)
    async with app.run_test(size=(110, 50)) as pilot:
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        diagram = str(screen.query_one("#diagram", Static).render())
        assert "Records screened (n = 6)" in diagram and "Records excluded (n = 4)" in diagram
        assert "Chronic fatigue syndrome (n = 1)" in diagram
        assert "All PRISMA numbers add up." in str(screen.query_one("#checks", Static).render())
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("b")  # the records behind a box
        await app.workers.wait_for_complete()  # counted on a worker
        await pilot.pause()
        names = [str(o.prompt) for o in app.screen.query_one("OptionList").options]
        assert "reports_excluded (1)" in names and "included (1)" in names
        app.screen.dismiss("included")
        await app.workers.wait_for_complete()  # read on a worker
        await pilot.pause()
        listed = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "included: 1 records" in listed
        assert "Younger 2010  Low-dose naltrexone for the treatment of fibromyalgia" in listed
    rows = {r["data"]: r["n"] for r in csv.DictReader((tmp_path / "prisma.csv").open(encoding="utf-8"))}
    assert (
        rows["database_results"] == "6"
        and rows["records_screened"] == "6"
        and rows["dbr_excluded"] == "Chronic fatigue syndrome, 1"
    )
