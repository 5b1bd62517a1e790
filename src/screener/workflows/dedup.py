"""Running deduplication on a review: the core finds, the store keeps; shared by the CLI and the TUI.

The comparison runs completely before anything is written, and its results are then
stored in one transaction, so Ctrl-C (or the TUI's cancel) leaves the review as it was.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from screener.core.dedup import DedupResult, Thresholds, find_duplicates, keep_screened_primary
from screener.core.models import BibRecord
from screener.store import NewCluster, Store, StoredCluster, StoredPair


@dataclass(frozen=True)
class DedupSummary:
    mode: str
    records: int
    new_records: int
    duplicate_pairs: int
    possible_pairs: int
    clusters: int
    removed: int
    queue: int
    seconds: float
    joined_screened: int = 0

    def lines(self) -> list[str]:
        rate = self.records / self.seconds if self.seconds else 0
        lines = [
            f"dedup ({self.mode}): compared {self.records} records ({self.new_records} new) "
            f"in {self.seconds:.1f} s ({rate:,.0f} records/s)",
            f"  {self.duplicate_pairs} duplicate pairs found in this run; {self.clusters} clusters "
            f"in all remove {self.removed} records from screening (nothing is deleted)",
            f"  {self.queue} possible duplicate pairs wait for a human (open screener and press d)",
        ]
        if self.joined_screened:
            plural = "s" if self.joined_screened != 1 else ""
            lines.append(
                f"  {self.joined_screened} new record{plural} joined records already screened; "
                "their decisions stand"
            )
        return lines


def thresholds_of(store: Store) -> Thresholds:
    """The default thresholds, overridden by the protocol's [dedup] table."""
    return Thresholds.from_mapping(store.protocol().dedup)


# (record a, record b, outcome, rule, scores) as the store keeps an automatic pair.
AutomaticPair = tuple[int, int, str, str, dict[str, float]]


def run_dedup(
    store: Store,
    *,
    full: bool = False,
    recluster_only: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> DedupSummary:
    """Find duplicates among the review's records and store the clusters.

    Incremental by default: after a first run, only records imported since are compared
    (against all records); earlier automatic links and every human decision are kept.
    ``recluster_only`` compares nothing and rebuilds clusters from stored links (after a
    human decision).
    """
    started = time.perf_counter()
    thresholds = thresholds_of(store)
    records = [(r.id, r.bib) for r in store.records()]
    mode, new_ids = _scope(store, records, full=full, recluster_only=recluster_only)
    known = [(p.a, p.b) for p in store.automatic_pairs("duplicate")] if new_ids is not None else []
    result: DedupResult = find_duplicates(
        records,
        thresholds=thresholds,
        new_ids=new_ids,
        human=store.human_pair_decisions(),
        known_duplicates=known,
        progress=progress,
        cancel=cancel,
    )
    automatic = _automatic_pairs(result)
    # Decisions belong to the record the reviewers saw: a screened member stays the primary.
    weights = store.screened_weights()
    clusters = [
        NewCluster(c.members, c.primary, c.status) for c in keep_screened_primary(result.clusters, weights)
    ]
    joined = _joined_screened(clusters, weights, {m: c.primary for c in store.clusters() for m in c.members})
    compared_new = len(records) if new_ids is None else len(new_ids)
    seconds = time.perf_counter() - started
    store.save_dedup(
        mode=mode,
        max_record_id=max((rid for rid, _ in records), default=0),
        thresholds=asdict(thresholds),
        pairs=automatic,
        replace_all=new_ids is None,
        clusters=clusters,
        compared=len(records),
        new_records=compared_new,
        seconds=seconds,
    )
    return DedupSummary(
        mode,
        len(records),
        compared_new,
        sum(1 for p in automatic if p[2] == "duplicate"),
        sum(1 for p in automatic if p[2] == "possible"),
        len(clusters),
        sum(len(c.members) - 1 for c in clusters),
        len(store.possible_queue()),
        seconds,
        joined,
    )


def _scope(
    store: Store, records: list[tuple[int, BibRecord]], *, full: bool, recluster_only: bool
) -> tuple[str, set[int] | None]:
    """The run's mode and the records it compares (None: every record)."""
    last = store.last_dedup_run()
    if recluster_only:
        return "recluster", set()
    if full or last is None:
        return "full", None
    return "incremental", {rid for rid, _ in records if rid > last["max_record_id"]}


def _automatic_pairs(result: DedupResult) -> list[AutomaticPair]:
    """The pairs the run decided by itself (human decisions are stored already)."""
    automatic: list[AutomaticPair] = [
        (p.a, p.b, p.outcome, p.rule, dict(p.scores)) for p in result.pairs if not p.rule.startswith("human")
    ]
    # Records kept apart because one is about the other (erratum of, reply to, abstract
    # of): stored as "related" so that the screens can show them side by side.
    automatic += [(p.a, p.b, "related", p.rule, dict(p.scores)) for p in result.related]
    return automatic


def _joined_screened(clusters: list[NewCluster], weights: dict[int, int], before: dict[int, int]) -> int:
    """How many records this run put under a screened primary they were not under before."""
    return sum(
        1
        for c in clusters
        if weights.get(c.primary)
        for m in c.members
        if m != c.primary and before.get(m) != c.primary
    )


class UnknownRecord(LookupError):
    """A record id that is not in the review."""


def decide_pair(store: Store, a: int, b: int, outcome: str, by: str) -> DedupSummary:
    """Record a human decision on two records ('duplicate' or 'distinct'), then re-cluster.

    Raises:
        UnknownRecord: when either record is not in the review (nothing is written).
    """
    if any(store.record(r) is None for r in (a, b)):
        raise UnknownRecord(f"no record {a} or {b} in this review")
    store.record_pair_decision(a, b, outcome, by)
    return run_dedup(store, recluster_only=True)


def screened_members(store: Store, cluster_id: int) -> tuple[StoredCluster, list[int]] | None:
    """An active cluster and those of its members that carry screening decisions (None: no such cluster)."""
    cluster = next((c for c in store.clusters() if c.id == cluster_id), None)
    if cluster is None:
        return None
    return cluster, sorted(r for r in cluster.members if store.screened_weights().get(r))


@dataclass(frozen=True)
class UndoneMerge:
    """A merge undone: its members, the clusters that re-formed among them, the re-clustering."""

    cluster: StoredCluster
    kept_together: list[StoredCluster]  # same DOI or PMID: clustered again among themselves
    summary: DedupSummary


def undo_merge(store: Store, cluster: StoredCluster, by: str) -> UndoneMerge:
    """Undo one merge (recorded as not duplicates by ``by``), then re-cluster."""
    store.undo_cluster(cluster.id, by)
    summary = run_dedup(store, recluster_only=True)
    apart = [c for c in store.clusters() if set(c.members) <= set(cluster.members)]
    return UndoneMerge(cluster, apart, summary)


@dataclass(frozen=True)
class PairExplanation:
    """One stored pair of a record: its outcome, who decided, and (automatic pairs) the evidence."""

    pair: StoredPair
    evidence: list[str]


def explain_record(store: Store, record_id: int) -> tuple[StoredCluster | None, list[PairExplanation]]:
    """Why a record was merged or queued: its cluster and every stored pair that involves it."""
    from dataclasses import replace

    from screener.core.dedup import compare, explain

    explained = []
    for p in store.pairs_of(record_id):
        evidence: list[str] = []
        if not p.decided_by:
            # The evidence lines come from comparing the two records again; the outcome
            # and rule are the stored ones (a link can be demoted when clustering).
            a, b = (r.bib for r in sorted(store.records([p.a, p.b]), key=lambda r: r.id))
            pair = replace(
                compare(a, b, thresholds_of(store), ids=(p.a, p.b)),
                # A stored outcome may also be "related" (kept apart); explain() prints it as given.
                outcome=p.outcome,  # type: ignore[arg-type]
                rule=p.rule,
                scores=p.scores,
            )
            evidence = explain(pair)
        explained.append(PairExplanation(p, evidence))
    return store.cluster_of(record_id), explained


DUPLICATE_COLUMNS = [
    "record_id",
    "source",
    "source_file",
    "source_record_id",
    "cluster_id",
    "is_primary",
    "decided",
    "title",
    "first_author",
    "year",
    "doi",
]


def duplicates_csv(store: Store) -> str:
    """One row per record: its source, its own id there, its cluster and how the cluster was decided.

    ``decided``: automatic or human for clustered records, possible for records in a
    pair waiting for review, unique otherwise.
    """
    import io

    from screener.core.output import csv_writer

    sources = {s.id: s for s in store.sources()}
    cluster_of = {m: c for c in store.clusters() for m in c.members}
    queued = {r for p in store.possible_queue() for r in (p.a, p.b)}
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(DUPLICATE_COLUMNS)
    for r in store.records():
        c = cluster_of.get(r.id)
        decided = c.status if c else ("possible" if r.id in queued else "unique")
        src = sources[r.source_id]
        writer.writerow(
            [
                r.id,
                src.name,
                src.file_name,
                r.bib.source_id or "",
                c.id if c else "",
                "yes" if c is None or c.primary == r.id else "no",
                decided,
                r.bib.title or "",
                r.bib.first_author or "",
                r.bib.year or "",
                r.bib.doi or "",
            ]
        )
    return out.getvalue()
