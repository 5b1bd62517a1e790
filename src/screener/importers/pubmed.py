"""PubMed / MEDLINE tagged-text reader (``.nbib``, ``.txt``).

Own parser because no maintained Python library reads this format: the candidates on
PyPI (``nbib``, ``medline``) are unmaintained one-offs, and Biopython's ``Medline``
module would pull in all of Biopython for forty lines of work. The format: a tag of up
to four characters padded to four, ``"- "``, the value; continuation lines are
indented (six spaces); records are separated by blank lines and start with ``PMID-``.
"""

from __future__ import annotations

import re
from pathlib import Path

from screener.core.models import Author, BibRecord
from screener.core.normalise import (
    clean_text,
    expand_pages,
    extract_year,
    normalise_doi,
    normalise_issn,
    normalise_language,
    normalise_pmcid,
    normalise_pmid,
)
from screener.importers._common import (
    Collected,
    ImportFileError,
    Sink,
    authors,
    journal_pair,
)

__all__ = ["parse"]

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{0,3}) *- ?(.*)$")
_ISSN_KIND = re.compile(r"\((Print|Linking|Electronic)\)", re.IGNORECASE)


def parse(text: str, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every record of a MEDLINE-format file.

    Args:
        text: the decoded file, LF line ends.
        path: for error messages.
        sink: receives the records (and reports progress); a new one when None.

    Returns:
        The records (database "PubMed") and unusable entries.

    Raises:
        ImportFileError: no records, or a line that is neither a tag nor a continuation.
    """
    sink = (sink or Sink()).expect(text.count("\nPMID-") + text.startswith("PMID-"))
    position = 0
    line_offset = 0
    ends = _Ends()
    # The text is read in pieces cut at blank lines (which always end a record), so that a
    # large file is never split into one list of all its lines at once.
    start = 0
    while start < len(text):
        cut = text.find("\n\n", start + _PIECE)
        end = len(text) if cut < 0 else cut + 1
        piece = text[start:end]
        position = _parse_piece(piece, path, sink, position, line_offset, ends)
        line_offset += piece.count("\n")
        start = end
    if position == 0:
        raise ImportFileError(path, "no PubMed/MEDLINE records found")
    ends.check(path, position, text.endswith("\n"))
    return sink.finish("PubMed", None)


_PIECE = 1 << 22  # characters


class _Ends:
    """How the records end, to tell a file cut off in its last record (as the RIS and WoS readers do).

    An export ends with a line end, and its records end with the same tag (``SO``, the
    source, in PubMed's journal articles): a file that stops inside a line, in a last
    record that lacks the tag every record before it ended with, was cut off (a partial
    download or copy) and its last abstract is incomplete. (A complete last record may
    end otherwise, e.g. a book chapter's ``AID``: with its line end it is kept.)
    """

    def __init__(self) -> None:
        self.closing: set[str] = set()  # the last tag of every record but the latest
        self.latest: tuple[list[list[str]], int] | None = None  # the latest record's fields and first line

    def record(self, fields: list[list[str]], line: int) -> None:
        if self.latest is not None:
            self.closing.add(self.latest[0][-1][0])
        self.latest = fields, line

    def check(self, path: Path, position: int, ended: bool) -> None:
        if len(self.closing) != 1 or self.latest is None or ended:
            return
        (last,) = self.closing
        fields, line = self.latest
        if all(tag != last for tag, _ in fields):
            raise ImportFileError(
                path,
                f"the file ends in the middle of record {position} (from line {line}): it has no '{last}  -' "
                "line, which every other record ends with; the file looks cut off: export or copy it again",
                line=line,
            )


def _parse_piece(text: str, path: Path, sink: Sink, position: int, line_offset: int, ends: _Ends) -> int:
    """Read the records of one piece of the file (whole records); returns the last position."""
    lines = text.split("\n")
    fields: list[list[str]] = []  # [tag, value] pairs of the current record
    start_line = 0
    start_index = 0
    for i, ln in enumerate(lines):
        if not ln.strip():
            if fields:
                ends.record(fields, start_line)
                position += 1
                sink.add(_record(fields, position, start_line, "\n".join(lines[start_index:i])))
                fields = []
            continue
        if ln[0] in " \t":
            if not fields:
                raise ImportFileError(
                    path, "an indented continuation line with no tag line before it", line=line_offset + i + 1
                )
            fields[-1][1] += " " + ln.strip()
            continue
        m = _TAG_LINE.match(ln)
        if m is None:
            raise ImportFileError(
                path,
                f"expected a MEDLINE tag line such as 'TI  - ...', found {ln[:40]!r}",
                line=line_offset + i + 1,
            )
        if m.group(1) == "PMID" and fields:  # records not separated by a blank line
            ends.record(fields, start_line)
            position += 1
            sink.add(_record(fields, position, start_line, "\n".join(lines[start_index:i])))
            fields = []
        if not fields:
            start_line = line_offset + i + 1
            start_index = i
        fields.append([m.group(1), m.group(2).strip()])
    if fields:
        ends.record(fields, start_line)
        position += 1
        sink.add(_record(fields, position, start_line, "\n".join(lines[start_index:]).rstrip("\n")))
    return position


def _record(fields: list[list[str]], position: int, line: int, raw: str) -> BibRecord:
    f: dict[str, list[str]] = {}
    for tag, value in fields:
        f.setdefault(tag, []).append(value)
    pmid = normalise_pmid(_first(f, "PMID"))
    journal, abbrev = journal_pair(clean_text(_first(f, "JT")), clean_text(_first(f, "TA")))
    start, end = _pages(f)
    return BibRecord(
        position=position,
        title=clean_text(_first(f, "TI", "BTI", "TT")),
        authors=_people(f),
        year=extract_year(_first(f, "DP", "DEP", "EDAT")),
        journal=journal,
        journal_abbrev=abbrev,
        volume=clean_text(_first(f, "VI")),
        issue=clean_text(_first(f, "IP")),
        start_page=start,
        end_page=end,
        doi=_doi(f),
        pmid=pmid,
        pmcid=normalise_pmcid(_first(f, "PMC")),
        issn=_issn(f.get("IS", [])),
        abstract=clean_text(_first(f, "AB")),
        keywords=_keywords(f),
        language=normalise_language(_first(f, "LA")),
        # PT lists "English Abstract" and funding notes beside the actual article type.
        publication_type=clean_text(
            next(
                (
                    p
                    for p in f.get("PT", [])
                    if p != "English Abstract" and not p.startswith("Research Support")
                ),
                _first(f, "PT"),
            )
        ),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
        source_id=pmid,
        line=line,
        raw=raw,
    )


def _first(f: dict[str, list[str]], *tags: str) -> str | None:
    """The first value of the first of ``tags`` whose first value is not empty."""
    for t in tags:
        v = f.get(t)
        if v and v[0]:
            return v[0]
    return None


def _people(f: dict[str, list[str]]) -> tuple[Author, ...]:
    """The authors (full names when there are as many as short ones), else the group names."""
    full = f.get("FAU", [])
    short = f.get("AU", [])
    names = full if len(full) >= len(short) else short
    people = authors(names)
    if not people and f.get("CN"):
        people = tuple(Author(c) for c in map(clean_text, f["CN"]) if c)
    return people


def _doi(f: dict[str, list[str]]) -> str | None:
    doi = None
    for v in f.get("LID", []) + f.get("AID", []):
        if v.endswith("[doi]"):
            doi = normalise_doi(v[:-5])
            if doi:
                break
    return doi


def _pages(f: dict[str, list[str]]) -> tuple[str | None, str | None]:
    start, end = expand_pages(_first(f, "PG"))
    if start is None:
        for v in f.get("LID", []):  # e-locators such as "e22677 [pii]" when PG is absent
            if v.endswith("[pii]") and " " not in v[:-6].strip():
                return expand_pages(v[:-5].strip())
    return start, end


def _issn(issns: list[str]) -> str | None:
    """The print ISSN, then the linking one, then the electronic one, then any."""
    for kind in ("print", "linking", "electronic"):
        for v in issns:
            m = _ISSN_KIND.search(v)
            if m and m.group(1).lower() == kind:
                issn = normalise_issn(v)
                if issn:
                    return issn
                break
    return normalise_issn(issns[0]) if issns else None


def _keywords(f: dict[str, list[str]]) -> tuple[str, ...]:
    """MeSH headings (without their major-topic star), then other terms, each once."""
    kws: dict[str, None] = {}
    for v in f.get("MH", []) + f.get("OT", []):
        k = clean_text(v.replace("*", ""))
        if k:
            kws.setdefault(k)
    return tuple(kws)
