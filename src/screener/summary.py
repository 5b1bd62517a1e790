"""A compact picture of a review: sources, records, duplicates, progress per reviewer and stage.

Shared by ``screener status`` and the TUI's home screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from screener.core.models import Source, Stage
from screener.store import Store


@dataclass(frozen=True)
class StageProgress:
    stage: Stage
    reviewer: str
    decided: int
    pool: int | None  # records this stage screens, None where it is not known yet
    by_verdict: dict[str, int]


@dataclass(frozen=True)
class ReviewStatus:
    title: str
    location: str
    sources: list[Source]
    records: int
    duplicates_removed: int
    progress: list[StageProgress]

    @property
    def to_screen(self) -> int:
        return self.records - self.duplicates_removed

    def lines(self) -> list[str]:
        out = [f"Review: {self.title}", f"Database: {self.location}", ""]
        if not self.sources:
            out.append("Sources: none yet (screener import FILE...)")
        else:
            out.append(f"Sources: {len(self.sources)} searches, {self.records} records")
            for s in self.sources:
                when = f", searched {s.searched_on}" if s.searched_on else ""
                out.append(f"  {s.id:>3}  {s.name:<14} {s.record_count:>6} records  {s.file_name}{when}")
        out.append(f"Duplicates removed: {self.duplicates_removed}; records to screen: {self.to_screen}")
        out.append("")
        out.append("Screening progress")
        for p in self.progress:
            pool = f" of {p.pool}" if p.pool is not None else ""
            verdicts = ", ".join(f"{k} {v}" for k, v in sorted(p.by_verdict.items()))
            out.append(f"  {p.stage.value:<15} {p.reviewer:<6} {p.decided:>6}{pool} decided"
                       + (f" ({verdicts})" if verdicts else ""))
        return out


def review_status(store: Store) -> ReviewStatus:
    """Gather the review's status from the store."""
    protocol = store.protocol()
    sources = store.sources()
    records = store.record_count()
    dups = store.duplicates_removed()
    counts = store.decision_counts()
    progress = []
    for stage_name in protocol.rules.stages:
        stage = Stage(stage_name)
        pool = records - dups if stage is Stage.TITLE_ABSTRACT else None
        for reviewer in store.reviewers():
            by_verdict = counts.get((stage.value, reviewer), {})
            progress.append(StageProgress(stage, reviewer, sum(by_verdict.values()), pool, by_verdict))
    return ReviewStatus(protocol.title, store.location, sources, records, dups, progress)
