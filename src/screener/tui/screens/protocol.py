"""The protocol screen: the review's current protocol and its change history (read-only).

Changing the protocol is done on the file (``screener protocol show > p.toml``, edit,
``screener protocol update p.toml``): the check of a change against the decisions and
its summary need the whole new file, which an editor is better at than a form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static
from textual.worker import Worker

from screener.core.protocol import Criterion, Protocol
from screener.store import ProtocolChangeEntry
from screener.tui.keys import help_binding, leave, show_help
from screener.tui.refresh import poll_store
from screener.tui.widgets.key_footer import KeyFooter
from screener.tui.workers import WorkScreen

if TYPE_CHECKING:
    from screener.store import Store

READ_ONLY = (
    "Read-only here. To change it (the lead): screener protocol show > p.toml, edit p.toml, "
    "screener protocol update p.toml"
)


def _words(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values) if values else "none"


def _criterion(text: Text, heads: tuple[str, ...], c: Criterion, all_stages: tuple[str, ...]) -> None:
    """One criterion's line (its number and id, its stages when not all of them) and its keywords."""
    for head in heads:
        text.append(head, style="bold")
    text.append(c.label)
    if tuple(s for s in c.stages if s in all_stages) != all_stages:
        text.append(f"  [{', '.join(c.stages)} only]", style="dim")
    text.append("\n")
    if c.keywords:
        text.append(f"         keywords: {_words(c.keywords)}\n", style="dim")


def protocol_text(protocol: Protocol) -> Text:
    """Criteria, exclusion reasons with their ids and keys, keywords, options and reviewers."""
    text = Text()
    text.append(f"{protocol.title}\n", style="bold")
    text.append(f"{protocol.question}\n\n")
    text.append("Exclusion reasons", style="bold red")
    text.append("  (key: e, then the number; decisions keep the id)\n", style="dim")
    all_stages = tuple(protocol.rules.stages)
    for n, c in enumerate(protocol.exclusion, start=1):
        _criterion(text, (f" {n:>2} ", f"{c.id:<4} "), c, all_stages)
    if protocol.aliases:
        text.append("Retired reasons (their decisions count as): ", style="dim")
        text.append(
            ", ".join(f"{old} → {new}" for old, new in sorted(protocol.aliases.items())) + "\n", style="dim"
        )
    text.append("\nInclusion criteria\n", style="bold green")
    for c in protocol.inclusion:
        _criterion(text, (f"    {c.id:<4} ",), c, all_stages)
    r = protocol.rules
    text.append("\nOptions\n", style="bold")
    options = [
        ("stages", _words(r.stages)),
        ("reviewers per record", str(r.reviewers_per_record)),
        ("maybe", r.maybe),
        ("reasons must match", _words(r.reasons_must_match)),
        ("exclude without reason", _words(r.exclude_without_reason)),
        ("resolution", r.resolution + (f" (arbiter {r.arbiter})" if r.arbiter else "")),
        ("order", r.order),
        ("seed", str(r.seed)),
        ("stop early", "yes" if r.stop_early else "no"),
        ("show scores", "yes" if r.show_scores else "no"),
    ]
    options += [(f"dedup {k}", f"{v:g}") for k, v in sorted(protocol.dedup.items())]
    for name, value in options:
        text.append(f"    {name}: ", style="dim")
        text.append(f"{value}\n")
    text.append("\nReviewers\n", style="bold")
    for rv in protocol.reviewers:
        text.append(
            f"    {rv.initials:<4} {rv.name or ''}{'' if rv.role == 'reviewer' else f' ({rv.role})'}\n"
        )
    return text


def history_text(changes: list[ProtocolChangeEntry]) -> Text:
    text = Text()
    text.append("Change history\n", style="bold")
    if not changes:
        text.append("    no change since the review was created\n", style="dim")
    for c in reversed(changes):  # the latest first
        text.append(f"    {c.id}  {c.created_at.strftime('%Y-%m-%d %H:%M UTC')}  by {c.by}\n", style="bold")
        for line in c.summary.splitlines():
            text.append(f"        {line}\n")
    return text


class ProtocolScreen(WorkScreen[None]):
    """The protocol the review is screened under now, and every change made to it."""

    BINDINGS = [
        Binding("down,j", "scroll(1)", "Down", tooltip="Scroll down", id="protocol.down", key_display="↓/j"),
        Binding("up,k", "scroll(-1)", "Up", tooltip="Scroll up", id="protocol.up", key_display="↑/k"),
        Binding("h", "history", "History", tooltip="Jump to the change history", id="protocol.history"),
        Binding("r", "refresh", "Refresh", tooltip="Read the protocol again", id="protocol.refresh"),
        help_binding("protocol"),
        Binding("q", "leave", "Back", tooltip="Leave the protocol screen", id="protocol.quit"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(READ_ONLY, id="protocol-note")
        with VerticalScroll(id="protocol-pane"):
            yield Static("reading the protocol …", id="protocol-text")
            yield Static("", id="protocol-history")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Protocol"
        self.action_refresh()
        poll_store(self, self.store, self._read, self.show)

    def _read(self) -> tuple[Protocol, list[ProtocolChangeEntry]]:
        return self.store.protocol(), self.store.protocol_history()

    @work(thread=True, exclusive=True, group="protocol", exit_on_error=False)
    def action_refresh(self) -> None:
        result = self._read()
        self.app.call_from_thread(self.show, result)

    def show(self, result: tuple[Protocol, list[ProtocolChangeEntry]]) -> None:
        protocol, changes = result
        self.query_one("#protocol-text", Static).update(protocol_text(protocol))
        self.query_one("#protocol-history", Static).update(history_text(changes))

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """A failed read says so on the screen."""
        message = f"could not read the protocol: {error}"
        self.query_one("#protocol-text", Static).update(Text(message, style="bold red"))
        self.notify(message, severity="error", timeout=15)

    def action_scroll(self, step: int) -> None:
        pane = self.query_one("#protocol-pane", VerticalScroll)
        (pane.scroll_down if step > 0 else pane.scroll_up)(animate=False)

    def action_history(self) -> None:
        pane = self.query_one("#protocol-pane", VerticalScroll)
        pane.scroll_to_widget(self.query_one("#protocol-history"), animate=False, top=True)

    def action_leave(self) -> None:
        leave(self)

    def action_help(self) -> None:
        show_help(self, "Protocol screen keys", [READ_ONLY])
