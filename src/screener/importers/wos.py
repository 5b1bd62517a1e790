"""Web of Science readers: tagged text ("Other reference software" ``.txt``, ``.ciw``) and tab-delimited.

Own parser: rispy's ``WokParser`` reads this format but, like its RIS parser, gives no
line numbers, drops a record without ``ER`` at the end of the file without a word, and
treats any unindented line as a tag. The format is simple enough to read directly:
``FN``/``VR`` header, then records from ``PT`` to ``ER`` with a two-letter tag, one
space, the value, and continuation lines indented by three spaces; ``EF`` ends the file.

The tab-delimited export ("Tab delimited file", Win or Mac, UTF-8 or UTF-16) has a header
row of the same two-letter tags and one record per line, the fields separated by tabs
and never quoted (a ``"`` inside a title is just a character, so the ``csv`` module is
not used), lists such as authors separated by ``"; "``. Its rows often end with one tab
more than the header. Both readers share :func:`_record`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
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
    split_keywords,
)
from screener.importers._common import (
    Collected,
    ImportFileError,
    Sink,
    authors,
    journal_pair,
    keywords,
    most_common,
    strip_or_none,
)

__all__ = ["parse"]

_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_TAB_TAG = re.compile(r"[A-Z][A-Z0-9]")
#: Tab-delimited fields that hold a "; "-separated list read one item per line in the tagged format.
_LISTS = frozenset({"AU", "AF", "BA", "BF", "ED"})
_PT = {"J": "Journal Article", "B": "Book", "S": "Book Series", "P": "Patent", "C": "Conference Paper"}
# UT prefixes name the Web of Science database the record comes from: each record's own
# database, so that a file from an "All Databases" search is stored as one source per database.
_UT_DATABASES = {
    "WOS": "Web of Science", "MEDLINE": "MEDLINE", "BCI": "BIOSIS Citation Index",
    "CCC": "Current Contents Connect", "KJD": "KCI-Korean Journal Database",
    "SCIELO": "SciELO Citation Index", "ZOOREC": "Zoological Record", "DIIDW": "Derwent Innovations Index",
    "CSCD": "Chinese Science Citation Database", "RSCI": "Russian Science Citation Index",
    "ZOOR": "Zoological Record", "BIOSIS": "BIOSIS Previews", "CABI": "CAB Abstracts", "INSPEC": "Inspec",
    "FSTA": "FSTA", "GRANTS": "Grants Index",
}  # fmt: skip


def parse(text: str, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every record of a Web of Science tagged file.

    Args:
        text: the decoded file, LF line ends.
        path: for error messages.
        sink: receives the records (and reports progress); a new one when None.

    Returns:
        The records, unusable entries and the database guess (from the ``UT`` prefix).

    Raises:
        ImportFileError: no records, a record without ``ER``, a malformed line.
    """
    lines = text.split("\n")
    sink = (sink or Sink()).expect(text.count("\nER"))
    fields: list[list[str]] | None = None
    start = 0
    position = 0
    dbs: list[str | None] = []
    for i, ln in enumerate(lines):
        if not ln.strip():
            continue
        if ln.startswith("   ") or ln.startswith("\t"):
            if fields is None:
                raise ImportFileError(path, "an indented continuation line outside a record", line=i + 1)
            fields[-1].append(ln.strip())
            continue
        m = _TAG.match(ln.rstrip())
        if m is None:
            raise ImportFileError(
                path, f"expected a Web of Science tag line such as 'TI ...', found {ln[:40]!r}", line=i + 1
            )
        tag = m.group(1)
        value = (m.group(2) or "").strip()
        if fields is None:
            if tag in ("FN", "VR", "EF"):
                continue
            if tag != "PT":
                raise ImportFileError(
                    path, f"a '{tag}' line outside a record (records start with 'PT')", line=i + 1
                )
            fields = [[tag, value]]
            start = i
            continue
        if tag == "ER":
            position += 1
            rec, db = _record(fields, position, start + 1, "\n".join(lines[start : i + 1]))
            sink.add(rec)
            dbs.append(db)
            fields = None
            continue
        if tag == "PT":
            raise ImportFileError(
                path,
                f"the record starting on line {start + 1} has no 'ER' line before the next 'PT'",
                line=i + 1,
            )
        fields.append([tag, value])
    if fields is not None:
        raise ImportFileError(
            path, "this record has no 'ER' line (the file may be truncated)", line=start + 1
        )
    if position == 0:
        raise ImportFileError(path, "no Web of Science records found (no 'PT' ... 'ER' blocks)")
    return sink.finish(most_common(dbs), _platform(dbs))


def is_tab_header(line: str) -> bool:
    """True for the header row of a Web of Science tab-delimited file (``PT<tab>AU<tab>...``)."""
    cells = line.lstrip("\ufeff").rstrip("\r\n").split("\t")
    while cells and not cells[-1]:
        cells.pop()
    return (
        len(cells) >= 4 and cells[0] == "PT" and all(_TAB_TAG.fullmatch(c) for c in cells)
        and len(set(cells)) == len(cells) and ("TI" in cells or "UT" in cells)
    )  # fmt: skip


def parse_tab(text: str, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every row of a Web of Science tab-delimited file.

    Args:
        text: the decoded file, LF line ends (CR-only Mac files already converted).
        path: for error messages.
        sink: receives the records (and reports progress); a new one when None.

    Returns:
        The records, unusable entries and the database guess (from the ``UT`` prefix).

    Raises:
        ImportFileError: no header row, a row with more (non-empty) fields than the header
            or a row cut short (a truncated file), or no records.
    """
    lines = _lines(text)  # one at a time: a large file is never held twice, as lines
    header_at, header_line = next(((i, ln) for i, ln in lines if ln.strip()), (0, ""))
    if not is_tab_header(header_line):
        raise ImportFileError(
            path,
            f"not a Web of Science tab-delimited file: the first row should be the field tags "
            f"(PT, AU, TI, ...), found {header_line[:40]!r}",
            line=header_at + 1,
        )
    header = header_line.lstrip("\ufeff").split("\t")
    while header and not header[-1]:
        header.pop()
    width = len(header)
    sink = (sink or Sink()).expect(text.count("\n") - header_at)
    position = 0
    dbs: list[str | None] = []
    for i, ln in lines:
        if not ln.strip():
            continue
        if "\x00" in ln:
            raise ImportFileError(
                path, "NUL characters in this row: the file's encoding (UTF-16?) was not recognised; "
                "export it again as UTF-8", line=i + 1,
            )  # fmt: skip
        cells = ln.split("\t")
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise ImportFileError(
                path,
                f"this row has {len(cells)} fields but the header has {width} (a tab inside a field?)",
                line=i + 1,
            )
        if len(cells) < width:
            last = not any(rest.strip() for _, rest in lines)
            what = "the file may be truncated" if last else "a line break inside a field?"
            raise ImportFileError(
                path, f"this row has {len(cells)} fields but the header has {width} ({what})", line=i + 1
            )
        fields = []
        for tag, value in zip(header, cells, strict=False):
            value = value.strip()
            if not value:
                continue
            if tag in _LISTS:
                fields.append([tag, *(v.strip() for v in value.split(";"))])
            else:
                fields.append([tag, value])
        position += 1
        rec, db = _record(fields, position, i + 1, ln)
        sink.add(rec)
        dbs.append(db)
    if position == 0:
        raise ImportFileError(path, "no records below the header row", line=header_at + 1)
    return sink.finish(most_common(dbs), _platform(dbs))


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(0-based line number, line) for each line of ``text``, without splitting it all at once."""
    pos = 0
    i = 0
    n = len(text)
    while pos < n:
        end = text.find("\n", pos)
        end = n if end < 0 else end
        yield i, text[pos:end]
        pos = end + 1
        i += 1


def _record(fields: list[list[str]], position: int, line: int, raw: str) -> tuple[BibRecord, str | None]:
    # Multi-line values keep one item per physical line: authors are one per line,
    # other fields are wrapped text to be joined with spaces.
    f: dict[str, list[str]] = {}
    for tag, *values in fields:
        f.setdefault(tag, []).extend(v for v in values if v)

    def text(tag: str) -> str | None:
        v = f.get(tag)
        return " ".join(v) if v else None

    start, end = _pages(text)
    kws = split_keywords(text("DE")) + split_keywords(text("ID")) + split_keywords(text("MH"))
    ut = strip_or_none(text("UT"))
    database, pmid = _database_pmid(ut, text("PM"))
    doctype = text("DT")
    journal, abbrev = journal_pair(clean_text(text("SO")), clean_text(text("JI") or text("J9")))
    rec = BibRecord(
        position=position,
        title=clean_text(text("TI")),
        authors=authors(f.get("AF") or f.get("AU")),
        year=extract_year(text("PY") or text("EY") or text("PD")),
        journal=journal,
        journal_abbrev=abbrev,
        volume=clean_text(text("VL")),
        issue=clean_text(text("IS")),
        start_page=start,
        end_page=end,
        doi=normalise_doi(text("DI")),
        pmid=pmid,
        issn=normalise_issn(text("SN") or text("EI")),
        abstract=clean_text(text("AB")),
        keywords=keywords(kws),
        language=normalise_language(text("LA")),
        # "Article; Early Access", "Journal Article; Research Support, ...": the first is the type.
        publication_type=clean_text(doctype.split(";")[0]) if doctype else _PT.get(text("PT") or ""),
        url=None,
        source_id=ut,
        line=line,
        raw=raw,
        database=database,
    )
    return rec, database


def _pages(text: Callable[[str], str | None]) -> tuple[str | None, str | None]:
    """First and last page: ``BP``-``EP``, else the page span (``PS``), else the article number (``AR``)."""
    start, end = expand_pages(f"{text('BP')}-{text('EP')}" if text("BP") and text("EP") else text("BP"))
    if start is None and text("PS"):  # CAB Abstracts and other collections: page span "170" or "82-90"
        start, end = expand_pages(text("PS"))
    if start is None and text("AR"):
        ar = text("AR") or ""
        start, end = expand_pages(ar[5:] if ar.startswith("UNSP ") else ar)
    return start, end


def _database_pmid(ut: str | None, pm: str | None) -> tuple[str, str | None]:
    """The Web of Science database the ``UT`` prefix names, and the PMID."""
    prefix = ut.split(":", 1)[0].upper() if ut and ":" in ut else None
    database = _UT_DATABASES.get(prefix, "Web of Science") if prefix else "Web of Science"
    pmid = normalise_pmid(pm)
    if pmid is None and prefix == "MEDLINE":  # MEDLINE on Web of Science: the accession number is the PMID
        pmid = normalise_pmid(ut.split(":", 1)[1] if ut else None)
    return database, pmid


def _platform(dbs: list[str | None]) -> str | None:
    """Web of Science is the platform when a record comes from another of its collections
    (MEDLINE, BIOSIS, ...); for the Core Collection alone it is the database itself."""
    return "Web of Science" if any(db != "Web of Science" for db in dbs) else None
