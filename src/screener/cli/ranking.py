"""The rank commands: measure the relevance ranking on labelled data."""

from __future__ import annotations

import os
from pathlib import Path

import click

from screener.cli.common import fail
from screener.core.protocol import ProtocolError, load_protocol


@click.group()
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
        raise fail(str(exc)) from None
    try:
        labelled = read_labelled_csv(data, label_column)
    except LabelledError as exc:
        raise fail(str(exc)) from None
    prior = _eval_prior(len(labelled.texts))
    include_words: list[str] = []
    exclude_words: list[str] = []
    if protocol_path is not None:
        try:
            protocol = load_protocol(protocol_path)
        except ProtocolError as exc:
            raise fail(str(exc)) from None
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
        raise fail(str(exc)) from None
    click.echo(f"wrote {out}: {len(order)} records in the order screened", err=True)


def _eval_prior(n: int) -> list[int] | None:
    """The two prior rows from RANK_EVAL_PRIOR_IDX="rel,irr" (0-based), checked."""
    raw = os.environ.get("RANK_EVAL_PRIOR_IDX", "").strip()
    if not raw:
        return None
    try:
        rel, irr = (int(p) for p in raw.split(","))
    except ValueError:
        raise fail(f"RANK_EVAL_PRIOR_IDX='{raw}': expected two row indices, 'rel,irr' (e.g. 0,5)") from None
    for i in (rel, irr):
        if not 0 <= i < n:
            raise fail(f"RANK_EVAL_PRIOR_IDX='{raw}': row {i} is outside 0..{n - 1}")
    return [rel, irr]
