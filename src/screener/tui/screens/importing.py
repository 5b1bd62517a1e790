"""The import screen: pick an export, see its detected format and database, import it with progress."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DirectoryTree, Header, ProgressBar, Static
from textual.worker import Worker

from screener.importers import ImportFileError, ParsedFile
from screener.core.dates import search_date
from screener.importing import ImportOptions, import_file, parse
from screener.store import StoreError
from screener.tui.keys import help_binding, leave, show_help
from screener.tui.screens.dialogs import Prompt
from screener.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from screener.store import Store

EXPORT_SUFFIXES = {".ris", ".nbib", ".txt", ".bib", ".bibtex", ".xml", ".gz", ".ciw", ".csv", ".tsv", ".tab", ".medline"}


class ExportTree(DirectoryTree):
    """A directory tree showing folders and files that look like database exports."""

    def filter_paths(self, paths):  # type: ignore[no-untyped-def]
        return [p for p in paths if p.is_dir() or p.suffix.lower() in EXPORT_SUFFIXES]


class ImportScreen(Screen[None]):
    """Import database exports into the review, one file per search."""

    BINDINGS = [
        Binding("i", "import_file", "Import", tooltip="Import the checked file", id="import.go"),
        Binding("s", "set('source')", "Database", tooltip="Set the database name", id="import.source"),
        Binding("t", "set('searched')", "Date", tooltip="Set the search date", id="import.date"),
        Binding("y", "set('query')", "Query", tooltip="Set the search string", id="import.query"),
        help_binding("import"),
        Binding("q", "leave", "Back", tooltip="Leave the import screen", id="import.quit"),
    ]

    def __init__(self, store: Store, folder: Path | None = None) -> None:
        super().__init__()
        self.store = store
        self.folder = folder or Path.cwd()
        self.path: Path | None = None
        self.parsed: ParsedFile | None = None
        self.options = ImportOptions()
        self.checking: Worker[None] | None = None
        self.importing: Worker[None] | None = None
        self.imported: dict[str, int] = {}
        """sha256 -> source id, for the files imported on this screen (their success is what it shows)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield ExportTree(self.folder, id="files")
            with Vertical(id="import-side"):
                yield Static("Pick an export file (Enter) to check it.", id="preview")
                yield ProgressBar(id="import-progress", show_eta=False)
                yield Static("", id="import-result")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Import database exports"

    @on(DirectoryTree.FileSelected)
    def file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.path, self.parsed, self.options = event.path, None, ImportOptions()
        self.query_one("#preview", Static).update(f"checking {event.path.name} …")
        self.checking = self.check_file(event.path)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def check_file(self, path: Path) -> None:
        bar = self.query_one("#import-progress", ProgressBar)

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(bar.update, total=total or None, progress=done)

        try:
            parsed = parse(path, self.options, progress)
        except ImportFileError as exc:
            self.app.call_from_thread(self._show_error, str(exc))
            return
        self.app.call_from_thread(self._show_parsed, parsed)

    def _show_error(self, message: str) -> None:
        self.parsed = None
        self.query_one("#preview", Static).update(Text(message, style="bold red"))

    def _show_parsed(self, parsed: ParsedFile) -> None:
        self.parsed = parsed
        self._refresh_preview()

    def _refresh_preview(self) -> None:
        p = self.parsed
        if p is None:
            return
        earlier = self.store.source_by_sha256(p.sha256)
        text = Text()
        just_imported = earlier is not None and self.imported.get(p.sha256) == earlier.id
        if just_imported:
            assert earlier is not None
            what = (f"{len(p.records)} records from {len(p.databases)} databases" if len(p.databases) > 1
                    else f"{earlier.record_count} records from {earlier.name}, source {earlier.id}")
            text.append(f"✓ imported: {what}\n\n", style="bold green")
        text.append(f"{p.path.name}\n", style="bold")
        text.append(f"format: {p.format}   encoding: {p.encoding}\n")
        name = self.options.source or p.database
        if len(p.databases) > 1:  # a multi-database search: one source per database
            each = ", ".join(f"{db} {n}" for db, n in p.databases.items())
            text.append(f"databases: {each} (one source each)" + (f" via {p.platform}" if p.platform else "") + "\n")
        else:
            text.append(f"database: {name or '(unknown: press s to name it)'}"
                        + (f" via {p.platform}" if p.platform else "") + "\n")
        text.append(f"records: {len(p.records)}" + (f"   unusable entries: {len(p.unusable)}" if p.unusable else "")
                    + "\n")
        text.append(f"searched: {self.options.searched or '(press t)'}\n")
        text.append(f"query: {self.options.query or '(press y)'}\n")
        if earlier and not just_imported:
            text.append(f"\nalready imported as source {earlier.id} ({earlier.name}); importing again is refused\n",
                        style="bold yellow")
        elif name and not just_imported:
            text.append("\npress i to import", style="bold green")
        self.query_one("#preview", Static).update(text)

    def action_set(self, field: str) -> None:
        questions = {"source": "Database name (PubMed, Embase, CINAHL, ...)",
                     "searched": "Search date (YYYY-MM-DD, YYYY-MM or YYYY)", "query": "Search string"}

        def done(value: str | None) -> None:
            if value is not None and field == "searched" and value.strip():
                try:
                    value = search_date(value)
                except ValueError as exc:
                    self.notify(f"Search date not changed: {exc}", severity="error")
                    return
            if value is not None:
                self.options = replace(self.options, **{field: value.strip() or None})
                self._refresh_preview()

        self.app.push_screen(Prompt(questions[field], getattr(self.options, field) or ""), done)

    def action_import_file(self) -> None:
        if self.importing is not None and self.importing.is_running:
            self.notify("An import is running: wait for it to finish.", severity="warning")
            return
        if self.parsed is None or self.path is None:
            self.notify("Pick a file first (Enter in the list).", severity="warning")
            return
        if not (self.options.source or self.parsed.database):  # the CLI's message names --source
            self.notify("Name the database first: press s.", severity="warning")
            return
        self.query_one("#import-result", Static).update(f"importing {self.path.name} …")
        self.query_one("#import-progress", ProgressBar).update(total=len(self.parsed.records) or None, progress=0)
        self.importing = self.store_file(self.path, self.options, self.parsed)

    @work(thread=True, group="import-store", exit_on_error=False)
    def store_file(self, path: Path, options: ImportOptions, parsed: ParsedFile) -> None:
        """Store a checked file off the UI thread, the bar following the records written."""
        bar = self.query_one("#import-progress", ProgressBar)

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(bar.update, total=total or None, progress=done)

        try:
            summary = import_file(self.store, path, options, progress=progress, parsed=parsed,
                                  on_wait=lambda m: self.app.call_from_thread(self._show_result, Text(m, style="yellow")))
        except (ImportFileError, StoreError) as exc:
            self.app.call_from_thread(self._show_result, Text(str(exc), style="bold red"))
            return
        self.imported[summary.parsed.sha256] = summary.source.id
        self.app.call_from_thread(self._show_result, Text("\n".join(summary.lines()), style="green"))

    def _show_result(self, text: Text) -> None:
        self.query_one("#import-result", Static).update(text)
        self._refresh_preview()

    def action_leave(self) -> None:
        if self.importing is not None and self.importing.is_running:
            self.notify("An import is running: leave when it has finished.", severity="warning")
            return
        leave(self)

    def action_help(self) -> None:
        show_help(self, "Import screen keys")
