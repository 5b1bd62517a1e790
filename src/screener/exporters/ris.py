"""RIS writer built on rispy's ``RisWriter``.

Fields go to the tags :mod:`screener.importers.ris` reads first: ``TI``, ``AU``
("Family, Given"; a name with no given part is written "Family," so that it is not
split on the way back), ``PY``, ``JF``/``J2``, ``VL``, ``IS``, ``SP``/``EP``, ``DO``,
``SN``, ``AB``, ``KW``, ``LA``, ``UR``, ``ID``. The publication type becomes ``TY``
(``M3`` too when the type is not the standard name of that ``TY``). RIS has no PMID
tag; PMID and PMCID go in ``N1`` notes as ``PMID: ...`` and ``PMCID: ...``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import rispy  # type: ignore[import-untyped]  # rispy ships no type hints

from screener.core.models import Author, BibRecord
from screener.core.reference_types import TYPE_NAMES

__all__ = ["write_ris"]

_TAGS = ("TY", "TI", "AU", "PY", "JF", "J2", "VL", "IS", "SP", "EP", "DO", "SN", "AB", "KW", "LA", "M3", "UR",
         "N1", "ID")  # fmt: skip
_TYPE_CODES = {name: code for code, name in reversed(list(TYPE_NAMES.items()))}


class _Writer(rispy.RisWriter):
    """rispy's writer without the "1." line it puts before each entry by default."""

    def set_header(self, count: int) -> str:
        return ""


_WRITER = _Writer(
    mapping={t: ("type_of_reference" if t == "TY" else t.lower()) for t in _TAGS},
    list_tags=["AU", "KW", "N1"],
    delimiter_tags_mapping={},
)


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def _name(a: Author) -> str:
    return f"{a.family}, {a.given}" if a.given else f"{a.family},"


def _authors(r: BibRecord, code: str) -> list[str]:
    return [_name(a) for a in r.authors]


def _year(r: BibRecord, code: str) -> str | None:
    return None if r.year is None else str(r.year)


def _keywords(r: BibRecord, code: str) -> list[str]:
    return list(r.keywords)


def _type_name(r: BibRecord, code: str) -> str | None:
    """The publication type when ``TY`` alone would not read back as it."""
    return r.publication_type if r.publication_type and TYPE_NAMES.get(code) != r.publication_type else None


def _notes(r: BibRecord, code: str) -> list[str]:
    return [f"{label}: {value}" for label, value in (("PMID", r.pmid), ("PMCID", r.pmcid)) if value]


# rispy's key for each tag and the record attribute (or function of the record and its TY code)
# that fills it, in the order written; an empty value is left out.
_FIELDS: tuple[tuple[str, str | Callable[[BibRecord, str], str | list[str] | None]], ...] = (
    ("ti", "title"),
    ("au", _authors),
    ("py", _year),
    ("jf", "journal"),
    ("j2", "journal_abbrev"),
    ("vl", "volume"),
    ("is", "issue"),
    ("sp", "start_page"),
    ("ep", "end_page"),
    ("do", "doi"),
    ("sn", "issn"),
    ("ab", "abstract"),
    ("kw", _keywords),
    ("la", "language"),
    ("m3", _type_name),
    ("ur", "url"),
    ("n1", _notes),
    ("id", "source_id"),
)


def _entry(r: BibRecord) -> dict[str, str | list[str]]:
    # An unknown type is "GEN" (generic), which reads back as no type.
    code = _TYPE_CODES.get(r.publication_type or "", "JOUR" if r.publication_type else "GEN")
    ref: dict[str, str | list[str]] = {"type_of_reference": code}
    for key, source in _FIELDS:
        value = getattr(r, source) if isinstance(source, str) else source(r, code)
        if isinstance(value, str) and value:
            ref[key] = _one_line(value)
        elif isinstance(value, list) and value:
            ref[key] = [_one_line(v) for v in value]
    return ref


def write_ris(records: Iterable[BibRecord]) -> str:
    """Write records as RIS text (LF line ends, one blank line between entries).

    Args:
        records: the records to write.

    Returns:
        The RIS text; empty string for no records.
    """
    entries = [_entry(r) for r in records]
    if not entries:
        return ""
    return _WRITER.formats(entries)
