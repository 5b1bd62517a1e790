"""BibTeX writer.

Written by hand rather than through bibtexparser's writer, which deep-copies every block
and is slow for large libraries; the format needed here is simple. Text is escaped for
LaTeX (``& % $ # _`` with a backslash, ``~`` and ``^`` as ``\\textasciitilde{}`` and
``\\textasciicircum{}``); names and keywords that hold a separator are braced.

The key is the record's id when that is a plain BibTeX key. Otherwise the key is
``screener:<n>`` (which the importer does not take as an id) and the id, if any, goes
in a ``unique-id`` field, as Web of Science does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from screener.core.models import Author, BibRecord
from screener.core.reference_types import ENTRY_TYPES, GENERATED_KEY_PREFIX

__all__ = ["write_bibtex"]

_ESCAPES = str.maketrans(
    {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
     "^": r"\textasciicircum{}", "\\": "", "{": "", "}": ""}
)  # fmt: skip
_NEEDS_ESCAPE = re.compile(r"[&%$#_~^\\{}]")
# Ids are read back without LaTeX decoding except for removing braces and backslashes.
_PLAIN_ID = str.maketrans({"\\": "", "{": "", "}": ""})
_KEY = re.compile(r"^[A-Za-z0-9_:./+-]+$")
_AND_WORD = re.compile(r"(?:^|\s)and(?:\s|$)", re.IGNORECASE)
_TYPES = {name: etype for etype, name in reversed(list(ENTRY_TYPES.items()))}
_TYPES["Book Chapter"] = "incollection"
_BOOKTITLE_TYPES = frozenset({"inproceedings", "incollection", "inbook"})


def _esc(text: str) -> str:
    text = " ".join(text.split()) if "\n" in text or "\r" in text else text
    return text.translate(_ESCAPES) if _NEEDS_ESCAPE.search(text) else text


def _name_part(text: str) -> str:
    text = _esc(text)
    if "," in text or _AND_WORD.search(text):
        return "{" + text + "}"
    return text


def _name(a: Author) -> str:
    if not a.given:
        return "{" + _esc(a.family) + "}"
    return f"{_name_part(a.family)}, {_name_part(a.given)}"


def _keywords(words: tuple[str, ...]) -> str:
    parts = [("{" + _esc(k) + "}") if ("," in k or ";" in k) else _esc(k) for k in words]
    value = "; ".join(parts)
    if len(parts) == 1 and parts[0].startswith("{"):
        value += ";"  # a value that is one brace group would lose its braces on reading
    return value


def _escaped(attr: str) -> Callable[[BibRecord], str | None]:
    """The attribute's text escaped for LaTeX."""
    return lambda r: _esc(value) if (value := getattr(r, attr)) else None


def _verbatim(attr: str) -> Callable[[BibRecord], str | None]:
    """The attribute's text as it is (identifiers made of digits and letters)."""
    return lambda r: getattr(r, attr) or None


def _plain(attr: str) -> Callable[[BibRecord], str | None]:
    """The attribute's text without braces and backslashes (read back without LaTeX decoding)."""
    return lambda r: value.translate(_PLAIN_ID) if (value := getattr(r, attr)) else None


def _authors(r: BibRecord) -> str | None:
    return " and ".join(_name(a) for a in r.authors) if r.authors else None


def _year(r: BibRecord) -> str | None:
    return None if r.year is None else str(r.year)


def _pages(r: BibRecord) -> str | None:
    if not r.start_page:
        return None
    return _esc(r.start_page) + ("--" + _esc(r.end_page) if r.end_page else "")


def _type_name(r: BibRecord) -> str | None:
    """The publication type when the entry type alone would not read back as it."""
    pt = r.publication_type
    # The entry type is _TYPES[pt] when pt is listed, else "article": pt needs saying when it is not listed.
    return _esc(pt) if pt and pt not in _TYPES else None


def _keyword_list(r: BibRecord) -> str | None:
    return _keywords(r.keywords) if r.keywords else None


# Each field and how a record fills it, in the order written; a field with no value is left out.
# "journal" is written "booktitle" for the entry types in _BOOKTITLE_TYPES.
_FIELDS: tuple[tuple[str, Callable[[BibRecord], str | None]], ...] = (
    ("author", _authors),
    ("title", _escaped("title")),
    ("journal", _escaped("journal")),
    ("shortjournal", _escaped("journal_abbrev")),
    ("year", _year),
    ("volume", _escaped("volume")),
    ("number", _escaped("issue")),
    ("pages", _pages),
    ("doi", _plain("doi")),
    ("pmid", _verbatim("pmid")),
    ("pmcid", _verbatim("pmcid")),
    ("issn", _verbatim("issn")),
    ("language", _escaped("language")),
    ("type", _type_name),
    ("keywords", _keyword_list),
    ("url", _plain("url")),
    ("abstract", _escaped("abstract")),
)


def _key(r: BibRecord, n: int) -> tuple[str, list[tuple[str, str]]]:
    """The entry's key, and a ``unique-id`` field when the record's id cannot be the key."""
    sid = r.source_id
    if sid and _KEY.match(sid) and not sid.startswith(GENERATED_KEY_PREFIX):
        return sid, []
    return f"{GENERATED_KEY_PREFIX}{n}", [("unique-id", sid.translate(_PLAIN_ID))] if sid else []


def _entry(r: BibRecord, n: int) -> str:
    etype = _TYPES.get(r.publication_type or "", "article" if r.publication_type else "misc")
    key, fields = _key(r, n)
    for name, get in _FIELDS:
        value = get(r)
        if value is not None:
            if name == "journal" and etype in _BOOKTITLE_TYPES:
                name = "booktitle"
            fields.append((name, value))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{etype}{{{key},\n{body}\n}}\n" if body else f"@{etype}{{{key}}}\n"


def write_bibtex(records: Iterable[BibRecord]) -> str:
    """Write records as BibTeX text, one blank line between entries.

    Args:
        records: the records to write.

    Returns:
        The BibTeX text; empty string for no records.
    """
    return "\n".join(_entry(r, n) for n, r in enumerate(records, 1))
