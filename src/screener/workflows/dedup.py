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
from screener.store import NewCluster, Store


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
        return [
            f"dedup ({self.mode}): compared {self.records} records ({self.new_records} new) in {self.seconds:.1f} s "
            f"({rate:,.0f} records/s)",
            f"  {self.duplicate_pairs} duplicate pairs found in this run; {self.clusters} clusters in all remove "
            f"{self.removed} records from screening (nothing is deleted)",
            f"  {self.queue} possible duplicate pairs wait for a human (open screener and press d)",
            *(
                [
                    f"  {self.joined_screened} new record{'s' if self.joined_screened != 1 else ''} joined records "
                    "already screened; their decisions stand"
                ]
                if self.joined_screened
                else []
            ),
        ]


def thresholds_of(store: Store) -> Thresholds:
    """The default thresholds, overridden by the protocol's [dedup] table."""
    return Thresholds.from_mapping(store.protocol().dedup)


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
    last = store.last_dedup_run()
    records = [(r.id, r.bib) for r in store.records()]
    max_id = max((rid for rid, _ in records), default=0)
    if recluster_only:
        mode, new_ids = "recluster", set()
    elif full or last is None:
        mode, new_ids = "full", None
    else:
        mode, new_ids = "incremental", {rid for rid, _ in records if rid > last["max_record_id"]}
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
    automatic = [
        (p.a, p.b, p.outcome, p.rule, dict(p.scores)) for p in result.pairs if not p.rule.startswith("human")
    ]
    # Records kept apart because one is about the other (erratum of, reply to, abstract
    # of): stored as "related" so that the screens can show them side by side.
    automatic += [(p.a, p.b, "related", p.rule, dict(p.scores)) for p in result.related]
    # Decisions belong to the record the reviewers saw: a screened member stays the primary.
    weights = store.screened_weights()
    clusters = [
        NewCluster(c.members, c.primary, c.status) for c in keep_screened_primary(result.clusters, weights)
    ]
    before = {m: c.primary for c in store.clusters() for m in c.members}
    joined = sum(
        1
        for c in clusters
        if weights.get(c.primary)
        for m in c.members
        if m != c.primary and before.get(m) != c.primary
    )
    seconds = time.perf_counter() - started
    store.save_dedup(
        mode=mode,
        max_record_id=max_id,
        thresholds=asdict(thresholds),
        pairs=automatic,
        replace_all=new_ids is None,
        clusters=clusters,
        compared=len(records),
        new_records=len(records) if new_ids is None else len(new_ids),
        seconds=seconds,
    )
    return DedupSummary(
        mode,
        len(records),
        len(records) if new_ids is None else len(new_ids),
        sum(1 for p in automatic if p[2] == "duplicate"),
        sum(1 for p in automatic if p[2] == "possible"),
        len(clusters),
        sum(len(c.members) - 1 for c in clusters),
        len(store.possible_queue()),
        seconds,
        joined,
    )


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
