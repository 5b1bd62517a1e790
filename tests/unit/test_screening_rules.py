"""Queue order and the one reason PRISMA counts per excluded report."""

from __future__ import annotations

from dataclasses import replace

from screener.core.conflicts import ConflictRules, RecordState, Vote
from screener.core.models import Verdict
from screener.core.protocol import load_protocol
from screener.core.screening import counted_reason, order_queue, outcome_of
from screener.paths import example_dir

PROTOCOL = load_protocol(example_dir() / "protocol.toml")


def test_import_order_random_order_and_ranking_seam():
    ids = [5, 3, 9, 1, 7, 2, 8]
    assert order_queue(ids, PROTOCOL) == [1, 2, 3, 5, 7, 8, 9]
    shuffled = replace(PROTOCOL, rules=replace(PROTOCOL.rules, order="random", seed=11))
    first = order_queue(ids, shuffled)
    assert sorted(first) == sorted(ids) and first != sorted(ids)
    assert order_queue(list(reversed(ids)), shuffled) == first  # reproducible, whatever the input order
    other_seed = replace(shuffled, rules=replace(shuffled.rules, seed=12))
    assert order_queue(ids, other_seed) != first
    assert order_queue(ids, PROTOCOL, ranking=lambda pool: sorted(pool, reverse=True)) == [
        9,
        8,
        7,
        5,
        3,
        2,
        1,
    ]


def test_counted_reason_is_first_in_protocol_order():
    order = [c.id for c in PROTOCOL.exclusion]
    assert counted_reason(["E5", "E2"], order) == "E2"
    assert counted_reason(["X9", "E7"], order) == "E7"
    assert counted_reason([], order) is None


def test_outcome_of_settled_and_open_records():
    rules = ConflictRules(reasons_must_match=False)
    order = [c.id for c in PROTOCOL.exclusion]
    out = outcome_of(
        [Vote("NA", Verdict.EXCLUDE, ("E3",)), Vote("ZL", Verdict.EXCLUDE, ("E1",))], None, rules, order
    )
    assert out == (RecordState.EXCLUDED, Verdict.EXCLUDE, "E1")
    assert outcome_of([Vote("NA", Verdict.INCLUDE)], None, rules, order) == (RecordState.AWAITING, None, None)
    assert outcome_of([Vote("NA", Verdict.INCLUDE), Vote("ZL", Verdict.INCLUDE)], None, rules, order) == (
        RecordState.INCLUDED,
        Verdict.INCLUDE,
        None,
    )


def test_undo_steps_rebuilt_from_the_log():
    from screener.core.models import Decision, Stage, Verdict
    from screener.core.screening import undo_steps

    ta = Stage.TITLE_ABSTRACT

    def d(i, rid, verdict, reasons=()):
        return Decision(i, rid, ta, "NA", Verdict(verdict), tuple(reasons))

    include1, exclude1 = d(1, 1, "include"), d(3, 1, "exclude", ("E1",))
    log = [
        include1,
        d(2, 2, "maybe"),
        exclude1,
        d(4, 1, "include"),  # 4 undoes 3
        d(5, 2, "retracted"),
    ]  # 5 undoes 2
    assert undo_steps(log) == [(1, None)]
    assert undo_steps(log[:3]) == [(1, None), (2, None), (1, include1)]
    assert undo_steps([]) == []
