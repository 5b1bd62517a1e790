"""Exports built from the store: decision log, record sets (RIS, BibTeX, CSV), full-text exclusions."""

from __future__ import annotations

import io

from screener.core.models import Stage, StoredRecord
from screener.core.output import csv_writer
from screener.exporters import write_bibtex, write_ris
from screener.store import Store, StoreError

DECISION_COLUMNS = [
    "decision_id",
    "record_id",
    "source",
    "source_record_id",
    "title",
    "reviewer",
    "stage",
    "verdict",
    "reasons",
    "reason_labels",
    "note",
    "time_utc",
]


def decisions_csv(
    store: Store, *, reviewer: str | None = None, stage: Stage | None = None, viewer: str | None = None
) -> str:
    """The decision history as CSV, oldest first: ``reviewer``'s, or every reviewer's.

    Anything but the viewer's own log is refused while its stage is blind (the store raises
    :class:`screener.store.Blinded`).
    """
    protocol = store.protocol()
    log = store.visible_log(viewer, reviewer, stage)
    records = {r.id: r for r in store.records({d.record_id for d in log})}
    sources = {s.id: s.name for s in store.sources()}
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(DECISION_COLUMNS)
    for d in log:
        rec = records[d.record_id]
        reasons = protocol.reason_ids(d.reasons)  # a reason retired with --map as the one it counts as
        labels = [c.label for c in (protocol.criterion(r) for r in reasons) if c]
        writer.writerow(
            [
                d.id,
                d.record_id,
                sources.get(rec.source_id, ""),
                rec.bib.source_id or "",
                rec.bib.title or "",
                d.reviewer,
                d.stage.value,
                d.verdict.value,
                ";".join(reasons),
                "; ".join(labels),
                d.note or "",
                d.created_at.isoformat() if d.created_at else "",
            ]
        )
    return out.getvalue()


RECORD_COLUMNS = [
    "record_id",
    "source",
    "source_record_id",
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "abstract",
]


def box_records(store: Store, box: str, viewer: str | None = None) -> list[StoredRecord]:
    """The records of a PRISMA box as screeners see them (a cluster's primary with merged fields)."""
    ids = store.box_ids(box, viewer)
    if ids is None:
        raise StoreError(f"no set '{box}'; sets: {', '.join(store.box_names(viewer))}")
    return [r for r in (store.screening_record(rid) for rid in ids) if r is not None]


def records_export(store: Store, box: str, fmt: str) -> str:
    """A set of records (by default the included ones) as RIS, BibTeX or CSV for a reference manager."""
    records = box_records(store, box)
    if fmt == "ris":
        return write_ris(r.bib for r in records)
    if fmt == "bibtex":
        return write_bibtex(r.bib for r in records)
    sources = {s.id: s.name for s in store.sources()}
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(RECORD_COLUMNS)
    for r in records:
        b = r.bib
        writer.writerow(
            [
                r.id,
                sources[r.source_id],
                b.source_id or "",
                b.title or "",
                "; ".join(map(str, b.authors)),
                b.year or "",
                b.journal or b.journal_abbrev or "",
                b.volume or "",
                b.issue or "",
                b.pages or "",
                b.doi or "",
                b.pmid or "",
                b.abstract or "",
            ]
        )
    return out.getvalue()


EXCLUSION_COLUMNS = [
    "record_id",
    "first_author",
    "year",
    "title",
    "doi",
    "reason",
    "reasons_given",
    "resolved",
    "resolution_note",
]


def fulltext_exclusions_csv(store: Store) -> str:
    """Reports excluded at full text with the reason counted in PRISMA (item 16b), and every reason given."""
    protocol = store.protocol()
    stage = Stage.FULL_TEXT
    ids = set(store.box_ids("reports_excluded") or []) | set(store.box_ids("other_reports_excluded") or [])
    decisions = store.all_decisions(stage) if ids else {}
    resolutions = store.resolutions(stage)
    counted = store.counted_reasons(stage)
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(EXCLUSION_COLUMNS)
    for r in store.records(sorted(ids)):
        given = sorted(
            {x for (rid, _), d in decisions.items() if rid == r.id for x in protocol.reason_ids(d.reasons)}
        )
        res = resolutions.get(r.id)
        reason = protocol.criterion(counted.get(r.id) or "")
        writer.writerow(
            [
                r.id,
                r.bib.first_author or "",
                r.bib.year or "",
                r.bib.title or "",
                r.bib.doi or "",
                reason.label if reason else "Reason not recorded",
                "; ".join(c.label if (c := protocol.criterion(x)) else x for x in given),
                "yes" if res else "no",
                (res.note or "") if res else "",
            ]
        )
    return out.getvalue()


RESOLUTION_COLUMNS = [
    "resolution_id",
    "record_id",
    "title",
    "stage",
    "verdict",
    "reasons",
    "reason_labels",
    "resolved_by",
    "method",
    "note",
    "in_effect",
    "time_utc",
]


def resolutions_csv(store: Store) -> str:
    """The resolution log as CSV, oldest first: every resolution ever recorded, like the decision log.

    ``in_effect`` is "yes" for the resolution that decides the record now (the latest,
    unless a reopening set it aside).
    """
    protocol = store.protocol()
    log = store.resolution_log()  # refused while a stage it covers is blind
    in_effect = {r.id for stage in sorted({r.stage for r in log}) for r in store.resolutions(stage).values()}
    records = {r.id: r for r in store.records({r.record_id for r in log})}
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(RESOLUTION_COLUMNS)
    for r in log:
        reasons = protocol.reason_ids(r.reasons)
        labels = [c.label for c in (protocol.criterion(x) for x in reasons) if c]
        writer.writerow(
            [
                r.id,
                r.record_id,
                records[r.record_id].bib.title or "",
                r.stage.value,
                r.verdict.value,
                ";".join(reasons),
                "; ".join(labels),
                r.resolved_by,
                r.method,
                r.note or "",
                "yes" if r.id in in_effect else "no",
                r.created_at.isoformat() if r.created_at else "",
            ]
        )
    return out.getvalue()
