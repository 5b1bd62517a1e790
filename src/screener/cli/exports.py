"""The export commands: decisions, records, exclusions, duplicates, resolutions, agreement."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from screener.cli.common import OUTPUT_OPTION, check_output_file, open_review, write_output
from screener.cli.identity import known_reviewer
from screener.cli.screening import agreement_pairs
from screener.core.models import Stage

if TYPE_CHECKING:
    from screener.store import Store


@click.group()
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

    check_output_file(ctx, output, force_output)
    with open_review(ctx) as store:
        if reviewer:
            reviewer = known_reviewer(store, reviewer)
        # the viewer is who asks for their own log (ident: proven by passphrase); anyone else's is blinded
        text = decisions_csv(store, reviewer=reviewer, stage=Stage(stage) if stage else None, viewer=reviewer)
    write_output(ctx, text, output, force_output)


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

    check_output_file(ctx, output, force_output)
    with open_review(ctx) as store:
        text = records_export(store, box, fmt)
    write_output(ctx, text, output, force_output)


def _csv_export(name: str, help_text: str, make: Callable[[Store], str]) -> None:
    """Register ``screener export NAME``: a CSV built from the review, to stdout or -o FILE."""

    @export.command(name, help=help_text)
    @click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
    @OUTPUT_OPTION
    @click.pass_context
    def command(ctx: click.Context, fmt: str, output: Path | None, force_output: bool) -> None:
        check_output_file(ctx, output, force_output)
        with open_review(ctx) as store:
            text = make(store)
        write_output(ctx, text, output, force_output)


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

    return agreement_csv(agreement_pairs(store, None))


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
