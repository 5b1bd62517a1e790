"""Tests for screener.core.conflicts: record states under every protocol rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.core.conflicts import ConflictRules, RecordState, Vote, final_verdict, record_state
from screener.core.models import Verdict

INC, EXC, MAY = Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.MAYBE
CONFLICT_POLICY = ConflictRules(maybe_policy="conflict")
INCLUDE_POLICY = ConflictRules(maybe_policy="include")


def votes(*verdicts: Verdict) -> list[Vote]:
    """One vote per reviewer, reviewers named r1, r2, ..."""
    return [Vote(f"r{i}", verdict) for i, verdict in enumerate(verdicts, start=1)]


def test_defaults() -> None:
    rules = ConflictRules()
    assert rules.maybe_policy == "conflict"
    assert rules.reasons_must_match is False
    assert rules.reviewers_required == 2


@pytest.mark.parametrize(
    "kwargs",
    [{"maybe_policy": "exclude"}, {"reviewers_required": 0}, {"reviewers_required": True}],
)
def test_invalid_rules_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ConflictRules(**kwargs)  # type: ignore[arg-type]


# Every pair of verdicts under both maybe policies, written out rather than derived.
PAIRS = [
    # (first, second, state under "conflict", state under "include")
    (INC, INC, RecordState.INCLUDED, RecordState.INCLUDED),
    (EXC, EXC, RecordState.EXCLUDED, RecordState.EXCLUDED),
    (INC, EXC, RecordState.CONFLICT, RecordState.CONFLICT),
    (EXC, INC, RecordState.CONFLICT, RecordState.CONFLICT),
    (MAY, MAY, RecordState.CONFLICT, RecordState.INCLUDED),
    (MAY, INC, RecordState.CONFLICT, RecordState.INCLUDED),
    (INC, MAY, RecordState.CONFLICT, RecordState.INCLUDED),
    (MAY, EXC, RecordState.CONFLICT, RecordState.CONFLICT),
    (EXC, MAY, RecordState.CONFLICT, RecordState.CONFLICT),
]


@pytest.mark.parametrize(("first", "second", "under_conflict", "under_include"), PAIRS)
def test_two_reviewers_every_combination(
    first: Verdict, second: Verdict, under_conflict: RecordState, under_include: RecordState
) -> None:
    assert record_state(votes(first, second), CONFLICT_POLICY) is under_conflict
    assert record_state(votes(first, second), INCLUDE_POLICY) is under_include


@pytest.mark.parametrize(("first", "second", "under_conflict", "under_include"), PAIRS)
def test_final_verdict_every_combination(
    first: Verdict, second: Verdict, under_conflict: RecordState, under_include: RecordState
) -> None:
    expected = {RecordState.INCLUDED: INC, RecordState.EXCLUDED: EXC, RecordState.CONFLICT: None}
    assert final_verdict(votes(first, second), CONFLICT_POLICY) is expected[under_conflict]
    assert final_verdict(votes(first, second), INCLUDE_POLICY) is expected[under_include]


def test_unanimous_maybe_is_a_conflict_by_default() -> None:
    """Maybe means the reviewers must talk, even when they both said it."""
    assert record_state(votes(MAY, MAY), ConflictRules()) is RecordState.CONFLICT
    assert final_verdict(votes(MAY, MAY), ConflictRules()) is None


def test_no_votes_is_undecided() -> None:
    for rules in (ConflictRules(), ConflictRules(reviewers_required=1)):
        assert record_state([], rules) is RecordState.UNDECIDED
        assert final_verdict([], rules) is None


@pytest.mark.parametrize("verdict", [INC, EXC, MAY])
def test_one_reviewer_of_two_is_awaiting(verdict: Verdict) -> None:
    assert record_state(votes(verdict), ConflictRules()) is RecordState.AWAITING
    assert final_verdict(votes(verdict), ConflictRules()) is None


def test_same_reviewer_twice_counts_once() -> None:
    """A reviewer who changed their mind is still one reviewer; the last vote counts."""
    history = [Vote("ana", EXC), Vote("ana", INC)]
    assert record_state(history, ConflictRules()) is RecordState.AWAITING
    single = ConflictRules(reviewers_required=1)
    assert record_state(history, single) is RecordState.INCLUDED
    assert record_state([*history, Vote("ben", INC)], ConflictRules()) is RecordState.INCLUDED


@pytest.mark.parametrize(
    ("verdict", "under_conflict", "under_include"),
    [
        (INC, RecordState.INCLUDED, RecordState.INCLUDED),
        (EXC, RecordState.EXCLUDED, RecordState.EXCLUDED),
        (MAY, RecordState.CONFLICT, RecordState.INCLUDED),
    ],
)
def test_single_screening(verdict: Verdict, under_conflict: RecordState, under_include: RecordState) -> None:
    assert record_state(votes(verdict), ConflictRules(reviewers_required=1)) is under_conflict
    rules = ConflictRules(maybe_policy="include", reviewers_required=1)
    assert record_state(votes(verdict), rules) is under_include


def test_awaiting_hides_an_early_disagreement() -> None:
    """With three required, two disagreeing votes still wait for the third (blinding)."""
    rules = ConflictRules(reviewers_required=3)
    assert record_state(votes(INC, EXC), rules) is RecordState.AWAITING
    assert record_state(votes(INC, EXC, INC), rules) is RecordState.CONFLICT
    assert record_state(votes(INC, INC, INC), rules) is RecordState.INCLUDED


@pytest.mark.parametrize(
    ("verdicts", "under_conflict", "under_include"),
    [
        ((INC, INC, INC), RecordState.INCLUDED, RecordState.INCLUDED),
        ((EXC, EXC, EXC), RecordState.EXCLUDED, RecordState.EXCLUDED),
        ((INC, INC, EXC), RecordState.CONFLICT, RecordState.CONFLICT),
        ((EXC, EXC, INC), RecordState.CONFLICT, RecordState.CONFLICT),
        ((INC, INC, MAY), RecordState.CONFLICT, RecordState.INCLUDED),
        ((EXC, EXC, MAY), RecordState.CONFLICT, RecordState.CONFLICT),
        ((MAY, MAY, MAY), RecordState.CONFLICT, RecordState.INCLUDED),
    ],
)
def test_three_reviewers_with_two_required(
    verdicts: tuple[Verdict, ...], under_conflict: RecordState, under_include: RecordState
) -> None:
    """Every vote counts beyond the required two: one dissenter makes a conflict."""
    assert record_state(votes(*verdicts), ConflictRules(reviewers_required=2)) is under_conflict
    rules = ConflictRules(maybe_policy="include", reviewers_required=2)
    assert record_state(votes(*verdicts), rules) is under_include


# --- exclusion reasons ---------------------------------------------------------------------

MATCH_REASONS = ConflictRules(reasons_must_match=True)


def test_different_reasons_conflict_only_when_they_must_match() -> None:
    different = [Vote("r1", EXC, ("wrong population",)), Vote("r2", EXC, ("wrong design",))]
    assert record_state(different, ConflictRules()) is RecordState.EXCLUDED
    assert final_verdict(different, ConflictRules()) is EXC
    assert record_state(different, MATCH_REASONS) is RecordState.CONFLICT
    assert final_verdict(different, MATCH_REASONS) is None


def test_same_reasons_in_any_order_agree() -> None:
    same = [
        Vote("r1", EXC, ("wrong population", "wrong design")),
        Vote("r2", EXC, ("wrong design", "wrong population")),
    ]
    assert record_state(same, MATCH_REASONS) is RecordState.EXCLUDED
    assert record_state(same, ConflictRules()) is RecordState.EXCLUDED


def test_missing_reason_differs_from_a_reason() -> None:
    mixed = [Vote("r1", EXC, ()), Vote("r2", EXC, ("wrong design",))]
    assert record_state(mixed, MATCH_REASONS) is RecordState.CONFLICT
    assert record_state(mixed, ConflictRules()) is RecordState.EXCLUDED
    assert record_state(votes(EXC, EXC), MATCH_REASONS) is RecordState.EXCLUDED  # both without


def test_reasons_on_inclusions_are_ignored() -> None:
    included = [Vote("r1", INC, ("note",)), Vote("r2", INC, ())]
    assert record_state(included, MATCH_REASONS) is RecordState.INCLUDED


def test_reasons_with_three_reviewers() -> None:
    rules = ConflictRules(reasons_must_match=True, reviewers_required=2)
    agree = [Vote(f"r{i}", EXC, ("wrong design",)) for i in range(3)]
    assert record_state(agree, rules) is RecordState.EXCLUDED
    one_off = [*agree[:2], Vote("r3", EXC, ("duplicate",))]
    assert record_state(one_off, rules) is RecordState.CONFLICT


# --- resolutions -----------------------------------------------------------------------------


@pytest.mark.parametrize("resolution", [INC, EXC])
@pytest.mark.parametrize(
    "record_votes",
    [
        [],
        votes(INC),
        votes(INC, EXC),
        votes(MAY, MAY),
        votes(INC, INC),
        votes(EXC, EXC),
        [Vote("r1", EXC, ("a",)), Vote("r2", EXC, ("b",))],
    ],
)
def test_resolution_overrides_votes(record_votes: list[Vote], resolution: Verdict) -> None:
    for rules in (CONFLICT_POLICY, INCLUDE_POLICY, MATCH_REASONS):
        assert record_state(record_votes, rules, resolution) is RecordState.RESOLVED
        assert final_verdict(record_votes, rules, resolution) is resolution


@pytest.mark.parametrize("resolution", [MAY, Verdict.RETRACTED])
def test_resolution_must_decide(resolution: Verdict) -> None:
    with pytest.raises(ValueError):
        record_state(votes(INC, EXC), ConflictRules(), resolution)


def test_state_values_are_the_documented_strings() -> None:
    assert [state.value for state in RecordState] == [
        "undecided",
        "awaiting",
        "conflict",
        "resolved",
        "included",
        "excluded",
        "not-retrieved",
    ]
    assert RecordState.CONFLICT == "conflict"


@given(
    st.lists(st.sampled_from([INC, EXC, MAY]), min_size=0, max_size=5),
    st.sampled_from(["conflict", "include"]),
    st.booleans(),
    st.integers(1, 4),
    st.randoms(use_true_random=False),
)
def test_order_of_votes_does_not_matter(
    verdicts: list[Verdict], policy: str, must_match: bool, required: int, rnd: object
) -> None:
    rules = ConflictRules(
        maybe_policy=policy,  # type: ignore[arg-type]
        reasons_must_match=must_match,
        reviewers_required=required,
    )
    record_votes = [
        Vote(f"r{i}", verdict, (f"reason {i % 2}",) if verdict is EXC else ())
        for i, verdict in enumerate(verdicts)
    ]
    shuffled = list(record_votes)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert record_state(record_votes, rules) is record_state(shuffled, rules)
    state = record_state(record_votes, rules)
    verdict = final_verdict(record_votes, rules)
    assert (verdict is not None) == (state in (RecordState.INCLUDED, RecordState.EXCLUDED))
