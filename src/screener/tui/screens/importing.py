"""The import screen: pick an export, see its detected format and database, import it with progress."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DirectoryTree, Header, ProgressBar, Static
from textual.worker import Worker

from screener.core.dates import search_date
from screener.importers import ImportFileError, ParsedFile
from screener.store import StoreError
from screener.tui.keys import help_binding, leave, show_help
from screener.tui.screens.dialogs import Choose, PathSuggester, Prompt
from screener.tui.widgets.key_footer import KeyFooter
from screener.tui.workers import WorkScreen, one_line
from screener.workflows.importing import ImportOptions, import_file, parse

if TYPE_CHECKING:
    from screener.store import Store

EXPORT_SUFFIXES = {
    ".ris",
    ".nbib",
    ".txt",
    ".bib",
    ".bibtex",
    ".xml",
    ".gz",
    ".ciw",
    ".csv",
    ".tsv",
    ".tab",
    ".medline",
}


class ExportTree(DirectoryTree):
    """A directory tree showing folders and files that look like database exports."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if p.is_dir() or p.suffix.lower() in EXPORT_SUFFIXES]


class ImportScreen(WorkScreen[None]):
    """Import database exports into the review, one file per search."""

    BINDINGS = [
        Binding("i", "import_file", "Import", tooltip="Import the checked file", id="import.go"),
        Binding("s", "set('source')", "Database", tooltip="Set the database name", id="import.source"),
        Binding("t", "set('searched')", "Date", tooltip="Set the search date", id="import.date"),
        Binding("y", "set('query')", "Query", tooltip="Set the search string", id="import.query"),
        Binding(
            "o", "open_path", "Path", tooltip="Type a file or folder path (→ completes it)", id="import.path"
        ),
        Binding(
            "backspace",
            "up_folder",
            "Up",
            tooltip="Browse the folder above (..)",
            id="import.up",
            key_display="⌫",
        ),
        Binding(
            "d", "dedup", "Dedup", tooltip="Find duplicates among the new records now", id="import.dedup"
        ),
        Binding(
            "x",
            "remove_source",
            "Remove source",
            tooltip="Remove a wrongly imported source (or archive it)",
            id="import.remove",
        ),
        Binding(
            "u",
            "restore_source",
            "Restore",
            tooltip="Put back a removed source (until the next dedup)",
            id="import.restore",
        ),
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
        self.job: Worker[None] | None = None
        """The latest dedup, removal or restore started here."""
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
            what = (
                f"{len(p.records)} records from {len(p.databases)} databases"
                if len(p.databases) > 1
                else f"{earlier.record_count} records from {earlier.name}, source {earlier.id}"
            )
            text.append(f"✓ imported: {what}\n", style="bold green")
            text.append("press d to find duplicates now (x removes it again)\n\n", style="green")
        text.append(f"{p.path.name}\n", style="bold")
        text.append(f"format: {p.format}   encoding: {p.encoding}\n")
        name = self.options.source or p.database
        if len(p.databases) > 1:  # a multi-database search: one source per database
            each = ", ".join(f"{db} {n}" for db, n in p.databases.items())
            text.append(
                f"databases: {each} (one source each)" + (f" via {p.platform}" if p.platform else "") + "\n"
            )
        else:
            text.append(
                f"database: {name or '(unknown: press s to name it)'}"
                + (f" via {p.platform}" if p.platform else "")
                + "\n"
            )
        text.append(
            f"records: {len(p.records)}"
            + (f"   unusable entries: {len(p.unusable)}" if p.unusable else "")
            + "\n"
        )
        text.append(f"searched: {self.options.searched or '(press t)'}\n")
        text.append(f"query: {self.options.query or '(press y)'}\n")
        if earlier and not just_imported:
            text.append(
                f"\nalready imported as source {earlier.id} ({earlier.name}); importing again is refused\n",
                style="bold yellow",
            )
        elif name and not just_imported:
            text.append("\npress i to import", style="bold green")
        self.query_one("#preview", Static).update(text)

    def action_set(self, field: str) -> None:
        questions = {
            "source": "Database name (PubMed, Embase, CINAHL, ...)",
            "searched": "Search date (YYYY-MM-DD, YYYY-MM or YYYY)",
            "query": "Search string",
        }

        def done(value: str | None) -> None:
            if value is not None and field == "searched" and value.strip():
                try:
                    value = search_date(value)
                except ValueError as exc:
                    self.notify(f"Search date not changed: {exc}", severity="error")
                    return
            if value is None:
                return
            text = value.strip() or None
            if field == "source":
                self.options = replace(self.options, source=text)
            elif field == "searched":
                self.options = replace(self.options, searched=text)
            else:
                self.options = replace(self.options, query=text)
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
        self.query_one("#import-progress", ProgressBar).update(
            total=len(self.parsed.records) or None, progress=0
        )
        self.importing = self.store_file(self.path, self.options, self.parsed)

    @work(thread=True, group="import-store", exit_on_error=False)
    def store_file(self, path: Path, options: ImportOptions, parsed: ParsedFile) -> None:
        """Store a checked file off the UI thread, the bar following the records written."""
        bar = self.query_one("#import-progress", ProgressBar)

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(bar.update, total=total or None, progress=done)

        try:
            summary = import_file(
                self.store,
                path,
                options,
                progress=progress,
                parsed=parsed,
                on_wait=lambda m: self.app.call_from_thread(self._show_result, Text(m, style="yellow")),
            )
        except (ImportFileError, StoreError) as exc:
            self.app.call_from_thread(self._show_result, Text(str(exc), style="bold red"))
            return
        self.imported[summary.parsed.sha256] = summary.source.id
        self.app.call_from_thread(self._show_result, Text("\n".join(summary.lines()), style="green"))

    def _show_result(self, text: Text) -> None:
        self.query_one("#import-result", Static).update(text)
        self._refresh_preview()

    # -- paths --------------------------------------------------------------------------------

    def action_up_folder(self) -> None:
        self._browse(self.folder.parent)

    def _browse(self, folder: Path) -> None:
        self.folder = folder
        self.query_one(ExportTree).path = folder
        self.sub_title = str(folder)

    def action_open_path(self) -> None:
        def done(text: str | None) -> None:
            if not text or not text.strip():
                return
            path = Path(text.strip()).expanduser()
            if not path.is_absolute():
                path = self.folder / path
            path = path.resolve()
            if path.is_dir():
                self._browse(path)
            elif path.is_file():
                self._browse(path.parent)
                self.file_selected(DirectoryTree.FileSelected(self.query_one(ExportTree).root, path))
            else:
                self.notify(f"{path}: no such file or folder", severity="warning")

        self.app.push_screen(
            Prompt(
                "File or folder (→ completes, Enter opens)",
                f"{self.folder}{os.sep}",
                suggester=PathSuggester(),
            ),
            done,
        )

    # -- dedup after an import, removing and restoring sources --------------------------------

    def _say(self, text: str, style: str = "") -> None:
        self.query_one("#import-result", Static).update(Text(text, style=style))

    def action_dedup(self) -> None:
        if self.importing is not None and self.importing.is_running:
            self.notify("An import is running: dedup when it has finished.", severity="warning")
            return
        self._say("finding duplicates …")
        self.job = self.dedup()

    @work(thread=True, exclusive=True, group="import-dedup", exit_on_error=False)
    def dedup(self) -> None:
        from screener.workflows.dedup import run_dedup

        summary = run_dedup(self.store)
        self.app.call_from_thread(self._say, "\n".join(summary.lines()), "green")

    def action_remove_source(self) -> None:
        self.job = self._remove_source()

    def action_restore_source(self) -> None:
        self.job = self._restore_source()

    @work(group="import-sources", exit_on_error=False)
    async def _remove_source(self) -> None:
        sources = [s for s in await asyncio.to_thread(self.store.source_list) if not s.archived]
        if not sources:
            self.notify("No source to remove.", severity="warning")
            return
        options = [
            (
                str(s.id),
                f"{s.id}  {s.name} · {s.file_name} · {s.records} records"
                + (f" ({s.with_decisions} with decisions)" if s.with_decisions else ""),
            )
            for s in sources
        ]
        chosen = await self.app.push_screen_wait(Choose("Remove which source?", options))
        if chosen is None:
            return
        info = next(s for s in sources if str(s.id) == chosen)
        force = False
        if info.with_decisions:
            answer = await self.app.push_screen_wait(
                Choose(
                    f"{info.with_decisions} of its {info.records} records carry decisions.",
                    [
                        (
                            "archive",
                            "Archive it: its records leave the review, the decisions stay in the log",
                        ),
                        ("keep", "Keep it"),
                    ],
                )
            )
            if answer != "archive":
                return
            force = True
        removal = await asyncio.to_thread(self.store.remove_source, info.id, force=force)
        verb = "archived" if removal.mode == "archived" else "removed"
        self._say(
            f"✓ {verb} source {info.id} ({info.name}): {removal.records} records left the review · "
            "u puts it back until the next dedup",
            "bold green",
        )
        self._refresh_preview()

    @work(group="import-sources", exit_on_error=False)
    async def _restore_source(self) -> None:
        removed = await asyncio.to_thread(self.store.removed_sources)
        if not removed:
            self.notify("Nothing to restore (a removal lasts until the next dedup).")
            return
        options = [(str(sid), f"{sid}  {name} ({mode})") for sid, name, mode in removed]
        chosen = await self.app.push_screen_wait(Choose("Restore which source?", options))
        if chosen is None:
            return
        name, count = await asyncio.to_thread(self.store.restore_source, int(chosen))
        self._say(f"✓ restored source {chosen} ({name}): {count} records are back", "bold green")
        self._refresh_preview()

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """A worker that failed says so: nothing is half-done silently."""
        self._say(one_line(error), "bold red")
        super().worker_failed(worker, error)

    def action_leave(self) -> None:
        if self.importing is not None and self.importing.is_running:
            self.notify("An import is running: leave when it has finished.", severity="warning")
            return
        leave(self)

    def action_help(self) -> None:
        show_help(self, "Import screen keys")
