"""The import screen: check a real export, name its database, import it; a broken file is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import ProgressBar, Static

from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import open_store
from screener.tui.app import make_app
from screener.tui.screens.importing import ImportScreen


@pytest.fixture
def empty_review(tmp_path: Path):
    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    yield store
    store.close()


async def test_import_demo_export_through_the_screen(empty_review, tmp_path: Path, screen_text):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "cinahl.ris").write_bytes((example_dir() / "cinahl.ris").read_bytes())
    (folder / "broken.ris").write_text("TY  - JOUR\nTI  - A title with no end\n", encoding="utf-8")
    app = make_app(empty_review)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = ImportScreen(empty_review, folder)
        app.push_screen(screen)
        await pilot.pause()
        screen.file_selected(type("E", (), {"path": folder / "cinahl.ris"})())  # as Enter on the file does
        await screen.checking.wait()
        await pilot.pause()
        preview = str(screen.query_one("#preview", Static).render())
        assert (
            "format: ris" in preview
            and "records: 14" in preview
            and "database: CINAHL Complete via EBSCOhost" in preview
        )
        await pilot.press("s")
        await pilot.press(*"CINAHL", "enter")
        await pilot.press("t")
        await pilot.press(*"2022-06-02", "enter")
        await pilot.press("i")
        await screen.importing.wait()  # stored off the UI thread
        await pilot.pause()
        assert "14 records from CINAHL" in str(screen.query_one("#import-result", Static).render())
        preview = str(screen.query_one("#preview", Static).render())
        assert preview.startswith("✓ imported: 14 records from CINAHL, source 1")  # the success comes first
        assert "refused" not in preview and "press i" not in preview
        assert screen.query_one("#import-progress", ProgressBar).percentage == 1
        assert "100%" in screen_text(app)  # the bar is drawn, not just updated
        screen.file_selected(type("E", (), {"path": folder / "broken.ris"})())
        await screen.checking.wait()
        await pilot.pause()
        assert "broken.ris" in str(screen.query_one("#preview", Static).render())
        await pilot.press("i")
        await pilot.pause()
    sources = empty_review.sources()
    assert [(s.name, s.record_count, s.searched_on) for s in sources] == [("CINAHL", 14, "2022-06-02")]
    assert empty_review.record_count() == 14


async def test_export_without_a_database_name_asks_for_it(empty_review, tmp_path: Path, shared_dir: Path):
    """A real EndNote XML library names no database: import waits for `s`, then stores it."""
    export = shared_dir / "data/exports/endnote_xml/reflib_blue-light_endnote.xml"
    app = make_app(empty_review)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = ImportScreen(empty_review, export.parent)
        app.push_screen(screen)
        await pilot.pause()
        screen.file_selected(type("E", (), {"path": export})())
        await screen.checking.wait()
        await pilot.pause()
        assert "database: (unknown: press s to name it)" in str(screen.query_one("#preview", Static).render())
        await pilot.press("i")
        await pilot.pause()
        assert empty_review.sources() == []
        assert "--source" not in str(screen.query_one("#import-result", Static).render())
        await pilot.press("s")
        await pilot.press(*"MEDLINE", "enter")
        await pilot.press("i")
        await screen.importing.wait()
        await pilot.pause()
        assert "102 records from MEDLINE" in str(screen.query_one("#import-result", Static).render())
    assert [(s.name, s.record_count) for s in empty_review.sources()] == [("MEDLINE", 102)]


async def test_multi_database_export_becomes_one_source_per_database(empty_review, shared_dir: Path):
    """A real Ovid multi-file search (MEDLINE and CENTRAL records in one RIS file) through the screen."""
    export = shared_dir / "data/exports/ovid/mckeown_mir_Ovid_search_results_1_to_1000.ris"
    app = make_app(empty_review)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = ImportScreen(empty_review, export.parent)
        app.push_screen(screen)
        await pilot.pause()
        screen.file_selected(type("E", (), {"path": export})())
        await screen.checking.wait()
        await pilot.pause()
        preview = str(screen.query_one("#preview", Static).render())
        assert "databases: MEDLINE 895, CENTRAL 105 (one source each) via Ovid" in preview
        await pilot.press("i")
        await screen.importing.wait()
        await pilot.pause()
        assert "1000 records from 2 databases" in str(screen.query_one("#import-result", Static).render())
        assert str(screen.query_one("#preview", Static).render()).startswith(
            "✓ imported: 1000 records from 2 databases"
        )
    assert [(s.name, s.record_count, s.platform) for s in empty_review.sources()] == [
        ("MEDLINE", 895, "Ovid"),
        ("CENTRAL", 105, "Ovid"),
    ]


async def test_import_runs_off_the_ui_thread_once(empty_review, tmp_path: Path, monkeypatch):
    """While a file is being stored, a second `i` does not import it twice and `q` does not leave."""
    import threading

    import screener.tui.screens.importing as screen_module

    release = threading.Event()
    real_import = screen_module.import_file

    def slow_import(*args, **kwargs):
        assert release.wait(10)
        return real_import(*args, **kwargs)

    monkeypatch.setattr(screen_module, "import_file", slow_import)
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "cinahl.ris").write_bytes((example_dir() / "cinahl.ris").read_bytes())
    app = make_app(empty_review)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = ImportScreen(empty_review, folder)
        app.push_screen(screen)
        await pilot.pause()
        screen.file_selected(type("E", (), {"path": folder / "cinahl.ris"})())
        await screen.checking.wait()
        await pilot.press("i")
        await pilot.pause()
        assert "importing cinahl.ris" in str(screen.query_one("#import-result", Static).render())
        first = screen.importing
        await pilot.press("i", "q")  # the UI answers while the import waits
        await pilot.pause()
        assert screen.importing is first and app.screen is screen
        release.set()
        await first.wait()
        await pilot.pause()
        assert "14 records from CINAHL" in str(screen.query_one("#import-result", Static).render())
    assert [(s.name, s.record_count) for s in empty_review.sources()] == [("CINAHL Complete", 14)]


async def test_dedup_remove_and_restore_on_the_import_screen(empty_review, tmp_path: Path):
    from screener.core.models import Stage, Verdict
    from screener.tui.screens.dialogs import Choose

    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("cinahl.ris", "embase.ris"):
        (folder / name).write_bytes((example_dir() / name).read_bytes())
    app = make_app(empty_review)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = ImportScreen(empty_review, folder)
        app.push_screen(screen)
        await pilot.pause()
        for name in ("cinahl.ris", "embase.ris"):
            screen.file_selected(type("E", (), {"path": folder / name})())
            await screen.checking.wait()
            await pilot.pause()
            await pilot.press("i")
            await screen.importing.wait()
            await pilot.pause()
        assert "press d to find duplicates now" in str(screen.query_one("#preview", Static).render())
        await pilot.press("d")
        await asyncio.wait_for(screen.job.wait(), 20)
        await pilot.pause()
        assert "dedup (full)" in str(screen.query_one("#import-result", Static).render())
        assert empty_review.clusters()
        await pilot.press("x")  # remove: pick the second source
        await pilot.pause()
        assert isinstance(app.screen, Choose)
        await pilot.press("down", "enter")
        await asyncio.wait_for(screen.job.wait(), 20)
        await pilot.pause()
        assert [s.name for s in empty_review.sources()] == ["CINAHL Complete"]
        assert empty_review.clusters() == []
        assert "✓ removed source 2" in str(screen.query_one("#import-result", Static).render())
        await pilot.press("u", "enter")  # restore it
        await asyncio.wait_for(screen.job.wait(), 20)
        await pilot.pause()
        assert [s.name for s in empty_review.sources()] == [
            "CINAHL Complete",
            "Embase",
        ] and empty_review.clusters()
        rid = empty_review.stage_pool(Stage.TITLE_ABSTRACT)[0]
        empty_review.record_decision(rid, Stage.TITLE_ABSTRACT, "NA", Verdict.INCLUDE)
        await pilot.press("x", "enter")  # the first source carries a decision: archive, or keep
        await pilot.pause()
        assert "carry decisions" in str(app.screen.query_one("Label").render())
        await pilot.press("down", "enter")  # keep it
        await asyncio.wait_for(screen.job.wait(), 20)
        await pilot.pause()
        assert len(empty_review.sources()) == 2
        await pilot.press("x", "enter", "enter")  # archive it
        await asyncio.wait_for(screen.job.wait(), 20)
        await pilot.pause()
        assert [s.name for s in empty_review.sources()] == ["Embase"]
        assert "✓ archived source 1" in str(screen.query_one("#import-result", Static).render())
    assert empty_review.decision_log()[0].record_id == rid


async def test_typed_path_with_completion_and_up_a_folder(empty_review, tmp_path: Path):
    from textual.widgets import Input

    from screener.tui.screens.importing import ExportTree

    folder = tmp_path / "searches" / "2022-update"
    folder.mkdir(parents=True)
    (folder / "cinahl.ris").write_bytes((example_dir() / "cinahl.ris").read_bytes())
    app = make_app(empty_review)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = ImportScreen(empty_review, tmp_path)
        app.push_screen(screen)
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        field = app.screen.query_one(Input)
        assert field.value == f"{tmp_path}/"
        await pilot.press(*"sea")
        await pilot.pause()
        await pilot.press("right")  # accepts the completion: searches/
        await pilot.press(*"2", "right", *"cin", "right")
        await pilot.pause()
        assert field.value == f"{folder}/cinahl.ris"
        await pilot.press("enter")
        await screen.checking.wait()
        await pilot.pause()
        assert screen.query_one(ExportTree).path == folder
        assert "records: 14" in str(screen.query_one("#preview", Static).render())
        await pilot.press("backspace")  # .. : the folder above
        await pilot.pause()
        assert screen.query_one(ExportTree).path == folder.parent
        await pilot.press("o", *"2022-update", "enter")  # a relative folder opens in the browser
        await pilot.pause()
        assert screen.query_one(ExportTree).path == folder
