"""Evidence on a pair of records for deduplication: the thresholds, the field scores and
the facts the rules share (same identifier, same place, same printed item, ...).

The rules that weigh this evidence are in :mod:`screener.core.dedup.rules`; the decision
that applies them, in :mod:`screener.core.dedup.compare`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from screener.core.dedup.features import Features, abstract_key
from screener.core.dedup.similarity import (
    _ratio,
    author_set_similarity,
    author_similarity,
    doi_similarity,
    issue_as_locator,
    journal_similarity,
    main_title_similarity,
    original_title_similarity,
    page_similarity,
    shifted_citation,
    title_similarity,
)

Outcome = Literal["duplicate", "possible", "distinct"]


@dataclass(frozen=True)
class Thresholds:
    """Every number the deduplication decides with, in one place.

    Similarities are in [0, 1] (1 = identical after normalisation). Override per review
    with :meth:`from_mapping` from the protocol/config, e.g. ``{"title_duplicate": 0.97}``.
    """

    #: Minimum title similarity for an automatic merge on bibliographic evidence alone.
    title_duplicate: float = 0.93
    #: Minimum title similarity for an automatic merge when the DOI or PMID is the same.
    #: Lower than ``title_duplicate`` because the identifier already says "same item"; not
    #: zero, because Embase gives every conference abstract of a supplement the
    #: supplement's DOI.
    title_with_identifier: float = 0.85
    #: Minimum title similarity for an automatic merge of two records at the same
    #: printed place (volume, start page, year) whatever their authors.
    title_same_place: float = 0.97
    #: Minimum title similarity to queue a pair for a human (possible duplicate).
    title_possible: float = 0.80
    #: Minimum title similarity to queue a record without volume and pages against one
    #: with the same authors, journal and year (a title reworded between an online-first
    #: record and the printed article).
    title_retitled: float = 0.75
    #: Minimum author similarity for an automatic merge.
    author_duplicate: float = 0.70
    #: Below this author similarity a pair is never even a possible duplicate on its
    #: title alone (different authors, same generic title: "Editorial", "Introduction").
    author_possible: float = 0.50
    #: Journal similarity (abbreviation-aware) at or above which journals agree.
    journal_match: float = 0.80
    #: Journal similarity below which the journals conflict.
    journal_conflict: float = 0.40
    #: Abstract similarity at or above which abstracts agree.
    abstract_match: float = 0.90
    #: Secondary fields (journal, volume, issue, start page, abstract) that must agree
    #: for an automatic bibliographic merge; one more is needed if either record has no
    #: authors or the years differ by one.
    min_agreeing: int = 2
    #: DOI similarity at or above which two different DOIs may be one mistyped (a
    #: conflict for a human, not a veto); below it, two clearly different DOIs.
    doi_typo: float = 0.9
    #: Largest allowed difference of publication years (epub vs print year).
    year_tolerance: int = 1
    #: Significant title words in the prefix/suffix blocking keys.
    title_block_tokens: int = 4
    #: A blocking key shared by more records than this (a generic title start, a common
    #: name in a busy year) is not searched pair by pair but by sorted neighbourhood, to
    #: keep the cost near-linear.
    max_block_size: int = 100
    #: In such a large block, each record (sorted by title) meets the next this many.
    large_block_window: int = 12
    #: Characters of each abstract compared.
    abstract_chars: int = 400

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not 0.0 <= value <= 1.0:
                raise ValueError(f"dedup threshold {f.name} must be in [0, 1], not {value}")
            if isinstance(value, int) and value < 0:
                raise ValueError(f"dedup threshold {f.name} must not be negative, not {value}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> Thresholds:
        """Defaults overridden by ``values`` (unknown keys raise ``ValueError``)."""
        if not values:
            return cls()
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown dedup threshold(s): {', '.join(unknown)}")
        defaults = cls()
        converted: dict[str, Any] = {}
        for key, value in values.items():
            kind = int if isinstance(getattr(defaults, key), int) else float
            try:
                converted[key] = kind(value)
            except (TypeError, ValueError):
                raise ValueError(f"dedup threshold {key} must be a number, not {value!r}") from None
        return cls(**converted)


DEFAULT_THRESHOLDS = Thresholds()


def conference_mismatch(fa: Features, fb: Features) -> bool:
    """One record is a meeting item and the other carries no conference marker at all,
    or one is in a supplement and the other in an ordinary numbered issue."""
    for x, y in ((fa, fb), (fb, fa)):
        if x.meeting and not y.conference:
            return True
        if x.supplement and not y.conference and y.plain_issue:
            return True
    return False


def abstract_in_journal(fa: Features, fb: Features, th: Thresholds) -> bool:
    """A meeting record without a page against a one-page item of the same journal: the
    abstract as the journal printed it in its meeting supplement ("Scand J Immunol.
    Conference: 39th Meeting ..." / "Scand J Immunol 71(6):507"), not a later article
    (articles run to several pages)."""
    for x, y in ((fa, fb), (fb, fa)):
        if (
            x.conference
            and not x.start_page
            and y.regular
            and y.page_span == 0
            and (not y.end_page or y.end_page == y.start_page)
            and x.journal
            and y.journal
            and journal_similarity(x.journal, y.journal) >= th.journal_match
        ):
            return True
    return False


# --------------------------------------------------------------------------- evidence
#
# The decision on a pair is read in three layers, each a list of small functions that
# look at one class of evidence and are tested on their own:
#
# 1. DECISIVE evidence: an identical DOI/PMID with an agreeing title (or at one printed
#    place) says "one item" so strongly that no author, page, volume or venue artefact
#    of one database can veto it.
# 2. VETOES: the not-a-duplicate rules (hard evidence of two items).
# 3. FIELD EVIDENCE adding up: agreeing citation fields each add a point, missing or
#    weaker evidence asks for one more; conflicts turn a merge into a question for a
#    human.
#
# ``decide`` returns the outcome, the rule that decided, and the evidence lines that
# ``explain`` (``screener dedup --explain``) prints.


@dataclass(frozen=True)
class Evidence:
    """One line of evidence: ``points`` > 0 for one item, < 0 for two, 0 to note a fact."""

    name: str
    points: int
    note: str


@dataclass
class Pair:
    """Two prepared records, their field scores and the evidence gathered so far."""

    fa: Features
    fb: Features
    th: Thresholds
    scores: dict[str, float]
    evidence: list[Evidence]
    slow_done: bool = False

    def get(self, name: str, default: float | None = None) -> float | None:
        return self.scores.get(name, default)


def field_scores(fa: Features, fb: Features, th: Thresholds) -> dict[str, float]:
    """The cheap field scores (identifiers, year, volume/issue/pages, title)."""
    scores: dict[str, float] = {}
    if fa.year is not None and fb.year is not None:
        d = abs(fa.year - fb.year)
        scores["year"] = 1.0 if d == 0 else (0.5 if d <= th.year_tolerance else 0.0)
    if fa.doi and fb.doi:
        scores["doi"] = doi_similarity(fa.doi, fb.doi)
    if fa.pmid and fb.pmid:
        scores["pmid"] = float(fa.pmid == fb.pmid)
    if shifted_citation(fa, fb):
        scores["volume"] = 1.0  # and nothing to compare the shifted issue and page with
    elif issue_as_locator(fa, fb):
        # One record's issue field holds the article number the other gives as its page.
        if fa.volume and fb.volume:
            scores["volume"] = float(fa.volume == fb.volume)
        scores["pages"] = 1.0
    else:
        if fa.volume and fb.volume:
            scores["volume"] = float(fa.volume == fb.volume)
        if fa.issue and fb.issue:
            scores["issue"] = float(fa.issue == fb.issue)
        pages = page_similarity(fa, fb)
        if pages is not None:
            scores["pages"] = pages
    if fa.title and fb.title:
        scores["title"] = title_similarity(fa.title, fb.title)
        if scores["title"] < th.title_duplicate:
            other = max(main_title_similarity(fa, fb), original_title_similarity(fa, fb))
            scores["title"] = max(scores["title"], other)
    return scores


def slow_scores(p: Pair) -> None:
    """Authors, journal and abstract: only for pairs whose titles or citation tie them."""
    if p.slow_done:
        return
    p.slow_done = True
    fa, fb, scores = p.fa, p.fb, p.scores
    if fa.has_authors and fb.has_authors:
        authors = author_similarity(fa.authors, fb.authors)
        # As sets of family names when the lists do not align (glued, swapped, reordered)
        scores["authors"] = authors if authors >= 0.9 else max(authors, author_set_similarity(fa, fb))
    if fa.journal and fb.journal:
        scores["journal"] = journal_similarity(fa.journal, fb.journal)
    if fa.abstract and fb.abstract:
        scores["abstract"] = _ratio(abstract_key(fa.abstract), abstract_key(fb.abstract))


def same_printed_item(p: Pair) -> bool:
    """The same multi-page range (or electronic article number) in the same volume, year
    and journal, under a near-identical title: one printed item (two items never share a
    page range), so
    this outweighs a disagreeing identifier (publishers assign a second DOI, databases
    copy a wrong one)."""
    fa, fb, th = p.fa, p.fb, p.th
    if not (
        p.get("pages") == 1.0
        and p.get("volume") == 1.0
        and p.get("year") == 1.0
        and (own_locator(fa, fb) or (fa.end_page and fa.end_page == fb.end_page and fa.page_span >= 1))
        and (p.get("title") or 0.0) >= th.title_duplicate
        and fa.title_numbers == fb.title_numbers
    ):
        return False
    issue = p.get("issue") == 1.0
    if fa.journal and fb.journal:
        journal = journal_similarity(fa.journal, fb.journal)
        return journal >= th.journal_match or (issue and journal >= th.journal_conflict)
    return issue


def same_page_range(fa: Features, fb: Features) -> bool:
    """The same first and last page, several pages apart."""
    return bool(fa.start_page and fa.start_page == fb.start_page and fa.end_page == fb.end_page
                and fa.page_prefix == fb.page_prefix and fa.page_span >= 2)  # fmt: skip


def own_locator(fa: Features, fb: Features) -> bool:
    """The same electronic article number ("e000457"): it names one item of a volume,
    unlike a printed page, which abstracts and letters share."""
    return fa.page_prefix == fb.page_prefix == "e" and fa.start_page == fb.start_page


def same_place(p: Pair) -> bool:
    """The same start page in the same (or an unknown) volume."""
    return p.get("pages") == 1.0 and p.get("volume", 1.0) == 1.0


def same_id(p: Pair) -> bool:
    return p.get("doi") == 1.0 or p.get("pmid") == 1.0


def same_citation(p: Pair) -> bool:
    return p.get("volume") == 1.0 and p.get("pages") == 1.0 and p.get("year") == 1.0
