"""A compact picture of a review: sources, records, duplicates, progress per reviewer and stage.

Shared by ``screener status`` and the TUI's home screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from screener.core.models import Source, Stage
from screener.core.stopping import Guide
from screener.store import Blind, Progress, Store
from screener.workflows.agreement import StageCounts, stage_counts

StageProgress = Progress  # one reviewer's progress at a stage, as the store lets the viewer see it


@dataclass(frozen=True)
class ReviewStatus:
    title: str
    location: str
    sources: list[Source]
    records: int
    duplicates_removed: int
    progress: list[StageProgress]
    stages: list[StageCounts]
    guides: Sequence[tuple[Stage, str, Guide | None]] = ()

    @property
    def to_screen(self) -> int:
        return self.records - self.duplicates_removed

    def lines(self) -> list[str]:
        return [
            f"Review: {self.title}",
            f"Database: {self.location}",
            "",
            *self._source_lines(),
            f"Duplicates removed: {self.duplicates_removed}; records to screen: {self.to_screen}",
            "",
            *self._stage_lines(),
            "",
            "Screening progress",
            *self._progress_lines(),
            *self._guide_lines(),
        ]

    def _source_lines(self) -> list[str]:
        if not self.sources:
            return ["Sources: none yet (screener import FILE...)"]
        out = [f"Sources: {len(self.sources)} searches, {self.records} records"]
        for s in self.sources:
            when = f", searched {s.searched_on}" if s.searched_on else ""
            out.append(f"  {s.id:>3}  {s.name:<14} {s.record_count:>6} records  {s.file_name}{when}")
        return out

    def _stage_lines(self) -> list[str]:
        out = [
            "Stages            records  decided  included  excluded  conflicts  resolved  awaiting 2nd  "
            "undecided  not retrieved"
        ]
        for c in self.stages:
            nr = (
                f"  {'blind' if c.not_retrieved is None else c.not_retrieved:>13}"
                if c.stage is Stage.FULL_TEXT
                else ""
            )
            if (
                c.blind
            ):  # outcomes (even how many are undecided) would tell one reviewer what the other decided
                records = "blind" if c.records is None else c.records
                out.append(
                    f"  {c.stage.value:<15} {records:>7}  {'(blind: outcomes hidden until unblinded)':<58}"
                    f"{'blind':>9}{nr}"
                )
                continue
            out.append(
                f"  {c.stage.value:<15} {c.records:>7}  {c.decided:>7}  {c.included:>8}  {c.excluded:>8}  "
                f"{c.conflicts:>9}  {c.resolved:>8}  {c.awaiting:>12}  {c.undecided:>9}{nr}"
            )
        for c in self.stages:
            if c.reopened:
                out.append(
                    f"  {c.stage.value}: {len(c.reopened)} reopened after a final decision, not decided "
                    f"again: records {', '.join(map(str, c.reopened))}"
                )
        for c in self.stages:
            if c.blind:
                out.append(f"  {c.blind.reason}")
        return out

    def _progress_lines(self) -> list[str]:
        out = []
        for p in self.progress:
            if isinstance(p.decided, Blind):
                out.append(f"  {p.stage.value:<15} {p.reviewer:<6} {'blind':>6}")
                continue
            pool = "" if isinstance(p.pool, Blind) else f" of {p.pool}"
            verdicts = (
                ""
                if isinstance(p.by_verdict, Blind)
                else ", ".join(f"{k} {v}" for k, v in sorted(p.by_verdict.items()))
            )
            out.append(
                f"  {p.stage.value:<15} {p.reviewer:<6} {p.decided!s:>6}{pool} decided"
                + (f" ({verdicts})" if verdicts else "")
                + (
                    f"; {p.not_retrieved} reports not retrieved"
                    if isinstance(p.not_retrieved, int) and p.not_retrieved
                    else ""
                )
            )
        return out

    def _guide_lines(self) -> list[str]:
        if not self.guides:
            return []
        out = ["", "Stopping guide (relevance order)"]
        for stage, reviewer, guide in self.guides:
            if guide is None:
                out.append(
                    f"  {stage.value:<15} {reviewer:<6} hidden while the stage is blind "
                    f"(screener status --reviewer {reviewer} shows yours)"
                )
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
    progress = store.screening_progress(viewer)
    stages = [stage_counts(store, Stage(name), viewer) for name in protocol.rules.stages]
    guides: list[tuple[Stage, str, Guide | None]] = []
    if protocol.rules.order == "relevance":
        for p in progress:
            guide = None
            if not isinstance(p.by_verdict, Blind) and isinstance(p.pool, int):
                guide = store.stopping_guide(p.stage, p.reviewer, p.pool)
            guides.append((p.stage, p.reviewer, guide))
    return ReviewStatus(protocol.title, store.location, sources, records, dups, progress, stages, guides)
