"""RIS reader (all common dialects) built on rispy.

The file is first cut into entries with one regular-expression pass over ``TY``/``ER``
lines, which gives each entry's line number and raw text and catches truncated or
run-together entries (rispy silently drops an entry without ``ER`` at the end of a
file and merges one whose ``ER`` is missing into the next). Each entry is then read
by rispy with an identity tag mapping, so fields are looked up by their RIS tag.

Dialect notes: Embase puts the abstract in ``N2``, authors in ``A1``, the Embase id in
``U2`` and the PMID (of MEDLINE-covered records) in ``C5``; EBSCOhost puts the DOI in
``L3`` and the accession number in ``N1``; EndNote stores the PMID in ``AN`` (with
``DP - NLM``), the PMCID in ``C2`` and continues list fields on untagged lines; Scopus
puts the journal in ``T2``, the article number in ``C7`` and the EID in the ``UR``.
Ovid numbers each entry on a line before ``TY`` ("1."), follows ``ER`` with a link line
("Link to the Ovid Full Text or citation: ..." or ``NL  -``), puts the PMID of a MEDLINE
record in ``ID``, names the database in ``DB`` or only as the code in its links
(``D=cctr``), and writes CENTRAL's authors on one line ("Koukkou M, Lehmann D").
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import rispy  # type: ignore[import-untyped]  # rispy ships no type hints (no py.typed)

from screener.core.models import BibRecord
from screener.core.normalise import (
    expand_pages,
    extract_year,
    normalise_doi,
    normalise_issn,
    normalise_language,
    normalise_pmcid,
    normalise_pmid,
    normalise_url,
)
from screener.core.reference_types import TYPE_NAMES
from screener.importers._common import (
    Collected,
    ImportFileError,
    Sink,
    authors,
    clean_fields,
    journal_pair,
    keywords,
    most_common,
    split_name_list,
    strip_or_none,
)
from screener.importers._databases import database_name, ovid_link_database

__all__ = ["parse"]

_LIST_TAGS = frozenset({"AU", "A1", "KW", "UR", "N1", "DB", "L2"})
# Every possible tag maps to itself: fields are then looked up by RIS tag, and no tag is
# "unknown" (rispy handles unknown tags by raising and catching KeyError, which is slow
# for the many M1/LK/U3 lines of an Embase export). A set for list_tags, not rispy's
# list, saves a linear scan per line.
_PARSER = rispy.RisParser(
    mapping={a + b: a + b for a in string.ascii_uppercase for b in string.ascii_uppercase + string.digits},
    list_tags=_LIST_TAGS,
    delimiter_tags_mapping={},
)

# Entry boundaries. Tags with one space ("TY - JOUR") are accepted here and rewritten to
# rispy's "XX  -" form entry by entry. The pattern starts with a literal newline rather
# than "^" in MULTILINE mode, which lets the regex engine skip ahead with a fast scan
# (ten times quicker on large files).
_BOUNDARY = re.compile(r"\n(TY|ER)[ \t]{0,3}-(?=[ \t\n]|$)")
_LOOSE_TAG = re.compile(r"^([A-Z][A-Z0-9])[ \t]{0,3}-(?:[ \t]|$)", re.MULTILINE)
# Ovid follows each entry with an "NL  - " link line: not a stray tag.
_ANY_TAG = re.compile(r"^(?!NL)[A-Z][A-Z0-9][ \t]{0,3}-(?:[ \t]|$)", re.MULTILINE)
_URL_SPLIT = re.compile(r"\s*;\s*(?=https?://)")
_ACCESSION = re.compile(r"Accession Number:\s*([^;\s]+)")
_PMID_NOTE = re.compile(r"(?:PMID|PubMed ID)\s*:\s*(\d+)", re.IGNORECASE)
_PMCID_NOTE = re.compile(r"PMCID\s*:\s*(PMC\d+)", re.IGNORECASE)
_SCOPUS_EID = re.compile(r"[?&]eid=(2-s2\.0-\d+)")
_PUBMED_URL = re.compile(r"(?:ncbi\.nlm\.nih\.gov/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/)(\d+)")
_OVID_RANGE = re.compile(r"\s*<[^>]*>\s*")
# What Cochrane and Ovid write where a record has no pages.
_NO_PAGES = frozenset({"NO", "NP", "NO PAGINATION SPECIFIED"})


def parse(text: str, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every entry of a RIS file.

    Args:
        text: the decoded file, LF line ends.
        path: for error messages.
        sink: receives the records (and reports progress); a new one when None.

    Returns:
        The records, unusable entries and the database/platform guess.

    Raises:
        ImportFileError: no entries, an entry without ``ER``, a tag outside any entry.
    """
    # Each mark is (offset of the tag's line, "TY" or "ER").
    marks = [(m.start() + 1, m.group(1)) for m in _BOUNDARY.finditer(text)]
    first = _BOUNDARY.match("\n" + text[:16])
    if first is not None:
        marks.insert(0, (0, first.group(1)))
    if not marks:
        raise ImportFileError(path, "no RIS entries found (no line starts with 'TY  - ')")
    sink = (sink or Sink()).expect(len(marks) // 2)
    dbs: list[str | None] = []
    platforms: list[str | None] = []

    line = 1
    pos = 0  # text offset that `line` refers to
    prev_end = 0  # end of the previous entry
    open_at: int | None = None  # offset of the TY of the entry being read
    open_line = 0
    position = 0
    for start, tag in marks:
        line += text.count("\n", pos, start)
        pos = start
        if tag == "TY":
            if open_at is not None:
                raise ImportFileError(
                    path,
                    f"the entry starting on line {open_line} has no 'ER  -' line before the next "
                    "'TY  -' (entries run together)",
                    line=line,
                )
            stray = _ANY_TAG.search(text, prev_end, start)
            if stray is not None:
                stray_line = line - text.count("\n", stray.start(), start)
                raise ImportFileError(
                    path, "a tagged line outside any entry (is the 'TY  -' line missing?)", line=stray_line
                )
            open_at = start
            open_line = line
            continue
        if open_at is None:
            raise ImportFileError(
                path, "an 'ER  -' line without a 'TY  -' line starting the entry", line=line
            )
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        raw = text[open_at:end]
        position += 1
        rec, db, platform = _entry(raw, position, open_line, path)
        sink.add(rec)
        dbs.append(db)
        platforms.append(platform)
        open_at = None
        prev_end = end
    if open_at is not None:
        raise ImportFileError(
            path, "this entry has no 'ER  -' line (the file may be truncated)", line=open_line
        )
    stray = _ANY_TAG.search(text, prev_end)
    if stray is not None:
        raise ImportFileError(
            path,
            "a tagged line after the last entry (is the 'TY  -' line missing?)",
            line=line + text.count("\n", pos, stray.start()),
        )
    return sink.finish(most_common(dbs), most_common(platforms))


def _entry(raw: str, position: int, line: int, path: Path) -> tuple[BibRecord, str | None, str | None]:
    # rispy only knows "XX  -" tag lines; anything looser is rewritten first.
    strict = raw.startswith("TY  -") and raw[raw.rfind("\n") + 1 :].startswith("ER  -")
    body = raw if strict else _LOOSE_TAG.sub(r"\1  - ", raw)
    try:
        parsed = _PARSER.parse_lines(iter(body.split("\n")))
    except Exception as exc:  # rispy raises bare KeyErrors etc. on odd input
        raise ImportFileError(
            path, f"cannot read this RIS entry ({type(exc).__name__}: {exc})", line=line
        ) from exc
    d = parsed[0] if parsed else {}
    return _record(d, position, line, raw)


#: An entry as rispy reads it: one string per tag, a list of strings for :data:`_LIST_TAGS`
#: (rispy has no type hints, so its values are typed by tag here and in the steps below).
_Entry = dict[str, Any]


@dataclass(slots=True)
class _Ids:
    """What an entry says about its identity, filled in step by step (each step only fills gaps)."""

    doi: str | None
    pmid: str | None
    pmcid: str | None
    source_id: str | None
    database: str | None
    platform: str | None
    url: str | None = None


def _record(d: _Entry, position: int, line: int, raw: str) -> tuple[BibRecord, str | None, str | None]:
    g = d.get
    ids = _ids(d)
    urls: list[str] | None = g("UR")
    links: list[str] | None = g("L2")
    if urls:
        _read_urls(ids, urls)
    if ids.doi is None and links:
        ids.doi = next((normalise_doi(u) for u in links if "doi.org/" in u), None)
    notes: list[str] | None = g("N1")
    if notes:
        _read_notes(ids, notes)
    _read_links(ids, links, urls)
    start, end = _pages(d)
    title, abstract, journal, abbrev, ptype, volume, issue = _texts(d)
    journal, abbrev = journal_pair(journal or None, abbrev or None)
    ty = (g("TY") or "").strip().upper()
    if not ptype:
        ptype = TYPE_NAMES.get(ty)
    if ty == "PAT":  # a patent's VL and IS are its application and patent numbers, not a journal's
        volume = issue = None
    year = g("PY") or g("Y1") or g("DA")
    rec = BibRecord(
        position=position,
        title=title or None,
        authors=authors(split_name_list(g("AU") or g("A1"))),
        year=extract_year(year) if year else None,
        journal=journal,
        journal_abbrev=abbrev,
        volume=volume or None,
        issue=issue or None,
        start_page=start,
        end_page=end,
        doi=ids.doi,
        pmid=ids.pmid,
        pmcid=ids.pmcid,
        issn=normalise_issn(g("SN")),
        abstract=abstract or None,
        keywords=keywords(g("KW")),
        language=normalise_language(g("LA")),
        publication_type=ptype,
        url=ids.url,
        source_id=ids.source_id,
        line=line,
        raw=raw,
        database=ids.database,
    )
    return rec, ids.database, ids.platform


def _ids(d: _Entry) -> _Ids:
    """The identifiers in an entry's own tags, read as its database writes them."""
    g = d.get
    dbs: list[str] = g("DB") or []
    dp: str | None = g("DP")
    db_text = " ".join(dbs).lower()
    database, platform = _database(dbs, dp)
    doi = normalise_doi(g("DO")) or normalise_doi(g("L3"))
    pmid = None
    pmcid = normalise_pmcid(g("C2")) if g("C2") else None
    source_id = strip_or_none(g("ID"))
    an = strip_or_none(g("AN"))
    if an:
        if an.isdigit() and (dp == "NLM" or "medline" in db_text or "pubmed" in db_text):
            pmid = normalise_pmid(an)
        elif not source_id:
            source_id = an
    if "embase" in db_text:
        if g("C5"):
            pmid = pmid or normalise_pmid(g("C5"))
        if not source_id and g("U2"):
            source_id = strip_or_none(g("U2"))
    return _Ids(doi, pmid, pmcid, source_id, database, platform)


def _read_urls(ids: _Ids, urls: list[str]) -> None:
    """The first URL, and the DOI, Scopus EID or PMID that a URL holds when no tag gave them."""
    for item in urls:
        for u in _URL_SPLIT.split(item) if ";" in item else (item,):
            u = u.strip()
            if not u:
                continue
            if ids.url is None:
                ids.url = normalise_url(u)
            if ids.doi is None and "doi.org/" in u:
                ids.doi = normalise_doi(u)
            elif "eid=2-s2.0" in u and not ids.source_id:
                m = _SCOPUS_EID.search(u)
                if m:
                    ids.source_id = m.group(1)
                    ids.database = ids.database or "Scopus"
            elif "pubmed" in u and ids.pmid is None:
                m = _PUBMED_URL.search(u)
                if m:
                    ids.pmid = m.group(1)


def _read_notes(ids: _Ids, notes: list[str]) -> None:
    """The accession number, PMID and PMCID that EBSCOhost and EndNote write in ``N1`` notes."""
    for note in notes:
        if not ids.source_id and "Accession Number" in note:
            m = _ACCESSION.search(note)
            if m:
                ids.source_id = m.group(1)
        if ids.pmid is None and ("PMID" in note or "PubMed" in note):
            m = _PMID_NOTE.search(note)
            if m:
                ids.pmid = normalise_pmid(m.group(1))
        if ids.pmcid is None and "PMCID" in note:
            m = _PMCID_NOTE.search(note)
            if m:
                ids.pmcid = m.group(1)


def _read_links(ids: _Ids, links: list[str] | None, urls: list[str] | None) -> None:
    """The database a Web of Science id or an Ovid link names; an Ovid MEDLINE id as the PMID."""
    if ids.source_id and ids.source_id.startswith("WOS:"):
        ids.database = ids.database or "Web of Science"
    if ids.database is None or ids.platform == "Ovid":
        for link in [*(links or ()), *(urls or ())]:
            named = ovid_link_database(link)
            if named:
                ids.database, ids.platform = ids.database or named, "Ovid"
                break
    if (
        ids.platform == "Ovid"
        and ids.database == "MEDLINE"
        and ids.pmid is None
        and ids.source_id
        and ids.source_id.isdigit()
    ):
        ids.pmid = normalise_pmid(ids.source_id)


def _pages(d: _Entry) -> tuple[str | None, str | None]:
    """First and last page from ``SP`` and ``EP``, or Scopus' article number (``C7``)."""
    g = d.get
    sp = g("SP")
    ep = g("EP")
    if sp and ep:
        start, end = expand_pages(f"{sp.strip()}-{ep.strip()}")
    else:
        start, end = expand_pages(sp or ep)
    if start is not None and start.upper() in _NO_PAGES:
        start = end = None
    if start is None and g("C7"):  # Scopus article number stands in for pages
        start, end = expand_pages(g("C7"))
    return start, end


def _texts(d: _Entry) -> list[str | None]:
    """Title, abstract, journal, abbreviation, type, volume and issue, cleaned."""
    g = d.get
    # Ovid's CENTRAL records have the journal in JA only.
    journal = g("JF") or g("T2") or g("JO") or g("JA")
    abbrev = g("J2") or g("JA") or (g("JO") if journal is not g("JO") else None)
    title = g("TI") or g("T1") or g("CT") or g("BT")
    return clean_fields([title, g("AB") or g("N2"), journal, abbrev, g("M3"), g("VL"), g("IS") or g("CP")])


def _database(dbs: list[str], dp: str | None) -> tuple[str | None, str | None]:
    """Guess the database and platform from an entry's ``DB`` and ``DP`` tags."""
    return _database_cached(tuple(dbs), dp)


@lru_cache(maxsize=256)
def _database_cached(dbs: tuple[str, ...], dp: str | None) -> tuple[str | None, str | None]:
    platform = None
    dpl = (dp or "").lower()
    first = next((d.strip() for d in dbs if d and d.strip()), "")
    low = first.lower()
    if "ebsco" in dpl:
        platform = "EBSCOhost"
    elif "ovid" in dpl or "ovid" in low or _OVID_RANGE.search(first):
        platform = "Ovid"
    elif "proquest" in dpl:
        platform = "ProQuest"
    if not first:
        return None, platform
    if "embase" in low:
        return "Embase", platform
    if "scopus" in low:
        return "Scopus", platform
    if "web of science" in low or low.startswith("wos"):
        return "Web of Science", platform
    if "pubmed" in low:
        return "PubMed", platform
    if platform == "Ovid":
        return database_name(first), platform
    if low.startswith("medline"):
        return "MEDLINE", platform
    return " ".join(first.split()), platform
