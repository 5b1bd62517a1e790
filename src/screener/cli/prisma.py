"""The prisma command: the flow diagram, its exports, the methods paragraph, the records behind a box."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from screener.core.prisma import CheckMessage
    from screener.workflows.prisma import Flow

from screener.cli.common import EXIT_USER, OUTPUT_OPTION, check_output_file, fail, open_review, write_output

PRISMA_FORMATS = ["text", "markdown", "json", "csv", "svg", "png", "pdf", "methods"]


@click.command()
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
    """PRISMA 2020 flow counts from the data: diagram, template CSV, JSON, methods paragraph,
    records per box."""
    from screener.workflows.prisma import box_lines, compute_flow, prisma_document, withdrawn_notes

    if fmt in ("png", "pdf") and output is None:
        raise fail(f"--format {fmt} needs -o FILE")
    check_output_file(ctx, output, force_output)
    with open_review(ctx) as store:
        if box is not None:
            lines = box_lines(store, box)
            if lines is None:
                raise fail(f"no box '{box}'; boxes: {', '.join(store.box_names())}")
            for line in lines:
                click.echo(line)
            return
        flow = compute_flow(store)
        if flow.blind and fmt == "text":
            click.echo("\n".join(flow.blind_lines()))
            for note in withdrawn_notes(store):
                click.echo(note)
            return
        if flow.blind and fmt != "methods":
            raise fail(
                f"{flow.blind[0].reason}: the PRISMA {fmt} needs every number; 'screener prisma' shows "
                "the numbers that are not blind"
            )
        messages = flow.checks()
        errors = [m for m in messages if m.is_error]
        for line in flow.reopened_lines():
            click.echo(line, err=True)
        if fmt == "text":
            _print_diagram(flow, withdrawn_notes(store), messages)
            return
        if errors:
            raise fail("the PRISMA numbers do not add up, so nothing was exported: " + "; ".join(errors))
        text = prisma_document(store, flow, fmt)
    for m in messages:
        click.echo(m, err=True)
    if fmt in ("png", "pdf"):
        assert output is not None
        _write_image(ctx, fmt, text, output, force_output)
        return
    write_output(ctx, text, output, force_output)


def _print_diagram(flow: Flow, notes: list[str], messages: list[CheckMessage]) -> None:
    """The flow diagram in the terminal, then the checks on stderr; exit 1 when a check fails."""
    from screener.core.prisma import to_text_diagram

    click.echo("\n".join(to_text_diagram(flow.counts)))
    for note in notes:
        click.echo(note)
    for m in messages:
        click.echo(m, err=True)
    if any(m.is_error for m in messages):
        sys.exit(EXIT_USER)


def _write_image(ctx: click.Context, fmt: str, svg: str, output: Path, force_output: bool) -> None:
    """Convert the diagram's SVG to PNG or PDF at ``output`` (Cairo does the drawing)."""
    from screener.core.output import OutputError
    from screener.core.prisma import to_pdf, to_png

    check_output_file(ctx, output, force_output)
    try:
        (to_png if fmt == "png" else to_pdf)(svg, output)
    except OutputError as exc:
        raise fail(str(exc)) from None
    except (ImportError, OSError) as exc:  # cairosvg loads the Cairo C library at import
        raise fail(
            f"--format {fmt} needs the Cairo library (Debian/Ubuntu: apt install libcairo2; "
            f"macOS: brew install cairo): {exc}; --format svg works without it"
        ) from None
    click.echo(f"wrote {output}", err=True)
