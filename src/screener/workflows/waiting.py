"""What is waiting for the review team, each item with the home screen's key that opens it.

Everything here obeys blinding: conflicts are counted only once a stage is unblinded, and
nothing else derived from more than one reviewer's votes is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from screener.core.models import Stage
from screener.store import Store


@dataclass(frozen=True)
class Waiting:
    key: str
    text: str


def waiting(store: Store) -> list[Waiting]:
    """The work that is waiting, most urgent first."""
    out: list[Waiting] = []
    records = store.max_record_id()
    last = store.last_dedup_run()
    new = records - (last["max_record_id"] if last else 0) if records else 0
    if new > 0:
        out.append(Waiting("d", f"{new} imported records not yet deduplicated: d, then r runs dedup"))
    pairs = len(store.possible_queue())
    if pairs:
        out.append(
            Waiting("d", f"{pairs} possible duplicate pair{'s' if pairs != 1 else ''} wait for a human")
        )
    protocol = store.protocol()
    for name in protocol.rules.stages:
        stage = Stage(name)
        if store.is_blind(stage, protocol):
            continue
        pool = set(store.stage_pool(stage, protocol))
        if not pool:
            continue
        conflicts = len(store.conflicts(stage))
        if conflicts:
            out.append(
                Waiting("c", f"{conflicts} open conflict{'s' if conflicts != 1 else ''} at {stage.label}")
            )
        back = len(store.reopened(stage))
        if back:
            out.append(Waiting("s", f"{back} reopened record{'s' if back != 1 else ''} at {stage.label}"))
        if all(pool <= store.decided_ids(stage, r) for r in store.screening_reviewers(protocol)):
            rest = "; resolve its conflicts (c)" if conflicts else ""
            out.append(
                Waiting(
                    "p",
                    f"{stage.label} is finished: every reviewer has screened its {len(pool)} records{rest}",
                )
            )
    return out
