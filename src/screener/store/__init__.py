"""Persistence: the only package that imports SQLModel/SQLAlchemy.

This module is the store's only public face: the CLI, the TUI and the workflows import from
``screener.store`` and never from its modules (an import-linter contract checks it).
:class:`Store` is composed of one class per concern (see :mod:`screener.store.store`).
"""

from screener.store.blinding import Blind, Blinded, Blinding, Progress
from screener.store.dedup import NewCluster, StoredCluster, StoredPair
from screener.store.engine import StoreError, database_url, move_review_aside, remove_sqlite, sqlite_path
from screener.store.importing import AlreadyImported
from screener.store.protocol import ProtocolChangeEntry
from screener.store.ranking import Labels, RankingRun
from screener.store.records import SORTS, ListFilter, ListRow
from screener.store.reviewers import ReviewerInfo
from screener.store.screening import ReopenNeeded, Settled
from screener.store.sources import Removal, SourceInfo, SourceInput
from screener.store.store import Store, open_store

__all__ = [
    "SORTS",
    "AlreadyImported",
    "Blind",
    "Blinded",
    "Blinding",
    "Labels",
    "ListFilter",
    "ListRow",
    "NewCluster",
    "ProtocolChangeEntry",
    "Progress",
    "RankingRun",
    "Removal",
    "ReopenNeeded",
    "ReviewerInfo",
    "Settled",
    "SourceInfo",
    "SourceInput",
    "Store",
    "StoreError",
    "StoredCluster",
    "StoredPair",
    "database_url",
    "move_review_aside",
    "open_store",
    "remove_sqlite",
    "sqlite_path",
]
