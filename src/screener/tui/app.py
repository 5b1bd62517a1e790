"""The screener app and its factory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from screener.tui.screens.home import HomeScreen

if TYPE_CHECKING:
    from screener.store import Store


class ScreenerApp(App[None]):
    """The review's terminal app; opens on the home screen."""

    CSS_PATH = "screener.tcss"
    TITLE = "screener"

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def on_mount(self) -> None:
        self.sub_title = self.store.location
        self.push_screen(HomeScreen())


def make_app(store: Store) -> ScreenerApp:
    """Build the app for an open review (the CLI and the tests both call this)."""
    return ScreenerApp(store)
