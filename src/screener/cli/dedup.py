"""The dedup command: find duplicates, record pair decisions, explain and undo merges."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from screener.cli.common import fail, open_review, progress_bar
from screener.cli.identity import prove

if TYPE_CHECKING:
    from screener.store import Store


@click.command()
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
    from screener.workflows.dedup import UnknownRecord, decide_pair, run_dedup

    with open_review(ctx) as store:
        if explain is not None:
            _explain(store, explain)
            return
        if undo is None and not same and not different:
            with progress_bar("comparing records", store.record_count() > 5000) as progress:
                summary = run_dedup(store, full=full, progress=progress)
            for line in summary.lines():
                click.echo(line)
            return
        by = prove(store, by, "--by")
        if undo is not None:
            _undo_merge(store, undo, by, yes)
            return
        pair, outcome = (same, "duplicate") if same else (different, "distinct")
        assert pair is not None
        try:
            summary = decide_pair(store, pair[0], pair[1], outcome, by)
        except UnknownRecord as exc:
            raise fail(str(exc)) from None
        verdict = "duplicates" if outcome == "duplicate" else "not duplicates"
        click.echo(f"recorded: {pair[0]} and {pair[1]} are {verdict}")
        click.echo(summary.lines()[1])


def _undo_merge(store: Store, cluster_id: int, by: str, yes: bool) -> None:
    """Undo one merge after asking, when its records carry decisions; then re-cluster."""
    from screener.workflows.dedup import screened_members, undo_merge

    found = screened_members(store, cluster_id)
    if found is None:
        raise fail(f"no active duplicate cluster {cluster_id} (see 'screener export duplicates')")
    cluster, decided = found
    if decided and not yes:
        question = (
            f"records {', '.join(map(str, decided))} of cluster {cluster_id} carry screening decisions; "
            "undo the merge anyway?"
        )
        if not click.confirm(question, default=False):
            click.echo("nothing changed")
            return
    undone = undo_merge(store, cluster, by)
    apart = undone.kept_together
    kept = (
        "; kept together (same DOI or PMID): " + ", ".join("+".join(map(str, c.members)) for c in apart)
        if apart
        else ""
    )
    click.echo(
        f"undid cluster {cluster_id}: records {', '.join(map(str, cluster.members))} are screened "
        f"separately again (recorded as not duplicates by {by}){kept}"
    )
    click.echo(undone.summary.lines()[1])


def _explain(store: Store, record_id: int) -> None:
    from screener.workflows.dedup import explain_record

    cluster, pairs = explain_record(store, record_id)
    if cluster:
        role = "primary" if cluster.primary == record_id else f"merged into {cluster.primary}"
        click.echo(
            f"record {record_id}: cluster {cluster.id} ({cluster.status}), {role}; members "
            f"{', '.join(map(str, cluster.members))}"
        )
    elif not pairs:
        click.echo(f"record {record_id}: no duplicate or possible duplicate found")
    for explained in pairs:
        p = explained.pair
        who = f"decided by {p.decided_by}" if p.decided_by else "automatic"
        click.echo(f"pair {p.a}–{p.b}: {p.outcome} ({who})")
        for line in explained.evidence:
            click.echo(f"    {line}")
