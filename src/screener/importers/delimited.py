"""CSV/TSV reader that guesses the columns of common exports.

Headers are recognised for Scopus, Embase, WoS, PubMed, IEEE Xplore, SpringerLink, Rayyan and ASReview.

Built on the standard library's ``csv`` module in strict mode, so that a quote that is
never closed is reported instead of swallowing the rest of the file. The delimiter is
whichever of ``,`` tab ``;`` ``|`` occurs most often in the header line. Columns are
found by header name (case-insensitive); a ``columns`` mapping from the user names
them explicitly (an empty name switches a guessed column off).

Three layouts need more than the csv module: Scopus writes a header for one "Funding Text"
column but rows with as many as each record has (the surplus is dropped, the columns
after it read from the right); IEEE Xplore writes quotes inside quoted fields without
doubling them (a row the strict reader refuses is read again leniently, where a quote
ends a field only before the delimiter or the line's end); SpringerLink runs its
"Given Family" author names together (split by :func:`split_glued_names`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from screener.core.models import BibRecord
from screener.core.normalise import (
    clean_text,
    expand_pages,
    extract_year,
    normalise_doi,
    normalise_issn,
    normalise_language,
    normalise_pmcid,
    normalise_pmid,
    normalise_url,
    split_authors,
    split_glued_names,
    split_keywords,
)
from screener.core.reference_types import ENTRY_TYPES
from screener.importers._common import (
    Collected,
    ImportFileError,
    Sink,
    author,
    journal_pair,
    keywords,
    strip_or_none,
)

if TYPE_CHECKING:
    from _csv import Reader

__all__ = ["FIELDS", "parse", "sniff_delimiter"]

#: Header names tried for each field, best first (compared in lower case).
GUESSES: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "document title", "item title", "primary title", "ti"),
    "authors": (
        "authors",
        "author",
        "author names",
        "author(s)",
        "author full names",
        "creators",
        "au",
        "af",
    ),
    "year": (
        "year",
        "publication year",
        "pubyear",
        "pub year",
        "year published",
        "py",
        "date",
        "publication date",
        "pd",
    ),
    "journal": (
        "source title",
        "journal",
        "journal title",
        "journal/book",
        "journal name",
        "secondary title",
        "publication title",
        "so",
    ),
    "booktitle": ("booktitle", "conference name", "proceedings title"),
    "journal_abbrev": ("abbreviated source title", "journal abbreviation", "journal_abbrev", "ji", "j9"),
    "volume": ("volume", "journal volume", "vl"),
    "issue": ("issue", "number", "journal issue", "is"),
    "pages": ("pages", "page", "pg"),
    "start_page": ("page start", "start page", "first page", "bp"),
    "end_page": ("page end", "end page", "last page", "ep"),
    "article_number": ("art. no.", "article number", "art_number", "ar"),
    "doi": ("doi", "item doi", "di"),
    "pmid": ("pubmed id", "pmid", "pm"),
    "pmcid": ("pmcid",),
    "issn": ("issn", "sn", "eissn", "isbn", "issn/isbn"),
    "abstract": ("abstract", "abstract note", "ab"),
    "keywords": (
        "author keywords",
        "keywords",
        "keyword",
        "index keywords",
        "mesh terms",
        "manual tags",
        "de",
    ),
    "language": ("language of original document", "language", "la"),
    "publication_type": (
        "document type",
        "publication type",
        "entrytype",
        "item type",
        "content type",
        "type",
        "dt",
    ),  # fmt: skip
    "url": ("link", "url", "urls", "pdf link"),
    "source_id": (
        "id",
        "record_id",
        "key",
        "eid",
        "ut (unique wos id)",
        "ut",
        "unique-id",
        "accession number",
    ),
}
FIELDS = tuple(GUESSES) + ("citation",)
_ALIASES = {
    "id": "source_id",
    "author": "authors",
    "keyword": "keywords",
    "number": "issue",
    "journal_iso": "journal_abbrev",
}
_NA = frozenset({"NA", "N/A", "#N/A", "NULL", "null", "NaN", "nan"})
_DELIMITERS = (",", "\t", ";", "|")
# Embase CSV "Source": "Cancer (2004) 102:4 (253-258). Date of Publication: 25 Aug 2004"
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.+?) \((?P<year>\d{4})\)"
    r"(?: (?P<volume>[^\s:(]+)(?::(?P<issue>[^\s(]+))?)?"
    r"(?: \((?P<pages>[^)]*)\))?"
)
# PubMed CSV "Citation": "Sci Total Environ. 2017 Nov 15;598:188-197. doi: ..."
_PUBMED_CITATION = re.compile(r";\s*(?P<volume>[^:(;]*)(?:\((?P<issue>[^)]*)\))?(?::(?P<pages>[^.;]*))?")


def sniff_delimiter(header: str) -> str:
    """The most frequent of ``,`` tab ``;`` ``|`` in the header line (``,`` when none)."""
    counts = [(header.count(d), -i, d) for i, d in enumerate(_DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


def _resolve(
    header: list[str], columns: Mapping[str, str] | None, id_column: str | None, path: Path
) -> dict[str, int]:
    """Map our field names to column indices."""
    lower: dict[str, int] = {}
    for i, name in enumerate(header):
        lower.setdefault(name.strip().lower(), i)
    exact = {name.strip(): i for i, name in enumerate(header)}
    found: dict[str, int] = {}
    for fld, names in GUESSES.items():
        for n in names:
            if n in lower:
                found[fld] = lower[n]
                break
    if "journal" not in found and "source" in lower and "source title" not in lower:
        found["citation"] = lower["source"]  # Embase: the whole citation in one column
    elif "citation" in lower:
        found["citation"] = lower["citation"]

    def locate(name: str, what: str) -> int:
        if name.strip() in exact:
            return exact[name.strip()]
        if name.strip().lower() in lower:
            return lower[name.strip().lower()]
        shown = ", ".join(repr(h) for h in header[:40])
        raise ImportFileError(
            path, f"no column named {name!r} (asked for {what}); the columns are: {shown}", line=1
        )

    for fld, name in (columns or {}).items():
        key = _ALIASES.get(fld, fld)
        if key not in FIELDS:
            known = ", ".join(f for f in FIELDS if f != "citation")
            raise ImportFileError(path, f"unknown field {fld!r} in the column mapping (known: {known})")
        if not name:
            found.pop(key, None)
            continue
        found[key] = locate(name, key)
    if id_column:
        found["source_id"] = locate(id_column, "the record id")
    return found


def _database(header: list[str], first_rows: list[list[str]], found: dict[str, int]) -> str | None:
    names = {h.strip().lower() for h in header}
    if any(n.startswith("emtree") for n in names):
        return "Embase"
    if "eid" in names or ("source title" in names and "link" in names):
        return "Scopus"
    if "ut (unique wos id)" in names or {"ut", "pt", "so"} <= names:
        return "Web of Science"
    if {"pmid", "journal/book", "citation"} <= names:
        return "PubMed"
    if {"item title", "item doi", "publication title"} <= names:
        return "SpringerLink"
    if "document title" in names and ({"ieee terms", "pdf link"} & names):
        return "IEEE Xplore"
    if "source" in names and "citation" not in found:
        i = [h.strip().lower() for h in header].index("source")
        values = {r[i].strip() for r in first_rows if i < len(r)}
        if values == {"Scopus"}:
            return "Scopus"
    return None


def parse(
    text: str,
    path: Path,
    *,
    sink: Sink | None = None,
    id_column: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> Collected:
    """Read a CSV or TSV file whose first row is a header.

    Args:
        text: the decoded file, LF line ends.
        path: for error messages; a ``.tsv``/``.tab`` name prefers tabs.
        sink: receives the records (and reports progress); a new one when None.
        id_column: the column holding each record's own id (else guessed).
        columns: our field name -> header name, overriding the guesses.

    Returns:
        The records, unusable rows and the database guess.

    Raises:
        ImportFileError: no header, a missing named column, a row with the wrong
            number of fields, or a quote that is never closed.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    base = next((i for i, ln in enumerate(lines) if ln.strip()), None)  # lines before the header
    if base is None:
        raise ImportFileError(path, "the file is empty")
    delimiter = sniff_delimiter(lines[base])
    if path.suffix.lower() in (".tsv", ".tab") and "\t" in lines[base]:
        delimiter = "\t"
    reader = csv.reader((ln + "\n" for ln in lines[base:]), delimiter=delimiter, strict=True)
    try:
        header = [h.lstrip("\ufeff") for h in next(reader)]
    except csv.Error as exc:
        raise ImportFileError(path, f"cannot read the header row: {exc}", line=base + 1) from exc
    found = _resolve(header, columns, id_column, path)
    if not any(k in found for k in ("title", "doi", "pmid", "source_id", "citation")):
        shown = ", ".join(repr(h) for h in header[:40])
        raise ImportFileError(
            path,
            f"no title, DOI, PMID or id column among the headers ({shown}); name them with a column mapping",
            line=base + 1,
        )
    sink = (sink or Sink()).expect(max(0, len(lines) - base - 1))
    first_rows: list[list[str]] = []
    build = _builder(found, header)
    for position, (row, row_line, raw) in enumerate(_rows(reader, lines, base, header, delimiter, path), 1):
        if len(first_rows) < 20:
            first_rows.append(row)
        sink.add(build(row, position, row_line, raw))
    return sink.finish(_database(header, first_rows, found), None)


def _rows(
    reader: Reader, lines: list[str], base: int, header: list[str], delimiter: str, path: Path
) -> Iterator[tuple[list[str], int, str]]:
    """Each row that holds a value, fitted to the header: (row, its first line, its raw text).

    ``reader`` has read the header row (the line ``base``) of ``lines``.
    """
    width = len(header)
    funding = [i for i, h in enumerate(header) if _FUNDING_TEXT.fullmatch(h.strip().lower())]
    funding_at = funding[-1] if funding else None
    done_lines = reader.line_num
    while True:
        row_line = base + done_lines + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "end of data" in str(exc):
                raise ImportFileError(
                    path, "bad CSV row: a quoted field is never closed", line=row_line
                ) from exc
            raw = "\n".join(lines[base + done_lines : base + reader.line_num])
            row = lenient_split(raw, delimiter)  # IEEE Xplore: quotes inside quoted fields
            if len(row) != width:
                raise ImportFileError(path, f"bad CSV row: {exc}", line=row_line) from exc
        end_line = reader.line_num
        raw = "\n".join(lines[base + done_lines : base + end_line])
        done_lines = end_line
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) != width:
            fitted = _fit(row, width, funding_at)
            if fitted is None:
                raise ImportFileError(
                    path, f"this row has {len(row)} fields but the header has {width}", line=row_line
                )
            row = fitted
        yield row, row_line, raw


_FUNDING_TEXT = re.compile(r"funding text \d+")


def _fit(row: list[str], width: int, funding_at: int | None) -> list[str] | None:
    """A row with more fields than the header, fitted to it; None when it cannot be.

    Empty fields past the header's end (a trailing delimiter) are dropped. Scopus names
    one "Funding Text" column per funding text of its first record, but later records
    carry more: the surplus sits after the last named one, so the columns after it are
    read from the row's end.
    """
    if len(row) < width:
        return None
    if not any(c.strip() for c in row[width:]):
        return row[:width]
    if funding_at is not None:
        after = width - funding_at - 1
        return row[: funding_at + 1] + row[len(row) - after :] if after else row[:width]
    return None


def lenient_split(text: str, delimiter: str) -> list[str]:
    """Split one row whose quoted fields hold undoubled quotes (IEEE Xplore CSV).

    A quote opening a field ends it only when followed by the delimiter or the end of the
    row; a doubled quote is one quote; any other quote is part of the text.
    """
    cells: list[str] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            j = i + 1
            parts = []
            while True:
                k = text.find('"', j)
                if k < 0:
                    parts.append(text[j:])
                    i = n
                    break
                if k + 1 < n and text[k + 1] == '"':
                    parts.append(text[j : k + 1])
                    j = k + 2
                elif k + 1 == n or text[k + 1] == delimiter:
                    parts.append(text[j:k])
                    i = k + 1
                    break
                else:
                    parts.append(text[j : k + 1])
                    j = k + 1
            cells.append("".join(parts))
        else:
            k = text.find(delimiter, i)
            k = n if k < 0 else k
            cells.append(text[i:k])
            i = k
        if i >= n:
            return cells
        i += 1  # the delimiter
        if i == n:
            cells.append("")
            return cells


def _builder(found: dict[str, int], header: list[str]):
    """Make the row -> BibRecord function for this file's columns."""
    idx = found.get
    names = {h.strip().lower() for h in header}
    glued = {"item title", "item doi"} <= names  # SpringerLink: "Given FamilyGiven Family"
    ptype_is_bibtex = (
        "publication_type" in found and header[found["publication_type"]].strip().lower() == "entrytype"
    )

    def build(row: list[str], position: int, line: int, raw: str) -> BibRecord:
        def cell(fld: str) -> str | None:
            i = idx(fld)
            if i is None:
                return None
            v = row[i].strip()
            return None if not v or v in _NA else v

        journal = cell("journal") or cell("booktitle")
        year = cell("year")
        volume = cell("volume")
        issue = cell("issue")
        pages = cell("pages")
        citation = cell("citation")
        if citation:
            m = _EMBASE_SOURCE.match(citation) if "(" in citation else None
            if m:
                journal = journal or m.group("journal")
                year = year or m.group("year")
                volume = volume or m.group("volume")
                issue = issue or m.group("issue")
                pages = pages or m.group("pages")
            else:
                m = _PUBMED_CITATION.search(citation)
                if m:
                    volume = volume or strip_or_none(m.group("volume"))
                    issue = issue or strip_or_none(m.group("issue"))
                    pages = pages or strip_or_none(m.group("pages"))
        if pages:
            start, end = expand_pages(pages)
        else:
            sp, ep = cell("start_page"), cell("end_page")
            start, end = expand_pages(f"{sp}-{ep}" if sp and ep else sp or ep)
        if start is None:
            start, end = expand_pages(cell("article_number"))

        people = []
        for name in (split_glued_names if glued else split_authors)(cell("authors")):
            a = author(name)
            if a is not None:
                people.append(a)
        ptype = cell("publication_type")
        if ptype and ptype_is_bibtex:
            ptype = ENTRY_TYPES.get(ptype.lower(), ptype)
        pmid = cell("pmid")
        journal, abbrev = journal_pair(clean_text(journal), clean_text(cell("journal_abbrev")))
        return BibRecord(
            position=position,
            title=clean_text(cell("title")),
            authors=tuple(people),
            year=extract_year(year),
            journal=journal,
            journal_abbrev=abbrev,
            volume=clean_text(volume),
            issue=clean_text(issue),
            start_page=start,
            end_page=end,
            doi=normalise_doi(cell("doi")),
            pmid=normalise_pmid(pmid) if pmid else None,
            pmcid=normalise_pmcid(cell("pmcid")),
            issn=normalise_issn(cell("issn")),
            abstract=clean_text(cell("abstract")),
            keywords=keywords(split_keywords(cell("keywords"))),
            language=normalise_language(cell("language")),
            publication_type=clean_text(ptype),
            url=normalise_url(cell("url")),
            source_id=strip_or_none(cell("source_id")),
            line=line,
            raw=raw,
        )

    return build
