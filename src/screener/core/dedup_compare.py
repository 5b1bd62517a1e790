"""Pairwise comparison of two records: field scores, "not a duplicate" rules, outcome.

The decision is a short list of explicit rules, checked in order, rather than a learned
weighted score, so that every outcome can be explained by naming the rule and showing
the field scores it looked at:

1. **Not-a-duplicate rules** (outcome "distinct", whatever else matches): publication
   years more than ``year_tolerance`` apart; different DOIs; different PMIDs; an
   erratum / retraction / reply / comment against the article (or another kind of
   notice); a conference abstract against a journal article; different start pages in
   the same volume.
2. **Automatic duplicate**: same DOI or PMID with a similar title (``same-identifier``),
   or a near-identical title, matching authors and enough agreeing secondary fields with
   no conflicting one (``bibliographic``).
3. **Possible duplicate** (queued for a human): a similar title that did not reach the
   automatic rule, a shared identifier with a different title, a missing title with the
   same citation (author, year, volume, page).
4. Otherwise distinct.

All numbers live in :class:`Thresholds`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Literal

from rapidfuzz.distance import Indel

from screener.core.dedup_features import Features, abstract_key
from screener.core.models import BibRecord

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
    (1.0 = same, 0.0 = different); ``rule`` names the rule that decided.
    """

    a: int
    b: int
    outcome: Outcome
    scores: Mapping[str, float]
    rule: str


def _ratio(a: str, b: str) -> float:
    return Indel.normalized_similarity(a, b)


def title_similarity(a: str, b: str) -> float:
    """Indel similarity of folded titles, tolerant of a truncated title or a dropped part.

    Databases cut titles at a fixed length, drop the subtitle, or drop a heading before
    it ("Thrombotic microangiopathy: can ..."). If the shorter title is long (>= 40
    characters, so not a generic "Editorial") and matches the start or the end of the
    longer one, that match is used, scaled by 0.97 so that a full-title match still
    ranks higher.
    """
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 0.5 * len(long_) and len(short) < 40:
        return _ratio(a, b)  # cannot reach any threshold (and no prefix/suffix rescue)
    sim = _ratio(a, b)
    if sim < 0.95 and len(short) >= 40 and len(short) < len(long_):
        part = max(_ratio(short, long_[: len(short)]), _ratio(short, long_[-len(short) :]))
        if part >= 0.97:
            sim = max(sim, 0.97 * part)
    return sim


def author_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Similarity of two author lists ("family initials" each) in [0, 1].

    Compares the first ``k`` authors of each (``k`` = the shorter list, at most 6),
    because databases truncate long lists ("et al.", first 3 or 20 authors) and append
    group authors. Takes the better of (i) the fuzzy ratio of the joined names (typos,
    initials), and (ii) the share of the shorter list's family names found among the
    longer list's (order changes, a first author's particle read differently).
    """
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    k = min(len(a), len(b), 6)
    joined = _ratio(" ".join(a[:k]), " ".join(b[:k]))
    if joined >= 0.9:
        return joined
    fam_a = [x.rsplit(" ", 1)[0] if " " in x else x for x in a[: k + 2]]
    fam_b = [x.rsplit(" ", 1)[0] if " " in x else x for x in b[: k + 2]]
    short, long_ = (fam_a[:k], fam_b) if len(a) <= len(b) else (fam_b[:k], fam_a)
    found = sum((Counter(short) & Counter(long_)).values()) / k  # multiset: symmetric
    return max(joined, found)


def _is_acronym(acronym: str, words: tuple[str, ...]) -> bool:
    """Whether ``acronym`` spells ``words`` by their leading letters ("amcis" ~ "americas
    conference information systems", "hicss" ~ "hawaii international conference system
    sciences"); each used word gives one or more leading letters, words may be skipped,
    at least three words must be used, and the first letter must start a word."""
    if not 2 <= len(acronym) <= 10 or len(words) < 3 or not acronym.isalpha():
        return False

    def match(i: int, j: int, used: int) -> bool:
        if i == len(acronym):
            return used >= 3
        for w in range(j, len(words)):
            word = words[w]
            k = 0
            while k < len(word) and i + k < len(acronym) and word[k] == acronym[i + k]:
                k += 1
                if match(i + k, w + 1, used + 1):
                    return True
        return False

    return match(0, 0, 0)


def _abbreviates(short: str, word: str) -> bool:
    """Whether ``short`` is an abbreviation of ``word``: same first letter and its letters
    in order within the word ("natl" ~ "national", "gynecol" ~ "gynecology", "j" ~
    "journal"), as in ISO 4 / NLM journal abbreviations."""
    if short == word:
        return True
    if not short or len(short) > len(word) or short[0] != word[0]:
        return False
    if word.startswith(short):
        return True
    pos = 0
    for ch in short[1:]:
        pos = word.find(ch, pos + 1)
        if pos < 0:
            return False
    return True


@lru_cache(maxsize=65536)
def journal_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Abbreviation-aware similarity of two journal names (significant tokens).

    Aligns tokens in order, counting a pair as matching when one abbreviates the other
    ("j am heart assoc" ~ "journal american heart association", "proc natl acad sci" ~
    "proceedings national academy sciences"), and returns the Dice share of aligned
    tokens; a plain fuzzy ratio of
    the joined names catches typos. A name that is the other plus extra words
    ("Cancer Letters" / "Cancer") scores 0.6, neither agreeing nor conflicting; an
    acronym ("AMCIS" / "Americas Conference on Information Systems") 0.9.
    """
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    i = j = matched = 0
    while i < len(a) and j < len(b):
        x, y = a[i], b[j]
        if _abbreviates(x, y) or _abbreviates(y, x):
            matched += 1
            i += 1
            j += 1
        elif len(a) - i > len(b) - j:
            i += 1
        elif len(b) - j > len(a) - i:
            j += 1
        else:
            i += 1
            j += 1
    dice = 2 * matched / (len(a) + len(b))
    if matched == min(len(a), len(b)) and a[0][:1] == b[0][:1]:
        # One name is the other with extra words ("Cancer" / "Cancer Letters",
        # "Circulation" / "Circulation Research"): often another journal, so neither
        # agreement nor conflict.
        dice = max(dice, 0.6)
    if dice < 0.8 and (any(_is_acronym(t, b) for t in a) or any(_is_acronym(t, a) for t in b)):
        dice = 0.9
    return max(dice, _ratio(" ".join(a), " ".join(b)))


def page_similarity(fa: Features, fb: Features) -> float | None:
    """1.0 same start page, 0.5 compatible, 0.0 different, None if not comparable.

    Pages in different numbering systems are not comparable: an electronic locator
    ("e12724", BMJ's "c1804") against a printed page ("1014", PLoS's PDF "1-6"); two
    prefixed pages ("S334", "A254") are, and differ. A
    single page inside the other record's range ("488" in "487-488") is compatible: some
    databases give only the last or a middle page.
    """
    if not fa.start_page or not fb.start_page:
        return None
    if fa.start_page == fb.start_page:
        return 1.0
    if fa.page_prefix != fb.page_prefix and not (fa.page_prefix and fb.page_prefix):
        return None
    for x, y in ((fa, fb), (fb, fa)):
        if (not x.end_page or x.end_page == x.start_page) and y.end_page and y.end_page != y.start_page:
            try:
                if int(y.start_page) <= int(x.start_page) <= int(y.end_page):
                    return 0.5
            except ValueError:  # pragma: no cover - digits only by construction
                pass
    # The same last page after several pages each: one first page is a typo ("2297-2108"
    # for 2097-2108, "2141-2147" / "2142-2147"); two items do not end on one page after
    # several pages each. A single page ending where a range ends (a reply printed on the
    # letter's last page) is not this case.
    if (
        fa.end_page
        and fa.end_page == fb.end_page
        and fa.page_prefix == fb.page_prefix
        and fa.start_page != fa.end_page
        and fb.start_page != fb.end_page
    ):
        return 0.5
    return 0.0


def shifted_citation(fa: Features, fb: Features) -> bool:
    """One record's citation is shifted one field left: no volume, the other's volume as
    its issue and the other's issue as its page ("26 (9) 1746" read as issue 26, page 9,
    an Embase conference-abstract artefact)."""
    for x, y in ((fa, fb), (fb, fa)):
        if not x.volume and x.issue and x.issue == y.volume and (not x.start_page or x.start_page == y.issue):
            return True
    return False


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


def _veto(fa: Features, fb: Features, th: Thresholds, scores: Mapping[str, float]) -> str | None:
    """The first not-a-duplicate rule that applies, or None."""
    if fa.year is not None and fb.year is not None and abs(fa.year - fb.year) > th.year_tolerance:
        return "different-years"
    if fa.doi and fb.doi and fa.doi != fb.doi:
        return "different-doi"
    if fa.pmid and fb.pmid and fa.pmid != fb.pmid:
        return "different-pmid"
    # The same start page in the same (or an unknown) volume is the same printed item:
    # then a notice/conference marker present on one side only is a labelling
    # difference between databases (one dropped the "Erratum:" prefix, or the "Suppl."
    # of the issue), not two items.
    pages = scores.get("pages")
    same_place = pages == 1.0 and scores.get("volume", 1.0) == 1.0
    # Replies and comments are printed on the same page as the letter they answer, so
    # the same place does not excuse those; it does excuse an erratum marker (an
    # erratum is never printed on its article's first page).
    if fa.notice != fb.notice and not (
        same_place and {fa.notice, fb.notice} <= {None, "erratum", "retraction"}
    ):
        kinds = sorted(k for k in (fa.notice, fb.notice) if k)
        return f"{kinds[0]}-vs-article" if len(kinds) == 1 else f"{kinds[0]}-vs-{kinds[1]}"
    if (
        not same_place
        and ((fa.conference and fb.regular) or (fb.conference and fa.regular))
        and not abstract_in_journal(fa, fb, th)
    ):
        return "conference-vs-article"
    if pages == 0.0:
        # Different start pages in the same volume are two items of one volume; in
        # different volumes, two items of (possibly) different journals: either way
        # not one printed item. Without a volume on one side the pages still place
        # the two records apart.
        volume = scores.get("volume")
        return (
            "different-pages-same-volume"
            if volume == 1.0
            else "different-volume-and-pages"
            if volume == 0.0
            else "different-pages"
        )
    if (
        scores.get("volume") == 0.0
        and fa.journal
        and fb.journal
        and journal_similarity(fa.journal, fb.journal) < th.journal_conflict
    ):
        # Different journal names (beyond abbreviation) and different volumes: two
        # publications, typically an abstract and the later article, or two meetings.
        return "different-journal-and-volume"
    return None


def compare_features(
    fa: Features, fb: Features, th: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[Outcome, dict[str, float], str]:
    """Decide on a pair of prepared records: (outcome, field scores, rule)."""
    scores: dict[str, float] = {}
    # Cheap exact fields first: they are needed by the rules and cost nothing.
    if fa.year is not None and fb.year is not None:
        d = abs(fa.year - fb.year)
        scores["year"] = 1.0 if d == 0 else (0.5 if d <= th.year_tolerance else 0.0)
    if fa.doi and fb.doi:
        scores["doi"] = float(fa.doi == fb.doi)
    if fa.pmid and fb.pmid:
        scores["pmid"] = float(fa.pmid == fb.pmid)
    pages: float | None
    if shifted_citation(fa, fb):
        scores["volume"] = 1.0  # and nothing to compare the shifted issue and page with
        pages = None
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

    veto = _veto(fa, fb, th, scores)
    if veto is not None:
        if (
            veto in ("different-doi", "different-pmid")
            and scores.get("title", 0.0) >= th.title_duplicate
            and scores.get("year") == 1.0
            and scores.get("pages") == 1.0
            and scores.get("volume") != 0.0
        ):
            # Everything but the identifier places the two records at one printed
            # item: a wrong DOI in one database is more likely than two items with one
            # title on one page. Never merged automatically; a human decides.
            return "possible", scores, veto + "-same-citation"
        return "distinct", scores, veto

    title = scores.get("title")
    year = scores.get("year")
    same_id = scores.get("doi") == 1.0 or scores.get("pmid") == 1.0
    # Same volume, start page and year: the same printed item, unless it is a
    # conference abstract (several are printed on one page).
    same_citation = scores.get("volume") == 1.0 and pages == 1.0 and year == 1.0
    # Early exit: nothing ties these two together (the common case inside a block).
    if not same_id and not same_citation and (title is None or title < th.title_possible):
        return "distinct", scores, "different-titles" if title is not None else "insufficient-data"

    if fa.raw_authors and fb.raw_authors and fa.authors and fb.authors:
        scores["authors"] = author_similarity(fa.authors, fb.authors)
    if fa.journal and fb.journal:
        scores["journal"] = journal_similarity(fa.journal, fb.journal)
    if fa.abstract and fb.abstract:
        scores["abstract"] = _ratio(abstract_key(fa.abstract), abstract_key(fb.abstract))

    authors = scores.get("authors")
    journal = scores.get("journal")
    agreeing = sum(
        (
            journal is not None and journal >= th.journal_match,
            scores.get("volume") == 1.0,
            # Supplement numbers are small and shared by many supplements: only an ordinary
            # issue number corroborates.
            scores.get("issue") == 1.0 and fa.plain_issue and fb.plain_issue,
            pages == 1.0,
            scores.get("abstract", 0.0) >= th.abstract_match,
        )
    )
    # Issue disagreement is not a conflict: exports put sequence or article numbers in
    # the issue field, and supplements are numbered inconsistently.
    conflicts = [
        name
        for name, bad in (
            # Supplement numbers land in the volume field ("62 (Suppl. 1)" exported as
            # volume "1"), so a volume mismatch at the same page in the same year is
            # treated as a data error rather than as two items.
            ("volume", scores.get("volume") == 0.0 and not (pages == 1.0 and year == 1.0)),
            # A book-series volume is cited under the series or the volume title ("Annals
            # of the New York Academy of Sciences" / "Natural Products and Molecular
            # Therapy"); at the same volume, page and year the names are two labels.
            ("journal", journal is not None and journal < th.journal_conflict and not same_citation),
            # Titles that differ in a number ("part 1" / "part 2", "phase II" / "phase III");
            # at one printed place a differing number is a typo ("p6INK4a" / "p16INK4a").
            ("title-numbers", fa.title_numbers != fb.title_numbers and not same_citation),
            # One record is marked as a conference item and the other is not: possibly the
            # abstract and the later article, unless something places them together: the
            # same page, an identifier, the same abstract text, or the same volume and issue.
            (
                "conference",
                _conference_mismatch(fa, fb)
                and not (
                    pages == 1.0
                    or abstract_in_journal(fa, fb, th)
                    or same_id
                    or scores.get("abstract", 0.0) >= th.abstract_match
                    or (scores.get("volume") == 1.0 and scores.get("issue") == 1.0)
                ),
            ),
        )
        if bad
    ]
    # Author lists are the least reliable field (given and family names swapped, group
    # authors, truncation); weak author agreement is outweighed by agreement of nearly
    # every other field of the citation.
    authors_ok = (
        authors is None or authors >= th.author_duplicate or (authors >= th.author_possible and agreeing >= 4)
    )
    conference = fa.conference or fb.conference

    if title is not None and not conflicts and authors_ok and same_id and title >= th.title_with_identifier:
        return "duplicate", scores, "same-doi" if scores.get("doi") == 1.0 else "same-pmid"
    if title is not None and not conflicts and same_citation and not conference:
        # Same printed place: a similar title suffices if the authors really match
        # (two different items on one page share every citation field, so the
        # authors must carry it), and a (near-)identical title suffices whatever the
        # authors: databases record group authors and compound names differently
        # ("ALTS Group" / "Solomon, D"; "Luis Ferreira, Santos A" / "Santos, A L").
        # Only a multi-page item (3+ pages) owns its first page: letters, replies and
        # notes share pages, often under one title.
        owns_page = max(fa.page_span, fb.page_span) >= 2
        if (title >= th.title_possible and authors is not None and authors >= th.author_duplicate) or (
            title >= th.title_same_place and owns_page
        ):
            return "duplicate", scores, "same-citation"
    if title is not None and not conflicts and authors_ok:
        if title >= th.title_duplicate:
            needed = th.min_agreeing
            if authors is None:
                needed += 1  # no author evidence: ask for one more agreeing field
            if year == 0.5:
                needed += 1  # epub/print year shift is common, but so are yearly repeats
            if year == 1.0 and title >= 0.97 and authors is not None and authors >= 0.9:
                needed -= 1  # near-identical title and authors in the same year
            if agreeing + (1 if same_id else 0) >= needed:
                return "duplicate", scores, "bibliographic"

    # Possible duplicates: enough in common that a human should look.
    if title is None:
        if same_id or (same_citation and fa.first_author and fa.first_author == fb.first_author):
            return "possible", scores, "missing-title"
        return "distinct", scores, "insufficient-data"
    # Different authors: distinct, unless the rest of the citation and the title make
    # it one item recorded with other names (group authors, swapped name parts). Two
    # abstracts printed on one page share the citation, not the title.
    if (
        authors is not None
        and authors < th.author_possible
        and not same_id
        and (agreeing < 3 or title < th.title_duplicate)
    ):
        return "distinct", scores, "different-authors"
    if title >= th.title_possible:
        if conflicts:
            return "possible", scores, "similar-title-conflicting-" + "-".join(conflicts)
        return "possible", scores, "similar-title"
    # A shared DOI with a different title is usually a container DOI (Embase gives a
    # supplement's DOI to each of its abstracts; book chapters share the book's); the
    # same page with a different title is usually two abstracts printed on one page.
    # Only with the same authors might it be one item under a translated title.
    same_people = authors is not None and authors >= th.author_duplicate
    if same_id and same_people and title >= 0.5 and not conference:
        return "possible", scores, "same-identifier-different-title"
    if same_citation and same_people and title >= 0.5 and not conference:
        return "possible", scores, "same-citation-different-title"
    return "distinct", scores, "different-titles"


def compare(
    a: BibRecord, b: BibRecord, thresholds: Thresholds = DEFAULT_THRESHOLDS, ids: tuple[int, int] = (0, 1)
) -> PairResult:
    """Compare two records directly (no blocking); ``ids`` label the result."""
    fa = Features.of(a, thresholds.abstract_chars)
    fb = Features.of(b, thresholds.abstract_chars)
    outcome, scores, rule = compare_features(fa, fb, thresholds)
    lo, hi = sorted(ids)
    return PairResult(lo, hi, outcome, scores, rule)


_RULE_TEXT = {
    "same-doi": "same DOI and similar title",
    "same-pmid": "same PMID and similar title",
    "same-citation": "same volume, start page and year, similar title and matching authors",
    "bibliographic": "near-identical title, matching authors and agreeing journal/volume/pages/abstract",
    "similar-title": "similar title, but not enough agreeing fields for an automatic merge",
    "missing-title": "a title is missing; identifier or citation (author, year, volume, page) agree",
    "same-identifier-different-title": "same DOI/PMID but the titles differ",
    "same-citation-different-title": "same volume, page, year and authors but the titles differ",
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
    """Human-readable lines: the outcome, the deciding rule, then each field's score."""
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
    return lines
