"""The protocol commands: show, update, history."""

from __future__ import annotations

from pathlib import Path

import click

from screener.cli.common import OUTPUT_OPTION, check_output_file, fail, open_review, write_output
from screener.cli.identity import lead_by
from screener.core.protocol import ProtocolError, load_protocol


@click.group()
def protocol() -> None:
    """The review's protocol: show it, change it (criteria, reasons, keywords, options), its history."""


@protocol.command("show")
@OUTPUT_OPTION
@click.pass_context
def protocol_show(ctx: click.Context, output: Path | None, force_output: bool) -> None:
    """The current protocol as TOML (edit it, then 'screener protocol update FILE')."""
    check_output_file(ctx, output, force_output)
    with open_review(ctx) as store:
        text = store.protocol().text
    write_output(ctx, text if text.endswith("\n") else text + "\n", output, force_output)


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
        raise fail(str(exc)) from None
    with open_review(ctx) as store:
        by = lead_by(store, by)
        try:
            plan = store.change_protocol(new, by, mapping, str(file))
        except ProtocolError as exc:
            raise fail(str(exc)) from None
        change = store.protocol_history()[-1]
    click.echo(f"updated the protocol (change {change.id}, by {change.by}):")
    for line in plan.lines:
        click.echo(f"  {line}")


@protocol.command("history")
@click.pass_context
def protocol_history(ctx: click.Context) -> None:
    """Every change of the protocol: when, who, what changed."""
    with open_review(ctx) as store:
        changes = store.protocol_history()
    if not changes:
        click.echo("the protocol has not changed since 'screener init'")
    for c in changes:
        click.echo(f"{c.id}  {c.created_at.strftime('%Y-%m-%d %H:%M UTC')}  by {c.by}")
        for line in c.summary.splitlines():
            click.echo(f"    {line}")
