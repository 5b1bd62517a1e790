"""The ``screener`` command line: one subcommand per step of the selection process.

User errors are one line on stderr and a non-zero exit code, never a traceback
(set ``SCREENER_DEBUG=1`` to see one for a real bug).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from screener import __version__
from screener.core.models import SourceKind, Stage
from screener.core.protocol import ProtocolError, load_protocol
from screener.paths import default_db, example_dir, examples

if TYPE_CHECKING:
    from screener.store import Store
    from screener.workflows.agreement import PairAgreement
    from screener.workflows.importing import ImportOptions, ImportSummary

EXIT_USER = 1


class UserError(click.ClickException):
    """An error the user can fix; shown as one line."""

    def format_message(self) -> str:
        return self.message


def _fail(message: str) -> UserError:
    return UserError(message)


@contextmanager
def _open(ctx: click.Context, *, create: bool = False) -> Iterator[Store]:
    from screener.store import StoreError, open_store

    try:
        store = open_store(ctx.obj["db"], create=create)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    if store.backup_path:
        click.echo(f"upgraded the review's schema; backup of the old file: {store.backup_path}", err=True)
    try:
        yield store
    except StoreError as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    metavar="PATH|URL",
    default=None,
    help="Review database: an SQLite file (default review.db here, or $SCREENER_DB) "
    "or an SQLAlchemy URL such as postgresql+psycopg://user@host/review.",
)
@click.version_option(__version__, prog_name="screener")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Screen the records of a systematic review: import, dedup, dual screening, PRISMA 2020.

    With no command, opens the review in the terminal app.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db or default_db()
    if ctx.invoked_subcommand is None:
        with _open(ctx) as store:
            _run_app(store)


def _run_app(store: Store, welcome: str | None = None) -> None:
    from screener.tui.app import make_app

    make_app(store, welcome=welcome).run()


@cli.command()
@click.option("--protocol", "protocol_path", type=click.Path(path_type=Path), help="Protocol TOML file.")
@click.option("--example", type=str, help="Start from a bundled example protocol (ldn-fibromyalgia).")
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing SQLite review file (it is first moved aside as a dated backup).",
)
@click.pass_context
def init(ctx: click.Context, protocol_path: Path | None, example: str | None, force: bool) -> None:
    """Create a new review from a protocol (criteria, reviewers, stages)."""
    from screener.store import StoreError, database_url, move_review_aside, sqlite_path

    if bool(protocol_path) == bool(example):
        raise _fail(
            "init needs exactly one of --protocol FILE or --example NAME "
            f"(examples: {', '.join(examples()) or 'none'})"
        )
    if example:
        try:
            protocol_path = example_dir(example) / "protocol.toml"
        except FileNotFoundError:
            raise _fail(f"unknown example '{example}' (examples: {', '.join(examples())})") from None
    assert protocol_path is not None
    try:
        protocol = load_protocol(protocol_path)
    except ProtocolError as exc:
        raise _fail(str(exc)) from None
    path = sqlite_path(database_url(ctx.obj["db"]))
    if path is not None and path.exists():
        if not force:
            raise _fail(
                f"{path} already exists: pick another --db, or --force to replace it "
                "(the old review is kept as a dated backup)"
            )
        try:
            backup = move_review_aside(path)
        except StoreError as exc:
            raise _fail(str(exc)) from None
        click.echo(f"moved the old review to {backup}", err=True)
    with _open(ctx, create=True) as store:
        store.init_review(protocol)
        click.echo(f"created review '{protocol.title}' in {store.location}")
        click.echo(
            f"reviewers: {', '.join(protocol.reviewer_initials)}; "
            f"{len(protocol.inclusion)} inclusion and {len(protocol.exclusion)} exclusion criteria"
        )
        click.echo("next: screener import FILE... (PubMed .nbib, RIS, BibTeX, EndNote XML, CSV)")


def _parse_columns(values: tuple[str, ...]) -> dict[str, str] | None:
    columns = {}
    for item in values:
        field, sep, header = item.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise _fail(f"--column wants FIELD=HEADER (e.g. title=Article Title), got '{item}'")
        columns[field.strip()] = header.strip()
    return columns or None


@cli.command("import")
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
    type=click.Choice(
        [
            "pubmed",
            "pubmed-xml",
            "ris",
            "ovid",
            "refer",
            "refworks",
            "bibtex",
            "endnote-xml",
            "wos",
            "wos-tab",
            "csv",
        ]
    ),
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
        raise _fail("give --query or --query-file, not both")
    if searched is not None:
        try:
            searched = search_date(searched)
        except ValueError as exc:
            raise _fail(f"--searched: {exc}") from None
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
    with _open(ctx) as store:
        for path in files:
            if not path.is_file():
                raise _fail(f"{path}: no such file")
            try:
                try:
                    summary = _import_one(store, path, options)
                except UnknownDatabase as exc:
                    summary = _import_one(store, path, _ask_source(path, options, exc))
            except ImportFileError as exc:
                raise _fail(str(exc)) from None
            for line in summary.lines():
                click.echo(line)


def _import_one(store: Store, path: Path, options: ImportOptions) -> ImportSummary:
    from screener.workflows.importing import import_file

    with _progress_bar(f"importing {path.name}", path.stat().st_size > 2_000_000) as progress:
        return import_file(
            store, path, options, progress, on_wait=lambda message: click.echo(message, err=True)
        )


def _ask_source(path: Path, options: ImportOptions, exc: Exception) -> ImportOptions:
    from dataclasses import replace

    if not sys.stdin.isatty():
        raise _fail(str(exc))
    name = click.prompt(f"{path.name}: which database did this come from (e.g. PubMed, Embase, CINAHL)?")
    return replace(options, source=name.strip())


@cli.command()
@click.option(
    "--reviewer", help="Your initials: also shows your own counts and stopping guide while a stage is blind."
)
@click.pass_context
def status(ctx: click.Context, reviewer: str | None) -> None:
    """Summary of the review: sources, records, duplicates, progress per reviewer and stage.

    With order = "relevance" in the protocol, also each reviewer's stopping guide.
    """
    from screener.workflows.status import review_status

    with _open(ctx) as store:
        if reviewer:
            reviewer = _known_reviewer(store, reviewer)
        for line in review_status(store, viewer=reviewer).lines():
            click.echo(line)


@cli.command()
@click.option(
    "--db",
    "demo_db",
    type=click.Path(path_type=Path),
    help="Where to create the demo review (default: a new temporary folder).",
)
@click.option("--force", is_flag=True, help="Replace an existing file at --db.")
@click.option(
    "--no-tui", is_flag=True, help="Build the demo review and print its status instead of opening the app."
)
@click.pass_context
def demo(ctx: click.Context, demo_db: Path | None, force: bool, no_tui: bool) -> None:
    """Build the demo review (low-dose naltrexone in fibromyalgia) from imports/, dedup it, and open it."""
    from screener.store import remove_sqlite
    from screener.workflows.dedup import run_dedup
    from screener.workflows.demo import DEMO_PASSPHRASE, build_demo
    from screener.workflows.status import review_status

    if demo_db is None:
        demo_db = Path(tempfile.mkdtemp(prefix="screener-demo-")) / "review.db"
    elif demo_db.exists():
        if not force:
            raise _fail(f"{demo_db} already exists: pick another --db, or --force to replace it")
        remove_sqlite(demo_db)
    store, summaries = build_demo(demo_db)
    try:
        click.echo(f"created the demo review '{store.protocol().title}' in {demo_db}")
        for summary in summaries:
            for line in summary.lines():
                click.echo(line)
        for line in run_dedup(store).lines():
            click.echo(line)
        click.echo(f"demo review ready: {demo_db}  (reopen with: screener --db {demo_db})")
        passphrase = (
            f"every demo reviewer's passphrase is '{DEMO_PASSPHRASE}' (asked when you act as NA or ZL)"
        )
        click.echo(passphrase)
        if no_tui:
            for line in review_status(store).lines():
                click.echo(line)
        else:
            _run_app(store, welcome=f"Demo review: {passphrase}.")
    finally:
        store.close()


@cli.command()
@click.option(
    "--full",
    is_flag=True,
    help="Compare every record again (default: only records imported since the last run).",
)
@click.option(
    "--undo", "undo", type=int, metavar="CLUSTER", help="Undo a merge: its records are screened again."
)
@click.option(
    "--explain", "explain", type=int, metavar="RECORD", help="Show why a record was merged or queued."
)
@click.option("--same", nargs=2, type=int, metavar="A B", help="Record that two records are duplicates.")
@click.option(
    "--different", nargs=2, type=int, metavar="A B", help="Record that two records are not duplicates."
)
@click.option(
    "--by", "by", help="Who decides (initials of a reviewer of the protocol), for --undo/--same/--different."
)
@click.option("--yes", is_flag=True, help="With --undo: do not ask, even when the records carry decisions.")
@click.pass_context
def dedup(
    ctx: click.Context,
    full: bool,
    undo: int | None,
    explain: int | None,
    same: tuple[int, int] | None,
    different: tuple[int, int] | None,
    by: str | None,
    yes: bool,
) -> None:
    """Find duplicate records across and within sources; review, explain and undo merges.

    Nothing is deleted: every record stays with its source, and a merge can be undone.
    """
    from screener.workflows.dedup import run_dedup

    with _open(ctx) as store:
        if explain is not None:
            _explain(store, explain)
            return
        if undo is not None or same or different:
            by = _prove(store, by, "--by")
        if undo is not None:
            _undo_merge(store, undo, by, yes)  # type: ignore[arg-type]
            return
        for pair, outcome in ((same, "duplicate"), (different, "distinct")):
            if pair:
                if any(store.record(r) is None for r in pair):
                    raise _fail(f"no record {pair[0]} or {pair[1]} in this review")
                store.record_pair_decision(pair[0], pair[1], outcome, by)  # type: ignore[arg-type]
                summary = run_dedup(store, recluster_only=True)
                click.echo(
                    f"recorded: {pair[0]} and {pair[1]} are {'duplicates' if outcome == 'duplicate' else 'not duplicates'}"
                )
                click.echo(summary.lines()[1])
                return
        with _progress_bar("comparing records", store.record_count() > 5000) as progress:
            summary = run_dedup(store, full=full, progress=progress)
        for line in summary.lines():
            click.echo(line)


def _undo_merge(store: Store, cluster_id: int, by: str, yes: bool) -> None:
    """Undo one merge after asking, when its records carry decisions; then re-cluster."""
    from screener.workflows.dedup import run_dedup

    cluster = next((c for c in store.clusters() if c.id == cluster_id), None)
    if cluster is None:
        raise _fail(f"no active duplicate cluster {cluster_id} (see 'screener export duplicates')")
    decided = sorted(r for r in cluster.members if store.screened_weights().get(r))
    if decided and not yes:
        question = (
            f"records {', '.join(map(str, decided))} of cluster {cluster_id} carry screening decisions; "
            "undo the merge anyway?"
        )
        if not click.confirm(question, default=False):
            click.echo("nothing changed")
            return
    store.undo_cluster(cluster_id, by)
    summary = run_dedup(store, recluster_only=True)
    apart = [c for c in store.clusters() if set(c.members) <= set(cluster.members)]
    kept = (
        "; kept together (same DOI or PMID): " + ", ".join("+".join(map(str, c.members)) for c in apart)
        if apart
        else ""
    )
    click.echo(
        f"undid cluster {cluster_id}: records {', '.join(map(str, cluster.members))} are screened "
        f"separately again (recorded as not duplicates by {by}){kept}"
    )
    click.echo(summary.lines()[1])


def _explain(store: Store, record_id: int) -> None:
    from dataclasses import replace

    from screener.core.dedup import compare, explain
    from screener.workflows.dedup import thresholds_of

    pairs = store.pairs_of(record_id)
    cluster = store.cluster_of(record_id)
    if cluster:
        role = "primary" if cluster.primary == record_id else f"merged into {cluster.primary}"
        click.echo(
            f"record {record_id}: cluster {cluster.id} ({cluster.status}), {role}; members "
            f"{', '.join(map(str, cluster.members))}"
        )
    elif not pairs:
        click.echo(f"record {record_id}: no duplicate or possible duplicate found")
    for p in pairs:
        who = f"decided by {p.decided_by}" if p.decided_by else "automatic"
        click.echo(f"pair {p.a}–{p.b}: {p.outcome} ({who})")
        if not p.decided_by:
            # The evidence lines come from comparing the two records again; the outcome
            # and rule are the stored ones (a link can be demoted when clustering).
            a, b = (r.bib for r in sorted(store.records([p.a, p.b]), key=lambda r: r.id))
            pair = replace(
                compare(a, b, thresholds_of(store), ids=(p.a, p.b)),
                outcome=p.outcome,
                rule=p.rule,
                scores=p.scores,
            )
            for line in explain(pair):
                click.echo(f"    {line}")


@contextmanager
def _progress_bar(label: str, show: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar with items/s on stderr, for long runs in a terminal."""
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not show or not console.is_terminal:
        yield None
        return
    started = time.perf_counter()
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, rate="")

        def update(done: int, total: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-6)
            bar.update(task, completed=done, total=total or None, rate=f"{rate:,.0f}/s")

        yield update


def OUTPUT_OPTION(command: Callable[..., None]) -> Callable[..., None]:  # noqa: N802 - used like the options
    """``-o FILE`` and ``--force``: a file to write instead of stdout, replacing one only when forced."""
    command = click.option(
        "--force",
        "force_output",
        is_flag=True,
        help="Replace the output file if it exists (never a database).",
    )(command)
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="File to write (default: stdout).",
    )(command)


STAGE_OPTION = click.option(
    "--stage",
    type=click.Choice([s.value for s in Stage]),
    default=Stage.TITLE_ABSTRACT.value,
    show_default=True,
    help="Screening stage.",
)


def _known_reviewer(store: Store, reviewer: str) -> str:
    """A screening reviewer's initials as the protocol spells them (typed in any case), once proven."""
    reviewer = store.protocol().initials(reviewer)
    names = store.screening_reviewers()
    if reviewer not in names:
        if store.removed_reviewer(reviewer):
            store.check_reviewer(reviewer, "--reviewer")  # says they were removed
        raise _fail(f"unknown reviewer '{reviewer}': the protocol names {', '.join(names)}")
    return _prove(store, reviewer)


@cli.command()
@click.option("--reviewer", required=True, help="Your initials, as in the protocol (e.g. NA).")
@STAGE_OPTION
@click.pass_context
def screen(ctx: click.Context, reviewer: str, stage: str) -> None:
    """Screen records as one reviewer, blind to the others (title-abstract or full-text)."""
    from screener.tui.app import make_app

    with _open(ctx) as store:
        reviewer = _known_reviewer(store, reviewer)
        if stage not in store.protocol().rules.stages:
            raise _fail(f"this review has no {stage} stage")
        make_app(store, reviewer=reviewer, stage=Stage(stage)).run()


@cli.command()
@STAGE_OPTION
@click.option("--by", "by", required=True, help="Initials of the review's lead.")
@click.pass_context
def unblind(ctx: click.Context, stage: str, by: str) -> None:
    """Unblind a stage (the lead only): conflicts become visible and can be resolved."""
    with _open(ctx) as store:
        store.unblind(Stage(stage), _prove(store, by, "--by", lead=True))
        click.echo(f"{stage} is unblinded: conflicts can now be seen ('screener conflicts --stage {stage}')")


@cli.command()
@STAGE_OPTION
@click.option("--by", "by", help="Who resolves (initials): opens the conflict screen to resolve them.")
@click.option("--list", "as_list", is_flag=True, help="Print the conflicts instead of opening the app.")
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Resolved conflicts too (who, method, when, note); in the app, start with every conflict.",
)
@click.pass_context
def conflicts(ctx: click.Context, stage: str, by: str | None, as_list: bool, show_all: bool) -> None:
    """Show the reviewers' conflicts at a stage side by side, and resolve them (after unblinding)."""
    from screener.workflows.conflicts import conflict_lines

    with _open(ctx) as store:
        st = Stage(stage)
        ids = store.conflicts(st)  # refused while the stage is blind
        if as_list or by is None:
            resolved = store.resolved_conflicts(st) if show_all else []
            for line in conflict_lines(store, st, ids, resolved):
                click.echo(line)
            if by is None and ids and not as_list:
                click.echo(f"resolve them with: screener conflicts --stage {stage} --by INITIALS", err=True)
            return
        by = _check_resolver(store, store.protocol().initials(by))
        from screener.tui.app import make_app

        make_app(store, resolver=by, stage=st, all_conflicts=show_all).run()


def _check_resolver(store: Store, by: str) -> str:
    protocol = store.protocol()
    store.check_reviewer(by, "--by")
    if protocol.rules.resolution == "arbiter" and by != protocol.rules.arbiter:
        raise _fail(f"this protocol has conflicts resolved by the arbiter {protocol.rules.arbiter}, not {by}")
    return _prove(store, by, "--by")


@cli.command()
@click.option("--stage", type=click.Choice([s.value for s in Stage]), help="Only this stage (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def agreement(ctx: click.Context, stage: str | None, as_json: bool) -> None:
    """Inter-rater agreement per stage and pair of reviewers: Po, Cohen's kappa (95% CI), PABAK, AC1."""
    from screener.workflows.agreement import agreement_json

    with _open(ctx) as store:
        pairs = _agreement_pairs(store, stage)
    if as_json:
        click.echo(agreement_json(pairs))
        return
    for p in pairs:
        for line in p.lines():
            click.echo(line)


@cli.group()
def source() -> None:
    """The review's sources (one imported file each): list them, remove a wrong one, restore it."""


@source.command("list")
@click.pass_context
def source_list(ctx: click.Context) -> None:
    """Every source with its records and how many of them carry decisions."""
    with _open(ctx) as store:
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
    with _open(ctx) as store:
        if by:
            by = _prove(store, by, "--by")
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
    with _open(ctx) as store:
        name, count = store.restore_source(source_id)
        click.echo(f"restored source {source_id} ({name}): {count} records are back in the review")


PASSPHRASE_ENV = "SCREENER_PASSPHRASE"
NEW_PASSPHRASE_ENV = "SCREENER_NEW_PASSPHRASE"


def _prove(store: Store, initials: str | None, what: str = "--reviewer", *, lead: bool = False) -> str:
    """The reviewer's initials once the person running the command has proven to be them.

    The one check behind every command that acts as a reviewer or reads one reviewer's
    data: the passphrase is typed at a hidden prompt, or taken from $SCREENER_PASSPHRASE
    (scripts). A reviewer without one yet (a review from before passphrases, or one the
    lead has not set up) chooses it now. Anything wrong is one line and exit 1, before
    anything is written.
    """
    from screener.core.passphrase import hash_passphrase, verify

    initials = store.check_reviewer(initials, what, lead=lead)
    stored = store.passphrase_hash(initials)
    if stored is None:
        new = _new_passphrase(initials, PASSPHRASE_ENV, f"{initials} has no passphrase yet: choose one")
        store.set_passphrase(initials, hash_passphrase(new), by=initials)
        if PASSPHRASE_ENV not in os.environ:  # a script chose it: its output stays as it was
            click.echo(
                f"passphrase set for {initials}: it is asked each time someone acts as {initials}", err=True
            )
        return initials
    if not verify(_ask_passphrase(initials, f"passphrase for {initials}"), stored):
        raise _fail(f"wrong passphrase for {initials}: nothing was done")
    return initials


def _ask_passphrase(initials: str, prompt: str) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        try:
            value = click.prompt(prompt, hide_input=True, default="", show_default=False, err=True)
        except click.Abort:
            value = ""
    if not value:
        raise _fail(
            f"no passphrase given for {initials}: type it at the prompt, or set ${PASSPHRASE_ENV} "
            "in scripts; nothing was done"
        )
    return value


def _new_passphrase(initials: str, env: str, prompt: str) -> str:
    """A new passphrase for ``initials``: from ``env`` (scripts) or typed twice at a hidden prompt."""
    from screener.core.passphrase import weakness

    value = os.environ.get(env)
    if value is None:
        try:
            value = click.prompt(prompt, hide_input=True, confirmation_prompt="Type it again", err=True)
        except click.Abort:
            raise _fail(f"no new passphrase given for {initials}: nothing was changed") from None
    problem = weakness(value)
    if problem:
        raise _fail(f"new passphrase for {initials} refused: {problem}; nothing was changed")
    return value


@cli.group()
def reviewer() -> None:
    """The review's reviewers: list them, set passphrases, rename, remove, hand over the lead role."""


@reviewer.command("list")
@click.pass_context
def reviewer_list(ctx: click.Context) -> None:
    """Every reviewer with role, whether a passphrase is set, and their decision count (removed ones too)."""
    with _open(ctx) as store:
        click.echo(f"{'initials':<9} {'role':<9} {'passphrase':<10} {'decisions':>9}  name")
        for r in store.reviewer_list():
            click.echo(
                f"{r.initials:<9} {r.role:<9} {'set' if r.has_passphrase else 'not set':<10} "
                f"{r.decisions:>9}  {r.name}"
            )


@reviewer.command("passphrase")
@click.argument("initials")
@click.option("--by", "by", help="The lead, when setting a reviewer's first passphrase (default: the lead).")
@click.pass_context
def reviewer_passphrase(ctx: click.Context, initials: str, by: str | None) -> None:
    """Set or change a reviewer's passphrase.

    \b
    A reviewer changes their own: the current one, then the new one twice.
    The lead sets each reviewer's first one: the lead's, then the new one twice.
    Scripts: $SCREENER_PASSPHRASE (current, or the lead's) and $SCREENER_NEW_PASSPHRASE.
    """
    from screener.core.passphrase import hash_passphrase

    with _open(ctx) as store:
        initials = store.check_reviewer(initials, "reviewer")
        current = store.passphrase_hash(initials)
        if current is not None:
            if by is not None and store.protocol().initials(by) != initials:
                raise _fail(
                    f"{initials} already has a passphrase: only {initials} can change it (proving the "
                    "current one); --by is for setting a first one"
                )
            _prove(store, initials)
            new = _new_passphrase(initials, NEW_PASSPHRASE_ENV, f"new passphrase for {initials}")
            store.set_passphrase(initials, hash_passphrase(new), by=initials, replacing=current)
            click.echo(f"passphrase changed for {initials}")
            return
        leads = [r.initials for r in store.protocol().reviewers if r.role == "lead"]
        if initials in leads and by in (None, initials):  # the lead's own first passphrase
            new = _new_passphrase(
                initials, NEW_PASSPHRASE_ENV, f"{initials} (the lead) has no passphrase yet: choose one"
            )
            store.set_passphrase(initials, hash_passphrase(new), by=initials)
            click.echo(f"passphrase set for {initials}")
            return
        by = _lead_by(store, by)
        new = _new_passphrase(initials, NEW_PASSPHRASE_ENV, f"first passphrase for {initials}")
        store.set_passphrase(initials, hash_passphrase(new), by=by)
        click.echo(
            f"passphrase set for {initials} by {by}: tell it to {initials} in person; they can change it "
            f"with 'screener reviewer passphrase {initials}'"
        )


def _lead_by(store: Store, by: str | None) -> str:
    """The current lead, proven: ``--by``, or the protocol's only lead when not given."""
    leads = [r.initials for r in store.protocol().reviewers if r.role == "lead"]
    return _prove(store, by or (leads[0] if len(leads) == 1 else None), "--by", lead=True)


ROLE_PASSWORD_ENV = "SCREENER_ROLE_PASSWORD"


@reviewer.command("add")
@click.argument("initials")
@click.option("--name", default="", help="Their full name, when they are added to the protocol.")
@click.option("--login", help="Name of their login role (default: the initials in lower case, e.g. zl).")
@click.option("--by", "by", help="The lead (default: the protocol's lead).")
@click.pass_context
def reviewer_add(ctx: click.Context, initials: str, name: str, login: str | None, by: str | None) -> None:
    """PostgreSQL mode: a login role of their own for a reviewer (the lead only).

    \b
    Adds them to the protocol first if they are not in it. Run as the lead's role, which
    owns the review and may create roles. The new role's password is typed twice at a
    hidden prompt, or taken from $SCREENER_ROLE_PASSWORD (scripts); empty means none (the
    server's pg_hba.conf then decides how the role logs in). From then on the server itself
    keeps that role to its own reviewer's rows and to what blinding allows.
    """
    with _open(ctx) as store:
        if not store.server_derived:
            raise _fail(
                "reviewer logins exist only in PostgreSQL mode (--db postgresql+psycopg://...): an SQLite "
                "review is one file that any program can open"
            )
        by = _lead_by(store, by)
        password = os.environ.get(ROLE_PASSWORD_ENV)
        if password is None:
            try:
                password = click.prompt(
                    f"password of the new login role for {initials} (empty: none)",
                    hide_input=True,
                    confirmation_prompt="Type it again",
                    default="",
                    show_default=False,
                    err=True,
                )
            except click.Abort:
                raise _fail(f"no password given for {initials}'s role: nothing was changed") from None
        initials, role, created, added = store.add_reviewer(
            initials, by=by, name=name, login=login, password=password or None
        )
        if added:
            click.echo(f"added {initials} to the protocol (logged as a protocol change by {by})")
        if created:
            click.echo(
                f"created login role {role} for {initials} "
                + ("with a password" if password else "without a password (pg_hba.conf decides)")
            )
        else:
            click.echo(
                f"login role {role} existed already (its password was left as it was): it is now {initials}"
            )
        click.echo(f"{initials} connects as: screener --db {store.url_as(role)} screen --reviewer {initials}")


@reviewer.command("rename")
@click.argument("old")
@click.argument("new")
@click.option("--by", "by", help="The lead (default: the protocol's lead).")
@click.pass_context
def reviewer_rename(ctx: click.Context, old: str, new: str, by: str | None) -> None:
    """Give a reviewer new initials: their decisions, notes, votes and passphrase follow (the lead only)."""
    with _open(ctx) as store:
        old = store.check_reviewer(old, "reviewer")
        by = _lead_by(store, by)
        count = store.rename_reviewer(old, new.strip(), by=by)
        click.echo(
            f"renamed {old} to {new.strip()}: their {count} decisions and their history now carry the new "
            "initials; the protocol change is logged"
        )


@reviewer.command("remove")
@click.argument("initials")
@click.option("--by", "by", help="The lead (default: the protocol's lead).")
@click.pass_context
def reviewer_remove(ctx: click.Context, initials: str, by: str | None) -> None:
    """Take a reviewer off the review: their decisions and history stay, they can no longer act (the lead only)."""
    with _open(ctx) as store:
        initials = store.check_reviewer(initials, "reviewer")
        by = _lead_by(store, by)
        count = store.remove_reviewer(initials, by=by)
        click.echo(
            f"removed {initials} from the review: their {count} decisions stay in the log and still count; "
            f"{initials} can no longer act in this review"
        )


@reviewer.command("lead")
@click.argument("initials")
@click.option("--by", "by", help="The current lead (default: the protocol's lead).")
@click.pass_context
def reviewer_lead(ctx: click.Context, initials: str, by: str | None) -> None:
    """Hand the lead role to another reviewer (the current lead only, proven by their passphrase)."""
    with _open(ctx) as store:
        initials = store.check_reviewer(initials, "reviewer")
        by = _lead_by(store, by)
        if initials == by:
            raise _fail(f"{by} is already the lead")
        store.hand_lead(initials, by=by)
        click.echo(f"{initials} is now the review's lead ({by} stays a reviewer)")


@cli.group()
def protocol() -> None:
    """The review's protocol: show it, change it (criteria, reasons, keywords, options), its history."""


@protocol.command("show")
@OUTPUT_OPTION
@click.pass_context
def protocol_show(ctx: click.Context, output: Path | None, force_output: bool) -> None:
    """The current protocol as TOML (edit it, then 'screener protocol update FILE')."""
    _check_output(ctx, output, force_output)
    with _open(ctx) as store:
        text = store.protocol().text
    _write_output(ctx, text if text.endswith("\n") else text + "\n", output, force_output)


@protocol.command("update")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="OLD=NEW",
    help="A removed exclusion reason whose decisions count as another one from now on (e.g. E4=E2). "
    "Repeatable.",
)
@click.option("--by", "by", help="The review's lead, who changes it (default: the protocol's lead).")
@click.pass_context
def protocol_update(ctx: click.Context, file: Path, maps: tuple[str, ...], by: str | None) -> None:
    """Replace the protocol with FILE: add or relabel criteria, reorder or add reasons, keywords, options.

    Decisions name reasons by id, so relabelled and renumbered reasons keep their
    decisions. A reason that decisions use can be removed only with --map OLD=NEW; the
    decision log is not rewritten: the mapping is logged and applied wherever reasons are
    read. Reviewers are changed with 'screener reviewer', not here. The lead proves who they are
    with their passphrase, as for every --by.
    """
    from screener.core.protocol_update import parse_mapping

    try:
        new = load_protocol(file)
        mapping = parse_mapping(maps)
    except (ProtocolError, ValueError) as exc:
        raise _fail(str(exc)) from None
    with _open(ctx) as store:
        by = _lead_by(store, by)
        try:
            plan = store.change_protocol(new, by, mapping, str(file))
        except ProtocolError as exc:
            raise _fail(str(exc)) from None
        change = store.protocol_history()[-1]
    click.echo(f"updated the protocol (change {change.id}, by {change.by}):")
    for line in plan.lines:
        click.echo(f"  {line}")


@protocol.command("history")
@click.pass_context
def protocol_history(ctx: click.Context) -> None:
    """Every change of the protocol: when, who, what changed."""
    with _open(ctx) as store:
        changes = store.protocol_history()
    if not changes:
        click.echo("the protocol has not changed since 'screener init'")
    for c in changes:
        click.echo(f"{c.id}  {c.created_at.strftime('%Y-%m-%d %H:%M UTC')}  by {c.by}")
        for line in c.summary.splitlines():
            click.echo(f"    {line}")


PRISMA_FORMATS = ["text", "markdown", "json", "csv", "svg", "png", "pdf", "methods"]


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(PRISMA_FORMATS),
    default="text",
    show_default=True,
    help="text: the flow diagram in the terminal; csv: the PRISMA2020 R package / Shiny app template; "
    "svg/png/pdf: the diagram; methods: the methods paragraph (PRISMA item 8, PRISMA-S 16).",
)
@OUTPUT_OPTION
@click.option(
    "--box", help="List the records behind one box (e.g. records_excluded, reports_sought, duplicates)."
)
@click.pass_context
def prisma(ctx: click.Context, fmt: str, output: Path | None, force_output: bool, box: str | None) -> None:
    """PRISMA 2020 flow counts from the data: diagram, template CSV, JSON, methods paragraph, records per box."""
    from screener.core import prisma as P
    from screener.core.output import OutputError
    from screener.workflows.prisma import compute_flow, methods_facts, withdrawn_notes

    if fmt in ("png", "pdf") and output is None:
        raise _fail(f"--format {fmt} needs -o FILE")
    _check_output(ctx, output, force_output)
    with _open(ctx) as store:
        if box is not None:
            ids = store.box_ids(box)
            if ids is None:
                raise _fail(f"no box '{box}'; boxes: {', '.join(store.box_names())}")
            records = store.records(ids)
            sources = {s.id: s.name for s in store.sources()}
            click.echo(f"{box}: {len(records)} records")
            for r in records:
                b = r.bib
                click.echo(
                    f"{r.id:>6}  {sources[r.source_id]:<10} {b.first_author or '?'} {b.year or 'n.d.'}  "
                    f"{(b.title or '(no title)')[:90]}"
                )
            return
        flow = compute_flow(store)
        if flow.blind and fmt == "text":
            click.echo("\n".join(flow.blind_lines()))
            for note in withdrawn_notes(store):
                click.echo(note)
            return
        if flow.blind and fmt != "methods":
            raise _fail(
                f"{flow.blind[0].reason}: the PRISMA {fmt} needs every number; 'screener prisma' shows "
                "the numbers that are not blind"
            )
        messages = [] if flow.blind else P.check(flow.counts)
        errors = [m for m in messages if m.is_error]
        for line in flow.reopened_lines():
            click.echo(line, err=True)
        if fmt == "text":
            click.echo("\n".join(P.to_text_diagram(flow.counts)))
            for note in withdrawn_notes(store):
                click.echo(note)
            for m in messages:
                click.echo(m, err=True)
            if errors:
                sys.exit(EXIT_USER)
            return
        if errors:
            raise _fail("the PRISMA numbers do not add up, so nothing was exported: " + "; ".join(errors))
        if fmt == "methods":
            text = P.methods_paragraph(methods_facts(store)) + "\n"
        else:
            title = store.protocol().title
            text = {
                "markdown": lambda: P.to_markdown(flow.counts),
                "json": lambda: P.to_json(flow.counts),
                "csv": lambda: P.to_template_csv(flow.counts),
                "svg": lambda: P.to_svg(flow.counts, title),
                "png": lambda: P.to_svg(flow.counts, title),
                "pdf": lambda: P.to_svg(flow.counts, title),
            }[fmt]()
    for m in messages:
        click.echo(m, err=True)
    if fmt in ("png", "pdf"):
        assert output is not None
        _check_output(ctx, output, force_output)
        try:
            (P.to_png if fmt == "png" else P.to_pdf)(text, output)
        except OutputError as exc:
            raise _fail(str(exc)) from None
        except (ImportError, OSError) as exc:  # cairosvg loads the Cairo C library at import
            raise _fail(
                f"--format {fmt} needs the Cairo library (Debian/Ubuntu: apt install libcairo2; "
                f"macOS: brew install cairo): {exc}; --format svg works without it"
            ) from None
        click.echo(f"wrote {output}", err=True)
        return
    _write_output(ctx, text, output, force_output)


@cli.group()
def export() -> None:
    """Export decisions, duplicates, included records (CSV, RIS, BibTeX)."""


@export.command("decisions")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--reviewer", help="Only this reviewer's decisions (the only way before unblinding).")
@click.option("--stage", type=click.Choice([s.value for s in Stage]), help="Only this stage.")
@OUTPUT_OPTION
@click.pass_context
def export_decisions(
    ctx: click.Context,
    fmt: str,
    reviewer: str | None,
    stage: str | None,
    output: Path | None,
    force_output: bool,
) -> None:
    """The decision log: every decision ever made (append-only history), as CSV."""
    from screener.workflows.exports import decisions_csv

    _check_output(ctx, output, force_output)
    with _open(ctx) as store:
        if reviewer:
            reviewer = _known_reviewer(store, reviewer)
        # the viewer is who asks for their own log (ident: proven by passphrase); anyone else's is blinded
        text = decisions_csv(store, reviewer=reviewer, stage=Stage(stage) if stage else None, viewer=reviewer)
    _write_output(ctx, text, output, force_output)


@export.command("records")
@click.option(
    "--set",
    "box",
    default="included",
    show_default=True,
    help="Which records: any PRISMA box (included, records_screened, reports_sought, reports_excluded, ...).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["ris", "bibtex", "csv"]), default="ris", show_default=True
)
@OUTPUT_OPTION
@click.pass_context
def export_records(ctx: click.Context, box: str, fmt: str, output: Path | None, force_output: bool) -> None:
    """Records of a set (by default the included ones) as RIS, BibTeX or CSV for Zotero or EndNote."""
    from screener.workflows.exports import records_export

    _check_output(ctx, output, force_output)
    with _open(ctx) as store:
        text = records_export(store, box, fmt)
    _write_output(ctx, text, output, force_output)


def _csv_export(name: str, help_text: str, make: Callable[[Store], str]) -> None:
    """Register ``screener export NAME``: a CSV built from the review, to stdout or -o FILE."""

    @export.command(name, help=help_text)
    @click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
    @OUTPUT_OPTION
    @click.pass_context
    def command(ctx: click.Context, fmt: str, output: Path | None, force_output: bool) -> None:
        _check_output(ctx, output, force_output)
        with _open(ctx) as store:
            text = make(store)
        _write_output(ctx, text, output, force_output)


def _exclusions(store: Store) -> str:
    from screener.workflows.exports import fulltext_exclusions_csv

    return fulltext_exclusions_csv(store)


def _duplicates(store: Store) -> str:
    from screener.workflows.dedup import duplicates_csv

    return duplicates_csv(store)


def _resolutions(store: Store) -> str:
    from screener.workflows.exports import resolutions_csv

    return resolutions_csv(store)


def _agreement(store: Store) -> str:
    from screener.workflows.agreement import agreement_csv

    return agreement_csv(_agreement_pairs(store, None))


_csv_export(
    "exclusions",
    "Reports excluded at full text, with the reason PRISMA counts and every reason given (PRISMA 16b).",
    _exclusions,
)
_csv_export(
    "duplicates",
    "One row per record: source file, its own id there, cluster, primary or not, how it was decided.",
    _duplicates,
)
_csv_export(
    "resolutions",
    "The resolution log: every conflict resolution ever recorded (append-only history; the "
    "latest per record and stage is in effect unless reopened), with who, method, when and note.",
    lambda store: _resolutions(store),
)
_csv_export(
    "agreement",
    "Agreement statistics per stage and pair of reviewers, with the confusion tables.",
    _agreement,
)


def _agreement_pairs(store: Store, stage: str | None) -> list[PairAgreement]:
    """Agreement for one stage (refused while blind), or every stage that is no longer blind."""
    from screener.workflows.agreement import stage_agreement

    if stage:
        return stage_agreement(store, Stage(stage))
    stages = [Stage(s) for s in store.protocol().rules.stages]
    open_stages = [s for s in stages if not store.is_blind(s)]
    for s in stages:
        if s not in open_stages:
            click.echo(
                f"{s.value}: still blind, no agreement shown (screener unblind --stage {s.value})", err=True
            )
    if not open_stages:
        raise _fail("every stage is still blind: agreement is shown once a stage is unblinded")
    return [p for s in open_stages for p in stage_agreement(store, s)]


@cli.group()
def rank() -> None:
    """Relevance ranking: measure it on labelled data."""


@rank.command("simulate")
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "--label-column",
    default="label_included",
    show_default=True,
    help="Column holding 1 for included records and 0 for excluded ones.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the model and the tie-breaks.")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Where to write the 0-based row indices in the order screened, one per line.",
)
@click.option(
    "--protocol",
    "protocol_path",
    type=click.Path(path_type=Path),
    help="Cold start from this protocol's inclusion and exclusion keywords.",
)
def rank_simulate(data: Path, label_column: str, seed: int, out: Path, protocol_path: Path | None) -> None:
    """Replay screening of a labelled CSV (title, abstract, keywords if present) with the ranker.

    The first records screened are the two row indices in RANK_EVAL_PRIOR_IDX="rel,irr" if
    set; else the protocol's keywords rank the first records (--protocol); else records are
    picked in a seeded order until one included and one excluded record are found.
    """
    from screener.core.output import OutputError, check_output, write_atomic
    from screener.core.ranking import simulate
    from screener.importers.labelled import LabelledError, read_labelled_csv

    try:
        check_output(out, force=True)  # an order file is replaced; a database never
    except OutputError as exc:
        raise _fail(str(exc)) from None
    try:
        labelled = read_labelled_csv(data, label_column)
    except LabelledError as exc:
        raise _fail(str(exc)) from None
    prior = _eval_prior(len(labelled.texts))
    include_words: list[str] = []
    exclude_words: list[str] = []
    if protocol_path is not None:
        try:
            protocol = load_protocol(protocol_path)
        except ProtocolError as exc:
            raise _fail(str(exc)) from None
        include_words = [k for c in protocol.inclusion for k in c.keywords]
        exclude_words = [k for c in protocol.exclusion for k in c.keywords]
    order = simulate(
        labelled.texts,
        labelled.labels,
        seed=seed,
        prior=prior,
        include_words=include_words,
        exclude_words=exclude_words,
    )
    try:
        write_atomic(out, "".join(f"{i}\n" for i in order))
    except OutputError as exc:
        raise _fail(str(exc)) from None
    click.echo(f"wrote {out}: {len(order)} records in the order screened", err=True)


def _eval_prior(n: int) -> list[int] | None:
    """The two prior rows from RANK_EVAL_PRIOR_IDX="rel,irr" (0-based), checked."""
    raw = os.environ.get("RANK_EVAL_PRIOR_IDX", "").strip()
    if not raw:
        return None
    try:
        rel, irr = (int(p) for p in raw.split(","))
    except ValueError:
        raise _fail(f"RANK_EVAL_PRIOR_IDX='{raw}': expected two row indices, 'rel,irr' (e.g. 0,5)") from None
    for i in (rel, irr):
        if not 0 <= i < n:
            raise _fail(f"RANK_EVAL_PRIOR_IDX='{raw}': row {i} is outside 0..{n - 1}")
    return [rel, irr]


def _check_output(ctx: click.Context, output: Path | None, force: bool) -> None:
    """Refuse ``-o`` over the review's database, any SQLite file, or an existing file without --force."""
    from screener.core.output import OutputError, check_output
    from screener.store import database_url, sqlite_path

    if output is None:
        return
    review = sqlite_path(database_url(ctx.obj["db"]))
    try:
        check_output(output, force=force, protected=[review] if review else [])
    except OutputError as exc:
        raise _fail(str(exc)) from None


def _write_output(ctx: click.Context, text: str, output: Path | None, force: bool) -> None:
    from screener.core.output import OutputError, write_atomic

    if output is None:
        click.echo(text, nl=False)
        return
    _check_output(ctx, output, force)  # again: the file may have appeared while the export ran
    try:
        write_atomic(output, text)
    except OutputError as exc:
        raise _fail(str(exc)) from None
    click.echo(f"wrote {output}", err=True)


def main() -> None:
    """Entry point: run the CLI, turning user errors into one line and an exit code."""
    try:
        cli.main(prog_name="screener", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("screener: cancelled", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"screener: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code if not isinstance(exc, UserError) else EXIT_USER)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("screener: cancelled; nothing half-written was kept", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug, not a user error: still one line unless debugging
        if os.environ.get("SCREENER_DEBUG"):
            raise
        click.echo(
            f"screener: internal error: {type(exc).__name__}: {exc} (SCREENER_DEBUG=1 shows details)",
            err=True,
        )
        sys.exit(2)
