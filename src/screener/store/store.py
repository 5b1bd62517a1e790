"""The review store: :class:`Store`, composed of one class per concern, and :func:`open_store`.

Every method opens a short-lived connection or transaction and returns plain domain
objects from ``screener.core.models``; nothing handed out is attached to a session.
Writes run in ``BEGIN IMMEDIATE`` transactions on SQLite and are retried when another
process holds the lock beyond the busy timeout (:class:`screener.store.base.StoreBase`).
"""

from __future__ import annotations

from pathlib import Path

from screener.store import engine as engines
from screener.store.decisions import DecisionQueries
from screener.store.dedup import DedupQueries
from screener.store.prisma import FlowQueries
from screener.store.records import RecordListQueries
from screener.store.reviewers import ReviewerQueries


class Store(
    ReviewerQueries,  # on ProtocolQueries, on Outcomes
    DecisionQueries,  # on ScreeningQueries, on BlindingRule and Outcomes, on Pools
    FlowQueries,  # on RankingQueries, on BlindingRule
    RecordListQueries,  # on BlindingRule
    DedupQueries,  # on SourceQueries
):
    """A review database. Create with :func:`open_store`.

    One class per concern, each inheriting :class:`~screener.store.base.StoreBase` or the
    concern it builds on (reviewers on the protocol, decisions on blinding and outcomes).
    """


def open_store(target: str | Path, *, create: bool = False) -> Store:
    """Open (or with ``create``, create) the review database at a path or SQLAlchemy URL.

    An older schema is upgraded (an SQLite file is first backed up next to itself); a
    newer one is refused with :class:`StoreError`.
    """
    url = engines.database_url(target)
    path = engines.sqlite_path(url)
    if path is not None and not create and not path.exists():
        raise engines.StoreError(f"no review at {path}: create one with 'screener init' (or pass --db)")
    if path is not None and create:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = engines.make_engine(url)
    try:
        backup, upgraded = engines.prepare(engine, create=create)
    except BaseException:
        engine.dispose()
        raise
    store = Store(engine, url)
    store.backup_path = backup
    if upgraded:
        store.rebuild_outcomes()  # derived from the protocol's rules, which only Python knows
    return store
