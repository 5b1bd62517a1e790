"""The screener app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.screen import Screen

from screener.core.models import Stage
from screener.tui.screens.conflicts import ConflictsScreen
from screener.tui.screens.home import HomeScreen
from screener.tui.screens.screening import ScreeningScreen

if TYPE_CHECKING:
    from screener.store import Store


class ScreenerApp(App[None]):
    """The review's terminal app for an open review.

    With ``reviewer`` and ``stage`` it opens on the screening screen, with ``resolver``
    and ``stage`` on the conflict screen, otherwise on the home screen. ``welcome`` is shown
    as a notification when the app opens (the demo's passphrase).
    """

    CSS_PATH = "screener.tcss"
    TITLE = "screener"

    def __init__(
        self,
        store: Store,
        *,
        reviewer: str | None = None,
        resolver: str | None = None,
        stage: Stage | None = None,
        all_conflicts: bool = False,
        welcome: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.welcome = welcome
        self.all_conflicts = all_conflicts
        self.start_reviewer, self.start_resolver, self.start_stage = reviewer, resolver, stage

    def on_mount(self) -> None:
        self.sub_title = self.store.location
        if self.start_reviewer and self.start_stage:
            self.push_screen(ScreeningScreen(self.store, self.start_reviewer, self.start_stage))
        elif self.start_resolver and self.start_stage:
            self.push_screen(
                ConflictsScreen(self.store, self.start_resolver, self.start_stage, self.all_conflicts)
            )
        else:
            self.push_screen(HomeScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette lists the current screen's actions too (never the only way in)."""
        yield from super().get_system_commands(screen)
        for binding in screen.BINDINGS:
            if isinstance(binding, tuple) or not binding.description or binding.show is False:
                continue
            action = binding.action
            key = binding.key_display or binding.key
            yield SystemCommand(
                binding.description,
                f"{binding.tooltip or binding.description} (key: {key})",
                lambda a=action: self.call_later(screen.run_action, a),
            )


#: The CLI and the tests build the app by this name.
make_app = ScreenerApp
