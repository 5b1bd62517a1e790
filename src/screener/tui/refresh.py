"""Open screens learn what other processes changed (retrieval, new records, unblinding).

A cheap fingerprint of the review (:meth:`screener.store.Store.change_token`, one query of
index maxima) is read on a worker thread every few seconds; only when it moved does the
screen read again (on the worker) and show the result (on the UI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen

    from screener.store import Store

REFRESH_SECONDS = 2.0


def poll_store(
    screen: Screen,
    store: Store,
    load: Callable[[], Any],
    apply: Callable[[Any], None],
    ready: Callable[[], bool] = lambda: True,
    seconds: float | None = None,
    writes: Callable[[], int] = lambda: 0,
) -> None:
    """When the review changed: ``load()`` on a worker thread, then ``apply(result)`` on the UI thread.

    ``ready`` holds a refresh back (e.g. while the screen's own writes are pending); the
    change is then picked up by a later tick. ``writes`` counts the screen's own writes: a
    result read before one of them was handed over is stale (it would undo what the screen
    shows) and is dropped; the next tick reads again.
    """
    state: dict[str, Any] = {"token": store.change_token()}

    def check() -> None:
        token = store.change_token()
        if token == state["token"] or not ready():
            return
        written = writes()
        result = load()

        def show() -> None:
            if ready() and writes() == written:
                state["token"] = token
                apply(result)

        screen.app.call_from_thread(show)

    def tick() -> None:
        screen.run_worker(check, thread=True, exclusive=True, group="refresh", exit_on_error=False)

    screen.set_interval(seconds or REFRESH_SECONDS, tick, name="refresh")
