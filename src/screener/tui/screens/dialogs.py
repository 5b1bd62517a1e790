"""Small modal dialogs: a one-line prompt, a choice list and the key help."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option


class Prompt(ModalScreen[str | None]):
    """Ask for one line of text; Enter returns it, Escape returns None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without changes", id="prompt.cancel")]
    DEFAULT_CSS = """
    Prompt { align: center middle; }
    Prompt > Vertical { width: 70; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    """

    def __init__(
        self, question: str, value: str = "", placeholder: str = "", suggester: Suggester | None = None
    ) -> None:
        super().__init__()
        self.question, self.value, self.placeholder, self.suggester = question, value, placeholder, suggester

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(
                value=self.value,
                placeholder=self.placeholder,
                id="prompt-input",
                suggester=self.suggester,
                select_on_focus=self.suggester is None,
            )  # a path is typed on, not over

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


class PathSuggester(Suggester):
    """Completes a typed path with the first file or folder that starts with it (→ accepts)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        import os
        from pathlib import Path

        if not value:
            return None
        typed = Path(os.path.expanduser(value))
        folder, stem = (typed, "") if value.endswith(os.sep) else (typed.parent, typed.name)
        try:
            names = sorted(
                p.name for p in folder.iterdir() if p.name.startswith(stem) and not p.name.startswith(".")
            )
        except OSError:
            return None
        if not names:
            return None
        suffix = names[0][len(stem) :]
        return value + suffix + (os.sep if (folder / names[0]).is_dir() else "")


class Confirm(ModalScreen[bool]):
    """Ask a yes/no question; y or Enter returns True, n or Escape returns False."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", tooltip="Go ahead", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", tooltip="Leave things as they are", id="confirm.no"),
    ]
    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical {
        width: 76; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Label("[b]y[/b] yes  ·  [b]n[/b] no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
