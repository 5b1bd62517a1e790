"""Removing a wrongly imported source, archiving one that was screened, and undoing either until the next dedup.

A source whose records carry no decisions is deleted in one transaction with its dedup
links (pairs, cluster memberships). One whose records carry decisions (or resolutions,
retrievals, study links) is refused, unless archived: its records leave the review (no
pool, no PRISMA identification, no dedup, no search) while every decision stays in the
log. Either is kept in ``source_removal`` so that ``restore_source`` can put it back
exactly, until the next dedup run compares records again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from screener.store import tables as t
from screener.store.engine import StoreError

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


def _rows_back(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    dates = {c.name for c in table.columns if isinstance(getattr(c.type, "impl", c.type), DateTime)}
    return [
        {k: datetime.fromisoformat(v) if k in dates and v is not None else v for k, v in r.items()}
        for r in rows
    ]


class SourceQueries:
    """Mixed into :class:`screener.store.store.Store`."""

    def _read(self) -> Any: ...  # pragma: no cover
    def _write(self, work: Any) -> Any: ...  # pragma: no cover

    def _source_record_ids(self, conn: Connection, source_id: int) -> list[int]:
        return list(
            conn.execute(
                select(t.Record.id).where(t.Record.source_id == source_id).order_by(t.Record.id)
            ).scalars()
        )

    @staticmethod
    def _with_traces(conn: Connection, source_id: int) -> int:
        """Records of a source that carry a decision, resolution, retrieval or study link."""
        ids = select(t.Record.id).where(t.Record.source_id == source_id)
        traced = set()
        for table in _TRACES:
            traced |= set(
                conn.execute(select(table.record_id).where(table.record_id.in_(ids)).distinct()).scalars()
            )
        return len(traced)

    def source_list(self) -> list[SourceInfo]:
        """Every source, archived ones too, with its records and how many carry decisions."""
        with self._read() as conn:
            counts = dict(
                conn.execute(select(t.Record.source_id, func.count()).group_by(t.Record.source_id)).all()
            )
            restorable = set(
                conn.execute(
                    select(t.SourceRemoval.source_id).where(
                        t.SourceRemoval.restored_at.is_(None), t.SourceRemoval.expired_at.is_(None)
                    )
                ).scalars()
            )
            rows = conn.execute(
                select(t.Source).where(t.Source.staged.is_(False)).order_by(t.Source.id)
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
                select(t.SourceRemoval.source_id, t.SourceRemoval.payload, t.SourceRemoval.mode)
                .where(t.SourceRemoval.restored_at.is_(None), t.SourceRemoval.expired_at.is_(None))
                .order_by(t.SourceRemoval.id)
            ).all()
        return [(sid, json.loads(payload)["source"]["name"], mode) for sid, payload, mode in rows]

    def remove_source(self, source_id: int, *, force: bool = False, by: str | None = None) -> Removal:
        """Delete a source with no decisions on its records, or with ``force`` archive one that has some."""
        now = datetime.now(UTC)

        def work(conn: Connection) -> Removal:
            src = conn.execute(
                select(t.Source).where(t.Source.id == source_id, t.Source.staged.is_(False))
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
                pairs = (t.DupPair.record_a.in_(ids)) | (t.DupPair.record_b.in_(ids))
                payload["pairs"] = [
                    _jsonable(dict(r._mapping)) for r in conn.execute(select(t.DupPair).where(pairs))
                ]
                payload["records"] = [
                    _jsonable(dict(r._mapping))
                    for r in conn.execute(select(t.Record).where(t.Record.source_id == source_id))
                ]
                conn.execute(t.DupPair.__table__.delete().where(pairs))
                for table in (t.Vote, t.Outcome):  # derived rows; none without decisions, but be exact
                    conn.execute(table.__table__.delete().where(table.record_id.in_(ids)))
                conn.execute(t.Record.__table__.delete().where(t.Record.source_id == source_id))
                conn.execute(t.Source.__table__.delete().where(t.Source.id == source_id))
            else:
                conn.execute(
                    t.Source.__table__.update().where(t.Source.id == source_id).values(archived_at=now)
                )
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
        rows = conn.execute(
            select(
                t.DupCluster.id, t.DupCluster.primary_record_id, t.DupCluster.status, t.DupMember.record_id
            )
            .join(t.DupMember, t.DupMember.cluster_id == t.DupCluster.id)
            .where(t.DupCluster.undone_at.is_(None))
        ).all()
        members: dict[int, tuple[int, list[int]]] = {}
        status: dict[int, str] = {}
        for cid, primary, st, rid in rows:
            members.setdefault(cid, (primary, []))[1].append(rid)
            status[cid] = st
        touched = []
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
                t.DupMember.__table__.delete().where(
                    t.DupMember.cluster_id == cid, t.DupMember.record_id.in_(gone)
                )
            )
            values: dict[str, Any] = {}
            if len(left) < 2:
                values["undone_at"] = now
            if primary in ids:
                values["primary_record_id"] = left[0] if left else primary
            if values:
                conn.execute(t.DupCluster.__table__.update().where(t.DupCluster.id == cid).values(**values))
        # an emptied cluster whose primary left keeps pointing at it: it must go for the record to go
        for c in touched:
            if c["undone"] and c["primary"] in ids and not [r for r in members[c["id"]][1] if r not in ids]:
                conn.execute(t.DupCluster.__table__.delete().where(t.DupCluster.id == c["id"]))
                c["deleted"] = True
        return touched, len(touched)

    def restore_source(self, source_id: int) -> tuple[str, int]:
        """Undo the latest removal or archiving of a source (until the next dedup); returns (name, records)."""

        def work(conn: Connection) -> tuple[str, int]:
            row = conn.execute(
                select(t.SourceRemoval)
                .where(t.SourceRemoval.source_id == source_id)
                .order_by(t.SourceRemoval.id.desc())
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
                conn.execute(insert(t.Source), _rows_back(t.Source.__table__, [source]))
                records = _rows_back(t.Record.__table__, payload["records"])
                for i in range(0, len(records), 5000):
                    conn.execute(insert(t.Record), records[i : i + 5000])
                if payload["pairs"]:
                    conn.execute(insert(t.DupPair), _rows_back(t.DupPair.__table__, payload["pairs"]))
                count = len(records)
            else:
                conn.execute(
                    t.Source.__table__.update().where(t.Source.id == source_id).values(archived_at=None)
                )
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
                    t.DupCluster.__table__.update()
                    .where(t.DupCluster.id == c["id"])
                    .values(primary_record_id=c["primary"], undone_at=None)
                )
                conn.execute(
                    insert(t.DupMember), [dict(cluster_id=c["id"], record_id=m) for m in c["members"]]
                )
            conn.execute(
                t.SourceRemoval.__table__.update()
                .where(t.SourceRemoval.id == row.id)
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
