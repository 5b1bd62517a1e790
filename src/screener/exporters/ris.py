"""RIS writer built on rispy's ``RisWriter``.

Fields go to the tags :mod:`screener.importers.ris` reads first: ``TI``, ``AU``
("Family, Given"; a name with no given part is written "Family," so that it is not
split on the way back), ``PY``, ``JF``/``J2``, ``VL``, ``IS``, ``SP``/``EP``, ``DO``,
``SN``, ``AB``, ``KW``, ``LA``, ``UR``, ``ID``. The publication type becomes ``TY``
(``M3`` too when the type is not the standard name of that ``TY``). RIS has no PMID
tag; PMID and PMCID go in ``N1`` notes as ``PMID: ...`` and ``PMCID: ...``.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def _entry(r: BibRecord) -> dict:
    # An unknown type is "GEN" (generic), which reads back as no type.
    code = _TYPE_CODES.get(r.publication_type or "", "JOUR" if r.publication_type else "GEN")
    ref: dict = {"type_of_reference": code}
    if r.title:
        ref["ti"] = r.title
    if r.authors:
        ref["au"] = [_name(a) for a in r.authors]
    if r.year is not None:
        ref["py"] = str(r.year)
    if r.journal:
        ref["jf"] = r.journal
    if r.journal_abbrev:
        ref["j2"] = r.journal_abbrev
    if r.volume:
        ref["vl"] = r.volume
    if r.issue:
        ref["is"] = r.issue
    if r.start_page:
        ref["sp"] = r.start_page
    if r.end_page:
        ref["ep"] = r.end_page
    if r.doi:
        ref["do"] = r.doi
    if r.issn:
        ref["sn"] = r.issn
    if r.abstract:
        ref["ab"] = r.abstract
    if r.keywords:
        ref["kw"] = list(r.keywords)
    if r.language:
        ref["la"] = r.language
    if r.publication_type and TYPE_NAMES.get(code) != r.publication_type:
        ref["m3"] = r.publication_type
    if r.url:
        ref["ur"] = r.url
    notes = []
    if r.pmid:
        notes.append(f"PMID: {r.pmid}")
    if r.pmcid:
        notes.append(f"PMCID: {r.pmcid}")
    if notes:
        ref["n1"] = notes
    if r.source_id:
        ref["id"] = r.source_id
    for key, value in ref.items():
        if isinstance(value, str):
            ref[key] = _one_line(value)
        elif isinstance(value, list):
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
