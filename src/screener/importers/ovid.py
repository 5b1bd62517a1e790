"""Ovid's own exports: tagged ("Complete Reference", "EndNote", "Citavi") and field-labelled display.

Own parser: no maintained library reads either. Both number each record on a line of
its own and carry the same fields under two spellings:

- tagged: ``<1. >`` then ``VN  - Ovid Technologies``, ``DB  - Embase``, ``AN  - ...``,
  ``TI  - ...``, ``SO  - ...``; a value goes on over indented (or untagged) lines;
- labelled display: ``<8>`` then a label line (``Accession Number``, ``Author``,
  ``Source``) and its value on the indented lines below it.

An export may start with the search history ("Database: Embase <1974 to ...>",
"Search Strategy:", the numbered search lines) before the first record. Volume, issue and
pages are fields of their own in some databases (``VI``, ``IP``, ``PG``) and only part of
the source line in others ("Forest Ecology & Management. 201(2-3):327-334, November 15,
2004."; Embase "12 (3) (pp 123-130)"; PsycINFO "Vol.49(4), Mar 2019, pp. 555-563").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from screener.core.models import BibRecord
from screener.core.normalise import (
    clean_text,
    expand_pages,
    extract_year,
    normalise_doi,
    normalise_issn,
    normalise_language,
    normalise_pmid,
    normalise_url,
)
from screener.importers._common import Collected, ImportFileError, Sink, author, keywords, strip_or_none
from screener.importers._databases import database_name, ovid_link_database

__all__ = ["looks_like_ovid", "parse"]

_TAGGED_MARK = re.compile(r"<\s*\d+\s*\.\s*>\s*$")
_LABELLED_MARK = re.compile(r"<\s*\d+\s*>\s*$")
_TAG = re.compile(r"([A-Z][A-Z0-9]) {1,3}-(?: |$)(.*)$")
_VN = re.compile(r"VN {1,3}- *Ovid Technologies")
_PREAMBLE_DB = re.compile(r"Database:\s*(.+)$")

# Labels of the display format -> the tag of the same field.
_LABELS = {
    "accession number": "AN", "unique identifier": "UI", "database": "DB", "author": "AU", "authors": "AU",
    "authors full name": "FA", "author full name": "FA", "full author name": "FA", "title": "TI",
    "source": "SO", "abstract": "AB", "year of publication": "YR", "publication year": "YR",
    "journal name": "JN", "journal title": "JN", "volume": "VI", "issue": "IP", "issue/part": "IP",
    "page": "PG", "pages": "PG", "pagination": "PG", "issn": "IS", "issn print": "IS",
    "issn electronic": "IS", "issn linking": "IS", "language": "LG", "publication type": "PT",
    "document type": "PT",
    "digital object identifier": "DO", "digital object identifier (doi)": "DO", "doi number": "DO",
    "doi": "DO",
    "keyword heading": "KW", "author keywords": "KW", "keywords": "KW", "mesh subject headings": "MH",
    "pubmed identifier": "PM", "pubmed id": "PM", "pmid": "PM", "medline pmid": "PM", "status": "ST",
    "date of publication": "DP", "url": "XL", "link to the ovid full text or citation": "XL",
    "chapter title": "CT", "book title": "BT",
}  # fmt: skip

# Journals@Ovid accession numbers: journal code, issue date, article ("00135124-201001000-00018.").
_JOURNALS_AT_OVID_AN = re.compile(r"\d{8}-\d{9}-\d{5}\.?")
# Journals@Ovid appends the article kind to the title: "... Breast Cancer.  [Miscellaneous]",
# "... Germany.[Article]".
_TITLE_KIND = re.compile(r"(?:\.\s*|\s{2,})\[[A-Za-z][A-Za-z -]*\]$")
_AUTHOR_SPLIT = re.compile(r"\s*;\s*|\s{2,}")
_AUTHOR_MARKS = re.compile(r"\s*\[.*$|[\d,+*\u2020\u2021\u00a7\s]+$")
_DEGREES = re.compile(
    r"(?:,?\s+(?:Ph\.?\s?D|M\.?D|D\.?O|MPH|M\.?Sc|B\.?Sc|MA|BA|MB|BS|MS|RN|MBBS|MBA|PharmD|DrPH|PsyD|EdD|"
    r"DPhil|FACSM|FACS|FACP|FRCPC?|FRCS|MRCP|ChB|MSN|BSN|MHS|MSW|NP|DDS|DMD)\.?)+$"
)
_PAGE = r"[A-Za-z]?\d+[A-Za-z]?(?:\s*-\s*[A-Za-z]?\d+[A-Za-z]?)?"
_PAGES = (
    re.compile(rf"Chapter pagination:\s*({_PAGE})"),
    re.compile(rf"\(pp\.?\s*({_PAGE})\)"),
    re.compile(rf"\bpp\.?\s*({_PAGE})"),
    re.compile(rf":\s*({_PAGE})\b(?!\s*pp)"),
    re.compile(r";\s*([A-Za-z]?\d+\s*-\s*[A-Za-z]?\d+)\.?\s*$"),
)
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Winter|Spring|Summer|Autumn|Fall)[a-z]*\.?"
_VOLUME_ISSUE = (
    re.compile(r"\bVol\.?\s*(\d+[A-Za-z]?)\s*(?:\(([^)]*)\))?", re.IGNORECASE),
    re.compile(r"(?<![\d(])(\d+[A-Za-z]?)\s*\((?!pp)([^)]*)\)"),
    re.compile(r"(?:^|[.;]\s*)(\d+[A-Za-z]?)\s*(?:\(pp|:)"),
    re.compile(
        rf"\s(\d+[A-Za-z]?),\s+(?:{_MONTHS}\s+)?(?:1[6-9]|20)\d\d\b"
    ),  # "Studies 12, Winter 2007: 7-14"
)
_JOURNAL_END = re.compile(rf"\.\s|\.$|;|,\s|\s{_MONTHS}[\s/]|\s\d|\s+Vol\b")
_YEAR = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b")
_BOOK_TYPES = ("book", "patent")


def looks_like_ovid(lines: list[str]) -> bool:
    """Whether the first lines of a file are an Ovid tagged or labelled export."""
    for i, ln in enumerate(lines):
        if _VN.match(ln):
            return True
        if _TAGGED_MARK.match(ln) and any(_TAG.match(x) for x in lines[i + 1 : i + 4]):
            return True
        if _LABELLED_MARK.match(ln) and i + 2 < len(lines):
            label, value = lines[i + 1], lines[i + 2]
            if label[:1].isalpha() and value[:1] in (" ", "\t"):
                return True
    return False


def parse(text: str, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every record of an Ovid tagged or labelled export.

    Raises:
        ImportFileError: no Ovid records, a line where a field should start, or a last
            record cut off before the field every other record ends with (truncated).
    """
    lines = text.split("\n")
    starts = [i for i, ln in enumerate(lines) if _TAGGED_MARK.match(ln) or _LABELLED_MARK.match(ln)]
    vn_starts = [i for i, ln in enumerate(lines) if _VN.match(ln)]
    if not starts:
        starts = vn_starts  # records without numbering lines each start with VN
    if not starts:
        raise ImportFileError(
            path,
            "no Ovid records found (no record line such as '<1. >' or '<1>', "
            "and no 'VN  - Ovid Technologies')",
            line=1,
        )
    file_db = None
    for ln in lines[: starts[0]]:
        m = _PREAMBLE_DB.match(ln.strip())
        if m:
            file_db = database_name(m.group(1))
            break
    sink = (sink or Sink()).expect(len(starts))
    numbered = starts is not vn_starts
    records: list[tuple[dict[str, list[str]], int, int, list[str]]] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body_from = start + 1 if numbered else start
        labelled = numbered and _LABELLED_MARK.match(lines[start]) is not None
        fields, order = (_labelled if labelled else _tagged)(lines, body_from, end, path)
        records.append((fields, start + 1, end, order))
    _check_truncation(records, path, text.endswith("\n"))
    for position, (fields, line, end, _) in enumerate(records, 1):
        raw = "\n".join(lines[line - 1 : end]).rstrip("\n")
        sink.add(_record(fields, position, line, raw, file_db))
    return sink.finish(file_db, "Ovid")


def _tagged(lines: list[str], start: int, end: int, path: Path) -> tuple[dict[str, list[str]], list[str]]:
    def field(ln: str) -> tuple[str, str, str | None] | None:
        m = _TAG.match(ln)
        return (m.group(1), m.group(1), m.group(2).strip()) if m else None

    def go_on(values: list[str], ln: str) -> None:
        values[-1] = f"{values[-1]} {ln.strip()}".strip()

    def unexpected(ln: str) -> str:
        return f"expected an Ovid field line such as 'TI  - ...', found {ln[:40]!r}"

    return _fields(lines, start, end, path, field, go_on, unexpected)


def _labelled(lines: list[str], start: int, end: int, path: Path) -> tuple[dict[str, list[str]], list[str]]:
    def field(ln: str) -> tuple[str, str, str | None] | None:
        if ln[0] in " \t":
            return None
        label = " ".join(ln.split()).rstrip(":")
        return _LABELS.get(label.lower(), "?" + label.lower()), label, None

    def go_on(values: list[str], ln: str) -> None:
        values.append(ln.strip())

    def unexpected(ln: str) -> str:
        return f"expected a field label such as 'Title', found {ln.strip()[:40]!r}"

    fields, order = _fields(lines, start, end, path, field, go_on, unexpected)
    # A value over several lines is one value, but for the lists (authors, keywords, headings).
    for tag, values in fields.items():
        if tag not in ("AU", "FA", "KW", "MH", "XL") and len(values) > 1:
            fields[tag] = [" ".join(values)]
    return fields, order


def _fields(
    lines: list[str],
    start: int,
    end: int,
    path: Path,
    field: Callable[[str], tuple[str, str, str | None] | None],
    go_on: Callable[[list[str], str], None],
    unexpected: Callable[[str], str],
) -> tuple[dict[str, list[str]], list[str]]:
    """The fields of one record (tag -> values) and the names of its fields in file order.

    ``field`` reads a line that starts a field as (tag, name, first value or None), or
    returns None for any other line; ``go_on`` adds a line that is not a field's first to
    the values of the field before it; ``unexpected`` words the error for a line that
    neither starts nor continues a field.
    """
    fields: dict[str, list[str]] = {}
    order: list[str] = []
    current: list[str] | None = None
    for i in range(start, end):
        ln = lines[i]
        if not ln.strip():
            continue
        started = field(ln)
        if started is not None:
            tag, name, value = started
            current = fields.setdefault(tag, [])
            if value is not None:
                current.append(value)
            order.append(name)
        elif current is not None:
            go_on(current, ln)
        else:
            raise ImportFileError(path, unexpected(ln), line=i + 1)
    return fields, order


def _check_truncation(
    records: list[tuple[dict[str, list[str]], int, int, list[str]]], path: Path, ends_with_newline: bool
) -> None:
    """Refuse a last record that was cut off: it lacks the field every other record ends with,
    and the file stops in the middle of a line or the record has under half the fields of the others.

    Both are asked for because a record may simply lack an optional last field; a file cut
    off by a failed download or a copy stops mid-line, or well before the record's end.
    """
    if len(records) < 3:
        return
    last_tags = {order[-1] for _, _, _, order in records[:-1] if order}
    if len(last_tags) != 1:
        return
    (tag,) = last_tags
    fields, line, _, order = records[-1]
    sizes = sorted(len(o) for _, _, _, o in records[:-1])
    short = len(order) < sizes[len(sizes) // 2] / 2
    if tag not in order and (short or not ends_with_newline):
        raise ImportFileError(
            path,
            f"the last record has no {tag!r} field, which every other record "
            "ends with (the file may be truncated)",
            line=line,
        )


def _first(f: dict[str, list[str]], *tags: str) -> str | None:
    for t in tags:
        for v in f.get(t, ()):
            if v:
                return v
    return None


def _authors(values: list[str]) -> tuple:
    out = []
    for value in values:
        for name in _AUTHOR_SPLIT.split(value):
            name = _AUTHOR_MARKS.sub("", name)
            name = _DEGREES.sub("", name).strip(" ,.;") if "," in name else name.strip(" ,;")
            a = author(name)
            if a is None:
                continue
            if a.family.isupper() and len(a.family) > 1 and any(c.islower() for c in a.given):
                a = type(a)(a.family.title(), a.given)
            out.append(a)
    return tuple(out)


def _source_parts(so: str) -> tuple[str | None, str | None, str | None]:
    """Volume, issue and first-to-last pages from a source line."""
    volume = issue = pages = None
    for pattern in _VOLUME_ISSUE:
        m = pattern.search(so)
        if m:
            volume = m.group(1)
            issue = m.group(2) if m.re.groups > 1 else None
            break
    for pattern in _PAGES:
        m = pattern.search(so)
        if m:
            pages = m.group(1)
            break
    return volume, issue, pages


def _database(f: dict[str, list[str]], file_db: str | None) -> str | None:
    named = database_name(_first(f, "DB"))
    if named:
        return named
    for link in f.get("XL", ()):
        named = ovid_link_database(link)
        if named:
            return named
    an = _first(f, "AN")
    if an and _JOURNALS_AT_OVID_AN.fullmatch(an):
        return "Journals@Ovid"
    return file_db


def _record(f: dict[str, list[str]], position: int, line: int, raw: str, file_db: str | None) -> BibRecord:
    database = _database(f, file_db)
    ptype = clean_text(_first(f, "PT"))
    kind = (ptype or "").lower()
    so = _first(f, "SO") or ""
    volume, issue, start, end = _volume_issue_pages(f, kind, so)
    title = _first(f, "TI", "CT", "BT")
    if title:
        title = _TITLE_KIND.sub("", title)
    journal = _first(f, "JN", "JT")
    if not journal and so and not kind.startswith("book"):
        journal = _JOURNAL_END.split(so, maxsplit=1)[0].strip(" .,")
    year = extract_year(_first(f, "YR", "DP"))
    if year is None:  # not from a book's line: its years are often those a web page was viewed
        m = _YEAR.search(so)
        year = int(m.group(1)) if m else None
    ui, an = strip_or_none(_first(f, "UI")), strip_or_none(_first(f, "AN"))
    links = f.get("XL", [])
    return BibRecord(
        position=position,
        title=clean_text(title),
        authors=_authors(f.get("FA") or f.get("AU") or []),
        year=year,
        journal=clean_text(journal) or None,
        volume=clean_text(volume),
        issue=clean_text(issue),
        start_page=start,
        end_page=end,
        doi=next((d for d in map(normalise_doi, f.get("DO", []) + f.get("DI", [])) if d), None),
        pmid=_pmid(f, database, ui, an),
        issn=normalise_issn(_first(f, "IS")),
        abstract=clean_text(_first(f, "AB")),
        keywords=_keywords(f),
        language=normalise_language((_first(f, "LG") or "").rstrip(".") or None),
        publication_type=ptype.rstrip(".") if ptype else None,
        url=normalise_url(links[0]) if links else None,
        source_id=an.rstrip(".") if an else ui,
        line=line,
        raw=raw,
        database=database,
    )


def _volume_issue_pages(
    f: dict[str, list[str]], kind: str, so: str
) -> tuple[str | None, str | None, str | None, str | None]:
    """Volume, issue, first and last page: from their own fields, else from the source line."""
    volume, issue = _first(f, "VI", "VO"), _first(f, "IP")
    pages = _first(f, "PG")
    if not kind.startswith(_BOOK_TYPES) or "chapter" in kind:
        src_volume, src_issue, src_pages = _source_parts(so or _first(f, "BT") or "")
        if not kind.startswith("book"):
            volume, issue = volume or src_volume, issue or src_issue
        pages = pages or src_pages
    if pages and "no pagination" in pages.lower():
        pages = None
    start, end = expand_pages(pages)
    return volume, issue, start, end


def _pmid(f: dict[str, list[str]], database: str | None, ui: str | None, an: str | None) -> str | None:
    """A MEDLINE record's id (``UI``, else ``AN``), else the PMID field's digits."""
    pmid = None
    if database == "MEDLINE":
        pmid = (
            normalise_pmid(ui)
            if ui and ui.isdigit()
            else (normalise_pmid(an) if an and an.isdigit() else None)
        )
    pm = _first(f, "PM")
    if pmid is None and pm:
        digits = re.search(r"\d{4,9}", pm)
        pmid = normalise_pmid(digits.group(0)) if digits else None
    return pmid


def _keywords(f: dict[str, list[str]]) -> tuple[str, ...]:
    """Keywords (split at semicolons) and subject headings (without their major-topic star)."""
    kws = [k for v in f.get("KW", []) for k in re.split(r"\s*;\s*", v)]
    kws += [v.replace("*", "") for v in f.get("MH", [])]
    return keywords(kws)
