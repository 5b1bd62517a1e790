"""Screening commands: screen, unblind, conflicts, agreement."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from screener.cli.common import STAGE_OPTION, fail, open_review
from screener.cli.identity import known_reviewer, prove
from screener.core.models import Stage

if TYPE_CHECKING:
    from screener.store import Store
    from screener.workflows.agreement import PairAgreement


@click.command()
@click.option("--reviewer", required=True, help="Your initials, as in the protocol (e.g. NA).")
@STAGE_OPTION
@click.pass_context
def screen(ctx: click.Context, reviewer: str, stage: str) -> None:
    """Screen records as one reviewer, blind to the others (title-abstract or full-text)."""
    from screener.tui.app import make_app

    with open_review(ctx) as store:
        reviewer = known_reviewer(store, reviewer)
        if stage not in store.protocol().rules.stages:
            raise fail(f"this review has no {stage} stage")
        make_app(store, reviewer=reviewer, stage=Stage(stage)).run()


@click.command()
@STAGE_OPTION
@click.option("--by", "by", required=True, help="Initials of the review's lead.")
@click.pass_context
def unblind(ctx: click.Context, stage: str, by: str) -> None:
    """Unblind a stage (the lead only): conflicts become visible and can be resolved."""
    with open_review(ctx) as store:
        store.unblind(Stage(stage), prove(store, by, "--by", lead=True))
        click.echo(f"{stage} is unblinded: conflicts can now be seen ('screener conflicts --stage {stage}')")


@click.command()
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

    with open_review(ctx) as store:
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
        raise fail(f"this protocol has conflicts resolved by the arbiter {protocol.rules.arbiter}, not {by}")
    return prove(store, by, "--by")


@click.command()
@click.option("--stage", type=click.Choice([s.value for s in Stage]), help="Only this stage (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def agreement(ctx: click.Context, stage: str | None, as_json: bool) -> None:
    """Inter-rater agreement per stage and pair of reviewers: Po, Cohen's kappa (95% CI), PABAK, AC1."""
    from screener.workflows.agreement import agreement_json

    with open_review(ctx) as store:
        pairs = agreement_pairs(store, stage)
    if as_json:
        click.echo(agreement_json(pairs))
        return
    for p in pairs:
        for line in p.lines():
            click.echo(line)


def agreement_pairs(store: Store, stage: str | None) -> list[PairAgreement]:
    """Agreement for one stage (refused while blind), or every stage that is no longer blind."""
    from screener.workflows.agreement import stage_agreement, stages_by_blindness

    if stage:
        return stage_agreement(store, Stage(stage))
    open_stages, blind = stages_by_blindness(store)
    for s in blind:
        click.echo(
            f"{s.value}: still blind, no agreement shown (screener unblind --stage {s.value})", err=True
        )
    if not open_stages:
        raise fail("every stage is still blind: agreement is shown once a stage is unblinded")
    return [p for s in open_stages for p in stage_agreement(store, s)]
