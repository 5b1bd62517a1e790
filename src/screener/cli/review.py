"""Commands for the review as a whole: init, status, demo."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from screener.cli.common import fail, open_review, run_app
from screener.cli.identity import known_reviewer
from screener.core.protocol import ProtocolError, load_protocol
from screener.paths import example_dir, examples


@click.command()
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
        raise fail(
            "init needs exactly one of --protocol FILE or --example NAME "
            f"(examples: {', '.join(examples()) or 'none'})"
        )
    if example:
        try:
            protocol_path = example_dir(example) / "protocol.toml"
        except FileNotFoundError:
            raise fail(f"unknown example '{example}' (examples: {', '.join(examples())})") from None
    assert protocol_path is not None
    try:
        protocol = load_protocol(protocol_path)
    except ProtocolError as exc:
        raise fail(str(exc)) from None
    path = sqlite_path(database_url(ctx.obj["db"]))
    if path is not None and path.exists():
        if not force:
            raise fail(
                f"{path} already exists: pick another --db, or --force to replace it "
                "(the old review is kept as a dated backup)"
            )
        try:
            backup = move_review_aside(path)
        except StoreError as exc:
            raise fail(str(exc)) from None
        click.echo(f"moved the old review to {backup}", err=True)
    with open_review(ctx, create=True) as store:
        store.init_review(protocol)
        click.echo(f"created review '{protocol.title}' in {store.location}")
        click.echo(
            f"reviewers: {', '.join(protocol.reviewer_initials)}; "
            f"{len(protocol.inclusion)} inclusion and {len(protocol.exclusion)} exclusion criteria"
        )
        click.echo("next: screener import FILE... (PubMed .nbib, RIS, BibTeX, EndNote XML, CSV)")


@click.command()
@click.option(
    "--reviewer", help="Your initials: also shows your own counts and stopping guide while a stage is blind."
)
@click.pass_context
def status(ctx: click.Context, reviewer: str | None) -> None:
    """Summary of the review: sources, records, duplicates, progress per reviewer and stage.

    With order = "relevance" in the protocol, also each reviewer's stopping guide.
    """
    from screener.workflows.status import review_status

    with open_review(ctx) as store:
        if reviewer:
            reviewer = known_reviewer(store, reviewer)
        for line in review_status(store, viewer=reviewer).lines():
            click.echo(line)


@click.command()
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
            raise fail(f"{demo_db} already exists: pick another --db, or --force to replace it")
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
            run_app(store, welcome=f"Demo review: {passphrase}.")
    finally:
        store.close()
