"""Messages the screens share: a write finished, progress of a long run."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from screener.tui.workers import Writer


class Written(Message):
    """A screen's writer thread finished one write (committed, or failed)."""

    def __init__(self, writer: Writer, future: Future[Any], then: Callable[[Future[Any]], None]) -> None:
        super().__init__()
        self.writer, self.future, self.then = writer, future, then


class Progressed(Message):
    """A long run got further; a newer one replaces an older one still queued (the queue never floods)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done, self.total = done, total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, Progressed)
