"""Imports one at a time, and what a killed import leaves behind.

An import stages its records (a source with ``staged`` set, written in short
transactions) and publishes them in one short transaction at the end. It holds the
review's *import lock* from before its first staged row until it has published or
removed them: on SQLite an OS lock on a file beside the review (``REVIEW-import``), on
PostgreSQL a session advisory lock. Either lock is released by the operating system or
the server when the process dies, so a staged source found by an import that holds the
lock belongs to an import that was killed: :func:`drop_staged` removes it.

One import at a time also keeps each import's record ids in one run, above every record
already in the review (the incremental dedup relies on that).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from screener.store import tables as t
from screener.store.engine import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

#: pg_advisory_lock key held by the import in progress (per database).
_PG_IMPORT_LOCK = 0x5C12EE4F
#: Records deleted per transaction when a staged source is removed.
_DROP_BATCH = 5000


def _try_file_lock(fh: IO[bytes]) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


class ImportLock:
    """The review's import lock, taken on ``conn`` (the import's own connection)."""

    def __init__(self, conn: Connection):
        self._conn = conn
        self._file: IO[bytes] | None = None
        self._held = False
        db = conn.engine.url.database
        self._path = (
            Path(f"{db}-import")
            if conn.dialect.name == "sqlite" and db not in (None, "", ":memory:")
            else None
        )

    def acquire(
        self,
        wait_s: float,
        on_wait: Callable[[], None] | None,
        *,
        try_ms: int = 2000,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> bool:
        """Take the lock, waiting up to ``wait_s`` (``on_wait`` once when it is taken by another import).

        Returns False when ``wait_s`` passed without it, or the wait was ``cancelled``.
        """
        deadline = time.monotonic() + wait_s
        waited = False
        while True:
            if self._try(try_ms):
                self._held = True
                return True
            if time.monotonic() >= deadline or cancelled():
                return False
            if not waited and on_wait is not None:
                on_wait()
            waited = True

    def _try(self, try_ms: int) -> bool:
        conn = self._conn
        if conn.dialect.name == "postgresql":
            try:  # a blocking wait that others can see (pg_stat_activity), in tries of try_ms
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(try_ms)}")
                conn.execute(select(func.pg_advisory_lock(_PG_IMPORT_LOCK)))
                conn.commit()
                return True
            except OperationalError as exc:
                conn.rollback()
                if "lock timeout" not in str(exc.orig).lower():
                    raise
                return False
        if self._path is None:  # an in-memory database: one connection, no other process
            return True
        if self._file is None:
            try:
                self._file = open(self._path, "a+b")  # noqa: SIM115 - held until release
            except OSError as exc:
                raise StoreError(f"cannot take the import lock {self._path}: {exc.strerror}") from None
        end = time.monotonic() + try_ms / 1000
        while True:
            if _try_file_lock(self._file):
                return True
            if time.monotonic() >= end:
                return False
            time.sleep(0.05)

    def release(self) -> None:
        held, self._held = self._held, False
        if self._file is not None:
            self._file.close()  # releases the OS lock
            self._file = None
        if held and self._conn.dialect.name == "postgresql" and not self._conn.closed:
            try:
                if self._conn.in_transaction():
                    self._conn.rollback()
                self._conn.execute(select(func.pg_advisory_unlock(_PG_IMPORT_LOCK)))
                self._conn.commit()
            except OperationalError:
                self._conn.invalidate()  # a broken connection: the server ends the session, and the lock


def staged_sources(conn: Connection, begin: Callable[[], AbstractContextManager[object]]) -> list[int]:
    with begin():
        return list(
            conn.execute(
                select(col(t.Source.id)).where(col(t.Source.staged).is_(True)).order_by(col(t.Source.id))
            ).scalars()
        )


def drop_staged(
    conn: Connection, source_ids: Iterable[int], begin: Callable[[], AbstractContextManager[object]]
) -> None:
    """Delete staged sources and their records, a batch per transaction (``begin`` opens one).

    Only while holding the import lock: then no staged source belongs to a live import
    but one's own.
    """
    for sid in source_ids:
        while True:
            with begin():
                batch = select(col(t.Record.id)).where(col(t.Record.source_id) == sid).limit(_DROP_BATCH)
                gone = conn.execute(
                    delete(t.Record).where(col(t.Record.id).in_(batch.scalar_subquery()))
                ).rowcount
            if gone < _DROP_BATCH:
                break
        with begin():
            conn.execute(delete(t.Source).where(col(t.Source.id) == sid, col(t.Source.staged).is_(True)))
