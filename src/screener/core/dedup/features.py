"""Matching keys for deduplication: normalisation of each field and blocking keys.

Text and title folding live in :mod:`screener.core.dedup.text` (re-exported here).
Everything here is computed once per record (``Features.of``) so that the pairwise
comparison in :mod:`screener.core.dedup.compare` only does string similarity on
prepared values. The importers already normalise DOIs and expand page ranges; the keys
here go further, because two sources of the same article differ in case, punctuation,
diacritics, spelling (haem-/hem-), journal abbreviation and author given names, and
none of those differences should count against a match.

Pure Python (plus the standard library); no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from screener.core.dedup.text import (
    STOP_WORDS,
    fix_mojibake,
    fold,
    is_missing,
    norm_name,
    norm_text,
    notice_kind,
    strip_title_notes,
    title_numbers,
    title_parts,
)
from screener.core.models import Author, BibRecord

__all__ = [
    "STOP_WORDS",
    "Features",
    "abstract_key",
    "author_keys",
    "author_list",
    "first_author_key",
    "fix_mojibake",
    "fold",
    "is_missing",
    "issue_key",
    "journal_tokens",
    "norm_doi",
    "norm_name",
    "norm_number",
    "norm_page",
    "norm_text",
    "notice_kind",
    "strip_title_notes",
    "title_numbers",
    "venue",
]

_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")

# --------------------------------------------------------------------------- venue

_CONFERENCE_WORDS_RE = re.compile(
    r"\b(?:conference|congress|proceedings|proc|symposium|meeting|annual\s+scientific|"
    r"abstracts?|workshop|colloquium|convention|summit|poster|amcis|icis|ecis|hicss)\b"
)
_SUPPL_RE = re.compile(r"\b(?:suppl|supplement|supp|sup|suppls)\b|^s\s*\d*$")
_MEETING_ISSUE_RE = re.compile(r"\b(?:meetingabstracts|abstracts?|meeting|congress|conference)\b")
_EMBASE_CONFERENCE_RE = re.compile(r"\.?\s*(?:conference|congress|meeting)\s*:", re.IGNORECASE)
_JOURNAL_NOISE_RE = re.compile(r"\b(?:electronic resource|print|online|internet)\b")


_PTYPE_CONFERENCE_RE = re.compile(r"conference|congress|meeting|abstract|proceedings", re.IGNORECASE)
_NON_DIGIT_RE = re.compile(r"\D")


@lru_cache(maxsize=65536)
def venue(journal: str) -> tuple[tuple[str, ...], bool]:
    """(journal tokens, whether the venue names a conference) for a journal field.

    Embase names a conference abstract's venue "Journal. Conference: 66th Annual
    Meeting ..."; the journal is the part before, the rest is conference evidence.
    Cached: a review has far fewer venues than records.
    """
    if is_missing(journal):
        return (), False
    conference = False
    m = _EMBASE_CONFERENCE_RE.search(journal)
    if m:
        journal, conference = journal[: m.start()], True
    tokens = journal_tokens(journal)
    text = " ".join(tokens)
    conference = conference or bool(_CONFERENCE_WORDS_RE.search(text)) or "suppl" in tokens
    return tokens, conference


@lru_cache(maxsize=4096)
def issue_key(issue: str) -> tuple[str, str]:
    """(issue number, kind): kind is "meeting" for a meeting-abstracts issue,
    "supplement" for a supplement, "plain" for an ordinary issue, "" if none."""
    if is_missing(issue):
        return "", ""
    text = norm_text(issue)
    kind = (
        "meeting" if _MEETING_ISSUE_RE.search(text) else "supplement" if _SUPPL_RE.search(text) else "plain"
    )
    return norm_number(issue), kind


_JOURNAL_QUALIFIER_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


@lru_cache(maxsize=65536)
def journal_tokens(journal: str) -> tuple[str, ...]:
    """Journal name as significant tokens: "The Journal of Pediatrics." → ("journal", "pediatrics").

    Qualifiers that only some sources give are dropped: NLM's disambiguators in
    brackets ("Obesity (Silver Spring)", "BMJ (Clinical research ed.)", "[Electronic
    Resource]") and a subtitle after a colon ("J Clin Virol : the official publication
    of ..."), unless nothing would be left.
    """
    core = _JOURNAL_QUALIFIER_RE.sub(" ", journal)
    core = core.split(" : ")[0].split(": ")[0]
    if core.strip():
        journal = core
    text = norm_text(journal.replace("&", " and ").replace("+", " and "))
    text = _JOURNAL_NOISE_RE.sub(" ", text)
    return tuple(t for t in text.split() if t not in STOP_WORDS)


# --------------------------------------------------------------------------- authors

_PARTICLES = frozenset(
    {
        "de",
        "da",
        "di",
        "du",
        "del",
        "della",
        "der",
        "den",
        "van",
        "von",
        "ter",
        "ten",
        "le",
        "la",
        "al",
        "el",
        "dos",
        "das",
        "st",
        "mac",
        "jr",
        "sr",
        "ii",
        "iii",
    }
)
#: Placeholders that databases put where there are no authors: no evidence, not a name.
_NO_AUTHOR = frozenset({"anonymous", "anon", "no authors", "no authors listed", "et al", "unknown", "na"})
_SPLIT_CONCAT_RE = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z'\u00c0-\u024f])")


@lru_cache(maxsize=65536)
def _initials(given: str) -> str:
    return "".join(w[0] for w in norm_name(given).split())


@lru_cache(maxsize=262144)
def _author_pairs(family: str, given: str) -> tuple[tuple[str, str], ...]:
    """(family, initials) for one author field; several if it holds a concatenated list.

    Cached: the same authors recur across the records of a review.
    """
    if not given and _SPLIT_CONCAT_RE.search(family):
        out = []
        for part in _SPLIT_CONCAT_RE.split(family):
            words = norm_name(part).split()
            if words:
                # "Lewis G. F." → family "lewis", initials "gf"
                family_words = [w for w in words if len(w) > 1] or words[:1]
                out.append((" ".join(family_words), "".join(w for w in words if len(w) == 1)))
        return tuple(out)
    fam = norm_name(family)
    if fam in _NO_AUTHOR:
        return ()
    return ((fam, _initials(given)),) if fam else ()


def author_keys(record: BibRecord) -> tuple[tuple[str, ...], str]:
    """Authors as ("family initials", ...) plus the family name of the first author.

    Given names are reduced to initials because sources disagree on them
    ("Ravichandran, Thiagarajan" vs "Ravichandran, T."). An author list that reached
    the importer as one unparsed string ("Adeli K.Lewis G. F.", EndNote's concatenation)
    is split at "initial-dot followed by a capitalised word", which is where the next
    author starts. The first author's key is the first family word that is not a
    particle ("Le Quintrec" → "quintrec"), because sources disagree on particles.
    """
    return author_list(record.authors), first_author_key(record.authors)


def author_list(authors: tuple[Author, ...]) -> tuple[str, ...]:
    """("family initials", ...) for an author list (see :func:`author_keys`)."""
    pairs: list[tuple[str, str]] = []
    for author in authors:
        pairs.extend(_author_pairs(author.family or "", author.given or ""))
    return tuple(f + " " + i if i else f for f, i in pairs)


def _main_family(key: str) -> str:
    """The main word of a "family initials" key: the longest family word that is not a
    particle ("van wylen dgl" -> "wylen", "lupi herrera e" -> "herrera")."""
    fam = key.rsplit(" ", 1)[0] if " " in key else key
    words = [w for w in fam.split() if w not in _PARTICLES and len(w) > 1] or fam.split()
    return max(words, key=len) if words else fam


_CASE_JOIN_RE = re.compile(r"(?<=[a-z\u00df-\u00ff])(?=[A-Z\u00c0-\u00de][a-z\u00df-\u00ff])")


@lru_cache(maxsize=65536)
def _name_words(text: str) -> tuple[str, ...]:
    """Folded words of one name field, plus the parts of words glued at a case change
    ("FrancescaBorsari" also gives "francesca" and "borsari")."""
    words = norm_name(text).split()
    if _CASE_JOIN_RE.search(text):
        words += norm_name(_CASE_JOIN_RE.sub(" ", text)).split()
    return tuple(words)


def author_words(authors: tuple[Author, ...]) -> tuple[frozenset[str], str]:
    """(set of name words of every author, the names glued without spaces)."""
    words: list[str] = []
    glued: list[str] = []
    for a in authors:
        family, given = norm_name(a.family or ""), norm_name(a.given or "")
        glued.append(family.replace(" ", "") + given.replace(" ", ""))
        words.extend(_name_words(a.family or ""))
        words.extend(_name_words(a.given or ""))
    return frozenset(w for w in words if len(w) > 1), "".join(glued)


def first_author_key(authors: tuple[Author, ...]) -> str:
    """The first author's family word (no particle) and first initial ("wang j")."""
    pairs = _author_pairs(authors[0].family or "", authors[0].given or "") if authors else ()
    first = ""
    if pairs:
        words = pairs[0][0].split()
        sig = [w for w in words if w not in _PARTICLES and len(w) > 1] or words
        # With the first initial: "wang" alone would file hundreds of records of a
        # large review under one key; "wang j" keeps blocks small. A record without
        # given names still meets its duplicates through the title and page keys.
        first = sig[0] + (" " + pairs[0][1][:1] if pairs[0][1] else "")
    return first


# --------------------------------------------------------------------------- identifiers & numbers

_DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
_MONTHS = {
    m: str(i)
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}


def norm_doi(doi: str | None) -> str:
    """Bare lower-case DOI without URL prefix, URL escapes or trailing punctuation."""
    if doi is None or is_missing(doi):
        return ""
    text = unquote(doi.strip()).lower()
    m = _DOI_RE.search(text)
    if not m:
        return ""
    return m.group(0).rstrip(".,;)]}'\"")


def norm_number(value: str | None) -> str:
    """Volume/issue as its first run of digits ("Vol. 7" → "7", "07" → "7"); "" if none.

    A value without digits ("Suppl") gives "" so that it never conflicts. So does a
    visibly broken value such as "1)" -- the tail of "61 (Suppl. 1)" split at the wrong
    place by an export, which holds the supplement number, not the volume.
    """
    if value is not None and value.isdigit():
        return value.lstrip("0") or "0"
    if value is None or is_missing(value):
        return ""
    text = value.strip()
    if text.count(")") > text.count("("):
        return ""
    m = re.search(r"\d+", text)
    return (m.group(0).lstrip("0") or "0") if m else ""


def norm_page(value: str | None) -> tuple[str, str]:
    """A page as (letter prefix, digits): "S77" → ("s", "77"), "e001469" → ("e", "1469").

    Excel turns "1-4" into "01-Apr"; a month name standing alone as a page is read as its
    number so that such damaged ranges still compare.
    """
    if value is not None and value.isdigit():
        return "", value.lstrip("0") or "0"
    if value is None or is_missing(value):
        return "", ""
    text = value.strip().lower()
    if text[:3] in _MONTHS and not text[3:4].isalpha():
        return "", _MONTHS[text[:3]]
    m = re.match(r"\s*([a-z]{0,3})\s*\.?\s*0*(\d+)", text)
    if not m:
        return "", ""
    return m.group(1), m.group(2) or "0"


@lru_cache(maxsize=16384)
def abstract_key(abstract: str) -> str:
    """A light normalisation of an abstract's start, for a fuzzy ratio."""
    return _NON_ALNUM_RE.sub(" ", fold(abstract)).strip()


# --------------------------------------------------------------------------- features


def _place(rec: BibRecord) -> tuple[str, str, str, str, str, str]:
    """(volume, issue, issue kind, page prefix, start page, end page), normalised."""
    prefix, start = norm_page(rec.start_page)
    end = norm_page(rec.end_page)[1]
    volume = norm_number(rec.volume)
    issue, issue_kind = issue_key(rec.issue or "")
    if "paginat" in (rec.volume or "") or "paginat" in (rec.issue or ""):
        # Embase's "8 (no pagination)": the issue field holds the article number
        # and the pages, if any, are the PDF's own ("1-12"): the article number is
        # the locator other databases give as the page.
        prefix, start, end = "", issue, ""
        issue, issue_kind = "", ""
    return volume, issue, issue_kind, prefix, start, end


@dataclass(slots=True)
class Features:
    """Prepared comparison values of one record (computed once, compared many times)."""

    title: str  # folded title without database notes, for fuzzy ratio
    title_tokens: tuple[str, ...]  # significant title words, for blocking
    title_numbers: tuple[str, ...]  # numbers in the title ("part 2", "HPV 16/18", "5-year")
    notice: str | None  # "erratum" / "retraction" / "reply" / "comment" / None
    raw_authors: tuple[Author, ...]  # as imported; see ``authors`` (computed when first needed)
    first_author: str  # first author's family name and first initial ("wang j")
    year: int | None
    journal: tuple[str, ...]  # significant journal tokens (abbreviation-aware compare)
    volume: str
    issue: str
    page_prefix: str
    start_page: str
    end_page: str
    page_span: int  # last page - first page (0 if unknown or a single page)
    doi: str
    pmid: str
    abstract: str  # start of the abstract (raw; see ``abstract_key``)
    conference: bool  # meeting or supplement
    meeting: bool  # venue/issue/type names a conference, meeting, abstracts
    supplement: bool  # supplement issue or "S" page (weaker evidence)
    plain_issue: bool  # an ordinary issue number (not a supplement)
    regular: bool  # positive evidence of a regular journal article
    fields: int  # number of filled bibliographic fields (completeness)
    raw_main: str = ""  # the title before its subtitle, as given ("" if it has none); see ``title_main``
    title_original: str = ""  # folded original-language title appended to it ("" if none)
    _authors: tuple[str, ...] | None = None
    _families: tuple[str, ...] | None = None
    _words: tuple[frozenset[str], str] | None = None

    @property
    def title_main(self) -> str:
        """The folded title before its subtitle ("" if none); folded when first needed
        (only pairs whose whole titles differ look at it)."""
        return norm_text(self.raw_main) if self.raw_main else ""

    @property
    def has_authors(self) -> bool:
        """Whether the record names real authors ("Anonymous", "[No authors]" do not)."""
        return bool(self.raw_authors) and bool(self.authors)

    @property
    def authors(self) -> tuple[str, ...]:
        """("family initials", ...), computed on first use: most candidate pairs are
        rejected on their titles before the authors are looked at."""
        if self._authors is None:
            self._authors = author_list(self.raw_authors)
        return self._authors

    @property
    def author_families(self) -> tuple[str, ...]:
        """Each author's main family word ("van wylen" -> "wylen"), for set comparison."""
        if self._families is None:
            self._families = tuple(_main_family(a) for a in self.authors)
        return self._families

    @property
    def author_words(self) -> tuple[frozenset[str], str]:
        """(every name word of every author, all names glued without spaces): what a
        family name of the other record is looked up in (see
        :func:`screener.core.dedup.similarity.author_set_similarity`)."""
        if self._words is None:
            self._words = author_words(self.raw_authors)
        return self._words

    @classmethod
    def of(cls, rec: BibRecord, abstract_chars: int = 400) -> Features:
        """Prepare one record. ``abstract_chars`` bounds the abstract compared."""
        title, raw_main, title_original, notice = title_parts(rec.title, rec.publication_type)
        tokens = tuple([t for t in title.split() if t not in STOP_WORDS])
        journal_raw = rec.journal if not is_missing(rec.journal) else rec.journal_abbrev
        jtoks, venue_conference = venue(journal_raw or "")
        volume, issue, issue_kind, prefix, start, end = _place(rec)
        year = rec.year if rec.year and 1000 < rec.year < 3000 else None
        # A venue, issue or publication type naming a conference, congress, meeting or
        # abstracts: the record is a conference abstract (or proceedings paper), a
        # different publication from the journal article on the same study. A
        # supplement (issue "Suppl. 1", page "S77") is weaker evidence: supplements
        # also carry full articles.
        meeting = bool(
            venue_conference
            or issue_kind == "meeting"
            or (rec.publication_type and _PTYPE_CONFERENCE_RE.search(rec.publication_type))
        )
        supplement = issue_kind == "supplement" or prefix in ("s", "sa", "sup")
        conference = meeting or supplement
        doi = norm_doi(rec.doi)
        pmid = "" if is_missing(rec.pmid) else _NON_DIGIT_RE.sub("", rec.pmid or "")
        # The abstract only feeds a fuzzy ratio, for the few pairs that get that far: it
        # is normalised then (``abstract_key``), not here for every record.
        abstract = "" if is_missing(rec.abstract) else (rec.abstract or "")[:abstract_chars]
        filled = sum(map(bool, (title, rec.authors, year, jtoks, volume, issue, start, doi, pmid, abstract)))
        span = int(end) - int(start) if start and end and len(end) < 9 and int(end) > int(start) else 0
        return cls(
            title=title,
            title_tokens=tokens,
            title_numbers=title_numbers(title, tokens),
            notice=notice,
            raw_authors=rec.authors,
            first_author=first_author_key(rec.authors),
            year=year,
            journal=jtoks,
            volume=volume,
            issue=issue,
            page_prefix=prefix,
            start_page=start,
            end_page=end,
            page_span=span,
            doi=doi,
            pmid=pmid,
            abstract=abstract,
            conference=conference,
            meeting=meeting,
            supplement=supplement,
            plain_issue=issue_kind == "plain",
            # Positive evidence of a regular article: a plain numeric page in a journal.
            regular=bool(start and prefix in ("", "e") and jtoks and not conference),
            fields=filled,
            raw_main=raw_main,
            title_original=title_original,
        )

    def blocking_keys(self, title_tokens: int = 4) -> list[str]:
        """Keys under which the record is filed; only records sharing a key are compared.

        Several independent keys, so that an error in one field (a typo at the start of
        the title, a missing DOI, a wrong year) still leaves another key in common:
        DOI, PMID, the first and the last ``title_tokens`` significant title words, a
        sorted bag of the rarest-looking (longest) title words, first author + year and
        volume + start page.
        """
        keys: list[str] = []
        if self.doi:
            keys.append("d:" + self.doi)
        if self.pmid:
            keys.append("p:" + self.pmid)
        toks = self.title_tokens
        if len(toks) >= 2:
            keys.append("t:" + " ".join(toks[:title_tokens]))
            keys.append("u:" + " ".join(toks[-title_tokens:]))
            longest = sorted(set(toks))
            longest.sort(key=len, reverse=True)  # stable: ties stay alphabetical
            keys.append("l:" + " ".join(sorted(longest[:3])))
        if self.first_author and self.year:
            keys.append(f"a:{self.first_author}:{self.year}")  # first author + initial + year
        if self.volume and self.start_page:
            keys.append(f"v:{self.volume}:{self.start_page}:{self.journal[0][:1] if self.journal else ''}")
        return keys
