"""Key handling shared by the screens where one key decides: reason keys, and leaving a screen."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen

from screener.core.models import Stage
from screener.core.protocol import Protocol


def reason_bindings(prefix: str) -> list[Binding]:
    """Escape, 1-9 and Enter, live only after ``e`` (the screen's ``check_action`` says when)."""
    return [
        Binding("escape", "cancel_reason", "Cancel", show=False, id=f"{prefix}.cancel"),
        *[Binding(str(n), f"reason({n})", f"Reason {n}", show=False, id=f"{prefix}.reason{n}") for n in range(1, 10)],
        Binding("enter", "reason(0)", "No reason", show=False, id=f"{prefix}.noreason"),
    ]


def help_binding(prefix: str) -> Binding:
    """``?``: the screen's keys in a dialog (the screen's ``action_help``)."""
    return Binding("question_mark", "help", "Help", tooltip="All keys on this screen", id=f"{prefix}.help",
                   key_display="?")


def key_lines(screen: Screen) -> list[str]:
    """One line per key the screen offers now: key, then what it does."""
    lines = []
    for b in screen.BINDINGS:
        if not isinstance(b, Binding) or not b.description or b.action == "help" or not (b.show or b.tooltip):
            continue
        if screen.check_action(b.action.split("(")[0], ()) is False:
            continue
        lines.append(f"{b.key_display or b.key:<14} {b.tooltip or b.description}")
    return lines


def show_help(screen: Screen, title: str, extra: list[str] | None = None) -> None:
    """Push the key help for ``screen``: its keys, then ``extra`` lines, then the palette."""
    from screener.tui.screens.dialogs import Help

    lines = [*key_lines(screen), *(extra or []), "Ctrl+P         command palette (the same actions)"]
    screen.app.push_screen(Help(title, lines))


def reasons_for_key(protocol: Protocol, stage: Stage, number: int) -> tuple[str, ...] | str:
    """The criterion ids an exclusion key stands for (0 = Enter = none), or why the key is refused."""
    if number == 0:
        if stage.value not in protocol.rules.exclude_without_reason:
            return f"At {stage.label} an exclusion needs a reason: press its number."
        return ()
    match = [c for n, c in protocol.exclusion_reasons(stage) if n == number]
    if not match:
        return f"There is no exclusion reason {number} at {stage.label}."
    return (match[0].id,)


def leave(screen: Screen) -> None:
    """Back to the screen below (the home screen), or out of the app if this was the first."""
    if len(screen.app.screen_stack) > 2:
        screen.app.pop_screen()
    else:
        screen.app.exit()
