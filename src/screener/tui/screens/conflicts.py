"""The conflict screen: each conflicted record, every reviewer's verdict side by side, and a resolution."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Header, Static

from screener.core.models import Resolution, Stage, Verdict
from screener.core.protocol import Protocol
from screener.store import Blinded
from screener.tui.keys import ReasonInput, help_binding, leave, reason_bindings, show_help
from screener.tui.refresh import poll_store
from screener.tui.screens.dialogs import Prompt
from screener.tui.widgets.key_footer import KeyFooter
from screener.tui.widgets.record_view import VERDICT_STYLE, RecordView, criteria_text
from screener.tui.workers import WorkScreen, Writer, one_line
from screener.workflows.conflicts import describe_resolution, describe_vote, votes

if TYPE_CHECKING:
    from screener.store import Store


RESOLVE_AS = "Resolve as exclude (e, then number)"


@dataclass
class ConflictState:
    """The conflicts of a stage as read from the store (on a worker thread)."""

    protocol: Protocol
    blind: str | None = None
    """Why the conflicts cannot be shown (the stage is blind), else None."""
    open_: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    history: dict[int, list[Resolution]] = field(default_factory=dict)
    in_effect: set[int] = field(default_factory=set)


def read_conflicts(store: Store, stage: Stage, show_all: bool) -> ConflictState:
    """The open conflicts (with ``show_all`` the resolved ones too) and their resolution history."""
    state = ConflictState(store.protocol())  # 'protocol update' elsewhere: new labels and keys at once
    try:
        state.open_ = store.conflicts(stage)
        state.resolved = store.resolved_conflicts(stage) if show_all else []
    except Blinded as exc:
        state.blind = str(exc)
        return state
    for r in store.resolution_log(stage):
        state.history.setdefault(r.record_id, []).append(r)
    state.in_effect = set(store.resolutions(stage))
    return state


class ConflictsScreen(WorkScreen[None]):
    """Resolve the conflicts of one stage, one key per resolution (as on the screening screen)."""

    AUTO_FOCUS = "#record-abstract-box"  # arrows and PgUp/PgDn scroll the abstract; Tab reaches the rest

    BINDINGS = [
        Binding("i", "resolve_include", "Include", tooltip="Resolve: include", id="conflicts.include"),
        Binding(
            "e",
            "exclude",
            "Exclude",
            tooltip="Resolve: exclude, then the reason's number",
            id="conflicts.exclude",
        ),
        Binding(
            "n",
            "note",
            "Note",
            tooltip="Note for the next resolution (how it was agreed)",
            id="conflicts.note",
        ),
        Binding(
            "a",
            "toggle_all",
            "All/Open",
            tooltip="Show resolved conflicts too (to re-resolve), or open ones only",
            id="conflicts.all",
        ),
        Binding(
            "right,j", "move(1)", "Next", tooltip="Next conflict", id="conflicts.next", key_display="→/j"
        ),
        Binding(
            "left,k", "move(-1)", "Prev", tooltip="Previous conflict", id="conflicts.prev", key_display="←/k"
        ),
        help_binding("conflicts"),
        Binding("q", "leave", "Quit", tooltip="Leave the conflict screen", id="conflicts.quit"),
        *reason_bindings("conflicts"),
    ]

    picking_reason: reactive[bool] = reactive(False, bindings=True)
    """True after ``e``: the next key is a reason number."""

    def __init__(self, store: Store, resolver: str, stage: Stage, show_all: bool = False) -> None:
        super().__init__()
        self.store, self.resolver, self.stage = store, resolver, Stage(stage)
        self.show_all = show_all
        self.history: dict[int, list[Resolution]] = {}
        self.protocol = store.protocol()
        self.method = self.protocol.rules.resolution
        self.queue: list[int] = []
        self.index = 0
        self.resolved: dict[int, str] = {}
        self.in_effect: set[int] = set()
        self.note = ""
        self.writer = Writer(self, "screener-resolutions")
        self.reasons = ReasonInput(self, self.reason_chosen, self.show_conflict)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="progress-line")
        with Horizontal(id="screen-body"):
            with Vertical(id="record-side"):
                yield Static("", id="votes")
                yield RecordView(self.protocol, self.stage, id="record-pane")
            with VerticalScroll(id="criteria-pane"):
                yield Static(criteria_text(self.protocol, self.stage, RESOLVE_AS), id="criteria")
        yield Static("", id="save-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Conflicts · {self.stage.label} · resolving as {self.resolver} ({self.method})"
        self._reload()
        poll_store(
            self,
            self.store,
            lambda: read_conflicts(self.store, self.stage, self.show_all),
            self.apply,
            ready=lambda: not self.writer.pending,
            writes=lambda: self.writer.count,
        )

    @work(thread=True, exclusive=True, group="conflicts-load", exit_on_error=False, name="reading")
    def _reload(self) -> None:
        state = read_conflicts(self.store, self.stage, self.show_all)
        self.app.call_from_thread(self.apply, state)

    def apply(self, state: ConflictState) -> None:
        """Show the conflicts read by :func:`read_conflicts`, staying on the record on screen."""
        self._use_protocol(state.protocol)
        if state.blind is not None:
            self.query_one("#progress-line", Static).update(state.blind)
            return
        current = self.current
        self.queue = sorted({*state.open_, *state.resolved, *(self.resolved if not self.show_all else ())})
        self.history, self.in_effect = state.history, state.in_effect
        if current in self.queue:
            self.index = self.queue.index(current)
        self.index = min(self.index, max(len(self.queue) - 1, 0))
        self.show_conflict()

    def _use_protocol(self, protocol: Protocol) -> None:
        if (protocol.text, protocol.aliases) == (self.protocol.text, self.protocol.aliases):
            return
        self.protocol = protocol
        self.query_one("#criteria", Static).update(criteria_text(protocol, self.stage, RESOLVE_AS))
        self.query_one(RecordView).use_protocol(protocol, self.stage)

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self._reload()

    @property
    def current(self) -> int | None:
        return self.queue[self.index] if self.queue else None

    def show_conflict(self) -> None:
        line = self.query_one("#progress-line", Static)
        view = self.query_one(RecordView)
        if not self.queue:
            line.update(f"No conflicts at {self.stage.label}.")
            view.clear()
            self.query_one("#votes", Static).update("")
            return
        rid = self.queue[self.index]
        open_ = sum(1 for r in self.queue if r not in self.resolved and r not in self.in_effect)
        shown = "all conflicts (a: open only)" if self.show_all else "a shows resolved ones too"
        line.update(
            f"{open_} of {len(self.queue)} conflicts open  ·  conflict {self.index + 1} of {len(self.queue)}"
            f"  ·  {shown}"
        )
        table = Text()
        table.append("Reviewers' decisions\n", style="bold")
        for d in votes(self.store, self.stage, rid):
            table.append(f" {d.reviewer:<6}", style="bold")
            table.append(describe_vote(self.protocol, d) + "\n", style=VERDICT_STYLE.get(d.verdict.value, ""))
        history = self.history.get(rid, [])
        for n, res in enumerate(history):
            latest = n == len(history) - 1 and rid in self.in_effect
            table.append(f" {'Resolved' if latest else 'Earlier':<9}", style="bold" if latest else "dim")
            table.append(describe_resolution(self.protocol, res) + "\n", style="" if latest else "dim")
        stored = self.store.screening_record(rid)
        assert stored is not None
        self.query_one("#votes", Static).update(table)
        view.show(stored, self.store.record_sources(rid), self._resolution_text(rid))

    def _resolution_text(self, rid: int) -> Text:
        if self.picking_reason:
            digits = self.reasons.digits
            typed = f" {digits}… (next digit, or Enter)" if digits else ""
            return Text(
                f"Resolve as exclude: press the reason's number, Esc to cancel{typed}", style="bold red"
            )
        text = Text()
        if rid in self.resolved:
            text.append(f"Resolved: {self.resolved[rid]}", style="bold")
        elif rid in self.in_effect:
            text.append(
                "Resolved (see above): i or e then number re-resolves it; the history is kept", style="dim"
            )
        else:
            text.append("Unresolved: i include, e then number exclude", style="dim")
        if self.note:
            text.append(f"\nNote for the resolution: {self.note}", style="italic")
        return text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reason", "cancel_reason"):
            return self.picking_reason
        return not self.picking_reason

    def _resolve(self, verdict: Verdict, reasons: tuple[str, ...] = ()) -> None:
        """Shown as resolved at once; written on the writer thread in key order; undone if refused."""
        rid = self.current
        if rid is None:
            return
        earlier = self.history.get(rid, [])
        # Re-resolving keeps the history; without a new note the earlier note is carried forward.
        note = self.note or (earlier[-1].note if earlier and rid in self.in_effect else None)
        label = verdict.value + (f" ({', '.join(reasons)})" if reasons else "")
        before = (self.resolved.get(rid), rid in self.in_effect)
        # Until it is written, the resolution stands in the history as it will be stored.
        shown = Resolution(0, rid, self.stage, verdict, self.resolver, self.method, reasons, note or None)
        self.history.setdefault(rid, []).append(shown)
        self.resolved[rid] = label
        self.in_effect.add(rid)
        self.note = ""
        self.query_one("#save-line", Static).update(f"saving: record {rid} resolved as {label} …")

        def then(future: Future[Resolution]) -> None:
            history = self.history.setdefault(rid, [])
            if shown in history:
                history.remove(shown)
            error = future.exception()
            if error is None:
                history.append(future.result())
                self.query_one("#save-line", Static).update(f"✓ saved: record {rid} resolved as {label}")
            else:
                self._unresolve(rid, *before)
                self.query_one("#save-line", Static).update(f"✗ NOT saved: record {rid}")
                self.notify(f"Resolution NOT saved: {one_line(error)}", severity="error", timeout=15)
            self.show_conflict()

        self.writer.write(
            then,
            self.store.record_resolution,
            rid,
            self.stage,
            verdict,
            self.resolver,
            self.method,
            reasons,
            note or None,
        )
        later = [
            i
            for i in range(len(self.queue))
            if self.queue[i] not in self.resolved and self.queue[i] not in self.in_effect
        ]
        if later:
            after = [i for i in later if i > self.index]
            self.index = after[0] if after else later[0]
        self.show_conflict()

    def _unresolve(self, rid: int, label: str | None, was_in_effect: bool) -> None:
        """Put back what the store still says about ``rid`` after a resolution was refused."""
        if label is None:
            self.resolved.pop(rid, None)
        else:
            self.resolved[rid] = label
        if not was_in_effect:
            self.in_effect.discard(rid)

    def action_resolve_include(self) -> None:
        self._resolve(Verdict.INCLUDE)

    def action_exclude(self) -> None:
        if self.current is not None:
            self.picking_reason = True
            self.reasons.start(self.protocol, self.stage)
            self.show_conflict()

    def action_cancel_reason(self) -> None:
        self.picking_reason = False
        self.show_conflict()

    def action_reason(self, key: int) -> None:
        if self.picking_reason:
            self.reasons.key(key)

    def reason_chosen(self, reasons: tuple[str, ...]) -> None:
        if self.picking_reason:
            self.picking_reason = False
            self._resolve(Verdict.EXCLUDE, reasons)

    def action_note(self) -> None:
        def done(text: str | None) -> None:
            if text is not None:
                self.note = text
                self.show_conflict()

        self.app.push_screen(
            Prompt("How was this resolved? (note kept with the resolution)", self.note), done
        )

    def action_move(self, step: int) -> None:
        if self.queue:
            self.index = max(0, min(len(self.queue) - 1, self.index + step))
            self.show_conflict()

    def action_leave(self) -> None:
        self.writer.flush()
        leave(self)

    def on_unmount(self) -> None:
        self.writer.close()

    def action_help(self) -> None:
        show_help(
            self,
            "Conflict screen keys",
            ["e then number  resolve as exclude with that numbered reason (10 and up: two digits, or Enter)"],
        )
