"""The app asks a reviewer's passphrase whenever the user picks who they are (home: s, r, c, d)."""

from __future__ import annotations

from textual.widgets import Input, Label

from screener.core.models import Stage
from screener.core.passphrase import hash_passphrase, verify
from screener.store import Store
from screener.tui.app import make_app
from screener.tui.screens.dialogs import Choose
from screener.tui.screens.duplicates import DuplicatesScreen
from screener.tui.screens.home import HomeScreen
from screener.tui.screens.passphrase import PassphraseScreen
from screener.tui.screens.screening import ScreeningScreen

NA_PASS = "napassphrase1"


async def _settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def _question(app) -> str:
    return str(app.screen.query_one("Label").render())


async def test_picking_a_reviewer_asks_their_passphrase(review: Store):
    review.set_passphrase("NA", hash_passphrase(NA_PASS), by="NA")
    app = make_app(review)
    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("s")  # who is screening? NA is the first
        await pilot.pause()
        assert isinstance(app.screen, Choose)
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, PassphraseScreen)
        box = app.screen.query_one("#passphrase-input", Input)
        assert box.password and app.screen.focused is box
        await pilot.press(*"zlpassphrase", "enter")  # ZL trying to be NA
        await _settle(app, pilot)
        assert isinstance(app.screen, PassphraseScreen)
        assert "wrong passphrase for NA" in str(app.screen.query_one("#passphrase-error", Label).render())
        assert box.value == ""
        await pilot.press(*NA_PASS, "enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, Choose) and "Which stage?" in _question(app)
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, ScreeningScreen) and app.screen.reviewer == "NA"
        assert app.screen.stage == Stage.TITLE_ABSTRACT


async def test_escape_at_the_passphrase_acts_as_nobody(review: Store):
    review.set_passphrase("NA", hash_passphrase(NA_PASS), by="NA")
    app = make_app(review)
    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("d", "enter")  # who is deciding duplicates? NA
        await _settle(app, pilot)
        assert isinstance(app.screen, PassphraseScreen)
        await pilot.press(*"guess", "escape")
        await _settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("d", "enter")
        await _settle(app, pilot)
        await pilot.press(*NA_PASS, "enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, DuplicatesScreen)


async def test_a_reviewer_without_a_passphrase_chooses_one(review: Store):
    app = make_app(review)
    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("s", "down", "enter")  # ZL
        await _settle(app, pilot)
        assert "ZL has no passphrase yet" in _question(app)
        await pilot.press(*"short", "enter", *"short", "enter")
        await _settle(app, pilot)
        assert "at least 8 characters" in str(app.screen.query_one("#passphrase-error", Label).render())
        app.screen.query_one("#passphrase-input", Input).value = ""
        app.screen.query_one("#passphrase-input", Input).focus()
        await pilot.press(*"zlpassphrase", "enter", *"zlpassphrasf", "enter")
        await _settle(app, pilot)
        assert "differ" in str(app.screen.query_one("#passphrase-error", Label).render())
        assert review.passphrase_hash("ZL") is None
        await pilot.press(*"zlpassphrase", "enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, Choose) and "Which stage?" in _question(app)
    stored = review.passphrase_hash("ZL")
    assert stored is not None and verify("zlpassphrase", stored) and not verify("zlpassphrasf", stored)
