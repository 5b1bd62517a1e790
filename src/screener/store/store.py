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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

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
from screener.core.protocol import Protocol, parse_protocol
from screener.store import schema, tables as t
from screener.store.screening import ScreeningQueries

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


_RECORD_FIELDS = ("title", "year", "journal", "journal_abbrev", "volume", "issue", "start_page", "end_page",
                  "doi", "pmid", "pmcid", "issn", "abstract", "language", "publication_type", "url")


def _record_row(source_id: int, bib: BibRecord) -> dict[str, Any]:
    row = {name: getattr(bib, name) for name in _RECORD_FIELDS}
    row.update(
        source_id=source_id,
        position=bib.position,
        line=bib.line,
        source_record_id=bib.source_id,
        authors=json.dumps([[a.family, a.given] for a in bib.authors], ensure_ascii=False),
        keywords=json.dumps(list(bib.keywords), ensure_ascii=False),
        raw=bib.raw,
    )
    return row


def _bib(row: Any) -> BibRecord:
    m = row._mapping
    return BibRecord(
        position=m["position"],
        line=m["line"],
        source_id=m["source_record_id"],
        authors=tuple(Author(f, g) for f, g in json.loads(m["authors"])),
        keywords=tuple(json.loads(m["keywords"])),
        raw=m["raw"],
        **{name: m[name] for name in _RECORD_FIELDS},
    )


def _source(row: Any) -> Source:
    m = row._mapping
    return Source(
        id=m["id"], name=m["name"], kind=SourceKind(m["kind"]), file_name=m["file_name"],
        file_sha256=m["file_sha256"], record_count=m["record_count"], format=m["format"],
        platform=m["platform"], searched_on=m["searched_on"], query=m["query"],
        imported_at=m["imported_at"],
    )


def _decision(row: Any) -> Decision:
    m = row._mapping
    return Decision(
        id=m["id"], record_id=m["record_id"], stage=Stage(m["stage"]), reviewer=m["reviewer"],
        verdict=Verdict(m["verdict"]), reasons=tuple(json.loads(m["reasons"])), note=m["note"],
        created_at=m["created_at"],
    )


class Store(ScreeningQueries):
    """A review database. Create with :func:`open_store`."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.backup_path: Path | None = None
        self._protocol: tuple[str, Protocol] | None = None

    # -- plumbing -----------------------------------------------------------------

    @property
    def location(self) -> str:
        return schema.describe(self.url)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def _write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one write transaction, retrying while another writer holds the lock."""
        delay = 0.05
        for attempt in range(WRITE_RETRIES):
            try:
                with self.engine.connect().execution_options(screener_write=True) as conn:
                    with conn.begin():
                        return work(conn)
            except OperationalError as exc:
                if "locked" not in str(exc.orig).lower() or attempt == WRITE_RETRIES - 1:
                    raise schema.StoreError(f"could not write to {self.location}: {exc.orig}") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except IntegrityError:
                raise
            except DBAPIError as exc:
                raise schema.StoreError(f"could not write to {self.location}: {exc.orig}") from None
        raise AssertionError("unreachable")

    # -- review and protocol --------------------------------------------------------

    def init_review(self, protocol: Protocol) -> None:
        """Record the review and its reviewers (a new, empty database only)."""

        def work(conn: Connection) -> None:
            if conn.execute(select(func.count()).select_from(t.Review)).scalar_one():
                raise schema.StoreError(f"{self.location} already holds a review")
            conn.execute(insert(t.Review).values(title=protocol.title, question=protocol.question,
                                                 protocol_text=protocol.text, created_at=_now()))
            self._sync_reviewers(conn, protocol)

        self._write(work)

    def _sync_reviewers(self, conn: Connection, protocol: Protocol) -> None:
        known = set(conn.execute(select(t.Reviewer.initials)).scalars())
        for r in protocol.reviewers:
            if r.initials not in known:
                conn.execute(insert(t.Reviewer).values(initials=r.initials, name=r.name, role=r.role))
            else:
                conn.execute(t.Reviewer.__table__.update().where(t.Reviewer.initials == r.initials)
                             .values(name=r.name, role=r.role))

    def update_protocol(self, protocol: Protocol) -> None:
        """Replace the stored protocol text (reviewers are added, never removed: decisions name them)."""

        def work(conn: Connection) -> None:
            conn.execute(t.Review.__table__.update().values(
                title=protocol.title, question=protocol.question, protocol_text=protocol.text))
            self._sync_reviewers(conn, protocol)

        self._write(work)

    def protocol(self) -> Protocol:
        with self._read() as conn:
            text = conn.execute(select(t.Review.protocol_text)).scalar_one_or_none()
        if text is None:
            raise schema.StoreError(f"{self.location} holds no review: run 'screener init'")
        if self._protocol is None or self._protocol[0] != text:
            self._protocol = (text, parse_protocol(text, f"{self.location} (stored protocol)"))
        return self._protocol[1]

    # -- sources and records -------------------------------------------------------------

    def source_by_sha256(self, sha256: str) -> Source | None:
        with self._read() as conn:
            row = conn.execute(select(t.Source).where(t.Source.file_sha256 == sha256)
                               .order_by(t.Source.id)).first()
        return _source(row) if row else None

    def add_source(self, source: SourceInput, records: Sequence[BibRecord]) -> Source:
        """Store one search and all its records in one transaction: all or nothing."""

        def work(conn: Connection) -> int:
            sid = conn.execute(insert(t.Source).values(
                name=source.name, kind=source.kind.value, platform=source.platform,
                searched_on=source.searched_on, query=source.query, file_name=source.file_name,
                file_sha256=source.file_sha256, format=source.format, encoding=source.encoding,
                record_count=len(records), imported_at=_now(),
            ).returning(t.Source.id)).scalar_one()
            chunk = 5000
            for i in range(0, len(records), chunk):
                conn.execute(insert(t.Record), [_record_row(sid, r) for r in records[i:i + chunk]])
            return sid

        sid = self._write(work)
        return self.source(sid)

    def source(self, source_id: int) -> Source:
        with self._read() as conn:
            return _source(conn.execute(select(t.Source).where(t.Source.id == source_id)).one())

    def sources(self) -> list[Source]:
        with self._read() as conn:
            return [_source(r) for r in conn.execute(select(t.Source).order_by(t.Source.id))]

    def record_count(self) -> int:
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(t.Record)).scalar_one()

    def records(self, ids: Iterable[int] | None = None) -> list[StoredRecord]:
        """Records in import order (all, or the given ids)."""
        query = select(t.Record).order_by(t.Record.id)
        if ids is not None:
            query = query.where(t.Record.id.in_(list(ids)))
        with self._read() as conn:
            return [StoredRecord(r.id, r.source_id, _bib(r)) for r in conn.execute(query)]

    def record(self, record_id: int) -> StoredRecord | None:
        found = self.records([record_id])
        return found[0] if found else None

    def record_sources_map(self) -> dict[int, int]:
        """record id -> source id, for every record."""
        with self._read() as conn:
            return dict(conn.execute(select(t.Record.id, t.Record.source_id)).all())

    def record_sources(self, record_id: int) -> list[str]:
        """Names of the databases a record came from: its own and those of its duplicates."""
        cluster = (select(t.DupMember.cluster_id).join(t.DupCluster, t.DupCluster.id == t.DupMember.cluster_id)
                   .where(t.DupMember.record_id == record_id, t.DupCluster.undone_at.is_(None)))
        members = select(t.DupMember.record_id).where(t.DupMember.cluster_id.in_(cluster))
        query = (select(t.Source.name).join(t.Record, t.Record.source_id == t.Source.id)
                 .where((t.Record.id == record_id) | t.Record.id.in_(members)).distinct())
        with self._read() as conn:
            return sorted(conn.execute(query).scalars())

    def search(self, text: str) -> list[int]:
        """Ids of records whose title, abstract, authors or journal contain ``text`` (any case)."""
        needle = f"%{text.lower()}%"
        fields = (t.Record.title, t.Record.abstract, t.Record.authors, t.Record.journal)
        cond = None
        for f in fields:
            c = func.lower(func.coalesce(f, "")).like(needle)
            cond = c if cond is None else cond | c
        with self._read() as conn:
            return list(conn.execute(select(t.Record.id).where(cond).order_by(t.Record.id)).scalars())

    # -- decisions (append-only) ---------------------------------------------------------

    def reviewers(self) -> list[str]:
        with self._read() as conn:
            return list(conn.execute(select(t.Reviewer.initials).order_by(t.Reviewer.id)).scalars())

    def record_decision(self, record_id: int, stage: Stage, reviewer: str, verdict: Verdict,
                        reasons: Sequence[str] = (), note: str | None = None) -> Decision:
        """Append a decision; it is committed when this returns."""
        values = dict(record_id=record_id, stage=Stage(stage).value, reviewer=reviewer,
                      verdict=Verdict(verdict).value, reasons=json.dumps(list(reasons)), note=note,
                      created_at=_now())

        def work(conn: Connection) -> int:
            return conn.execute(insert(t.Decision).values(**values).returning(t.Decision.id)).scalar_one()

        try:
            did = self._write(work)
        except IntegrityError:
            raise schema.StoreError(f"no record {record_id} or no reviewer '{reviewer}' in this review") from None
        return Decision(did, record_id, Stage(stage), reviewer, Verdict(verdict), tuple(reasons), note,
                        values["created_at"])  # type: ignore[arg-type]

    def decision_log(self, stage: Stage | None = None, reviewer: str | None = None) -> list[Decision]:
        """Every decision row, oldest first (the full history)."""
        query = select(t.Decision).order_by(t.Decision.id)
        if stage is not None:
            query = query.where(t.Decision.stage == Stage(stage).value)
        if reviewer is not None:
            query = query.where(t.Decision.reviewer == reviewer)
        with self._read() as conn:
            return [_decision(r) for r in conn.execute(query)]

    def current_decisions(self, stage: Stage, reviewer: str | None = None) -> dict[tuple[int, str], Decision]:
        """Each reviewer's latest decision per record at a stage, retractions dropped."""
        latest = (select(func.max(t.Decision.id))
                  .where(t.Decision.stage == Stage(stage).value)
                  .group_by(t.Decision.record_id, t.Decision.reviewer))
        if reviewer is not None:
            latest = latest.where(t.Decision.reviewer == reviewer)
        query = select(t.Decision).where(t.Decision.id.in_(latest))
        with self._read() as conn:
            rows = [_decision(r) for r in conn.execute(query)]
        return {(d.record_id, d.reviewer): d for d in rows if d.verdict is not Verdict.RETRACTED}

    # -- summaries -------------------------------------------------------------------------

    def duplicates_removed(self) -> int:
        """Records that are non-primary members of an active duplicate cluster."""
        query = (select(func.count()).select_from(t.DupMember)
                 .join(t.DupCluster, t.DupCluster.id == t.DupMember.cluster_id)
                 .where(t.DupCluster.undone_at.is_(None))
                 .where(t.DupMember.record_id != t.DupCluster.primary_record_id))
        with self._read() as conn:
            return conn.execute(query).scalar_one()

    def decision_counts(self) -> dict[tuple[str, str], dict[str, int]]:
        """(stage, reviewer) -> verdict -> number of records, from current decisions."""
        latest = select(func.max(t.Decision.id)).group_by(t.Decision.stage, t.Decision.record_id,
                                                          t.Decision.reviewer)
        query = (select(t.Decision.stage, t.Decision.reviewer, t.Decision.verdict, func.count())
                 .where(t.Decision.id.in_(latest))
                 .group_by(t.Decision.stage, t.Decision.reviewer, t.Decision.verdict))
        out: dict[tuple[str, str], dict[str, int]] = {}
        with self._read() as conn:
            for stage, reviewer, verdict, n in conn.execute(query):
                if verdict != Verdict.RETRACTED.value:
                    out.setdefault((stage, reviewer), {})[verdict] = n
        return out


def open_store(target: str | Path, *, create: bool = False) -> Store:
    """Open (or with ``create``, create) the review database at a path or SQLAlchemy URL.

    An older schema is upgraded (an SQLite file is first backed up next to itself); a
    newer one is refused with :class:`StoreError`.
    """
    url = schema.database_url(target)
    path = schema.sqlite_path(url)
    if path is not None and not create and not path.exists():
        raise schema.StoreError(f"no review at {path}: create one with 'screener init' (or pass --db)")
    if path is not None and create:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = schema.make_engine(url)
    try:
        backup = schema.prepare(engine, create=create)
    except BaseException:
        engine.dispose()
        raise
    store = Store(engine, url)
    store.backup_path = backup
    return store
