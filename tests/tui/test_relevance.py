"""Relevance order on the screening screen: the ranker's order is used, and blinding holds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from screener.core.models import BibRecord, Stage, Verdict
from screener.core.protocol import parse_protocol
from screener.core.ranking import Ranker
from screener.paths import example_dir
from screener.store import SourceInput, Store, open_store
from screener.tui.app import make_app
from screener.tui.screens.screening import ScreeningScreen

TA = Stage.TITLE_ABSTRACT
OTHER = [
    "coronary stent outcomes",
    "asthma inhalers in school children",
    "hip fracture surgery in the elderly",
    "kidney dialysis cohort",
    "influenza vaccine uptake",
    "insulin pumps in type 1 diabetes",
]


def relevance_review(path: Path, extra: str = "") -> Store:
    """30 records, import order interleaved: every fifth is about LDN in fibromyalgia."""
    text = (
        (example_dir() / "protocol.toml")
        .read_text()
        .replace('order = "import"', 'order = "relevance"' + extra)
    )
    store = open_store(path, create=True)
    store.init_review(parse_protocol(text))
    records = []
    for i in range(1, 31):
        if i % 5 == 0:
            title, abstract = (
                f"Low-dose naltrexone in fibromyalgia, trial {i}",
                "Randomised trial of low-dose naltrexone for fibromyalgia pain.",
            )
        else:
            topic = OTHER[i % len(OTHER)]
            title, abstract = f"A study of {topic} ({i})", f"We report {topic} in a registry."
        records.append(BibRecord(position=i, title=title, abstract=abstract, source_id=f"PM{i}"))
    store.add_source(SourceInput("PubMed", "p.nbib", "b" * 64, "pubmed"), records)
    return store


async def settle(pilot, screen: ScreeningScreen) -> None:
    """Wait until every decision is saved and no retraining is pending."""
    for _ in range(200):
        screen.flush()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not screen._ranking and not screen.pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the ranking never finished")


def is_ldn(store: Store, rid: int) -> bool:
    return "naltrexone" in store.ranking_texts([rid])[0]


async def test_relevance_order_is_used_and_recorded(tmp_path: Path) -> None:
    store = relevance_review(tmp_path / "r.db")
    app = make_app(store, reviewer="NA", stage=TA)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        await settle(pilot, screen)
        # cold start: the protocol's keywords (naltrexone, fibromyalgia ...) put the LDN records next
        nxt = screen.queue[screen.index + 1 : screen.index + 6]
        assert all(is_ldn(store, r) for r in nxt), nxt
        assert store.ranking_runs(TA, "NA")[-1].kind == "cold-start"
        assert "to claim 95% recall with 95% confidence, screen" in str(
            screen.query_one("#guide-line").render()
        )
        await pilot.press("e", "enter")  # record 1 (import order's first, not LDN): exclude
        await settle(pilot, screen)
        await pilot.press("i")  # the first LDN record: include
        await settle(pilot, screen)
        runs = store.ranking_runs(TA, "NA")
        assert runs[-1].kind == "model" and runs[-1].n_train == 2 and runs[-1].n_include == 1
        assert runs[-1].trained_through == max(d.id for d in store.decision_log(TA, "NA"))
        # the remaining four LDN records come next, ahead of every other undecided record
        rest = [r for r in screen.queue[screen.index :] if r not in screen.mine]
        assert [is_ldn(store, r) for r in rest[:4]] == [True] * 4
        # the order is exactly the ranker's, from NA's two decisions
        ids = sorted(screen.queued)
        ranker = Ranker(store.ranking_texts(ids), seed=store.protocol().rules.seed)
        labels = {ids.index(d.record_id): d.verdict is Verdict.INCLUDE for d in store.decision_log(TA, "NA")}
        expected = [ids[n] for n in ranker.rank(labels).order]
        assert rest == expected
        assert "predicted relevance" not in str(screen.query_one("#progress-line").render())
    store.close()


@pytest.mark.parametrize("zl_decides", [False, True])
async def test_blind_reviewers_ranking_ignores_the_other_reviewer(tmp_path: Path, zl_decides: bool) -> None:
    store = relevance_review(tmp_path / "r.db")
    store.record_decision(5, TA, "NA", Verdict.INCLUDE)
    store.record_decision(1, TA, "NA", Verdict.EXCLUDE)
    if zl_decides:  # ZL includes what NA would not, and excludes the LDN records
        for rid in range(2, 31):
            store.record_decision(rid, TA, "ZL", Verdict.EXCLUDE if rid % 5 == 0 else Verdict.INCLUDE)
    assert store.is_blind(TA)
    app = make_app(store, reviewer="NA", stage=TA)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = app.screen
        await settle(pilot, screen)
        shown = screen.current  # shown before the first ranking arrived: it stays first
        order = [r for r in screen.queue[screen.index + 1 :] if r not in screen.mine]
    labels = store.ranking_labels(TA, "NA")
    assert labels.own_only and labels.labels == {5: True, 1: False}
    ids = sorted(screen.queued)
    ranker = Ranker(store.ranking_texts(ids), seed=store.protocol().rules.seed)
    own = [n for n in ranker.rank({ids.index(5): True, ids.index(1): False}).order if ids[n] != shown]
    assert order == [ids[n] for n in own]  # the same with or without ZL's 29 decisions
    if zl_decides:  # and ZL's decisions would have changed it, had they leaked
        leaked = {ids.index(r): r % 5 != 0 for r in range(2, 31)} | {ids.index(5): True, ids.index(1): False}
        assert [ids[n] for n in ranker.rank(leaked, candidates=own).order] != order
    store.close()


async def test_v_starts_the_random_sample_of_the_stopping_test(tmp_path: Path) -> None:
    import random

    store = relevance_review(tmp_path / "r.db")
    app = make_app(store, reviewer="NA", stage=TA)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = app.screen
        await settle(pilot, screen)
        await pilot.press("e", "enter")
        await pilot.press("i")
        await settle(pilot, screen)
        await pilot.press("v")
        await settle(pilot, screen)
        runs = store.ranking_runs(TA, "NA", kind="random-sample")
        assert len(runs) == 1 and runs[0].n_train == 2 and runs[0].candidates == 28
        rest = sorted(r for r in screen.queue if r not in screen.mine)
        random.Random(store.protocol().rules.seed).shuffle(rest)
        assert screen.queue[screen.index :] == rest  # the unscreened records, in seeded random order
        await pilot.press("e", "enter")
        await settle(pilot, screen)
        assert screen.queue[screen.index :] == rest[1:]  # no reordering by the model during the sample
        guide = str(screen.query_one("#guide-line").render())
        assert "random sample: 1 of 28 unscreened records, 0 includes" in guide
        assert "random sample" in str(screen.query_one("#progress-line").render())
    store.close()


async def test_scores_are_shown_only_when_the_protocol_asks(tmp_path: Path) -> None:
    store = relevance_review(tmp_path / "r.db", "\nshow_scores = true")
    app = make_app(store, reviewer="NA", stage=TA)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = app.screen
        await settle(pilot, screen)
        await pilot.press("e", "enter")
        await settle(pilot, screen)
        assert "predicted relevance" in str(screen.query_one("#progress-line").render())
    store.close()
