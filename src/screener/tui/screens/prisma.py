"""The PRISMA screen: the flow diagram with live numbers, its checks, and exports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static
from textual.worker import Worker

from screener.core import prisma as P
from screener.core.output import OutputError, write_atomic
from screener.store import Blinded, StoreError, sqlite_path
from screener.tui.keys import help_binding, leave, show_help
from screener.tui.refresh import poll_store
from screener.tui.screens.dialogs import Choose, Help
from screener.tui.widgets.key_footer import KeyFooter
from screener.tui.workers import WorkScreen, one_line
from screener.workflows.prisma import Flow, compute_flow, methods_facts

if TYPE_CHECKING:
    from screener.store import Store

EXPORTS = {
    "csv": "prisma.csv",
    "svg": "prisma.svg",
    "png": "prisma.png",
    "json": "prisma.json",
    "methods": "methods.txt",
}


class PrismaScreen(WorkScreen[None]):
    """Draw the PRISMA 2020 flow of the review and export it next to the review."""

    BINDINGS = [
        Binding("r", "refresh", "Refresh", tooltip="Recompute the numbers", id="prisma.refresh"),
        Binding("c", "export('csv')", "CSV", tooltip="PRISMA2020 R package / Shiny app CSV", id="prisma.csv"),
        Binding("s", "export('svg')", "SVG", tooltip="Flow diagram as SVG", id="prisma.svg"),
        Binding("p", "export('png')", "PNG", tooltip="Flow diagram as PNG", id="prisma.png"),
        Binding("j", "export('json')", "JSON", tooltip="All counts as JSON", id="prisma.json"),
        Binding(
            "m",
            "export('methods')",
            "Methods",
            tooltip="Methods paragraph (PRISMA item 8)",
            id="prisma.methods",
        ),
        Binding("b", "box", "Records", tooltip="List the records behind a box", id="prisma.box"),
        help_binding("prisma"),
        Binding("q", "leave", "Back", tooltip="Leave the PRISMA screen", id="prisma.quit"),
    ]

    def __init__(self, store: Store, folder: Path | None = None) -> None:
        super().__init__()
        self.store = store
        # Exports go next to an SQLite review, else to the current folder.
        db = sqlite_path(store.url)
        self.folder = folder or (db.parent if db else Path.cwd())
        self.flow: Flow | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="prisma-pane"):
            yield Static("computing …", id="diagram")
            yield Static("", id="checks")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "PRISMA 2020 flow"
        self.action_refresh()
        poll_store(self, self.store, lambda: compute_flow(self.store), self.show)

    @work(thread=True, exclusive=True, group="prisma", exit_on_error=False, name="computing the flow")
    def action_refresh(self) -> None:
        flow = compute_flow(self.store)
        self.app.call_from_thread(self.show, flow)

    def show(self, flow: Flow) -> None:
        self.flow = flow
        if flow.blind:  # the numbers that depend on no vote, "blind" with the reason for the others
            self.query_one("#diagram", Static).update("\n".join(flow.blind_lines()))
            self.query_one("#checks", Static).update(
                Text("Exports wait until every stage is unblinded.", style="yellow")
            )
            return
        width = max(60, min(100, self.size.width - 4))
        self.query_one("#diagram", Static).update("\n".join(P.to_text_diagram(flow.counts, width)))
        text = Text()
        for line in flow.reopened_lines():
            text.append(f"{line}\n", style="bold yellow")
        for m in P.check(flow.counts):
            text.append(f"{m}\n", style="bold red" if m.is_error else "yellow")
        if not text:
            text.append("All PRISMA numbers add up.", style="green")
        self.query_one("#checks", Static).update(text)

    def action_export(self, fmt: str) -> None:
        if self.flow is None:
            return
        if self.flow.blind:
            self.notify(f"Not exported: {self.flow.blind[0].reason}", severity="error")
            return
        errors = P.errors(self.flow.counts)
        if errors:
            self.notify(
                "Not exported: the numbers do not add up (" + "; ".join(errors) + ")", severity="error"
            )
            return
        self.export(fmt, self.flow)

    @work(thread=True, exclusive=True, group="prisma-export", exit_on_error=False, name="exporting")
    def export(self, fmt: str, flow: Flow) -> None:
        """Write one export next to the review, atomically (a failure keeps the old file)."""
        path = self.folder / EXPORTS[fmt]
        try:
            title = self.store.protocol().title
            if fmt == "csv":
                write_atomic(path, P.to_template_csv(flow.counts))
            elif fmt == "svg":
                write_atomic(path, P.to_svg(flow.counts, title))
            elif fmt == "png":
                P.to_png(P.to_svg(flow.counts, title), path)
            elif fmt == "json":
                write_atomic(path, P.to_json(flow.counts))
            else:
                write_atomic(path, P.methods_paragraph(methods_facts(self.store)) + "\n")
        except (OSError, ImportError, StoreError) as exc:
            self.app.call_from_thread(
                self.notify,
                str(exc) if isinstance(exc, OutputError | StoreError) else f"Could not write {path}: {exc}",
                severity="error",
            )
            return
        self.app.call_from_thread(self.notify, f"Wrote {path}")

    @work(thread=True, exclusive=True, group="prisma-box", exit_on_error=False, name="counting the boxes")
    def action_box(self) -> None:
        """Which box? Each with its count (read here, off the UI thread), then its records."""

        def size(name: str) -> str:
            try:
                return str(len(self.store.box_ids(name) or []))
            except Blinded:
                return "blind"

        names = [(name, f"{name} ({size(name)})") for name in self.store.box_names()]
        self.app.call_from_thread(self.app.push_screen, Choose("Which box?", names), self._box_chosen)

    def _box_chosen(self, name: str | None) -> None:
        if name:
            self.box_records(name)

    @work(thread=True, exclusive=True, group="prisma-box", exit_on_error=False, name="reading the box")
    def box_records(self, name: str) -> None:
        """The records behind one box, one line each."""
        try:
            ids = self.store.box_ids(name) or []
        except Blinded as exc:
            self.app.call_from_thread(self.app.push_screen, Help(f"{name}: blind", [str(exc)]))
            return
        sources = {s.id: s.name for s in self.store.sources()}
        records = self.store.records(ids)
        lines = [
            f"{r.id:>6}  {sources[r.source_id]:<10} {r.bib.first_author or '?'} {r.bib.year or 'n.d.'}  "
            f"{(r.bib.title or '(no title)')[:60]}"
            for r in records
        ] or ["(no records)"]
        self.app.call_from_thread(self.app.push_screen, Help(f"{name}: {len(records)} records", lines))

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """A flow that could not be computed says so where the diagram would be."""
        if worker.group == "prisma" and self.flow is None:
            self.query_one("#diagram", Static).update(
                Text(f"could not compute the flow: {one_line(error)}", style="bold red")
            )
        super().worker_failed(worker, error)

    def action_leave(self) -> None:
        leave(self)

    def action_help(self) -> None:
        show_help(self, "PRISMA screen keys")
