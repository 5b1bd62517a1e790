"""Screening one stage as one reviewer: what the screen shows, and the relevance order.

The TUI's screening screen reads through these on worker threads; they take a ``Store``
and return dataclasses (no UI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from screener.core.models import Decision, Retrieval, Stage
from screener.core.protocol import Protocol
from screener.store import Blinded, Settled
from screener.workflows.ranking import RankerProcess

if TYPE_CHECKING:
    from screener.store import Store


@dataclass
class ScreeningState:
    """A reviewer's queue at a stage and their own decisions, notes and settled notices."""

    protocol: Protocol
    screened: list[int]
    """The stage's pool in screening order."""
    blind: str | None = None
    """Why the pool is empty (full text while title/abstract is blind), else None."""
    retrievals: dict[int, Retrieval] = field(default_factory=dict)
    studies: dict[int, int] = field(default_factory=dict)
    not_retrieved: set[int] = field(default_factory=set)
    mine: dict[int, Decision] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    settled: dict[int, Settled] = field(default_factory=dict)


def read_screening_state(store: Store, stage: Stage, reviewer: str) -> ScreeningState:
    """The queue and ``reviewer``'s state at ``stage``, read from the store (on any thread).

    Args:
        store: the review.
        stage: the stage screened.
        reviewer: whose decisions, notes and notices.

    Returns:
        The state; the protocol is read again (``protocol update`` in another process changes labels).
    """
    protocol = store.protocol()
    try:
        state = ScreeningState(protocol, store.stage_pool(stage, protocol))
    except Blinded as exc:  # full text while title/abstract is blind: its pool is made of outcomes
        state = ScreeningState(protocol, [], blind=str(exc))
    if stage is Stage.FULL_TEXT and state.blind is None:
        state.retrievals = store.retrievals()
        state.studies = store.studies()
        state.not_retrieved = set(store.not_retrieved_ids())
    state.mine = {rid: d for (rid, _), d in store.current_decisions(stage, reviewer).items()}
    state.notes = {rid: text for (rid, _), text in store.notes(stage, reviewer).items()}
    state.settled = store.settled_notices(stage, reviewer)
    return state


@dataclass
class RankedQueue:
    """One ranking run: the undecided records in relevance order (None in the random sample)."""

    order: np.ndarray | None
    scores: dict[int, float]
    guide: list[str]
    """The stopping guide's lines."""
    sampling: bool
    """The stopping test's random sample has begun: the order is no longer changed."""


class RelevanceOrder:
    """Ranks one reviewer's undecided records at one stage; the model runs in its own process."""

    def __init__(self, store: Store, stage: Stage, reviewer: str) -> None:
        self.store, self.stage, self.reviewer = store, stage, reviewer
        self._ranker: RankerProcess | None = None
        self.ids: list[int] = []
        """The queued ids, sorted, when ranking began (a refresh may have added records since)."""

    @property
    def built(self) -> bool:
        """The ranker's process is up (the first ranking has begun)."""
        return self._ranker is not None

    def rank(self, protocol: Protocol, queued: set[int], sampling: bool) -> RankedQueue:
        """Retrain on the decisions so far and order the rest; the run is logged in the store."""
        from screener.core import ranking

        store, stage, reviewer = self.store, self.stage, self.reviewer
        sampling = sampling or bool(store.ranking_runs(stage, reviewer, kind="random-sample"))
        order: np.ndarray | None = None
        scores: dict[int, float] = {}
        if not sampling:
            if self._ranker is None:
                self.ids = sorted(queued)
                self._ranker = RankerProcess(store.ranking_texts(self.ids), protocol.rules.seed)
            ids = np.asarray(self.ids, dtype=np.int64)
            position = {rid: n for n, rid in enumerate(self.ids)}
            labels = store.ranking_labels(stage, reviewer)
            mine = np.fromiter(store.decided_ids(stage, reviewer), dtype=np.int64)
            learn = {position[r]: v for r, v in labels.labels.items() if r in position}
            candidates = np.flatnonzero(~np.isin(ids, mine))
            include = [k for c in protocol.inclusion if c.applies_to(stage) for k in c.keywords]
            exclude = [k for c in protocol.exclusion if c.applies_to(stage) for k in c.keywords]
            result = self._ranker.rank(learn, candidates, include, exclude)
            order = ids[np.asarray(result.order, dtype=np.int64)]
            if protocol.rules.show_scores and result.scores is not None:
                scores = dict(zip(order.tolist(), np.asarray(result.scores).tolist(), strict=True))
            kind = "model" if result.model == ranking.MODEL_NAME else "cold-start"
            store.record_ranking_run(
                stage,
                reviewer,
                kind,
                result.model,
                result.n_train,
                result.n_include,
                len(candidates),
                labels.through,
                result.seed,
                result.seconds,
            )
        guide = store.stopping_guide(stage, reviewer, len(self.ids) or len(queued))
        return RankedQueue(order, scores, guide.lines(), sampling)

    def start_sample(self, protocol: Protocol, queued: int) -> None:
        """Log the start of the stopping test's random sample (after every decision before it is stored)."""
        history = self.store.screening_history(self.stage, self.reviewer)
        through = max((did for _, _, did in history), default=0)
        self.store.record_ranking_run(
            self.stage,
            self.reviewer,
            "random-sample",
            "seeded random order of the unscreened records (stopping test)",
            len(history),
            0,
            queued - len(history),
            through,
            protocol.rules.seed,
            0.0,
        )

    def close(self) -> None:
        if self._ranker is not None:
            self._ranker.close()
