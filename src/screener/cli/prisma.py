"""The prisma command: the flow diagram, its exports, the methods paragraph, the records behind a box."""

from __future__ import annotations

import sys
from pathlib import Path

import click

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
    from screener.core import prisma as P
    from screener.core.output import OutputError
    from screener.workflows.prisma import compute_flow, methods_facts, withdrawn_notes

    if fmt in ("png", "pdf") and output is None:
        raise fail(f"--format {fmt} needs -o FILE")
    check_output_file(ctx, output, force_output)
    with open_review(ctx) as store:
        if box is not None:
            ids = store.box_ids(box)
            if ids is None:
                raise fail(f"no box '{box}'; boxes: {', '.join(store.box_names())}")
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
            raise fail(
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
            raise fail("the PRISMA numbers do not add up, so nothing was exported: " + "; ".join(errors))
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
        check_output_file(ctx, output, force_output)
        try:
            (P.to_png if fmt == "png" else P.to_pdf)(text, output)
        except OutputError as exc:
            raise fail(str(exc)) from None
        except (ImportError, OSError) as exc:  # cairosvg loads the Cairo C library at import
            raise fail(
                f"--format {fmt} needs the Cairo library (Debian/Ubuntu: apt install libcairo2; "
                f"macOS: brew install cairo): {exc}; --format svg works without it"
            ) from None
        click.echo(f"wrote {output}", err=True)
        return
    write_output(ctx, text, output, force_output)
