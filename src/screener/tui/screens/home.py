"""The home screen: the review at a glance, one key to each workflow screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from screener.core.models import Stage
from screener.store import Blind
from screener.tui.keys import help_binding, show_help
from screener.tui.refresh import poll_store
from screener.tui.screens.agreement import AgreementScreen
from screener.tui.screens.conflicts import ConflictsScreen
from screener.tui.screens.dialogs import Choose
from screener.tui.screens.duplicates import DuplicatesScreen
from screener.tui.screens.importing import ImportScreen
from screener.tui.screens.passphrase import PassphraseScreen
from screener.tui.screens.prisma import PrismaScreen
from screener.tui.screens.screening import ScreeningScreen
from screener.tui.widgets.key_footer import KeyFooter
from screener.tui.workers import WorkScreen
from screener.workflows.status import ReviewStatus, review_status
from screener.workflows.waiting import Waiting, waiting

if TYPE_CHECKING:
    from screener.tui.app import ScreenerApp


class HomeScreen(WorkScreen[None]):
    """Sources and counts, progress per reviewer and stage."""

    BINDINGS = [
        Binding("i", "import_files", "Import", tooltip="Import database exports", id="home.import"),
        Binding(
            "d", "duplicates", "Duplicates", tooltip="Review possible duplicates, undo merges", id="home.dups"
        ),
        Binding("s", "screen", "Screen", tooltip="Screen records as one reviewer", id="home.screen"),
        Binding(
            "c", "conflicts", "Conflicts", tooltip="Resolve conflicts (after unblinding)", id="home.conflicts"
        ),
        Binding(
            "a",
            "agreement",
            "Agreement",
            tooltip="Agreement between reviewers (kappa, PABAK, AC1)",
            id="home.agreement",
        ),
        Binding("p", "prisma", "PRISMA", tooltip="PRISMA 2020 flow diagram and exports", id="home.prisma"),
        Binding("r", "refresh", "Refresh", tooltip="Reload the review's numbers", id="home.refresh"),
        Binding(
            "l",
            "records",
            "Records",
            tooltip="A reviewer's records: filter, sort, labels, screen a selection",
            id="home.records",
        ),
        Binding(
            "P",
            "protocol",
            "Protocol",
            tooltip="The protocol (criteria, reasons, keywords, options) and its changes",
            id="home.protocol",
        ),
        help_binding("home"),
        Binding("q", "app.quit", "Quit", tooltip="Leave screener", id="home.quit"),
    ]

    @property
    def _app(self) -> ScreenerApp:
        """The app, typed as the screener app (Textual types ``self.app`` as any app)."""
        return cast("ScreenerApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="review-title")
        yield Static("", id="waiting")
        yield Static("Sources", classes="section")
        sources: DataTable[str] = DataTable(id="sources", cursor_type="row", zebra_stripes=True)
        sources.add_columns("#", "Database", "Records", "File", "Searched")
        yield sources
        yield Static("", id="totals")
        yield Static("Screening progress", classes="section")
        progress: DataTable[str] = DataTable(id="progress", cursor_type="none")
        progress.add_columns("Stage", "Reviewer", "Decided", "Include", "Exclude", "Maybe")
        yield progress
        yield Static("", id="next-steps")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()
        app = self._app
        poll_store(self, app.store, lambda: review_status(app.store), self.show)
        if app.welcome:  # said once, on the first home screen (the demo's passphrase)
            self.notify(app.welcome, timeout=30)
            app.welcome = None

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="home-load", exit_on_error=False)
    def load(self) -> None:
        app = self._app
        status = review_status(app.store)
        todo = waiting(app.store)
        self.app.call_from_thread(self.show, status)
        self.app.call_from_thread(self.show_waiting, todo)

    def show(self, status: ReviewStatus) -> None:
        self.query_one("#review-title", Static).update(status.title)
        sources = self.query_one("#sources", DataTable)
        sources.clear()
        for s in status.sources:
            sources.add_row(str(s.id), s.name, str(s.record_count), s.file_name, s.searched_on or "")
        self.query_one("#totals", Static).update(
            f"{status.records} records from {len(status.sources)} searches; "
            f"{status.duplicates_removed} duplicates removed; {status.to_screen} to screen"
        )
        progress = self.query_one("#progress", DataTable)
        progress.clear()
        for p in status.progress:
            if isinstance(p.by_verdict, Blind):  # another reviewer's verdicts while the stage is blind
                verdicts = ["0" if p.decided == 0 else "·"] * 3
            else:
                verdicts = [
                    str(p.by_verdict.get(v, 0)) if p.by_verdict or not p.decided else "·"
                    for v in ("include", "exclude", "maybe")
                ]
            pool = "" if isinstance(p.pool, Blind) else f" of {p.pool}"
            progress.add_row(p.stage.label, p.reviewer, f"{p.decided}{pool}", *verdicts)
        hint = (
            "Import your searches first: screener import FILE..."
            if not status.sources
            else "i import · d duplicates · s screen · c conflicts · a agreement · p PRISMA"
        )
        self.query_one("#next-steps", Static).update(hint)
        self.query_one("#next-steps", Static).display = not status.sources  # the footer has the keys

    def show_waiting(self, todo: list[Waiting]) -> None:
        text = Text()
        text.append("Waiting\n" if todo else "Nothing is waiting.", style="bold")
        for i, item in enumerate(todo):
            text.append(f"  {item.key}  ", style="bold reverse")
            text.append(f" {item.text}" + ("\n" if i < len(todo) - 1 else ""))
        self.query_one("#waiting", Static).update(text)

    def on_screen_resume(self) -> None:
        self.load()

    def _person_then_stage(
        self,
        question: str,
        arbiters: bool,
        open_screen: Callable[[str, Stage], Screen],
        done: Callable[[str, Stage, Any], None] | None = None,
    ) -> None:
        app = self._app
        protocol = app.store.protocol()
        people = [
            (r.initials, f"{r.initials}  {r.name}")
            for r in protocol.reviewers
            if arbiters or r.role != "arbiter"
        ]

        def pick_stage(initials: str | None) -> None:
            if initials is not None:  # who they are is proven first
                self._proven(initials, lambda: ask_stage(initials))

        def ask_stage(initials: str) -> None:
            stages = [(s, Stage(s).label) for s in protocol.rules.stages]

            def pushed(stage: str | None) -> None:
                if stage:
                    self.app.push_screen(
                        open_screen(initials, Stage(stage)),
                        (lambda r: done(initials, Stage(stage), r)) if done else None,
                    )

            self.app.push_screen(Choose("Which stage?", stages), pushed)

        self.app.push_screen(Choose(question, people), pick_stage)

    def action_screen(self) -> None:
        app = self._app
        self._person_then_stage(
            "Who is screening?", False, lambda who, st: ScreeningScreen(app.store, who, st)
        )

    def action_records(self) -> None:
        from screener.tui.screens.records import RecordsScreen

        app = self._app

        def opened(who: str, stage: Stage, result: tuple[int, list[int] | None] | None) -> None:
            if result is not None:  # Enter on a record, or s: screen the listed ones
                rid, only = result
                self.app.push_screen(ScreeningScreen(app.store, who, stage, only=only, start_at=rid))

        self._person_then_stage(
            "Whose records?", False, lambda who, st: RecordsScreen(app.store, who, st), opened
        )

    def action_conflicts(self) -> None:
        app = self._app
        self._person_then_stage(
            "Who is resolving?", True, lambda who, st: ConflictsScreen(app.store, who, st)
        )

    def action_duplicates(self) -> None:
        app = self._app
        people = [(r.initials, f"{r.initials}  {r.name}") for r in app.store.protocol().reviewers]

        def chosen(who: str | None) -> None:
            if who:
                self._proven(who, lambda: self.app.push_screen(DuplicatesScreen(app.store, who)))

        self.app.push_screen(Choose("Who is deciding?", people), chosen)

    def _proven(self, initials: str, then: Callable[[], object]) -> None:
        """Run ``then`` once the user has typed ``initials``'s passphrase (or chosen their first one)."""
        app = self._app

        def proven(ok: bool | None) -> None:
            if ok:
                then()

        self.app.push_screen(PassphraseScreen(app.store, initials), proven)

    def action_import_files(self) -> None:
        app = self._app
        self.app.push_screen(ImportScreen(app.store))

    def action_agreement(self) -> None:
        app = self._app
        self.app.push_screen(AgreementScreen(app.store))

    def action_prisma(self) -> None:
        app = self._app
        self.app.push_screen(PrismaScreen(app.store))

    def action_protocol(self) -> None:
        from screener.tui.screens.protocol import ProtocolScreen

        app = self._app
        self.app.push_screen(ProtocolScreen(app.store))

    def action_help(self) -> None:
        show_help(self, "Home screen keys")
