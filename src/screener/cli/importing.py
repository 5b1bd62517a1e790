"""Commands that bring records in: import, and the sources they make (list, remove, restore)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from screener.cli.common import fail, open_review, progress_bar
from screener.cli.identity import prove
from screener.core.models import SourceKind
from screener.core.reference_types import FORMATS

if TYPE_CHECKING:
    from screener.store import Store
    from screener.workflows.importing import ImportOptions, ImportSummary


def _parse_columns(values: tuple[str, ...]) -> dict[str, str] | None:
    columns = {}
    for item in values:
        field, sep, header = item.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise fail(f"--column wants FIELD=HEADER (e.g. title=Article Title), got '{item}'")
        columns[field.strip()] = header.strip()
    return columns or None


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--source",
    help="Database name (PubMed, Embase, CINAHL, ...); read from the file if omitted. In a file "
    "of several databases it names only the records that name none.",
)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in SourceKind]),
    default="database",
    show_default=True,
    help="PRISMA arm: databases and registers, or other methods (website, organisation, citation).",
)
@click.option("--platform", help="Interface searched, e.g. Ovid, EBSCOhost.")
@click.option("--searched", metavar="DATE", help="Date the search was run (YYYY-MM-DD, YYYY-MM or YYYY).")
@click.option("--query", help="The search string.")
@click.option(
    "--query-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding the search string.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Force the format instead of detecting it.",
)
@click.option("--id-column", help="CSV column holding each record's own id.")
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FIELD=HEADER",
    help="Map a CSV header to a field (title, authors, year, journal, doi, abstract, ...). Repeatable.",
)
@click.option("--skip-unusable", is_flag=True, help="Skip entries with no title and no identifier.")
@click.option("--force", is_flag=True, help="Import a file even if the same file was imported before.")
@click.pass_context
def import_(
    ctx: click.Context,
    files: tuple[Path, ...],
    source: str | None,
    kind: str,
    platform: str | None,
    searched: str | None,
    query: str | None,
    query_file: Path | None,
    fmt: str | None,
    id_column: str | None,
    columns: tuple[str, ...],
    skip_unusable: bool,
    force: bool,
) -> None:
    """Import database exports, one source (search) per file and database, each file all-or-nothing.

    The format is read from the content (not the file name); gzipped files are unpacked.
    A file of several databases (an Ovid multi-file search, a Web of Science All Databases
    search) becomes one source per database.

    \b
    Formats, and how to export them:
      PubMed/MEDLINE (.nbib)  PubMed: Save > All results, Format PubMed > Create file
      PubMed XML (.xml, .gz)  E-utilities efetch.fcgi?db=pubmed&id=...&retmode=xml
                              (or legacy PubMed Send to > File > XML)
      RIS (.ris)              Embase.com, Scopus: Export > RIS; EBSCOhost (CINAHL):
                              Share > Export > Direct Export in RIS Format
      Ovid RIS (.ris)         Ovid: Export > Format RIS, Fields Complete Reference
                              (MEDLINE, Embase, PsycINFO, CENTRAL, ... per record)
      Ovid tagged (.txt)      Ovid: Export > Format EndNote, Citavi or Reference
                              Manager (or .txt: field-labelled), Complete Reference
      EndNote/Refer (.enw)    EndNote: File > Export, style Refer Export; Google
                              Scholar/CNKI: EndNote citation download
      RefWorks tagged (.txt)  RefWorks: Export > RefWorks Tagged Format
      BibTeX (.bib)           Scopus or Web of Science: Export > BibTeX
      EndNote XML (.xml)      EndNote: File > Export > Save as type XML
      WoS plain text (.txt)   Web of Science: Export > Plain text file, Full Record
      WoS tab-delimited       Web of Science: Export > Tab delimited file, Full Record
                              (Win or Mac, UTF-8 or UTF-16; any collection, MEDLINE)
      CSV/TSV (.csv, .tsv)    Scopus, Embase.com: Export > CSV; IEEE Xplore: Export >
                              Search Results > CSV; SpringerLink: Download search
                              results (CSV); any other with --column
    """
    from screener.core.dates import search_date
    from screener.importers import ImportFileError
    from screener.workflows.importing import ImportOptions, UnknownDatabase

    if query and query_file:
        raise fail("give --query or --query-file, not both")
    if searched is not None:
        try:
            searched = search_date(searched)
        except ValueError as exc:
            raise fail(f"--searched: {exc}") from None
    if query_file:
        query = query_file.read_text(encoding="utf-8-sig").strip()
    options = ImportOptions(
        source=source,
        kind=SourceKind(kind),
        platform=platform,
        searched=searched,
        query=query,
        format=fmt,
        id_column=id_column,
        columns=_parse_columns(columns),
        skip_unusable=skip_unusable,
        force=force,
    )
    with open_review(ctx) as store:
        for path in files:
            if not path.is_file():
                raise fail(f"{path}: no such file")
            try:
                try:
                    summary = _import_one(store, path, options)
                except UnknownDatabase as exc:
                    summary = _import_one(store, path, _ask_source(path, options, exc))
            except ImportFileError as exc:
                raise fail(str(exc)) from None
            for line in summary.lines():
                click.echo(line)


def _import_one(store: Store, path: Path, options: ImportOptions) -> ImportSummary:
    from screener.workflows.importing import import_file

    with progress_bar(f"importing {path.name}", path.stat().st_size > 2_000_000) as progress:
        return import_file(
            store, path, options, progress, on_wait=lambda message: click.echo(message, err=True)
        )


def _ask_source(path: Path, options: ImportOptions, exc: Exception) -> ImportOptions:
    from dataclasses import replace

    if not sys.stdin.isatty():
        raise fail(str(exc))
    name = click.prompt(f"{path.name}: which database did this come from (e.g. PubMed, Embase, CINAHL)?")
    return replace(options, source=name.strip())


@click.group()
def source() -> None:
    """The review's sources (one imported file each): list them, remove a wrong one, restore it."""


@source.command("list")
@click.pass_context
def source_list(ctx: click.Context) -> None:
    """Every source with its records and how many of them carry decisions."""
    with open_review(ctx) as store:
        for line in _source_lines(store):
            click.echo(line)


def _source_lines(store: Store) -> list[str]:
    rows = store.source_list()
    if not rows:
        return ["no sources yet: screener import FILE..."]
    out = [f"{'#':>3}  {'database':<16} {'records':>7} {'decided':>7}  {'file':<28} state"]
    for s in rows:
        state = "archived (not in the review)" if s.archived else ""
        if s.restorable:
            state += " · restorable until the next dedup"
        out.append(
            f"{s.id:>3}  {s.name[:16]:<16} {s.records:>7} {s.with_decisions:>7}  {s.file_name[:28]:<28} "
            f"{state.strip(' ·')}"
        )
    for sid, name, mode in store.removed_sources():
        if mode == "removed":
            out.append(
                f"{sid:>3}  {name[:16]:<16} {'-':>7} {'-':>7}  {'':<28} removed · "
                f"'screener source restore {sid}' until the next dedup"
            )
    return out


@source.command("remove")
@click.argument("source_id", type=int)
@click.option(
    "--force", is_flag=True, help="Archive a source whose records carry decisions (they stay in the log)."
)
@click.option("--by", "by", help="Who removes it (initials), for the log.")
@click.pass_context
def source_remove(ctx: click.Context, source_id: int, force: bool, by: str | None) -> None:
    """Remove a wrongly imported source and its dedup links in one transaction (undo: source restore)."""
    with open_review(ctx) as store:
        if by:
            by = prove(store, by, "--by")
        removal = store.remove_source(source_id, force=force, by=by)
        if removal.mode == "removed":
            click.echo(
                f"removed source {source_id} ({removal.name}): {removal.records} records and their dedup "
                "links; 'screener source restore "
                f"{source_id}' puts them back until the next dedup"
            )
        else:
            click.echo(
                f"archived source {source_id} ({removal.name}): its {removal.records} records left the "
                f"review; the decisions on {removal.with_decisions} of them stay in the log, and PRISMA and "
                "the methods paragraph say so"
            )
        if removal.clusters_changed:
            click.echo(
                f"{removal.clusters_changed} duplicate clusters lost members: run 'screener dedup' to "
                "check them again"
            )


@source.command("restore")
@click.argument("source_id", type=int)
@click.pass_context
def source_restore(ctx: click.Context, source_id: int) -> None:
    """Undo 'source remove' (possible until the next dedup)."""
    with open_review(ctx) as store:
        name, count = store.restore_source(source_id)
        click.echo(f"restored source {source_id} ({name}): {count} records are back in the review")
