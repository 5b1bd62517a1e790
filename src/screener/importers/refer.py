"""EndNote/Refer tagged and RefWorks tagged readers.

EndNote/Refer tagged: ``.enw``, ``%0 Journal Article``, ``%T``, ``%A``; RefWorks tagged:
``RT``, ``A1``, ``T1``.

Own parser: both are a tag, a space and a value per line, records apart by blank lines,
and no maintained Python library reads them. Refer tags are ``%`` and one character
(``%0`` type, ``%A`` author, ``%T`` title, ``%J`` journal, ``%D`` year, ``%V`` volume,
``%N`` issue, ``%P`` pages, ``%R`` DOI, ``%M`` accession number, ``%~`` database,
``%W`` database provider); a line without a tag goes on with the field before it.
RefWorks tags are two characters (``RT`` type, ``A1`` author, ``T1`` title, ``JF``
journal, ``YR`` year, ``VO`` volume, ``IS`` issue, ``SP``/``OP`` pages, ``DO`` DOI,
``AN`` accession number, ``DB``/``DS`` database). For a book or thesis the pages field
holds its length ("173 s.", "141"), not a page.
"""

from __future__ import annotations

import re
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
from screener.importers._common import (
    Collected,
    ImportFileError,
    Sink,
    authors,
    journal_pair,
    keywords,
    strip_or_none,
)
from screener.importers._databases import database_name

__all__ = ["parse_refer", "parse_refworks"]

_REFER_LINE = re.compile(r"%([0-9A-Z@!#$&()*+^~><?\[\]|=]) ?(.*)$")
_REFWORKS_LINE = re.compile(r"([A-Z][A-Z0-9]) (.*)$|([A-Z][A-Z0-9])$")
_LENGTH_TYPES = ("book", "thesis", "dissertation", "edited book", "monograph", "report")
_DOI_IN_TEXT = re.compile(r"\b10\.\d{4,9}/\S+")

# Canonical field -> Refer tags, RefWorks tags (first present wins; lists take all).
_REFER = {
    "type": "0", "author": "A", "title": "T", "journal": "J", "secondary": "B", "year": "D", "volume": "V",
    "issue": "N", "pages": "P", "isbn": "@", "doi": "R", "url": "U", "abstract": "X", "keywords": "K",
    "language": "G", "accession": "M", "database": "~", "provider": "W", "abbrev": "!",
}  # fmt: skip
_REFWORKS = {
    "type": "RT", "author": "A1", "title": "T1", "journal": "JF", "abbrev": "JO", "secondary": "T2",
    "year": "YR", "date": "FD", "volume": "VO", "issue": "IS", "pages": "SP", "end": "OP", "isbn": "SN",
    "doi": "DO",
    "url": "UL", "abstract": "AB", "keywords": "K1", "language": "LA", "accession": "AN", "database": "DB",
    "provider": "DS",
}  # fmt: skip


def parse_refer(text: str, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every record of an EndNote/Refer tagged file (``%0``, ``%T``, ``%A`` ...).

    Raises:
        ImportFileError: no records, or a line that is neither a field nor a continuation.
    """
    return _parse(text, path, sink, _refer_line, "EndNote/Refer tagged", "'%T ...'", _REFER, "0")


def parse_refworks(text: str, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every record of a RefWorks tagged file (``RT``, ``A1``, ``T1`` ...).

    Raises:
        ImportFileError: no records, a field before the first ``RT`` line, or a line that
            is not a field.
    """
    return _parse(text, path, sink, _refworks_line, "RefWorks tagged", "'T1 ...'", _REFWORKS, "RT")


def _refer_line(ln: str) -> tuple[str, str] | None:
    m = _REFER_LINE.match(ln)
    return (m.group(1), m.group(2).strip()) if m else None


def _refworks_line(ln: str) -> tuple[str, str] | None:
    m = _REFWORKS_LINE.match(ln)
    if m is None:
        return None
    return (m.group(1), m.group(2).strip()) if m.group(1) else (m.group(3), "")


def _parse(
    text: str,
    path: Path,
    sink: Sink | None,
    read_line,
    name: str,
    example: str,
    tags: dict[str, str],
    start_tag: str,
) -> Collected:
    lines = text.split("\n")
    sink = sink or Sink()
    fields: dict[str, list[str]] = {}
    last: list[str] | None = None
    start = 0
    position = 0

    def flush(end: int) -> None:
        nonlocal position, fields, last
        if fields:
            position += 1
            raw = "\n".join(lines[start:end]).strip("\n")
            sink.add(_record(fields, tags, position, start + 1, raw))
        fields, last = {}, None

    blank_at: int | None = None  # a blank line ends a record unless text goes on after it
    for i, ln in enumerate(lines):
        if not ln.strip():
            if blank_at is None:
                blank_at = i
            continue
        parsed = read_line(ln.rstrip())
        if parsed is not None and fields and (blank_at is not None or parsed[0] == start_tag):
            flush(
                blank_at if blank_at is not None else i
            )  # (records not separated by a blank line: at the type)
        blank_at = None
        if parsed is None:
            if last is not None:  # a value going on over another line
                last[-1] = f"{last[-1]} {ln.strip()}".strip()
                continue
            raise ImportFileError(
                path, f"expected a {name} field line such as {example}, found {ln.strip()[:40]!r}", line=i + 1
            )
        tag, value = parsed
        if not fields:
            if start_tag == "RT" and tag != "RT":
                raise ImportFileError(
                    path, f"a RefWorks record must start with 'RT', found {ln.strip()[:40]!r}", line=i + 1
                )
            start = i
        last = fields.setdefault(tag, [])
        last.append(value)
    flush(blank_at if blank_at is not None else len(lines))
    if position == 0:
        raise ImportFileError(path, f"no {name} records found", line=1)
    return sink.finish(None, None)


def _record(f: dict[str, list[str]], tags: dict[str, str], position: int, line: int, raw: str) -> BibRecord:
    def first(field: str) -> str | None:
        tag = tags.get(field)
        for v in f.get(tag, ()) if tag else ():
            if v:
                return v
        return None

    def every(field: str) -> list[str]:
        tag = tags.get(field)
        return f.get(tag, []) if tag else []

    ptype = clean_text(first("type"))
    kind = (ptype or "").lower()
    pages = first("pages")
    if kind.startswith(_LENGTH_TYPES) and "section" not in kind and "chapter" not in kind:
        pages = None
    end_page = first("end")
    start, end = expand_pages(f"{pages}-{end_page}" if pages and end_page else pages)
    journal, abbrev = first("journal"), first("abbrev")
    if not journal and kind.startswith(("journal", "magazine", "newspaper", "conference")):
        journal = first("secondary")
    journal, abbrev = journal_pair(clean_text(journal), clean_text(abbrev))
    database = database_name(first("database"))
    accession = strip_or_none(first("accession"))
    provider = (first("provider") or "").lower()
    pmid = None
    if accession and accession.isdigit() and (database in ("PubMed", "MEDLINE") or provider == "nlm"):
        pmid = normalise_pmid(accession)
    kws = [k for v in every("keywords") for k in re.split(r"\s*[;\n]\s*", v)]
    url = next((u for u in every("url") if u.startswith("http")), None)
    return BibRecord(
        position=position,
        title=clean_text(first("title")),
        authors=authors(every("author")),
        year=extract_year(first("year") or first("date")),
        journal=journal,
        journal_abbrev=abbrev,
        volume=clean_text(first("volume")),
        issue=clean_text(first("issue")),
        start_page=start,
        end_page=end,
        doi=_doi(every("doi") + every("url")),
        pmid=pmid,
        issn=normalise_issn(first("isbn")),
        abstract=clean_text(first("abstract")),
        keywords=keywords(kws),
        language=normalise_language(first("language")),
        publication_type=ptype,
        url=normalise_url(url) if url else None,
        source_id=accession,
        line=line,
        raw=raw,
        database=database,
    )


def _doi(values: list[str]) -> str | None:
    """The first DOI written in the DOI or URL fields."""
    for value in values:
        if "10." in value:
            m = _DOI_IN_TEXT.search(value)
            doi = normalise_doi(m.group(0)) if m else None
            if doi:
                return doi
    return None
