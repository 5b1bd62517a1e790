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

import html
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

from screener.core.models import Author

__all__ = [
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
    "split_keywords",
    "strip_markup",
]

# --- markup -----------------------------------------------------------------------

# Control characters, and invisible ones that only get in the way of matching (soft
# hyphen, zero-width space, stray BOM, direction marks).
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b\u200e\u200f\u2060\ufeff]")

# Only namespaced tags (jats:p, mml:mi) and a fixed list of HTML/JATS/MathML names are
# stripped, so that "p<0.05 and q>0.1" or "a < b" in an abstract survive.
_TAG_NAMES = (
    "a|abbr|b|big|bold|br|caption|code|dd|div|dl|dt|em|font|h[1-6]|hr|i|img|inline-formula|"
    "disp-formula|italic|label|li|list|list-item|math|mfrac|mi|mn|mo|mover|mrow|ms|msqrt|"
    "mstyle|msub|msubsup|msup|mtable|mtd|mtext|mtr|munder|ol|p|pre|roman|s|sc|sec|small|"
    "span|strike|strong|sub|sup|table|tbody|td|th|title|tr|tt|u|ul|underline|xref"
)
_TAG = re.compile(
    rf"</?(?:[A-Za-z][\w.-]*:)?((?:{_TAG_NAMES})|(?<=:)[A-Za-z][\w.-]*)(?=[\s/>])[^<>]*>",
    re.IGNORECASE,
)
# Inline tags vanish ("CO<sub>2</sub>" -> "CO2"); block tags become a space.
_INLINE_TAGS = frozenset(
    "a abbr b big bold code em font i inline-formula italic math mi mn mo ms mtext roman s sc "
    "small span strike strong sub sup tt u underline xref mrow msub msup msubsup mstyle".split()
)


def _tag(m: re.Match[str]) -> str:
    return "" if m.group(1).lower() in _INLINE_TAGS else " "


_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "d": "\u0323", "b": "\u0331", "r": "\u030a",
    "t": "\u0361",
}  # fmt: skip

_GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma tau upsilon phi chi psi omega"
).split()
# Unicode leaves a gap (final sigma / reserved) before sigma, hence the +1 from index 17.
_LATEX_WORDS: dict[str, str] = {
    **{name: chr(0x3B1 + i + (i >= 17)) for i, name in enumerate(_GREEK)},
    **{name.capitalize(): chr(0x391 + i + (i >= 17)) for i, name in enumerate(_GREEK)},
    "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varrho": "ϱ",
    "varsigma": "ς", "varpi": "ϖ",
    "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø", "O": "Ø",
    "ss": "ß", "SS": "SS", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð",
    "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
    "textendash": "–", "textemdash": "—", "textquoteright": "’", "textquoteleft": "‘",
    "textquotedblleft": "“", "textquotedblright": "”", "textregistered": "®",
    "texttrademark": "™", "textcopyright": "©", "copyright": "©", "textdegree": "°",
    "degree": "°", "textmu": "µ", "textperiodcentered": "·", "cdot": "·", "pm": "±",
    "textpm": "±", "mp": "∓", "times": "×", "texttimes": "×", "div": "÷", "leq": "≤", "le": "≤",
    "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "infty": "∞",
    "ldots": "…", "dots": "…", "textellipsis": "…", "S": "§", "P": "¶", "pounds": "£",
    "textsterling": "£", "euro": "€", "texteuro": "€", "dag": "†", "ddag": "‡",
    "textbullet": "•", "rightarrow": "→", "to": "→", "leftarrow": "←", "uparrow": "↑",
    "downarrow": "↓", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫",
    "sqrt": "√", "propto": "∝", "circ": "∘", "prime": "′", "ell": "ℓ", "hbar": "ħ",
    "textless": "‹", "textgreater": "›", "textasciitilde": "~", "textasciicircum": "^",
    "textbackslash": "∖", "textunderscore": "_", "textbar": "|", "textbraceleft": "(",
    "textbraceright": ")", "quad": " ", "qquad": " ", "enspace": " ", "thinspace": " ",
    "newline": " ", "par": " ", "space": " ", "noindent": "", "relax": "", "protect": "",
}  # fmt: skip
_LETTER_WORDS = frozenset("aa AA ae AE oe OE o O ss SS l L i j dh DH th TH ng NG dj DJ".split())
_LATEX_SYMBOLS = {
    "&": "&", "%": "%", "#": "#", "_": "_", "$": "$", "\\": " ", " ": " ", ",": " ",
    ";": " ", ":": " ", "!": "", "-": "", "/": "", "@": "", "{": "", "}": "",
}  # fmt: skip

_LATEX_TOKEN = re.compile(
    r"\\(?:"
    r"(?P<acc>[`'^\"~=.])\s*(?:\{\s*(?P<a1>\\[ij](?![A-Za-z])|[^\W\d_])\s*\}|(?P<a2>\\[ij](?![A-Za-z])|[^\W\d_]))"
    r"|(?P<lacc>[uvHckdbrt])(?:\s*\{\s*(?P<l1>\\[ij](?![A-Za-z])|[^\W\d_])\s*\}|\s+(?P<l2>[^\W\d_]))"
    r"|(?P<word>[A-Za-z]+)(?P<ws>\s*)(?:\{\})?"
    r"|(?P<sym>.)"
    r")",
    re.DOTALL,
)
# "$...$" is treated as math (delimiters dropped) only when it holds a command or a
# group, so that prices such as "$5 and $10" are left alone.
_MATH = re.compile(r"(?<!\\)\$([^$]*)(?<!\\)\$")


def _latex_token(m: re.Match[str]) -> str:
    acc = m.group("acc") or m.group("lacc")
    if acc:
        base = m.group("a1") or m.group("a2") or m.group("l1") or m.group("l2") or ""
        if base.startswith("\\"):
            base = base[1]  # \i and \j are dotless i/j: the accent replaces the dot
        return base + _ACCENTS[acc]
    word = m.group("word")
    if word is not None:
        # TeX swallows the space after a control word ("\o ster" is "øster"); keeping it
        # after symbols and Greek reads better ("\alpha and \beta").
        value = _LATEX_WORDS.get(word, "")  # formatting commands (\emph, \textit) vanish
        return value if word in _LETTER_WORDS else value + m.group("ws")
    sym = m.group("sym")
    return _LATEX_SYMBOLS.get(sym, sym)


def _math(m: re.Match[str]) -> str:
    inner = m.group(1)
    if "\\" not in inner and "{" not in inner:
        return m.group(0)
    # ^ and _ go so that $CO_{2}$ matches CO<sub>2</sub> (stripped to CO2) elsewhere.
    return inner.replace("^", "").replace("_", "")


def decode_latex(text: str) -> str:
    """Decode LaTeX accents, symbols and simple math; drop braces and unknown commands.

    ``{\\"u}`` and ``\\"{u}`` become ``ü``, ``{\\aa}`` ``å``, ``\\&`` ``&``, ``$\\beta$``
    ``β``; ``\\emph{x}`` becomes ``x``. The result contains no backslash and no brace.
    Text without ``\\``, braces or ``$`` is returned unchanged without any work.

    Args:
        text: the text to decode.

    Returns:
        The decoded text (not NFC-normalised; :func:`clean_text` does that).
    """
    if "\\" not in text and "{" not in text and "}" not in text and "$" not in text:
        return text
    if "$" in text:
        text = _MATH.sub(_math, text)
    if "\\" in text:
        text = _LATEX_TOKEN.sub(_latex_token, text)
    return text.replace("{", "").replace("}", "").replace("\\", "")


def strip_markup(text: str) -> str:
    """Remove HTML/JATS/MathML tags and decode HTML entities (``&amp;``, ``&#x3b2;``).

    Args:
        text: the text to clean.

    Returns:
        The text without tags; entities decoded. Unchanged when it holds no ``<`` or ``&``.
    """
    for _ in range(4):  # "&amp;lt;i&amp;gt;" needs more than one round
        before = text
        if "&" in text:
            text = html.unescape(text)
        if "<" in text:
            text = _TAG.sub(_tag, text)
        if text == before:
            break
    return text


def collapse_ws(text: str) -> str:
    """Collapse every run of whitespace (including newlines) to one space and trim."""
    return " ".join(text.split())


_ASCII_CONTROLS = bytes(range(32)) + b"\x7f"


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
        if last in _DOI_TRAIL:
            doi = doi[:-1]
        elif last == ")" and doi.count("(") < doi.count(")"):
            doi = doi[:-1]
        elif last == "]" and doi.count("[") < doi.count("]"):
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
    a, sep, b = text.partition("-")
    if b[:1] == "-":  # BibTeX "12--25"
        b = b[1:]
    if sep and a.isdigit() and b.isdigit() and a[0] != "0" and b[0] != "0":
        if len(b) < len(a):
            expanded = a[: len(a) - len(b)] + b
            if int(expanded) >= int(a):
                b = expanded
        return a, b
    text = text.strip()
    if ";" in text or "," in text:
        text = re.split(r"\s*[;,]\s*", text, maxsplit=1)[0]
    if text[:1].isalpha() and text[:1] in "pP":
        text = _PAGE_PREFIX.sub("", text)
    if not text:
        return None, None
    if text[:1].isalpha() or text[-1:].isalpha():
        # The recovered numbers are an ordinary (maybe abbreviated) range: "11-Sep" was 11-9.
        m = _EXCEL_DAY_MONTH.match(text)
        if m and m.group(2).lower() in _MONTHS:
            return expand_pages(f"{_page(m.group(1))}-{_MONTHS[m.group(2).lower()]}")
        m = _EXCEL_MONTH_NUM.match(text)
        if m and m.group(1).lower() in _MONTHS:
            return expand_pages(f"{_MONTHS[m.group(1).lower()]}-{_page(m.group(2))}")
    parts = _PAGE_SEP.split(text, maxsplit=1)
    start = parts[0]
    end = parts[1].strip(_DASHES) if len(parts) > 1 else ""
    if not start:
        # "-5" or "--": a lone end page becomes the start page
        if not end:
            return None, None
        start, end = end, ""
        parts = _PAGE_SEP.split(start, maxsplit=1)
        start = parts[0]
        end = parts[1] if len(parts) > 1 else ""
        if not start:
            return None, None
    start = _page(start)
    if not end:
        return start, None
    sm = _PAGE_PART.match(start)
    em = _PAGE_PART.match(end)
    if sm and em and (not em.group(1) or em.group(1) == sm.group(1)):
        prefix, sdigits = sm.group(1), sm.group(2)
        edigits = em.group(2) if prefix else (em.group(2).lstrip("0") or "0")
        if len(edigits) < len(sdigits):
            expanded = sdigits[: len(sdigits) - len(edigits)] + edigits
            if int(expanded) >= int(sdigits):
                edigits = expanded
        end = prefix + edigits if prefix else _page(edigits)
        return start, end
    return start, _page(end)


# --- authors ------------------------------------------------------------------------

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "2nd", "3rd", "jnr", "snr"})
# Without a comma "II"/"IV"/"V" are more likely initials ("Kim II", "De Nigris V").
_SUFFIXES_BARE = frozenset({"jr", "jr.", "sr", "sr.", "iii", "2nd", "3rd", "jnr", "snr"})
_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "del", "della", "dos", "das", "du", "la", "le",
     "ten", "ter", "zu", "af", "al", "el", "bin", "ibn", "st.", "mac"}
)  # fmt: skip


def _is_initials(token: str) -> bool:
    """True for "J", "AD", "M.J.", "J.-P.", "Th." (not for "Le" or "Smith")."""
    core = token.replace(".", "").replace("-", "")
    if not core or not core.isalpha():
        return False
    if core.isupper():
        return len(core) <= 4
    return token.endswith(".") and len(core) <= 3 and core[0].isupper() and core[1:].islower()


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff"


def _drop_suffix(given: str, suffixes: frozenset[str]) -> str:
    words = given.split(" ")
    while words and words[-1].strip(" ,;").lower() in suffixes:
        words.pop()
    return " ".join(words).strip(" ,;")


def parse_author(text: str | None) -> Author | None:
    """Parse one personal or corporate name into ``Author(family, given)``.

    Understands ``"Younger, J."``, ``"Younger, Jarred W."``, PubMed/Embase style
    ``"Younger J"`` / ``"Adler D.G."`` (family then initials), ``"J. Younger"`` and
    ``"Jarred W. Younger"`` (given names first, particles such as "van" kept with the
    family name). Suffixes (Jr, III) are dropped. A name ending in a comma is taken
    whole as the family name (how corporate authors are written back out).

    Args:
        text: the name (already cleaned of markup).

    Returns:
        The author, or None for an empty name.
    """
    if not text:
        return None
    text = " ".join(text.split()).strip(" ;")
    if text.endswith(",") and text.count(",") == 1:  # "World Health Organization,"
        family = text.strip(" ;,")
        return Author(family) if family else None
    text = text.strip(" ;,")
    if not text:
        return None
    family, given = _split_name(text)
    # Separators at the ends of a part would be lost when the name is written out as
    # "Family, Given" and read again, so they are dropped here already.
    family = family.strip(" ;,")
    given = given.strip(" ;,")
    if not family:
        return Author(given) if given else None
    return Author(family, given)


def _split_name(text: str) -> tuple[str, str]:
    if "," in text:
        family, _, rest = text.partition(",")
        rest = rest.strip(" ;,")
        while "," in rest:
            first, _, after = rest.partition(",")
            if first.strip().lower() not in _SUFFIXES:
                break
            rest = after.strip(" ;,")  # "Thompson, III, Frank R."
        return family.strip(), _drop_suffix(rest, _SUFFIXES)
    tokens = text.split(" ")
    while len(tokens) > 1 and tokens[-1].lower() in _SUFFIXES_BARE:
        tokens.pop()
    if len(tokens) == 1:
        return tokens[0], ""
    if _is_cjk(tokens[0][0]):
        return tokens[0], _drop_suffix(" ".join(tokens[1:]), _SUFFIXES)
    if _is_initials(tokens[-1]):  # "Younger J", "Gan L. M.", "Kohen Avramoglu R."
        i = len(tokens) - 1
        while i > 1 and _is_initials(tokens[i - 1]):
            i -= 1
        return " ".join(tokens[:i]), _drop_suffix(" ".join(tokens[i:]), _SUFFIXES)
    # Given names first: the family name is the last word plus any particles before it.
    i = len(tokens) - 1
    while i > 1 and tokens[i - 1].lower() in _PARTICLES:
        i -= 1
    return " ".join(tokens[i:]), _drop_suffix(" ".join(tokens[:i]), _SUFFIXES)


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
# "Adeli K.Lewis G. F." (EndNote/ASySD CSV with the separators lost): split after an
# initial's dot that is directly followed by a capitalised word.
_GLUED = re.compile(r"(?<=\.)(?=[^\W\d_][^\W\d_A-Z])")


def _looks_like_one_author(part: str) -> bool:
    """True for "Craig C." or "Villard M.-A." (family then initials) in a comma list."""
    words = part.split()
    return len(words) > 1 and _is_initials(words[-1])


def split_authors(text: str | None) -> list[str]:
    """Split an author-list field of unknown style into individual names.

    Separators tried in order: ``;``, `` and ``, newlines, commas (when every part looks
    like "Family Initials", as in Scopus/Embase CSV "Liu R., Adler D.G."), and finally
    the separator-less "Adeli K.Lewis G. F." form.

    Args:
        text: the whole author field.

    Returns:
        The names, stripped, without empties (a lone "Family, Given" stays one name).
    """
    if not text:
        return []
    text = text.strip()
    if ";" in text:
        parts = text.split(";")
    elif " and " in text or " AND " in text:
        parts = _AND.split(text)
    elif "\n" in text:
        parts = text.splitlines()
    elif "," in text:
        raw = [p.strip() for p in text.split(",")]
        names = [p for i, p in enumerate(raw) if not (i and p.lower() in _SUFFIXES)]
        if len(names) > 1 and all(_looks_like_one_author(p) for p in names if p):
            parts = names
        else:
            parts = [text]
    else:
        parts = _GLUED.split(text) if "." in text else [text]
    return [p for p in (q.strip() for q in parts) if p]


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
