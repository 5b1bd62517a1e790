"""The screening screen's queue: a reviewer's records at a stage, read, refreshed, shown and moved through.

:class:`QueueScreen` holds what the screening screen shows and how the reviewer moves
through it; :class:`~screener.tui.screens.screening.ScreeningScreen` adds the decisions,
full-text keys and the relevance order on top.
"""

from __future__ import annotations

import gc
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Static

from screener.core.models import Decision, Retrieval, Stage, StoredRecord, Verdict
from screener.store import Settled
from screener.tui.screens.dialogs import Prompt
from screener.tui.widgets.key_footer import KeyFooter
from screener.tui.widgets.record_view import RecordView, criteria_text
from screener.tui.widgets.screening_text import decision_text, related_lines, retrieval_line
from screener.tui.workers import WorkScreen, Writer
from screener.workflows.screening import RelevanceOrder, ScreeningState, read_screening_state

if TYPE_CHECKING:
    from screener.core.protocol import Protocol
    from screener.store import Store


class QueueScreen(WorkScreen[None]):
    """One reviewer's queue at one stage: the record on screen, progress, moving, searching."""

    def __init__(
        self,
        store: Store,
        reviewer: str,
        stage: Stage,
        *,
        only: list[int] | None = None,
        start_at: int | None = None,
    ) -> None:
        super().__init__()
        self.only, self.start_at = only, start_at
        self.store, self.reviewer, self.stage = store, reviewer, Stage(stage)
        self.protocol: Protocol = store.protocol()
        self.queue: list[int] = []
        self.queued: set[int] = set()
        self._fetched: dict[int, tuple[StoredRecord, list[str], list[str]]] = {}
        self.index = 0
        self.mine: dict[int, Decision] = {}
        self.notes: dict[int, str] = {}
        self.settled: dict[int, Settled] = {}
        self.not_retrieved: set[int] = set()
        self.writer = Writer(self, "screener-writes")
        self.unsent: list[tuple[int, Verdict, tuple[str, ...], bool, Decision | None]] = []
        self.retrievals: dict[int, Retrieval] = {}
        self.studies: dict[int, int] = {}
        # relevance order: a ranker in its own process, retrained by a worker after each saved decision
        self.relevance = self.protocol.rules.order == "relevance"
        self.order = RelevanceOrder(store, self.stage, reviewer)
        self.sampling = False  # the random sample of the stopping test has begun: no more reordering
        self.scores: dict[int, float] = {}

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="progress-line")
        if self.relevance:
            yield Static("Stopping guide: computing …", id="guide-line")
        with Horizontal(id="screen-body"):
            yield RecordView(self.protocol, self.stage, id="record-pane")
            with VerticalScroll(id="criteria-pane"):
                yield Static(criteria_text(self.protocol, self.stage), id="criteria")
        yield Static("", id="save-line")
        yield KeyFooter()

    def _read_state(self) -> ScreeningState:
        """The queue and this reviewer's state, read from the store (on any thread)."""
        return read_screening_state(self.store, self.stage, self.reviewer)

    def _load(self, state: ScreeningState | None = None) -> None:
        state = state or self._read_state()
        self._use_protocol(state.protocol)
        screened = state.screened
        if self.only is not None:  # screening a selection from the records list, in its order
            pooled = set(screened) | state.not_retrieved
            screened = [rid for rid in self.only if rid in pooled]
        if self.stage is Stage.FULL_TEXT:
            self.retrievals, self.studies = state.retrievals, state.studies
            self.not_retrieved = state.not_retrieved
        if (
            self.queue
        ):  # a refresh keeps the order on screen (relevance order, a sample); new records come last
            known = set(screened)
            kept = [r for r in self.queue if r in known]
            seen = set(kept)
            screened = kept + [r for r in screened if r not in seen]
        # Not-retrieved reports leave the screening order; they stay reachable at the end (r marks them
        # retrieved).
        self.queue = screened + (sorted(self.not_retrieved) if self.only is None else [])
        self.queued = set(screened)
        self.mine, self.notes, self.settled = state.mine, state.notes, state.settled
        self.blind_reason: str | None = state.blind

    def _use_protocol(self, protocol: Protocol) -> None:
        """Criteria panel, keyword highlights and reason keys from the protocol as it is now."""
        if (protocol.text, protocol.aliases) == (self.protocol.text, self.protocol.aliases):
            return
        self.protocol = protocol
        if self.is_mounted:
            self.query_one("#criteria", Static).update(criteria_text(protocol, self.stage))
            self.query_one(RecordView).use_protocol(protocol, self.stage)

    def refresh_from_store(self, state: ScreeningState | None = None) -> None:
        """Show what other processes changed (``state`` read on a worker), staying on the record on screen."""
        current = self.current
        self._load(state)
        self._fetched.clear()
        if current in self.queue:
            self.index = self.queue.index(current)
        else:
            self.index = min(self.index, max(len(self.queue) - 1, 0))
        self.show_record()

    # -- what is on screen ----------------------------------------------------------------

    @property
    def pending(self) -> set[Future[Any]]:
        """Writes handed to the writer thread whose result the screen has not yet shown."""
        return self.writer.pending

    @property
    def current(self) -> int | None:
        return self.queue[self.index] if self.queue else None

    def _next_undecided(self, start: int) -> int:
        n = len(self.queue)
        if (
            self.only is not None and start >= 0
        ):  # a chosen selection (e.g. the maybes) is gone through in order
            return min(start + 1, n - 1)
        for step in range(1, n + 1):
            i = (start + step) % n
            if self.queue[i] not in self.mine and self.queue[i] not in self.not_retrieved:
                return i
        return min(max(start, 0), n - 1)

    def show_record(self) -> None:
        if not self.queue:
            self.query_one("#progress-line", Static).update(
                f"No records to screen at {self.stage.label}: {self.blind_reason}"
                if self.blind_reason
                else f"No records to screen at {self.stage.label} yet."
            )
            self.query_one(RecordView).clear()
            return
        self._show_progress()
        rid = self.queue[self.index]
        stored, sources, related = self._fetched.pop(rid) if rid in self._fetched else self._fetch(rid)
        lines = related
        if self.stage is Stage.FULL_TEXT:
            lines = [retrieval_line(self.retrievals.get(rid), self.studies.get(rid)), *related]
        d = self.mine.get(rid)
        if d is not None and d.created_at is not None:
            gained = self.store.gained_fields(rid, d.created_at)
            if gained:  # shown, never reopened: the decision stands
                lines.append(f"Updated since you decided: {', '.join(gained)} (from a duplicate found since)")
        self.query_one(RecordView).show(stored, sources, self._decision_text(rid), "\n".join(lines) or None)
        self.call_after_refresh(self._prefetch)

    def _show_progress(self) -> None:
        done = len(self.queued.intersection(self.mine))  # O(decided), not O(queue), on every record shown
        total = len(self.queued)
        left = "" if done < total else "  ·  all done at this stage"
        nr = f"  ·  {len(self.not_retrieved)} not retrieved" if self.not_retrieved else ""
        rid = self.queue[self.index]
        order = "  ·  random sample" if self.sampling else "  ·  relevance order" if self.relevance else ""
        score = (
            f"  ·  predicted relevance {self.scores[rid]:+.2f}"
            if self.protocol.rules.show_scores and rid in self.scores
            else ""
        )
        self.query_one("#progress-line", Static).update(
            f"{done} of {total} screened by you{nr}  ·  record {self.index + 1} of {len(self.queue)}"
            f"{order}{left}{score}"
        )

    def _fetch(self, rid: int) -> tuple[StoredRecord, list[str], list[str]]:
        stored = self.store.screening_record(rid)
        assert stored is not None
        return stored, self.store.record_sources(rid), related_lines(self.store.related_records(rid))

    def _prefetch(self) -> None:
        """Read the record that a decision will show next, once the current one is on screen.

        Also the moment to tidy memory: young garbage is collected now, while the reviewer
        reads, and the survivors are frozen, so that a full collection of an ever larger
        heap never lands between a key press and the next record (it cost 100-200 ms).
        """
        gc.collect(1)
        gc.freeze()
        if not self.queue:
            return
        nxt = self.queue[self._next_undecided(self.index)]
        if nxt not in self._fetched and nxt != self.current:
            self._fetched = {nxt: self._fetch(nxt)}

    def _decision_text(self, rid: int) -> Text:
        return decision_text(self.protocol, self.mine.get(rid), self.settled.get(rid), self.notes.get(rid))

    # -- navigation --------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if self.queue:
            self.index = max(0, min(len(self.queue) - 1, self.index + step))
            self.show_record()
            self._navigated()

    def _jump(self, rid: int) -> bool:
        if rid in self.queue:
            self.index = self.queue.index(rid)
            self.show_record()
            self._navigated()
            return True
        return False

    def _navigated(self) -> None:
        """After moving to another record the last "saved: record N" would read as this record's: say
        what holds."""
        if not self.writer.pending and not self.unsent:
            self._saving(f"✓ all your decisions are saved ({len(self.mine)} at {self.stage.label})")

    def action_search(self) -> None:
        def done(text: str | None) -> None:
            if text:
                self._search(text)

        self.app.push_screen(
            Prompt("Search titles, abstracts, authors, journals", placeholder="e.g. naltrexone"), done
        )

    @work(thread=True, exclusive=True, group="screen-search", exit_on_error=False, name="searching")
    def _search(self, text: str) -> None:
        hits = set(self.store.search(text))
        self.app.call_from_thread(self._found, text, hits)

    def _found(self, text: str, hits: set[int]) -> None:
        order = [i for i in range(len(self.queue)) if self.queue[i] in hits]
        if not order:
            self.notify(f"No record at {self.stage.label} mentions '{text}'.")
            return
        after = [i for i in order if i > self.index]
        self.index = after[0] if after else order[0]
        self.show_record()
        self._navigated()
        found = "1 record mentions" if len(order) == 1 else f"{len(order)} records mention"
        self.notify(f"{found} '{text}' (/ again for the next).")

    def action_goto(self) -> None:
        def done(text: str | None) -> None:
            if not text:
                return
            if not text.strip().isdigit() or not self._jump(int(text.strip())):
                self.notify(f"No record with id {text} at {self.stage.label}.", severity="warning")

        self.app.push_screen(Prompt("Go to record id"), done)

    def _saving(self, message: str, error: bool = False) -> None:
        self.query_one("#save-line", Static).update(Text(message, style="bold red" if error else "dim"))
