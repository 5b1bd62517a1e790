"""Exports built from the store: decision log (more formats arrive with the PRISMA issue)."""

from __future__ import annotations

import csv
import io

from screener.core.models import Stage
from screener.store import Store

DECISION_COLUMNS = ["decision_id", "record_id", "source", "source_record_id", "title", "reviewer", "stage",
                    "verdict", "reasons", "reason_labels", "note", "time_utc"]


def decisions_csv(store: Store, *, reviewer: str | None = None, stage: Stage | None = None) -> str:
    """The full decision history as CSV, oldest first.

    Without ``reviewer`` it contains every reviewer's decisions, which is refused while a
    stage is blind (the store raises :class:`screener.store.Blinded`).
    """
    protocol = store.protocol()
    log = [d for d in store.decision_log(reviewer=reviewer) if stage is None or d.stage is stage]
    if reviewer is None:
        for s in sorted({d.stage for d in log}):
            store.all_decisions(s)  # raises Blinded while the stage is blind
    records = {r.id: r for r in store.records({d.record_id for d in log})}
    sources = {s.id: s.name for s in store.sources()}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DECISION_COLUMNS)
    for d in log:
        rec = records[d.record_id]
        labels = [c.label for c in (protocol.criterion(r) for r in d.reasons) if c]
        writer.writerow([d.id, d.record_id, sources.get(rec.source_id, ""), rec.bib.source_id or "",
                         rec.bib.title or "", d.reviewer, d.stage.value, d.verdict.value, ";".join(d.reasons),
                         "; ".join(labels), d.note or "", d.created_at.isoformat() if d.created_at else ""])
    return out.getvalue()
