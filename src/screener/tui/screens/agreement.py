"""The agreement screen: per stage and pair of reviewers, Po, kappa (95% CI), PABAK, AC1 and the tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static
from textual.worker import Worker

from screener.core.models import Stage
from screener.tui.keys import help_binding, leave, show_help
from screener.tui.widgets.key_footer import KeyFooter
from screener.tui.workers import WorkScreen, one_line
from screener.workflows.agreement import stage_agreement

if TYPE_CHECKING:
    from screener.store import Store


class AgreementScreen(WorkScreen[None]):
    """Inter-rater agreement for every stage that is no longer blind."""

    BINDINGS = [
        Binding("r", "refresh", "Refresh", tooltip="Recompute", id="agreement.refresh"),
        help_binding("agreement"),
        Binding("q", "leave", "Back", tooltip="Leave the agreement screen", id="agreement.quit"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static("computing …", id="agreement")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Agreement between reviewers"
        self.action_refresh()

    @work(thread=True, exclusive=True, group="agreement", exit_on_error=False, name="computing agreement")
    def action_refresh(self) -> None:
        text = Text()
        for name in self.store.protocol().rules.stages:
            stage = Stage(name)
            if self.store.is_blind(stage):
                text.append(
                    f"{stage.label}: still blind; agreement is shown once the stage is unblinded\n\n",
                    style="dim",
                )
                continue
            for pair in stage_agreement(self.store, stage):
                lines = pair.lines()
                text.append(lines[0] + "\n", style="bold")
                text.append("\n".join(lines[1:]) + "\n\n")
        self.app.call_from_thread(self.query_one("#agreement", Static).update, text)

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """Not "computing …" for ever: the screen says why there are no figures."""
        message = f"could not compute agreement: {one_line(error)}"
        self.query_one("#agreement", Static).update(Text(message, style="bold red"))
        self.notify(message, severity="error", timeout=15)

    def action_leave(self) -> None:
        leave(self)

    def action_help(self) -> None:
        show_help(self, "Agreement keys")
