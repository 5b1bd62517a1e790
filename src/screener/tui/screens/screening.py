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
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

import numpy as np
from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static
from textual.worker import Worker

from screener.core.models import Decision, Retrieval, Stage, Verdict
from screener.core.screening import undo_steps
from screener.store import ReopenNeeded
from screener.tui.keys import ReasonInput, help_binding, leave, reason_bindings, show_help
from screener.tui.opener import opener_problem
from screener.tui.refresh import poll_store
from screener.tui.screens.dialogs import Confirm, Prompt
from screener.tui.screens.screening_queue import QueueScreen
from screener.tui.widgets.record_view import RecordView
from screener.tui.widgets.screening_text import reason_prompt
from screener.tui.workers import one_line
from screener.workflows.screening import RankedQueue, ScreeningState


@dataclass
class _Undo:
    record_id: int
    previous: Decision | None


class ScreeningScreen(QueueScreen):
    """Screen the records of one stage as one reviewer."""

    AUTO_FOCUS = "#record-abstract-box"  # arrows and PgUp/PgDn scroll the abstract; Tab reaches the rest

    class Ranked(Message):
        """The ranking worker ordered the undecided records (or, in the random sample, only the guide)."""

        def __init__(self, result: RankedQueue) -> None:
            super().__init__()
            self.result = result

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

    undo_stack: list[_Undo]
    """The reviewer's decisions that ``u`` takes back, latest last (rebuilt from the log on mount)."""
    _ranking = False
    _rank_again = False

    @cached_property
    def reasons(self) -> ReasonInput:
        return ReasonInput(self, self.reason_chosen, self.reason_typed)

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
            ready=lambda: not self.unsent and not self.writer.pending,
            writes=lambda: self.writer.count,
        )

    def _decision_text(self, rid: int) -> Text:
        if self.picking_reason:
            return reason_prompt(self.protocol, self.stage, self.reasons.digits)
        return super()._decision_text(rid)

    # -- decisions ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reason", "cancel_reason"):
            return self.picking_reason
        if action in ("retrieved", "not_retrieved", "open_fulltext", "link_study"):
            return self.stage is Stage.FULL_TEXT
        if action == "random_sample":
            return self.relevance and not self.sampling
        return not (
            self.picking_reason and action in ("decide", "exclude", "note", "undo", "move", "search", "goto")
        )

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
            self.writer.write(
                partial(self._saved, rid=rid, previous=previous),
                self.store.record_decision,
                rid,
                self.stage,
                self.reviewer,
                verdict,
                reasons,
                reopen=reopen,
            )

    def _saved(self, future: Future[Decision], rid: int, previous: Decision | None) -> None:
        """A decision was committed, or not: then what the database still says is put back."""
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
        if previous is None:
            self.mine.pop(rid, None)
        else:
            self.mine[rid] = previous
        if isinstance(exc, ReopenNeeded):  # settled meanwhile by another reviewer: ask next time
            self.settled[rid] = exc.settled
        message = one_line(exc)
        self._saving(f"✗ NOT saved: record {rid}: {message}", error=True)
        self.notify(f"Decision on record {rid} was NOT saved: {message}", severity="error", timeout=15)
        self.show_record()

    def flush(self) -> None:
        """Wait until every decision made on this screen is committed (or has failed)."""
        self._send()
        self.writer.flush()

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

    def reason_chosen(self, reasons: tuple[str, ...]) -> None:
        if self.picking_reason and self.current is not None:
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
            then = partial(self._note_saved, rid=rid)
            self.writer.write(then, self.store.record_note, rid, self.stage, self.reviewer, text)
            self.show_record()

        self.app.push_screen(Prompt(f"Note on record {rid}", existing or ""), done)

    def _note_saved(self, future: Future[None], rid: int) -> None:
        exc = future.exception()
        if exc is None:
            self._saving(f"✓ saved: note on record {rid}")
        else:
            self._saving(f"✗ NOT saved: note on record {rid}: {exc}", error=True)
            self.notify(f"Note on record {rid} was NOT saved: {exc}", severity="error", timeout=15)

    # -- navigation --------------------------------------------------------------------------

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

    # -- full text -------------------------------------------------------------------------

    def _retrieval(self, status: str, reason: str | None = None, location: str | None = None) -> None:
        rid = self.current
        if rid is None:
            return

        def then(future: Future[Retrieval]) -> None:
            error = future.exception()
            if error is not None:
                self.notify(f"NOT saved: {one_line(error)}", severity="error")
                self.show_record()
                return
            self.retrievals[rid] = future.result()
            # Not retrieved is an outcome: the report leaves the screening order (still reachable at the end).
            self._reread(advance=status == "not-retrieved")

        self._send()  # written after every decision made before it
        self.writer.write(
            then, self.store.set_retrieval, rid, status, reason=reason, location=location, by=self.reviewer
        )

    @work(thread=True, exclusive=True, group="screen-read", exit_on_error=False, name="reading the queue")
    def _reread(self, advance: bool) -> None:
        """Read the queue again after a change of this screen's own (a retrieval changes the pool)."""
        self.writer.flush()
        self.app.call_from_thread(self._reread_done, self._read_state(), advance)

    def _reread_done(self, state: ScreeningState, advance: bool) -> None:
        self.refresh_from_store(state)
        if advance and self.queue:
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

            def then(future: Future[int]) -> None:
                error = future.exception()
                if error is not None:
                    self.notify(f"NOT linked: {one_line(error)}", severity="error")
                    return
                self.studies.update(dict.fromkeys([rid, *others], future.result()))
                self.show_record()

            self.writer.write(then, self.store.link_reports, [rid, *others], f"Study of record {rid}")

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
        self.post_message(self.Ranked(self.order.rank(self.protocol, self.queued, self.sampling)))

    @on(Ranked)
    def _ranked(self, event: Ranked) -> None:
        self._ranking = False
        ranked = event.result
        self.query_one("#guide-line", Static).update(
            Text("Stopping guide: " + "\n".join(ranked.guide), style="dim")
        )
        if ranked.order is not None and not self.sampling:
            self.scores = ranked.scores
            self._reorder(ranked.order)
        elif ranked.sampling and not self.sampling:  # the sample began in an earlier session
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
        # order.ids: the queued ids, sorted, when ranking began (a refresh may have added records since)
        placed = np.zeros(max(self.order.ids[-1], max(self.queue)) + 1, dtype=bool)
        placed[head] = True
        ranked = order[~placed[order]]
        placed[ranked] = True
        self.queue = head + ranked.tolist() + tail[~placed[tail]].tolist()
        self._show_progress()
        self.call_after_refresh(self._prefetch)

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        if worker.group != "rank":
            super().worker_failed(worker, error)
            return
        self._ranking = False
        self.notify(
            f"Relevance ranking failed: {error}; the order stays as it was.", severity="error", timeout=15
        )

    def action_random_sample(self) -> None:
        """Begin the stopping test's random sample: the unscreened records, in seeded random order."""
        if not self.relevance or self.sampling:
            self.notify("The random sample is for relevance order, and begins once.", severity="warning")
            return
        self._shuffle_rest()
        self._send()  # every decision before the sample is committed first (the worker waits for them)
        self.run_worker(
            self._start_sample, thread=True, group="sample", exit_on_error=False, name="starting the sample"
        )

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
        self.writer.flush()
        self.order.start_sample(self.protocol, len(self.queued))
        self.app.call_from_thread(self._rank)

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
        self.writer.close()
        leave(self)

    def on_unmount(self) -> None:
        self.flush()
        self.writer.close()
        self.order.close()
        gc.unfreeze()
