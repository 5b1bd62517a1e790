"""The curious co-reviewer in the terminal app: home, PRISMA (and its b key), ZL's screening screen and
records list tell ZL nothing about NA's votes while title/abstract is blind (the same screens whatever NA
voted, also through the vote-look-undo probe), and show the real numbers once it is unblinded."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import OptionList

from screener.core.models import Stage, Verdict
from screener.store import open_store
from screener.tui.app import make_app
from screener.workflows.dedup import run_dedup
from screener.workflows.demo import build_demo

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
NA_VERDICTS = [Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.EXCLUDE, Verdict.MAYBE, Verdict.INCLUDE] * 4  # 20
FLIP = {Verdict.INCLUDE: Verdict.EXCLUDE, Verdict.EXCLUDE: Verdict.INCLUDE, Verdict.MAYBE: Verdict.EXCLUDE}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "review.db"
    store, _ = build_demo(path)
    run_dedup(store)
    store.close()
    return path


def _review(template: Path, folder: Path, *, flipped: bool) -> Path:
    """NA decided 20 records (flipped or not), ZL 10 (8 of them NA's too)."""
    folder.mkdir()
    path = folder / "review.db"
    shutil.copyfile(template, path)
    store = open_store(path)
    pool = store.stage_pool(TA)
    for rid, verdict in zip(pool[:20], NA_VERDICTS, strict=True):
        store.record_decision(rid, TA, "NA", FLIP[verdict] if flipped else verdict)
    for k, rid in enumerate(pool[12:22]):
        store.record_decision(rid, TA, "ZL", Verdict.INCLUDE if k % 3 else Verdict.EXCLUDE)
    store.close()
    return path


async def _settle(app: App, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.sub_title = "review.db"  # the path differs per run
    await pilot.pause()


async def _steady(app: App, pilot, screen_text: Callable[[App], str]) -> str:
    """The screen once it has stopped changing: a table's column widths follow its rows a refresh later
    (under load, several), and a half-laid-out table must not count as a difference between the reviews."""
    await _settle(app, pilot)
    text = screen_text(app)
    for _ in range(30):
        await pilot.pause(0.1)
        now = screen_text(app)
        if now == text:
            break
        text = now
    return text


async def look(path: Path, screen_text: Callable[[App], str]) -> dict[str, str]:
    """What ZL can see in the app: home, PRISMA and b (a vote box and its records), the screening screens,
    the list."""
    seen: dict[str, str] = {}
    store = open_store(path)
    try:
        app = make_app(store)
        async with app.run_test(size=(110, 50)) as pilot:
            await _settle(app, pilot)
            seen["home"] = await _steady(app, pilot, screen_text)
            await pilot.press("p")
            await _settle(app, pilot)
            seen["prisma"] = await _steady(app, pilot, screen_text)
            for box in ("records_excluded", "reports_sought", "records_undecided", "included"):
                await pilot.press("b")
                await _settle(app, pilot)
                seen["b"] = " | ".join(str(o.prompt) for o in app.screen.query_one(OptionList).options)
                app.screen.dismiss(box)
                await _settle(app, pilot)
                seen[f"b {box}"] = await _steady(app, pilot, screen_text)
                await pilot.press("escape")
                await _settle(app, pilot)
        for stage in (TA, FT):
            app = make_app(store, reviewer="ZL", stage=stage)
            async with app.run_test(size=(110, 40)) as pilot:
                await _settle(app, pilot)
                seen[f"screen {stage.value}"] = await _steady(app, pilot, screen_text)
                await pilot.press("l")  # ZL's records list
                await _settle(app, pilot)
                seen[f"list {stage.value}"] = await _steady(app, pilot, screen_text)
                for key in ("i", "e", "u"):
                    await pilot.press(key)
                    await _settle(app, pilot)
                    seen[f"list {stage.value} {key}"] = await _steady(app, pilot, screen_text)
    finally:
        store.close()
    return seen


async def test_the_screens_tell_zl_nothing_about_na_s_votes(
    template: Path, tmp_path: Path, screen_text: Callable[[App], str]
):
    seen: dict[bool, dict[str, str]] = {}
    for flipped in (False, True):
        path = _review(template, tmp_path / f"r{flipped}", flipped=flipped)
        store = open_store(path)
        target = store.stage_pool(TA)[0]  # NA decided it, ZL had not
        store.close()
        seen[flipped] = {f"before {k}": v for k, v in (await look(path, screen_text)).items()}
        for verdict in (Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.RETRACTED):  # the active probe
            store = open_store(path)
            store.record_decision(target, TA, "ZL", verdict)
            store.close()
            seen[flipped].update(
                {f"{verdict.value} {k}": v for k, v in (await look(path, screen_text)).items()}
            )
    differ = [k for k in seen[False] if seen[False][k] != seen[True][k]]
    assert not differ, f"{differ[0]}:\n{seen[False][differ[0]]}\n---\n{seen[True][differ[0]]}"
    before = seen[False]
    assert (
        "Records excluded: blind" in before["before prisma"]
        and "Records screened: 30" in before["before prisma"]
    )
    assert "records_excluded (blind)" in before["before b"] and "records_screened (30)" in before["before b"]
    assert "title/abstract is blind: 2 reviewers" in before["before b records_excluded"]
    assert "title/abstract is blind" in before["before screen full-text"]


async def test_after_unblinding_the_prisma_screen_shows_the_real_numbers(
    template: Path, tmp_path: Path, screen_text: Callable[[App], str]
):
    shown = {}
    for flipped in (False, True):
        path = _review(template, tmp_path / f"u{flipped}", flipped=flipped)
        store = open_store(path)
        store.unblind(TA, "NA")
        excluded = len(store.box_ids("records_excluded") or [])
        store.close()
        seen = await look(path, screen_text)
        assert f"Records excluded: {excluded}" in seen["prisma"]
        assert f"records_excluded ({excluded})" in seen["b"]
        assert f"records_excluded: {excluded} records" in seen["b records_excluded"]
        assert "Reports excluded: blind" in seen["prisma"]  # full text: nobody has screened it
        shown[flipped] = seen["prisma"]
    assert shown[False] != shown[True]
