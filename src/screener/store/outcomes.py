"""The derived tables: each reviewer's current vote, and each record's outcome per stage.

``vote`` and ``outcome`` are derived from the append-only logs (decisions, resolutions,
retrievals) under the protocol's rules, in the transaction that appends to a log, so
reading "current" never scans the history. On PostgreSQL the server's triggers keep them
(migration 0011) and Python only recomputes outcomes when the rules change.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, insert, select
from sqlmodel import col

from screener.core.conflicts import RecordState, Vote
from screener.core.models import Decision, Resolution, Stage, Verdict
from screener.core.protocol import Protocol
from screener.core.screening import conflict_rules, outcome_of
from screener.store import server_mode
from screener.store import tables as t
from screener.store.base import from_row, reasons_of
from screener.store.pools import Pools, _statement


def _resolution(row: Row[Any]) -> Resolution:
    return from_row(Resolution, row, stage=Stage, verdict=Verdict, reasons=reasons_of)


def _decision(row: Row[Any]) -> Decision:
    return from_row(Decision, row, stage=Stage, verdict=Verdict, reasons=reasons_of)


class Outcomes(Pools):
    """Votes and outcomes: rebuilt from the logs, and the current decisions they hold."""

    @_statement
    def _resolution_query(self, stage: Stage) -> Select[Any]:
        """The resolution in effect per record at a stage: the latest, unless a reopening set it aside."""
        latest = (
            select(func.max(col(t.Resolution.id)))
            .where(col(t.Resolution.stage) == Stage(stage).value)
            .group_by(col(t.Resolution.record_id))
        )
        aside = select(col(t.Reopening.resolution_id)).where(col(t.Reopening.resolution_id).is_not(None))
        return select(t.Resolution).where(
            col(t.Resolution.id).in_(latest), col(t.Resolution.id).not_in(aside)
        )

    def _rebuild_votes(self, conn: Connection, stage: Stage) -> None:
        """Recompute a stage's current votes from the decision history."""
        conn.execute(delete(t.Vote).where(col(t.Vote.stage) == stage.value))
        latest = (
            select(func.max(t.Decision.id))
            .where(col(t.Decision.stage) == stage.value)
            .group_by(col(t.Decision.record_id), col(t.Decision.reviewer))
        )
        current = select(
            col(t.Decision.record_id),
            col(t.Decision.stage),
            col(t.Decision.reviewer),
            col(t.Decision.id),
            col(t.Decision.verdict),
            col(t.Decision.reasons),
        ).where(col(t.Decision.id).in_(latest), col(t.Decision.verdict) != Verdict.RETRACTED.value)
        conn.execute(
            insert(t.Vote).from_select(
                ["record_id", "stage", "reviewer", "decision_id", "verdict", "reasons"], current
            )
        )

    def _refresh_outcomes(
        self, conn: Connection, protocol: Protocol, stage: Stage, record_ids: Sequence[int] | None
    ) -> None:
        """Recompute the outcome rows of some records (or all, with None) at a stage."""
        if self.server_derived:
            server_mode.refresh_outcomes(conn, Stage(stage), None if record_ids is None else list(record_ids))
            return
        stage_value = Stage(stage).value
        votes_q = select(
            col(t.Vote.record_id), col(t.Vote.reviewer), col(t.Vote.verdict), col(t.Vote.reasons)
        ).where(col(t.Vote.stage) == stage_value)
        res_q = self._resolution_query(Stage(stage))
        outcome_rows = delete(t.Outcome).where(col(t.Outcome.stage) == stage_value)
        not_retrieved: set[int] = set()
        if record_ids is not None:
            votes_q = votes_q.where(col(t.Vote.record_id).in_(list(record_ids)))
            res_q = res_q.where(col(t.Resolution.record_id).in_(list(record_ids)))
            outcome_rows = outcome_rows.where(col(t.Outcome.record_id).in_(list(record_ids)))
        if Stage(stage) is Stage.FULL_TEXT:
            # A full-text outcome counts only while the record is in the full-text pool's
            # reach (included at title/abstract, or found by other methods), so the PRISMA
            # counts can read the outcome table alone.
            included = select(col(t.Outcome.record_id)).where(
                col(t.Outcome.stage) == Stage.TITLE_ABSTRACT.value,
                col(t.Outcome.verdict) == Verdict.INCLUDE.value,
            )
            other = self._arm_query(other=True)
            if record_ids is not None:  # one decision must not scan the whole review
                included = included.where(col(t.Outcome.record_id).in_(list(record_ids)))
                other = other.where(col(t.Record.id).in_(list(record_ids)))
            reach = included.union(other)
            votes_q = votes_q.where(col(t.Vote.record_id).in_(reach))
            res_q = res_q.where(col(t.Resolution.record_id).in_(reach))
            nr_q = self._not_retrieved().where(col(t.Retrieval.record_id).in_(reach))
            not_retrieved = set(conn.execute(nr_q).scalars())
        votes: dict[int, list[Vote]] = {}
        # reasons retired with --map count as the reason they were mapped to
        mapped = protocol.reason_ids if protocol.aliases else tuple
        for rid, reviewer, verdict, reasons in conn.execute(votes_q):
            votes.setdefault(rid, []).append(Vote(reviewer, Verdict(verdict), mapped(json.loads(reasons))))
        resolutions = {
            r.record_id: replace(res, reasons=mapped(res.reasons))
            for r in conn.execute(res_q)
            for res in (_resolution(r),)
        }
        rules = conflict_rules(protocol, Stage(stage))
        order = [c.id for c in protocol.exclusion]
        rows = []
        for rid in set(votes) | set(resolutions) | not_retrieved:
            if rid in not_retrieved:  # an outcome of the full-text stage, whatever the votes say
                rows.append(
                    dict(
                        record_id=rid,
                        stage=stage_value,
                        state=RecordState.NOT_RETRIEVED.value,
                        verdict=None,
                        reason=None,
                    )
                )
                continue
            state, final, reason = outcome_of(votes.get(rid, []), resolutions.get(rid), rules, order)
            rows.append(
                dict(
                    record_id=rid,
                    stage=stage_value,
                    state=state.value,
                    verdict=final.value if final else None,
                    reason=reason,
                )
            )
        conn.execute(outcome_rows)
        for i in range(0, len(rows), 5000):
            conn.execute(insert(t.Outcome), rows[i : i + 5000])

    def rebuild_outcomes(self) -> None:
        """Recompute every stage's outcomes (after a protocol change or a schema upgrade)."""
        protocol = self.protocol()

        def work(conn: Connection) -> None:
            server_mode.sync_rules(conn, protocol)
            for stage in Stage:
                self._refresh_outcomes(conn, protocol, stage, None)

        self._write(work)

    def current_decisions(self, stage: Stage, reviewer: str | None = None) -> dict[tuple[int, str], Decision]:
        """Each reviewer's latest decision per record at a stage, retractions dropped (raw: not for display;
        :meth:`visible_decisions` and :meth:`all_decisions` apply blinding)."""
        query = (
            select(t.Decision)
            .join(t.Vote, col(t.Vote.decision_id) == col(t.Decision.id))
            .where(col(t.Vote.stage) == Stage(stage).value)
        )
        if reviewer is not None:
            query = query.where(col(t.Vote.reviewer) == reviewer)
        with self._read() as conn:
            return {(d.record_id, d.reviewer): d for d in map(_decision, conn.execute(query))}

    def decided_ids(self, stage: Stage, reviewer: str) -> set[int]:
        """Records a reviewer has a current decision on at a stage (cheap: ids only)."""
        query = select(col(t.Vote.record_id)).where(
            col(t.Vote.stage) == Stage(stage).value, col(t.Vote.reviewer) == reviewer
        )
        with self._read() as conn:
            return set(conn.execute(query).scalars())
