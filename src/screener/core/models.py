"""Plain domain objects shared by every layer.

These are frozen dataclasses: the store hands them out, importers and the dedup core
produce and consume them, and the TUI displays them. None of them is tied to a
database session.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class NamedStrEnum(enum.StrEnum):
    """A ``str`` enum whose ``str()`` and ``format()`` name the member ("Stage.FULL_TEXT").

    The value (``.value``, JSON, comparisons with text, hashing) is the plain string, as
    with ``enum.StrEnum``; but these enums began as ``(str, Enum)``, whose ``str()`` and
    f-strings give the member's name, and keeping that keeps every text they produce.
    """

    __str__ = enum.Enum.__str__
    __format__ = enum.Enum.__format__


class Stage(NamedStrEnum):
    """A screening stage. The value is what users type and what the database stores."""

    TITLE_ABSTRACT = "title-abstract"
    FULL_TEXT = "full-text"

    @property
    def label(self) -> str:
        return {"title-abstract": "Title/abstract", "full-text": "Full text"}[self.value]


class Verdict(NamedStrEnum):
    """A reviewer's decision on a record at a stage.

    ``RETRACTED`` is appended by "undo": the history keeps the earlier decision and the
    reviewer's current state becomes "undecided".
    """

    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"
    RETRACTED = "retracted"


class SourceKind(NamedStrEnum):
    """Which PRISMA 2020 arm a source counts in."""

    DATABASE = "database"
    REGISTER = "register"
    WEBSITE = "website"
    ORGANISATION = "organisation"
    CITATION = "citation"


@dataclass(frozen=True, slots=True)
class Author:
    """One author as family name and given names (or initials); ``given`` may be empty."""

    family: str
    given: str = ""

    def __str__(self) -> str:
        return f"{self.family}, {self.given}" if self.given else self.family


@dataclass(frozen=True, slots=True)
class BibRecord:
    """A normalised bibliographic record as an importer produces it.

    Every text field is NFC Unicode with markup removed; absent values are ``None`` (or
    empty tuples). ``position`` is the 1-based entry number in its file, ``line`` the
    1-based line on which the entry starts (for error messages), ``source_id`` the
    record's own identifier in its source (RIS ID/AN, BibTeX key, PMID, EndNote
    rec-number, a CSV id column), and ``raw`` the entry as it stood in the file.
    ``database`` is the database the entry itself names (Ovid's ``DB`` or ``D=`` code,
    RIS ``DB``): a file from a multi-database search is stored as one source per database.
    """

    position: int
    title: str | None = None
    authors: tuple[Author, ...] = ()
    year: int | None = None
    journal: str | None = None
    journal_abbrev: str | None = None
    volume: str | None = None
    issue: str | None = None
    start_page: str | None = None
    end_page: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    issn: str | None = None
    abstract: str | None = None
    keywords: tuple[str, ...] = ()
    language: str | None = None
    publication_type: str | None = None
    url: str | None = None
    source_id: str | None = None
    line: int | None = None
    raw: str = ""
    database: str | None = None

    @property
    def pages(self) -> str | None:
        if self.start_page and self.end_page and self.end_page != self.start_page:
            return f"{self.start_page}\u2013{self.end_page}"
        return self.start_page

    @property
    def first_author(self) -> str | None:
        return self.authors[0].family if self.authors else None


@dataclass(frozen=True, slots=True)
class Source:
    """One search of one database (or register, website, ...), i.e. one imported file."""

    id: int
    name: str
    kind: SourceKind
    file_name: str
    file_sha256: str
    record_count: int
    format: str
    platform: str | None = None
    searched_on: str | None = None
    query: str | None = None
    imported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as stored: its database id, its source, and the bibliographic fields."""

    id: int
    source_id: int
    bib: BibRecord


@dataclass(frozen=True, slots=True)
class Decision:
    """One row of the append-only decision log."""

    id: int
    record_id: int
    stage: Stage
    reviewer: str
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    note: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """One row of the append-only log of conflict resolutions."""

    id: int
    record_id: int
    stage: Stage
    verdict: Verdict
    resolved_by: str
    method: str
    reasons: tuple[str, ...] = ()
    note: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Retrieval:
    """The latest full-text retrieval state of a report (append-only history in the store)."""

    id: int
    record_id: int
    status: str  # "retrieved" | "not-retrieved"
    reason: str | None = None
    location: str | None = None
    by: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReviewerProgress:
    """How far one reviewer has got at one stage."""

    reviewer: str
    stage: Stage
    decided: int
    eligible: int
    by_verdict: dict[str, int] = field(default_factory=dict)
