"""Conflicts as text: each conflicted record with every reviewer's verdict, reasons and note."""

from __future__ import annotations

from collections.abc import Sequence

from screener.core.models import Decision, Stage
from screener.core.protocol import Protocol
from screener.store import Store


def describe_vote(protocol: Protocol, d: Decision) -> str:
    """'exclude — Conference papers or abstracts (note: ...)' for one decision."""
    text = d.verdict.value
    labels = [c.label if (c := protocol.criterion(r)) else r for r in d.reasons]
    if labels:
        text += " — " + "; ".join(labels)
    if d.note:
        text += f" (note: {d.note})"
    return text


def votes(store: Store, stage: Stage, record_id: int) -> list[Decision]:
    """Every reviewer's current decision on a record (refused while blind)."""
    return sorted((d for (rid, _), d in store.all_decisions(stage).items() if rid == record_id),
                  key=lambda d: d.reviewer)


def conflict_lines(store: Store, stage: Stage, ids: Sequence[int]) -> list[str]:
    if not ids:
        return [f"no conflicts at {stage.value}"]
    protocol = store.protocol()
    decisions = store.all_decisions(stage)
    records = {r.id: r for r in store.records(ids)}
    out = [f"{len(ids)} conflict{'s' if len(ids) != 1 else ''} at {stage.value}:"]
    for rid in ids:
        bib = records[rid].bib
        out.append(f"record {rid}: {bib.title or '(no title)'} ({bib.first_author or '?'}, {bib.year or 'n.d.'})")
        for (r, _), d in sorted(decisions.items(), key=lambda kv: kv[0][1]):
            if r == rid:
                out.append(f"    {d.reviewer:<6} {describe_vote(protocol, d)}")
    return out
