"""Importing a database export into a review: the one path the CLI, the TUI and the demo share.

The records are stored while the file is being read (a writer thread inserts each batch
as the parser hands it over, staged: out of the review), and all of them, with their source,
are published in one short transaction at the end: a malformed entry anywhere in the file
deletes what was staged, so nothing is left behind.

A file from a multi-database search (Ovid's MEDLINE + Embase + CENTRAL in one export,
each record naming its database) is stored as one source per database, so that PRISMA's
"records identified from each database" and the methods paragraph name each database
with its own count. ``--source`` names a file of one database; in a file of several it
names only the records that name no database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from screener.core.models import BibRecord, Source, SourceKind
from screener.importers import (
    BATCH_SIZE,
    FileText,
    ImportFileError,
    ParsedFile,
    load_text,
    parse_text,
    read_file,
)
from screener.store import AlreadyImported, SourceInput, Store

SUMMARY_FIELDS = ("title", "authors", "year", "journal", "doi", "pmid", "abstract", "volume", "start_page")
WAITING = "waiting for another import (or another write) to finish; the review is locked …"


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
    sources: list[Source] = field(default_factory=list)
    """Every source the file became: one, or one per database of a multi-database file."""
    note: str | None = None

    def lines(self) -> list[str]:
        p, s = self.parsed, self.source
        if len(self.sources) > 1:
            total = sum(x.record_count for x in self.sources)
            each = ", ".join(f"{x.name} {x.record_count} (source {x.id})" for x in self.sources)
            out = [
                f"{p.path.name}: {total} records from {len(self.sources)} databases "
                f"({p.format}, {p.encoding}): {each}"
            ]
        else:
            out = [
                f"{p.path.name}: {s.record_count} records from {s.name} ({p.format}, {p.encoding}) "
                f"stored as source {s.id}"
            ]
        out += [f"  {note}" for note in p.notes]
        if self.skipped:
            out.append(f"  skipped {self.skipped} unusable entries (no title and no identifier)")
        if self.by_type:
            out.append("  types: " + ", ".join(f"{k} {v}" for k, v in self.by_type.most_common()))
        gaps = [f"{k} {v}" for k, v in self.missing.items() if v]
        if gaps:
            out.append("  missing: " + ", ".join(gaps))
        if self.note:
            out.append(f"  {self.note}")
        return out


class UnknownDatabase(ImportFileError):
    """The file does not say which database it came from, and no name was given."""


class _Tally:
    """Records per type and missing fields, counted batch by batch (for the summary)."""

    def __init__(self) -> None:
        self.by_type: Counter[str] = Counter()
        self.missing = dict.fromkeys(SUMMARY_FIELDS, 0)

    def add(self, records: list[BibRecord]) -> None:
        self.by_type.update(r.publication_type or "unknown" for r in records)
        for name in SUMMARY_FIELDS:
            self.missing[name] += sum(1 for r in records if not getattr(r, name))


def parse(
    path: Path, options: ImportOptions, progress: Callable[[int, int], None] | None = None
) -> ParsedFile:
    """Read and check a file without touching the review."""
    return read_file(
        path, format=options.format, id_column=options.id_column, columns=options.columns, progress=progress
    )


def import_file(
    store: Store,
    path: Path,
    options: ImportOptions,
    progress: Callable[[int, int], None] | None = None,
    parsed: ParsedFile | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Read ``path`` (unless already ``parsed``) and store it as one source, all or nothing.

    Raises:
        ImportFileError: the file is malformed, or has unusable entries and
            ``skip_unusable`` is off (the message names them).
        UnknownDatabase: neither the file nor ``options.source`` names the database.
        AlreadyImported: the same file was imported before (or by another process while this
            one read it) and ``force`` is off.
        StoreError: the database refused the write.

    ``on_wait`` is told (once, from another thread) when the import waits for the write lock.
    """
    file: FileText | None = None
    read: FileText | ParsedFile
    if parsed is None:
        read = file = load_text(path, format=options.format)
    else:
        read = parsed
    if not options.force:
        _refuse_again(store, path, read.sha256)
    try:
        return _store_file(store, path, options, read, file, parsed, progress, on_wait)
    except AlreadyImported:  # the database's unique index: another process stored it meanwhile
        if not options.force:
            _refuse_again(store, path, read.sha256)
        raise


def _refuse_again(store: Store, path: Path, sha256: str) -> None:
    earlier = store.source_by_sha256(sha256)
    if earlier:
        raise AlreadyImported(
            f"{path}: already imported as source {earlier.id} ({earlier.name}, {earlier.file_name}, "
            f"{earlier.record_count} records, {earlier.imported_at:%Y-%m-%d %H:%M}); "
            "use --force to import it again"
        )


def _store_file(
    store: Store,
    path: Path,
    options: ImportOptions,
    read: FileText | ParsedFile,
    file: FileText | None,
    parsed: ParsedFile | None,
    progress: Callable[[int, int], None] | None,
    on_wait: Callable[[str], None] | None,
) -> ImportSummary:
    tally = _Tally()
    source = SourceInput(
        name=options.source or "",
        file_name=path.name,
        file_sha256=read.sha256,
        format=read.format,
        kind=options.kind,
        platform=options.platform,
        searched_on=options.searched,
        query=options.query,
        encoding=read.encoding,
        again=options.force,
    )
    waiting = (lambda: on_wait(f"{path.name}: {WAITING}")) if on_wait else None
    with store.import_source(source, on_wait=waiting) as writer:

        def store_batch(records: list[BibRecord]) -> None:
            tally.add(records)
            writer.add(records)

        if file is not None:
            parsed = parse_text(
                file,
                id_column=options.id_column,
                columns=options.columns,
                progress=progress,
                on_batch=store_batch,
            )
            del file  # the text is no longer needed while the commit runs
        else:
            assert parsed is not None
            total = len(parsed.records)
            for i in range(0, total, BATCH_SIZE):
                store_batch(parsed.records[i : i + BATCH_SIZE])
                if progress is not None:
                    progress(min(i + BATCH_SIZE, total), total)
        _check_unusable(path, parsed, options)
        unnamed = parsed.count - sum(parsed.databases.values())  # records naming no database
        if len(parsed.databases) > 1:  # several databases: --source names only the records naming none
            name = options.source
            if unnamed and not name:
                raise UnknownDatabase(
                    path,
                    f"the file holds records of {', '.join(parsed.databases)} and "
                    f"{unnamed} naming no database: pass --source NAME for those",
                )
        else:
            name = options.source or parsed.database
            if not name:
                raise UnknownDatabase(
                    path, "cannot tell which database this file came from: pass --source NAME"
                )
        writer.commit(name or "", options.platform or parsed.platform)
        sources = [store.source(sid) for sid in writer.source_ids]
    note = None
    if len(parsed.databases) > 1 and options.source and not unnamed:
        note = f"--source {options.source} not used: every record names its database"
    return ImportSummary(
        sources[0], parsed, len(parsed.unusable), tally.by_type, tally.missing, sources, note
    )


def _check_unusable(path: Path, parsed: ParsedFile, options: ImportOptions) -> None:
    if parsed.unusable and not options.skip_unusable:
        first = parsed.unusable[0]
        where = f"line {first.line}" if first.line else f"entry {first.position}"
        positions = ", ".join(str(u.position) for u in parsed.unusable[:10])
        more = " ..." if len(parsed.unusable) > 10 else ""
        raise ImportFileError(
            path,
            f"{len(parsed.unusable)} unusable entries ({first.reason}; first at {where}; "
            f"entries {positions}{more}); pass --skip-unusable to import the rest",
            line=first.line,
        )
