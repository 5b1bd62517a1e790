"""A protocol with more than nine exclusion reasons: 10 and up are chosen with two digits (issue 13,
item 10)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Static

from screener.core.models import BibRecord, Stage, Verdict
from screener.core.protocol import parse_protocol
from screener.paths import example_dir
from screener.store import SourceInput, Store, open_store
from screener.tui import keys
from screener.tui.app import make_app
from screener.tui.screens.screening import ScreeningScreen

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
EXTRA = [f"Reason number {n} of the long list" for n in range(8, 13)]  # E8..E12 after the example's E1..E7


@pytest.fixture
def long_review(tmp_path: Path) -> Store:
    text = (example_dir() / "protocol.toml").read_text(encoding="utf-8")
    text += "".join(
        f'\n[[exclusion]]\nid = "E{n}"\nlabel = "{label}"\n'
        for n, label in zip(range(8, 13), EXTRA, strict=True)
    )
    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(parse_protocol(text))
    store.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [BibRecord(position=i, title=f"Record {i}") for i in range(1, 8)],
    )
    yield store
    store.close()


async def _settle(pilot, screen: ScreeningScreen) -> None:
    screen.flush()
    await pilot.pause()
    await pilot.pause()


def _reasons(store: Store) -> list[tuple[int, tuple[str, ...]]]:
    return [(d.record_id, d.reasons) for d in store.decision_log(TA, "NA") if d.verdict is Verdict.EXCLUDE]


async def test_two_digit_reasons(
    long_review: Store, screen_text: Callable[[App], str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(keys, "REASON_WAIT_S", 0.3)
    app = make_app(long_review, reviewer="NA", stage=TA)
    async with app.run_test(size=(140, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        shown = str(screen.query_one("#criteria", Static).render())
        assert "11 Reason number 11 of the long list" in shown and "12 Reason number 12" in shown
        assert " 1 Review articles" in shown  # numbers aligned in the criteria panel

        await pilot.press("e", "1", "1")  # 11 at once: no reason above 19
        await _settle(pilot, screen)
        await pilot.press("e", "1")  # 1 may begin 10-12: it waits ...
        await pilot.pause()
        assert "1… (next digit, or Enter)" in screen_text(app)
        await pilot.press("enter")  # ... and Enter takes it as it is
        await _settle(pilot, screen)
        await pilot.press("e", "3")  # 3 cannot begin a longer number: at once
        await _settle(pilot, screen)
        await pilot.press("e", "1", "2")
        await _settle(pilot, screen)
        await pilot.press("e", "0", "9")  # a leading zero: reason 9
        await _settle(pilot, screen)
        await pilot.press("e", "1")  # no second digit: after the short wait, reason 1
        await pilot.pause(0.6)
        await _settle(pilot, screen)
        assert _reasons(long_review) == [
            (1, ("E11",)),
            (2, ("E1",)),
            (3, ("E3",)),
            (4, ("E12",)),
            (5, ("E9",)),
            (6, ("E1",)),
        ]
        await pilot.press("e", "1", "escape")  # Escape drops the typed digit: nothing decided
        await pilot.pause(0.6)
        await _settle(pilot, screen)
        assert len(_reasons(long_review)) == 6


def test_reason_typing_rules():
    nine = keys.ReasonTyping(9)
    assert [nine.key(d) for d in (1, 9, 0)] == [1, 9, None]  # one digit each; 0 is no reason number
    assert nine.key(keys.ENTER) == 0  # Enter alone: no reason
    twelve = keys.ReasonTyping(12)
    assert twelve.key(1) is None and twelve.key(0) == 10
    assert twelve.key(2) == 2
    assert twelve.key(1) is None and twelve.timeout() == 1
    assert twelve.key(0) is None and twelve.key(7) == 7
    many = keys.ReasonTyping(25)
    assert many.key(2) is None and many.key(5) == 25 and many.key(3) == 3
