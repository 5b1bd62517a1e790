"""Screening as a viewer may see it: pools and states, conflicts, resolutions, retrieval, studies.

Every read of data derived from several reviewers' votes asks the blinding rule
(:mod:`screener.store.blinding`) first and raises :class:`Blinded` while its stage is blind.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, delete, func, insert, select
from sqlmodel import col

from screener.core.conflicts import RecordState
from screener.core.models import Decision, Resolution, Retrieval, Stage, Verdict
from screener.core.screening import StageState, order_queue
from screener.store import tables as t
from screener.store.base import from_row
from screener.store.blinding import BlindingRule
from screener.store.engine import StoreError
from screener.store.outcomes import Outcomes, _resolution

if TYPE_CHECKING:
    from screener.core.protocol import Protocol


#: Advisory lock key class of one record's derived rows (the same in migration 0011's triggers).
RECORD_LOCK_CLASS = 0x5C12


def _lock_record(conn: Connection, record_id: int) -> None:
    """Serialise writers of one record's derived rows (vote, outcome) on PostgreSQL.

    Two reviewers deciding the same record at once would otherwise both delete and
    re-insert its outcome row under READ COMMITTED, and one would fail on the primary
    key. SQLite needs nothing: BEGIN IMMEDIATE already admits one writer at a time.
    """
    if conn.dialect.name != "sqlite":
        # An advisory lock, not SELECT ... FOR UPDATE: a reviewer's role may not update records.
        # The server's triggers take the same lock (migration 0011) before they touch derived rows.
        conn.execute(select(func.pg_advisory_xact_lock(RECORD_LOCK_CLASS, record_id)))


@dataclass(frozen=True)
class Settled:
    """What changing a decision on a settled record would undo.

    E.g. "resolved: include, by NA and ZL on 2026-11-30".
    """

    text: str
    resolution_id: int | None = None


class ReopenNeeded(StoreError):
    """A decision change would reopen a settled record: ask the reviewer, then pass ``reopen=True``."""

    def __init__(self, message: str, settled: Settled) -> None:
        super().__init__(message)
        self.settled = settled


def _retrieval(row: Row[Any]) -> Retrieval:
    return from_row(Retrieval, row)


class ScreeningQueries(BlindingRule, Outcomes):
    """Stage pools and states as a viewer may see them, conflicts, resolutions, retrieval, studies."""

    # -- pools and states ------------------------------------------------------------

    def stage_pool(self, stage: Stage, protocol: Protocol | None = None) -> list[int]:
        """The records reviewers screen at a stage (not-retrieved reports left out), in queue order.

        Refused while an earlier stage is blind: the full-text pool is made of its outcomes.
        """
        protocol = protocol or self.protocol()
        self.blinding(protocol=protocol, upto=Stage(stage)).check_pool(stage)
        with self._read() as conn:
            ids = list(conn.execute(self.queue_query(stage)).scalars())
        return order_queue(ids, protocol)

    def pool_size(self, stage: Stage) -> int:
        """How many records a stage has (not-retrieved reports included); refused while its pool is hidden."""
        self.blinding(upto=Stage(stage)).check_pool(stage)
        with self._read() as conn:
            return conn.execute(
                select(func.count()).select_from(self.pool_query(stage).subquery())
            ).scalar_one()

    def not_retrieved_ids(self) -> list[int]:
        """Full-text reports (in the pool) whose latest retrieval state is not retrieved."""
        self.blinding(upto=Stage.FULL_TEXT).check_pool(Stage.FULL_TEXT)
        query = self.pool_query(Stage.FULL_TEXT).where(col(t.Record.id).in_(self._not_retrieved()))
        with self._read() as conn:
            return sorted(conn.execute(query).scalars())

    def stage_state(
        self, stage: Stage, protocol: Protocol | None = None, viewer: str | None = None
    ) -> StageState:
        """Every pooled record's state at a stage; refused while the stage is blind (states are outcomes)."""
        self.blinding(viewer, protocol, upto=Stage(stage)).check(stage)
        pool = self.pool_query(stage).subquery()
        query = select(pool.c.id, col(t.Outcome.state)).outerjoin(
            t.Outcome, (col(t.Outcome.record_id) == pool.c.id) & (col(t.Outcome.stage) == Stage(stage).value)
        )
        with self._read() as conn:
            states = {
                rid: RecordState(state) if state else RecordState.UNDECIDED
                for rid, state in conn.execute(query)
            }
        return StageState(Stage(stage), dict(sorted(states.items())))

    # -- blinding --------------------------------------------------------------------------

    def visible_decisions(self, stage: Stage, viewer: str) -> dict[tuple[int, str], Decision]:
        """The current decisions ``viewer`` may see: only their own while the stage is blind."""
        if self.is_blind(stage):
            return self.current_decisions(stage, reviewer=viewer)
        return self.current_decisions(stage)

    def all_decisions(self, stage: Stage, viewer: str | None = None) -> dict[tuple[int, str], Decision]:
        """Every reviewer's current decisions; refused while the stage is blind."""
        self.check_open(stage, viewer)
        return self.current_decisions(stage)

    def conflicts(self, stage: Stage, viewer: str | None = None) -> list[int]:
        """Records in conflict at a stage; refused while the stage is blind."""
        self.check_open(stage, viewer)
        query = (
            select(col(t.Outcome.record_id))
            .where(
                col(t.Outcome.stage) == Stage(stage).value,
                col(t.Outcome.state) == RecordState.CONFLICT.value,
                col(t.Outcome.record_id).in_(self.pool_query(stage)),
            )
            .order_by(col(t.Outcome.record_id))
        )
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def counted_reasons(self, stage: Stage, viewer: str | None = None) -> dict[int, str | None]:
        """record id -> the exclusion reason PRISMA counts, for the records excluded at a stage.

        Refused while the stage is blind.
        """
        self.check_open(stage, viewer)
        query = select(col(t.Outcome.record_id), col(t.Outcome.reason)).where(
            col(t.Outcome.stage) == Stage(stage).value, col(t.Outcome.verdict) == Verdict.EXCLUDE.value
        )
        with self._read() as conn:
            return dict(conn.execute(query).all())

    # -- resolutions (append-only) -------------------------------------------------------

    def settled_notices(
        self, stage: Stage, reviewer: str, record_ids: Sequence[int] | None = None
    ) -> dict[int, Settled]:
        """Records on which a change of ``reviewer``'s current decision would reopen a final outcome.

        Settled: a resolution is in effect, or the stage is unblinded and the votes agree.
        The text names what a change undoes ("resolved: include, by NA and ZL on 2026-11-30").
        """
        stage = Stage(stage)
        mine = select(col(t.Vote.record_id)).where(
            col(t.Vote.stage) == stage.value, col(t.Vote.reviewer) == reviewer
        )
        res_q = self._resolution_query(stage).where(col(t.Resolution.record_id).in_(mine))
        final = select(col(t.Outcome.record_id)).where(
            col(t.Outcome.stage) == stage.value,
            col(t.Outcome.verdict).is_not(None),
            col(t.Outcome.record_id).in_(mine),
        )
        if record_ids is not None:
            res_q = res_q.where(col(t.Resolution.record_id).in_(list(record_ids)))
            final = final.where(col(t.Outcome.record_id).in_(list(record_ids)))
        with self._read() as conn:
            resolutions = {r.record_id: _resolution(r) for r in conn.execute(res_q)}
            agreed = [rid for rid in conn.execute(final).scalars() if rid not in resolutions]
        if agreed and self.is_blind(stage):
            agreed = []
        wanted = sorted(set(resolutions) | set(agreed))
        if not wanted:
            return {}
        voters: dict[int, list[tuple[str, str, datetime]]] = {}
        query = (
            select(
                col(t.Vote.record_id), col(t.Vote.reviewer), col(t.Vote.verdict), col(t.Decision.created_at)
            )
            .join(t.Decision, col(t.Decision.id) == col(t.Vote.decision_id))
            .where(col(t.Vote.stage) == stage.value, col(t.Vote.record_id).in_(wanted))
            .order_by(col(t.Vote.reviewer))
        )
        with self._read() as conn:
            for rid, who, verdict, when in conn.execute(query):
                voters.setdefault(rid, []).append((who, verdict, when))
        out: dict[int, Settled] = {}
        for rid in wanted:
            votes = voters.get(rid, [])
            names = " and ".join(v[0] for v in votes)
            res = resolutions.get(rid)
            if res is not None:
                by = names if res.method == "consensus" and names else res.resolved_by
                day = res.created_at.date().isoformat() if res.created_at else "?"
                out[rid] = Settled(f"resolved: {res.verdict.value}, by {by} on {day}", res.id)
            else:
                day = max(v[2] for v in votes).date().isoformat() if votes else "?"
                verdict = "include" if any(v[1] != Verdict.EXCLUDE.value for v in votes) else "exclude"
                out[rid] = Settled(f"agreed: {verdict}, by {names} on {day} (stage unblinded)")
        return out

    def settled_notice(self, record_id: int, stage: Stage, reviewer: str) -> Settled | None:
        return self.settled_notices(stage, reviewer, [record_id]).get(record_id)

    def reopened(self, stage: Stage) -> list[int]:
        """Records reopened after a final outcome that have no final outcome again yet."""
        final = select(col(t.Outcome.record_id)).where(
            col(t.Outcome.stage) == Stage(stage).value, col(t.Outcome.verdict).is_not(None)
        )
        query = (
            select(col(t.Reopening.record_id))
            .where(
                col(t.Reopening.stage) == Stage(stage).value,
                col(t.Reopening.record_id).not_in(final),
                col(t.Reopening.record_id).in_(self.queue_query(stage)),
            )
            .distinct()
            .order_by(col(t.Reopening.record_id))
        )
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def record_resolution(
        self,
        record_id: int,
        stage: Stage,
        verdict: Verdict,
        resolved_by: str,
        method: str,
        reasons: Sequence[str] = (),
        note: str | None = None,
    ) -> Resolution:
        if Verdict(verdict) not in (Verdict.INCLUDE, Verdict.EXCLUDE):
            raise StoreError("a resolution is include or exclude")
        resolved_by = self.check_reviewer(resolved_by, "resolved by")
        self.check_acting_as(resolved_by)
        now = datetime.now(UTC)
        values = dict(
            record_id=record_id,
            stage=Stage(stage).value,
            verdict=Verdict(verdict).value,
            reasons=json.dumps(list(reasons)),
            note=note,
            resolved_by=resolved_by,
            method=method,
            created_at=now,
        )
        protocol = self.protocol()

        def work(conn: Connection) -> int:
            _lock_record(conn, record_id)
            if (
                Stage(stage) is Stage.FULL_TEXT
                and conn.execute(self._not_retrieved().where(col(t.Retrieval.record_id) == record_id)).first()
            ):
                raise StoreError(
                    f"record {record_id}: full text not retrieved: mark it retrieved before resolving"
                )
            new_id = conn.execute(
                insert(t.Resolution).values(**values).returning(col(t.Resolution.id))
            ).scalar_one()
            if not self.server_derived:  # else the server's trigger did it
                self._refresh_outcomes(conn, protocol, Stage(stage), [record_id])
                if Stage(stage) is Stage.TITLE_ABSTRACT:
                    self._refresh_outcomes(conn, protocol, Stage.FULL_TEXT, [record_id])
            return new_id

        rid = self._write(work)
        return Resolution(
            rid,
            record_id,
            Stage(stage),
            Verdict(verdict),
            resolved_by,
            method,
            tuple(reasons),
            note,
            now,
        )

    def resolutions(self, stage: Stage, viewer: str | None = None) -> dict[int, Resolution]:
        """The resolution in effect per record at a stage (the latest, unless a reopening set it aside).

        Refused while the stage is blind (a stage unblinded once is blind again when new records come).
        """
        self.check_open(stage, viewer)
        with self._read() as conn:
            rows = conn.execute(self._resolution_query(stage))
            return {r.record_id: _resolution(r) for r in rows}

    def resolved_conflicts(self, stage: Stage, viewer: str | None = None) -> list[int]:
        """Records with a resolution in effect at a stage, in the pool; refused while blind."""
        self.check_open(stage, viewer)
        query = (
            self._resolution_query(Stage(stage))
            .with_only_columns(col(t.Resolution.record_id))
            .where(col(t.Resolution.record_id).in_(self.pool_query(stage)))
            .order_by(col(t.Resolution.record_id))
        )
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def resolution_log(self, stage: Stage | None = None, viewer: str | None = None) -> list[Resolution]:
        """Every resolution ever recorded, oldest first; refused while a stage it covers is blind."""
        query = select(t.Resolution).order_by(col(t.Resolution.id))
        if stage is not None:
            query = query.where(col(t.Resolution.stage) == Stage(stage).value)
        with self._read() as conn:
            log = [_resolution(r) for r in conn.execute(query)]
        blinding = self.blinding(viewer)
        for s in sorted({r.stage for r in log}):
            blinding.check(s)
        return log

    # -- full-text retrieval and studies ---------------------------------------------------

    def set_retrieval(
        self,
        record_id: int,
        status: str,
        *,
        reason: str | None = None,
        location: str | None = None,
        by: str | None = None,
    ) -> Retrieval:
        """Append a retrieval state: retrieved (with a PDF path or URL) or not-retrieved (with a reason)."""
        if status not in ("retrieved", "not-retrieved"):
            raise StoreError("retrieval status is 'retrieved' or 'not-retrieved'")
        if by is not None:
            by = self.check_reviewer(by, "by")
        now = datetime.now(UTC)
        values = dict(
            record_id=record_id, status=status, reason=reason, location=location, by=by, created_at=now
        )
        protocol = self.protocol()

        def work(conn: Connection) -> int:
            _lock_record(conn, record_id)
            new_id = conn.execute(
                insert(t.Retrieval).values(**values).returning(col(t.Retrieval.id))
            ).scalar_one()
            if not self.server_derived:  # else the server's trigger did it
                self._refresh_outcomes(
                    conn, protocol, Stage.FULL_TEXT, [record_id]
                )  # not retrieved is an outcome
            return new_id

        return Retrieval(self._write(work), record_id, status, reason, location, by, now)

    def retrievals(self) -> dict[int, Retrieval]:
        latest = select(func.max(col(t.Retrieval.id))).group_by(col(t.Retrieval.record_id))
        with self._read() as conn:
            return {
                r.record_id: _retrieval(r)
                for r in conn.execute(select(t.Retrieval).where(col(t.Retrieval.id).in_(latest)))
            }

    def link_reports(self, record_ids: Sequence[int], label: str) -> int:
        """Group reports (several papers of one trial) into one study; returns the study id."""

        def work(conn: Connection) -> int:
            existing = (
                conn.execute(
                    select(col(t.StudyReport.study_id)).where(
                        col(t.StudyReport.record_id).in_(list(record_ids))
                    )
                )
                .scalars()
                .first()
            )
            sid = (
                existing
                or conn.execute(insert(t.Study).values(label=label).returning(col(t.Study.id))).scalar_one()
            )
            for rid in record_ids:
                conn.execute(delete(t.StudyReport).where(col(t.StudyReport.record_id) == rid))
                conn.execute(insert(t.StudyReport).values(record_id=rid, study_id=sid))
            return sid

        return self._write(work)

    def studies(self) -> dict[int, int]:
        """record id -> study id, for reports linked to a study."""
        with self._read() as conn:
            return dict(conn.execute(select(col(t.StudyReport.record_id), col(t.StudyReport.study_id))).all())
