"""What every concern of the store stands on: the engine, transactions, the protocol, who acts.

:class:`StoreBase` owns the engine and the two ways in: :meth:`StoreBase._read` (a short-lived
connection) and :meth:`StoreBase._write` (one write transaction, retried while another
writer holds the lock). It reads the protocol and checks reviewers' initials, which nearly
every concern needs. Each concern (screening, decisions, dedup, ...) is a class that inherits
this one, or the concern it builds on; :class:`screener.store.store.Store` composes them.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, Row, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import col

from screener.core.protocol import Protocol, parse_protocol
from screener.core.protocol_update import compose_aliases
from screener.store import engine as engines
from screener.store import server_mode
from screener.store import tables as t

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
D = TypeVar("D", bound="DataclassInstance")
WRITE_RETRIES = 8


@functools.cache
def _field_names(cls: type[DataclassInstance]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def from_row(cls: type[D], row: Row[Any], **convert: Callable[[Any], object]) -> D:
    """A domain object from a row holding a column for each of its fields (some converted on the way)."""
    m = row._mapping
    return cls(**{n: convert[n](m[n]) if n in convert else m[n] for n in _field_names(cls)})


def reasons_of(text: str) -> tuple[str, ...]:
    """Reason ids from their JSON column."""
    return tuple(json.loads(text))


def aliases_from(mappings: list[str]) -> dict[str, str]:
    """Every change's mapping (JSON, oldest first) composed into retired id -> reason now."""
    aliases: dict[str, str] = {}
    for text in mappings:
        aliases = compose_aliases(aliases, json.loads(text))
    return aliases


class StoreBase:
    """The engine, read and write transactions, the protocol and reviewer checks."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.backup_path: Path | None = None
        self._protocol: tuple[tuple[str, int], Protocol] | None = None
        self._path = engines.sqlite_path(url)
        self._identity = engines.file_identity(self._path) if self._path else None
        #: PostgreSQL: the server's triggers keep ``vote`` and ``outcome`` (migration 0011).
        self.server_derived = engine.dialect.name == "postgresql"
        self._login: tuple[str | None, str | None] | None = None

    # -- plumbing -----------------------------------------------------------------

    @property
    def location(self) -> str:
        return engines.describe(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def check_identity(self) -> None:
        """Refuse to write once the review file was moved or replaced since it was opened.

        Called inside every write transaction, after the write lock is taken: ``screener
        init --force`` takes the same lock before it moves a review aside, so a commit
        never lands in a file that is no longer the review at this path.
        """
        if self._path is None or self._identity is None:
            return
        if engines.file_identity(self._path) != self._identity:
            raise engines.StoreError(
                f"{self._path} was moved or replaced since this screener opened it (screener init --force?): "
                "nothing was saved; open the review again"
            )

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def _write(self, work: Callable[[Connection], T], *, relaxed_sync: bool = False) -> T:
        """Run ``work`` in one write transaction, retrying while another writer holds the lock.

        ``relaxed_sync``: on SQLite, commit with ``synchronous = NORMAL`` (for imports).
        """
        relaxed = relaxed_sync and self.engine.dialect.name == "sqlite"
        delay = 0.05
        for attempt in range(WRITE_RETRIES):
            try:
                with self.engine.connect().execution_options(screener_write=True) as conn:
                    # On the driver's connection: through SQLAlchemy it would open a
                    # transaction, inside which SQLite refuses to change the level.
                    raw = conn.connection.driver_connection
                    if relaxed:
                        raw.execute("PRAGMA synchronous = NORMAL")  # type: ignore[union-attr]
                    try:
                        with conn.begin():
                            self.check_identity()
                            return work(conn)
                    finally:
                        if relaxed:
                            raw.execute("PRAGMA synchronous = FULL")  # type: ignore[union-attr]
            except OperationalError as exc:
                if "locked" not in str(exc.orig).lower() or attempt == WRITE_RETRIES - 1:
                    raise engines.StoreError(f"could not write to {self.location}: {exc.orig}") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except IntegrityError:
                raise
            except DBAPIError as exc:
                refused = server_mode.refusal(exc, *self.login())
                if refused is not None:
                    raise refused from None
                first = (
                    str(exc.orig).strip().splitlines()[0]
                    if str(exc.orig).strip()
                    else type(exc.orig).__name__
                )
                raise engines.StoreError(f"could not write to {self.location}: {first}") from None
        raise AssertionError("unreachable")

    def change_token(self) -> tuple[int, ...]:
        """A cheap fingerprint of everything other processes may change (one query of index maxima).

        Open screens poll it every few seconds and reload only when it moved: new records,
        decisions, resolutions, retrievals, unblinding, dedup runs and undone merges, notes, protocol changes.
        """
        tables = (
            t.Decision,
            t.Resolution,
            t.Retrieval,
            t.Unblinding,
            t.DupCluster,
            t.DupPair,
            t.DedupRun,
            t.Note,
            t.Reopening,
            t.ProtocolChange,
        )
        parts = [select(func.coalesce(func.max(col(table.id)), 0)).scalar_subquery() for table in tables]
        # Records: the sources in the review (an import's records count once it publishes them).
        parts += [
            select(func.coalesce(agg(col(t.Source.id)), 0)).where(t.in_review()).scalar_subquery()
            for agg in (func.max, func.count)
        ]
        parts.append(
            select(func.count())
            .select_from(t.DupCluster)
            .where(col(t.DupCluster.undone_at).is_not(None))
            .scalar_subquery()
        )
        with self._read() as conn:
            return tuple(conn.execute(select(*parts)).one())

    # -- who is connected ---------------------------------------------------------------

    def login(self) -> tuple[str | None, str | None]:
        """PostgreSQL: the role this store is connected as, and the reviewer it is (None: not a reviewer)."""
        if self._login is None:
            if self.engine.dialect.name != "postgresql":
                self._login = (None, None)
            else:
                with self._read() as conn:
                    role = conn.exec_driver_sql("SELECT current_user").scalar_one()
                    self._login = (role, server_mode.connected_reviewer(conn))
        return self._login

    def check_acting_as(self, reviewer: str) -> None:
        """Refuse, before the server does, to write as another reviewer than the connected role is."""
        role, me = self.login()
        if me is not None and reviewer != me:
            raise engines.StoreError(
                f"connected to PostgreSQL as role {role}, which is reviewer {me}: it cannot act as {reviewer}"
            )

    # -- the protocol and its reviewers ---------------------------------------------------

    def _stored_protocol(self, conn: Connection, *, lock: bool = False) -> Protocol:
        """The protocol text with the aliases of the change log (cached until either changes)."""
        last_change = select(func.coalesce(func.max(t.ProtocolChange.id), 0)).scalar_subquery()
        query = select(col(t.Review.protocol_text), last_change)
        row = conn.execute(query.with_for_update(of=t.Review) if lock else query).first()
        if row is None:
            raise engines.StoreError(f"{self.location} holds no review: run 'screener init'")
        text, last = row
        if self._protocol is None or self._protocol[0] != (text, last):
            protocol = parse_protocol(text, f"{self.location} (stored protocol)")
            if last:
                mappings = conn.execute(
                    select(col(t.ProtocolChange.mapping)).order_by(col(t.ProtocolChange.id))
                ).scalars()
                protocol = replace(protocol, aliases=aliases_from(list(mappings)))
            self._protocol = ((text, last), protocol)
        return self._protocol[1]

    def protocol(self) -> Protocol:
        """The review's protocol now (retired reason ids resolve through ``aliases``)."""
        with self._read() as conn:
            return self._stored_protocol(conn)

    def check_reviewer(self, initials: str | None, what: str = "reviewer", *, lead: bool = False) -> str:
        """``initials`` if they name a reviewer of the protocol (the lead, with ``lead``); else StoreError."""
        protocol = self.protocol()
        names = [r.initials for r in protocol.reviewers if not lead or r.role == "lead"]
        initials = protocol.initials(initials) if initials else initials  # typed in any case
        if not initials:
            raise engines.StoreError(
                f"{what} is required: the initials of a reviewer of the protocol ({', '.join(names)})"
            )
        if initials not in names:
            if self.removed_reviewer(initials):
                raise engines.StoreError(
                    f"{what} {initials}: removed from this review (their decisions stay in the "
                    "log), so they can no longer act in it"
                )
            if lead:
                raise engines.StoreError(
                    f"{what} {initials}: only the review's lead can do this (lead: "
                    f"{', '.join(names) or 'nobody'})"
                )
            raise engines.StoreError(
                f"{what} {initials}: not a reviewer of the protocol (the protocol names "
                f"{', '.join(names) or 'none'})"
            )
        return initials

    def removed_reviewer(self, initials: str) -> bool:
        """True if ``initials`` were a reviewer of this review once but are no longer in the protocol."""
        if any(r.initials.casefold() == initials.casefold() for r in self.protocol().reviewers):
            return False
        with self._read() as conn:
            return (
                conn.execute(
                    select(func.count())
                    .select_from(t.Reviewer)
                    .where(func.lower(t.Reviewer.initials) == initials.casefold())
                ).scalar_one()
                > 0
            )
