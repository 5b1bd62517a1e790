"""`--searched` takes ISO dates only, in the CLI and in the import screen (issue 13, item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import open_store
from screener.tui.app import make_app
from screener.tui.screens.importing import ImportScreen


@pytest.fixture
def review(tmp_path: Path) -> Path:
    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    store.close()
    return tmp_path / "review.db"


@pytest.mark.parametrize("value", ["2022-13-45", "yesterday", "16/05/2022"])
def test_cli_refuses_a_search_date_that_is_not_iso(review: Path, value: str):
    result = CliRunner().invoke(
        cli,
        ["--db", str(review), "import", str(example_dir() / "cinahl.ris"), "--searched", value],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: --searched: '{value}' is not a search date: give YYYY-MM-DD, "
        "YYYY-MM or YYYY (e.g. 2022-05-16)"
    )
    store = open_store(review)
    try:
        assert store.sources() == []
    finally:
        store.close()


def test_cli_stores_iso_dates(review: Path):
    result = CliRunner().invoke(
        cli,
        ["--db", str(review), "import", str(example_dir() / "cinahl.ris"), "--searched", "2022-06"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    store = open_store(review)
    try:
        assert [s.searched_on for s in store.sources()] == ["2022-06"]
    finally:
        store.close()


async def test_import_screen_refuses_a_bad_search_date(review: Path, tmp_path: Path):
    store = open_store(review)
    app = make_app(store)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = ImportScreen(store, tmp_path)
            app.push_screen(screen)
            await pilot.pause()
            await pilot.press("t", *"2022-13-45", "enter")
            await pilot.pause()
            assert screen.options.searched is None
            assert any("not a search date" in str(n.message) for n in app._notifications)
            await pilot.press("t", *"2022-05-16", "enter")
            await pilot.pause()
            assert screen.options.searched == "2022-05-16"
    finally:
        store.close()
