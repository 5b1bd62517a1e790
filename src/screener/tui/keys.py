"""Key handling shared by the screens where one key decides: reason keys, and leaving a screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from screener.core.models import Stage
from screener.core.protocol import Protocol

#: After a digit that may begin a two-digit reason number (``1`` when there are 10 to 19
#: reasons), how long to wait for the second digit before taking the one typed.
REASON_WAIT_S = 1.2
#: ``action_reason``'s argument for Enter (the digits are 0-9).
ENTER = -1


def reason_bindings(prefix: str) -> list[Binding]:
    """Escape, 0-9 and Enter, live only after ``e`` (the screen's ``check_action`` says when)."""
    return [
        Binding("escape", "cancel_reason", "Cancel", show=False, id=f"{prefix}.cancel"),
        *[
            Binding(str(n), f"reason({n})", f"Reason {n}", show=False, id=f"{prefix}.reason{n}")
            for n in range(10)
        ],
        Binding("enter", f"reason({ENTER})", "No reason", show=False, id=f"{prefix}.noreason"),
    ]


class ReasonTyping:
    """The digits typed after ``e``: a reason number of one or two digits.

    With up to nine reasons every digit decides at once. With more, a digit that can
    begin a longer number (``1`` of ``1``-``12``) waits for the next digit, for Enter
    (take it as it is) or for :data:`REASON_WAIT_S` to pass; ``3`` of ``1``-``12`` decides
    at once. ``0`` only begins a number (``05``).
    """

    def __init__(self, highest: int) -> None:
        self.highest = highest
        self.digits = ""

    def key(self, key: int) -> int | None:
        """Take a digit (or :data:`ENTER`); the reason number once complete (0 = no reason), else None."""
        if key == ENTER:
            typed, self.digits = self.digits, ""
            return int(typed) if typed and int(typed) else 0
        self.digits += str(key)
        number = int(self.digits)
        if len(self.digits) < len(str(self.highest)) and (number == 0 or number * 10 <= self.highest):
            return None
        self.digits = ""
        return number if number else None

    def timeout(self) -> int | None:
        """The number typed so far, when no further digit came."""
        typed, self.digits = self.digits, ""
        return int(typed) if typed and int(typed) else None


class ReasonInput:
    """The reason number typed after ``e`` on a screen where one key decides.

    The screen calls :meth:`start` on ``e`` and routes its ``action_reason(key)`` to
    :meth:`key`; once a number is complete, ``chosen(reasons)`` is called with the criterion
    ids it stands for (none for Enter), or a warning says why the number is refused;
    ``typed()`` is called when a digit waits for the next one (the screen redraws its prompt).
    """

    def __init__(
        self, screen: Screen[Any], chosen: Callable[[tuple[str, ...]], None], typed: Callable[[], None]
    ) -> None:
        self._screen, self._chosen, self._typed = screen, chosen, typed
        self._typing: ReasonTyping | None = None
        self._timer: Timer | None = None
        self._for: tuple[Protocol, Stage] | None = None

    def start(self, protocol: Protocol, stage: Stage) -> None:
        self._typing = ReasonTyping(max((n for n, _ in protocol.exclusion_reasons(stage)), default=0))
        self._for = (protocol, stage)

    def _choose(self, number: int) -> None:
        if self._for is None:
            return
        reasons = reasons_for_key(*self._for, number)
        if isinstance(reasons, str):
            self._screen.notify(reasons, severity="warning")
        else:
            self._chosen(reasons)

    @property
    def digits(self) -> str:
        """The digits typed so far (shown while waiting for the next one)."""
        return self._typing.digits if self._typing else ""

    def key(self, key: int) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._typing is None:
            return
        number = self._typing.key(key)
        if number is not None:
            self._choose(number)
        elif self._typing.digits:
            self._timer = self._screen.set_timer(REASON_WAIT_S, self._wait_over)
            self._typed()

    def _wait_over(self) -> None:
        """No further digit came: the number typed so far (the screen ignores it once ``e`` was cancelled)."""
        self._timer = None
        number = self._typing.timeout() if self._typing else None
        if number is not None:
            self._choose(number)


def help_binding(prefix: str) -> Binding:
    """``?``: the screen's keys in a dialog (the screen's ``action_help``)."""
    return Binding(
        "question_mark",
        "help",
        "Help",
        tooltip="All keys on this screen",
        id=f"{prefix}.help",
        key_display="?",
    )


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
