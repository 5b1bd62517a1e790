"""Duplicate clusters and pairs: stored, reviewable, reversible.

Automatic pair results (``dup_pair`` rows without ``decided_by``) are replaced by each
run; human decisions (rows with ``decided_by``) are append-only and always win. Clusters
are never deleted: a cluster that a run no longer finds, or that a user undoes, gets
``undone_at``, and only active clusters remove records from screening and count as
PRISMA's "duplicate records removed".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from typing import Any, Literal, NamedTuple, TypedDict

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlmodel import col

from screener.core.conflicts import RecordState
from screener.core.models import Stage, StoredRecord, Verdict
from screener.store import tables as t
from screener.store.engine import StoreError
from screener.store.pools import active_cluster_members
from screener.store.sources import SourceQueries


@dataclass(frozen=True)
class StoredPair:
    """A candidate pair as stored: automatic (decided_by None) or a human decision."""

    id: int
    a: int
    b: int
    outcome: str
    rule: str
    scores: dict[str, float]
    decided_by: str | None


@dataclass(frozen=True)
class StoredCluster:
    """An active duplicate cluster."""

    id: int
    primary: int
    members: tuple[int, ...]
    status: str


@dataclass(frozen=True)
class NewCluster:
    """A cluster to store: its members, primary and how it was decided."""

    members: tuple[int, ...]
    primary: int
    status: str


# screened_weights: an outcome outweighs any sum of votes, a full-text weight any title/abstract one
_OUTCOME_STEP = 1_000
_FULL_TEXT_STEP = 10 * _OUTCOME_STEP


def _outcome_rank(state: str, verdict: str | None) -> int:
    """2 for an include, 1 for an outcome still open (a conflict, a vote awaited), 0 for an exclusion
    (or a report not retrieved)."""
    if verdict is not None:
        return 2 if verdict == Verdict.INCLUDE.value else 0
    return 0 if state == RecordState.NOT_RETRIEVED.value else 1


def _core_status(status: str) -> Literal["automatic", "human"]:
    """A stored cluster's status as core's ``Cluster`` types it (the column holds only these two)."""
    return "human" if status == "human" else "automatic"


def _naive(when: datetime) -> datetime:
    """A UTC time without tzinfo (SQLite returns naive times, PostgreSQL aware ones)."""
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _pair(row: Row[Any]) -> StoredPair:
    m = row._mapping
    return StoredPair(
        m["id"],
        m["record_a"],
        m["record_b"],
        m["outcome"],
        m["rule"],
        json.loads(m["scores"]),
        m["decided_by"],
    )


class _PairRow(TypedDict):
    """A ``dup_pair`` row to insert."""

    record_a: int
    record_b: int
    outcome: str
    rule: str
    scores: str  # JSON: field -> score
    decided_by: str | None  # None: an automatic result
    created_at: datetime


def _pair_row(
    a: int, b: int, outcome: str, rule: str, scores: str, decided_by: str | None, now: datetime
) -> _PairRow:
    return {
        "record_a": a,
        "record_b": b,
        "outcome": outcome,
        "rule": rule,
        "scores": scores,
        "decided_by": decided_by,
        "created_at": now,
    }


class _ActiveCluster(NamedTuple):
    """An active cluster as stored, before a run replaces the clustering."""

    primary: int
    status: str
    members: set[int]


def _key(cluster: _ActiveCluster) -> tuple[frozenset[int], int, str]:
    """What makes two clusterings' clusters the same: members, primary and status."""
    return frozenset(cluster.members), cluster.primary, cluster.status


def _active_clusters(conn: Connection) -> dict[int, _ActiveCluster]:
    existing: dict[int, _ActiveCluster] = {}
    for cid, primary, status, rid in conn.execute(active_cluster_members()):
        existing.setdefault(cid, _ActiveCluster(primary, status, set())).members.add(rid)
    return existing


def _grown(
    existing: dict[int, _ActiveCluster], keep: set[int], new: list[NewCluster]
) -> dict[int, NewCluster]:
    """The new clusters that hold every member of an active cluster not kept, by that cluster's id.

    A cluster that grew (every old member still in it) keeps its id: people note cluster ids.
    """
    grown: dict[int, NewCluster] = {}
    old_cluster_of = {rid: cid for cid, old in existing.items() if cid not in keep for rid in old.members}
    for c in new:
        members = set(c.members)
        inside = [
            cid
            for cid in {old_cluster_of[r] for r in members if r in old_cluster_of}
            if cid not in grown and existing[cid].members <= members
        ]
        if inside:
            grown[min(inside)] = c
    return grown


def _grow(conn: Connection, cid: int, old: _ActiveCluster, c: NewCluster, now: datetime) -> None:
    """Give active cluster ``cid`` the primary, status and added members of ``c``."""
    conn.execute(
        update(t.DupCluster)
        .where(col(t.DupCluster.id) == cid)
        .values(primary_record_id=c.primary, status=c.status)
    )
    added_members = [
        dict(cluster_id=cid, record_id=m, joined_at=now) for m in c.members if m not in old.members
    ]
    if added_members:
        conn.execute(insert(t.DupMember), added_members)


def _insert_clusters(conn: Connection, new: list[NewCluster], now: datetime) -> None:
    # One round trip for all clusters (ids returned in order), one for all members.
    ids = (
        conn.execute(
            insert(t.DupCluster).returning(col(t.DupCluster.id), sort_by_parameter_order=True),
            [dict(primary_record_id=c.primary, status=c.status, created_at=now) for c in new],
        )
        .scalars()
        .all()
    )
    rows = [
        dict(cluster_id=cid, record_id=m, joined_at=now)
        for cid, c in zip(ids, new, strict=True)
        for m in c.members
    ]
    for i in range(0, len(rows), 10_000):
        conn.execute(insert(t.DupMember), rows[i : i + 10_000])


class DedupQueries(SourceQueries):
    """Duplicate pairs and clusters: dedup runs, pair decisions, merges and their undoing."""

    def last_dedup_run(self) -> dict[str, Any] | None:
        with self._read() as conn:
            row = conn.execute(select(t.DedupRun).order_by(col(t.DedupRun.id).desc()).limit(1)).first()
        return dict(row._mapping) if row else None

    def human_pair_decisions(self, *, undos: bool = True) -> dict[frozenset[int], str]:
        """The latest human decision per pair: 'duplicate' or 'distinct'.

        ``undos=False`` leaves out the 'distinct' pairs recorded by undoing a merge (see
        :meth:`merges_undone`), keeping the pairs a reviewer decided one by one.
        """
        query = (
            select(col(t.DupPair.record_a), col(t.DupPair.record_b), col(t.DupPair.outcome))
            .where(col(t.DupPair.decided_by).is_not(None))
            .order_by(col(t.DupPair.id))
        )
        if not undos:
            query = query.where(col(t.DupPair.rule) != "human-undo")
        with self._read() as conn:
            return {frozenset((a, b)): outcome for a, b, outcome in conn.execute(query)}

    def merges_undone(self) -> int:
        """Merges a person undid (not clusters superseded by a later dedup run)."""
        undo_times = select(col(t.DupPair.created_at)).where(col(t.DupPair.rule) == "human-undo")
        query = (
            select(func.count()).select_from(t.DupCluster).where(col(t.DupCluster.undone_at).in_(undo_times))
        )
        with self._read() as conn:
            return conn.execute(query).scalar_one()

    def automatic_pairs(self, outcome: str | None = None) -> list[StoredPair]:
        query = (
            select(t.DupPair)
            .where(col(t.DupPair.decided_by).is_(None))
            .order_by(col(t.DupPair.record_a), col(t.DupPair.record_b))
        )
        if outcome:
            query = query.where(col(t.DupPair.outcome) == outcome)
        with self._read() as conn:
            return [_pair(r) for r in conn.execute(query)]

    def pairs_of(self, record_id: int) -> list[StoredPair]:
        """Every stored pair (automatic and human) involving a record, oldest first."""
        query = (
            select(t.DupPair)
            .where((col(t.DupPair.record_a) == record_id) | (col(t.DupPair.record_b) == record_id))
            .order_by(col(t.DupPair.id))
        )
        with self._read() as conn:
            return [_pair(r) for r in conn.execute(query)]

    def clusters(self, record_id: int | None = None) -> list[StoredCluster]:
        """Active clusters with their members (all, or the one holding ``record_id``)."""
        query = active_cluster_members().order_by(col(t.DupCluster.id), col(t.DupMember.record_id))
        if record_id is not None:
            query = query.where(
                col(t.DupCluster.id).in_(
                    select(col(t.DupMember.cluster_id)).where(col(t.DupMember.record_id) == record_id)
                )
            )
        out: dict[int, tuple[int, str, list[int]]] = {}
        with self._read() as conn:
            for cid, primary, status, rid in conn.execute(query):
                out.setdefault(cid, (primary, status, []))[2].append(rid)
        return [StoredCluster(cid, p, tuple(m), s) for cid, (p, s, m) in out.items()]

    def cluster_of(self, record_id: int) -> StoredCluster | None:
        found = self.clusters(record_id)
        return found[0] if found else None

    def possible_queue(self) -> list[StoredPair]:
        """Possible duplicates waiting for a human: no human decision, not already in one cluster."""
        human = self.human_pair_decisions()
        cluster_of = {m: c.id for c in self.clusters() for m in c.members}
        return [
            p
            for p in self.automatic_pairs("possible")
            if frozenset((p.a, p.b)) not in human
            and (cluster_of.get(p.a) is None or cluster_of.get(p.a) != cluster_of.get(p.b))
        ]

    def save_dedup(
        self,
        *,
        mode: str,
        max_record_id: int,
        thresholds: dict[str, Any],
        pairs: Iterable[tuple[int, int, str, str, dict[str, float]]],
        replace_all: bool,
        clusters: Sequence[NewCluster],
        compared: int,
        new_records: int,
        seconds: float,
    ) -> dict[str, int]:
        """Store one run in one transaction: its automatic pairs, the clustering, and the run row.

        ``replace_all``: a full run replaces every automatic pair; an incremental run
        replaces only the pairs it compared again. Clusters that are unchanged keep their
        id; the others are marked undone (superseded) and the new ones added.
        """
        now = datetime.now(UTC)
        pair_rows = [_pair_row(a, b, o, r, json.dumps(s), None, now) for a, b, o, r, s in pairs]

        def work(conn: Connection) -> dict[str, int]:
            automatic = delete(t.DupPair).where(col(t.DupPair.decided_by).is_(None))
            if replace_all:
                conn.execute(automatic)
            else:
                for row in pair_rows:
                    conn.execute(
                        automatic.where(
                            col(t.DupPair.record_a) == row["record_a"],
                            col(t.DupPair.record_b) == row["record_b"],
                        )
                    )
            for i in range(0, len(pair_rows), 5000):
                conn.execute(insert(t.DupPair), pair_rows[i : i + 5000])
            added, superseded = self._replace_clusters(conn, clusters, now)
            # removed sources can be restored only until records are compared again
            conn.execute(
                update(t.SourceRemoval)
                .where(col(t.SourceRemoval.restored_at).is_(None), col(t.SourceRemoval.expired_at).is_(None))
                .values(expired_at=now)
            )
            removed = sum(len(c.members) - 1 for c in clusters)
            conn.execute(
                insert(t.DedupRun).values(
                    created_at=now,
                    mode=mode,
                    max_record_id=max_record_id,
                    thresholds=json.dumps(thresholds),
                    compared=compared,
                    new_records=new_records,
                    duplicate_pairs=sum(1 for r in pair_rows if r["outcome"] == "duplicate"),
                    possible_pairs=sum(1 for r in pair_rows if r["outcome"] == "possible"),
                    clusters=len(clusters),
                    removed=removed,
                    seconds=seconds,
                )
            )
            return {"added": added, "superseded": superseded, "removed": removed}

        return self._write(work)

    def _replace_clusters(
        self, conn: Connection, clusters: Sequence[NewCluster], now: datetime
    ) -> tuple[int, int]:
        """Make the active clusters those of ``clusters``: (clusters added or grown, clusters superseded).

        An unchanged cluster keeps its row; a cluster that grew keeps its id; the other active
        clusters are marked undone and the remaining new ones inserted.
        """
        existing = _active_clusters(conn)
        wanted = {(frozenset(c.members), c.primary, c.status): c for c in clusters}
        keep = {cid for cid, old in existing.items() if _key(old) in wanted}
        kept_keys = {_key(existing[cid]) for cid in keep}
        new = [c for key, c in wanted.items() if key not in kept_keys]
        grown = _grown(existing, keep, new)
        for cid, c in grown.items():
            _grow(conn, cid, existing[cid], c, now)
        keep |= set(grown)
        new = [c for c in new if all(c is not g for g in grown.values())]
        superseded = [cid for cid in existing if cid not in keep]
        if superseded:
            conn.execute(
                update(t.DupCluster).where(col(t.DupCluster.id).in_(superseded)).values(undone_at=now)
            )
        if new:
            _insert_clusters(conn, new, now)
        return len(new) + len(grown), len(superseded)

    def record_pair_decision(self, a: int, b: int, outcome: str, by: str) -> None:
        """Append a human decision on a pair: 'duplicate' or 'distinct'.

        A 'duplicate' outranks earlier human 'distinct' decisions between the records
        already joined to ``a`` and those joined to ``b`` (e.g. the links an undo recorded
        between an identifier twin of ``a`` and ``b``): they are superseded by the same
        decision, so ``--same A B`` after an undo does join A and B.
        """
        if outcome not in ("duplicate", "distinct"):
            raise StoreError("a pair decision is 'duplicate' or 'distinct'")
        by = self.check_reviewer(by, "--by")
        a, b = sorted((a, b))
        pairs: set[tuple[int, ...]] = {(a, b)}
        if outcome == "duplicate":
            side_a = set(c.members) if (c := self.cluster_of(a)) else {a}
            side_b = set(c.members) if (c := self.cluster_of(b)) else {b}
            human = self.human_pair_decisions()
            pairs |= {
                tuple(sorted(k))
                for k, v in human.items()
                if v == "distinct"
                and len(k & side_a) == 1
                and len(k & side_b) == 1
                and k - side_a - side_b == set()
            }
        now = datetime.now(UTC)

        def work(conn: Connection) -> None:
            conn.execute(
                insert(t.DupPair),
                [_pair_row(x, y, outcome, f"human-{outcome}", "{}", by, now) for x, y in sorted(pairs)],
            )

        self._write(work)

    def undo_cluster(self, cluster_id: int, by: str) -> StoredCluster:
        """Undo a merge: one recorded human decision about the cluster.

        The cluster stops removing records, and the links that joined it are recorded as
        human 'distinct' decisions (``rule`` "human-undo") so that later runs do not merge
        them again, except between records with the same DOI or PMID: those stay
        together (the caller re-clusters after the undo) unless a human names the pair
        with ``--different``. A later ``--same A B`` outranks the undo for that pair.
        """
        from screener.core.dedup import identifier_groups

        by = self.check_reviewer(by, "--by")
        cluster = next((c for c in self.clusters() if c.id == cluster_id), None)
        if cluster is None:
            raise StoreError(f"no active duplicate cluster {cluster_id} (see 'screener export duplicates')")
        group_of = {
            m: n
            for n, g in enumerate(identifier_groups({r.id: r.bib for r in self.records(cluster.members)}))
            for m in g
        }
        now = datetime.now(UTC)

        def work(conn: Connection) -> None:
            conn.execute(
                update(t.DupCluster)
                .where(col(t.DupCluster.id) == cluster_id)
                .values(undone_at=now, undone_by=by)
            )
            rows = [
                _pair_row(a, b, "distinct", "human-undo", "{}", by, now)
                for a, b in combinations(sorted(cluster.members), 2)
                if group_of[a] != group_of[b]
            ]
            if rows:
                conn.execute(insert(t.DupPair), rows)

        self._write(work)
        return cluster

    def related_records(self, record_id: int) -> list[tuple[int, str, str]]:
        """Records that the dedup kept apart from this one (or from a member of its
        cluster) because one is about the other: (the other's screened id, rule, title).

        The other record is named by the primary of its cluster, the record a reviewer
        sees; pairs inside one cluster and duplicates of the list are dropped.
        """
        own = self.cluster_of(record_id)
        members = set(own.members) if own else {record_id}
        query = (
            select(col(t.DupPair.record_a), col(t.DupPair.record_b), col(t.DupPair.rule))
            .where(
                col(t.DupPair.outcome) == "related",
                col(t.DupPair.decided_by).is_(None),
                col(t.DupPair.record_a).in_(members) | col(t.DupPair.record_b).in_(members),
            )
            .order_by(col(t.DupPair.record_a), col(t.DupPair.record_b))
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        out: dict[int, str] = {}
        for a, b, rule in rows:
            other = b if a in members else a
            if other in members:
                continue
            cluster = self.cluster_of(other)
            out.setdefault(cluster.primary if cluster else other, rule)
        records = {r.id: r for r in self.records(out)}
        return [(rid, rule, records[rid].bib.title or "") for rid, rule in out.items() if rid in records]

    def screened_weights(self) -> dict[int, int]:
        """record id -> weight of the decisions on it (current votes, resolutions and outcomes).

        Dedup keeps the heaviest member of a cluster as its primary, so decisions stand: the
        path that went furthest wins. A full-text decision outweighs any title/abstract one;
        within a stage the record's outcome comes first (an include over one still open, a
        conflict or a single vote, over an exclusion), then its votes (an include or maybe over
        an exclude), so merging two screened records never takes an include out of the count.
        """
        votes: dict[tuple[int, str], int] = {}
        with self._read() as conn:
            for query in (
                select(col(t.Vote.record_id), col(t.Vote.stage), col(t.Vote.verdict)),
                select(col(t.Resolution.record_id), col(t.Resolution.stage), col(t.Resolution.verdict)),
            ):
                for rid, stage, verdict in conn.execute(query):
                    weight = 1 if verdict == Verdict.EXCLUDE.value else 10
                    votes[rid, stage] = votes.get((rid, stage), 0) + weight
            o = t.Outcome
            rows = conn.execute(select(col(o.record_id), col(o.stage), col(o.state), col(o.verdict)))
            outcomes = {(rid, stage): _outcome_rank(state, verdict) for rid, stage, state, verdict in rows}
        out: dict[int, int] = {}
        for (rid, stage), weight in votes.items():
            ranked = weight + _OUTCOME_STEP * outcomes.get((rid, stage), 1)
            out[rid] = out.get(rid, 0) + ranked * (_FULL_TEXT_STEP if stage == Stage.FULL_TEXT.value else 1)
        return out

    def gained_fields(self, record_id: int, since: datetime) -> list[str]:
        """Fields the record shows now (merged from its duplicates) that it did not show at ``since``.

        What a reviewer saw at ``since`` is the record merged with the members of the
        clusters that held it then; members joined since (an update search) may add an
        abstract, a PMID, a DOI ...
        """
        from screener.core.dedup import Cluster, gained_fields, merged_fields

        cluster = self.cluster_of(record_id)
        if cluster is None or cluster.primary != record_id:
            return []
        dc, dm = t.DupCluster, t.DupMember
        mine = select(col(dm.cluster_id)).where(col(dm.record_id) == record_id)
        query = (
            select(col(dc.created_at), col(dc.undone_at), col(dm.joined_at), col(dm.record_id))
            .join(dm, col(dm.cluster_id) == col(dc.id))
            .where(col(dc.id).in_(mine))
        )
        when = _naive(since)
        with self._read() as conn:
            seen = {
                rid
                for created, undone, joined, rid in conn.execute(query)
                if _naive(joined or created) <= when and (undone is None or _naive(undone) > when)
            }
        members = {r.id: r.bib for r in self.records(cluster.members)}
        before_ids = tuple(m for m in cluster.members if m in seen or m == record_id)
        before = merged_fields(Cluster(before_ids, record_id, "automatic", ""), members)
        after = merged_fields(Cluster(cluster.members, record_id, "automatic", ""), members)
        return gained_fields(before, after)

    def screening_record(self, record_id: int) -> StoredRecord | None:
        """A record as screeners see it: a cluster's primary shows fields filled from its duplicates."""
        from screener.core.dedup import Cluster, merged_fields

        stored = self.record(record_id)
        cluster = self.cluster_of(record_id)
        if stored is None or cluster is None or cluster.primary != record_id:
            return stored
        members = {r.id: r.bib for r in self.records(cluster.members)}
        merged = merged_fields(
            Cluster(cluster.members, cluster.primary, _core_status(cluster.status), ""), members
        )
        return StoredRecord(stored.id, stored.source_id, merged)

    def max_record_id(self) -> int:
        with self._read() as conn:
            return conn.execute(
                select(func.coalesce(func.max(col(t.Record.id)), 0))
                .select_from(t.Record)
                .join(t.Source)
                .where(col(t.Source.staged).is_(False))
            ).scalar_one()
