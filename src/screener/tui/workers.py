"""Work off the UI thread, done the same way on every screen, and failures the user sees.

Reads and writes of the store, dedup and file writes run in Textual workers
(``@work(thread=True, exclusive=True, group=..., exit_on_error=False)``). A worker that
raises ends in :attr:`WorkerState.ERROR`, which Textual reports to nobody: every screen
derives from :class:`WorkScreen`, which turns that state into an error notification with
the error's one line and leaves the screen as it was (its keys still work).

Decisions are different: an exclusive group cancels the previous worker when the next key
starts one, and a non-exclusive group runs them side by side, so neither keeps decisions in
the order they were made. A screen's decisions go through its :class:`Writer` instead: one
thread, in order, each result handed back to the UI thread as a :class:`Written` message.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from textual.message_pump import MessagePump
from textual.screen import Screen, ScreenResultType
from textual.worker import Worker, WorkerState

from screener.store import StoreError
from screener.tui.messages import Written

T = TypeVar("T")


def one_line(error: BaseException) -> str:
    """The error in one line: a store's refusal as it is worded, anything else after its type."""
    text = str(error) if isinstance(error, StoreError) else f"{type(error).__name__}: {error}"
    lines = text.strip().splitlines()
    return lines[0] if lines else type(error).__name__


class WorkScreen(Screen[ScreenResultType]):
    """A screen whose failed workers and writes are said in an error notification."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.worker_failed(event.worker, event.worker.error)

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """Say that ``worker`` failed; a screen that showed progress also puts its status line right."""
        self.notify(one_line(error), severity="error", timeout=15)

    def on_written(self, event: Written) -> None:
        event.writer.pending.discard(event.future)
        event.then(event.future)


class Writer:
    """One thread that runs a screen's writes in the order they were handed over.

    ``then(future)`` runs on the UI thread once a write has finished (committed or failed);
    it is posted as a message, so the writer thread never waits for the UI.
    """

    def __init__(self, screen: MessagePump, name: str) -> None:
        self._screen = screen
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.count = 0
        """Writes handed over so far (a refresh read before one of them is stale)."""
        self.pending: set[Future[Any]] = set()
        """Writes whose result the screen has not yet been told."""

    def write(
        self, then: Callable[[Future[T]], None], fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> None:
        """Run ``fn(*args, **kwargs)`` after every write handed over before it; then ``then(future)``."""
        self.count += 1
        future = self._pool.submit(fn, *args, **kwargs)
        self.pending.add(future)
        future.add_done_callback(lambda f: self._screen.post_message(Written(self, f, then)))

    def flush(self, timeout: float = 60) -> None:
        """Wait until every write handed over has finished (its failure is reported by ``then``)."""
        for future in list(self.pending):
            try:
                future.result(timeout=timeout)
            except Exception:  # reported by its ``then``; waiting is all this does
                continue

    def close(self) -> None:
        """Finish the writes handed over, then stop the thread."""
        self._pool.shutdown(wait=True)
