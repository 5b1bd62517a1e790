"""Where a record stands at one stage, given the reviewers' current votes.

The protocol configures the rules per stage with :class:`ConflictRules`;
:func:`record_state` applies them to a record's votes (and a resolution, if one was
recorded) and :func:`final_verdict` says which way, if any, the record moves on.

Callers pass each reviewer's *current* vote: the decision log is append-only and "undo"
appends a ``RETRACTED`` row, so the caller must drop reviewers whose latest row is
``RETRACTED`` before calling in. What happens to a ``RETRACTED`` vote passed in anyway is
unspecified.

Stdlib only: this module sits in ``screener.core`` and must not import the UI or the
database layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from screener.core.models import NamedStrEnum, Verdict

__all__ = ["ConflictRules", "MaybePolicy", "RecordState", "Vote", "final_verdict", "record_state"]

MaybePolicy = Literal["conflict", "include"]


class RecordState(NamedStrEnum):
    """A record's screening state at one stage. The value is what reports and the UI show."""

    UNDECIDED = "undecided"  # nobody has voted
    AWAITING = "awaiting"  # some, but fewer than the required number of reviewers voted
    CONFLICT = "conflict"  # the reviewers must talk (or a third person decides)
    RESOLVED = "resolved"  # a resolution was recorded; it decides the record
    INCLUDED = "included"  # the reviewers agree to include
    EXCLUDED = "excluded"  # the reviewers agree to exclude
    # Full text only, set by the store (never by :func:`record_state`): the report could not
    # be obtained, so it leaves the queue and counts as "reports not retrieved", whatever votes it had.
    NOT_RETRIEVED = "not-retrieved"


@dataclass(frozen=True)
class ConflictRules:
    """How a stage's protocol turns votes into agreement or conflict.

    Attributes:
        maybe_policy: ``"conflict"`` (default): any "maybe" vote makes a conflict, even
            when every reviewer said maybe — "maybe" means the reviewers must talk.
            ``"include"``: "maybe" counts as "include" (typical at title/abstract, where
            "maybe" means "let the full text decide").
        reasons_must_match: when every reviewer excludes, also require the same set of
            exclusion reasons (order ignored); otherwise it is a conflict. Default
            ``False``, which is what title/abstract screening uses; a protocol may switch
            it on for full text, where the reason is reported in the PRISMA diagram.
        reviewers_required: how many distinct reviewers must vote before the record can
            be decided (1 for single screening, 2 for dual, more if the protocol says so).
    """

    maybe_policy: MaybePolicy = "conflict"
    reasons_must_match: bool = False
    reviewers_required: int = 2

    def __post_init__(self) -> None:
        if self.maybe_policy not in ("conflict", "include"):
            raise ValueError(f"maybe_policy must be 'conflict' or 'include', not {self.maybe_policy!r}")
        # bool is an int subclass; reviewers_required=True is a configuration mistake.
        if (
            not isinstance(self.reviewers_required, int)
            or isinstance(self.reviewers_required, bool)
            or self.reviewers_required < 1
        ):
            raise ValueError(f"reviewers_required must be an integer ≥ 1, not {self.reviewers_required!r}")


@dataclass(frozen=True)
class Vote:
    """One reviewer's current decision on a record at a stage, with exclusion reasons."""

    reviewer: str
    verdict: Verdict
    reasons: tuple[str, ...] = ()


def _current_votes(votes: Sequence[Vote]) -> list[Vote]:
    """Keep one vote per reviewer: the last one, since votes arrive in log order."""
    latest: dict[str, Vote] = {}
    for vote in votes:
        latest[vote.reviewer] = vote
    return list(latest.values())


def record_state(
    votes: Sequence[Vote], rules: ConflictRules, resolution: Verdict | None = None
) -> RecordState:
    """Classify a record at one stage from its current votes, the rules and any resolution.

    In order of precedence:

    1. a ``resolution`` (INCLUDE or EXCLUDE) exists → ``RESOLVED``: it wins over the votes;
    2. no votes → ``UNDECIDED``;
    3. fewer distinct reviewers than ``rules.reviewers_required`` → ``AWAITING``, even if
       the votes so far already disagree, so screening stays blind until everyone
       required has voted;
    4. any "maybe" under ``maybe_policy="conflict"`` → ``CONFLICT``, including a
       unanimous "maybe": maybe means the reviewers must talk;
    5. all include (with ``maybe_policy="include"``, maybe counts as include) →
       ``INCLUDED``;
    6. all exclude → ``EXCLUDED``, unless ``rules.reasons_must_match`` and the reviewers'
       sets of reasons differ (an exclusion without reasons differs from one with) →
       ``CONFLICT``;
    7. otherwise (include against exclude) → ``CONFLICT``.

    Every vote counts, also beyond the required number: with three reviewers and
    ``reviewers_required=2``, one dissenter makes a conflict. If a reviewer appears more
    than once, their last vote counts. ``RETRACTED`` votes must be filtered out by the
    caller (see the module docstring).

    Raises ``ValueError`` if ``resolution`` is not INCLUDE or EXCLUDE: a resolution has to
    move the record on.
    """
    if resolution is not None:
        if resolution not in (Verdict.INCLUDE, Verdict.EXCLUDE):
            raise ValueError(f"a resolution must be include or exclude, not {resolution!r}")
        return RecordState.RESOLVED

    current = _current_votes(votes)
    if not current:
        return RecordState.UNDECIDED
    if len(current) < rules.reviewers_required:
        return RecordState.AWAITING

    verdicts = {vote.verdict for vote in current}
    if Verdict.MAYBE in verdicts:
        if rules.maybe_policy == "conflict":
            return RecordState.CONFLICT
        verdicts = (verdicts - {Verdict.MAYBE}) | {Verdict.INCLUDE}

    if verdicts == {Verdict.INCLUDE}:
        return RecordState.INCLUDED
    if verdicts == {Verdict.EXCLUDE}:
        # Reasons are compared as sets: their order is how the reviewer ticked them.
        if rules.reasons_must_match and len({frozenset(vote.reasons) for vote in current}) > 1:
            return RecordState.CONFLICT
        return RecordState.EXCLUDED
    return RecordState.CONFLICT


def final_verdict(
    votes: Sequence[Vote], rules: ConflictRules, resolution: Verdict | None = None
) -> Verdict | None:
    """Return the verdict that moves the record on (INCLUDE or EXCLUDE), or ``None``.

    ``None`` means the record is undecided, awaiting reviewers or in conflict. A
    resolution wins; agreed votes give INCLUDE or EXCLUDE (with ``maybe_policy="include"``
    an all-maybe or maybe/include record gives INCLUDE). Same arguments and rules as
    :func:`record_state`.
    """
    state = record_state(votes, rules, resolution)
    if state is RecordState.RESOLVED:
        return resolution
    if state is RecordState.INCLUDED:
        return Verdict.INCLUDE
    if state is RecordState.EXCLUDED:
        return Verdict.EXCLUDE
    return None
