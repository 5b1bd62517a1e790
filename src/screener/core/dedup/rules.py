"""The rules of the deduplication, one class of evidence per small function.

1. ``DECISIVE``: evidence that two records are one item whatever else they say.
2. ``VETOES``: the not-a-duplicate rules (``FIRST_VETOES`` come even before the decisive
   evidence; ``HARD_VETOES`` are never joined in one cluster).
3. ``CONFLICTS``: fields that turn a merge into a question for a human.
4. Field evidence adding up (``agreeing_fields``, ``merge_same_citation``,
   ``merge_bibliographic``) and what is left for a human (``possible_rule`` and the
   questions after a veto).

Each takes a :class:`~screener.core.dedup.evidence.Pair` and is tested on its own; the
decision that applies them in order is :func:`screener.core.dedup.compare.decide`.
"""

from __future__ import annotations

from screener.core.dedup.evidence import (
    Evidence,
    Outcome,
    Pair,
    abstract_in_journal,
    conference_mismatch,
    same_citation,
    same_id,
    same_page_range,
    same_place,
    same_printed_item,
    slow_scores,
)
from screener.core.dedup.similarity import journal_similarity, shifted_citation

# --- 1. decisive evidence -------------------------------------------------------------


def decisive_identifier(p: Pair) -> str | None:
    """The same DOI (or PMID) and an agreeing title: the strongest evidence there is.

    The title must agree (a DOI is shared by a supplement's abstracts or a book's
    chapters) and carry the same numbers ("part 1" / "part 2" of one book DOI); then
    differing pages, volumes, author formats or venue labels are database artefacts.
    """
    if not same_id(p):
        return None
    title = p.get("title")
    if title is None or title < p.th.title_with_identifier or p.fa.title_numbers != p.fb.title_numbers:
        return None
    if venues_disagree(p):
        return None
    p.evidence.append(Evidence("identifier", 10, "same DOI/PMID and the titles agree"))
    return "same-doi" if p.get("doi") == 1.0 else "same-pmid"


def venues_disagree(p: Pair) -> bool:
    """Clearly different journals, and no shared start page to show one of them is a
    database's mislabel: a summary, comment or meeting abstract printed in another
    journal (which some databases give the article's DOI) is another record (issue 16,
    rules 3 and 5), not the article."""
    fa, fb = p.fa, p.fb
    if not (fa.journal and fb.journal) or p.get("pages") == 1.0:
        return False
    if journal_similarity(fa.journal, fb.journal) >= p.th.journal_conflict:
        return False
    p.evidence.append(
        Evidence("journal", -1, "the same identifier in another journal: a summary or comment?")
    )
    return True


def decisive_identifier_and_place(p: Pair) -> str | None:
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


def veto_years(p: Pair) -> str | None:
    return "different-years" if p.get("year") == 0.0 else None


def veto_notice(p: Pair) -> str | None:
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


def veto_identifiers(p: Pair) -> str | None:
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
        p.evidence.append(
            Evidence("identifier", 0, "the identifiers differ, but the page range is one item's")
        )
        return None
    return rule


def veto_conference(p: Pair) -> str | None:
    """A conference abstract against a journal article (not at one printed place)."""
    fa, fb = p.fa, p.fb
    if (
        not same_place(p)
        and ((fa.conference and fb.regular) or (fb.conference and fa.regular))
        and not abstract_in_journal(fa, fb, p.th)
    ):
        return "conference-vs-article"
    return None


def veto_pages(p: Pair) -> str | None:
    """Different start pages: two items of one volume (or of different volumes)."""
    if p.get("pages") != 0.0:
        return None
    volume = p.get("volume")
    if volume == 1.0:
        return "different-pages-same-volume"
    return "different-volume-and-pages" if volume == 0.0 else "different-pages"


def veto_issue(p: Pair) -> str | None:
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


def veto_journal_and_volume(p: Pair) -> str | None:
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


def same_id_same_range(p: Pair) -> bool:
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
#: them separates (see :func:`screener.core.dedup.find.find_duplicates`). Not the rules that
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


def conflict_volume(p: Pair) -> bool:
    """Different volumes, except at the same page in the same year (a supplement number
    exported as the volume)."""
    return p.get("volume") == 0.0 and not (p.get("pages") == 1.0 and p.get("year") == 1.0)


def conflict_journal(p: Pair) -> bool:
    """Different journal names; at the same volume, page and year two labels of a
    book-series volume."""
    journal = p.get("journal")
    return journal is not None and journal < p.th.journal_conflict and not same_citation(p)


def conflict_title_numbers(p: Pair) -> bool:
    """Titles that differ in a number ("part 1" / "part 2"); at one printed place a typo."""
    return p.fa.title_numbers != p.fb.title_numbers and not same_citation(p)


def conflict_conference(p: Pair) -> bool:
    """One record a meeting item, the other not, with nothing placing them together."""
    fa, fb = p.fa, p.fb
    return conference_mismatch(fa, fb) and not (
        p.get("pages") == 1.0
        or abstract_in_journal(fa, fb, p.th)
        or same_id(p)
        or p.scores.get("abstract", 0.0) >= p.th.abstract_match
        or (p.get("volume") == 1.0 and p.get("issue") == 1.0)
    )


def conflict_doi(p: Pair) -> bool:
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


def agreeing_fields(p: Pair) -> list[Evidence]:
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


def authors_acceptable(p: Pair, agreeing: int) -> bool:
    """Author lists are the least reliable field: weak agreement is outweighed by
    agreement of nearly every other field; a missing list is no evidence either way."""
    authors = p.get("authors")
    th = p.th
    return (
        authors is None or authors >= th.author_duplicate or (authors >= th.author_possible and agreeing >= 4)
    )


def merge_same_citation(p: Pair, title: float) -> str | None:
    """Same volume, start page and year (not a one-page meeting item): a similar title
    with matching authors, or a near-identical title of a multi-page item whatever the
    authors (group authors, compound names)."""
    fa, fb, th = p.fa, p.fb, p.th
    owns_page = max(fa.page_span, fb.page_span) >= 2
    # Several meeting abstracts share a page; a range of three or more pages is one
    # item's, in a supplement too.
    if not same_citation(p) or ((fa.conference or fb.conference) and not owns_page):
        return None
    authors = p.get("authors")
    if (title >= th.title_possible and authors is not None and authors >= th.author_duplicate) or (
        title >= th.title_same_place and owns_page
    ):
        p.evidence.append(Evidence("citation", 3, "same volume, start page and year"))
        return "same-citation"
    return None


def merge_bibliographic(p: Pair, title: float, agreeing: list[Evidence]) -> str | None:
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
    if short_title_unplaced(p):
        p.evidence.append(Evidence("title", -1, "a short title names no item: the place must agree too"))
        return None
    if year == 1.0 and title >= 0.97 and authors is not None and authors >= 0.9 and not short_title_placed(p):
        needed -= 1
        p.evidence.append(Evidence("title+authors", 1, "near-identical title and authors in one year"))
    if len(agreeing) >= needed:
        p.evidence.append(
            Evidence("total", len(agreeing), f"{len(agreeing)} agreeing field(s), {needed} needed")
        )
        return "bibliographic"
    p.evidence.append(Evidence("total", len(agreeing), f"{len(agreeing)} agreeing field(s), {needed} needed"))
    return None


def short_title(p: Pair) -> bool:
    """Fewer significant title words than a blocking key: "Editor's comments"."""
    return min(len(p.fa.title_tokens), len(p.fb.title_tokens)) < p.th.title_block_tokens


def short_title_placed(p: Pair) -> bool:
    """A short title, and at least one record says where it was printed."""
    fa, fb = p.fa, p.fb
    return short_title(p) and bool(
        fa.volume or fa.issue or fa.start_page or fb.volume or fb.issue or fb.start_page
    )


def short_title_unplaced(p: Pair) -> bool:
    """A short title ("Editor's comments", "Editorial introduction") recurs in every issue,
    by the same editor: it names no item by itself, so where a record says where it was
    printed, that place (start page, or volume and issue, or the issue of a journal
    without volumes in one year) or an identifier must agree as well."""
    fa, fb = p.fa, p.fb
    if not short_title_placed(p):
        return False
    issue = p.get("issue") == 1.0
    return not (
        p.get("pages") == 1.0
        or (issue and p.get("volume") == 1.0)
        or (issue and not fa.volume and not fb.volume and p.get("year") == 1.0)
        or shifted_citation(fa, fb)
        or same_id(p)
    )


def possible_rule(p: Pair, title: float | None, conflicts: list[str], agreeing: int) -> tuple[Outcome, str]:
    """What is left for a human, or distinct."""
    th, fa, fb = p.th, p.fa, p.fb
    authors = p.get("authors")
    if title is None:
        if same_id(p) or (same_citation(p) and fa.first_author and fa.first_author == fb.first_author):
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
    if same_citation(p) and same_people and title >= 0.5 and not conference:
        return "possible", "same-citation-different-title"
    return "distinct", "different-titles"


def retitled_possible(p: Pair, title: float) -> bool:
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


def presented_twice_possible(p: Pair, rule: str) -> bool:
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


def wrong_identifier_possible(p: Pair, rule: str) -> bool:
    """Different identifiers, but title, year, volume and (single) page place the two at
    one printed item: perhaps a wrong DOI, perhaps two items on one page; a human decides."""
    return (
        rule in ("different-doi", "different-pmid")
        and p.scores.get("title", 0.0) >= p.th.title_duplicate
        and p.get("year") == 1.0
        and p.get("pages") == 1.0
        and p.get("volume") != 0.0
    )


def veto(p: Pair) -> tuple[Outcome, str] | None:
    """The first not-a-duplicate rule that applies (after the decisive evidence), as
    distinct, or as a question where the rest of the evidence makes it doubtful."""
    for check in VETOES:
        if check in FIRST_VETOES:
            continue
        rule = check(p)
        if rule:
            if wrong_identifier_possible(p, rule):
                return "possible", rule + "-same-citation"
            if presented_twice_possible(p, rule):
                return "possible", "same-abstract-two-supplements"
            return "distinct", rule
    return None
