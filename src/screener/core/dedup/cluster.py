"""Clustering of deduplication links: union-find with "cannot link" sets.

Automatic duplicate links are applied strongest first; a link that would put two records
a reviewer called distinct, or a hard not-a-duplicate rule keeps apart, into one cluster
is demoted to a question for a human (see :func:`link`). Between two clusters a human is
asked once (:func:`one_question_per_pair_of_clusters`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace

from screener.core.dedup.compare import PairResult

# Automatic links are applied strongest first, so that when a human "distinct" forces a
# choice, the weaker link is the one demoted. Identifier-backed links are strongest.
_RULE_STRENGTH = {
    "same-doi": 0,
    "same-pmid": 0,
    "same-doi-same-place": 0,
    "same-citation": 1,
    "bibliographic": 1,
}


class UnionFind:
    """Union-find with union by size and path halving, plus per-set "cannot link" sets.

    ``cannot[root]`` maps roots of sets that must stay apart from this set (a human said
    distinct, or a hard not-a-duplicate rule) to why ("human" or "veto"); it is kept up
    to date on union so that a link joining them can be refused.
    """

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.size: dict[int, int] = {}
        self.cannot: dict[int, dict[int, str]] = defaultdict(dict)
        self.human: set[int] = set()

    def find(self, x: int) -> int:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.size[x] = 1
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def forbid(self, a: int, b: int, why: str = "human") -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb and self.cannot[ra].get(rb) != "human":
            self.cannot[ra][rb] = why
            self.cannot[rb][ra] = why

    def can_union(self, a: int, b: int) -> bool:
        return self.why_not(a, b) is None

    def why_not(self, a: int, b: int) -> str | None:
        """None if ``a`` and ``b`` may be joined, else "human" or "veto"."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        return self.cannot.get(ra, {}).get(rb)

    def union(self, a: int, b: int, human: bool = False) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            if human:
                self.human.add(ra)
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        if rb in self.human or human:
            self.human.add(ra)
        moved = self.cannot.pop(rb, {})
        if moved:
            mine = self.cannot[ra]
            for other, why in moved.items():
                theirs = self.cannot[other]
                theirs.pop(rb, None)
                if theirs.get(ra) != "human":
                    theirs[ra] = why
                if mine.get(other) != "human":
                    mine[other] = why


def one_question_per_pair_of_clusters(pairs: list[PairResult], uf: UnionFind) -> list[PairResult]:
    """Keep, of the possible pairs between two clusters, the one with the most similar
    titles: one answer decides them all (a "duplicate" joins the clusters, a "distinct"
    keeps them apart), so a reviewer is asked once, not once per member. Pairs between
    groups a reviewer already called distinct are not asked again."""
    out: list[PairResult] = []
    best: dict[tuple[int, int], PairResult] = {}
    for p in pairs:
        if p.outcome != "possible" or p.rule == "blocked-by-human-distinct":
            out.append(p)
            continue
        if uf.why_not(p.a, p.b) == "human":
            continue
        ra, rb = uf.find(p.a), uf.find(p.b)
        key = (ra, rb) if ra < rb else (rb, ra)
        current = best.get(key)
        if current is None or (p.scores.get("title", 0.0), -p.a, -p.b) > (
            current.scores.get("title", 0.0),
            -current.a,
            -current.b,
        ):
            best[key] = p
    return out + list(best.values())


def link(
    pairs: list[PairResult],
    apart: list[tuple[int, int]],
    human: Mapping[frozenset[int], str],
    known_duplicates: Iterable[tuple[int, int]],
    known: set[int],
) -> tuple[UnionFind, list[PairResult]]:
    """Clusters: human links first, then automatic links strongest first; a link that
    would join two records a human called distinct, or a hard rule keeps apart, is
    demoted to "possible". Returns the union-find and the pairs left to report."""
    uf = UnionFind()
    for key, decision in human.items():
        a, b = sorted(key)
        if decision == "distinct" and a in known and b in known:
            uf.forbid(a, b)
    for a, b in apart:
        uf.forbid(a, b, "veto")
    for a, b in known_duplicates:
        if a in known and b in known and human.get(frozenset((a, b))) != "distinct" and uf.can_union(a, b):
            uf.union(a, b)
    # Pairs with human decisions already know their outcome; demotions only touch
    # automatic links.
    order = sorted(
        (p for p in pairs if p.outcome == "duplicate"),
        key=lambda p: (
            p.rule != "human-duplicate",
            _RULE_STRENGTH.get(p.rule, 2),
            -p.scores.get("title", 0.0),
            p.a,
            p.b,
        ),
    )
    demoted: dict[tuple[int, int], PairResult] = {}
    for p in order:
        why = uf.why_not(p.a, p.b)
        if why is None or (why == "veto" and p.rule == "human-duplicate"):  # a reviewer overrules a rule
            uf.union(p.a, p.b, human=p.rule == "human-duplicate")
        else:
            blocked = "blocked-by-human-distinct" if why == "human" else "blocked-by-veto"
            demoted[(p.a, p.b)] = replace(p, outcome="possible", rule=blocked)
    if demoted:
        pairs = [demoted.get((p.a, p.b), p) for p in pairs]
    # A possible pair whose records are already in one cluster through automatic links
    # leaves nothing for a human to decide; it is dropped from the queue.
    pairs = [
        p
        for p in pairs
        if p.outcome == "duplicate" or uf.find(p.a) != uf.find(p.b) or p.rule.startswith("blocked-by-")
    ]
    pairs = one_question_per_pair_of_clusters(pairs, uf)
    pairs.sort(key=lambda p: (p.a, p.b))
    return uf, pairs
