"""Queries for relevance ranking: the texts ranked, what a ranking may learn from, the log of rankings.

Blinding is enforced here too: while a stage is blind, :meth:`RankingQueries.ranking_labels`
returns only the reviewer's own decisions, so another reviewer's votes can never shape
(and so leak through) the order a reviewer sees.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select
from sqlmodel import col

from screener.core.models import Stage, Verdict
from screener.core.ranking import record_text
from screener.core.stopping import Guide, stopping_guide
from screener.store import tables as t
from screener.store.blinding import BlindingRule

LEARNS_AS_INCLUDE = (Verdict.INCLUDE.value, Verdict.MAYBE.value)  # a maybe may be relevant: learn it as such


@dataclass(frozen=True)
class RankingRun:
    """One ranking a reviewer's queue was put in (see ``tables.RankingRun``)."""

    id: int
    created_at: datetime
    stage: Stage
    reviewer: str
    kind: str
    model: str
    n_train: int
    n_include: int
    candidates: int
    trained_through: int | None
    seed: int
    seconds: float


@dataclass(frozen=True)
class Labels:
    """What a reviewer's ranking learns from: record id -> relevant, and the latest decision id used."""

    labels: dict[int, bool]
    through: int | None
    own_only: bool


class RankingQueries(BlindingRule):
    """Relevance ranking: the texts ranked, what a ranking may learn (blinding), the run log, stopping."""

    def ranking_texts(self, ids: Sequence[int]) -> list[str]:
        """Title, abstract and keywords of each record, in the order of ``ids``."""
        query = select(col(t.Record.id), col(t.Record.title), col(t.Record.abstract), col(t.Record.keywords))
        texts: dict[int, str] = {}
        wanted = list(ids)
        with self._read() as conn:
            for start in range(0, len(wanted), 5000):
                rows = conn.execute(query.where(col(t.Record.id).in_(wanted[start : start + 5000])))
                for rid, title, abstract, keywords in rows:
                    texts[rid] = record_text(title, abstract, json.loads(keywords or "[]"))
        return [texts.get(i, "") for i in wanted]

    def ranking_labels(self, stage: Stage, reviewer: str) -> Labels:
        """The decisions a reviewer's ranking may learn from.

        While the stage is blind: the reviewer's own current decisions only (include and
        maybe count as relevant). Once unblinded: the same, overridden by each record's
        final outcome where there is one (agreed or resolved).
        """
        stage = Stage(stage)
        own = select(col(t.Vote.record_id), col(t.Vote.verdict), col(t.Vote.decision_id)).where(
            col(t.Vote.stage) == stage.value, col(t.Vote.reviewer) == reviewer
        )
        blind = self.is_blind(stage)
        with self._read() as conn:
            labels: dict[int, bool] = {}
            through: int | None = None
            for rid, verdict, did in conn.execute(own):
                labels[rid] = verdict in LEARNS_AS_INCLUDE
                through = did if through is None else max(through, did)
            if not blind:
                final = select(col(t.Outcome.record_id), col(t.Outcome.verdict)).where(
                    col(t.Outcome.stage) == stage.value, col(t.Outcome.verdict).is_not(None)
                )
                for rid, outcome in conn.execute(final):
                    labels[rid] = outcome == Verdict.INCLUDE.value
        return Labels(labels, through, blind)

    def screening_history(self, stage: Stage, reviewer: str) -> list[tuple[int, str, int]]:
        """A reviewer's current decisions at a stage in the order made: (record id, verdict, decision id)."""
        query = (
            select(col(t.Vote.record_id), col(t.Vote.verdict), col(t.Vote.decision_id))
            .where(col(t.Vote.stage) == Stage(stage).value, col(t.Vote.reviewer) == reviewer)
            .order_by(col(t.Vote.decision_id))
        )
        with self._read() as conn:
            return [(rid, verdict, did) for rid, verdict, did in conn.execute(query)]

    def record_ranking_run(
        self,
        stage: Stage,
        reviewer: str,
        kind: str,
        model: str,
        n_train: int,
        n_include: int,
        candidates: int,
        trained_through: int | None,
        seed: int,
        seconds: float,
    ) -> int:
        values = dict(
            created_at=datetime.now(UTC),
            stage=Stage(stage).value,
            reviewer=reviewer,
            kind=kind,
            model=model,
            n_train=n_train,
            n_include=n_include,
            candidates=candidates,
            trained_through=trained_through,
            seed=seed,
            seconds=seconds,
        )

        def work(conn: Connection) -> int:
            return conn.execute(
                insert(t.RankingRun).values(**values).returning(col(t.RankingRun.id))
            ).scalar_one()

        return self._write(work)

    def ranking_runs(
        self, stage: Stage | None = None, reviewer: str | None = None, kind: str | None = None
    ) -> list[RankingRun]:
        """The rankings used, oldest first."""
        query = select(t.RankingRun).order_by(col(t.RankingRun.id))
        if stage is not None:
            query = query.where(col(t.RankingRun.stage) == Stage(stage).value)
        if reviewer is not None:
            query = query.where(col(t.RankingRun.reviewer) == reviewer)
        if kind is not None:
            query = query.where(col(t.RankingRun.kind) == kind)
        with self._read() as conn:
            return [
                RankingRun(
                    r.id,
                    r.created_at,
                    Stage(r.stage),
                    r.reviewer,
                    r.kind,
                    r.model,
                    r.n_train,
                    r.n_include,
                    r.candidates,
                    r.trained_through,
                    r.seed,
                    r.seconds,
                )
                for r in conn.execute(query)
            ]

    def stopping_guide(self, stage: Stage, reviewer: str, pool: int | None = None) -> Guide:
        """The stopping guide for one reviewer: their decisions in order, and the random sample if begun.

        It tells how many includes the reviewer found: while the stage is blind, show it to
        that reviewer only.
        """
        from sqlalchemy import func

        if pool is None:
            with self._read() as conn:
                pool = conn.execute(
                    select(func.count()).select_from(self.pool_query(stage).subquery())
                ).scalar_one()
        history = self.screening_history(stage, reviewer)
        samples = self.ranking_runs(stage, reviewer, kind="random-sample")
        start = None
        if samples:
            through = samples[-1].trained_through or 0
            start = sum(1 for _, _, did in history if did <= through)
        return stopping_guide([v in LEARNS_AS_INCLUDE for _, v, _ in history], pool, start)

    def stopped_early(self, stage: Stage = Stage.TITLE_ABSTRACT) -> dict[str, Guide] | None:
        """Each reviewer's guide if the protocol allows stopping early and every reviewer met the test.

        None if it does not, or if a reviewer has not met it.
        """
        protocol = self.protocol()
        if not protocol.rules.stop_early or protocol.rules.order != "relevance":
            return None
        guides = {r: self.stopping_guide(stage, r) for r in self.screening_reviewers(protocol)}
        return guides if guides and all(g.reached for g in guides.values()) else None
