"""Storing one imported file: a source and its records, in one transaction, in the background.

An import hands records over in batches while it is still reading the file; a thread of
its own inserts them, so the database work (binding, B-tree inserts, writing the
write-ahead log) overlaps the parsing instead of following it. Everything happens in one
transaction: the source row and every record are committed together or not at all.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, update
from sqlalchemy.exc import DBAPIError

from screener.core.models import BibRecord
from screener.store import tables as t
from screener.store.schema import StoreError

RECORD_FIELDS = ("title", "year", "journal", "journal_abbrev", "volume", "issue", "start_page", "end_page",
                 "doi", "pmid", "pmcid", "issn", "abstract", "language", "publication_type", "url")
RECORD_COLUMNS = (
    "source_id", "position", "line", "source_record_id", "authors", "keywords", "raw", *RECORD_FIELDS,
)  # fmt: skip

#: Batches waiting for the writer; a full queue makes the reader wait (bounded memory).
_QUEUE_BATCHES = 4
#: Page cache of the writing connection (KiB, as a negative SQLite cache_size). Small, so
#: that the transaction's pages are written to the log as they are filled (in this
#: thread, while the file is still being read) rather than all at the commit.
_IMPORT_CACHE_KIB = 4096
_DEFAULT_CACHE_KIB = 65536


#: One encoder for every row: ``json.dumps`` with options builds a new encoder per call.
_to_json = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def record_values(source_id: int, bib: BibRecord) -> tuple[Any, ...]:
    """One record row, in ``RECORD_COLUMNS`` order (a tuple: imports build 100,000 of these)."""
    authors = _to_json([[a.family, a.given] for a in bib.authors]) if bib.authors else "[]"
    keywords = _to_json(bib.keywords) if bib.keywords else "[]"
    return (source_id, bib.position, bib.line, bib.source_id, authors, keywords, bib.raw,
            *[getattr(bib, name) for name in RECORD_FIELDS])


def bulk_insert(conn: Connection, table: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT many plain rows straight through the driver's executemany.

    SQLAlchemy's per-row parameter processing was half the cost of an import; these rows
    hold only strings, ints and None, which every driver takes as they are.
    """
    if not rows:
        return
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    if compiled.positional:
        index = {c: i for i, c in enumerate(columns)}
        order = [index[k] for k in (compiled.positiontup or [])]
        params: list[Any] = [tuple(r[i] for i in order) for r in rows] if order != list(range(len(columns))) \
            else rows
    else:
        params = [dict(zip(columns, r, strict=True)) for r in rows]
    conn.exec_driver_sql(str(compiled), params)


class _Commit:
    def __init__(self, name: str, platform: str | None):
        self.name = name
        self.platform = platform


_ABORT = object()


class SourceWriter:
    """One source being stored: :meth:`add` batches of records, then :meth:`commit`.

    Made by :meth:`screener.store.Store.import_source`, which aborts (rolls back) when
    the ``with`` block is left without a commit, e.g. on a parse error. A database error
    in the writer thread is raised as :class:`StoreError` by the next call.
    """

    def __init__(self, engine: Engine, location: str, values: dict[str, Any]):
        self._engine = engine
        self._location = location
        self._values = values
        self._queue: queue.Queue[object] = queue.Queue(maxsize=_QUEUE_BATCHES)
        self._error: BaseException | None = None
        self._source_id: int | None = None
        self._count = 0
        self._finished = False
        self._thread = threading.Thread(target=self._run, name="screener-import-writer", daemon=True)
        self._thread.start()

    # -- the reading side ----------------------------------------------------------------

    def add(self, records: Sequence[BibRecord]) -> None:
        """Queue records for storing (waits while the writer is behind)."""
        if records:
            self._count += len(records)
            self._put(records)

    def commit(self, name: str, platform: str | None) -> int:
        """Name the source, commit everything, and return the new source's id."""
        self._put(_Commit(name, platform))
        self._finished = True
        self._thread.join()
        self._raise()
        assert self._source_id is not None
        return self._source_id

    def abort(self) -> None:
        """Roll back: nothing of this source is stored."""
        if self._finished:
            return
        self._finished = True
        if self._thread.is_alive():
            self._put(_ABORT, raise_error=False)
        self._thread.join()

    def _put(self, item: object, *, raise_error: bool = True) -> None:
        while True:
            if not self._thread.is_alive():
                if raise_error:
                    self._raise()
                return
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def _raise(self) -> None:
        if self._error is None:
            return
        if isinstance(self._error, DBAPIError):
            raise StoreError(f"could not write to {self._location}: {self._error.orig}") from None
        raise self._error

    # -- the writing thread --------------------------------------------------------------

    def _run(self) -> None:
        try:
            with self._engine.connect().execution_options(screener_write=True) as conn:
                sqlite = conn.dialect.name == "sqlite"
                raw = conn.connection.driver_connection
                if sqlite:  # on the driver: SQLite refuses these inside a transaction
                    raw.execute("PRAGMA synchronous = NORMAL")  # type: ignore[union-attr]
                    raw.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")  # type: ignore[union-attr]
                try:
                    self._store(conn)
                finally:
                    if sqlite:
                        raw.execute("PRAGMA synchronous = FULL")  # type: ignore[union-attr]
                        raw.execute(f"PRAGMA cache_size = -{_DEFAULT_CACHE_KIB}")  # type: ignore[union-attr]
        except BaseException as exc:  # handed to the reading thread
            self._error = exc

    def _store(self, conn: Connection) -> None:
        with conn.begin() as txn:
            new_source = insert(t.Source).values(**self._values, record_count=0, imported_at=datetime.now(UTC))
            sid = conn.execute(new_source.returning(t.Source.id)).scalar_one()
            count = 0
            while True:
                item = self._queue.get()
                if item is _ABORT:
                    txn.rollback()
                    return
                if isinstance(item, _Commit):
                    conn.execute(update(t.Source).where(t.Source.id == sid)
                                 .values(name=item.name, platform=item.platform, record_count=count))
                    break
                batch: Sequence[BibRecord] = item  # type: ignore[assignment]
                bulk_insert(conn, t.Record, RECORD_COLUMNS, [record_values(sid, r) for r in batch])
                count += len(batch)
        self._source_id = sid
