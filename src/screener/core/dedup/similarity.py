"""Field similarities for deduplication: each compares one field of two prepared records.

Pure functions on :class:`~screener.core.dedup.features.Features` values, each in [0, 1]
(or ``None`` where the field cannot be compared); the decision that weighs them is in
:mod:`screener.core.dedup.compare`.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from rapidfuzz.distance import Indel

from screener.core.dedup.features import Features


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
    if a == b or "".join(a) == "".join(b):  # "Neuro-Oncology" / "Neurooncology"
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


def issue_as_locator(fa: Features, fb: Features) -> bool:
    """One record has no page and, in its issue field, the other's page: an article
    number exported as the issue ("11 (791)" against "11 (3) 791")."""
    for x, y in ((fa, fb), (fb, fa)):
        if x.issue and not x.start_page and y.start_page and not y.page_prefix and x.issue == y.start_page:
            return True
    return False


def doi_similarity(a: str, b: str) -> float:
    """1.0 for the same DOI; for two DOIs that differ, their character similarity, so
    that one mistyped (one character off) can be told from a clearly different one."""
    return 1.0 if a == b else _ratio(a, b)


def main_title_similarity(fa: Features, fb: Features) -> float:
    """When one record's whole title is the other's title before its subtitle ("MRI during
    radiotherapy of glioblastoma" / "...: does MRI allow ...?"): 0.95 if that main title
    has at least four significant words; 0.85 if two or three ("Working with algorithms":
    enough with the same identifier or the same citation, a question otherwise); 0 for
    one word ("Editorial: ...") or no such relation."""
    best = 0.0
    for x, y in ((fa, fb), (fb, fa)):
        if x.title_main and x.title_main == y.title and len(y.title_tokens) >= 2:
            best = max(best, 0.95 if len(y.title_tokens) >= 4 else 0.85)
    return best


def original_title_similarity(fa: Features, fb: Features) -> float:
    """Similarity of the original-language titles some databases append ("...
    preconditioning. German Myokardprotektion durch ..."), each also against the other
    record's title; 0 when neither record has one."""
    if not fa.title_original and not fb.title_original:
        return 0.0
    best = 0.0
    for x, y in (
        (fa.title_original, fb.title_original),
        (fa.title_original, fb.title),
        (fa.title, fb.title_original),
    ):
        if x and y:
            best = max(best, title_similarity(x, y))
    return best


def author_set_similarity(fa: Features, fb: Features) -> float:
    """Share of one record's family names found among the other's name words.

    Robust where the author *lists* cannot be aligned: names glued together with no
    separator ("Salamanna FrancescaBorsari Veronica"), family and given names swapped
    ("Tamara, Kneese"), initials against full given names. Compares up to the first six
    families of each side and takes the better direction (a list truncated to its first
    author still agrees with the full list)."""
    best = 0.0
    for x, y in ((fa, fb), (fb, fa)):
        fams = x.author_families[:6]
        if not fams:
            continue
        words, glued = y.author_words
        found = sum(1 for f in fams if f in words or (len(f) >= 4 and f in glued))
        best = max(best, found / len(fams))
    return best
