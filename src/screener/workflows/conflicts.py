"""Conflicts as text: each conflicted record with every reviewer's verdict, reasons and note."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from screener.core.models import Decision, Resolution, Stage
from screener.core.protocol import Protocol
from screener.store import Store


def describe_vote(protocol: Protocol, d: Decision) -> str:
    """'exclude — Conference papers or abstracts (note: ...)' for one decision."""
    text = d.verdict.value
    labels = [c.label if (c := protocol.criterion(r)) else r for r in protocol.reason_ids(d.reasons)]
    if labels:
        text += " — " + "; ".join(labels)
    if d.note:
        text += f" (note: {d.note})"
    return text


def _with_notes(
    store: Store, stage: Stage, decisions: dict[tuple[int, str], Decision]
) -> dict[tuple[int, str], Decision]:
    """Each decision with its reviewer's latest note on the record (notes are stored on their own)."""
    notes = store.notes(stage)
    return {k: replace(d, note=notes.get(k, d.note)) for k, d in decisions.items()}


def votes(store: Store, stage: Stage, record_id: int) -> list[Decision]:
    """Every reviewer's current decision on a record, with their note (refused while blind)."""
    mine = {k: d for k, d in store.all_decisions(stage).items() if k[0] == record_id}
    return sorted(_with_notes(store, stage, mine).values(), key=lambda d: d.reviewer)


def describe_resolution(protocol: Protocol, r: Resolution) -> str:
    """'include, by NA (consensus) on 2026-11-30 12:00 UTC — note: ...' for one resolution."""
    text = r.verdict.value
    labels = [c.label if (c := protocol.criterion(x)) else x for x in protocol.reason_ids(r.reasons)]
    if labels:
        text += " — " + "; ".join(labels)
    when = r.created_at.strftime("%Y-%m-%d %H:%M UTC") if r.created_at else "?"
    text += f", by {r.resolved_by} ({r.method}) on {when}"
    if r.note:
        text += f" (note: {r.note})"
    return text


def resolution_history(store: Store, stage: Stage, record_id: int) -> list[Resolution]:
    """Every resolution of a record at a stage, oldest first (the latest is the one in effect)."""
    return [r for r in store.resolution_log(stage) if r.record_id == record_id]


def conflict_lines(store: Store, stage: Stage, ids: Sequence[int], resolved: Sequence[int] = ()) -> list[str]:
    """Open conflicts (and, with ``resolved``, resolved ones with who, method, when and note)."""
    if not ids and not resolved:
        return [f"no conflicts at {stage.value}"]
    protocol = store.protocol()
    decisions = _with_notes(store, stage, store.all_decisions(stage))
    records = {r.id: r for r in store.records([*ids, *resolved])}
    log: dict[int, list[Resolution]] = {}
    for res in store.resolution_log(stage):
        log.setdefault(res.record_id, []).append(res)
    out = [
        f"{len(ids)} conflict{'s' if len(ids) != 1 else ''} at {stage.value}"
        + (f", {len(resolved)} resolved:" if resolved else ":")
    ]
    for rid in sorted({*ids, *resolved}):
        bib = records[rid].bib
        state = " (resolved)" if rid in resolved else ""
        out.append(
            f"record {rid}{state}: {bib.title or '(no title)'} ({bib.first_author or '?'}, "
            f"{bib.year or 'n.d.'})"
        )
        for (r, _), d in sorted(decisions.items(), key=lambda kv: kv[0][1]):
            if r == rid:
                out.append(f"    {d.reviewer:<6} {describe_vote(protocol, d)}")
        history = log.get(rid, [])
        for n, res in enumerate(history):
            latest = n == len(history) - 1 and rid in resolved
            out.append(f"    {'resolved' if latest else 'earlier':<8} {describe_resolution(protocol, res)}")
    return out
