"""The screening screen: one record, the criteria beside it, one key per decision.

Decisions are written on a single background thread in the order they were made, so
a write that waits for a lock never freezes the screen; the status line says "saved"
only once the store has committed the row, and says "NOT saved" with the reason if it
could not. Leaving the screen waits for every pending write.
"""

from __future__ import annotations

import gc
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from screener.core.models import Decision, Stage, StoredRecord, Verdict
from screener.core.screening import undo_steps
from screener.store import Blinded, ReopenNeeded, Settled, StoreError
from screener.tui.keys import ReasonInput, help_binding, leave, reason_bindings, reasons_for_key, show_help
from screener.tui.refresh import poll_store
from screener.tui.screens.dialogs import Confirm, Prompt
from screener.tui.widgets.key_footer import KeyFooter
from screener.tui.widgets.record_view import VERDICT_STYLE, RecordView, criteria_text
from screener.workflows.ranking import RankerProcess

if TYPE_CHECKING:
    from screener.core.protocol import Protocol
    from screener.store import Store


def related_lines(related: list[tuple[int, str, str]]) -> list[str]:
    """One line per related record (an erratum of, reply to, abstract of this record):
    kept apart by the dedup, shown so that a reviewer sees them side by side."""
    from screener.core.dedup import rule_text

    return [
        f"Related record {rid} (not a duplicate: {rule_text(rule)}): {title[:90]}"
        for rid, rule, title in related
    ]


@dataclass
class _Undo:
    record_id: int
    previous: Decision | None


def opener_problem(location: str) -> str | None:
    """Open ``location`` with the platform's opener; None when it started, else what went wrong (one line)."""
    opener = {"darwin": ["open"], "win32": ["cmd", "/c", "start", ""]}.get(sys.platform, ["xdg-open"])
    is_url = re.match(r"[a-zA-Z][a-zA-Z0-9+.-]+://", location) is not None
    if not is_url and not Path(location).expanduser().exists():
        return f"{location} does not exist: press r to record where the PDF is"
    if shutil.which(opener[0]) is None:
        return (
            f"No program to open PDFs: {opener[0]} is not installed (Debian/Ubuntu: apt install xdg-utils); "
            f"open {location} yourself"
        )
    target = location if is_url else str(Path(location).expanduser())
    try:
        proc = subprocess.Popen([*opener, target], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as exc:
        return f"Could not run {opener[0]} to open {location}: {exc.strerror}"
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # still starting a viewer: it is open
        return None
    if code != 0:
        return f"{opener[0]} could not open {location} (exit {code}): is a PDF viewer installed?"
    return None


class ScreeningScreen(Screen[None]):
    """Screen the records of one stage as one reviewer."""

    class DecisionWritten(Message):
        """The writer thread finished one decision (committed, or failed)."""

        def __init__(self, future: Future[Decision], record_id: int, previous: Decision | None) -> None:
            super().__init__()
            self.future, self.record_id, self.previous = future, record_id, previous

    class NoteWritten(Message):
        """The writer thread stored a note (or failed to)."""

        def __init__(self, future: Future[None], record_id: int) -> None:
            super().__init__()
            self.future, self.record_id = future, record_id

    AUTO_FOCUS = "#record-abstract-box"  # arrows and PgUp/PgDn scroll the abstract; Tab reaches the rest

    class Ranked(Message):
        """The ranking worker ordered the undecided records (or, in the random sample, only updated the guide)."""

        def __init__(
            self, order: np.ndarray | None, scores: dict[int, float], guide: list[str], sampling: bool
        ) -> None:
            super().__init__()
            self.order, self.scores, self.guide, self.sampling = order, scores, guide, sampling

    BINDINGS = [
        Binding("i", "decide('include')", "Include", tooltip="Include this record", id="screen.include"),
        Binding(
            "e", "exclude", "Exclude", tooltip="Exclude, then press the reason's number", id="screen.exclude"
        ),
        Binding("m", "decide('maybe')", "Maybe", tooltip="Unsure: discuss later", id="screen.maybe"),
        Binding("n", "note", "Note", tooltip="Add a note to this record", id="screen.note"),
        Binding("u", "undo", "Undo", tooltip="Undo your last decision", id="screen.undo"),
        Binding("right,j", "move(1)", "Next", tooltip="Next record", id="screen.next", key_display="→/j"),
        Binding("left,k", "move(-1)", "Prev", tooltip="Previous record", id="screen.prev", key_display="←/k"),
        Binding(
            "slash",
            "search",
            "Search",
            tooltip="Search titles, abstracts, authors",
            id="screen.search",
            key_display="/",
        ),
        Binding("g", "goto", "Go to", tooltip="Go to a record by id", id="screen.goto"),
        Binding(
            "r",
            "retrieved",
            "Retrieved",
            tooltip="Full text retrieved: PDF path or URL",
            id="screen.retrieved",
        ),
        Binding(
            "x",
            "not_retrieved",
            "Not retrieved",
            tooltip="Full text could not be retrieved",
            id="screen.notretrieved",
        ),
        Binding(
            "o",
            "open_fulltext",
            "Open PDF",
            tooltip="Open the full text in the system viewer",
            id="screen.open",
        ),
        Binding(
            "s", "link_study", "Study", tooltip="Link this report to a study", id="screen.study", show=False
        ),
        Binding(
            "v",
            "random_sample",
            "Random sample",
            id="screen.sample",
            show=False,
            tooltip="Stopping test: screen the rest in random order (relevance order only)",
        ),
        Binding(
            "l",
            "records",
            "Records",
            tooltip="The list of your records: filter, sort, screen a selection",
            id="screen.records",
        ),
        help_binding("screen"),
        Binding("q", "leave", "Quit", tooltip="Leave the screening screen", id="screen.quit"),
        *reason_bindings("screen"),
    ]

    picking_reason: reactive[bool] = reactive(False, bindings=True)
    """True after ``e``: the next key is a reason number (or Enter, or Escape)."""

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
        self.undo_stack: list[_Undo] = []
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screener-writes")
        self.writes = 0  # writes handed to the writer thread (see poll_store)
        self.pending: list[Future[Decision]] = []
        self.unsent: list[tuple[int, Verdict, tuple[str, ...], bool, Decision | None]] = []
        self.retrievals = {}
        self.studies: dict[int, int] = {}
        # relevance order: a ranker in its own process, retrained by a worker after each saved decision
        self.relevance = self.protocol.rules.order == "relevance"
        self.sampling = False  # the random sample of the stopping test has begun: no more reordering
        self.scores: dict[int, float] = {}
        self._ranker: RankerProcess | None = None
        self._rank_ids: list[int] = []
        self._ranking = False
        self._rank_again = False
        self.reasons = ReasonInput(self, self.reason_chosen, self.reason_typed)

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

    def on_mount(self) -> None:
        self.title = f"Screening · {self.stage.label} · {self.reviewer}"
        self._load()
        # undo reaches the decisions of earlier sessions: the stack is rebuilt from the log
        self.undo_stack = [
            _Undo(rid, previous)
            for rid, previous in undo_steps(self.store.decision_log(self.stage, self.reviewer))
        ]
        self.index = self._next_undecided(-1) if self.queue else 0
        if self.start_at in self.queued:
            self.index = self.queue.index(self.start_at)
        self.show_record()
        if self.relevance and self.queue:
            self._rank()
        # Other reviewers' processes change the review too (retrieval, new records, unblinding):
        # a cheap fingerprint is polled, and the screen reloads only when it moved.
        poll_store(
            self,
            self.store,
            self._read_state,
            self.refresh_from_store,
            ready=lambda: not self.unsent and not self.pending,
            writes=lambda: self.writes,
        )

    def _read_state(self) -> dict[str, Any]:
        """The queue and this reviewer's state, read from the store (on any thread)."""
        protocol = (
            self.store.protocol()
        )  # changed by 'protocol update' in another process: new labels at once
        try:
            state: dict[str, Any] = {
                "protocol": protocol,
                "screened": self.store.stage_pool(self.stage, protocol),
                "blind": None,
            }
        except Blinded as exc:  # full text while title/abstract is blind: its pool is made of outcomes
            state = {
                "protocol": protocol,
                "screened": [],
                "blind": str(exc),
                "retrievals": {},
                "studies": {},
                "not_retrieved": set(),
            }
        if self.stage is Stage.FULL_TEXT and state["blind"] is None:
            state.update(
                retrievals=self.store.retrievals(),
                studies=self.store.studies(),
                not_retrieved=set(self.store.not_retrieved_ids()),
            )
        state["mine"] = {
            rid: d for (rid, _), d in self.store.current_decisions(self.stage, self.reviewer).items()
        }
        state["notes"] = {rid: text for (rid, _), text in self.store.notes(self.stage, self.reviewer).items()}
        state["settled"] = self.store.settled_notices(self.stage, self.reviewer)
        return state

    def _load(self, state: dict[str, Any] | None = None) -> None:
        state = state or self._read_state()
        self._use_protocol(state["protocol"])
        screened = state["screened"]
        if self.only is not None:  # screening a selection from the records list, in its order
            pooled = set(screened) | set(state.get("not_retrieved", ()))
            screened = [rid for rid in self.only if rid in pooled]
        if self.stage is Stage.FULL_TEXT:
            self.retrievals, self.studies = state["retrievals"], state["studies"]
            self.not_retrieved = state["not_retrieved"]
        if (
            self.queue
        ):  # a refresh keeps the order on screen (relevance order, a sample); new records come last
            known = set(screened)
            kept = [r for r in self.queue if r in known]
            seen = set(kept)
            screened = kept + [r for r in screened if r not in seen]
        # Not-retrieved reports leave the screening order; they stay reachable at the end (r marks them retrieved).
        self.queue = screened + (sorted(self.not_retrieved) if self.only is None else [])
        self.queued = set(screened)
        self.mine, self.notes, self.settled = state["mine"], state["notes"], state["settled"]
        self.blind_reason: str | None = state["blind"]

    def _use_protocol(self, protocol: Protocol) -> None:
        """Criteria panel, keyword highlights and reason keys from the protocol as it is now."""
        if (protocol.text, protocol.aliases) == (self.protocol.text, self.protocol.aliases):
            return
        self.protocol = protocol
        if self.is_mounted:
            self.query_one("#criteria", Static).update(criteria_text(protocol, self.stage))
            self.query_one(RecordView).use_protocol(protocol, self.stage)

    def refresh_from_store(self, state: dict[str, Any] | None = None) -> None:
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
        stored, sources, related = self._fetched.pop(rid, None) or self._fetch(rid)
        lines = [self._retrieval_line(rid)] if self.stage is Stage.FULL_TEXT else []
        lines += related
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
            f"{done} of {total} screened by you{nr}  ·  record {self.index + 1} of {len(self.queue)}{order}{left}"
            f"{score}"
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

    def _retrieval_line(self, rid: int) -> str:
        r = self.retrievals.get(rid)
        study = f"  ·  study {self.studies[rid]}" if rid in self.studies else ""
        if r is None:
            return f"Full text: not yet retrieved (r retrieved, x not retrieved){study}"
        if r.status == "retrieved":
            return f"Full text: retrieved {r.location or ''} (o opens it){study}"
        return f"Full text: NOT retrieved ({r.reason or 'no reason given'}){study}"

    def _decision_text(self, rid: int) -> Text:
        d = self.mine.get(rid)
        text = Text()
        if self.picking_reason:
            text.append("Exclude: press the reason's number", style="bold red")
            if self.reasons.digits:
                text.append(f" {self.reasons.digits}… (next digit, or Enter)", style="bold red")
            if self.stage.value in self.protocol.rules.exclude_without_reason:
                text.append(", Enter for no reason", style="bold red")
            text.append(", Esc to cancel", style="bold red")
            return text
        if d is None:
            text.append("Your decision: undecided", style="dim")
        else:
            text.append("Your decision: ")
            text.append(d.verdict.value, style=f"bold {VERDICT_STYLE.get(d.verdict.value, '')}")
            if d.reasons:
                labels = [
                    c.label if (c := self.protocol.criterion(r)) else r
                    for r in self.protocol.reason_ids(d.reasons)
                ]
                text.append(f" — {'; '.join(labels)}")
        if rid in self.settled and d is not None:
            text.append(f"\nSettled ({self.settled[rid].text}): a change reopens it", style="dim")
        note = self.notes.get(rid)
        if note:
            text.append(f"\nNote: {note}", style="italic")
        return text

    # -- decisions ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reason", "cancel_reason"):
            return self.picking_reason
        if action in ("retrieved", "not_retrieved", "open_fulltext", "link_study"):
            return self.stage is Stage.FULL_TEXT
        if action == "random_sample":
            return self.relevance and not self.sampling
        if self.picking_reason and action in ("decide", "exclude", "note", "undo", "move", "search", "goto"):
            return False
        return True

    def _save(
        self,
        rid: int,
        verdict: Verdict,
        reasons: tuple[str, ...] = (),
        advance: bool = True,
        undo: bool = True,
        reopen: bool = False,
    ) -> None:
        """Record a decision: shown at once, committed on the writer thread in order.

        Changing a settled decision (conflict resolved, or stage unblinded) first asks,
        naming what it undoes, and is then recorded as a reopening. A report marked not
        retrieved cannot be decided until it is marked retrieved.
        """
        previous = self.mine.get(rid)
        if rid in self.not_retrieved and verdict is not Verdict.RETRACTED:
            self.notify(
                f"Record {rid}: full text not retrieved; press r once you have it, then decide.",
                severity="warning",
            )
            return
        changes = previous is not None and (previous.verdict, previous.reasons) != (verdict, reasons)
        if rid in self.settled and changes and not reopen:

            def answer(yes: bool | None) -> None:
                if yes:
                    self._save(rid, verdict, reasons, advance, undo, reopen=True)

            self.app.push_screen(
                Confirm(
                    f"Record {rid} is settled — {self.settled[rid].text}.\n"
                    f"Change your decision to {verdict.value} and reopen it?"
                ),
                answer,
            )
            return
        if undo:
            self.undo_stack.append(_Undo(rid, previous))
        optimistic = Decision(0, rid, self.stage, self.reviewer, verdict, reasons)
        if verdict is Verdict.RETRACTED:
            self.mine.pop(rid, None)
        else:
            self.mine[rid] = optimistic
        self._saving(f"saving {verdict.value} for record {rid} …")
        # Handed to the writer once the next record is on screen, so that its work does not
        # compete with drawing; flush() hands over anything still waiting.
        self.unsent.append((rid, verdict, reasons, reopen, previous))
        if advance and self.queue:
            self.index = self._next_undecided(self.index)
        self.show_record()
        self.call_after_refresh(self._send)

    def _send(self) -> None:
        """Hand the waiting decisions to the writer thread, in the order they were made."""
        while self.unsent:
            rid, verdict, reasons, reopen, previous = self.unsent.pop(0)
            future = self._submit(
                self.store.record_decision, rid, self.stage, self.reviewer, verdict, reasons, reopen=reopen
            )
            self.pending.append(future)
            # post_message is thread-safe and never blocks the writer thread.
            future.add_done_callback(
                lambda f, rid=rid, previous=previous: self.post_message(
                    self.DecisionWritten(f, rid, previous)
                )
            )

    def _submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Hand one write to the writer thread, counted (a refresh read before it is stale)."""
        self.writes += 1
        return self.writer.submit(fn, *args, **kwargs)

    @on(DecisionWritten)
    def _saved(self, event: DecisionWritten) -> None:
        future, rid, previous = event.future, event.record_id, event.previous
        if future in self.pending:
            self.pending.remove(future)
        exc = future.exception()
        if exc is None:
            d = future.result()
            if d.verdict is not Verdict.RETRACTED and rid in self.mine:
                self.mine[rid] = d
            self.settled.pop(rid, None)  # settled again (if at all) is learnt on the next refresh
            self._saving(
                f"✓ saved: record {rid} {d.verdict.value}"
                + (f" ({', '.join(d.reasons)})" if d.reasons else "")
            )
            if self.relevance:
                self._rank()
            return
        # Not committed: put back what the database still says, and say so plainly.
        if previous is None:
            self.mine.pop(rid, None)
        else:
            self.mine[rid] = previous
        if isinstance(exc, ReopenNeeded):  # settled meanwhile by another reviewer: ask next time
            self.settled[rid] = exc.settled
        message = str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
        self._saving(f"✗ NOT saved: record {rid}: {message}", error=True)
        self.notify(f"Decision on record {rid} was NOT saved: {message}", severity="error", timeout=15)
        self.show_record()

    def _saving(self, message: str, error: bool = False) -> None:
        self.query_one("#save-line", Static).update(Text(message, style="bold red" if error else "dim"))

    def flush(self) -> None:
        """Wait until every decision made on this screen is committed (or has failed)."""
        self._send()
        for future in list(self.pending):
            try:
                future.result(timeout=60)
            except Exception:  # reported by _saved; waiting is all we do here
                pass

    def action_decide(self, verdict: str) -> None:
        if self.current is not None:
            self._save(self.current, Verdict(verdict))

    def action_exclude(self) -> None:
        if self.current is not None:
            self.picking_reason = True
            self.reasons.start(self.protocol, self.stage)
            self.query_one(RecordView).set_decision(self._decision_text(self.current))

    def action_cancel_reason(self) -> None:
        self.picking_reason = False
        if self.current is not None:
            self.query_one(RecordView).set_decision(self._decision_text(self.current))

    def action_reason(self, key: int) -> None:
        if self.picking_reason and self.current is not None:
            self.reasons.key(key)

    def reason_typed(self) -> None:
        if self.current is not None:
            self.query_one(RecordView).set_decision(self._decision_text(self.current))

    def reason_chosen(self, number: int) -> None:
        if not self.picking_reason or self.current is None:
            return
        reasons = reasons_for_key(self.protocol, self.stage, number)
        if isinstance(reasons, str):
            self.notify(reasons, severity="warning")
            return
        self.picking_reason = False
        self._save(self.current, Verdict.EXCLUDE, reasons)

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo.")
            return
        last = self.undo_stack.pop()
        if last.previous is None:
            self._save(last.record_id, Verdict.RETRACTED, advance=False, undo=False)
        else:
            p = last.previous
            self._save(last.record_id, p.verdict, p.reasons, advance=False, undo=False)
        if last.record_id in self.queue:
            self.index = self.queue.index(last.record_id)
        self.show_record()

    def action_note(self) -> None:
        rid = self.current
        if rid is None:
            return
        existing = self.notes.get(rid, "")

        def done(text: str | None) -> None:
            if text is None or text == existing:
                return
            # Stored now, on the writer thread after any pending decision: a note never waits
            # for a decision, and undoing a decision leaves it alone.
            self.notes[rid] = text
            self._send()
            future = self._submit(self.store.record_note, rid, self.stage, self.reviewer, text)
            self.pending.append(future)  # type: ignore[arg-type]
            future.add_done_callback(lambda f: self.post_message(self.NoteWritten(f, rid)))
            self.show_record()

        self.app.push_screen(Prompt(f"Note on record {rid}", existing or ""), done)

    @on(NoteWritten)
    def _note_saved(self, event: NoteWritten) -> None:
        future, rid = event.future, event.record_id
        if future in self.pending:
            self.pending.remove(future)  # type: ignore[arg-type]
        exc = future.exception()
        if exc is None:
            self._saving(f"✓ saved: note on record {rid}")
        else:
            self._saving(f"✗ NOT saved: note on record {rid}: {exc}", error=True)
            self.notify(f"Note on record {rid} was NOT saved: {exc}", severity="error", timeout=15)

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
        """After moving to another record the last "saved: record N" would read as this record's: say what holds."""
        if not self.pending and not self.unsent:
            self._saving(f"✓ all your decisions are saved ({len(self.mine)} at {self.stage.label})")

    def action_search(self) -> None:
        def done(text: str | None) -> None:
            if not text:
                return
            hits = set(self.store.search(text))
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

        self.app.push_screen(
            Prompt("Search titles, abstracts, authors, journals", placeholder="e.g. naltrexone"), done
        )

    def action_records(self) -> None:
        from screener.tui.screens.records import RecordsScreen

        def opened(result: tuple[int, list[int] | None] | None) -> None:
            if result is None:
                return
            rid, only = result
            if only is not None:  # screen just these: a new screen over this one, q comes back here
                self.flush()
                self.app.push_screen(
                    ScreeningScreen(self.store, self.reviewer, self.stage, only=only, start_at=rid)
                )
            elif not self._jump(rid):
                self.notify(f"Record {rid} is not in this queue.", severity="warning")

        self.app.push_screen(RecordsScreen(self.store, self.reviewer, self.stage), opened)

    def action_goto(self) -> None:
        def done(text: str | None) -> None:
            if not text:
                return
            if not text.strip().isdigit() or not self._jump(int(text.strip())):
                self.notify(f"No record with id {text} at {self.stage.label}.", severity="warning")

        self.app.push_screen(Prompt("Go to record id"), done)

    # -- full text -------------------------------------------------------------------------

    def _retrieval(self, status: str, reason: str | None = None, location: str | None = None) -> None:
        rid = self.current
        if rid is None:
            return
        try:
            self.retrievals[rid] = self.store.set_retrieval(
                rid, status, reason=reason, location=location, by=self.reviewer
            )
        except StoreError as exc:
            self.notify(f"NOT saved: {exc}", severity="error")
        else:
            # Not retrieved is an outcome: the report leaves the screening order (still reachable at the end).
            self.flush()
            self.refresh_from_store()
            if status == "not-retrieved" and self.queue:
                self.index = self._next_undecided(self.index)
        self.show_record()

    def action_retrieved(self) -> None:
        self.app.push_screen(
            Prompt("Full text retrieved: PDF path or URL (optional)"),
            lambda text: None if text is None else self._retrieval("retrieved", location=text or None),
        )

    def action_not_retrieved(self) -> None:
        def done(text: str | None) -> None:
            if text is not None:
                self._retrieval("not-retrieved", reason=text or "not available")

        self.app.push_screen(
            Prompt("Why could the full text not be retrieved?", placeholder="e.g. not held by library"), done
        )

    def action_open_fulltext(self) -> None:
        r = self.retrievals.get(self.current or -1)
        if r is None or not r.location:
            self.notify(
                "No PDF path or URL recorded for this report: press r to add one.", severity="warning"
            )
            return
        self.open_document(r.location)

    @work(thread=True, group="open-pdf", exit_on_error=False)
    def open_document(self, location: str) -> None:
        """Hand a PDF path or URL to the desktop's opener; say which part failed if one does."""
        problem = opener_problem(location)
        if problem is None:
            return
        self.app.call_from_thread(self.notify, problem, severity="error", timeout=15)

    def action_link_study(self) -> None:
        rid = self.current
        if rid is None:
            return

        def done(text: str | None) -> None:
            if not text:
                return
            others = [int(x) for x in re.findall(r"\d+", text)]
            label = f"Study of record {rid}"
            self.studies.update({r: self.store.link_reports([rid, *others], label) for r in [rid, *others]})
            self.show_record()

        self.app.push_screen(
            Prompt("Link to the reports of the same study: their record ids", placeholder="e.g. 12 57"), done
        )

    # -- relevance order ---------------------------------------------------------------------

    def _rank(self) -> None:
        """Retrain and reorder in the background; decisions made meanwhile are batched into the next run."""
        if self._ranking:
            self._rank_again = True
            return
        self._ranking = True
        self.run_worker(self._rank_work, thread=True, group="rank", exit_on_error=False, name="ranking")

    def _rank_work(self) -> None:
        """Worker thread: the store's reads and writes here; the model's work in the ranker's process."""
        from screener.core import ranking

        store, stage, reviewer = self.store, self.stage, self.reviewer
        sampling = self.sampling or bool(store.ranking_runs(stage, reviewer, kind="random-sample"))
        order: np.ndarray | None = None
        scores: dict[int, float] = {}
        if not sampling:
            if self._ranker is None:
                self._rank_ids = sorted(self.queued)
                texts = store.ranking_texts(self._rank_ids)
                self._ranker = RankerProcess(texts, self.protocol.rules.seed)
            ids = np.asarray(self._rank_ids, dtype=np.int64)
            position = {rid: n for n, rid in enumerate(self._rank_ids)}
            labels = store.ranking_labels(stage, reviewer)
            mine = np.fromiter(store.decided_ids(stage, reviewer), dtype=np.int64)
            learn = {position[r]: v for r, v in labels.labels.items() if r in position}
            candidates = np.flatnonzero(~np.isin(ids, mine))
            include = [k for c in self.protocol.inclusion if c.applies_to(stage) for k in c.keywords]
            exclude = [k for c in self.protocol.exclusion if c.applies_to(stage) for k in c.keywords]
            result = self._ranker.rank(learn, candidates, include, exclude)
            order = ids[np.asarray(result.order, dtype=np.int64)]
            if self.protocol.rules.show_scores and result.scores is not None:
                scores = dict(zip(order.tolist(), np.asarray(result.scores).tolist(), strict=True))
            kind = "model" if result.model == ranking.MODEL_NAME else "cold-start"
            store.record_ranking_run(
                stage,
                reviewer,
                kind,
                result.model,
                result.n_train,
                result.n_include,
                len(candidates),
                labels.through,
                result.seed,
                result.seconds,
            )
        guide = store.stopping_guide(stage, reviewer, len(self._rank_ids) or len(self.queued))
        self.post_message(self.Ranked(order, scores, guide.lines(), sampling))

    @on(Ranked)
    def _ranked(self, event: Ranked) -> None:
        self._ranking = False
        self.query_one("#guide-line", Static).update(
            Text("Stopping guide: " + "\n".join(event.guide), style="dim")
        )
        if event.order is not None and not self.sampling:
            self.scores = event.scores
            self._reorder(event.order)
        elif event.sampling and not self.sampling:  # the sample began in an earlier session
            self._shuffle_rest()
        if self._rank_again:
            self._rank_again = False
            self._rank()

    def _reorder(self, order: np.ndarray) -> None:
        """Records up to the one on screen stay where they are; the rest follow ``order``.

        Vectorised (a 100,000-record queue is reordered in a few ms on the UI thread); the
        record on screen does not change, so only the next one is fetched again, after the frame.
        """
        head = self.queue[: self.index + 1]
        tail = np.asarray(self.queue[self.index + 1 :], dtype=np.int64)
        # _rank_ids: the queued ids, sorted, when ranking began (a refresh may have added records since)
        placed = np.zeros(max(self._rank_ids[-1], max(self.queue)) + 1, dtype=bool)
        placed[head] = True
        ranked = order[~placed[order]]
        placed[ranked] = True
        self.queue = head + ranked.tolist() + tail[~placed[tail]].tolist()
        self._show_progress()
        self.call_after_refresh(self._prefetch)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "rank" and event.state is WorkerState.ERROR:
            self._ranking = False
            self.notify(
                f"Relevance ranking failed: {event.worker.error}; the order stays as it was.",
                severity="error",
                timeout=15,
            )

    def action_random_sample(self) -> None:
        """Begin the stopping test's random sample: the unscreened records, in seeded random order."""
        if not self.relevance or self.sampling:
            self.notify("The random sample is for relevance order, and begins once.", severity="warning")
            return
        self._shuffle_rest()
        self.run_worker(self._start_sample, thread=True, group="sample", exit_on_error=False)

    def _shuffle_rest(self) -> None:
        """The records this reviewer has not decided, in seeded random order, next."""
        self.sampling = True
        rest = sorted(r for r in self.queue if r not in self.mine)
        random.Random(self.protocol.rules.seed).shuffle(rest)
        left = set(rest)
        head = [r for r in self.queue if r not in left]
        self.queue = head + rest
        self.index = len(head) if rest else self.index
        self._fetched = {}
        self.show_record()

    def _start_sample(self) -> None:
        self.flush()  # every decision before the sample is committed first
        history = self.store.screening_history(self.stage, self.reviewer)
        through = max((did for _, _, did in history), default=0)
        self.store.record_ranking_run(
            self.stage,
            self.reviewer,
            "random-sample",
            "seeded random order of the unscreened records (stopping test)",
            len(history),
            0,
            len(self.queued) - len(history),
            through,
            self.protocol.rules.seed,
            0.0,
        )
        self.call_from_thread(self._rank)

    # -- leaving -------------------------------------------------------------------------------

    def action_help(self) -> None:
        show_help(
            self,
            f"Screening keys ({self.stage.label})",
            [
                "e then number  exclude with that numbered reason (10 and up: two digits, or Enter)",
                "e then Enter   exclude without a reason (where the protocol allows)",
            ],
        )

    def action_leave(self) -> None:
        self.flush()
        self.writer.shutdown(wait=True)
        leave(self)

    def on_unmount(self) -> None:
        self.flush()
        self.writer.shutdown(wait=True)
        if self._ranker is not None:
            self._ranker.close()
        gc.unfreeze()
