"""Sources and their records: importing a search, reading records, and removing or archiving a source.

An import stores one search and its records, all or nothing (:mod:`screener.store.importing`
stages them and publishes them in one short transaction).

A source whose records carry no decisions is deleted in one transaction with its dedup
links (pairs, cluster memberships). One whose records carry decisions (or resolutions,
retrievals, study links) is refused, unless archived: its records leave the review (no
pool, no PRISMA identification, no dedup, no search) while every decision stays in the
log. Either is kept in ``source_removal`` so that ``restore_source`` can put it back
exactly, until the next dedup run compares records again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Row, Select, delete, func, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col

from screener.core.models import Author, BibRecord, Source, SourceKind, StoredRecord
from screener.core.normalise import search_fold
from screener.store import tables as t
from screener.store.base import StoreBase, from_row
from screener.store.engine import StoreError
from screener.store.importing import RECORD_FIELDS, SourceWriter
from screener.store.pools import active_cluster_members

_TRACES = (t.Decision, t.Resolution, t.Retrieval, t.StudyReport, t.Note, t.RecordLabel)  # a reviewer's work


@dataclass(frozen=True)
class SourceInfo:
    """A source as ``source list`` shows it."""

    id: int
    name: str
    file_name: str
    records: int
    with_decisions: int
    archived: bool
    imported_at: datetime | None
    restorable: bool


@dataclass(frozen=True)
class Removal:
    """What ``remove_source`` did."""

    source_id: int
    name: str
    mode: str  # removed | archived
    records: int
    with_decisions: int
    clusters_changed: int


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def _rows_back(model: type[SQLModel], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    columns = inspect(model).local_table.columns
    dates = {c.name for c in columns if isinstance(getattr(c.type, "impl", c.type), DateTime)}
    return [
        {k: datetime.fromisoformat(v) if k in dates and v is not None else v for k, v in r.items()}
        for r in rows
    ]


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


def _source(row: Row[Any]) -> Source:
    return from_row(Source, row, kind=SourceKind)


class SourceQueries(StoreBase):
    """Sources and records: import, read, remove, archive, restore."""

    # -- importing --------------------------------------------------------------------------

    def source_by_sha256(self, sha256: str) -> Source | None:
        with self._read() as conn:
            row = conn.execute(
                select(t.Source)
                .where(col(t.Source.file_sha256) == sha256, t.in_review())
                .order_by(col(t.Source.id))
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

    # -- reading sources and records ----------------------------------------------------------

    def source(self, source_id: int) -> Source:
        with self._read() as conn:
            return _source(conn.execute(select(t.Source).where(col(t.Source.id) == source_id)).one())

    def sources(self) -> list[Source]:
        """The review's sources (an archived one has left the review: see ``source_list``)."""
        with self._read() as conn:
            return [
                _source(r)
                for r in conn.execute(select(t.Source).where(t.in_review()).order_by(col(t.Source.id)))
            ]

    def _active_sources(self) -> Select[int]:
        """Ids of the sources whose records are in the review (not archived, not being imported)."""
        return select(col(t.Source.id)).where(t.in_review())

    def record_count(self) -> int:
        with self._read() as conn:
            count: int = conn.execute(
                select(func.count())
                .select_from(t.Record)
                .where(col(t.Record.source_id).in_(self._active_sources()))
            ).scalar_one()
            return count

    def records(self, ids: Iterable[int] | None = None) -> list[StoredRecord]:
        """Records in import order (all in the review, or the given ids, archived or not)."""
        query = select(*(getattr(t.Record, c) for c in _READ_COLUMNS)).order_by(col(t.Record.id))
        if ids is not None:
            query = query.where(col(t.Record.id).in_(list(ids)))
        else:
            query = query.where(col(t.Record.source_id).in_(self._active_sources()))
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
                    select(col(t.Record.id), col(t.Record.source_id))
                    .join(t.Source)
                    .where(col(t.Source.staged).is_(False))
                ).all()
            )

    def record_sources(self, record_id: int) -> list[str]:
        """Names of the databases a record came from: its own and those of its duplicates."""
        cluster = (
            select(col(t.DupMember.cluster_id))
            .join(t.DupCluster, col(t.DupCluster.id) == col(t.DupMember.cluster_id))
            .where(col(t.DupMember.record_id) == record_id, col(t.DupCluster.undone_at).is_(None))
        )
        members = select(col(t.DupMember.record_id)).where(col(t.DupMember.cluster_id).in_(cluster))
        query = (
            select(col(t.Source.name))
            .join(t.Record, col(t.Record.source_id) == col(t.Source.id))
            .where((col(t.Record.id) == record_id) | col(t.Record.id).in_(members))
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
        fields = (
            col(t.Record.title),
            col(t.Record.abstract),
            col(t.Record.authors),
            col(t.Record.journal),
        )
        with self._read() as conn:
            rows = conn.execute(
                select(col(t.Record.id), *fields)
                .where(col(t.Record.source_id).in_(self._active_sources()))
                .order_by(col(t.Record.id))
            )
            return [row[0] for row in rows if any(f and needle in search_fold(f) for f in row[1:])]

    # -- removing, archiving, restoring -------------------------------------------------------

    def _source_record_ids(self, conn: Connection, source_id: int) -> list[int]:
        return list(
            conn.execute(
                select(col(t.Record.id))
                .where(col(t.Record.source_id) == source_id)
                .order_by(col(t.Record.id))
            ).scalars()
        )

    @staticmethod
    def _with_traces(conn: Connection, source_id: int) -> int:
        """Records of a source that carry a decision, resolution, retrieval or study link."""
        ids = select(col(t.Record.id)).where(col(t.Record.source_id) == source_id)
        traced = set()
        for table in _TRACES:
            traced |= set(
                conn.execute(
                    select(col(table.record_id)).where(col(table.record_id).in_(ids)).distinct()
                ).scalars()
            )
        return len(traced)

    def source_list(self) -> list[SourceInfo]:
        """Every source, archived ones too, with its records and how many carry decisions."""
        with self._read() as conn:
            counts = dict(
                conn.execute(
                    select(col(t.Record.source_id), func.count()).group_by(col(t.Record.source_id))
                ).all()
            )
            restorable = set(
                conn.execute(
                    select(col(t.SourceRemoval.source_id)).where(
                        col(t.SourceRemoval.restored_at).is_(None), col(t.SourceRemoval.expired_at).is_(None)
                    )
                ).scalars()
            )
            rows = conn.execute(
                select(t.Source).where(col(t.Source.staged).is_(False)).order_by(col(t.Source.id))
            ).all()
            return [
                SourceInfo(
                    r.id,
                    r.name,
                    r.file_name,
                    counts.get(r.id, 0),
                    self._with_traces(conn, r.id),
                    r.archived_at is not None,
                    r.imported_at,
                    r.id in restorable,
                )
                for r in rows
            ]

    def removed_sources(self) -> list[tuple[int, str, str]]:
        """(source id, name, mode) of removals that can still be restored."""
        with self._read() as conn:
            rows = conn.execute(
                select(
                    col(t.SourceRemoval.source_id), col(t.SourceRemoval.payload), col(t.SourceRemoval.mode)
                )
                .where(col(t.SourceRemoval.restored_at).is_(None), col(t.SourceRemoval.expired_at).is_(None))
                .order_by(col(t.SourceRemoval.id))
            ).all()
        return [(sid, json.loads(payload)["source"]["name"], mode) for sid, payload, mode in rows]

    def remove_source(self, source_id: int, *, force: bool = False, by: str | None = None) -> Removal:
        """Delete a source with no decisions on its records, or with ``force`` archive one that has some."""
        now = datetime.now(UTC)

        def work(conn: Connection) -> Removal:
            src = conn.execute(
                select(t.Source).where(col(t.Source.id) == source_id, col(t.Source.staged).is_(False))
            ).first()
            if src is None or src.archived_at is not None:
                state = "is archived already" if src is not None else "does not exist"
                raise StoreError(f"source {source_id} {state} (see 'screener source list')")
            ids = self._source_record_ids(conn, source_id)
            traced = self._with_traces(conn, source_id)
            if traced and not force:
                raise StoreError(
                    f"source {source_id} ({src.name}): {traced} of its {len(ids)} records carry "
                    "decisions; --force archives it (records leave the review, decisions stay in the log)"
                )
            mode = "archived" if traced else "removed"
            payload: dict[str, Any] = {"source": _jsonable(dict(src._mapping)), "clusters": []}
            payload["clusters"], changed = self._detach_from_clusters(conn, set(ids), now)
            if mode == "removed":
                pairs = (col(t.DupPair.record_a).in_(ids)) | (col(t.DupPair.record_b).in_(ids))
                payload["pairs"] = [
                    _jsonable(dict(r._mapping)) for r in conn.execute(select(t.DupPair).where(pairs))
                ]
                payload["records"] = [
                    _jsonable(dict(r._mapping))
                    for r in conn.execute(select(t.Record).where(col(t.Record.source_id) == source_id))
                ]
                conn.execute(delete(t.DupPair).where(pairs))
                for table in (t.Vote, t.Outcome):  # derived rows; none without decisions, but be exact
                    conn.execute(delete(table).where(col(table.record_id).in_(ids)))
                conn.execute(delete(t.Record).where(col(t.Record.source_id) == source_id))
                conn.execute(delete(t.Source).where(col(t.Source.id) == source_id))
            else:
                conn.execute(update(t.Source).where(col(t.Source.id) == source_id).values(archived_at=now))
            conn.execute(
                insert(t.SourceRemoval).values(
                    source_id=source_id, mode=mode, payload=json.dumps(payload), by=by, created_at=now
                )
            )
            return Removal(source_id, src.name, mode, len(ids), traced, changed)

        return self._write(work)

    @staticmethod
    def _detach_from_clusters(
        conn: Connection, ids: set[int], now: datetime
    ) -> tuple[list[dict[str, Any]], int]:
        """Take records out of their active clusters; return what to put back on restore.

        A cluster keeps its id while two members remain (a new primary if its own left);
        with fewer it is marked undone.
        """
        rows = conn.execute(active_cluster_members()).all()
        members: dict[int, tuple[int, list[int]]] = {}
        status: dict[int, str] = {}
        for cid, primary, st, rid in rows:
            members.setdefault(cid, (primary, []))[1].append(rid)
            status[cid] = st
        touched: list[dict[str, Any]] = []  # JSON, kept in the removal's payload
        for cid, (primary, recs) in members.items():
            gone = [r for r in recs if r in ids]
            if not gone:
                continue
            left = sorted(r for r in recs if r not in ids)
            touched.append(
                {
                    "id": cid,
                    "primary": primary,
                    "status": status[cid],
                    "members": gone,
                    "undone": len(left) < 2,
                }
            )
            conn.execute(
                delete(t.DupMember).where(
                    col(t.DupMember.cluster_id) == cid, col(t.DupMember.record_id).in_(gone)
                )
            )
            values: dict[str, Any] = {}
            if len(left) < 2:
                values["undone_at"] = now
            if primary in ids:
                values["primary_record_id"] = left[0] if left else primary
            if values:
                conn.execute(update(t.DupCluster).where(col(t.DupCluster.id) == cid).values(**values))
        # an emptied cluster whose primary left keeps pointing at it: it must go for the record to go
        for c in touched:
            if c["undone"] and c["primary"] in ids and not [r for r in members[c["id"]][1] if r not in ids]:
                conn.execute(delete(t.DupCluster).where(col(t.DupCluster.id) == c["id"]))
                c["deleted"] = True
        return touched, len(touched)

    def restore_source(self, source_id: int) -> tuple[str, int]:
        """Undo the latest removal or archiving of a source (until the next dedup): its name and records."""

        def work(conn: Connection) -> tuple[str, int]:
            row = conn.execute(
                select(t.SourceRemoval)
                .where(col(t.SourceRemoval.source_id) == source_id)
                .order_by(col(t.SourceRemoval.id).desc())
            ).first()
            if row is None or row.restored_at is not None:
                raise StoreError(f"source {source_id} was not removed (see 'screener source list')")
            if row.expired_at is not None:
                raise StoreError(
                    f"source {source_id} cannot be restored: dedup has run since it was removed; "
                    "import its file again"
                )
            payload = json.loads(row.payload)
            source = payload["source"]
            if row.mode == "removed":
                conn.execute(insert(t.Source), _rows_back(t.Source, [source]))
                records = _rows_back(t.Record, payload["records"])
                for i in range(0, len(records), 5000):
                    conn.execute(insert(t.Record), records[i : i + 5000])
                if payload["pairs"]:
                    conn.execute(insert(t.DupPair), _rows_back(t.DupPair, payload["pairs"]))
                count = len(records)
            else:
                conn.execute(update(t.Source).where(col(t.Source.id) == source_id).values(archived_at=None))
                count = len(self._source_record_ids(conn, source_id))
            for c in payload["clusters"]:
                if c.get("deleted"):
                    conn.execute(
                        insert(t.DupCluster).values(
                            id=c["id"],
                            primary_record_id=c["primary"],
                            status=c["status"],
                            created_at=row.created_at,
                        )
                    )
                conn.execute(
                    update(t.DupCluster)
                    .where(col(t.DupCluster.id) == c["id"])
                    .values(primary_record_id=c["primary"], undone_at=None)
                )
                conn.execute(
                    insert(t.DupMember), [dict(cluster_id=c["id"], record_id=m) for m in c["members"]]
                )
            conn.execute(
                update(t.SourceRemoval)
                .where(col(t.SourceRemoval.id) == row.id)
                .values(restored_at=datetime.now(UTC))
            )
            return source["name"], count

        try:
            return self._write(work)
        except IntegrityError:
            raise StoreError(
                f"source {source_id} cannot be restored: its file was imported again since; remove that "
                "source first"
            ) from None
