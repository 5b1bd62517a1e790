"""Small modal dialogs: a one-line prompt, a choice list and the key help."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option


class Prompt(ModalScreen[str | None]):
    """Ask for one line of text; Enter returns it, Escape returns None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without changes", id="prompt.cancel")]
    DEFAULT_CSS = """
    Prompt { align: center middle; }
    Prompt > Vertical { width: 70; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    """

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question, self.value, self.placeholder = question, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Choose(ModalScreen[str | None]):
    """Pick one of a few options; Enter returns its id, Escape returns None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without choosing", id="choose.cancel")]
    DEFAULT_CSS = """
    Choose { align: center middle; }
    Choose > Vertical { width: 60; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    Choose OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, question: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.question, self.options = question, options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield OptionList(*(Option(label, id=key) for key, label in self.options), id="choose-list")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Help(ModalScreen[None]):
    """The keys of the screen that opened it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", tooltip="Close help", id="help.close")]
    DEFAULT_CSS = """
    Help { align: center middle; }
    Help > Vertical { width: 76; height: auto; max-height: 90%; border: thick $primary; background: $surface;
                      padding: 1 2; }
    """

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text, self.lines = title, lines

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{self.title_text}[/b]")
            yield Static("\n".join(self.lines), id="help-lines")
            yield Label("[dim]Esc to close[/dim]")

    def action_close(self) -> None:
        self.dismiss(None)
