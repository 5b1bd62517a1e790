"""A refresh read before one of the screen's own decisions was committed never undoes that decision."""

from __future__ import annotations

import threading

import pytest

from screener.core.models import Stage, Verdict
from screener.store import Store
from screener.tui import refresh
from screener.tui.app import make_app
from screener.tui.screens.screening import ScreeningScreen

TA = Stage.TITLE_ABSTRACT


async def test_a_refresh_read_before_a_decision_does_not_forget_it(
    review: Store, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(refresh, "REFRESH_SECONDS", 0.5)
    armed, read, release = threading.Event(), threading.Event(), threading.Event()
    read_state = ScreeningScreen._read_state

    def slow_read(self: ScreeningScreen):  # type: ignore[no-untyped-def]
        state = read_state(self)
        if armed.is_set():  # the state is read; hold it back until the decision is committed
            armed.clear()
            read.set()
            release.wait(10)
        return state

    monkeypatch.setattr(ScreeningScreen, "_read_state", slow_read)
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.current == 1
        armed.set()
        review.record_decision(5, TA, "ZL", Verdict.EXCLUDE)  # another reviewer: the review changed
        for _ in range(150):
            await pilot.pause(0.02)
            if read.is_set():
                break
        assert read.is_set()
        await pilot.press("i")  # record 1, decided after the refresh read the review
        screen.flush()
        await pilot.pause()
        release.set()
        kept = []
        for _ in range(20):  # the stale result would drop it until a later refresh reads the review again
            await pilot.pause(0.02)
            kept.append(1 in screen.mine)
        assert all(kept) and screen.current == 2
        assert "1 of 6 screened by you" in str(screen.query_one("#progress-line").render())
