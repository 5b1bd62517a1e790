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
from dataclasses import dataclass, fields
from typing import Any, Literal

from screener.core.dedup_features import Features, abstract_key
from screener.core.dedup_similarity import (
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
from screener.core.models import BibRecord

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Evidence",
    "Outcome",
    "PairResult",
    "Thresholds",
    "author_similarity",
    "compare",
    "compare_features",
    "decide",
    "explain",
    "journal_similarity",
    "page_similarity",
    "rule_text",
    "title_similarity",
]

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


def _conference_mismatch(fa: Features, fb: Features) -> bool:
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
class _Pair:
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


def slow_scores(p: _Pair) -> None:
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


def same_printed_item(p: _Pair) -> bool:
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


def same_place(p: _Pair) -> bool:
    """The same start page in the same (or an unknown) volume."""
    return p.get("pages") == 1.0 and p.get("volume", 1.0) == 1.0


def same_id(p: _Pair) -> bool:
    return p.get("doi") == 1.0 or p.get("pmid") == 1.0


# --- 1. decisive evidence -------------------------------------------------------------


def decisive_identifier(p: _Pair) -> str | None:
    """The same DOI (or PMID) and an agreeing title: the strongest evidence there is.

    The title must agree (a DOI is shared by a supplement's abstracts or a book's
    chapters) and carry the same numbers ("part 1" / "part 2" of one book DOI); then
    differing pages, volumes, author formats or venue labels are database artefacts.
    """
    if not same_id(p):
        return None
    title = p.get("title")
    if title is None or p.fa.title_numbers != p.fb.title_numbers:
        return None
    if title < p.th.title_with_identifier and not main_title_of_other(p.fa, p.fb):
        return None
    if venues_disagree(p):
        return None
    p.evidence.append(Evidence("identifier", 10, "same DOI/PMID and the titles agree"))
    return "same-doi" if p.get("doi") == 1.0 else "same-pmid"


def main_title_of_other(fa: Features, fb: Features) -> bool:
    """One record's whole title is the other's title before its subtitle ("Working with
    algorithms" / "Working with algorithms: sensemaking of ..."), with at least two
    significant words: enough for a title to agree where the identifier is the same."""
    for x, y in ((fa, fb), (fb, fa)):
        if x.raw_main and len(y.title_tokens) >= 2 and x.title_main == y.title:
            return True
    return False


def venues_disagree(p: _Pair) -> bool:
    """Clearly different journals in different years, and no shared start page to show
    one of them is a database's mislabel: a summary or comment printed later in another
    journal (which some databases give the summarised article's DOI), not the article.
    In the same year the identifier stays decisive (databases attach the article's DOI to
    its abstract as another journal printed it; labelled one record in real sets)."""
    fa, fb = p.fa, p.fb
    if not (fa.journal and fb.journal) or p.get("pages") == 1.0 or p.get("year") != 0.5:
        return False
    if journal_similarity(fa.journal, fb.journal) >= p.th.journal_conflict:
        return False
    p.evidence.append(Evidence("journal", -1, "the same identifier in another journal: a summary or comment?"))
    return True


def decisive_identifier_and_place(p: _Pair) -> str | None:
    """The same DOI at the same multi-page range: one item even if the titles differ
    (a title in two languages). Not for meeting abstracts (a supplement's DOI) and not
    when the authors clearly differ."""
    fa, fb = p.fa, p.fb
    if not (
        same_id(p)
        and same_place(p)
        and fa.end_page
        and fa.end_page == fb.end_page
        and fa.page_span >= 1
        and not (fa.conference or fb.conference)
    ):
        return None
    slow_scores(p)
    authors, journal = p.get("authors"), p.get("journal")
    if (authors is not None and authors < p.th.author_possible) or (
        journal is not None and journal < p.th.journal_match
    ):
        return None
    p.evidence.append(Evidence("identifier", 10, "same DOI/PMID at the same page range"))
    return "same-doi-same-place"


DECISIVE = (decisive_identifier, decisive_identifier_and_place)


# --- 2. vetoes (not-a-duplicate rules) ------------------------------------------------


def veto_years(p: _Pair) -> str | None:
    return "different-years" if p.get("year") == 0.0 else None


def veto_notice(p: _Pair) -> str | None:
    """An erratum / retraction / reply / comment against the article (or another kind).

    At the same printed place an erratum or retraction marker on one side only is a
    labelling difference (an erratum is never printed on its article's first page);
    replies and comments share pages with the letter they answer, so not those.
    """
    fa, fb = p.fa, p.fb
    if fa.notice == fb.notice:
        return None
    if same_place(p) and {fa.notice, fb.notice} <= {None, "erratum", "retraction"}:
        return None
    kinds = sorted(k for k in (fa.notice, fb.notice) if k)
    return f"{kinds[0]}-vs-article" if len(kinds) == 1 else f"{kinds[0]}-vs-{kinds[1]}"


def veto_identifiers(p: _Pair) -> str | None:
    """Clearly different DOIs (or PMIDs): two items, unless they sit at one printed item
    (``same_printed_item``). A DOI within a typo of the other is not a veto (a conflict)."""
    doi, pmid = p.get("doi"), p.get("pmid")
    rule = (
        "different-doi"
        if doi is not None and doi < p.th.doi_typo
        else "different-pmid"
        if pmid == 0.0
        else None
    )
    if rule and same_printed_item(p):
        p.evidence.append(Evidence("identifier", 0, "the identifiers differ, but the page range is one item's"))
        return None
    return rule


def veto_conference(p: _Pair) -> str | None:
    """A conference abstract against a journal article (not at one printed place)."""
    fa, fb = p.fa, p.fb
    if (
        not same_place(p)
        and ((fa.conference and fb.regular) or (fb.conference and fa.regular))
        and not abstract_in_journal(fa, fb, p.th)
    ):
        return "conference-vs-article"
    return None


def veto_pages(p: _Pair) -> str | None:
    """Different start pages: two items of one volume (or of different volumes)."""
    if p.get("pages") != 0.0:
        return None
    volume = p.get("volume")
    if volume == 1.0:
        return "different-pages-same-volume"
    return "different-volume-and-pages" if volume == 0.0 else "different-pages"


def veto_issue(p: _Pair) -> str | None:
    """Different ordinary issues of one volume: two items (a column with the same title
    in every issue), unless the start page says otherwise."""
    if (
        p.get("volume") == 1.0
        and p.get("issue") == 0.0
        and p.fa.plain_issue
        and p.fb.plain_issue
        and p.get("pages") is None
    ):
        return "different-issues-same-volume"
    return None


def veto_journal_and_volume(p: _Pair) -> str | None:
    """Different journal names (beyond abbreviation) and different volumes."""
    fa, fb = p.fa, p.fb
    if (
        p.get("volume") == 0.0
        and fa.journal
        and fb.journal
        and journal_similarity(fa.journal, fb.journal) < p.th.journal_conflict
        and not same_id_same_range(p)
    ):
        return "different-journal-and-volume"
    return None


def same_id_same_range(p: _Pair) -> bool:
    """The same DOI/PMID at the same multi-page range and issue under a near-identical
    title: one printed item whose journal and volume one database mislabelled (a summary
    in another journal has its own pages)."""
    fa, fb = p.fa, p.fb
    return bool(
        same_id(p)
        and p.get("pages") == 1.0
        and p.get("issue") == 1.0
        and fa.end_page
        and fa.end_page == fb.end_page
        and fa.page_span >= 2
        and (p.get("title") or 0.0) >= p.th.title_duplicate
        and fa.title_numbers == fb.title_numbers
    )


VETOES = (veto_years, veto_notice, veto_journal_and_volume, veto_identifiers, veto_conference, veto_pages,
          veto_issue)  # fmt: skip
#: Vetoes that even decisive identifier evidence does not override: the years, a notice
#: against its article, and two different journals *and* volumes (a DOI copied onto the
#: record of another publication: the abstract in another journal's supplement).
FIRST_VETOES = (veto_years, veto_notice, veto_journal_and_volume)

#: Rules that say "two items" for certain: a cluster never joins two records one of
#: them separates (see :func:`screener.core.dedup.find_duplicates`). Not the rules that
#: rest on fields databases often get wrong between copies (a missing volume, a
#: supplement marker on one copy only).
HARD_VETOES = frozenset(
    {
        "different-years",
        "different-doi",
        "different-pmid",
        "different-pages-same-volume",
        "different-issues-same-volume",
    }
)


def is_related_rule(rule: str) -> bool:
    """A rule that keeps two records apart although one is about the other (an erratum
    of, a reply to, a comment on, a conference abstract of)."""
    return "-vs-" in rule


def is_hard_veto(rule: str) -> bool:
    """A rule that keeps two records apart for certain (never one cluster): the hard
    vetoes and a notice (erratum, reply, comment) against its article."""
    return rule in HARD_VETOES or ("-vs-" in rule and not rule.startswith("conference"))


# --- 3. conflicts and field evidence --------------------------------------------------


def conflict_volume(p: _Pair) -> bool:
    """Different volumes, except at the same page in the same year (a supplement number
    exported as the volume)."""
    return p.get("volume") == 0.0 and not (p.get("pages") == 1.0 and p.get("year") == 1.0)


def _same_citation(p: _Pair) -> bool:
    return p.get("volume") == 1.0 and p.get("pages") == 1.0 and p.get("year") == 1.0


def conflict_journal(p: _Pair) -> bool:
    """Different journal names; at the same volume, page and year two labels of a
    book-series volume."""
    journal = p.get("journal")
    return journal is not None and journal < p.th.journal_conflict and not _same_citation(p)


def conflict_title_numbers(p: _Pair) -> bool:
    """Titles that differ in a number ("part 1" / "part 2"); at one printed place a typo."""
    return p.fa.title_numbers != p.fb.title_numbers and not _same_citation(p)


def conflict_conference(p: _Pair) -> bool:
    """One record a meeting item, the other not, with nothing placing them together."""
    fa, fb = p.fa, p.fb
    return _conference_mismatch(fa, fb) and not (
        p.get("pages") == 1.0
        or abstract_in_journal(fa, fb, p.th)
        or same_id(p)
        or p.scores.get("abstract", 0.0) >= p.th.abstract_match
        or (p.get("volume") == 1.0 and p.get("issue") == 1.0)
    )


def conflict_doi(p: _Pair) -> bool:
    """DOIs within a typo of each other: perhaps a typo, perhaps consecutive items of one
    journal ("...09.008" / "...09.009"); a human decides, unless at one printed item."""
    doi = p.get("doi")
    return doi is not None and doi < 1.0 and not same_printed_item(p)


CONFLICTS = (
    ("volume", conflict_volume),
    ("journal", conflict_journal),
    ("title-numbers", conflict_title_numbers),
    ("conference", conflict_conference),
    ("doi", conflict_doi),
)


def agreeing_fields(p: _Pair) -> list[Evidence]:
    """One point per secondary field that agrees (journal, volume, ordinary issue, start
    page, abstract, identifier)."""
    th, fa, fb = p.th, p.fa, p.fb
    journal = p.get("journal")
    out = []
    for name, agrees in (
        ("journal", journal is not None and journal >= th.journal_match),
        ("volume", p.get("volume") == 1.0),
        # Supplement numbers are small and shared by many supplements: only an
        # ordinary issue number corroborates.
        ("issue", p.get("issue") == 1.0 and fa.plain_issue and fb.plain_issue),
        ("pages", p.get("pages") == 1.0),
        # The whole range of several pages, not only where it starts: two items never
        # share one (proceedings papers carry little else to agree).
        ("page range", same_page_range(fa, fb)),
        ("abstract", p.scores.get("abstract", 0.0) >= th.abstract_match),
        ("identifier", same_id(p)),
    ):
        if agrees:
            out.append(Evidence(name, 1, f"{name} agrees"))
    return out


def authors_acceptable(p: _Pair, agreeing: int) -> bool:
    """Author lists are the least reliable field: weak agreement is outweighed by
    agreement of nearly every other field; a missing list is no evidence either way."""
    authors = p.get("authors")
    th = p.th
    return authors is None or authors >= th.author_duplicate or (authors >= th.author_possible and agreeing >= 4)


def merge_same_citation(p: _Pair, title: float) -> str | None:
    """Same volume, start page and year (not a one-page meeting item): a similar title
    with matching authors, or a near-identical title of a multi-page item whatever the
    authors (group authors, compound names)."""
    fa, fb, th = p.fa, p.fb, p.th
    owns_page = max(fa.page_span, fb.page_span) >= 2
    # Several meeting abstracts share a page; a range of three or more pages is one
    # item's, in a supplement too.
    if not _same_citation(p) or ((fa.conference or fb.conference) and not owns_page):
        return None
    authors = p.get("authors")
    if (title >= th.title_possible and authors is not None and authors >= th.author_duplicate) or (
        title >= th.title_same_place and owns_page
    ):
        p.evidence.append(Evidence("citation", 3, "same volume, start page and year"))
        return "same-citation"
    return None


def merge_bibliographic(p: _Pair, title: float, agreeing: list[Evidence]) -> str | None:
    """A near-identical title plus enough agreeing fields: the evidence adds up to
    ``min_agreeing`` points; no authors or a one-year shift ask for one more, a
    near-identical title with near-identical authors in the same year for one fewer. A
    short (recurring) title also needs the printed place or an identifier to agree."""
    th = p.th
    if title < th.title_duplicate:
        return None
    authors, year = p.get("authors"), p.get("year")
    needed = th.min_agreeing
    if authors is None:
        needed += 1
        p.evidence.append(Evidence("authors", -1, "no author evidence: one more field needed"))
    if year == 0.5:
        needed += 1
        p.evidence.append(Evidence("year", -1, "years one apart: one more field needed"))
    fa, fb = p.fa, p.fb
    if min(len(fa.title_tokens), len(fb.title_tokens)) < th.title_block_tokens and (
        fa.volume or fa.issue or fa.start_page or fb.volume or fb.issue or fb.start_page
    ):
        # A short title ("Editor's comments", "Editorial introduction") recurs in every
        # issue, by the same editor: it names no item by itself, so where a record says
        # where it was printed, that place (start page, or volume and issue) or an
        # identifier must agree as well.
        if not (
            p.get("pages") == 1.0
            or (p.get("volume") == 1.0 and p.get("issue") == 1.0)
            or shifted_citation(p.fa, p.fb)
            or same_id(p)
        ):
            p.evidence.append(Evidence("title", -1, "a short title names no item: the place must agree too"))
            return None
    elif year == 1.0 and title >= 0.97 and authors is not None and authors >= 0.9:
        needed -= 1
        p.evidence.append(Evidence("title+authors", 1, "near-identical title and authors in one year"))
    if len(agreeing) >= needed:
        p.evidence.append(Evidence("total", len(agreeing), f"{len(agreeing)} agreeing field(s), {needed} needed"))
        return "bibliographic"
    p.evidence.append(Evidence("total", len(agreeing), f"{len(agreeing)} agreeing field(s), {needed} needed"))
    return None


def possible_rule(p: _Pair, title: float | None, conflicts: list[str], agreeing: int) -> tuple[Outcome, str]:
    """What is left for a human, or distinct."""
    th, fa, fb = p.th, p.fa, p.fb
    authors = p.get("authors")
    if title is None:
        if same_id(p) or (_same_citation(p) and fa.first_author and fa.first_author == fb.first_author):
            return "possible", "missing-title"
        return "distinct", "insufficient-data"
    # Different authors: distinct, unless the rest of the citation and the title make it
    # one item recorded with other names. Two abstracts on one page share the citation,
    # not the title.
    if (
        authors is not None
        and authors < th.author_possible
        and not same_id(p)
        and (agreeing < 3 or title < th.title_duplicate)
    ):
        return "distinct", "different-authors"
    if title >= th.title_possible:
        if conflicts:
            return "possible", "similar-title-conflicting-" + "-".join(conflicts)
        return "possible", "similar-title"
    # A shared DOI with a different title is usually a container DOI; the same page with
    # a different title, two abstracts on one page. Only with the same authors might it
    # be one item under a translated title.
    same_people = authors is not None and authors >= th.author_duplicate
    conference = fa.conference or fb.conference
    if same_id(p) and same_people and title >= 0.5 and not conference:
        return "possible", "same-identifier-different-title"
    if _same_citation(p) and same_people and title >= 0.5 and not conference:
        return "possible", "same-citation-different-title"
    return "distinct", "different-titles"


def retitled_possible(p: _Pair, title: float) -> bool:
    """A reworded title (``title_retitled``) on a record that gives no volume and no page
    (an online-first copy), with the same authors (two or more), journal and year (or
    one apart): perhaps the article under its printed title; a human decides."""
    fa, fb, th = p.fa, p.fb, p.th
    if title < th.title_retitled or not any(not x.volume and not x.start_page for x in (fa, fb)):
        return False
    if min(len(fa.raw_authors), len(fb.raw_authors)) < 2 or p.get("year") == 0.0:
        return False
    slow_scores(p)
    authors, journal = p.get("authors"), p.get("journal")
    return authors is not None and authors >= 0.9 and journal is not None and journal >= th.journal_match


def presented_twice_possible(p: _Pair, rule: str) -> bool:
    """Two meeting abstracts with the same title and authors in one year, printed in two
    journals' supplements: perhaps one abstract printed twice, perhaps two presentations
    (two records); a human decides."""
    fa, fb, th = p.fa, p.fb, p.th
    if rule not in ("different-volume-and-pages", "different-journal-and-volume"):
        return False
    if not (fa.conference and fb.conference) or p.get("year") != 1.0:
        return False
    if (p.get("title") or 0.0) < th.title_duplicate or fa.title_numbers != fb.title_numbers:
        return False
    slow_scores(p)
    authors = p.get("authors")
    return authors is not None and authors >= th.author_duplicate


def wrong_identifier_possible(p: _Pair, rule: str) -> bool:
    """Different identifiers, but title, year, volume and (single) page place the two at
    one printed item: perhaps a wrong DOI, perhaps two items on one page; a human decides."""
    return (
        rule in ("different-doi", "different-pmid")
        and p.scores.get("title", 0.0) >= p.th.title_duplicate
        and p.get("year") == 1.0
        and p.get("pages") == 1.0
        and p.get("volume") != 0.0
    )


def decide(
    fa: Features, fb: Features, th: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[Outcome, dict[str, float], str, list[Evidence]]:
    """Decide on a pair of prepared records: (outcome, field scores, rule, evidence)."""
    p = _Pair(fa, fb, th, field_scores(fa, fb, th), [])
    for check in FIRST_VETOES:
        rule = check(p)
        if rule:
            return "distinct", p.scores, rule, p.evidence
    for decisive in DECISIVE:
        rule = decisive(p)
        if rule:
            return "duplicate", p.scores, rule, p.evidence
    for check in VETOES:
        if check in FIRST_VETOES:
            continue
        rule = check(p)
        if rule:
            if wrong_identifier_possible(p, rule):
                return "possible", p.scores, rule + "-same-citation", p.evidence
            if presented_twice_possible(p, rule):
                return "possible", p.scores, "same-abstract-two-supplements", p.evidence
            return "distinct", p.scores, rule, p.evidence

    title = p.get("title")
    # Nothing ties these two together (the common case inside a block).
    if not same_id(p) and not _same_citation(p) and (title is None or title < th.title_possible):
        if title is not None and retitled_possible(p, title):
            return "possible", p.scores, "retitled-same-authors", p.evidence
        return "distinct", p.scores, ("different-titles" if title is not None else "insufficient-data"), p.evidence

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


def explain(pair: PairResult) -> list[str]:
    """Human-readable lines: the outcome, the deciding rule, each field's score, then the
    evidence lines (points for one item +, for two items -) when the pair has them."""
    lines = [f"{pair.a} ~ {pair.b}: {pair.outcome} ({pair.rule}: {rule_text(pair.rule)})"]
    for name in (
        "title",
        "authors",
        "year",
        "journal",
        "volume",
        "issue",
        "pages",
        "doi",
        "pmid",
        "abstract",
    ):
        if name in pair.scores:
            score = pair.scores[name]
            verdict = "match" if score >= 0.999 else ("differs" if score <= 0.001 else "similar")
            lines.append(f"  {name:<8} {score:5.2f}  {verdict}")
    if pair.evidence:
        lines.append("  evidence:")
        lines.extend(f"    {e.points:+d}  {e.note}" if e.points else f"        {e.note}" for e in pair.evidence)
    return lines
