"""EndNote XML reader (``File > Export > XML`` from EndNote 8 and later).

Own reader on the standard library's incremental XML parser: there is no maintained
Python package for EndNote XML (``endnote-utils`` and similar are unmaintained
single-author scripts), and the format is plain XML: ``<xml><records><record>``, each
value wrapped in one or more ``<style>`` elements whose text is concatenated. The file
is fed to the parser in chunks and each ``<record>`` is dropped once read, so memory
stays flat for large libraries. Line numbers and raw text come from a separate scan
for ``<record>`` tags (EndNote often writes the whole file on one line).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import cast

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
)
from screener.importers._common import (
    Collected,
    ImportFileError,
    Sink,
    XmlEvents,
    authors,
    journal_pair,
    keywords,
    strip_or_none,
)

__all__ = ["parse"]

_RECORD_OPEN = re.compile(r"<record[\s>]")
_RECORD_CLOSE = re.compile(r"</record\s*>")
_CHUNK = 1 << 20


def parse(text: str, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every ``<record>`` of an EndNote XML file.

    Args:
        text: the decoded file.
        path: for error messages.
        sink: receives the records (and reports progress); a new one when None.

    Returns:
        The records and unusable entries (no database guess: a library mixes sources).

    Raises:
        ImportFileError: malformed XML (with line and column), or no records.
    """
    opens = [m.start() for m in _RECORD_OPEN.finditer(text)]
    closes = [m.end() for m in _RECORD_CLOSE.finditer(text)]
    aligned = len(opens) == len(closes)
    sink = (sink or Sink()).expect(len(opens))
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    position = 0
    line = 1
    counted_to = 0
    depth = 0
    root_tag: str | None = None

    def handle(events: XmlEvents) -> None:
        nonlocal position, line, counted_to, depth, root_tag
        for event, elem in events:
            if event == "start":
                depth += 1
                if root_tag is None:
                    root_tag = elem.tag
                continue
            depth -= 1
            if elem.tag != "record" or depth > 2:
                continue
            position += 1
            start = opens[position - 1] if position <= len(opens) else None
            if start is not None:
                line += text.count("\n", counted_to, start)
                counted_to = start
            raw = text[start : closes[position - 1]] if aligned and start is not None else ""
            sink.add(_record(elem, position, line if start is not None else None, raw))
            elem.clear()

    try:
        for offset in range(0, len(text), _CHUNK):
            parser.feed(text[offset : offset + _CHUNK])
            handle(cast(XmlEvents, parser.read_events()))
        parser.close()
        handle(cast(XmlEvents, parser.read_events()))
    except ET.ParseError as exc:
        err_line, column = getattr(exc, "position", (None, None))
        message = re.sub(r":\s*line \d+, column \d+$", "", str(exc))
        raise ImportFileError(path, f"broken XML at column {column}: {message}", line=err_line) from exc
    if position == 0:
        if root_tag is not None and root_tag != "xml":
            raise ImportFileError(path, f"XML whose root is <{root_tag}>, not EndNote XML (<xml><records>)")
        raise ImportFileError(path, "no <record> elements found (not an EndNote XML export?)")
    return sink.finish(None, None)


def _text(elem: ET.Element | None) -> str | None:
    if elem is None:
        return None
    value = "".join(elem.itertext())
    return value if value.strip() else None


def _first(rec: ET.Element, *paths: str) -> str | None:
    for p in paths:
        value = _text(rec.find(p))
        if value:
            return value
    return None


def _all(rec: ET.Element, path: str) -> list[str]:
    return [v for v in (_text(e) for e in rec.iterfind(path)) if v]


def _record(rec: ET.Element, position: int, line: int | None, raw: str) -> BibRecord:
    journal, abbrev = journal_pair(
        clean_text(
            _first(rec, "periodical/full-title", "titles/secondary-title", "alt-periodical/full-title")
        ),
        clean_text(_first(rec, "periodical/abbr-1", "alt-periodical/abbr-1", "titles/alt-title")),
    )

    provider = (_first(rec, "remote-database-provider") or "").strip().lower()
    db_name = (_first(rec, "remote-database-name") or "").lower()
    accession = strip_or_none(_first(rec, "accession-num"))
    pmid = None
    if (
        accession
        and accession.isdigit()
        and (provider == "nlm" or "pubmed" in db_name or "medline" in db_name)
    ):
        pmid = normalise_pmid(accession)

    urls = _all(rec, "urls/related-urls/url") + _all(rec, "urls/web-urls/url")
    doi = normalise_doi(_first(rec, "electronic-resource-num"))
    if doi is None:
        doi = next((d for d in (normalise_doi(u) for u in urls if "doi.org/" in u) if d), None)

    ref_type = rec.find("ref-type")
    ptype = ref_type.get("name") if ref_type is not None else None
    start, end = expand_pages(_first(rec, "pages"))
    pmcid = normalise_pmcid(_first(rec, "custom2")) if _first(rec, "custom2") else None
    return BibRecord(
        position=position,
        title=clean_text(_first(rec, "titles/title", "title")),
        # An edited book has editors only (secondary or tertiary authors): they stand first.
        authors=authors(
            _all(rec, "contributors/authors/author")
            or _all(rec, "contributors/secondary-authors/author")
            or _all(rec, "contributors/tertiary-authors/author")
        ),
        year=extract_year(_first(rec, "dates/year", "dates/pub-dates/date", "year")),
        journal=journal,
        journal_abbrev=abbrev,
        volume=clean_text(_first(rec, "volume")),
        issue=clean_text(_first(rec, "number", "issue")),
        start_page=start,
        end_page=end,
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
        issn=normalise_issn(_first(rec, "isbn")),
        abstract=clean_text(_first(rec, "abstract")),
        keywords=keywords(_all(rec, "keywords/keyword")),
        language=normalise_language(_first(rec, "language")),
        publication_type=clean_text(ptype),
        url=normalise_url(urls[0]) if urls else None,
        source_id=strip_or_none(_first(rec, "rec-number")),
        line=line,
        raw=raw,
    )
