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
from collections.abc import Iterable

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


def _entry(r: BibRecord, n: int) -> str:
    etype = _TYPES.get(r.publication_type or "", "article" if r.publication_type else "misc")
    fields: list[tuple[str, str]] = []
    sid = r.source_id
    if sid and _KEY.match(sid) and not sid.startswith(GENERATED_KEY_PREFIX):
        key = sid
    else:
        key = f"{GENERATED_KEY_PREFIX}{n}"
        if sid:
            fields.append(("unique-id", sid.translate(_PLAIN_ID)))
    if r.authors:
        fields.append(("author", " and ".join(_name(a) for a in r.authors)))
    if r.title:
        fields.append(("title", _esc(r.title)))
    if r.journal:
        fields.append(("booktitle" if etype in _BOOKTITLE_TYPES else "journal", _esc(r.journal)))
    if r.journal_abbrev:
        fields.append(("shortjournal", _esc(r.journal_abbrev)))
    if r.year is not None:
        fields.append(("year", str(r.year)))
    if r.volume:
        fields.append(("volume", _esc(r.volume)))
    if r.issue:
        fields.append(("number", _esc(r.issue)))
    if r.start_page:
        pages = _esc(r.start_page) + ("--" + _esc(r.end_page) if r.end_page else "")
        fields.append(("pages", pages))
    if r.doi:
        fields.append(("doi", r.doi.translate(_PLAIN_ID)))
    if r.pmid:
        fields.append(("pmid", r.pmid))
    if r.pmcid:
        fields.append(("pmcid", r.pmcid))
    if r.issn:
        fields.append(("issn", r.issn))
    if r.language:
        fields.append(("language", _esc(r.language)))
    if r.publication_type and _TYPES.get(r.publication_type) != etype:
        fields.append(("type", _esc(r.publication_type)))
    if r.keywords:
        fields.append(("keywords", _keywords(r.keywords)))
    if r.url:
        fields.append(("url", r.url.translate(_PLAIN_ID)))
    if r.abstract:
        fields.append(("abstract", _esc(r.abstract)))
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
