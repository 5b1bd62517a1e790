"""The stage pools: which records each stage screens, as SQL statements every concern builds on.

Title/abstract screens the records of database and register searches; full text the
records included at title/abstract plus those found by other methods; neither a record
removed as a duplicate. The statements are built once per store (:func:`_statement`) and
are the subqueries of blinding, outcomes, screening, PRISMA and ranking reads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Select, func, select
from sqlmodel import col

from screener.core.models import Stage, Verdict
from screener.store import tables as t
from screener.store.base import StoreBase

T = TypeVar("T")
S = TypeVar("S")
P = ParamSpec("P")
DATABASE_KINDS = ("database", "register")
OTHER_KINDS = ("website", "organisation", "citation")


def _statement(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[S, P], T]:
    """Build a SQL statement once per store and arguments: it depends on them, not on the data.

    Statements are immutable (``.where`` returns a new one), so sharing them is safe; the
    pools are nested selects that cost more to build in Python than to run on a small review.
    """

    @functools.wraps(method)
    def cached(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        cache: dict[tuple[object, ...], T] = self.__dict__.setdefault("_statements", {})
        key = (method.__name__, args, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = method(self, *args, **kwargs)
        return cache[key]

    return cached


def active_cluster_members() -> Select[int, int, str, int]:
    """(cluster id, primary, status, member) of every member of an active cluster.

    The one definition of an active cluster's membership, for the store's modules.
    """
    return (
        select(
            col(t.DupCluster.id),
            col(t.DupCluster.primary_record_id),
            col(t.DupCluster.status),
            col(t.DupMember.record_id),
        )
        .join(t.DupMember, col(t.DupMember.cluster_id) == col(t.DupCluster.id))
        .where(col(t.DupCluster.undone_at).is_(None))
    )


class Pools(StoreBase):
    """The records each stage screens, the PRISMA arms, and the records removed as duplicates."""

    @_statement
    def _not_retrieved(self) -> Select[Any]:
        """Ids of the reports whose latest retrieval state is not retrieved."""
        latest = select(func.max(col(t.Retrieval.id))).group_by(col(t.Retrieval.record_id))
        return select(col(t.Retrieval.record_id)).where(
            col(t.Retrieval.id).in_(latest), col(t.Retrieval.status) == "not-retrieved"
        )

    @_statement
    def _removed_query(self) -> Select[Any]:
        return (
            select(col(t.DupMember.record_id))
            .join(t.DupCluster, col(t.DupCluster.id) == col(t.DupMember.cluster_id))
            .where(col(t.DupCluster.undone_at).is_(None))
            .where(col(t.DupMember.record_id) != col(t.DupCluster.primary_record_id))
        )

    def removed_as_duplicates(self) -> set[int]:
        """Ids of records that are non-primary members of active duplicate clusters."""
        with self._read() as conn:
            return set(conn.execute(self._removed_query()).scalars())

    def duplicates_removed(self) -> int:
        """Records that are non-primary members of an active duplicate cluster."""
        query = (
            select(func.count())
            .select_from(t.DupMember)
            .join(t.DupCluster, col(t.DupCluster.id) == col(t.DupMember.cluster_id))
            .where(col(t.DupCluster.undone_at).is_(None))
            .where(col(t.DupMember.record_id) != col(t.DupCluster.primary_record_id))
        )
        with self._read() as conn:
            count: int = conn.execute(query).scalar_one()
            return count

    @_statement
    def _arm_query(self, *, other: bool) -> Select[Any]:
        kinds = OTHER_KINDS if other else DATABASE_KINDS
        return (
            select(col(t.Record.id))
            .join(t.Source, col(t.Source.id) == col(t.Record.source_id))
            .where(col(t.Source.kind).in_(kinds), t.in_review())
        )  # archived: out of the review

    def arm_records(self, *, other: bool) -> list[int]:
        """Ids of the records of one PRISMA arm: databases and registers, or other methods."""
        with self._read() as conn:
            return list(conn.execute(self._arm_query(other=other).order_by(col(t.Record.id))).scalars())

    @_statement
    def pool_query(self, stage: Stage) -> Select[Any]:
        """SQL for the ids of the records a stage screens.

        Title/abstract: every record from a database or register search that was not
        removed as a duplicate. Full text: the records whose title/abstract outcome is
        include (agreed, or resolved so), plus the records found by other methods
        (websites, organisations, citation searching), which PRISMA 2020 takes straight
        to retrieval; never a record removed as a duplicate.
        """
        removed = self._removed_query()
        if Stage(stage) is Stage.TITLE_ABSTRACT:
            return self._arm_query(other=False).where(col(t.Record.id).not_in(removed))
        included = select(col(t.Outcome.record_id)).where(
            col(t.Outcome.stage) == Stage.TITLE_ABSTRACT.value,
            col(t.Outcome.verdict) == Verdict.INCLUDE.value,
        )
        return (
            select(col(t.Record.id))
            .join(t.Source, col(t.Source.id) == col(t.Record.source_id))
            .where(col(t.Record.id).in_(included) | col(t.Source.kind).in_(OTHER_KINDS), t.in_review())
            .where(col(t.Record.id).not_in(removed))
        )

    @_statement
    def queue_query(self, stage: Stage) -> Select[Any]:
        """SQL for the ids of the records reviewers still screen at a stage: the pool, less
        the full-text reports marked not retrieved (an outcome of the stage, not a wait)."""
        pool = self.pool_query(stage)
        if Stage(stage) is Stage.FULL_TEXT:
            return pool.where(col(t.Record.id).not_in(self._not_retrieved()))
        return pool
