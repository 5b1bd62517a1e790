"""Stopping early in relevance order: PRISMA's automation box and the methods paragraph."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.core.models import BibRecord, Stage, Verdict
from screener.core.prisma import errors
from screener.core.prisma.methods import methods_paragraph
from screener.core.protocol import parse_protocol
from screener.paths import example_dir
from screener.store import SourceInput, Store, open_store
from screener.workflows.prisma import compute_flow, methods_facts

TA = Stage.TITLE_ABSTRACT


def review(path: Path, stop_early: bool) -> Store:
    text = (
        (example_dir() / "protocol.toml")
        .read_text()
        .replace('order = "import"', 'order = "relevance"' + ("\nstop_early = true" if stop_early else ""))
    )
    store = open_store(path, create=True)
    store.init_review(parse_protocol(text))
    store.add_source(
        SourceInput("PubMed", "p.nbib", "d" * 64, "pubmed"),
        [BibRecord(position=i, title=f"Record {i}", source_id=f"PM{i}") for i in range(1, 31)],
    )
    return store


def screen(store: Store, reviewer: str, sample: int) -> None:
    """20 includes in relevance order, then a random sample of ``sample`` records, all excludes."""
    for rid in range(1, 21):
        store.record_decision(rid, TA, reviewer, Verdict.INCLUDE)
    last = max(d.id for d in store.decision_log(TA, reviewer))
    store.record_ranking_run(TA, reviewer, "random-sample", "seeded random order", 20, 0, 10, last, 2022, 0.0)
    for rid in range(21, 21 + sample):
        store.record_decision(rid, TA, reviewer, Verdict.EXCLUDE)


@pytest.mark.parametrize("stop_early", [True, False])
def test_records_left_unscreened_are_excluded_by_automation_once_every_reviewer_met_the_test(
    tmp_path: Path, stop_early: bool
) -> None:
    store = review(tmp_path / "r.db", stop_early)
    store.unblind(TA, "NA")  # the counts below are read while screening goes on
    store.unblind(Stage.FULL_TEXT, "NA")
    # 20 found, urn 10: K_tar = floor(20/0.95 - 20) + 1 = 2; (10-n)(9-n)/90 < 0.05 first at n = 8
    screen(store, "NA", 8)
    screen(store, "ZL", 7)
    assert store.stopping_guide(TA, "NA").reached and not store.stopping_guide(TA, "ZL").reached
    assert store.stopped_early() is None  # ZL has not met it yet
    assert compute_flow(store).counts.records_excluded_automation == 0
    store.record_decision(28, TA, "ZL", Verdict.EXCLUDE)
    counts = compute_flow(store).counts
    if stop_early:
        assert store.stopped_early() is not None
        assert (counts.records_excluded_automation, counts.undecided_records) == (2, 0)
        assert store.box_ids("records_excluded_automation") == [29, 30]
    else:
        assert store.stopped_early() is None
        assert (counts.records_excluded_automation, counts.undecided_records) == (0, 2)
    assert errors(counts) == []
    fast = store.flow_numbers()
    for box in ("records_excluded_automation", "records_undecided", "records_excluded"):
        assert fast[box] == len(store.box_ids(box) or []), box
    text = methods_paragraph(methods_facts(store))
    assert "in order of predicted relevance" in text and "No automation tools" not in text
    if stop_early:
        assert (
            "Callaghan & Müller-Hansen 2020" in text
            and "NA: 8 of 10 unscreened records sampled at random" in text
        )
        assert "the 2 records left unscreened are reported as excluded by automation tools" in text
    else:
        assert "every record was screened by a reviewer" in text
    store.close()


def test_protocol_refuses_stop_early_without_relevance_order() -> None:
    from screener.core.protocol import ProtocolError

    text = (example_dir() / "protocol.toml").read_text().replace('order = "import"', "stop_early = true")
    with pytest.raises(ProtocolError, match="'stop_early' needs order = \"relevance\""):
        parse_protocol(text, "p.toml")
