"""Importing a database export into a review: the one path the CLI, the TUI and the demo share.

Parsing happens completely before anything is written, and the source with all of its
records is then stored in one transaction, so a malformed file leaves nothing behind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from screener.core.models import BibRecord, Source, SourceKind
from screener.importers import ImportFileError, ParsedFile, read_file
from screener.store import SourceInput, Store, StoreError

SUMMARY_FIELDS = ("title", "authors", "year", "journal", "doi", "pmid", "abstract", "volume", "start_page")


class AlreadyImported(StoreError):
    """The same file (same sha256) was imported before."""


@dataclass(frozen=True)
class ImportOptions:
    """What the user said about a file (all optional)."""

    source: str | None = None
    kind: SourceKind = SourceKind.DATABASE
    platform: str | None = None
    searched: str | None = None
    query: str | None = None
    format: str | None = None
    id_column: str | None = None
    columns: Mapping[str, str] | None = None
    skip_unusable: bool = False
    force: bool = False


@dataclass
class ImportSummary:
    """What an import stored, for the end-of-import report."""

    source: Source
    parsed: ParsedFile
    skipped: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    missing: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        p, s = self.parsed, self.source
        out = [f"{p.path.name}: {s.record_count} records from {s.name} ({p.format}, {p.encoding}) "
               f"stored as source {s.id}"]
        if self.skipped:
            out.append(f"  skipped {self.skipped} unusable entries (no title and no identifier)")
        if self.by_type:
            out.append("  types: " + ", ".join(f"{k} {v}" for k, v in self.by_type.most_common()))
        gaps = [f"{k} {v}" for k, v in self.missing.items() if v]
        if gaps:
            out.append("  missing: " + ", ".join(gaps))
        return out


def _missing(records: list[BibRecord]) -> dict[str, int]:
    counts = {}
    for name in SUMMARY_FIELDS:
        counts[name] = sum(1 for r in records if not getattr(r, name))
    return counts


def parse(path: Path, options: ImportOptions,
          progress: Callable[[int, int], None] | None = None) -> ParsedFile:
    """Read and check a file without touching the review."""
    return read_file(path, format=options.format, id_column=options.id_column, columns=options.columns,
                     progress=progress)


def import_file(store: Store, path: Path, options: ImportOptions,
                progress: Callable[[int, int], None] | None = None,
                parsed: ParsedFile | None = None) -> ImportSummary:
    """Parse ``path`` and store it as one source, all or nothing.

    Raises:
        ImportFileError: the file is malformed, or has unusable entries and
            ``skip_unusable`` is off (the message names them).
        AlreadyImported: the same file was imported before and ``force`` is off.
        StoreError: the database refused the write.
    """
    parsed = parsed or parse(path, options, progress)
    earlier = store.source_by_sha256(parsed.sha256)
    if earlier and not options.force:
        raise AlreadyImported(
            f"{path}: already imported as source {earlier.id} ({earlier.name}, {earlier.file_name}, "
            f"{earlier.record_count} records, {earlier.imported_at:%Y-%m-%d %H:%M}); use --force to import it again"
        )
    if parsed.unusable and not options.skip_unusable:
        first = parsed.unusable[0]
        where = f"line {first.line}" if first.line else f"entry {first.position}"
        positions = ", ".join(str(u.position) for u in parsed.unusable[:10])
        more = " ..." if len(parsed.unusable) > 10 else ""
        raise ImportFileError(path, first.line,
                              f"{len(parsed.unusable)} unusable entries ({first.reason}; first at {where}; "
                              f"entries {positions}{more}); pass --skip-unusable to import the rest")
    name = options.source or parsed.database
    if not name:
        raise ImportFileError(path, None, "cannot tell which database this file came from: pass --source NAME")
    source = store.add_source(
        SourceInput(name=name, file_name=path.name, file_sha256=parsed.sha256, format=parsed.format,
                    kind=options.kind, platform=options.platform or parsed.platform,
                    searched_on=options.searched, query=options.query, encoding=parsed.encoding),
        parsed.records,
    )
    by_type = Counter((r.publication_type or "unknown") for r in parsed.records)
    return ImportSummary(source, parsed, len(parsed.unusable), by_type, _missing(parsed.records))
