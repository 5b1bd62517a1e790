"""The accuracy benchmark's diagnosis of the queue (benchmarks/dedup_accuracy.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from screener.core.dedup import find_duplicates
from screener.core.models import Author, BibRecord

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "dedup_accuracy.py"


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("dedup_accuracy_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def registrations() -> list[BibRecord]:
    """Two registry records of one sponsor and year whose titles differ in one arm (a
    question for a human), and an unrelated record."""
    sponsor = (Author("Example Pharma, Inc"),)
    title = "Open label controlled trial of drugumab in adult patients with plasma therapy-{} aHUS"
    return [
        BibRecord(position=1, title=title.format("resistant"), authors=sponsor, year=2011),
        BibRecord(position=2, title=title.format("sensitive"), authors=sponsor, year=2011),
        BibRecord(position=3, title="Something else entirely about kidneys", year=2011),
    ]


def test_queue_by_rule_counts_true_duplicates_per_rule(bench) -> None:  # type: ignore[no-untyped-def]
    records = registrations()
    result = find_duplicates([(r.position, r) for r in records])
    [question] = result.possible
    assert bench.queue_by_rule(["a", "a", "b"], result.possible) == {question.rule: (1, 1)}
    assert bench.queue_by_rule(["a", "b", "c"], result.possible) == {question.rule: (0, 1)}


def test_diagnose_shows_the_automatic_misses_the_queue_catches(bench, capsys) -> None:  # type: ignore[no-untyped-def]
    records = registrations()
    result = find_duplicates([(r.position, r) for r in records])
    links = [(p.a - 1, p.b - 1) for p in result.possible]
    comps = bench._components(len(records), links)
    bench._diagnose(records, ["a", "a", "b"], result, comps, 5)
    out = capsys.readouterr().out
    assert "QUEUED MISS: a" in out and "queued as similar-title" in out and "1 ~ 2:" in out
    # not a miss when the labels say two records
    bench._diagnose(records, ["a", "b", "c"], result, bench._components(len(records), []), 5)
    assert "QUEUED MISS" not in capsys.readouterr().out
