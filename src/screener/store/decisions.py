"""The decision log (append-only) and reviewers' notes.

A decision is appended, never changed: a change of mind is a new row, a retraction too.
Appending one updates the derived vote and outcome rows in the same transaction
(:mod:`screener.store.outcomes`). Notes are a log of their own, independent of decisions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from screener.core.models import Decision, Stage, Verdict
from screener.store import tables as t
from screener.store.engine import StoreError
from screener.store.outcomes import _decision
from screener.store.screening import ReopenNeeded, ScreeningQueries, Settled, _lock_record


def _now() -> datetime:
    return datetime.now(UTC)


class DecisionQueries(ScreeningQueries):
    """Appending decisions and notes, and reading the logs as a viewer may."""

    # -- notes (append-only, independent of decisions) ------------------------------------

    def record_note(self, record_id: int, stage: Stage, reviewer: str, text: str) -> None:
        """Store a reviewer's note on a record now; an empty text clears it (the history stays)."""
        reviewer = self.check_reviewer(reviewer)
        self.check_acting_as(reviewer)
        values = dict(
            record_id=record_id, stage=Stage(stage).value, reviewer=reviewer, text=text, created_at=_now()
        )
        try:
            self._write(lambda conn: conn.execute(insert(t.Note).values(**values)))
        except IntegrityError:
            raise StoreError(f"no record {record_id} in this review") from None

    def notes(
        self, stage: Stage, reviewer: str | None = None, viewer: str | None = None
    ) -> dict[tuple[int, str], str]:
        """(record id, reviewer) -> latest non-empty note at a stage.

        A reviewer's own notes, or everyone's (refused while the stage is blind).
        """
        query = (
            select(col(t.Note.record_id), col(t.Note.reviewer), col(t.Note.text))
            .where(col(t.Note.stage) == Stage(stage).value)
            .order_by(col(t.Note.id))
        )
        if reviewer is not None:
            query = query.where(col(t.Note.reviewer) == reviewer)
        else:
            self.check_open(stage, viewer)
        out: dict[tuple[int, str], str] = {}
        with self._read() as conn:
            for rid, who, text in conn.execute(query):
                out[(rid, who)] = text
        return {k: v for k, v in out.items() if v}

    # -- decisions (append-only) ---------------------------------------------------------

    def record_decision(
        self,
        record_id: int,
        stage: Stage,
        reviewer: str,
        verdict: Verdict,
        reasons: Sequence[str] = (),
        note: str | None = None,
        *,
        reopen: bool = False,
    ) -> Decision:
        """Append a decision; it is committed when this returns.

        A change to a decision whose outcome was final (conflict resolved, or stage
        unblinded) is refused with :class:`ReopenNeeded` naming what it would undo, unless
        ``reopen``; then it is recorded as a reopening. At full text, a report marked not
        retrieved cannot be included, excluded or marked maybe.
        """
        self.check_acting_as(reviewer)
        created_at = _now()
        protocol = self.protocol()
        if reviewer not in protocol.reviewer_initials and self.removed_reviewer(reviewer):
            self.check_reviewer(reviewer)  # says they were removed
        # Only a change of an existing vote can reopen anything: the first decision costs one read.
        settled = (
            self.settled_notice(record_id, Stage(stage), reviewer)
            if self._changes_vote(record_id, Stage(stage), reviewer, verdict, reasons)
            else None
        )
        if settled is not None and not reopen:
            raise ReopenNeeded(
                f"record {record_id} is settled ({settled.text}): changing your decision reopens it", settled
            )
        decision = Decision(
            0, record_id, Stage(stage), reviewer, Verdict(verdict), tuple(reasons), note, created_at
        )

        def work(conn: Connection) -> int:
            _lock_record(conn, record_id)
            if Stage(stage) is Stage.FULL_TEXT and verdict is not Verdict.RETRACTED:
                self._check_retrieved(conn, record_id)
            did = self._append_decision(conn, decision, settled if reopen else None)
            if self.server_derived:  # the server's triggers keep the vote and the outcomes
                return did
            self._replace_vote(conn, decision, did, retracted=verdict is Verdict.RETRACTED)
            self._refresh_outcomes(conn, protocol, Stage(stage), [record_id])
            if Stage(stage) is Stage.TITLE_ABSTRACT:
                self._refresh_outcomes(conn, protocol, Stage.FULL_TEXT, [record_id])
            return did

        try:
            did = self._write(work)
        except IntegrityError as exc:
            if "foreign key" in str(exc.orig).lower():
                raise StoreError(
                    f"no record {record_id} or no reviewer '{reviewer}' in this review"
                ) from None
            raise StoreError(f"could not save the decision on record {record_id}: {exc.orig}") from None
        return Decision(
            did, record_id, Stage(stage), reviewer, Verdict(verdict), tuple(reasons), note, created_at
        )

    @staticmethod
    def _check_retrieved(conn: Connection, record_id: int) -> None:
        """Refuse a full-text decision on a report whose latest retrieval state is not retrieved."""
        status, reason = conn.execute(
            select(col(t.Retrieval.status), col(t.Retrieval.reason))
            .where(col(t.Retrieval.record_id) == record_id)
            .order_by(col(t.Retrieval.id).desc())
            .limit(1)
        ).first() or (None, None)
        if status == "not-retrieved":
            raise StoreError(
                f"record {record_id}: full text not retrieved ({reason or 'no reason'}): "
                "mark it retrieved before deciding"
            )

    @staticmethod
    def _append_decision(conn: Connection, d: Decision, reopening: Settled | None) -> int:
        """Append the decision row (with its note, and the reopening it makes); its id."""
        did: int = conn.execute(
            insert(t.Decision)
            .values(
                record_id=d.record_id,
                stage=d.stage.value,
                reviewer=d.reviewer,
                verdict=d.verdict.value,
                reasons=json.dumps(list(d.reasons)),
                note=d.note,
                created_at=d.created_at,
            )
            .returning(col(t.Decision.id))
        ).scalar_one()
        who = dict(record_id=d.record_id, stage=d.stage.value, reviewer=d.reviewer, created_at=d.created_at)
        if d.note:
            conn.execute(insert(t.Note).values(**who, text=d.note))
        if reopening is not None:
            conn.execute(
                insert(t.Reopening).values(
                    **who, decision_id=did, resolution_id=reopening.resolution_id, undoes=reopening.text
                )
            )
        return did

    @staticmethod
    def _replace_vote(conn: Connection, d: Decision, did: int, *, retracted: bool) -> None:
        """The reviewer's current vote on the record becomes this decision (none after a retraction)."""
        conn.execute(
            delete(t.Vote).where(
                (col(t.Vote.record_id) == d.record_id)
                & (col(t.Vote.stage) == d.stage.value)
                & (col(t.Vote.reviewer) == d.reviewer)
            )
        )
        if not retracted:
            conn.execute(
                insert(t.Vote).values(
                    record_id=d.record_id,
                    stage=d.stage.value,
                    reviewer=d.reviewer,
                    decision_id=did,
                    verdict=d.verdict.value,
                    reasons=json.dumps(list(d.reasons)),
                )
            )

    def _changes_vote(
        self, record_id: int, stage: Stage, reviewer: str, verdict: Verdict, reasons: Sequence[str]
    ) -> bool:
        """True if the reviewer has a current vote on the record and this decision differs from it."""
        with self._read() as conn:
            row = conn.execute(
                select(col(t.Vote.verdict), col(t.Vote.reasons)).where(
                    col(t.Vote.record_id) == record_id,
                    col(t.Vote.stage) == stage.value,
                    col(t.Vote.reviewer) == reviewer,
                )
            ).first()
        return row is not None and (row[0], json.loads(row[1])) != (Verdict(verdict).value, list(reasons))

    def record_decisions(
        self, decisions: Iterable[tuple[int, Stage, str, Verdict, Sequence[str], str | None]]
    ) -> int:
        """Append many decisions in one transaction (imports of earlier screening, benchmarks)."""
        now = _now()
        rows = [
            dict(
                record_id=rid,
                stage=Stage(stage).value,
                reviewer=reviewer,
                verdict=Verdict(verdict).value,
                reasons=json.dumps(list(reasons)),
                note=note,
                created_at=now,
            )
            for rid, stage, reviewer, verdict, reasons, note in decisions
        ]
        protocol = self.protocol()

        def work(conn: Connection) -> int:
            for i in range(0, len(rows), 5000):
                conn.execute(insert(t.Decision), rows[i : i + 5000])
            if self.server_derived:  # the server's triggers keep the votes and the outcomes
                return len(rows)
            for stage in sorted({str(r["stage"]) for r in rows}, reverse=True):  # title-abstract first
                self._rebuild_votes(conn, Stage(stage))
            for stage in Stage:
                self._refresh_outcomes(conn, protocol, stage, None)
            return len(rows)

        return self._write(work)

    # -- reading the log -------------------------------------------------------------------

    def decision_log(self, stage: Stage | None = None, reviewer: str | None = None) -> list[Decision]:
        """Every decision row, oldest first (the full history)."""
        query = select(t.Decision).order_by(col(t.Decision.id))
        if stage is not None:
            query = query.where(col(t.Decision.stage) == Stage(stage).value)
        if reviewer is not None:
            query = query.where(col(t.Decision.reviewer) == reviewer)
        with self._read() as conn:
            return [_decision(r) for r in conn.execute(query)]

    def visible_log(
        self, viewer: str | None, reviewer: str | None = None, stage: Stage | None = None
    ) -> list[Decision]:
        """The decision log as ``viewer`` may read it.

        Their own always; anyone else's (or everyone's) only for stages that are not blind
        (:class:`Blinded` otherwise).
        """
        log = self.decision_log(stage, reviewer)
        if reviewer is None or reviewer != viewer:
            blinding = self.blinding(viewer)
            for s in sorted({d.stage for d in log} | ({Stage(stage)} if stage is not None else set())):
                blinding.check(s)
        return log

    def decision_counts(self, *, queued_only: bool = False) -> dict[tuple[str, str], dict[str, int]]:
        """(stage, reviewer) -> verdict -> number of records, from current decisions.

        ``queued_only``: only records the stage still screens (not removed as duplicates,
        not reports marked not retrieved), so "decided" never exceeds the records to screen.
        """
        out: dict[tuple[str, str], dict[str, int]] = {}
        with self._read() as conn:
            for stage in Stage:
                query = (
                    select(col(t.Vote.reviewer), col(t.Vote.verdict), func.count())
                    .where(col(t.Vote.stage) == stage.value)
                    .group_by(col(t.Vote.reviewer), col(t.Vote.verdict))
                )
                if queued_only:
                    query = query.where(col(t.Vote.record_id).in_(self.queue_query(stage)))
                for reviewer, verdict, n in conn.execute(query):
                    out.setdefault((stage.value, reviewer), {})[verdict] = n
        return out
