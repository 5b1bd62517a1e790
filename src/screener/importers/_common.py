"""Types and helpers shared by the format modules: errors, results, decoding, fields."""

from __future__ import annotations

import gzip
import logging
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from screener.core.models import Author, BibRecord
from screener.core.normalise import all_clean, clean_text, parse_author

log = logging.getLogger("screener.importers")

Progress = Callable[[int, int], None]

#: What an ``XMLPullParser`` asked for start and/or end events yields. Typeshed's type also
#: allows the shapes of the namespace events, which the readers never ask for.
XmlEvents = Iterator[tuple[str, ET.Element]]

#: How often (in entries) the progress callback is called while parsing.
PROGRESS_EVERY = 1000


class ImportFileError(Exception):
    """A file cannot be imported; ``str(e)`` is one line naming the file and the place.

    The message is written for the person who exported the file: it says where
    (``path:line:`` or ``path: entry n:``) and what is wrong, without a traceback.
    """

    def __init__(self, path: Path | str, message: str, *, line: int | None = None, entry: int | None = None):
        self.path = Path(path)
        self.line = line
        self.entry = entry
        # One line, whatever the message holds; inner spacing ("'ER  -'") is kept.
        self.message = " ".join(str(message).splitlines()).strip()
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}: {self.message}"
        if self.entry is not None:
            return f"{self.path}: entry {self.entry}: {self.message}"
        return f"{self.path}: {self.message}"

    def __reduce__(self):  # keep the exception picklable despite the keyword-only init
        return (_rebuild_error, (str(self.path), self.message, self.line, self.entry))


def _rebuild_error(path: str, message: str, line: int | None, entry: int | None) -> ImportFileError:
    return ImportFileError(path, message, line=line, entry=entry)


@dataclass(frozen=True)
class Unusable:
    """An entry that was read but has neither a title nor any identifier."""

    position: int
    line: int | None
    reason: str


@dataclass
class ParsedFile:
    """Everything read from one file: its records, the unusable entries and provenance.

    ``count`` is the number of usable records; ``records`` holds them, unless they were
    handed on in batches as they were read (see :class:`Sink`), when it is empty.
    ``databases`` counts the usable records by the database each names itself (see
    :attr:`BibRecord.database`); records naming none are not counted there.
    """

    path: Path
    format: str
    database: str | None
    platform: str | None
    encoding: str
    sha256: str
    records: list[BibRecord]
    unusable: list[Unusable]
    count: int = 0
    databases: dict[str, int] = field(default_factory=dict)
    #: What reading the file repaired, one line each (lines decoded on their own, NULs removed).
    notes: tuple[str, ...] = ()


UNUSABLE_REASON = "no title and no identifier (DOI, PMID or record id)"


@dataclass
class Collected:
    """What a format parser hands back to :func:`screener.importers.read_file`."""

    records: list[BibRecord] = field(default_factory=list)
    unusable: list[Unusable] = field(default_factory=list)
    database: str | None = None
    platform: str | None = None
    count: int = 0
    databases: Counter[str] = field(default_factory=Counter)


#: Records per batch handed to a :class:`Sink`'s ``on_batch``.
BATCH_SIZE = 2000


class Sink:
    """Receives the records a format parser reads, and reports progress now and then.

    Usable records are kept in :attr:`Collected.records`, or, with ``on_batch``, handed
    on in batches of :data:`BATCH_SIZE` as they are read and not kept: an import then
    stores them while the rest of the file is still being read, and a large file never
    has all of its records in memory at once. Unusable entries are always kept.
    """

    __slots__ = ("_batch", "_databases", "_unusable", "count", "on_batch", "out", "progress", "total")

    def __init__(
        self,
        progress: Progress | None = None,
        on_batch: Callable[[list[BibRecord]], None] | None = None,
    ):
        self.out = Collected()
        self._batch = self.out.records
        self._unusable = self.out.unusable
        self._databases = self.out.databases
        self.progress = progress
        self.on_batch = on_batch
        self.total = 0
        self.count = 0

    def expect(self, total: int) -> Sink:
        """Set the number of entries the parser expects (for progress); returns self."""
        self.total = total
        return self

    def add(self, rec: BibRecord) -> None:
        if rec.title or rec.doi or rec.pmid or rec.source_id or rec.pmcid:
            self._batch.append(rec)
            self.count += 1
            if rec.database is not None:
                self._databases[rec.database] += 1
            if self.on_batch is not None and len(self._batch) >= BATCH_SIZE:
                self.on_batch(self._batch)
                self._batch = []
        else:
            self._unusable.append(Unusable(rec.position, rec.line, UNUSABLE_REASON))
        if self.progress is not None and rec.position % PROGRESS_EVERY == 0:
            self.progress(rec.position, max(self.total, rec.position))

    def finish(self, database: str | None = None, platform: str | None = None) -> Collected:
        done = self.count + len(self._unusable)
        if self.on_batch is not None:
            if self._batch:
                self.on_batch(self._batch)
            self._batch = self.out.records = []  # handed on, not kept
        if self.progress is not None:
            self.progress(done, done)
        if database is None and self._databases:
            database = self._databases.most_common(1)[0][0]
        self.out.database = database
        self.out.platform = platform
        self.out.count = self.count
        return self.out


def most_common(values: Iterable[str | None]) -> str | None:
    """The most frequent non-empty value (first seen wins ties), or None."""
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else None


def normalise_newlines(text: str) -> str:
    """Turn CRLF and lone CR line ends into LF (line numbers then count LFs only)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


GZIP_MAGIC = b"\x1f\x8b"


def open_binary(path: Path) -> BinaryIO:
    """Open a file for reading bytes, through :mod:`gzip` when it starts with gzip's magic bytes."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == GZIP_MAGIC else path.open("rb")  # type: ignore[return-value]


# --- field helpers --------------------------------------------------------------------


#: What databases write where a record has no author (Scopus, Web of Science).
NO_AUTHOR = frozenset({"[no author name available]", "[anonymous]", "anonymous", "[no authors listed]"})


@lru_cache(maxsize=1 << 16)
def author(raw: str) -> Author | None:
    """Clean and parse one author name; cached because names repeat across records."""
    if raw.strip().lower() in NO_AUTHOR:
        return None
    return parse_author(clean_text(raw))


def authors(raws: Iterable[str] | None, parse: Callable[[str], Author | None] = author) -> tuple[Author, ...]:
    """Parse a list of author names (with :func:`author` unless told), dropping empties."""
    if not raws:
        return ()
    out = []
    for raw in raws:
        a = parse(raw)
        if a is not None:
            out.append(a)
    return tuple(out)


# "Carhart-Harris RL": a family name and initials, as in a Vancouver-style author list.
_VANCOUVER_NAME = re.compile(r"[^\W\d_][\w'\u2019.\- ]*? [A-Z]{1,4}")


def split_name_list(raws: list[str] | None) -> list[str] | None:
    """Split a lone author value that is a whole list ("Koukkou M, Lehmann D").

    Cochrane CENTRAL (also via Ovid) writes every author of a record on one line; a
    single "Family, Given" name is left alone (its first part has no initials).
    """
    if not raws or len(raws) != 1 or ", " not in raws[0]:
        return raws
    parts = [p.strip() for p in raws[0].split(",")]
    if all(_VANCOUVER_NAME.fullmatch(p) for p in parts if p):
        return [p for p in parts if p]
    return raws


def keywords(raws: Iterable[str] | None) -> tuple[str, ...]:
    """Clean keywords, dropping empties and exact repeats (order kept)."""
    if not raws:
        return ()
    if not isinstance(raws, list):
        raws = list(raws)
    if all_clean(raws):
        return tuple(dict.fromkeys(raws))
    seen: dict[str, None] = {}
    for raw in raws:
        k = clean_text(raw)
        if k:
            seen[k] = None
    return tuple(seen)


def clean_fields(
    values: list[str | None],
    clean: Callable[[str | None], str | None] = clean_text,
    is_clean: Callable[[list[str]], bool] = all_clean,
) -> list[str | None]:
    """The plain text fields of a record, cleaned (``values`` itself when all are clean already).

    Only files with markup, odd spacing or non-ASCII text pay for field-by-field cleaning:
    one check of all the present values is much cheaper than a ``clean`` call for each.
    """
    if is_clean([v for v in values if v]):
        return values
    return [clean(v) for v in values]


def journal_pair(journal: str | None, abbrev: str | None) -> tuple[str | None, str | None]:
    """Order a (journal, abbreviation) pair: the longer is the journal, a copy is dropped.

    EndNote libraries filled from PubMed often hold the abbreviation as "full title"
    and the full title as "abbreviation".
    """
    if journal and abbrev:
        if abbrev == journal:
            return journal, None
        if len(abbrev) > len(journal):
            return abbrev, journal
    return journal, abbrev


def strip_or_none(text: str | None) -> str | None:
    """Whitespace-collapsed text, or None when empty (for volume, issue, ids)."""
    if not text:
        return None
    text = " ".join(text.split())
    return text or None
