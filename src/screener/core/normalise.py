"""Text normalisation shared by the importers and the dedup core.

Everything here is pure, deterministic and idempotent (``f(f(x)) == f(x)``). The
functions are called for every field of every imported record, so each one has a
cheap fast path for the common case of plain text: the expensive work (HTML entity
decoding, tag stripping, LaTeX decoding) only runs when a character that can start
markup (``< & \\ { } $``) or a control character is present. LaTeX is decoded by a
small table-driven tokenizer rather than pylatexenc, which is roughly 100 times
slower per field.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

from screener.core._markup import decode_latex, strip_markup
from screener.core._names import parse_author, split_authors, split_glued_names

__all__ = [
    "all_clean",
    "clean_text",
    "collapse_ws",
    "decode_latex",
    "expand_pages",
    "extract_year",
    "normalise_doi",
    "normalise_issn",
    "normalise_language",
    "normalise_pmcid",
    "normalise_pmid",
    "normalise_url",
    "parse_author",
    "split_authors",
    "split_glued_names",
    "split_keywords",
    "strip_markup",
]

# Control characters, and invisible ones that only get in the way of matching (soft
# hyphen, zero-width space, stray BOM, direction marks).
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b\u200e\u200f\u2060\ufeff]")


def collapse_ws(text: str) -> str:
    """Collapse every run of whitespace (including newlines) to one space and trim."""
    return " ".join(text.split())


_ASCII_CONTROLS = bytes(range(32)) + b"\x7f"


def search_fold(text: str) -> str:
    """Text as a search compares it: case and diacritics folded ("Kučić" -> "kucic").

    ASCII text (most of a review) only needs lower-casing; the rest is decomposed and
    its combining marks dropped, so a search typed without accents finds accented names.
    """
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _has_markup(text: str) -> bool:
    # Six substring tests run at memchr speed; one regex character class is ~5x slower
    # on a 1,500-character abstract, and this runs for every field of every record.
    return "<" in text or "&" in text or "\\" in text or "{" in text or "}" in text or "$" in text


def _clean_slow(text: str) -> str:
    # Decoding can reveal new markup ("&lt;i&gt;" -> "<i>"), so repeat to a fixpoint;
    # this is what makes clean_text idempotent.
    for _ in range(6):
        cleaned = decode_latex(strip_markup(text))
        cleaned = _INVISIBLE.sub("", cleaned)
        if not cleaned.isascii():
            cleaned = unicodedata.normalize("NFC", cleaned)
        cleaned = " ".join(cleaned.split())
        if cleaned == text:
            break
        text = cleaned
    return text


def all_clean(texts: list[str]) -> bool:
    """True when ``clean_text`` would return every item unchanged (checked in one pass).

    Used for the plain text fields of a record, where one check of the joined list is
    much cheaper than a call per item. Conservative: may say False for clean non-ASCII
    text, never True for text that needs cleaning.
    """
    for t in texts:
        if not t or t[0] == " " or t[-1] == " ":
            return False
    joined = "\n".join(texts)
    if not joined.isascii() or _has_markup(joined) or "  " in joined:
        return False
    data = joined.encode("ascii")
    # The only control characters allowed are the newlines that join the items.
    return len(data) - len(data.translate(None, _ASCII_CONTROLS)) == len(texts) - 1


def clean_text(text: str | None) -> str | None:
    """Normalise a free-text field: markup and LaTeX removed, NFC, whitespace collapsed.

    Args:
        text: a title, abstract, journal name, ... as read from a file (may be None).

    Returns:
        The cleaned text, or None when nothing is left.
    """
    if not text:
        return None
    if _has_markup(text):
        return _clean_slow(text) or None
    if text.isascii():
        # Splitting a 1,500-character abstract into words costs ~10 µs; deleting the
        # control bytes from its encoded copy tells in ~1 µs whether that is needed.
        data = text.encode("ascii")
        if (
            len(data.translate(None, _ASCII_CONTROLS)) != len(data)
            or "  " in text
            or text[0] == " "
            or text[-1] == " "
        ):
            return _clean_slow(text) or None
        return text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split())
    if not text.isprintable():  # control or invisible characters
        text = _clean_slow(text)
    return text or None


# --- identifiers --------------------------------------------------------------------

_DOI_PREFIX = re.compile(
    r"^(?:(?:https?://)?(?:dx\.|www\.)?doi\.org/|doi\s*:\s*|doi\s+|info:doi/)", re.IGNORECASE
)
_DOI = re.compile(r"10\.\d{3,9}/\S+")
_DOI_TRAIL = ".,;:'\"*"


def normalise_doi(text: str | None) -> str | None:
    """Normalise a DOI: lower case, URL/``doi:`` prefix removed, ``%2F`` decoded.

    Args:
        text: a DOI, ``https://doi.org/...`` URL, ``doi:...`` string, or None.

    Returns:
        The bare DOI (``10.xxxx/...``) or None when the text holds no DOI.
    """
    if not text:
        return None
    if text.startswith("10.") and text.isascii() and "%" not in text and " " not in text:
        doi = text.rstrip().lower()
        if doi[-1] not in _DOI_TRAIL and doi[-1] not in ")]" and "/" in doi[4:-1] and "\n" not in doi:
            return doi
    text = text.strip()
    while "%" in text:  # to a fixpoint, so that "%252F" cannot survive a first pass
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    text = _DOI_PREFIX.sub("", text)
    m = _DOI.search(text)
    if m is None:
        return None
    doi = m.group(0).lower()
    while doi:
        last = doi[-1]
        if (
            last in _DOI_TRAIL
            or last == ")"
            and doi.count("(") < doi.count(")")
            or last == "]"
            and doi.count("[") < doi.count("]")
        ):
            doi = doi[:-1]
        else:
            break
    return doi if "/" in doi[3:] and not doi.endswith("/") else None


_CHECK = frozenset("0123456789X")
_ISSN = re.compile(r"(?<![\dX-])(\d{4})-?(\d{3}[\dXx])(?![\dX])")


def normalise_issn(text: str | None) -> str | None:
    """Return the first ISSN in ``text`` as ``NNNN-NNNC`` (upper-case X), or None."""
    if not text:
        return None
    if len(text) == 9 and text[4] == "-" and text[:4].isdigit() and text[5:8].isdigit() and text[8] in _CHECK:
        return text
    m = _ISSN.search(text)
    return f"{m.group(1)}-{m.group(2).upper()}" if m else None


_PMID = re.compile(r"^\s*(?:pmid:?\s*|pubmed:?\s*|medline:?\s*)?(\d{1,9})\s*$", re.IGNORECASE)


def normalise_pmid(text: str | None) -> str | None:
    """Return a PubMed id as digits without leading zeros (``"PMID: 0123"`` -> ``"123"``)."""
    if not text:
        return None
    m = _PMID.match(text)
    if not m:
        return None
    digits = m.group(1).lstrip("0")
    return digits or None


_PMCID = re.compile(r"PMC\s*(\d+)", re.IGNORECASE)


def normalise_pmcid(text: str | None) -> str | None:
    """Return a PubMed Central id as ``PMC<digits>``, or None."""
    if not text:
        return None
    m = _PMCID.search(text)
    return f"PMC{m.group(1)}" if m else None


_URL_SPLIT = re.compile(r"\s*;\s*(?=https?://)|\s+")


def normalise_url(text: str | None) -> str | None:
    """Return the first URL of a field that may hold several (``a; b`` or space separated)."""
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    if ";" in text or " " in text or "\n" in text or "\t" in text:
        text = _URL_SPLIT.split(text, maxsplit=1)[0]
    return text or None


_LANGUAGES = {
    "eng": "English", "en": "English", "ger": "German", "deu": "German", "de": "German",
    "fre": "French", "fra": "French", "fr": "French", "spa": "Spanish", "es": "Spanish",
    "ita": "Italian", "it": "Italian", "por": "Portuguese", "pt": "Portuguese",
    "dut": "Dutch", "nld": "Dutch", "nl": "Dutch", "chi": "Chinese", "zho": "Chinese",
    "zh": "Chinese", "jpn": "Japanese", "ja": "Japanese", "kor": "Korean", "ko": "Korean",
    "rus": "Russian", "ru": "Russian", "pol": "Polish", "pl": "Polish", "cze": "Czech",
    "ces": "Czech", "cs": "Czech", "swe": "Swedish", "sv": "Swedish", "dan": "Danish",
    "da": "Danish", "nor": "Norwegian", "no": "Norwegian", "fin": "Finnish", "fi": "Finnish",
    "tur": "Turkish", "tr": "Turkish", "heb": "Hebrew", "he": "Hebrew", "ara": "Arabic",
    "ar": "Arabic", "gre": "Greek", "ell": "Greek", "el": "Greek", "hun": "Hungarian",
    "hu": "Hungarian", "per": "Persian", "fas": "Persian", "fa": "Persian", "hrv": "Croatian",
    "hr": "Croatian", "srp": "Serbian", "sr": "Serbian", "slv": "Slovenian", "sl": "Slovenian",
    "slo": "Slovak", "slk": "Slovak", "sk": "Slovak", "rum": "Romanian", "ron": "Romanian",
    "ro": "Romanian", "bul": "Bulgarian", "bg": "Bulgarian", "ukr": "Ukrainian", "uk": "Ukrainian",
    "lit": "Lithuanian", "lt": "Lithuanian", "lav": "Latvian", "lv": "Latvian", "est": "Estonian",
    "et": "Estonian", "ice": "Icelandic", "isl": "Icelandic", "is": "Icelandic", "tha": "Thai",
    "th": "Thai", "vie": "Vietnamese", "vi": "Vietnamese", "ind": "Indonesian", "id": "Indonesian",
    "msa": "Malay", "may": "Malay", "ms": "Malay", "hin": "Hindi", "hi": "Hindi",
    "afr": "Afrikaans", "af": "Afrikaans", "cat": "Catalan", "ca": "Catalan", "lat": "Latin",
    "la": "Latin", "mul": "Multiple languages", "und": "Undetermined",
}  # fmt: skip


#: Language names (English), e.g. to recognise "Title. German Originaltitel".
LANGUAGE_NAMES = frozenset(_LANGUAGES.values()) - {"Multiple languages", "Undetermined"}

_LANGUAGE_SPLIT = re.compile(r"\s*[;,/\r\n]\s*")


@lru_cache(maxsize=1024)
def normalise_language(text: str | None) -> str | None:
    """Map ISO 639 codes (``eng``, ``ger``) to English names; keep names, capitalised.

    Several languages ("eng; ger", "English, Spanish", EndNote's "Eng\\rger") come out
    as ``"English; German"``.
    """
    if not text:
        return None
    parts = [p for p in _LANGUAGE_SPLIT.split(text.strip().strip(".;,")) if p]
    if len(parts) == 1 and len(parts[0].split()) > 1:
        words = parts[0].split()
        if all(w.lower() in _LANGUAGES for w in words):  # "eng ger": codes in a row
            parts = words
    names: list[str] = []
    for part in parts:
        part = " ".join(part.split()).strip(".;,/ ")
        if not part:
            continue
        name = _LANGUAGES.get(part.lower()) or (part[0].upper() + part[1:] if part.islower() else part)
        if name not in names:
            names.append(name)
    return "; ".join(names) or None


# --- years and pages ----------------------------------------------------------------

_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")


def extract_year(text: str | None) -> int | None:
    """Return the first plausible year (1500-2199) in a date string, or None.

    Handles ``"2009"``, ``"2009 Apr"``, ``"2009/04/01/"``, ``"25 Aug 2004"``.
    """
    if not text:
        return None
    if len(text) == 4 and text.isdigit():
        year = int(text)
        return year if 1500 <= year <= 2199 else None
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


_MONTHS = {
    "jan": "1", "feb": "2", "mar": "3", "apr": "4", "may": "5", "jun": "6",
    "jul": "7", "aug": "8", "sep": "9", "oct": "10", "nov": "11", "dec": "12",
}  # fmt: skip
# Excel turns the page range "1-4" into the date 1 April, shown as "01-Apr" (day first),
# and "1-99" into January 1999, shown as "Jan-99".
_EXCEL_DAY_MONTH = re.compile(r"^0?(\d{1,2})[-/ ]([A-Za-z]{3})$")
_EXCEL_MONTH_NUM = re.compile(r"^([A-Za-z]{3})[-/ ](\d{1,2})$")
_PAGE_PREFIX = re.compile(r"^(?:pp?\.?|pages?:?)\s*(?=[\w])", re.IGNORECASE)
_PAGE_SEP = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")
_DASHES = " -\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_PAGE_PART = re.compile(r"^([A-Za-z]*)(\d+)$")


def _page(text: str) -> str:
    if text.isdigit():
        return text.lstrip("0") or "0"
    return text


def expand_pages(text: str | None) -> tuple[str | None, str | None]:
    """Split a page range and expand an abbreviated end page.

    ``"221-8"`` -> ``("221", "228")``, ``"1069-74"`` -> ``("1069", "1074")``,
    ``"583–84"`` -> ``("583", "584")``, ``"S394-5"`` -> ``("S394", "S395")``,
    ``"e22677"`` -> ``("e22677", None)``, Excel damage ``"01-Apr"`` -> ``("1", "4")``.
    Only the first range of ``"183-93; quiz 193-4"`` is kept.

    Args:
        text: the pages field as written in the source.

    Returns:
        ``(start, end)``; ``end`` is None for a single page, both None for no pages.
    """
    if not text:
        return None, None
    if text.isdigit():
        return text.lstrip("0") or "0", None
    plain = _plain_range(text)
    if plain is not None:
        return plain
    text = _first_pages(text)
    if not text:
        return None, None
    repaired = _excel_repaired(text)
    if repaired is not None:
        return expand_pages(repaired)
    return _split_range(text)


def _plain_range(text: str) -> tuple[str, str] | None:
    """``"221-8"`` or BibTeX's ``"12--25"``: digits on both sides, no leading zeros; else None."""
    a, sep, b = text.partition("-")
    if b[:1] == "-":  # BibTeX "12--25"
        b = b[1:]
    if sep and a.isdigit() and b.isdigit() and a[0] != "0" and b[0] != "0":
        return a, _expanded_end(a, b)
    return None


def _expanded_end(start: str, end: str) -> str:
    """The end page's digits with the start's leading digits restored ("1069", "74" -> "1074")."""
    if len(end) < len(start):
        expanded = start[: len(start) - len(end)] + end
        if int(expanded) >= int(start):
            return expanded
    return end


def _first_pages(text: str) -> str:
    """The first of a list of ranges ("183-93; quiz 193-4"), without a "pp." prefix."""
    text = text.strip()
    if ";" in text or "," in text:
        text = re.split(r"\s*[;,]\s*", text, maxsplit=1)[0]
    if text[:1].isalpha() and text[:1] in "pP":
        text = _PAGE_PREFIX.sub("", text)
    return text


def _excel_repaired(text: str) -> str | None:
    """The range Excel turned into a date ("01-Apr" -> "1-4", "Jan-99" -> "1-99"); else None."""
    if text[:1].isalpha() or text[-1:].isalpha():
        # The recovered numbers are an ordinary (maybe abbreviated) range: "11-Sep" was 11-9.
        m = _EXCEL_DAY_MONTH.match(text)
        if m and m.group(2).lower() in _MONTHS:
            return f"{_page(m.group(1))}-{_MONTHS[m.group(2).lower()]}"
        m = _EXCEL_MONTH_NUM.match(text)
        if m and m.group(1).lower() in _MONTHS:
            return f"{_MONTHS[m.group(1).lower()]}-{_page(m.group(2))}"
    return None


def _split_range(text: str) -> tuple[str | None, str | None]:
    """Split at the first dash run; a lone end page is read as the field on its own."""
    parts = _PAGE_SEP.split(text, maxsplit=1)
    start = parts[0]
    end = parts[1].strip(_DASHES) if len(parts) > 1 else ""
    if not start:
        # "-5" or "--": a lone end page is read as the pages field on its own ("-P0" as "P0")
        return expand_pages(end) if end else (None, None)
    start = _page(start)
    if not end:
        return start, None
    return start, _end_page(start, end)


def _end_page(start: str, end: str) -> str:
    """The end page, expanded when it shares the start's letter prefix ("S394-5" -> "S395")."""
    sm = _PAGE_PART.match(start)
    em = _PAGE_PART.match(end)
    if sm and em and (not em.group(1) or em.group(1) == sm.group(1)):
        prefix, sdigits = sm.group(1), sm.group(2)
        edigits = _expanded_end(sdigits, em.group(2) if prefix else (em.group(2).lstrip("0") or "0"))
        return prefix + edigits if prefix else _page(edigits)
    return _page(end)


def split_keywords(text: str | None) -> list[str]:
    """Split a keyword field on ``;`` (or, failing that, on commas outside parentheses)."""
    if not text:
        return []
    if ";" in text:
        parts = text.split(";")
    elif "," in text:
        if "(" in text:
            parts, depth, start = [], 0, 0
            for i, ch in enumerate(text):
                if ch == "(":
                    depth += 1
                elif ch == ")":
                    depth = max(0, depth - 1)
                elif ch == "," and depth == 0:
                    parts.append(text[start:i])
                    start = i + 1
            parts.append(text[start:])
        else:
            parts = text.split(",")
    else:
        parts = [text]
    return [p for p in (q.strip() for q in parts) if p]
