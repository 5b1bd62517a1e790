"""Text and title normalisation for deduplication: folding (case, markup, diacritics,
Greek letters, mojibake, British/American spelling), database notes in titles, notices
(erratum, retraction, reply, comment) and the numbers in a title.

Used by :mod:`screener.core.dedup.features` to prepare each record once. Pure Python
(plus the standard library); no I/O.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Collection
from functools import lru_cache

from screener.core.normalise import LANGUAGE_NAMES

# --------------------------------------------------------------------------- text

# Greek letters are spelt out by some databases (Medline) and kept by others (Embase,
# publishers); mapping both to the name makes "IFN-γ" and "IFN-gamma" the same.
_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "ι": "iota",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "τ": "tau",
    "υ": "upsilon",
    "φ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "ß": "ss",
    "æ": "ae",
    "ø": "o",
    "œ": "oe",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
}
_GREEK_RE = re.compile("|".join(map(re.escape, _GREEK)))
_TAG_RE = re.compile(r"<[^>]{0,200}>")
_LATEX_CMD_RE = re.compile(r"\\[a-zA-Z]+\s*|[{}$]")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
# British/American spelling (haematology/hematology, oesophagus, paediatric) differs
# between databases of the same article; folding "ae"/"oe" to "e" removes the
# difference on both sides, so it cannot create a false difference.
_AE_OE_RE = re.compile(r"(?<=[a-z])[ao]e(?=[a-z])|\b[ao]e(?=[a-z])")

#: Words dropped from title blocking tokens and journal keys: they carry no identity.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "with",
        "without",
        "via",
        "versus",
        "vs",
        "der",
        "die",
        "das",
        "und",
        "fur",
        "von",
        "zu",
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "et",
        "en",
        "el",
        "los",
        "las",
        "y",
        "del",
    ]
)

_MISSING = frozenset({"", "na", "n/a", "n a", "nan", "none", "null", "-", "--", "unknown", "[no title]"})


# UTF-8 read as Latin-1/Windows-1252 ("KÃ¶nig" for König, "â€™" for an apostrophe):
# the lead bytes of two-byte UTF-8 sequences show up as these characters.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2\u00c3\u00c5\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 text decoded as Windows-1252 or Latin-1 ("SÃ¤mann" -> "Sämann"); text
    that does not round-trip is returned unchanged."""
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return text


def fold(text: str) -> str:
    """Lower-case ASCII-ish folding: HTML/LaTeX markup, diacritics and Greek removed.

    The importers strip markup already; doing it again is cheap and keeps the dedup
    correct for records that reach it by another path (tests, a future importer).
    """
    if "<" in text or "&" in text:
        text = _TAG_RE.sub(" ", html.unescape(text))
    if "\\" in text or "{" in text or "$" in text:
        text = _LATEX_CMD_RE.sub("", text)
    if not text.isascii() and _MOJIBAKE_HINT.search(text):
        text = fix_mojibake(text)
    text = text.lower()
    if not text.isascii():  # Greek letters and diacritics are never ASCII: skip the work
        text = _GREEK_RE.sub(lambda m: " " + _GREEK[m.group(0)] + " ", text)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = _GREEK_RE.sub(lambda m: " " + _GREEK[m.group(0)] + " ", text.lower())
    return text


def norm_text(text: str | None) -> str:
    """Fold, then keep only ``[a-z0-9]`` words separated by single spaces."""
    if not text:
        return ""
    out = _NON_ALNUM_RE.sub(" ", fold(text)).strip()
    if "ae" in out or "oe" in out:
        out = _AE_OE_RE.sub("e", out)
    return out


@lru_cache(maxsize=262144)
def norm_name(text: str) -> str:
    """Fold a personal name to ``[a-z0-9]`` words (no spelling folding: "Maes" stays).

    Cached: the same names recur across the records of a review.
    """
    return _NON_ALNUM_RE.sub(" ", fold(text)).strip() if text else ""


def is_missing(value: str | None) -> bool:
    """True for empty values and the placeholders exports use for them ("NA", "-")."""
    return value is None or (len(value) < 16 and value.strip().lower() in _MISSING)


# --------------------------------------------------------------------------- titles

# Notes that bibliographic databases append to a title and that are not part of it:
# "[Review]", "[33 refs]", "[Japanese]", "(Structured abstract)", "[see comments]".
_TITLE_NOTE_RE = re.compile(
    r"""\s*(?:
        \[\s*[a-z]+(?:\s*,\s*[a-z]+)*\s*\]            # [Japanese], [German, English], [Review]
      | [\[(]\s*(?:
            \d+\s*refs?|review|(?:structured|provisional)\s+abstract|abstract\s+only|
            author'?s?\s+transl[^\])]*|\d+|added|multiple\s+letters|letter|editorial
        )\s*[\])]
    )\s*\.?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A note that an erratum, comment, retraction or update *exists* describes the article,
# so it is cut (with everything after it: such notes nest brackets and get truncated)
# before looking for notice markers; otherwise the article would look like an erratum.
_CROSS_REFERENCE_RE = re.compile(
    r"\s*[\[(]\s*(?:published\s+)?(?:erratum|errata|comment|comments|see\s+comments?|retraction|"
    r"retracted|update|summary\s+for\s+patients|corrected\s+and\s+republished|republished|"
    r"expression\s+of\s+concern|with\s+commentary)\b"
    r"(?:\s+(?:appears?|in|on|of|from|to|published|by))?.*$",
    re.IGNORECASE,
)

# A title that *is* an erratum, correction, retraction, reply or comment. These are
# separate publications from the article they refer to (often with a near-identical
# title), so they must never be merged into it. Patterns are anchored on the forms
# databases use ("Erratum: ...", "Correction to ...", "... - Reply", Web of Science's
# "(vol 360, pg 542, 2009)", Embase's "(Journal (2009) 360 (542-544))") rather than on
# the bare words, which also occur in ordinary titles ("Correction of anaemia ...",
# "Response to treatment ...").
_NOTICE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "erratum",
        re.compile(
            r"^\W*(?:erratum|errata|corrigendum|corrigenda)\b"
            r"|^\W*(?:corrections?|author\s+correction|notice\s+of\s+correction|"
            r"publisher\s*'?s?\s+(?:correction|note))\s*(?:[:.\-\u2013\[(]|to\b|$)"
            r"|\b(?:erratum|corrigendum)\s*(?:to\b|for\b|:)"
            r"|\bcorrection\s+to\s*:"
            r"|\(\s*vol\.?\s*\d+\s*,?\s*pg?\.?\s*[a-z]?\d+"
            r"|\([a-z][^()]{3,120}\(\d{4}\)\s*\d+[^()]{0,20}\(\s*[a-z]?\d+[^()]*\)\s*\)\s*\.?\s*$",
            re.IGNORECASE,
        ),
    ),
    (
        "retraction",
        re.compile(
            r"^\W*(?:retraction(?:\s+notice)?|notice\s+of\s+retraction|retracted(?:\s+article)?|"
            r"withdrawn|expression\s+of\s+concern)\s*(?:[:.\-\u2013\[(]|of\b|$)",
            re.IGNORECASE,
        ),
    ),
    (
        "reply",
        re.compile(
            r"^\W*(?:reply|in\s+reply|authors?\s*'?\s*reply|authors?\s*'?\s*response|response\s*:)"
            r"|[-:.\u2013]\s*(?:authors?\s*'?\s*)?(?:reply|response)\s*\.?\s*$"
            r"|\bauthors?\s*'?\s*(?:reply|response)\b|\breply\s*\.?\s*$"
            r"|[-:.\u2013]\s*(?:reply|response)\s+to\b"
            r"|\b(?:reply|response)\s+to\s+(?:the\s+)?(?:letter|comment|comments|editor|"
            r"correspondence|dr\b|drs\b|authors?\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "comment",
        re.compile(
            r"^\W*(?:comments?|commentary|re)\s*(?::|on\b)"
            r"|\beditorial\s+comment\s*\.?\s*$|[-:.\u2013]\s*(?:comment|commentary)\s*\.?\s*$",
            re.IGNORECASE,
        ),
    ),
)


# Cheap screens run before the patterns above: nearly all titles fail them.
_CROSS_REFERENCE_HINT = re.compile(r"errat|comment|retract|update|summary|republish|concern", re.IGNORECASE)
_NOTICE_WORDS = (
    "errat",
    "corrig",
    "correct",
    "retract",
    "withdrawn",
    "concern",
    "reply",
    "respon",
    "comment",
    "publisher",
    "(",
)


def _notice_hint(text: str) -> bool:
    """Whether ``text`` might be a notice: substring tests (much faster than a regex)."""
    low = text.lower()
    return any(w in low for w in _NOTICE_WORDS) or low.lstrip(" \"'[(").startswith(("re:", "re "))


# The original-language title that some databases append to the English one, after
# the language's name: "Protein kinases in mitochondria. Polish Kinazy bialkowe ...".
_ORIGINAL_TITLE_RE = re.compile(r"(?<=[.?!])\s+(?:" + "|".join(sorted(LANGUAGE_NAMES)) + r")\s+(?=[^\W\d_])")


def _has_sentence_break(text: str) -> bool:
    return ". " in text or "? " in text or "! " in text


def strip_title_notes(title: str) -> str:
    """Remove database notes ("[Review] [33 refs]", "[Japanese]", "[Erratum appears in ...]")
    and an original-language title appended after the language's name ("... mitochondria.
    Polish Kinazy bialkowe w mitochondriach").

    Only trailing notes go, and never the whole title: a Medline title of a non-English
    article is itself wholly in brackets ("[Clinical aspects of ...]. [Japanese]").
    """
    m = _ORIGINAL_TITLE_RE.search(title) if _has_sentence_break(title) else None
    if m and len(title[: m.start()].split()) >= 3:
        title = title[: m.start()]
    if "[" not in title and "(" not in title:
        return title  # every note is bracketed: nothing to do (the common case)
    m = _CROSS_REFERENCE_RE.search(title) if _CROSS_REFERENCE_HINT.search(title) else None
    if m and len(title[: m.start()].split()) >= 3:
        title = title[: m.start()]
    prev = None
    while prev != title and title.rstrip(" .")[-1:] in ")]":
        prev = title
        m = _TITLE_NOTE_RE.search(title)
        if m and len(title[: m.start()].split()) >= 3:
            title = title[: m.start()]
    return title


def notice_kind(title: str | None, publication_type: str | None = None) -> str | None:
    """Which kind of notice ("erratum", "retraction", "reply", "comment") a record is."""
    text = (title or "").strip()
    if text and _notice_hint(text):
        cleaned = strip_title_notes(text)
        for kind, pattern in _NOTICE_PATTERNS:
            if pattern.search(cleaned):
                return kind
    if publication_type:
        pt = publication_type.lower()
        for kind, words in (
            ("erratum", ("erratum", "correction", "corrigendum")),
            ("retraction", ("retraction",)),
            ("comment", ("comment",)),
        ):
            if any(w in pt for w in words):
                return kind
    return None


_ERRATUM_CITATION_RE = re.compile(
    r"\s*\(\s*vol\.?\s*\d+\s*,?\s*pg?\.?\s*[a-z]?\d+[^()]*\)\s*\.?\s*$"
    r"|\s*\([a-z][^()]{3,120}\(\d{4}\)\s*\d+[^()]{0,20}\(\s*[a-z]?\d+[^()]*\)\s*\)\s*\.?\s*$",
    re.IGNORECASE,
)

# A leading notice word is dropped from the comparison title so that two copies of the
# same erratum ("Erratum: X" and "X" at the same page) compare on X.
_LEADING_NOTICE_RE = re.compile(
    r"^(?:erratum|errata|corrigendum|correction|retraction|reply|in reply|comment|re)\s+(?:to\s+|on\s+)?"
)


_DIGITS_RE = re.compile(r"\d+")
# Where a subtitle starts: a colon, or a dash/full stop between words.
_SUBTITLE_RE = re.compile(r":|\s[-\u2013\u2014]\s|\.\s")
_THOUSANDS_RE = re.compile(r"\b\d{1,3}(?: \d{3})+\b")
_ROMAN_TRIGGERS = frozenset(
    {"part", "phase", "stage", "grade", "type", "study", "trial", "section", "volume", "chapter", "cin"}
)
_ROMAN = {
    "i": "1",
    "ii": "2",
    "iii": "3",
    "iv": "4",
    "v": "5",
    "vi": "6",
    "vii": "7",
    "viii": "8",
    "ix": "9",
    "x": "10",
}


def title_numbers(title: str, tokens: Collection[str] | None = None) -> tuple[str, ...]:
    """The numbers in a folded title, sorted: digit runs and "part II"-style numerals.

    Titles that differ only in a number are typically different publications ("...:
    part 1" / "...: part 2", "5-year" / "10-year follow-up", "HPV 16" / "HPV 18"), while
    their string similarity stays high; comparing the numbers catches that. Digit runs
    are taken inside words too, so "p16INK4a" and "p16 (INK4a)" agree.
    """
    digits = _DIGITS_RE.findall(title)
    if len(digits) > 1:
        title = _THOUSANDS_RE.sub(lambda m: m.group(0).replace(" ", ""), title)  # "10 000" = "10000"
        digits = _DIGITS_RE.findall(title)
    nums = [d.lstrip("0") or "0" for d in digits]
    if not _ROMAN_TRIGGERS.isdisjoint(tokens if tokens is not None else title.split()):
        words = title.split()
        nums += [
            _ROMAN[b] for a, b in zip(words, words[1:], strict=False) if a in _ROMAN_TRIGGERS and b in _ROMAN
        ]
    return tuple(sorted(nums))


def title_parts(raw: str | None, publication_type: str | None = None) -> tuple[str, str, str, str | None]:
    """(folded title without database notes, the title before its subtitle as given,
    the folded original-language title appended to it, notice kind)."""
    raw_title = "" if is_missing(raw) else (raw or "")
    notice = notice_kind(raw_title, publication_type)
    stripped = strip_title_notes(raw_title)
    if notice == "erratum":
        # The cited article's reference, written differently by each database
        # ("(vol 360, pg 542, 2009)", "(N Engl J Med (2009) 360 (542-544))").
        stripped = _ERRATUM_CITATION_RE.sub("", stripped) or stripped
    m = _ORIGINAL_TITLE_RE.search(raw_title) if len(stripped) < len(raw_title) else None
    title_original = norm_text(strip_title_notes(raw_title[m.end() :])) if m else ""
    title = norm_text(stripped)
    if notice:
        title = _LEADING_NOTICE_RE.sub("", title)
    m = _SUBTITLE_RE.search(stripped)
    raw_main = stripped[: m.start()] if m and notice is None else ""
    return title, raw_main, title_original, notice
