"""Readers for database exports: one module per format, one entry point.

:func:`read_file` reads the bytes, works out the encoding and (unless told) the format
from the content, and hands the text to the format's module. Every problem that makes
a file unreadable is an :class:`ImportFileError` whose message names the file and the
line; entries that are readable but have neither a title nor an identifier are listed
in :attr:`ParsedFile.unusable` rather than raised.
"""

from __future__ import annotations

import csv
import gc
import gzip
import hashlib
import logging
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Protocol

from screener.core.models import BibRecord
from screener.core.reference_types import FORMATS
from screener.importers import bibtex, delimited, endnote_xml, ovid, pubmed, pubmed_xml, refer, ris, wos
from screener.importers._common import (
    BATCH_SIZE,
    GZIP_MAGIC,
    Collected,
    ImportFileError,
    ParsedFile,
    Sink,
    Unusable,
    normalise_newlines,
    open_binary,
)
from screener.importers._encoding import decode_file

__all__ = [
    "BATCH_SIZE", "FORMATS", "FileText", "ImportFileError", "ParsedFile", "Unusable", "detect_format",
    "load_text", "parse_text", "read_file",
]  # fmt: skip

log = logging.getLogger("screener.importers")

_EXTENSIONS = {
    ".ris": "ris", ".nbib": "pubmed", ".medline": "pubmed", ".bib": "bibtex", ".bibtex": "bibtex",
    ".xml": "endnote-xml", ".enw": "refer", ".ciw": "wos", ".csv": "csv", ".tsv": "csv", ".tab": "csv",
}  # fmt: skip
_NAMES = {
    "pubmed": "PubMed/MEDLINE", "pubmed-xml": "PubMed XML", "ris": "RIS", "ovid": "Ovid",
    "refer": "EndNote/Refer tagged", "refworks": "RefWorks tagged", "bibtex": "BibTeX",
    "endnote-xml": "EndNote XML", "wos": "Web of Science", "wos-tab": "Web of Science tab-delimited",
    "csv": "CSV/TSV",
}  # fmt: skip

_MARKERS = (
    ("ris", re.compile(r"TY[ \t]{1,3}-(?:[ \t]|$)")),
    ("pubmed", re.compile(r"PMID ?- ?\d")),
    ("wos", re.compile(r"(?:FN (?:Clarivate|Thomson|ISI)|VR \d|PT [A-Z]\s*$)")),
    ("bibtex", re.compile(r"\s*@\s*[A-Za-z]+\s*[{(]")),
    ("refer", re.compile(r"%[0-9A-Z@!#$&()*+^~><?\[\]|=] \S")),
    ("refworks", re.compile(r"RT [A-Z]")),
)
_SCAN_LINES = 500


def _looks_like_csv(lines: list[str]) -> bool:
    header = lines[0]
    delimiter = delimited.sniff_delimiter(header)
    if delimiter not in header:
        return False
    try:
        rows = list(csv.reader((ln + "\n" for ln in lines[:50]), delimiter=delimiter))
    except csv.Error:
        return False
    rows = [r for r in rows if r]
    width = len(rows[0])
    if width < 2:
        return False
    # The last sampled row may be cut off in the middle of a quoted field. Rows may have a
    # few fields more than the header (a trailing delimiter; Scopus' extra funding texts).
    widths = [len(r) for r in (rows[1:-1] if len(rows) > 2 else rows[1:])]
    return all(width <= w <= width + 5 for w in widths)


def detect_format(text: str, path: Path) -> str:
    """Work out a file's format from its content; the extension only breaks ties.

    Args:
        text: the decoded file.
        path: its name (for the extension and for messages).

    Returns:
        One of :data:`FORMATS`.

    Raises:
        ImportFileError: the file is empty or in no format this program reads.
    """
    path = Path(path)
    head = text[:200_000].lstrip("\ufeff")
    stripped = head.lstrip()
    if not stripped:
        raise ImportFileError(path, "the file is empty")
    ext = _EXTENSIONS.get(path.suffix.lower())
    if stripped.startswith("<"):
        xml = _xml_format(head[:5000], ext, path)
        if xml is not None:
            return xml
    lines = [ln for ln in head.split("\n")[: _SCAN_LINES * 4] if ln.strip()][:_SCAN_LINES]
    lines = [ln.rstrip("\r") for ln in lines]
    found = _line_format(lines) or _marked_format(lines, ext) or ext
    if found is not None:
        return found
    preview = lines[0].strip()[:60]
    raise ImportFileError(
        path,
        "not a reference file this program reads (RIS, PubMed/MEDLINE, PubMed XML, Ovid, EndNote/Refer, "
        "RefWorks, BibTeX, EndNote XML, Web of Science (tagged or tab-delimited) or CSV/TSV); "
        f"it starts with {preview!r}",
        line=1,
    )


def _xml_format(probe: str, ext: str | None, path: Path) -> str | None:
    """The format of a file that starts with ``<``, from its first 5,000 characters (None: not XML)."""
    if "<record" in probe or "<records" in probe or "<xml>" in probe:
        return "endnote-xml"
    if pubmed_xml.root_tag(probe.encode("utf-8", "replace")) in pubmed_xml.ROOTS:
        return "pubmed-xml"
    if re.search(r"<(?:!doctype\s+)?html", probe, re.IGNORECASE):
        raise ImportFileError(path, "this is a web page (HTML), not an exported reference file")
    if ext == "endnote-xml" or "<?xml" in probe[:100]:
        return "endnote-xml"
    return None


def _line_format(lines: list[str]) -> str | None:
    """The format the first line marks, or that the first lines' layout shows."""
    first = lines[0]
    for fmt, marker in _MARKERS:
        if marker.match(first):
            return fmt
    if wos.is_tab_header(first):
        return "wos-tab"
    if ovid.looks_like_ovid(lines):  # before CSV: a search history may open the file
        return "ovid"
    if _looks_like_csv(lines):
        return "csv"
    return None


def _marked_format(lines: list[str], ext: str | None) -> str | None:
    """The format marked on the first line that any marker matches: a preamble before the
    first entry (some exports add a title or search summary). The extension breaks ties."""
    for ln in lines:
        found = [fmt for fmt, marker in _MARKERS if marker.match(ln)]
        if found:
            return ext if ext in found else found[0]
    return None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is parsed.

    Parsing allocates a few containers per field and creates no reference cycles, so
    the collector's passes over the growing list of records are pure overhead (about
    5% of a large RIS import). It is switched back on afterwards, also on errors.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _TextParser(Protocol):
    def __call__(self, text: str, path: Path, *, sink: Sink | None = None) -> Collected: ...


#: The reader of each format that reads the decoded text and nothing else.
_TEXT_PARSERS: dict[str, _TextParser] = {
    "ris": ris.parse,
    "pubmed": pubmed.parse,
    "bibtex": bibtex.parse,
    "endnote-xml": endnote_xml.parse,
    "wos": wos.parse,
    "wos-tab": wos.parse_tab,
    "ovid": ovid.parse,
    "refer": refer.parse_refer,
    "refworks": refer.parse_refworks,
}


def _parse(
    format: str,
    text: str,
    path: Path,
    sink: Sink,
    id_column: str | None,
    columns: Mapping[str, str] | None,
) -> Collected:
    if format == "pubmed-xml":  # read from disk in chunks: the file's text is never held whole
        return pubmed_xml.parse_file(path, sink=sink)
    parser = _TEXT_PARSERS.get(format)
    if parser is not None:
        return parser(text, path, sink=sink)
    return delimited.parse(text, path, sink=sink, id_column=id_column, columns=columns)


_HEAD_BYTES = 1 << 16


def _is_pubmed_xml(head: bytes) -> bool:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped.startswith(b"<") and pubmed_xml.root_tag(stripped) in pubmed_xml.ROOTS


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileText:
    """A file read and decoded, its format known, not yet parsed (see :func:`load_text`).

    A PubMed XML file is read from disk while it is parsed, so its ``text`` is empty.
    """

    path: Path
    format: str
    encoding: str
    sha256: str
    text: str
    notes: tuple[str, ...] = ()


def load_text(path: Path | str, *, format: str | None = None) -> FileText:
    """Read a file, work out its encoding and (unless given) its format.

    Raises:
        ImportFileError: the file cannot be read, is empty, or is in no known format.
    """
    path = Path(path)
    try:
        with open_binary(path) as fh:
            head = fh.read(_HEAD_BYTES)
        if format == "pubmed-xml" or (format is None and _is_pubmed_xml(head)):
            return FileText(path, "pubmed-xml", pubmed_xml.declared_encoding(head), _sha256(path), "")
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        if data[:2] == GZIP_MAGIC:
            data = gzip.decompress(data)
    except OSError as exc:
        raise ImportFileError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    except (EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise ImportFileError(path, f"the compressed (gzip) file is damaged or cut off: {exc}") from exc
    decoded = decode_file(data, path)
    del data  # a large export is held once, as text
    text, encoding = decoded.text, decoded.encoding
    notes = _decoding_notes(decoded.repaired, decoded.repaired_as)
    del decoded
    text, nuls = _strip_nuls(text)
    if nuls:
        notes.append(f"removed {nuls:,} NUL {'byte' if nuls == 1 else 'bytes'}")
    text = normalise_newlines(text)
    if not text or text.isspace():
        raise ImportFileError(path, "the file is empty")
    if format is None:
        format = detect_format(text, path)
    elif format not in FORMATS:
        raise ImportFileError(path, f"unknown format {format!r} (known: {', '.join(FORMATS)})")
    return FileText(path, format, encoding, sha256, text, tuple(notes))


#: The longest value a field may hold; longer ones are refused, naming the entry. An
#: identifier this long is a broken export (a field that swallowed the lines after it),
#: and PostgreSQL cannot index a value over about 2,700 bytes (DOI and PMID are indexed).
_SHORT_FIELDS = (
    "doi",
    "pmid",
    "pmcid",
    "issn",
    "volume",
    "issue",
    "start_page",
    "end_page",
    "source_id",
    "language",
    "publication_type",
)
_FIELD_LIMITS = (
    (attrgetter(*_SHORT_FIELDS), _SHORT_FIELDS, 1_000),
    (attrgetter("title", "journal", "journal_abbrev"), ("title", "journal", "journal_abbrev"), 20_000),
    (attrgetter("abstract", "url"), ("abstract", "url"), 1_000_000),
)
_FIELD_NAMES = {
    "doi": "DOI",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "issn": "ISSN",
    "source_id": "record id",
    "start_page": "first page",
    "end_page": "last page",
    "journal_abbrev": "journal abbreviation",
    "publication_type": "publication type",
    "url": "URL",
}


def check_lengths(path: Path, records: list[BibRecord]) -> None:
    """Refuse a record with an over-long field (see ``_FIELD_LIMITS``), naming its entry and line.

    Raises:
        ImportFileError: the first such field.
    """
    for get, names, limit in _FIELD_LIMITS:
        for r in records:
            values = get(r)
            if any(v is not None and len(v) > limit for v in values):
                name, value = next((n, v) for n, v in zip(names, values, strict=True) if v and len(v) > limit)
                what = _FIELD_NAMES.get(name, name)
                raise ImportFileError(
                    path,
                    f"entry {r.position}: its {what} is {len(value):,} characters long (at most {limit:,}): "
                    "the export looks broken there; fix or export it again",
                    line=r.line,
                )


def _strip_nuls(text: str) -> tuple[str, int]:
    """Remove stray NUL characters: no database stores them (PostgreSQL refuses them), no export means them.

    A line that is a quarter NULs or more is text in another encoding (a UTF-16 export
    appended to a UTF-8 one): it is left for the reader to name.
    """
    if "\x00" not in text:
        return text, 0
    lines = text.split("\n")
    removed = 0
    for i, line in enumerate(lines):
        n = line.count("\x00")
        if n and n * 4 < len(line):
            lines[i] = line.replace("\x00", "")
            removed += n
    return ("\n".join(lines), removed) if removed else (text, 0)


def _decoding_notes(repaired: list[int], codec: str | None) -> list[str]:
    if not repaired:
        return []
    shown = ", ".join(map(str, repaired[:10])) + (" ..." if len(repaired) > 10 else "")
    lines, were = ("line", "was") if len(repaired) == 1 else ("lines", "were")
    return [f"repaired {len(repaired):,} {lines} that {were} not UTF-8 (read as {codec}): {lines} {shown}"]


def parse_text(
    file: FileText,
    *,
    id_column: str | None = None,
    columns: Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_batch: Callable[[list[BibRecord]], None] | None = None,
) -> ParsedFile:
    """Parse a loaded file into normalised records.

    Args:
        file: from :func:`load_text`.
        id_column: CSV only: the column holding each record's own id.
        columns: CSV only: our field name (title, authors, year, journal, doi, ...) ->
            header name, overriding the guessed columns.
        progress: called as ``progress(entries_done, entries_total)`` while reading.
        on_batch: when given, receives the records in batches as they are read, and
            the result's ``records`` is empty (its ``count`` says how many there were).

    Raises:
        ImportFileError: a malformed entry (the message names the line).
    """
    path = file.path
    if file.format != "csv" and (columns or id_column):
        log.warning("%s: column options only apply to CSV files; ignored for %s", path, _NAMES[file.format])
    checked = None
    if on_batch is not None:

        def checked(batch: list[BibRecord]) -> None:
            check_lengths(path, batch)
            on_batch(batch)

    with _gc_paused():
        result = _parse(file.format, file.text, path, Sink(progress, checked), id_column, columns)
    check_lengths(path, result.records)
    if result.unusable:
        log.info("%s: %d entries have neither a title nor an identifier", path, len(result.unusable))
    return ParsedFile(
        path=path,
        format=file.format,
        database=result.database,
        platform=result.platform,
        encoding=file.encoding,
        sha256=file.sha256,
        records=result.records,
        unusable=result.unusable,
        count=result.count,
        databases=dict(result.databases),
        notes=file.notes,
    )


def read_file(
    path: Path | str,
    *,
    format: str | None = None,
    id_column: str | None = None,
    columns: Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ParsedFile:
    """Read one exported reference file into normalised records.

    Args:
        path: the file.
        format: one of :data:`FORMATS`; detected from the content when None.
        id_column, columns, progress: as for :func:`parse_text`.

    Returns:
        The records, the unusable entries, and the file's format, encoding, SHA-256
        and database/platform guess.

    Raises:
        ImportFileError: the file cannot be read, is empty, is in no known format, or
            has a malformed entry (the message names the line).
    """
    return parse_text(load_text(path, format=format), id_column=id_column, columns=columns, progress=progress)
