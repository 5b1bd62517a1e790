"""The review store: the only code that talks to the database.

Every method opens a short-lived connection or transaction and returns plain domain
objects from ``screener.core.models``; nothing handed out is attached to a session.
Writes run in ``BEGIN IMMEDIATE`` transactions on SQLite and are retried when another
process holds the lock beyond the busy timeout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from screener.core import protocol as P
from screener.core.conflicts import RecordState, Vote
from screener.core.models import (
    Author,
    BibRecord,
    Decision,
    Source,
    SourceKind,
    Stage,
    StoredRecord,
    Verdict,
)
from screener.core.normalise import search_fold
from screener.core.protocol import Protocol
from screener.core.screening import conflict_rules, outcome_of
from screener.store import engine as engines
from screener.store import server_mode
from screener.store import tables as t
from screener.store.blinding import BlindingRule
from screener.store.dedup import DedupQueries
from screener.store.importing import RECORD_FIELDS, SourceWriter
from screener.store.prisma import FlowQueries
from screener.store.protocol import ProtocolQueries
from screener.store.ranking import RankingQueries
from screener.store.records import RecordListQueries
from screener.store.reviewers import ReviewerQueries
from screener.store.screening import ReopenNeeded, ScreeningQueries, _lock_record, _resolution
from screener.store.sources import SourceQueries

T = TypeVar("T")
WRITE_RETRIES = 8


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SourceInput:
    """What an import knows about one search before it is stored."""

    name: str
    file_name: str
    file_sha256: str
    format: str
    kind: SourceKind = SourceKind.DATABASE
    platform: str | None = None
    searched_on: str | None = None
    query: str | None = None
    encoding: str | None = None
    #: Store it even if the same file was imported before (``import --force``).
    again: bool = False


_READ_COLUMNS = (
    "id",
    "source_id",
    "position",
    "line",
    "source_record_id",
    "authors",
    "keywords",
    "raw",
    *RECORD_FIELDS,
)


def _stored(row: tuple[Any, ...]) -> StoredRecord:
    """A record from a row of ``_READ_COLUMNS`` (plain tuple access: dedup reads 100,000)."""
    authors = row[5]
    keywords = row[6]
    bib = BibRecord(
        position=row[2],
        line=row[3],
        source_id=row[4],
        raw=row[7],
        authors=tuple(Author(f, g) for f, g in json.loads(authors)) if authors != "[]" else (),
        keywords=tuple(json.loads(keywords)) if keywords != "[]" else (),
        **dict(zip(RECORD_FIELDS, row[8:], strict=True)),
    )
    return StoredRecord(row[0], row[1], bib)


def _source(row: Any) -> Source:
    m = row._mapping
    return Source(
        id=m["id"],
        name=m["name"],
        kind=SourceKind(m["kind"]),
        file_name=m["file_name"],
        file_sha256=m["file_sha256"],
        record_count=m["record_count"],
        format=m["format"],
        platform=m["platform"],
        searched_on=m["searched_on"],
        query=m["query"],
        imported_at=m["imported_at"],
    )


def _decision(row: Any) -> Decision:
    m = row._mapping
    return Decision(
        id=m["id"],
        record_id=m["record_id"],
        stage=Stage(m["stage"]),
        reviewer=m["reviewer"],
        verdict=Verdict(m["verdict"]),
        reasons=tuple(json.loads(m["reasons"])),
        note=m["note"],
        created_at=m["created_at"],
    )


class Store(
    BlindingRule,
    ProtocolQueries,
    ScreeningQueries,
    RankingQueries,
    FlowQueries,
    DedupQueries,
    SourceQueries,
    RecordListQueries,
    ReviewerQueries,
):
    """A review database. Create with :func:`open_store`."""

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

    # -- review and protocol --------------------------------------------------------

    def init_review(self, protocol: Protocol) -> None:
        """Record the review and its reviewers (a new, empty database only)."""

        def work(conn: Connection) -> None:
            if conn.execute(select(func.count()).select_from(t.Review)).scalar_one():
                raise engines.StoreError(f"{self.location} already holds a review")
            conn.execute(
                insert(t.Review).values(
                    title=protocol.title,
                    question=protocol.question,
                    protocol_text=protocol.text,
                    created_at=_now(),
                )
            )
            self._sync_reviewers(conn, protocol)

        self._write(work)

    def login(self) -> tuple[str | None, str | None]:
        """PostgreSQL: the role this store is connected as and the reviewer it is (None: not a reviewer role)."""
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

    def add_reviewer(
        self, initials: str, *, by: str, name: str = "", login: str | None = None, password: str | None = None
    ) -> tuple[str, str, bool, bool]:
        """PostgreSQL mode: give a reviewer a login role of their own, adding them to the protocol if need be.

        Run by the lead's role (the review's owner, which may create roles). ``login`` is
        the role name (default: the initials in lower case); ``password`` is set on a new
        role only. Returns the initials, the role name, whether the role was created (False:
        it existed, e.g. for another review on this server) and whether the protocol changed.
        """
        if self.engine.dialect.name != "postgresql":
            raise engines.StoreError(
                "reviewer logins exist only in PostgreSQL mode (--db postgresql+psycopg://...): "
                "an SQLite review is one file that any program can open"
            )
        protocol = self.protocol()
        typed = protocol.initials(initials)
        added = typed not in protocol.reviewer_initials
        role = server_mode.login_of(initials.strip() if added else typed, login)  # checked before any change
        if added:
            try:
                text = P.add_reviewer(protocol, initials.strip(), name)
            except ValueError as exc:
                raise engines.StoreError(f"cannot add {initials}: {exc}") from None
            self._change_protocol(text, by, f"reviewer {initials.strip()} added by {by}")
            typed = initials.strip()
        typed = self.check_reviewer(typed)
        created = self._write(lambda conn: server_mode.add_login(conn, typed, role, password))
        return typed, role, created, added

    def url_as(self, role: str) -> str:
        """The review's URL with another user name and no password (to tell a reviewer how to connect)."""
        return make_url(self.url).set(username=role, password=None).render_as_string(hide_password=True)

    def reviewer_logins(self) -> dict[str, str]:
        """PostgreSQL mode: login role -> reviewer initials ({} on SQLite)."""
        if self.engine.dialect.name != "postgresql":
            return {}
        with self._read() as conn:
            return dict(
                conn.exec_driver_sql("SELECT login, initials FROM screener_login ORDER BY login").all()
            )

    def _sync_reviewers(self, conn: Connection, protocol: Protocol) -> None:
        known = set(conn.execute(select(t.Reviewer.initials)).scalars())
        for r in protocol.reviewers:
            if r.initials not in known:
                conn.execute(insert(t.Reviewer).values(initials=r.initials, name=r.name, role=r.role))
            else:
                conn.execute(
                    t.Reviewer.__table__.update()
                    .where(t.Reviewer.initials == r.initials)
                    .values(name=r.name, role=r.role)
                )
        server_mode.sync_rules(conn, protocol)

    # -- sources and records -------------------------------------------------------------

    def source_by_sha256(self, sha256: str) -> Source | None:
        with self._read() as conn:
            row = conn.execute(
                select(t.Source).where(t.Source.file_sha256 == sha256, t.in_review()).order_by(t.Source.id)
            ).first()
        return _source(row) if row else None

    @contextmanager
    def import_source(
        self, source: SourceInput, on_wait: Callable[[], None] | None = None
    ) -> Iterator[SourceWriter]:
        """Store one search and its records, all or nothing, written while they are read.

        The records are staged in short transactions and published in one at the end
        (see :mod:`screener.store.importing`), so decisions made meanwhile do not wait
        for the import. ``source.name`` may be left empty until :meth:`SourceWriter.commit`
        names it (the database is often only known once the whole file has been read).
        Leaving the block without a commit, e.g. on a parse error, stores nothing.

        An import can be run again, a decision cannot be made again: on SQLite the import
        commits with ``synchronous = NORMAL`` (it may wait for the next checkpoint to
        reach the disk; the write-ahead log keeps it atomic either way), so it does not
        pay a full fsync of tens of megabytes.

        The same file (sha256) is stored once unless ``source.again``: the database's unique
        index decides, so two processes importing it at once cannot both store it; the
        other gets :class:`AlreadyImported`. Imports run one at a time: while another import
        runs (or another process holds the write lock) the import waits (``on_wait`` is
        called once, from the writer thread).
        """
        writer = SourceWriter(
            self.engine,
            self.location,
            dict(
                name=source.name,
                kind=source.kind.value,
                platform=source.platform,
                searched_on=source.searched_on,
                query=source.query,
                file_name=source.file_name,
                file_sha256=source.file_sha256,
                format=source.format,
                encoding=source.encoding,
            ),
            check=self.check_identity,
            again=source.again,
            on_wait=on_wait,
        )
        try:
            yield writer
        finally:
            writer.abort()  # no-op after a commit

    def add_source(self, source: SourceInput, records: Sequence[BibRecord]) -> Source:
        """Store one search and all its records: all or nothing."""
        with self.import_source(source) as writer:
            for i in range(0, len(records), 5000):
                writer.add(records[i : i + 5000])
            sid = writer.commit(source.name, source.platform)
        return self.source(sid)

    def source(self, source_id: int) -> Source:
        with self._read() as conn:
            return _source(conn.execute(select(t.Source).where(t.Source.id == source_id)).one())

    def sources(self) -> list[Source]:
        """The review's sources (an archived one has left the review: see ``source_list``)."""
        with self._read() as conn:
            return [
                _source(r) for r in conn.execute(select(t.Source).where(t.in_review()).order_by(t.Source.id))
            ]

    def _active_sources(self) -> Any:
        """Ids of the sources whose records are in the review (not archived, not being imported)."""
        return select(t.Source.id).where(t.in_review())

    def record_count(self) -> int:
        with self._read() as conn:
            return conn.execute(
                select(func.count())
                .select_from(t.Record)
                .where(t.Record.source_id.in_(self._active_sources()))
            ).scalar_one()

    def records(self, ids: Iterable[int] | None = None) -> list[StoredRecord]:
        """Records in import order (all in the review, or the given ids, archived or not)."""
        query = select(*(getattr(t.Record, c) for c in _READ_COLUMNS)).order_by(t.Record.id)
        if ids is not None:
            query = query.where(t.Record.id.in_(list(ids)))
        else:
            query = query.where(t.Record.source_id.in_(self._active_sources()))
        with self._read() as conn:
            return [_stored(tuple(r)) for r in conn.execute(query)]

    def record(self, record_id: int) -> StoredRecord | None:
        found = self.records([record_id])
        return found[0] if found else None

    def record_sources_map(self) -> dict[int, int]:
        """record id -> source id, for every record (but those of an import in progress)."""
        with self._read() as conn:
            return dict(
                conn.execute(
                    select(t.Record.id, t.Record.source_id).join(t.Source).where(t.Source.staged.is_(False))
                ).all()
            )

    def record_sources(self, record_id: int) -> list[str]:
        """Names of the databases a record came from: its own and those of its duplicates."""
        cluster = (
            select(t.DupMember.cluster_id)
            .join(t.DupCluster, t.DupCluster.id == t.DupMember.cluster_id)
            .where(t.DupMember.record_id == record_id, t.DupCluster.undone_at.is_(None))
        )
        members = select(t.DupMember.record_id).where(t.DupMember.cluster_id.in_(cluster))
        query = (
            select(t.Source.name)
            .join(t.Record, t.Record.source_id == t.Source.id)
            .where((t.Record.id == record_id) | t.Record.id.in_(members))
            .distinct()
        )
        with self._read() as conn:
            return sorted(conn.execute(query).scalars())

    def search(self, text: str) -> list[int]:
        """Ids of records whose title, abstract, authors or journal contain ``text``.

        Case and accents do not matter ("kucic" finds "Kučić") and the text is taken
        literally (no wildcards). Compared here rather than in SQL: neither SQLite's
        ``lower`` nor ``LIKE`` folds beyond ASCII.
        """
        needle = search_fold(" ".join(text.split()))
        if not needle:
            return []
        fields = (t.Record.title, t.Record.abstract, t.Record.authors, t.Record.journal)
        with self._read() as conn:
            rows = conn.execute(
                select(t.Record.id, *fields)
                .where(t.Record.source_id.in_(self._active_sources()))
                .order_by(t.Record.id)
            )
            return [row[0] for row in rows if any(f and needle in search_fold(f) for f in row[1:])]

    # -- decisions (append-only) ---------------------------------------------------------

    def reviewers(self) -> list[str]:
        with self._read() as conn:
            return list(conn.execute(select(t.Reviewer.initials).order_by(t.Reviewer.id)).scalars())

    def check_reviewer(self, initials: str | None, what: str = "reviewer", *, lead: bool = False) -> str:
        """``initials`` if they name a reviewer of the protocol (the lead, with ``lead``), else a one-line error."""
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
        parts = [select(func.coalesce(func.max(table.id), 0)).scalar_subquery() for table in tables]
        # Records: the sources in the review (an import's records count once it publishes them).
        parts += [
            select(func.coalesce(agg(t.Source.id), 0)).where(t.in_review()).scalar_subquery()
            for agg in (func.max, func.count)
        ]
        parts.append(
            select(func.count())
            .select_from(t.DupCluster)
            .where(t.DupCluster.undone_at.is_not(None))
            .scalar_subquery()
        )
        with self._read() as conn:
            return tuple(conn.execute(select(*parts)).one())

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
            raise engines.StoreError(f"no record {record_id} in this review") from None

    def notes(
        self, stage: Stage, reviewer: str | None = None, viewer: str | None = None
    ) -> dict[tuple[int, str], str]:
        """(record id, reviewer) -> latest non-empty note at a stage (a reviewer's own, or every one's: refused
        while the stage is blind)."""
        query = (
            select(t.Note.record_id, t.Note.reviewer, t.Note.text)
            .where(t.Note.stage == Stage(stage).value)
            .order_by(t.Note.id)
        )
        if reviewer is not None:
            query = query.where(t.Note.reviewer == reviewer)
        else:
            self.check_open(stage, viewer)
        out: dict[tuple[int, str], str] = {}
        with self._read() as conn:
            for rid, who, text in conn.execute(query):
                out[(rid, who)] = text
        return {k: v for k, v in out.items() if v}

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
        values = dict(
            record_id=record_id,
            stage=Stage(stage).value,
            reviewer=reviewer,
            verdict=Verdict(verdict).value,
            reasons=json.dumps(list(reasons)),
            note=note,
            created_at=_now(),
        )
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

        def work(conn: Connection) -> int:
            _lock_record(conn, record_id)
            if Stage(stage) is Stage.FULL_TEXT and verdict is not Verdict.RETRACTED:
                status, reason = conn.execute(
                    select(t.Retrieval.status, t.Retrieval.reason)
                    .where(t.Retrieval.record_id == record_id)
                    .order_by(t.Retrieval.id.desc())
                    .limit(1)
                ).first() or (None, None)
                if status == "not-retrieved":
                    raise engines.StoreError(
                        f"record {record_id}: full text not retrieved ({reason or 'no reason'}): "
                        "mark it retrieved before deciding"
                    )
            did = conn.execute(insert(t.Decision).values(**values).returning(t.Decision.id)).scalar_one()
            if note:
                conn.execute(
                    insert(t.Note).values(
                        record_id=record_id,
                        stage=values["stage"],
                        reviewer=reviewer,
                        text=note,
                        created_at=values["created_at"],
                    )
                )
            if settled is not None and reopen:
                conn.execute(
                    insert(t.Reopening).values(
                        record_id=record_id,
                        stage=values["stage"],
                        reviewer=reviewer,
                        decision_id=did,
                        resolution_id=settled.resolution_id,
                        undoes=settled.text,
                        created_at=values["created_at"],
                    )
                )
            if self.server_derived:  # the server's triggers keep the vote and the outcomes
                return did
            key = (
                (t.Vote.record_id == record_id)
                & (t.Vote.stage == values["stage"])
                & (t.Vote.reviewer == reviewer)
            )
            conn.execute(t.Vote.__table__.delete().where(key))
            if verdict is not Verdict.RETRACTED:
                conn.execute(
                    insert(t.Vote).values(
                        record_id=record_id,
                        stage=values["stage"],
                        reviewer=reviewer,
                        decision_id=did,
                        verdict=values["verdict"],
                        reasons=values["reasons"],
                    )
                )
            self._refresh_outcomes(conn, protocol, Stage(stage), [record_id])
            if Stage(stage) is Stage.TITLE_ABSTRACT:
                self._refresh_outcomes(conn, protocol, Stage.FULL_TEXT, [record_id])
            return did

        try:
            did = self._write(work)
        except IntegrityError as exc:
            if "foreign key" in str(exc.orig).lower():
                raise engines.StoreError(
                    f"no record {record_id} or no reviewer '{reviewer}' in this review"
                ) from None
            raise engines.StoreError(
                f"could not save the decision on record {record_id}: {exc.orig}"
            ) from None
        return Decision(
            did,
            record_id,
            Stage(stage),
            reviewer,
            Verdict(verdict),
            tuple(reasons),
            note,
            values["created_at"],
        )  # type: ignore[arg-type]

    def _changes_vote(
        self, record_id: int, stage: Stage, reviewer: str, verdict: Verdict, reasons: Sequence[str]
    ) -> bool:
        """True if the reviewer has a current vote on the record and this decision differs from it."""
        with self._read() as conn:
            row = conn.execute(
                select(t.Vote.verdict, t.Vote.reasons).where(
                    t.Vote.record_id == record_id, t.Vote.stage == stage.value, t.Vote.reviewer == reviewer
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
            for stage in sorted({r["stage"] for r in rows}, reverse=True):  # title-abstract first
                self._rebuild_votes(conn, Stage(stage))
            for stage in Stage:
                self._refresh_outcomes(conn, protocol, stage, None)
            return len(rows)

        return self._write(work)

    def _rebuild_votes(self, conn: Connection, stage: Stage) -> None:
        """Recompute a stage's current votes from the decision history."""
        conn.execute(t.Vote.__table__.delete().where(t.Vote.stage == stage.value))
        latest = (
            select(func.max(t.Decision.id))
            .where(t.Decision.stage == stage.value)
            .group_by(t.Decision.record_id, t.Decision.reviewer)
        )
        current = select(
            t.Decision.record_id,
            t.Decision.stage,
            t.Decision.reviewer,
            t.Decision.id,
            t.Decision.verdict,
            t.Decision.reasons,
        ).where(t.Decision.id.in_(latest), t.Decision.verdict != Verdict.RETRACTED.value)
        conn.execute(
            insert(t.Vote).from_select(
                ["record_id", "stage", "reviewer", "decision_id", "verdict", "reasons"], current
            )
        )

    def _refresh_outcomes(
        self, conn: Connection, protocol: Protocol, stage: Stage, record_ids: Sequence[int] | None
    ) -> None:
        """Recompute the outcome rows of some records (or all, with None) at a stage."""
        if self.server_derived:
            server_mode.refresh_outcomes(conn, Stage(stage), None if record_ids is None else list(record_ids))
            return
        stage_value = Stage(stage).value
        votes_q = select(t.Vote.record_id, t.Vote.reviewer, t.Vote.verdict, t.Vote.reasons).where(
            t.Vote.stage == stage_value
        )
        res_q = self._resolution_query(Stage(stage))
        delete = t.Outcome.__table__.delete().where(t.Outcome.stage == stage_value)
        not_retrieved: set[int] = set()
        if record_ids is not None:
            votes_q = votes_q.where(t.Vote.record_id.in_(list(record_ids)))
            res_q = res_q.where(t.Resolution.record_id.in_(list(record_ids)))
            delete = delete.where(t.Outcome.record_id.in_(list(record_ids)))
        if Stage(stage) is Stage.FULL_TEXT:
            # A full-text outcome counts only while the record is in the full-text pool's
            # reach (included at title/abstract, or found by other methods), so the PRISMA
            # counts can read the outcome table alone.
            included = select(t.Outcome.record_id).where(
                t.Outcome.stage == Stage.TITLE_ABSTRACT.value, t.Outcome.verdict == Verdict.INCLUDE.value
            )
            other = self._arm_query(other=True)
            if record_ids is not None:  # one decision must not scan the whole review
                included = included.where(t.Outcome.record_id.in_(list(record_ids)))
                other = other.where(t.Record.id.in_(list(record_ids)))
            reach = included.union(other)
            votes_q = votes_q.where(t.Vote.record_id.in_(reach))
            res_q = res_q.where(t.Resolution.record_id.in_(reach))
            nr_q = self._not_retrieved().where(t.Retrieval.record_id.in_(reach))
            not_retrieved = set(conn.execute(nr_q).scalars())
        votes: dict[int, list[Vote]] = {}
        # reasons retired with --map count as the reason they were mapped to
        mapped = protocol.reason_ids if protocol.aliases else tuple
        for rid, reviewer, verdict, reasons in conn.execute(votes_q):
            votes.setdefault(rid, []).append(Vote(reviewer, Verdict(verdict), mapped(json.loads(reasons))))
        resolutions = {
            r.record_id: replace(res, reasons=mapped(res.reasons))
            for r in conn.execute(res_q)
            for res in (_resolution(r),)
        }
        rules = conflict_rules(protocol, Stage(stage))
        order = [c.id for c in protocol.exclusion]
        rows = []
        for rid in set(votes) | set(resolutions) | not_retrieved:
            if rid in not_retrieved:  # an outcome of the full-text stage, whatever the votes say
                rows.append(
                    dict(
                        record_id=rid,
                        stage=stage_value,
                        state=RecordState.NOT_RETRIEVED.value,
                        verdict=None,
                        reason=None,
                    )
                )
                continue
            state, verdict, reason = outcome_of(votes.get(rid, []), resolutions.get(rid), rules, order)
            rows.append(
                dict(
                    record_id=rid,
                    stage=stage_value,
                    state=state.value,
                    verdict=verdict.value if verdict else None,
                    reason=reason,
                )
            )
        conn.execute(delete)
        for i in range(0, len(rows), 5000):
            conn.execute(insert(t.Outcome), rows[i : i + 5000])

    def rebuild_outcomes(self) -> None:
        """Recompute every stage's outcomes (after a protocol change or a schema upgrade)."""
        protocol = self.protocol()

        def work(conn: Connection) -> None:
            server_mode.sync_rules(conn, protocol)
            for stage in Stage:
                self._refresh_outcomes(conn, protocol, stage, None)

        self._write(work)

    def decision_log(self, stage: Stage | None = None, reviewer: str | None = None) -> list[Decision]:
        """Every decision row, oldest first (the full history)."""
        query = select(t.Decision).order_by(t.Decision.id)
        if stage is not None:
            query = query.where(t.Decision.stage == Stage(stage).value)
        if reviewer is not None:
            query = query.where(t.Decision.reviewer == reviewer)
        with self._read() as conn:
            return [_decision(r) for r in conn.execute(query)]

    def visible_log(
        self, viewer: str | None, reviewer: str | None = None, stage: Stage | None = None
    ) -> list[Decision]:
        """The decision log as ``viewer`` may read it: their own always; anyone else's (or everyone's) only for
        stages that are not blind (:class:`Blinded` otherwise)."""
        log = self.decision_log(stage, reviewer)
        if reviewer is None or reviewer != viewer:
            blinding = self.blinding(viewer)
            for s in sorted({d.stage for d in log} | ({Stage(stage)} if stage is not None else set())):
                blinding.check(s)
        return log

    def current_decisions(self, stage: Stage, reviewer: str | None = None) -> dict[tuple[int, str], Decision]:
        """Each reviewer's latest decision per record at a stage, retractions dropped (raw: not for display;
        :meth:`visible_decisions` and :meth:`all_decisions` apply blinding)."""
        query = (
            select(t.Decision)
            .join(t.Vote, t.Vote.decision_id == t.Decision.id)
            .where(t.Vote.stage == Stage(stage).value)
        )
        if reviewer is not None:
            query = query.where(t.Vote.reviewer == reviewer)
        with self._read() as conn:
            return {(d.record_id, d.reviewer): d for d in map(_decision, conn.execute(query))}

    def decided_ids(self, stage: Stage, reviewer: str) -> set[int]:
        """Records a reviewer has a current decision on at a stage (cheap: ids only)."""
        query = select(t.Vote.record_id).where(
            t.Vote.stage == Stage(stage).value, t.Vote.reviewer == reviewer
        )
        with self._read() as conn:
            return set(conn.execute(query).scalars())

    # -- summaries -------------------------------------------------------------------------

    def duplicates_removed(self) -> int:
        """Records that are non-primary members of an active duplicate cluster."""
        query = (
            select(func.count())
            .select_from(t.DupMember)
            .join(t.DupCluster, t.DupCluster.id == t.DupMember.cluster_id)
            .where(t.DupCluster.undone_at.is_(None))
            .where(t.DupMember.record_id != t.DupCluster.primary_record_id)
        )
        with self._read() as conn:
            return conn.execute(query).scalar_one()

    def decision_counts(self, *, queued_only: bool = False) -> dict[tuple[str, str], dict[str, int]]:
        """(stage, reviewer) -> verdict -> number of records, from current decisions.

        ``queued_only``: only records the stage still screens (not removed as duplicates,
        not reports marked not retrieved), so "decided" never exceeds the records to screen.
        """
        out: dict[tuple[str, str], dict[str, int]] = {}
        with self._read() as conn:
            for stage in Stage:
                query = (
                    select(t.Vote.reviewer, t.Vote.verdict, func.count())
                    .where(t.Vote.stage == stage.value)
                    .group_by(t.Vote.reviewer, t.Vote.verdict)
                )
                if queued_only:
                    query = query.where(t.Vote.record_id.in_(self.queue_query(stage)))
                for reviewer, verdict, n in conn.execute(query):
                    out.setdefault((stage.value, reviewer), {})[verdict] = n
        return out


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
