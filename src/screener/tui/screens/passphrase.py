"""Proving who you are before the app acts as a reviewer: their passphrase, or a first one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from screener.core.passphrase import hash_passphrase, verify, weakness

if TYPE_CHECKING:
    from screener.store import Store


class PassphraseScreen(ModalScreen[bool]):
    """Ask for a reviewer's passphrase (hidden); True once proven, False on Escape.

    A reviewer without one yet (a review from before passphrases) chooses it here, typed
    twice. The hash is read, checked (scrypt) and stored in a worker, never in a key handler.
    """

    BINDINGS = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            tooltip="Close without acting as this reviewer",
            id="passphrase.cancel",
        )
    ]
    DEFAULT_CSS = """
    PassphraseScreen { align: center middle; }
    PassphraseScreen > Vertical { width: 64; height: auto; border: thick $primary; background: $surface;
                                  padding: 1 2; }
    PassphraseScreen #passphrase-error { color: $error; }
    """

    def __init__(self, store: Store, initials: str) -> None:
        super().__init__()
        self.store, self.initials = store, initials
        self.first: bool | None = None  # no passphrase yet: choose one (known once looked up)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Passphrase for {self.initials}", id="passphrase-question")
            yield Input(password=True, id="passphrase-input", disabled=True)
            yield Input(password=True, id="passphrase-again", placeholder="type it again")
            yield Label("", id="passphrase-error")

    def on_mount(self) -> None:
        self.query_one("#passphrase-again", Input).display = False
        self.look_up()

    @work(thread=True, exclusive=True, group="passphrase")
    def look_up(self) -> None:
        try:
            first = self.store.passphrase_hash(self.initials) is None
        except Exception as exc:  # shown, not raised: the dialog stays usable
            self.app.call_from_thread(self._show_error, f"could not read the review: {exc}")
            return
        self.app.call_from_thread(self._looked_up, first)

    def _looked_up(self, first: bool) -> None:
        self.first = first
        if first:
            self.query_one("#passphrase-question", Label).update(
                f"{self.initials} has no passphrase yet: choose one (at least 8 characters)"
            )
            self.query_one("#passphrase-again", Input).display = True
        box = self.query_one("#passphrase-input", Input)
        box.disabled = False
        box.focus()

    @on(Input.Submitted, "#passphrase-input")
    def typed(self, event: Input.Submitted) -> None:
        if self.first:
            self.query_one("#passphrase-again", Input).focus()
        elif event.value:
            self.check(event.value)

    @on(Input.Submitted, "#passphrase-again")
    def typed_again(self, event: Input.Submitted) -> None:
        first = self.query_one("#passphrase-input", Input).value
        problem = weakness(first) or (None if event.value == first else "the two passphrases differ")
        if problem:
            self._show_error(problem)
            event.input.value = ""
            return
        self.set_first(first)

    @work(thread=True, exclusive=True, group="passphrase")
    def check(self, typed: str) -> None:
        try:
            stored = self.store.passphrase_hash(self.initials)
            ok = stored is not None and verify(typed, stored)
        except Exception as exc:
            self.app.call_from_thread(self._show_error, f"could not check the passphrase: {exc}")
            return
        self.app.call_from_thread(self._checked, ok)

    @work(thread=True, exclusive=True, group="passphrase")
    def set_first(self, passphrase: str) -> None:
        try:
            self.store.set_passphrase(self.initials, hash_passphrase(passphrase), by=self.initials)
        except Exception as exc:
            self.app.call_from_thread(self._show_error, f"passphrase not stored: {exc}")
            return
        self.app.call_from_thread(self.dismiss, True)

    def _checked(self, ok: bool) -> None:
        if ok:
            self.dismiss(True)
            return
        box = self.query_one("#passphrase-input", Input)
        box.value = ""
        box.focus()
        self._show_error(f"wrong passphrase for {self.initials}")

    def _show_error(self, message: str) -> None:
        self.query_one("#passphrase-error", Label).update(message)

    def action_cancel(self) -> None:
        self.dismiss(False)
