"""Engines and schema versions: open a review database, upgrading or refusing it.

SQLite files are opened with WAL journaling (readers never block the writer), foreign
keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions, so that two
reviewers' processes can write to one file at once without "database is locked" errors
surfacing from a deferred transaction that tries to upgrade its lock.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from screener.core.output import OutputError, replacing

BUSY_TIMEOUT_MS = 30_000


class StoreError(RuntimeError):
    """A problem with the review database, said in one line for the user."""


def database_url(target: str | Path) -> str:
    """Turn a path or an SQLAlchemy URL into a URL (a bare path means SQLite)."""
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def describe(url: str) -> str:
    """A display form of a database URL without its password."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return u.database or ":memory:"
    return u.render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """Create an engine with the settings screener relies on."""
    try:
        u = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database path or URL: {url}") from None
    try:
        if u.get_backend_name() == "sqlite":
            engine = create_engine(
                u, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
            )
            _sqlite_pragmas(engine)
        else:
            engine = create_engine(u, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"no driver for {describe(url)}: {exc}") from None
    return engine


PAGE_SIZE = 16384


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            # A new review gets 16 KiB pages: a record with its abstract and raw entry
            # is 3-4 KiB, one to a 4 KiB page with the rest wasted; 16 KiB pages hold
            # four, so an import writes 40% fewer bytes (twice: log, then checkpoint).
            # Only takes effect before the first table exists; then it is a no-op.
            cur.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            cur.execute("PRAGMA journal_mode = WAL")
        # FULL: a decision reported as saved survives a power cut too, not just a crash.
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA cache_size = -65536")  # 64 MiB: bulk imports and counts stay in memory
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: object) -> None:
        write = conn.get_execution_options().get("screener_write", False)  # type: ignore[attr-defined]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")  # type: ignore[attr-defined]


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return cfg


def head_revision() -> str:
    """The schema revision this screener writes."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` in one transaction."""
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def backup_sqlite(engine: Engine, revision: str) -> Path | None:
    """Copy an SQLite review next to itself before an upgrade, with the online backup API."""
    db = engine.url.database
    if not db or db == ":memory:":
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    dest = Path(f"{db}.schema-{revision}.{stamp}.bak")
    src = sqlite3.connect(db)
    try:
        _backup_to(src, dest)
    except OutputError as exc:
        raise StoreError(f"{exc}: the review was not upgraded") from None
    finally:
        src.close()
    return dest


def _backup_to(src: sqlite3.Connection, dest: Path) -> None:
    """A consistent copy of an SQLite database (its write-ahead log included), written atomically."""
    with replacing(dest) as tmp:
        out = sqlite3.connect(tmp)
        try:
            with out:
                src.backup(out)
        finally:
            out.close()


def prepare(engine: Engine, *, create: bool) -> tuple[Path | None, bool]:
    """Make the database's schema current, or refuse it.

    Returns:
        The backup made before an upgrade (SQLite only), and whether an existing review
        was upgraded.

    Raises:
        StoreError: no review there (and not ``create``), not a screener database, or a
            database written by a newer screener.
    """
    where = describe(str(engine.url))
    try:
        with engine.connect() as conn:
            if _needs_change(conn, where, create=create) is None:
                return None, False
        # Two processes opening an older review at once: one migrates while holding the
        # write lock (an advisory lock on PostgreSQL); the other waits for it, then finds
        # the schema current.
        with engine.connect().execution_options(screener_write=True) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            current = _needs_change(conn, where, create=create)
            if current is None:
                return None, False
            backup = None
            if current and engine.url.get_backend_name() == "sqlite":
                backup = backup_sqlite(engine, current)
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            return backup, bool(current)
    except OperationalError as exc:
        if "locked" in str(exc.orig).lower():
            raise StoreError(
                f"cannot open the review database {where}: another process has held it locked for "
                f"{BUSY_TIMEOUT_MS // 1000} s (upgrading it?); try again"
            ) from None
        raise StoreError(f"cannot open the review database {where}: {exc.orig}") from None


#: pg_advisory_xact_lock key taken while a review's schema is created or upgraded.
_MIGRATION_LOCK = 0x5C12EE4E


def _needs_change(conn: Connection, where: str, *, create: bool) -> str | None:
    """The schema revision to upgrade from ("" for a new database), or None when current.

    Raises:
        StoreError: not a review (and not ``create``), a foreign database, or a newer schema.
    """
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        if set(inspect(conn).get_table_names()) - {"alembic_version"}:
            raise StoreError(f"{where} is not a screener review (it has other tables)")
        if not create:
            raise StoreError(f"no review at {where}: create one with 'screener init' (or pass --db)")
        return ""
    head = head_revision()
    if current == head:
        return None
    if current not in known_revisions():
        raise StoreError(
            f"{where} was written by a newer screener (schema {current}, this one knows up to {head}): "
            "upgrade screener to open it"
        )
    return current


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        return Path(u.database)
    return None


def file_identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of the file at ``path`` now (None: there is none)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def move_review_aside(path: Path) -> Path:
    """Replace-proof removal of an SQLite review: back it up to a dated file beside it, then delete it.

    The write lock is held throughout, so no other process commits between the copy and
    the removal; a process that still has the old file open finds at its next write that
    the path no longer leads to its file (``Store`` checks this before every commit) and
    stops saying so.

    Returns:
        The backup file.

    Raises:
        StoreError: the file is not an SQLite database, or could not be copied (then nothing changed).
    """
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    dest = Path(f"{path}.replaced-{stamp}.bak")
    lock = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        try:
            lock.execute("BEGIN IMMEDIATE")
            reader = sqlite3.connect(path)
            try:
                _backup_to(reader, dest)
            finally:
                reader.close()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{path} is not a review screener can back up ({exc}): it was left as it was"
            ) from None
        except OutputError as exc:
            raise StoreError(f"{exc}: {path} was left as it was") from None
        remove_sqlite(path)
        lock.execute("ROLLBACK")
    finally:
        lock.close()
    return dest


def remove_sqlite(path: Path) -> None:
    """Delete an SQLite review and its WAL side files (used for 'init --force' and demos)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


__all__ = [
    "StoreError",
    "database_url",
    "describe",
    "make_engine",
    "prepare",
    "head_revision",
    "sqlite_path",
    "remove_sqlite",
    "move_review_aside",
    "file_identity",
]
