"""Pairwise comparison of two records: field evidence, "not a duplicate" rules, outcome.

The decision is explicit evidence rather than a learned weighted score, so that every
outcome can be explained (``screener dedup --explain``). It reads in three layers, each a
tuple of small functions that look at one class of evidence:

1. **Decisive evidence** (``DECISIVE``): the same DOI or PMID with an agreeing title, or
   at the same page range, is one item whatever the author format, pages, volume or
   venue label of one database say. Only different years or a notice (erratum, reply,
   comment) against its article come first.
2. **Vetoes** (``VETOES``): the not-a-duplicate rules: years more than
   ``year_tolerance`` apart; an erratum / retraction / reply / comment against the
   article; clearly different DOIs or PMIDs (unless both records sit at one multi-page
   range of one volume: one printed item); a conference abstract against a journal
   article; different start pages; different ordinary issues of one volume; different
   journals and volumes.
3. **Field evidence adding up**: each agreeing secondary field (journal, volume, issue,
   pages, abstract, identifier) is a point; a near-identical title with enough points
   and acceptable authors is an automatic duplicate (``bibliographic``), as is a similar
   title at the same volume, page and year (``same-citation``). A conflict
   (``CONFLICTS``: volume, journal, title numbers, conference marker, a DOI one typo
   away) turns a merge into a question for a human (``possible``).

All numbers live in :class:`Thresholds`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from screener.core.dedup.evidence import (
    DEFAULT_THRESHOLDS,
    Evidence,
    Outcome,
    Pair,
    Thresholds,
    field_scores,
    same_citation,
    same_id,
    slow_scores,
)
from screener.core.dedup.features import Features
from screener.core.dedup.rules import (
    CONFLICTS,
    DECISIVE,
    FIRST_VETOES,
    HARD_VETOES,
    VETOES,
    agreeing_fields,
    authors_acceptable,
    is_hard_veto,
    is_related_rule,
    merge_bibliographic,
    merge_same_citation,
    possible_rule,
    retitled_possible,
    veto,
)
from screener.core.dedup.similarity import (
    author_similarity,
    journal_similarity,
    page_similarity,
    title_similarity,
)
from screener.core.models import BibRecord

__all__ = [
    "CONFLICTS",
    "DECISIVE",
    "DEFAULT_THRESHOLDS",
    "FIRST_VETOES",
    "HARD_VETOES",
    "VETOES",
    "Evidence",
    "Outcome",
    "PairResult",
    "Thresholds",
    "author_similarity",
    "compare",
    "compare_features",
    "decide",
    "explain",
    "is_hard_veto",
    "is_related_rule",
    "journal_similarity",
    "page_similarity",
    "rule_text",
    "title_similarity",
]


@dataclass(frozen=True)
class PairResult:
    """The decision on one candidate pair, with the evidence for it.

    ``a < b`` (record ids). ``scores`` has one entry per field present in both records
    (1.0 = same, 0.0 = different); ``rule`` names the rule that decided; ``evidence``
    (from :func:`compare`, empty in bulk runs) the evidence lines that led there.
    """

    a: int
    b: int
    outcome: Outcome
    scores: Mapping[str, float]
    rule: str
    evidence: tuple[Evidence, ...] = ()


def decide(
    fa: Features, fb: Features, th: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[Outcome, dict[str, float], str, list[Evidence]]:
    """Decide on a pair of prepared records: (outcome, field scores, rule, evidence)."""
    p = Pair(fa, fb, th, field_scores(fa, fb, th), [])
    for check in FIRST_VETOES:
        rule = check(p)
        if rule:
            return "distinct", p.scores, rule, p.evidence
    for decisive in DECISIVE:
        rule = decisive(p)
        if rule:
            return "duplicate", p.scores, rule, p.evidence
    vetoed = veto(p)
    if vetoed:
        return vetoed[0], p.scores, vetoed[1], p.evidence

    title = p.get("title")
    # Nothing ties these two together (the common case inside a block).
    if not same_id(p) and not same_citation(p) and (title is None or title < th.title_possible):
        if title is not None and retitled_possible(p, title):
            return "possible", p.scores, "retitled-same-authors", p.evidence
        return (
            "distinct",
            p.scores,
            ("different-titles" if title is not None else "insufficient-data"),
            p.evidence,
        )

    slow_scores(p)
    conflicts = [name for name, check in CONFLICTS if check(p)]
    for name in conflicts:
        p.evidence.append(Evidence(name, -1, f"{name} conflicts: a human decides"))
    agreeing = agreeing_fields(p)
    p.evidence.extend(agreeing)
    if title is not None and not conflicts:
        rule = merge_same_citation(p, title) or (
            merge_bibliographic(p, title, agreeing) if authors_acceptable(p, len(agreeing)) else None
        )
        if rule:
            return "duplicate", p.scores, rule, p.evidence
    outcome, rule = possible_rule(p, title, conflicts, len(agreeing))
    return outcome, p.scores, rule, p.evidence


def compare_features(
    fa: Features, fb: Features, th: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[Outcome, dict[str, float], str]:
    """Decide on a pair of prepared records: (outcome, field scores, rule)."""
    outcome, scores, rule, _ = decide(fa, fb, th)
    return outcome, scores, rule


def compare(
    a: BibRecord, b: BibRecord, thresholds: Thresholds = DEFAULT_THRESHOLDS, ids: tuple[int, int] = (0, 1)
) -> PairResult:
    """Compare two records directly (no blocking); ``ids`` label the result."""
    fa = Features.of(a, thresholds.abstract_chars)
    fb = Features.of(b, thresholds.abstract_chars)
    outcome, scores, rule, evidence = decide(fa, fb, thresholds)
    lo, hi = sorted(ids)
    return PairResult(lo, hi, outcome, scores, rule, tuple(evidence))


_RULE_TEXT = {
    "same-doi": "same DOI and similar title (decisive: no author, page or venue artefact vetoes it)",
    "same-pmid": "same PMID and similar title (decisive: no author, page or venue artefact vetoes it)",
    "same-doi-same-place": "same DOI/PMID at the same page range (decisive, even if the titles differ)",
    "same-citation": "same volume, start page and year, similar title and matching authors",
    "bibliographic": "near-identical title, matching authors and agreeing journal/volume/pages/abstract",
    "similar-title": "similar title, but not enough agreeing fields for an automatic merge",
    "missing-title": "a title is missing; identifier or citation (author, year, volume, page) agree",
    "same-identifier-different-title": "same DOI/PMID but the titles differ",
    "same-citation-different-title": "same volume, page, year and authors but the titles differ",
    "retitled-same-authors": (
        "a reworded title on a copy without volume or pages; same authors, journal and year"
    ),
    "same-abstract-two-supplements": (
        "the same meeting abstract (title, authors, year) in two journals' supplements"
    ),
    "different-years": "publication years differ by more than the tolerance",
    "different-doi": "the DOIs differ",
    "different-doi-same-citation": "the DOIs differ, but title, year, volume and page agree (a wrong DOI?)",
    "different-pmid-same-citation": (
        "the PMIDs differ, but title, year, volume and page agree (a wrong PMID?)"
    ),
    "different-pmid": "the PMIDs differ",
    "conference-vs-article": "a conference abstract/proceedings paper against a journal article",
    "different-pages-same-volume": "different start pages in the same volume",
    "different-volume-and-pages": "different volumes and different start pages",
    "different-pages": "different start pages",
    "different-journal-and-volume": "different journals and different volumes",
    "different-issues-same-volume": "different issues of the same volume",
    "blocked-by-veto": "merging would join two records that a not-a-duplicate rule keeps apart",
    "different-titles": "the titles differ",
    "different-authors": "the authors differ",
    "insufficient-data": "too little in common to compare",
    "human-duplicate": "a reviewer marked the pair as duplicates",
    "human-distinct": "a reviewer marked the pair as distinct",
    "blocked-by-human-distinct": "merging would join records a reviewer marked as distinct",
}


def rule_text(rule: str) -> str:
    """One-line English for a rule name."""
    if rule in _RULE_TEXT:
        return _RULE_TEXT[rule]
    if rule.startswith("similar-title-conflicting-"):
        return "similar title, but these fields conflict: " + ", ".join(
            rule.removeprefix("similar-title-conflicting-").split("-")
        )
    if rule.endswith("-vs-article"):
        return f"an {rule.removesuffix('-vs-article')} (notice) against the article it refers to"
    if "-vs-" in rule:
        return "two different kinds of notice: " + rule.replace("-vs-", " vs ")
    return rule


# The field scores ``explain`` lists, in this order.
_EXPLAINED_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
                     "abstract")  # fmt: skip


def explain(pair: PairResult) -> list[str]:
    """Human-readable lines: the outcome, the deciding rule, each field's score, then the
    evidence lines (points for one item +, for two items -) when the pair has them."""
    lines = [f"{pair.a} ~ {pair.b}: {pair.outcome} ({pair.rule}: {rule_text(pair.rule)})"]
    for name in _EXPLAINED_FIELDS:
        if name in pair.scores:
            score = pair.scores[name]
            verdict = "match" if score >= 0.999 else ("differs" if score <= 0.001 else "similar")
            lines.append(f"  {name:<8} {score:5.2f}  {verdict}")
    if pair.evidence:
        lines.append("  evidence:")
        lines.extend(
            f"    {e.points:+d}  {e.note}" if e.points else f"        {e.note}" for e in pair.evidence
        )
    return lines
