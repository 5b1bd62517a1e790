"""Screening rules that do not depend on storage: queue order, stage states, blinding.

The store gathers the rows; these functions decide what they mean, so the CLI, the TUI
and the PRISMA counts all agree on which records are in conflict, decided or waiting.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from screener.core.conflicts import ConflictRules, RecordState, Vote, record_state
from screener.core.models import Decision, Resolution, Stage, Verdict
from screener.core.protocol import Protocol

# A ranking takes the pool's record ids (in import order) and returns them reordered.
# It is the seam for a relevance model: plug one in with ``order_queue(..., ranking=...)``.
Ranking = Callable[[Sequence[int]], list[int]]


def conflict_rules(protocol: Protocol, stage: Stage) -> ConflictRules:
    """The protocol's conflict rules for one stage."""
    rules = protocol.rules
    return ConflictRules(
        maybe_policy=rules.maybe,
        reasons_must_match=Stage(stage).value in rules.reasons_must_match,
        reviewers_required=rules.reviewers_per_record,
    )


def order_queue(ids: Sequence[int], protocol: Protocol, ranking: Ranking | None = None) -> list[int]:
    """The stable order in which a stage's records are screened.

    Import order by default; ``order = "random"`` shuffles reproducibly with the
    protocol's seed (the same for every reviewer, so "record 12" means the same thing to
    both); a ``ranking`` replaces either.
    """
    ordered = sorted(ids)
    if ranking is not None:
        return ranking(ordered)
    if protocol.rules.order == "random":
        random.Random(protocol.rules.seed).shuffle(ordered)
    return ordered


@dataclass(frozen=True)
class StageState:
    """Every record's state at one stage, and the totals the status screens show."""

    stage: Stage
    states: Mapping[int, RecordState]

    def ids(self, *wanted: RecordState) -> list[int]:
        return [rid for rid, s in self.states.items() if s in wanted]

    def count(self, *wanted: RecordState) -> int:
        return sum(1 for s in self.states.values() if s in wanted)


def votes_by_record(decisions: Iterable[Decision]) -> dict[int, list[Vote]]:
    """Current decisions grouped as votes per record (retractions already dropped by the store)."""
    out: dict[int, list[Vote]] = defaultdict(list)
    for d in decisions:
        out[d.record_id].append(Vote(d.reviewer, d.verdict, d.reasons))
    return out


def stage_state(
    stage: Stage,
    pool: Iterable[int],
    decisions: Iterable[Decision],
    resolutions: Mapping[int, Resolution],
    rules: ConflictRules,
) -> StageState:
    """Apply the conflict rules to every record in a stage's pool."""
    votes = votes_by_record(decisions)
    states = {}
    for rid in pool:
        res = resolutions.get(rid)
        states[rid] = record_state(votes.get(rid, []), rules, res.verdict if res else None)
    return StageState(Stage(stage), states)


def final_verdicts(state: StageState, resolutions: Mapping[int, Resolution]) -> dict[int, Verdict]:
    """Records whose fate at this stage is settled: include or exclude."""
    out: dict[int, Verdict] = {}
    for rid, s in state.states.items():
        if s is RecordState.RESOLVED:
            out[rid] = resolutions[rid].verdict
        elif s is RecordState.INCLUDED:
            out[rid] = Verdict.INCLUDE
        elif s is RecordState.EXCLUDED:
            out[rid] = Verdict.EXCLUDE
    return out


def everyone_finished(pool: Sequence[int], decisions: Iterable[Decision], reviewers: Sequence[str]) -> bool:
    """True when each reviewer has decided every record in the pool (blinding may lift)."""
    if not pool or not reviewers:
        return False
    done: dict[str, set[int]] = defaultdict(set)
    for d in decisions:
        done[d.reviewer].add(d.record_id)
    wanted = set(pool)
    return all(wanted <= done[r] for r in reviewers)


def counted_reason(reasons: Iterable[str], order: Sequence[str]) -> str | None:
    """The one exclusion reason PRISMA counts for a report: the first in protocol order.

    PRISMA 2020 counts reports per reason, so each excluded report carries exactly one.
    Unknown ids (a criterion since removed from the protocol) come after known ones.
    """
    rank = {cid: n for n, cid in enumerate(order)}
    ordered = sorted(set(reasons), key=lambda r: (rank.get(r, len(rank)), r))
    return ordered[0] if ordered else None


def outcome_of(
    votes: Sequence[Vote], resolution: Resolution | None, rules: ConflictRules, reason_order: Sequence[str]
) -> tuple[RecordState, Verdict | None, str | None]:
    """A record's state at a stage, its final verdict if settled, and the reason PRISMA counts."""
    state = record_state(votes, rules, resolution.verdict if resolution else None)
    if state is RecordState.RESOLVED:
        assert resolution is not None
        verdict = resolution.verdict
        reasons: Iterable[str] = resolution.reasons
    elif state is RecordState.INCLUDED:
        return state, Verdict.INCLUDE, None
    elif state is RecordState.EXCLUDED:
        verdict = Verdict.EXCLUDE
        reasons = [r for v in votes for r in v.reasons]
    else:
        return state, None, None
    return state, verdict, counted_reason(reasons, reason_order) if verdict is Verdict.EXCLUDE else None


def undo_steps(log: Sequence[Decision]) -> list[tuple[int, Decision | None]]:
    """A reviewer's undo stack rebuilt from their decision log at one stage (oldest first).

    Each step is (record id, the decision it replaced, or None). The log holds the undos
    too: a row that puts back exactly what the step on top replaced (a retraction where
    there was nothing) is that undo, and takes the step off; every other row adds one.
    So after a restart ``u`` goes on from where the reviewer was.
    """
    steps: list[tuple[int, Decision | None]] = []
    current: dict[int, Decision] = {}
    for d in log:
        rid = d.record_id
        if steps and steps[-1][0] == rid:
            before = steps[-1][1]
            if (before is None and d.verdict is Verdict.RETRACTED) or (
                before is not None and d.verdict is before.verdict and d.reasons == before.reasons
            ):
                steps.pop()
                _apply(current, d)
                continue
        steps.append((rid, current.get(rid)))
        _apply(current, d)
    return steps


def _apply(current: dict[int, Decision], d: Decision) -> None:
    if d.verdict is Verdict.RETRACTED:
        current.pop(d.record_id, None)
    else:
        current[d.record_id] = d
