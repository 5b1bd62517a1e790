"""Duplicate detection across and within sources.

Public API (pure computation: nothing is deleted or stored here)::

    result = find_duplicates([(record_id, bib_record), ...], thresholds=Thresholds(),
                             new_ids=None, human=None, progress=None, cancel=None)
    result.pairs      # duplicate + possible pairs, each with field scores and the rule
    result.clusters   # clusters of size >= 2 with their primary record
    merged_fields(cluster, records_by_id)   # the primary with gaps filled from the others
    explain(pair)                            # human-readable lines

How it works, and why:

* **Features** (:mod:`screener.core.dedup.features`): each record is normalised once
  (case, punctuation, diacritics, markup, Greek letters, British/American spelling,
  database notes in titles, author given names → initials, journal stop words, page and
  volume digits, DOI form).
* **Blocking**: records are filed under several keys (DOI, PMID, first/last significant
  title words, first author + initial + year, volume + start page); only records sharing
  a key are compared, so the cost grows with the number of records times the (bounded)
  block size, not with all pairs. A key shared by more than ``max_block_size`` records
  is searched by sorted neighbourhood (sorted by title, each record against the next
  ``large_block_window``) instead of all its pairs.
* **Comparison** (:mod:`screener.core.dedup.compare`): explicit not-a-duplicate rules,
  then automatic-duplicate rules, then possible-duplicate rules; every pair carries its
  field scores and the deciding rule.
* **Clusters**: union-find over automatic duplicates and human-confirmed pairs, refusing
  any link that would put two records a human called distinct, or two records a hard
  not-a-duplicate rule keeps apart (different DOIs, pages, issues, years ...), into one
  cluster: that link is demoted to a possible duplicate. Without this, a record with
  few fields (no DOI, no pages) would chain two different items into one cluster.
* **Related records**: pairs kept apart because one is about the other (an erratum of,
  a reply to, a comment on, a conference abstract of an article) with similar titles
  are listed in ``related`` so that a reviewer can see them side by side.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

from screener.core.dedup.cluster import UnionFind, link
from screener.core.dedup.compare import (
    DEFAULT_THRESHOLDS,
    PairResult,
    Thresholds,
    compare_features,
    is_hard_veto,
    is_related_rule,
)
from screener.core.dedup.features import Features
from screener.core.models import BibRecord

HumanDecision = Literal["duplicate", "distinct"]
_T = TypeVar("_T")

# How often (in work units) progress is reported and the cancel flag is checked: often
# enough that cancelling feels immediate, rare enough to cost nothing.
_TICK = 2000


class Cancelled(Exception):
    """Raised when the caller's ``cancel`` event is set; nothing was returned."""


@dataclass(frozen=True)
class Cluster:
    """Records judged to be one publication.

    ``members`` are sorted ids; ``primary`` is the one shown and screened;
    ``status`` is "human" when a reviewer's decision joined any of the links.
    """

    members: tuple[int, ...]
    primary: int
    status: Literal["automatic", "human"]
    why_primary: str


@dataclass(frozen=True)
class DedupResult:
    """Output of :func:`find_duplicates`.

    ``pairs``: every duplicate and possible pair (distinct pairs are not listed), sorted
    by ids. ``clusters``: clusters of two or more records, sorted by their first member.
    ``stats``: counts for logs and benchmarks (records, blocks, candidate pairs, ...) and
    the time of each phase in milliseconds (``prepare_ms``, ``block_ms``, ``compare_ms``,
    ``cluster_ms``).
    """

    pairs: list[PairResult]
    clusters: list[Cluster]
    stats: Mapping[str, int] = field(default_factory=dict)
    #: Distinct pairs where one record is about the other (rule ``erratum-vs-article``,
    #: ``reply-vs-article``, ``conference-vs-article`` ...), with similar titles.
    related: list[PairResult] = field(default_factory=list)

    @property
    def possible(self) -> list[PairResult]:
        """The queue for a human: pairs whose outcome is "possible"."""
        return [p for p in self.pairs if p.outcome == "possible"]


# --------------------------------------------------------------------------- primary & merging


def _completeness(rec: BibRecord, feat: Features) -> tuple[int, int, int, int]:
    return (int(bool(feat.abstract)), int(bool(feat.doi)), int(bool(feat.pmid)), feat.fields)


def choose_primary(
    members: Iterable[int], records: Mapping[int, BibRecord], features: Mapping[int, Features] | None = None
) -> tuple[int, str]:
    """The most complete member and why.

    Order of preference: has an abstract (screeners read it), has a DOI (retrieval,
    citation), has a PMID, most filled bibliographic fields; ties go to the earliest
    import (lowest id), so the choice is stable and does not depend on input order.
    """
    best: int | None = None
    best_key: tuple[int, ...] = ()
    keys: dict[int, tuple[int, int, int, int]] = {}
    for rid in sorted(members):
        feat = features[rid] if features is not None else Features.of(records[rid])
        key = _completeness(records[rid], feat)
        keys[rid] = key
        if best is None or key > best_key:
            best, best_key = rid, key
    assert best is not None
    has = [name for name, flag in zip(("abstract", "DOI", "PMID"), best_key[:3], strict=True) if flag]
    reason = ("has " + ", ".join(has) + "; " if has else "") + f"{best_key[3]} of 10 fields filled"
    if sum(1 for k in keys.values() if k == best_key) > 1:
        reason += "; earliest import among equally complete records"
    return best, reason


# Fields that ``merged_fields`` may fill from another member when the primary lacks them
# (besides the page range and the authors); ``gained_fields`` reports them.
# Page start and end travel together so that a range is never assembled from two sources.
_FILLABLE = (
    "abstract",
    "doi",
    "pmid",
    "pmcid",
    "issn",
    "journal",
    "journal_abbrev",
    "volume",
    "issue",
    "year",
    "language",
    "url",
)


def merged_fields(cluster: Cluster, records: Mapping[int, BibRecord]) -> BibRecord:
    """The primary record with missing fields filled from the other members.

    Abstract: the longest among members (a truncated abstract is a common database
    artefact). Other fields: from the most complete member that has them. Nothing is
    overwritten and the stored records are not changed: this is a view for display and
    export.
    """
    primary = records[cluster.primary]
    others = sorted(
        (m for m in cluster.members if m != cluster.primary),
        key=lambda m: (-Features.of(records[m]).fields, m),
    )
    donors = [records[m] for m in others]
    start_page, end_page = primary.start_page, primary.end_page
    if not start_page:
        # The first member with a start page gives both ends: a range from one source.
        paged = next((r for r in donors if r.start_page), None)
        if paged is not None:
            start_page, end_page = paged.start_page, paged.end_page
    merged = replace(
        primary,
        abstract=primary.abstract
        or max((r.abstract for r in donors if r.abstract), key=len, default=primary.abstract),
        doi=_filled(primary.doi, (r.doi for r in donors)),
        pmid=_filled(primary.pmid, (r.pmid for r in donors)),
        pmcid=_filled(primary.pmcid, (r.pmcid for r in donors)),
        issn=_filled(primary.issn, (r.issn for r in donors)),
        journal=_filled(primary.journal, (r.journal for r in donors)),
        journal_abbrev=_filled(primary.journal_abbrev, (r.journal_abbrev for r in donors)),
        volume=_filled(primary.volume, (r.volume for r in donors)),
        issue=_filled(primary.issue, (r.issue for r in donors)),
        year=_filled(primary.year, (r.year for r in donors)),
        language=_filled(primary.language, (r.language for r in donors)),
        url=_filled(primary.url, (r.url for r in donors)),
        start_page=start_page,
        end_page=end_page,
        authors=_filled(primary.authors, (r.authors for r in donors)),
    )
    return primary if merged == primary else merged


def _filled(own: _T, donors: Iterable[_T]) -> _T:
    """``own`` if it is set, else the first donor value that is, else ``own``."""
    if own:
        return own
    return next((value for value in donors if value), own)


def keep_screened_primary(clusters: Iterable[Cluster], screened: Mapping[int, int]) -> list[Cluster]:
    """Clusters whose primary is the member reviewers have already decided on, where one has.

    Decisions belong to the record the reviewers saw: when an update search brings a more
    complete copy of a screened record, the screened record stays the primary (its
    decisions keep counting for the cluster) and the newcomer only fills its gaps (see
    :func:`merged_fields`). ``screened``: record id -> weight of its decisions (more
    weight, e.g. full-text decisions, wins; ties go to the earliest import).
    """
    out = []
    for c in clusters:
        decided = [m for m in c.members if screened.get(m)]
        if not decided or c.primary in decided and screened[c.primary] == max(screened[m] for m in decided):
            out.append(c)
            continue
        best = min(decided, key=lambda m: (-screened[m], m))
        out.append(
            replace(c, primary=best, why_primary="reviewers' decisions are on it (kept so they stand)")
        )
    return out


def gained_fields(before: BibRecord, after: BibRecord) -> list[str]:
    """Fields that ``after`` (a merged view) has and ``before`` lacked or had shorter (a fuller abstract)."""
    names = [*_FILLABLE, "start_page", "authors"]
    out = []
    for name in names:
        old, new = getattr(before, name), getattr(after, name)
        if new and (not old or (name == "abstract" and len(str(new)) > len(str(old)))):
            out.append(name)
    return out


def identifier_groups(records: Mapping[int, BibRecord]) -> list[tuple[int, ...]]:
    """The records grouped by shared identifiers (same DOI or same PMID, normalised), sorted.

    Undoing a merge keeps such records together: they are the same publication unless a
    human names the pair explicitly.
    """
    uf = UnionFind()
    seen: dict[str, int] = {}
    for rid in sorted(records):
        uf.find(rid)
        feat = Features.of(records[rid])
        for key in (f"doi:{feat.doi}" if feat.doi else "", f"pmid:{feat.pmid}" if feat.pmid else ""):
            if key:
                if key in seen:
                    uf.union(seen[key], rid)
                else:
                    seen[key] = rid
    groups: dict[int, list[int]] = defaultdict(list)
    for rid in sorted(records):
        groups[uf.find(rid)].append(rid)
    return sorted(tuple(g) for g in groups.values())


# --------------------------------------------------------------------------- main entry


def _tick(
    done: int, total: int, progress: Callable[[int, int], None] | None, cancel: threading.Event | None
) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    if progress is not None:
        progress(done, total)


def find_duplicates(
    records: Sequence[tuple[int, BibRecord]],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    new_ids: Collection[int] | None = None,
    human: Mapping[frozenset[int], str] | None = None,
    known_duplicates: Iterable[tuple[int, int]] = (),
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> DedupResult:
    """Find duplicate and possible-duplicate pairs and the resulting clusters.

    ``records``: (record id, record) for every record of the review (ids unique).
    ``new_ids``: incremental mode: only pairs with at least one new record are compared
    (against all records); ``None`` compares everything.
    ``human``: reviewers' decisions, ``{frozenset({a, b}): "duplicate" | "distinct"}``;
    they override the automatic outcome, and a "distinct" also stops the two records
    ending up in one cluster through other links.
    ``known_duplicates``: links decided in earlier (incremental) runs, e.g. automatic
    duplicate pairs among old records; they are used for clustering only.
    ``progress(done, total)``: called as records are prepared and pairs compared;
    ``total`` is the number of records until blocking is done, then records + candidate
    pairs. ``cancel``: when set, :class:`Cancelled` is raised at the next check.
    """
    # Hundreds of thousands of small objects are created and none form reference
    # cycles; the cyclic garbage collector would rescan them over and over (it took
    # ~40% of the run at 50k records), so it is paused for the duration.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _find_duplicates(records, thresholds, new_ids, human, known_duplicates, progress, cancel)
    finally:
        if gc_was_enabled:
            gc.enable()


def _find_duplicates(
    records: Sequence[tuple[int, BibRecord]],
    thresholds: Thresholds,
    new_ids: Collection[int] | None,
    human: Mapping[frozenset[int], str] | None,
    known_duplicates: Iterable[tuple[int, int]],
    progress: Callable[[int, int], None] | None,
    cancel: threading.Event | None,
) -> DedupResult:
    th = thresholds
    ids = [rid for rid, _ in records]
    by_id = {rid: rec for rid, rec in records}
    if len(by_id) != len(records):
        raise ValueError("record ids must be unique")
    human = _checked_human(human)
    clock = [time.perf_counter()]  # phase boundaries, for the timings in ``stats``
    feats = _prepare(records, th, progress, cancel)  # 1. every record once
    clock.append(time.perf_counter())
    candidates, n_blocks, large_blocks = _candidates(feats, ids, th, new_ids, human)  # 2. blocking
    clock.append(time.perf_counter())
    pairs, related, apart = _compare_candidates(candidates, feats, ids, th, human, progress, cancel)  # 3.
    clock.append(time.perf_counter())
    uf, pairs = link(pairs, apart, human, known_duplicates, set(ids))  # 4. clusters
    clusters = _clusters(uf, by_id, dict(zip(ids, feats, strict=True)))
    stats = {
        "records": len(records),
        "blocks": n_blocks,
        "large_blocks": large_blocks,
        "candidate_pairs": len(candidates),
        "duplicate_pairs": sum(1 for p in pairs if p.outcome == "duplicate"),
        "possible_pairs": sum(1 for p in pairs if p.outcome == "possible"),
        "clusters": len(clusters),
        **{
            f"{phase}_ms": round(1000 * (end - start))
            for phase, start, end in zip(
                ("prepare", "block", "compare", "cluster"),
                clock,
                [*clock[1:], time.perf_counter()],
                strict=True,
            )
        },
    }
    related.sort(key=lambda p: (p.a, p.b))
    return DedupResult(pairs=pairs, clusters=clusters, stats=stats, related=related)


def _checked_human(human: Mapping[frozenset[int], str] | None) -> dict[frozenset[int], str]:
    out = dict(human or {})
    for key, decision in out.items():
        if decision not in ("duplicate", "distinct") or len(key) != 2:
            raise ValueError(f"bad human decision {set(key)}: {decision!r}")
    return out


def _prepare(
    records: Sequence[tuple[int, BibRecord]],
    th: Thresholds,
    progress: Callable[[int, int], None] | None,
    cancel: threading.Event | None,
) -> list[Features]:
    feats: list[Features] = []
    n = len(records)
    for i, (_, rec) in enumerate(records):
        if i % _TICK == 0:
            _tick(i, n, progress, cancel)
        feats.append(Features.of(rec, th.abstract_chars))
    return feats


def _candidates(
    feats: list[Features],
    ids: list[int],
    th: Thresholds,
    new_ids: Collection[int] | None,
    human: Mapping[frozenset[int], str],
) -> tuple[set[int], int, int]:
    """Candidate pairs (as ``i * n + j``, i < j): records sharing any blocking key; a
    reviewer's pair always. Returns (candidates, number of blocks, large blocks)."""
    n = len(feats)
    is_new: list[bool] | None = None
    if new_ids is not None:
        new_set = set(new_ids)
        is_new = [rid in new_set for rid in ids]
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, feat in enumerate(feats):
        for key in feat.blocking_keys(th.title_block_tokens):
            blocks[key].append(i)
    candidates: set[int] = set()
    large_blocks = 0
    for members in blocks.values():
        if len(members) < 2:
            continue
        large_blocks += len(members) > th.max_block_size
        pairs_of = _block_pairs(members, feats, th)
        if is_new is None:
            candidates.update(i * n + j if i < j else j * n + i for i, j in pairs_of)
        else:
            candidates.update(
                i * n + j if i < j else j * n + i for i, j in pairs_of if is_new[i] or is_new[j]
            )
    index = {rid: i for i, rid in enumerate(ids)}
    for pair in human:
        a, b = sorted(pair)
        if a in index and b in index:
            i, j = sorted((index[a], index[b]))
            candidates.add(i * n + j)
    return candidates, len(blocks), large_blocks


def _block_pairs(members: list[int], feats: list[Features], th: Thresholds) -> Iterable[tuple[int, int]]:
    """The pairs of one block to compare: all of them, or in a block shared by very many
    records (a common name and year, a generic title start), which would cost m^2
    comparisons, a sorted neighbourhood: the block ordered by title, each record against
    the next ``large_block_window``, so near-identical titles, which sort together,
    still meet, at linear cost."""
    m = len(members)
    if m <= th.max_block_size:
        return ((members[x], members[y]) for x in range(m - 1) for y in range(x + 1, m))
    window = th.large_block_window
    members = sorted(members, key=lambda i: (feats[i].title, i))
    return ((members[x], members[y]) for x in range(m - 1) for y in range(x + 1, min(m, x + 1 + window)))


def _compare_candidates(
    candidates: set[int],
    feats: list[Features],
    ids: list[int],
    th: Thresholds,
    human: Mapping[frozenset[int], str],
    progress: Callable[[int, int], None] | None,
    cancel: threading.Event | None,
) -> tuple[list[PairResult], list[PairResult], list[tuple[int, int]]]:
    """Compare the candidates (sorted: deterministic order of work and of progress).

    Returns (duplicate and possible pairs, related pairs, pairs with similar titles that
    a hard rule keeps apart: a cluster must never hold both, or a record with few fields
    would chain them together)."""
    n = len(feats)
    total = n + len(candidates)
    pairs: list[PairResult] = []
    related: list[PairResult] = []
    apart: list[tuple[int, int]] = []
    title_possible = th.title_possible
    for k, code in enumerate(sorted(candidates)):
        if k % _TICK == 0:
            _tick(n + k, total, progress, cancel)
        i, j = divmod(code, n)
        outcome, scores, rule = compare_features(feats[i], feats[j], th)
        a, b = (ids[i], ids[j]) if ids[i] < ids[j] else (ids[j], ids[i])
        decision = human.get(frozenset((a, b))) if human else None
        if decision == "duplicate":
            outcome, rule = "duplicate", "human-duplicate"
        elif decision == "distinct":
            outcome, rule = "distinct", "human-distinct"
        if outcome != "distinct":
            pairs.append(PairResult(a, b, outcome, scores, rule))
        elif scores.get("title", 0.0) >= title_possible:
            if is_hard_veto(rule):
                apart.append((a, b))
            if is_related_rule(rule):
                related.append(PairResult(a, b, outcome, scores, rule))
    _tick(total, total, progress, cancel)
    return pairs, related, apart


def _clusters(
    uf: UnionFind, by_id: Mapping[int, BibRecord], feat_by_id: Mapping[int, Features]
) -> list[Cluster]:
    groups: dict[int, list[int]] = defaultdict(list)
    for rid in uf.parent:
        groups[uf.find(rid)].append(rid)
    clusters: list[Cluster] = []
    for root, members in groups.items():
        if len(members) < 2:
            continue
        members.sort()
        primary, why = choose_primary(members, by_id, feat_by_id)
        clusters.append(Cluster(tuple(members), primary, "human" if root in uf.human else "automatic", why))
    clusters.sort(key=lambda c: c.members[0])
    return clusters
