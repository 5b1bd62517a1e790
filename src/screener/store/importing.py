"""Storing one imported file: a source and its records, all or nothing, in the background.

An import hands records over in batches while it is still reading the file; a thread of
its own inserts them, so the database work (binding, B-tree inserts, writing the
write-ahead log) overlaps the parsing instead of following it.

Each batch is a short transaction of its own, under a *staged* source that nothing in the
review counts; once the file is read, one short transaction publishes the sources. So on
SQLite, whose write lock is one per database, reviewers' decisions wait for one batch at
most (tens of milliseconds), not for the whole import (10 s at 100,000 records). Imports
run one at a time (see :mod:`screener.store.staging`); a failed or aborted import deletes
what it staged, and one killed mid-way is cleaned up by the next.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from json.encoder import encode_basestring as _json_str
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import col

from screener.core.models import Author, BibRecord
from screener.store import tables as t
from screener.store.engine import BUSY_TIMEOUT_MS, StoreError
from screener.store.staging import ImportLock, drop_staged, staged_sources

RECORD_FIELDS = (
    "title",
    "year",
    "journal",
    "journal_abbrev",
    "volume",
    "issue",
    "start_page",
    "end_page",
    "doi",
    "pmid",
    "pmcid",
    "issn",
    "abstract",
    "language",
    "publication_type",
    "url",
)
#: The record table's columns but ``id``, in the table's order (so that rows need no reordering).
RECORD_COLUMNS = (
    "source_id", "position", "line", "source_record_id", "title", "authors", "year", "journal",
    "journal_abbrev", "volume", "issue", "start_page", "end_page", "doi", "pmid", "pmcid", "issn",
    "abstract", "keywords", "language", "publication_type", "url", "raw",
)  # fmt: skip

#: Batches waiting for the writer; a full queue makes the reader wait (bounded memory).
_QUEUE_BATCHES = 4
#: Page cache of the writing connection (KiB, as a negative SQLite cache_size). Small
#: enough that the record pages go to the log as they fill (while the file is still being
#: read) rather than all at the commit; large enough for the indexes' pages to stay: at
#: 4 MiB they were written out again and again, and 100,000 records took 3.4 s, not 1.9.
_IMPORT_CACHE_KIB = 32768
_DEFAULT_CACHE_KIB = 65536
#: Rows per INSERT on SQLite (23,000 parameters; fewer where SQLite allows fewer).
_ROWS_PER_STATEMENT = 1000
#: How long an import waits for another import (or any writer) to release the SQLite
#: write lock: tries of ``_LOCK_TRY_MS`` each, the first failed one reported as waiting.
IMPORT_WAIT_S = 600.0
_LOCK_TRY_MS = 2000


class AlreadyImported(StoreError):
    """The same file (same sha256) is already stored as a source of this review."""


def record_values(source_id: int, bib: BibRecord) -> tuple[Any, ...]:
    """One record row, in ``RECORD_COLUMNS`` order (a tuple: imports build 100,000 of these)."""
    b = bib
    return (
        source_id,
        b.position,
        b.line,
        b.source_id,
        b.title,
        _authors_json(b.authors),
        b.year,
        b.journal,
        b.journal_abbrev,
        b.volume,
        b.issue,
        b.start_page,
        b.end_page,
        b.doi,
        b.pmid,
        b.pmcid,
        b.issn,
        b.abstract,
        _strings_json(b.keywords),
        b.language,
        b.publication_type,
        b.url,
        b.raw,
    )


# The lists are written by hand around the json module's string encoder: what json.dumps
# gives, at a third of its cost (an encoder object per call), for 100,000 rows per import.
def _authors_json(authors: tuple[Author, ...]) -> str:
    """``[["Family", "Given"], ...]``, as ``json.dumps`` writes it."""
    return "[" + ", ".join([f"[{_json_str(a.family)}, {_json_str(a.given)}]" for a in authors]) + "]"


def _strings_json(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(map(_json_str, items)) + "]"


def insert_records(conn: Connection, rows: list[tuple[Any, ...]], per_statement: int = 1) -> None:
    """INSERT record rows (``RECORD_COLUMNS`` order) straight through the driver.

    SQLAlchemy's per-row parameter processing was half the cost of an import; these rows
    hold only strings, ints and None, which every driver takes as they are. With a
    positional driver (SQLite), each statement inserts up to ``per_statement`` rows: the
    driver gives up the GIL while a statement runs and must take it back afterwards, which
    waits while the parser holds it. With the parser running, 100,000 one-row INSERTs
    kept the writer thread busy for 6.5 s (1.2 s on their own); 1,000-row INSERTs, 3 s.
    """
    if not rows:
        return
    compiled = insert(t.Record).compile(dialect=conn.dialect, column_keys=list(RECORD_COLUMNS))
    if not compiled.positional:  # named parameters (PostgreSQL's drivers)
        conn.exec_driver_sql(str(compiled), [dict(zip(RECORD_COLUMNS, r, strict=True)) for r in rows])
        return
    assert tuple(compiled.positiontup or ()) == RECORD_COLUMNS, "RECORD_COLUMNS is not in the table's order"
    head, _, group = str(compiled).partition(" VALUES ")
    full = f"{head} VALUES {', '.join([group] * per_statement)}"
    for i in range(0, len(rows), per_statement):
        chunk = rows[i : i + per_statement]
        sql = full if len(chunk) == per_statement else f"{head} VALUES {', '.join([group] * len(chunk))}"
        conn.exec_driver_sql(sql, tuple(chain.from_iterable(chunk)))


class _Commit:
    def __init__(self, name: str, platform: str | None):
        self.name = name
        self.platform = platform


_ABORT = object()


class SourceWriter:
    """One file being stored: :meth:`add` batches of records, then :meth:`commit`.

    Made by :meth:`screener.store.Store.import_source`, which aborts (deletes what was
    staged) when the ``with`` block is left without a commit, e.g. on a parse error. A
    database error in the writer thread is raised as :class:`StoreError` by the next call.

    A file from a multi-database search (its records naming different databases, see
    :attr:`BibRecord.database`) becomes one source per database, all in the same
    transaction: each database then counts on its own in PRISMA's "records identified".
    """

    def __init__(
        self,
        engine: Engine,
        location: str,
        values: dict[str, Any],
        check: Callable[[], None] = lambda: None,
        *,
        again: bool = False,
        on_wait: Callable[[], None] | None = None,
    ):
        self._engine = engine
        self._check = check
        self._again = again
        self._on_wait = on_wait
        self._locked = False  # the import lock is held and the (staged) source written
        self._waited = False
        self._cancelled = threading.Event()  # aborted: stop waiting for the import lock
        self._location = location
        self._values = values
        self._queue: queue.Queue[object] = queue.Queue(maxsize=_QUEUE_BATCHES)
        self._error: BaseException | None = None
        self._source_id: int | None = None
        self._count = 0
        self._finished = False
        self.source_ids: list[int] = []
        self._thread = threading.Thread(target=self._run, name="screener-import-writer", daemon=True)
        self._thread.start()

    # -- the reading side ----------------------------------------------------------------

    def add(self, records: Sequence[BibRecord]) -> None:
        """Queue records for storing (waits while the writer is behind)."""
        if records:
            self._count += len(records)
            self._put(records)

    def commit(self, name: str, platform: str | None) -> int:
        """Name the sources, publish them, and return the (first) new source's id.

        When the records name one database or none, they form one source called
        ``name``. When they name several, each database is a source of its own, and
        ``name`` is the source of the records that name none; sources that end up with
        the same name are one source. :attr:`source_ids` lists them all.
        """
        self._put(_Commit(name, platform))
        self._finished = True
        self._thread.join()
        self._raise()
        assert self._source_id is not None
        return self._source_id

    def abort(self) -> None:
        """Give up: what was staged is deleted, nothing of this source is stored."""
        if self._finished:
            return
        self._finished = True
        self._cancelled.set()
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
        if isinstance(self._error, IntegrityError) and "file_copy" in str(self._error.orig):
            raise AlreadyImported(
                f"{self._values['file_name']}: the same file was just imported by another process"
            ) from None
        if isinstance(self._error, DBAPIError):
            reason = " ".join(str(self._error.orig).split())  # one line (PostgreSQL adds DETAIL lines)
            raise StoreError(
                f"{self._values['file_name']}: could not write to {self._location}: {reason}"
            ) from None
        raise self._error

    # -- the writing thread --------------------------------------------------------------

    def _run(self) -> None:
        try:
            with self._engine.connect().execution_options(screener_write=True) as conn:
                sqlite = conn.dialect.name == "sqlite"
                raw = conn.connection.driver_connection
                per_statement = 1
                if sqlite:
                    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[union-attr]
                    per_statement = max(1, min(_ROWS_PER_STATEMENT, limit // len(RECORD_COLUMNS)))
                    # On the driver: SQLite refuses these inside a transaction.
                    raw.execute("PRAGMA synchronous = NORMAL")  # type: ignore[union-attr]
                    raw.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")  # type: ignore[union-attr]
                    # Short tries at the lock, so that a wait is reported (see _begin).
                    raw.execute(f"PRAGMA busy_timeout = {_LOCK_TRY_MS}")  # type: ignore[union-attr]
                lock = ImportLock(conn)
                try:
                    if not lock.acquire(
                        IMPORT_WAIT_S, self._on_wait, try_ms=_LOCK_TRY_MS, cancelled=self._cancelled.is_set
                    ):
                        if self._cancelled.is_set():
                            return
                        raise StoreError(
                            f"{self._values['file_name']}: another import has held {self._location} "
                            f"for {IMPORT_WAIT_S / 60:.0f} minutes; try again later"
                        )
                    self._stage_and_publish(conn, per_statement)
                finally:
                    lock.release()
                    if sqlite:
                        raw.execute("PRAGMA synchronous = FULL")  # type: ignore[union-attr]
                        raw.execute(f"PRAGMA cache_size = -{_DEFAULT_CACHE_KIB}")  # type: ignore[union-attr]
                        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")  # type: ignore[union-attr]
        except BaseException as exc:  # handed to the reading thread
            self._error = exc

    @contextmanager
    def _begin(self, conn: Connection) -> Iterator[None]:
        """One short write transaction, waiting (bounded) while another process writes."""
        deadline = time.monotonic() + IMPORT_WAIT_S
        while True:
            try:
                txn = conn.begin()
                break
            except OperationalError as exc:
                if conn.in_transaction():
                    conn.rollback()
                if "locked" not in str(exc.orig).lower() or time.monotonic() > deadline:
                    raise
                if not self._waited and self._on_wait is not None:
                    self._on_wait()
                self._waited = True
        with txn:
            self._check()
            yield

    def _stage_and_publish(self, conn: Connection, per_statement: int) -> None:
        """Under the import lock: stage every record, a batch per transaction, then publish them in one.

        Until the publishing transaction commits, the sources are ``staged``: nothing of
        them is in the review. If the import fails or is aborted they are deleted (a batch
        per transaction); if its process dies, the next import deletes them.
        """
        now = datetime.now(UTC)
        begin = partial(self._begin, conn)
        drop_staged(conn, staged_sources(conn, begin), begin)  # what an import killed earlier left
        staged: list[int] = []

        def new_source(copy: int | None) -> int:
            # The file's first source holds its copy number (the unique index that keeps a
            # file from being imported twice); the other databases of a multi-database
            # file are part of the same import (NULL: not unique).
            row = insert(t.Source).values(
                **self._values, file_copy=copy, record_count=0, imported_at=now, staged=True
            )
            sid = conn.execute(row.returning(col(t.Source.id))).scalar_one()
            staged.append(sid)
            return sid

        try:
            with begin():
                copy: int | None = 0
                if self._again:
                    copy = conn.execute(
                        select(func.coalesce(func.max(col(t.Source.file_copy)) + 1, 0)).where(
                            col(t.Source.file_sha256) == self._values["file_sha256"]
                        )
                    ).scalar_one()
                # the records of the first database seen go here (ids follow the file)
                first = new_source(copy)
            self._locked = True
            sids: dict[str | None, int] = {}  # database named by the records -> source
            counts: Counter[str | None] = Counter()
            while True:
                item = self._queue.get()
                if item is _ABORT:
                    return
                if isinstance(item, _Commit):
                    self._publish(conn, sids or {None: first}, counts, item)
                    staged.clear()
                    return
                batch: Sequence[BibRecord] = item  # type: ignore[assignment]
                new_dbs = [
                    db for db in dict.fromkeys(r.database for r in batch) if db not in sids
                ]  # in file order
                if new_dbs:
                    with begin():
                        for db in new_dbs:
                            sids[db] = new_source(None) if sids else first
                if len(sids) == 1:  # the usual file: one database, no lookup per record
                    ((db, sid),) = sids.items()
                    counts[db] += len(batch)
                    rows = [record_values(sid, r) for r in batch]
                else:
                    counts.update(r.database for r in batch)
                    rows = [record_values(sids[r.database], r) for r in batch]
                with begin():  # the rows are ready: the lock is held only while they are written
                    insert_records(conn, rows, per_statement)
        finally:
            if staged:
                try:
                    if conn.in_transaction():
                        conn.rollback()
                    drop_staged(conn, staged, begin)
                except Exception:  # noqa: BLE001, S110 - the next import removes them; the first error is the one to report
                    pass

    def _publish(
        self, conn: Connection, sids: dict[str | None, int], counts: Counter[str | None], commit: _Commit
    ) -> None:
        """Name each source (sources of the same name are folded into the first), then publish them all.

        The publishing transaction updates a few source rows, whatever the number of
        records: reviewers' decisions wait for it a few milliseconds.
        """
        begin = partial(self._begin, conn)
        used = list(sids)
        one = sum(db is not None for db in used) <= 1
        names = {db: commit.name if one else db or commit.name for db in used}
        kept: dict[str, int] = {}  # name -> source id
        for db in used:
            kept.setdefault(names[db], sids[db])
        gone = set(sids.values()) - set(kept.values())
        if gone:  # still staged: a transaction of its own
            with begin():
                for db in used:
                    if sids[db] in gone:
                        conn.execute(
                            update(t.Record)
                            .where(col(t.Record.source_id) == sids[db])
                            .values(source_id=kept[names[db]])
                        )
                conn.execute(delete(t.Source).where(col(t.Source.id).in_(gone)))
        with begin():
            for name, sid in kept.items():
                n = sum(counts[db] for db in used if names[db] == name)
                conn.execute(
                    update(t.Source)
                    .where(col(t.Source.id) == sid)
                    .values(name=name, platform=commit.platform, record_count=n, staged=False)
                )
        self.source_ids = list(kept.values())
        self._source_id = self.source_ids[0]
