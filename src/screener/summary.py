"""A compact picture of a review: sources, records, duplicates, progress per reviewer and stage.

Shared by ``screener status`` and the TUI's home screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from screener.core.models import Source, Stage
from screener.core.stopping import Guide
from screener.stats import StageCounts, stage_counts
from screener.store import Store


@dataclass(frozen=True)
class StageProgress:
    stage: Stage
    reviewer: str
    decided: int
    pool: int  # records reviewers screen at this stage (not-retrieved reports left out)
    by_verdict: dict[str, int]
    not_retrieved: int = 0


@dataclass(frozen=True)
class ReviewStatus:
    title: str
    location: str
    sources: list[Source]
    records: int
    duplicates_removed: int
    progress: list[StageProgress]
    stages: list[StageCounts]
    guides: list[tuple[Stage, str, Guide | None]] = ()  # type: ignore[assignment]

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
        out.append("Stages            records  decided  included  excluded  conflicts  resolved  awaiting 2nd  undecided"
                   "  not retrieved")
        for c in self.stages:
            nr = f"  {c.not_retrieved:>13}" if c.stage is Stage.FULL_TEXT else ""
            if c.blind:  # outcomes would tell one reviewer what the other decided
                out.append(f"  {c.stage.value:<15} {c.records:>7}  {'(blind: outcomes hidden until unblinded)':<58}"
                           f"{c.undecided:>9}{nr}")
                continue
            out.append(f"  {c.stage.value:<15} {c.records:>7}  {c.decided:>7}  {c.included:>8}  {c.excluded:>8}  "
                       f"{c.conflicts:>9}  {c.resolved:>8}  {c.awaiting:>12}  {c.undecided:>9}{nr}")
        for c in self.stages:
            if c.reopened:
                out.append(f"  {c.stage.value}: {len(c.reopened)} reopened after a final decision, not decided "
                           f"again: records {', '.join(map(str, c.reopened))}")
        out.append("")
        out.append("Screening progress")
        for p in self.progress:
            pool = f" of {p.pool}"
            verdicts = ", ".join(f"{k} {v}" for k, v in sorted(p.by_verdict.items()))
            out.append(f"  {p.stage.value:<15} {p.reviewer:<6} {p.decided:>6}{pool} decided"
                       + (f" ({verdicts})" if verdicts else "")
                       + (f"; {p.not_retrieved} reports not retrieved" if p.not_retrieved else ""))
        if self.guides:
            out.append("")
            out.append("Stopping guide (relevance order)")
        for stage, reviewer, guide in self.guides:
            if guide is None:
                out.append(f"  {stage.value:<15} {reviewer:<6} hidden while the stage is blind "
                           f"(screener status --reviewer {reviewer} shows yours)")
                continue
            first, *rest = guide.lines()
            out.append(f"  {stage.value:<15} {reviewer:<6} {first}")
            out.extend(f"  {'':<15} {'':<6} {line}" for line in rest)
        return out


def review_status(store: Store, viewer: str | None = None) -> ReviewStatus:
    """Gather the review's status from the store.

    While a stage is blind, each reviewer's verdict counts are shown only to that
    reviewer (``viewer``); everyone sees how many records each reviewer has decided.
    """
    protocol = store.protocol()
    sources = store.sources()
    records = store.record_count()
    dups = store.duplicates_removed()
    counts = store.decision_counts(queued_only=True)
    progress = []
    stages = []
    guides: list[tuple[Stage, str, Guide | None]] = []
    for stage_name in protocol.rules.stages:
        stage = Stage(stage_name)
        stages.append(stage_counts(store, stage))
        pool = stages[-1].to_screen
        for reviewer in store.screening_reviewers(protocol):
            by_verdict = counts.get((stage.value, reviewer), {})
            decided = sum(by_verdict.values())
            if stages[-1].blind and reviewer != viewer:
                by_verdict = {}
            progress.append(StageProgress(stage, reviewer, decided, pool, by_verdict, stages[-1].not_retrieved))
            if protocol.rules.order == "relevance":
                shown = not stages[-1].blind or reviewer == viewer
                guides.append((stage, reviewer, store.stopping_guide(stage, reviewer, pool) if shown else None))
    return ReviewStatus(protocol.title, store.location, sources, records, dups, progress, stages, guides)
