"""The records list: the reviewer's records at a stage in a table, filtered and sorted; Enter opens one.

Only the reviewer's own decisions are shown (blinding). Pages of 200 rows are read as the
cursor reaches the end, each in a worker; a filter can become the screening queue.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from screener.core.models import Stage
from screener.core.protocol import Protocol
from screener.store import SORTS, ListFilter, ListRow
from screener.tui.keys import help_binding, show_help
from screener.tui.screens.dialogs import Choose, Prompt
from screener.tui.widgets.key_footer import KeyFooter
from screener.tui.workers import WorkScreen

if TYPE_CHECKING:
    from screener.store import Store

PAGE = 200


class RecordsScreen(WorkScreen[tuple[int, list[int] | None] | None]):
    """Filter and sort one reviewer's records; dismisses with (record to open, queue to screen or None).

    The footer shows the main filters (one line at 80 columns); ``?`` lists every key.
    """

    BINDINGS = [
        Binding("a", "only(None)", "All", tooltip="Clear the filters", id="records.all"),
        Binding(
            "u",
            "only('undecided')",
            "Undecided",
            tooltip="Only records you have not decided",
            id="records.undecided",
        ),
        Binding(
            "i", "only('include')", "Included", tooltip="Only records you included", id="records.include"
        ),
        Binding("m", "only('maybe')", "Maybe", tooltip="Only your maybes", id="records.maybe"),
        Binding(
            "e",
            "excluded",
            "Excluded",
            tooltip="Only records you excluded (then a reason number, or Enter)",
            id="records.exclude",
        ),
        Binding("n", "notes", "Notes", tooltip="Only records with your note", id="records.notes"),
        Binding("b", "by_label", "Label", tooltip="Only records with one of your labels", id="records.label"),
        Binding("f", "by_source", "Source", tooltip="Only records of one source", id="records.source"),
        Binding(
            "slash",
            "search",
            "Search",
            tooltip="Search titles, abstracts, authors",
            id="records.search",
            key_display="/",
        ),
        Binding("o", "sort", "Sort", tooltip="Sort by id, year or title", id="records.sort"),
        Binding(
            "t", "tag", "Add label", tooltip="Give the selected record one of your labels", id="records.tag"
        ),
        Binding(
            "s",
            "screen_these",
            "Screen these",
            tooltip="Screen only the records this filter lists",
            id="records.screen",
        ),
        help_binding("records"),
        Binding("q,escape", "back", "Back", tooltip="Back without opening a record", id="records.quit"),
    ]

    def __init__(self, store: Store, reviewer: str, stage: Stage) -> None:
        super().__init__()
        self.store, self.reviewer, self.stage = store, reviewer, Stage(stage)
        self.protocol = store.protocol()
        self.filter = ListFilter()
        self.total = 0
        self.loaded = 0
        self.paging = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="list-filter")
        table: DataTable[str] = DataTable(id="records-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("id", "year", "first author", "title", "source", "yours", "labels")
        yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Records · {self.stage.label} · {self.reviewer} (your decisions only)"
        self.reload()

    def reload(self) -> None:
        self.query_one(DataTable).clear()
        self.loaded = 0
        self.load_page(self.filter, 0)

    @work(exclusive=True, group="records-page", exit_on_error=False)
    async def load_page(self, f: ListFilter, offset: int) -> None:
        self.paging = True

        def read() -> tuple[Protocol, tuple[list[ListRow], int]]:  # the protocol may have changed elsewhere
            return self.store.protocol(), self.store.record_list(
                self.stage, self.reviewer, f, offset=offset, limit=PAGE
            )

        try:
            self.protocol, (rows, total) = await asyncio.to_thread(read)
        finally:
            self.paging = False
        if f != self.filter:
            return
        self.total = total
        table = self.query_one(DataTable)
        for r in rows:
            table.add_row(
                str(r.id),
                str(r.year or ""),
                r.first_author[:18],
                r.title[:90],
                r.source[:12],
                self._yours(r),
                " ".join(r.labels),
                key=str(r.id),
            )
        self.loaded = offset + len(rows)
        self.query_one("#list-filter", Static).update(
            f"{self.filter.describe()} · {total} records · sorted by {self.filter.sort}"
            f" · showing {self.loaded}"
        )

    @staticmethod
    def _yours(r: ListRow) -> str:
        text = r.verdict + (f" {','.join(r.reasons)}" if r.reasons else "")
        return text + (" ✎" if r.has_note else "")

    @on(DataTable.RowHighlighted)
    def more(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.loaded - 20 and self.loaded < self.total and not self.paging:
            self.load_page(self.filter, self.loaded)

    def _set(self, f: ListFilter) -> None:
        self.filter = f
        self.reload()

    def action_only(self, verdict: str | None) -> None:
        if verdict is None:
            self._set(
                replace(
                    self.filter,
                    verdict=None,
                    reason=None,
                    has_note=False,
                    label=None,
                    source_id=None,
                    ids=None,
                )
            )
        else:
            self._set(replace(self.filter, verdict=verdict, reason=None))

    def action_excluded(self) -> None:
        reasons = self.protocol.exclusion_reasons(self.stage)

        def done(text: str | None) -> None:
            if text is None:
                return
            match = [c.id for n, c in reasons if str(n) == text.strip()]
            if text.strip() and not match:
                self.notify(
                    f"There is no exclusion reason {text.strip()} at {self.stage.label}.", severity="warning"
                )
                return
            self._set(replace(self.filter, verdict="exclude", reason=match[0] if match else None))

        self.app.push_screen(Prompt("Excluded with which reason number? (Enter: any)"), done)

    def action_notes(self) -> None:
        self._set(replace(self.filter, has_note=not self.filter.has_note))

    @work(exit_on_error=False)
    async def action_by_label(self) -> None:
        labels = await asyncio.to_thread(self.store.labels_of, self.reviewer)
        if not labels:
            self.notify("You have no labels yet: t gives the selected record one.")
            return
        chosen = await self.app.push_screen_wait(Choose("Which label?", [(w, w) for w in labels]))
        if chosen:
            self._set(replace(self.filter, label=chosen))

    @work(exit_on_error=False)
    async def action_by_source(self) -> None:
        sources = await asyncio.to_thread(self.store.sources)
        chosen = await self.app.push_screen_wait(
            Choose("Which source?", [(str(s.id), f"{s.id}  {s.name} · {s.file_name}") for s in sources])
        )
        if chosen:
            self._set(replace(self.filter, source_id=int(chosen)))

    @work(exit_on_error=False)
    async def _find(self, text: str) -> None:
        hits = await asyncio.to_thread(self.store.search, text)
        self._set(replace(self.filter, ids=tuple(hits)))

    def action_search(self) -> None:
        def done(text: str | None) -> None:
            if text is None:
                return
            if not text.strip():
                self._set(replace(self.filter, ids=None))
            else:
                self._find(text)

        self.app.push_screen(Prompt("Search titles, abstracts, authors (Enter on nothing: no search)"), done)

    def action_sort(self) -> None:
        self._set(replace(self.filter, sort=SORTS[(SORTS.index(self.filter.sort) + 1) % len(SORTS)]))

    def _selected(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0)

    def action_tag(self) -> None:
        rid = self._selected()
        if rid is None:
            return

        def done(word: str | None) -> None:
            if word:
                self._save_label(rid, word)

        self.app.push_screen(Prompt(f"Label for record {rid} (one word)"), done)

    @work(exit_on_error=False)
    async def _save_label(self, rid: int, word: str) -> None:
        try:
            await asyncio.to_thread(self.store.add_label, rid, self.reviewer, word)
        except Exception as exc:  # a worker's failure is shown, never lost
            self.notify(f"Label NOT saved: {exc}", severity="error")
            return
        self.notify(f"record {rid}: label '{word.strip().lower()}'")
        self.reload()

    @on(DataTable.RowSelected)
    def open_record(self, event: DataTable.RowSelected) -> None:
        self.dismiss((int(event.row_key.value or 0), None))

    @work(exit_on_error=False)
    async def action_screen_these(self) -> None:
        ids = await asyncio.to_thread(self.store.record_list_ids, self.stage, self.reviewer, self.filter)
        if not ids:
            self.notify("No record matches this filter.", severity="warning")
            return
        self.dismiss((ids[0], ids))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        show_help(self, "Records list keys", ["Enter          open the record in the screening screen"])
