"""The duplicates screen: possible pairs side by side, one key per decision; merged clusters to undo."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Header, Static
from textual.worker import Worker

from screener.core.dedup import Cancelled
from screener.core.models import BibRecord
from screener.store import StoredCluster, StoredPair
from screener.tui.keys import help_binding, leave, show_help
from screener.tui.messages import Progressed
from screener.tui.refresh import poll_store
from screener.tui.screens.dialogs import Confirm, Prompt
from screener.tui.widgets.key_footer import KeyFooter
from screener.tui.workers import WorkScreen, Writer, one_line
from screener.workflows.dedup import run_dedup

if TYPE_CHECKING:
    from screener.store import Store

FIELDS = (
    ("title", "Title"),
    ("authors", "Authors"),
    ("year", "Year"),
    ("journal", "Journal"),
    ("volume", "Volume"),
    ("issue", "Issue"),
    ("pages", "Pages"),
    ("doi", "DOI"),
    ("pmid", "PMID"),
    ("publication_type", "Type"),
    ("abstract", "Abstract"),
)


def _value(bib: BibRecord, name: str) -> str:
    if name == "authors":
        return "; ".join(str(a) for a in bib.authors[:6]) + (" et al." if len(bib.authors) > 6 else "")
    value = getattr(bib, name)
    text = "" if value is None else str(value)
    return text[:300] + "…" if name == "abstract" and len(text) > 300 else text


def comparison(records: Sequence[BibRecord], headers: Sequence[str], scores: dict[str, float]) -> Table:
    """Records side by side, field by field; a field whose values differ is highlighted."""
    table = Table(expand=True, show_lines=True)
    table.add_column("", style="bold", width=9)
    for header in headers:
        table.add_column(header, ratio=1)
    if scores:
        table.add_column("score", width=6, justify="right")
    for name, label in FIELDS:
        values = [_value(r, name) for r in records]
        if not any(values):
            continue
        same = len({v.casefold().strip(" .") for v in values}) == 1
        style = "" if same else "bold yellow"
        cells = [Text(v or "—", style=style) for v in values]
        if scores:
            cells.append(Text(f"{scores[name]:.2f}" if name in scores else ""))
        table.add_row(label, *cells)
    return table


DupsState = tuple[dict[int, str], list[StoredPair], list[StoredCluster]]


class DuplicatesScreen(WorkScreen[None]):
    """Review possible duplicates; see and undo merged clusters; run dedup."""

    BINDINGS = [
        Binding(
            "d", "decide('duplicate')", "Duplicate", tooltip="These two are the same record", id="dups.same"
        ),
        Binding(
            "n", "decide('distinct')", "Not duplicate", tooltip="These are different records", id="dups.diff"
        ),
        Binding("s", "skip", "Skip", tooltip="Decide later", id="dups.skip"),
        Binding("right,j", "move(1)", "Next", id="dups.next", key_display="→/j", tooltip="Next item"),
        Binding("left,k", "move(-1)", "Prev", id="dups.prev", key_display="←/k", tooltip="Previous item"),
        Binding(
            "c",
            "toggle_view",
            "Clusters/Pairs",
            tooltip="Switch between possible pairs and merged clusters",
            id="dups.view",
        ),
        Binding("u", "undo_cluster", "Undo merge", tooltip="Undo this merged cluster", id="dups.undo"),
        Binding("r", "run", "Run dedup", tooltip="Find duplicates among new records", id="dups.run"),
        Binding(
            "g",
            "goto",
            "Go to",
            tooltip="Go to a cluster (clusters view) or pair by its id or a record id",
            id="dups.goto",
        ),
        Binding("escape", "cancel_run", "Cancel run", show=False, id="dups.cancel"),
        help_binding("dups"),
        Binding("q", "leave", "Back", tooltip="Leave the duplicates screen", id="dups.quit"),
    ]

    showing_clusters: reactive[bool] = reactive(False, bindings=True)
    """False: the possible-duplicate queue; True: merged clusters."""

    def __init__(self, store: Store, reviewer: str) -> None:
        super().__init__()
        self.store, self.reviewer = store, reviewer
        self.pairs: list[StoredPair] = []
        self.cluster_list: list[StoredCluster] = []
        self.index = 0
        self.cancel = threading.Event()
        self.sources: dict[int, str] = {}
        self.writer = Writer(self, "screener-pair-decisions")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="progress-line")
        with VerticalScroll(id="dups-pane"):
            yield Static("", id="comparison")
        yield Static("", id="save-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Duplicates · deciding as {self.reviewer}"
        self.reload()
        poll_store(
            self,
            self.store,
            self._read,
            self._show_state,
            ready=lambda: not self.writer.pending,
            writes=lambda: self.writer.count,
        )

    def _read(self) -> DupsState:
        """Sources, the possible-duplicate queue and the merged clusters (on a worker thread)."""
        return (
            {s.id: s.name for s in self.store.sources()},
            self.store.possible_queue(),
            self.store.clusters(),
        )

    @work(thread=True, exclusive=True, group="dups-load", exit_on_error=False, name="reading the duplicates")
    def reload(self) -> None:
        state = self._read()
        self.app.call_from_thread(self._show_state, state)

    def _show_state(self, state: DupsState) -> None:
        self.sources, self.pairs, self.cluster_list = state
        self.index = min(self.index, max(len(self._items()) - 1, 0))
        self.show_item()

    def _items(self) -> list[StoredCluster] | list[StoredPair]:
        return self.cluster_list if self.showing_clusters else self.pairs

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("decide", "skip"):
            return not self.showing_clusters
        if action == "undo_cluster":
            return self.showing_clusters
        return True

    def show_item(self) -> None:
        line = self.query_one("#progress-line", Static)
        body = self.query_one("#comparison", Static)
        items = self._items()
        if not items:
            what = "merged clusters" if self.showing_clusters else "possible duplicates waiting for review"
            line.update(f"No {what}.  (r runs dedup, c switches view)")
            body.update("")
            return
        item = items[self.index]
        if isinstance(item, StoredPair):
            line.update(
                f"Possible duplicate {self.index + 1} of {len(items)}  ·  records {item.a} and {item.b}"
                f"  ·  rule: {item.rule}"
            )
            a, b = self.store.records([item.a, item.b])
            body.update(
                comparison(
                    [a.bib, b.bib],
                    [f"A · {self.sources[a.source_id]}", f"B · {self.sources[b.source_id]}"],
                    item.scores,
                )
            )
        else:
            line.update(
                f"Merged cluster {item.id} ({item.status}), {self.index + 1} of {len(items)}  ·  "
                f"primary {item.primary}, members {', '.join(map(str, item.members))}  ·  u undoes it"
            )
            records = {r.id: r for r in self.store.records(item.members)}
            shown = [records[item.primary]] + [records[m] for m in item.members if m != item.primary]
            headers = [
                f"{r.id} · {self.sources[r.source_id]}"
                + (" (kept)" if r.id == item.primary else " (removed)")
                for r in shown
            ]
            body.update(comparison([r.bib for r in shown], headers, {}))

    def action_move(self, step: int) -> None:
        items = self._items()
        if items:
            self.index = max(0, min(len(items) - 1, self.index + step))
            self.show_item()

    def action_toggle_view(self) -> None:
        self.showing_clusters = not self.showing_clusters
        self.index = 0
        self.show_item()

    def action_skip(self) -> None:
        self.action_move(1)

    def action_decide(self, outcome: str) -> None:
        if not self.pairs:
            return
        pair = self.pairs[self.index]
        word = "duplicates" if outcome == "duplicate" else "not duplicates"
        self.query_one("#save-line", Static).update(f"saving: {pair.a} and {pair.b} are {word} …")

        def then(future: Future[None]) -> None:
            error = future.exception()
            if error is not None:
                self.query_one("#save-line", Static).update(f"✗ NOT saved: {pair.a} and {pair.b}")
                self.notify(f"NOT saved: {one_line(error)}", severity="error")
                return
            self.query_one("#save-line", Static).update(f"✓ saved: {pair.a} and {pair.b} are {word}")
            self.recluster()

        # On the writer thread, in key order: an exclusive worker would be cancelled by the next key.
        self.writer.write(then, self.store.record_pair_decision, pair.a, pair.b, outcome, self.reviewer)

    @work(thread=True, exclusive=True, group="dedup", exit_on_error=False, name="re-clustering")
    def recluster(self) -> None:
        run_dedup(self.store, recluster_only=True)
        self.app.call_from_thread(self.reload)

    def action_undo_cluster(self) -> None:
        if not self.cluster_list:
            return
        cluster = self.cluster_list[self.index]
        self.check_and_undo(cluster)

    @work(thread=True, exclusive=True, group="dedup", exit_on_error=False, name="undoing the merge")
    def check_and_undo(self, cluster: StoredCluster) -> None:
        """Ask first when the cluster's records carry screening decisions, then undo."""
        weights = self.store.screened_weights()
        decided = [m for m in cluster.members if weights.get(m)]
        if not decided:
            self.undo(cluster)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.undo(cluster)

        question = (
            f"Records {', '.join(map(str, decided))} of cluster {cluster.id} carry screening decisions.\n"
            f"Undo the merge anyway (recorded as a decision by {self.reviewer})?"
        )
        self.app.call_from_thread(self.app.push_screen, Confirm(question), answer)

    @work(thread=True, exclusive=True, group="dedup", exit_on_error=False, name="undoing the merge")
    def undo(self, cluster: StoredCluster) -> None:
        """Undo one merge (same-DOI/PMID records stay together) and re-cluster."""
        self.store.undo_cluster(cluster.id, self.reviewer)
        run_dedup(self.store, recluster_only=True)
        self.app.call_from_thread(
            self.query_one("#save-line", Static).update,
            f"✓ undone: cluster {cluster.id}; records {', '.join(map(str, cluster.members))} "
            "are screened again (same DOI or PMID stay together)",
        )
        self.app.call_from_thread(self.reload)

    def action_run(self) -> None:
        self.cancel.clear()
        self.query_one("#save-line", Static).update("running dedup … (Esc cancels)")
        self.run_dedup()

    @work(thread=True, exclusive=True, group="dedup", exit_on_error=False, name="running dedup")
    def run_dedup(self) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(Progressed(done, total))

        try:
            summary = run_dedup(self.store, progress=progress, cancel=self.cancel)
        except Cancelled:
            self.app.call_from_thread(
                self.query_one("#save-line", Static).update, "dedup cancelled: nothing was changed"
            )
            return
        self.app.call_from_thread(self.query_one("#save-line", Static).update, " · ".join(summary.lines()))
        self.app.call_from_thread(self.reload)

    def on_progressed(self, event: Progressed) -> None:
        self.query_one("#save-line", Static).update(
            f"running dedup … {event.done:,} of {event.total:,} (Esc cancels)"
        )

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """The status line says what failed (not "running dedup … 140 of 140" for ever)."""
        what = "NOT undone" if worker.name == "undoing the merge" else f"{worker.name} failed"
        self.query_one("#save-line", Static).update(f"✗ {what}: {one_line(error)}")
        self.notify(f"{what}: {one_line(error)}", severity="error", timeout=15)

    def action_goto(self) -> None:
        what = "cluster id or record id" if self.showing_clusters else "record id"
        self.app.push_screen(Prompt(f"Go to: {what}"), self._goto)

    def _goto(self, text: str | None) -> None:
        if not text or not text.strip():
            return
        wanted = text.strip()
        if not wanted.isdigit():
            self.notify(f"'{wanted}' is not a number.", severity="warning")
            return
        n = int(wanted)
        if self.showing_clusters:  # a cluster's own id first, then the cluster holding that record
            found = next((i for i, c in enumerate(self.cluster_list) if c.id == n), None)
            if found is None:
                found = next((i for i, c in enumerate(self.cluster_list) if n in c.members), None)
        else:
            found = next((i for i, p in enumerate(self.pairs) if n in (p.a, p.b)), None)
        if found is None:
            where = "merged cluster" if self.showing_clusters else "possible duplicate pair"
            self.notify(f"No {where} with {n}.", severity="warning")
            return
        self.index = found
        self.show_item()

    def action_help(self) -> None:
        show_help(self, "Duplicates keys")

    def action_cancel_run(self) -> None:
        self.cancel.set()

    def action_leave(self) -> None:
        self.cancel.set()
        self.writer.flush()
        leave(self)

    def on_unmount(self) -> None:
        self.writer.close()
