"""The blinding rule, in one place: what anyone may read while a stage is blind.

While a stage is blind, nothing derived from another reviewer's votes at that stage, or
from more than one reviewer's votes, is shown to anyone, the lead included: outcomes,
conflicts, agreement, the PRISMA boxes of the stage and every box of a later stage (the
full-text pool is the records both reviewers included at title/abstract, so it is blind
too). A reviewer always sees their own votes and progress; how many records each
reviewer has screened (not how) and the counts that depend on no vote (records
identified, duplicates, records screened) stay visible.

:meth:`BlindingRule.blinding` decides, for a viewer, which stages are blind and why; every
store method that reads derived data asks it (``check``) and raises :class:`Blinded`
carrying the :class:`Blind` reason, or returns a :class:`Blind` marker where a number
would be. Screens and commands only render what the store returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, insert, select
from sqlmodel import col

from screener.core.models import Stage
from screener.store import tables as t
from screener.store.engine import StoreError
from screener.store.pools import Pools

if TYPE_CHECKING:
    from screener.core.protocol import Protocol

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT

# PRISMA boxes (and flow numbers) that depend on no vote: visible whatever is blind.
OPEN_BOXES = (
    "duplicates",
    "records_screened",
    "other_reports_sought",
    "other_reports_not_retrieved",
    "other_reports_assessed",
    "sources",
)
# Boxes that are title/abstract outcomes or the full-text pool made of them.
TA_BOXES = (
    "records_excluded",
    "records_excluded_automation",
    "records_undecided",
    "reports_sought",
    "reports_not_retrieved",
    "reports_assessed",
)


def box_stage(name: str) -> Stage | None:
    """The stage whose votes a PRISMA box (or flow number) depends on; None: it depends on no vote."""
    if name.startswith("identified:") or name in OPEN_BOXES:
        return None
    if name in TA_BOXES:
        return TA
    return FT  # reports excluded (and reasons), included, studies, reports undecided


@dataclass(frozen=True)
class Blind:
    """What stands where a hidden value would be: the stage that hides it and why."""

    stage: Stage
    reason: str  # "title/abstract is blind: 2 reviewers, 10 of 62 screened by ZL"

    def __str__(self) -> str:
        return "blind"


class Blinded(StoreError):
    """Something derived from another reviewer's votes was asked for while its stage is blind."""

    def __init__(self, blind: Blind | str) -> None:
        if isinstance(blind, str):  # kept for callers that only have a message
            blind = Blind(TA, blind)
        super().__init__(blind.reason)
        self.blind = blind


@dataclass(frozen=True)
class Blinding:
    """For one viewer at one moment: which stages are blind (and why), and whose pool is hidden."""

    viewer: str | None
    blind: dict[Stage, Blind] = field(default_factory=dict)
    pool_hidden: dict[Stage, Blind] = field(default_factory=dict)  # an earlier stage is blind

    def of(self, stage: Stage | str | None) -> Blind | None:
        return None if stage is None else self.blind.get(Stage(stage))

    def check(self, stage: Stage | str) -> None:
        """Raise :class:`Blinded` if the stage is blind."""
        if (b := self.of(stage)) is not None:
            raise Blinded(b)

    def check_pool(self, stage: Stage | str) -> None:
        """Raise :class:`Blinded` if even the stage's pool (which records it has) is hidden."""
        if (b := self.pool_hidden.get(Stage(stage))) is not None:
            raise Blinded(b)

    def box(self, name: str) -> Blind | None:
        return self.of(box_stage(name))

    @property
    def reasons(self) -> list[str]:
        """One line per blind stage, in stage order."""
        return [b.reason for b in self.blind.values()]


@dataclass(frozen=True)
class Progress:
    """One reviewer's progress at a stage as a viewer may see it."""

    stage: Stage
    reviewer: str
    decided: int | Blind  # how many records, never how: visible to all, unless the stage's pool is hidden
    pool: int | Blind  # records reviewers screen at this stage (not-retrieved reports left out)
    by_verdict: dict[str, int] | Blind  # the reviewer's own, or everyone's once the stage is open
    not_retrieved: int | Blind = 0


class BlindingRule(Pools):
    """The one place that decides blinding (see the module's docstring)."""

    def screening_reviewers(self, protocol: Protocol | None = None) -> list[str]:
        protocol = protocol or self.protocol()
        return [r.initials for r in protocol.reviewers if r.role != "arbiter"]

    def unblind(self, stage: Stage, by: str) -> None:
        """Lift blinding at a stage; only the review's lead may."""
        protocol = self.protocol()
        if by not in [r.initials for r in protocol.reviewers]:
            self.check_reviewer(by, "--by")
        leads = [r.initials for r in protocol.reviewers if r.role == "lead"]
        if by not in leads:
            who = ", ".join(leads) or 'nobody (set role = "lead" on a reviewer in the protocol)'
            raise StoreError(f"only the review's lead can unblind a stage (lead: {who}); '{by}' is not")

        def work(conn: Connection) -> None:
            conn.execute(
                insert(t.Unblinding).values(stage=Stage(stage).value, by=by, created_at=datetime.now(UTC))
            )

        self._write(work)

    def unblinded_by_lead(self, stage: Stage) -> bool:
        with self._read() as conn:
            return bool(
                conn.execute(
                    select(func.count())
                    .select_from(t.Unblinding)
                    .where(col(t.Unblinding.stage) == Stage(stage).value)
                ).scalar_one()
            )

    def blinding(
        self, viewer: str | None = None, protocol: Protocol | None = None, *, upto: Stage | None = None
    ) -> Blinding:
        """Which stages are blind for ``viewer`` (None: someone unknown) and why.

        A stage is blind until the lead unblinds it or every screening reviewer has decided
        all of its records; a stage after a blind one is blind too, and its pool is hidden
        (it is made of the earlier stage's outcomes). ``upto`` stops after that stage.
        """
        protocol = protocol or self.protocol()
        reviewers = self.screening_reviewers(protocol)
        blind: dict[Stage, Blind] = {}
        pools: dict[Stage, Blind] = {}
        earlier: Blind | None = None
        for stage in Stage:  # stage order
            if earlier is not None:
                blind[stage] = pools[stage] = Blind(
                    stage,
                    f"{_name(stage)} is blind: it is made of {_name(earlier.stage)} "
                    f"outcomes, and {earlier.reason}",
                )
            elif stage.value in protocol.rules.stages:
                own = self._stage_blindness(stage, reviewers, viewer)
                if own is not None:
                    blind[stage] = earlier = own
            if stage is upto:
                break
        return Blinding(viewer, blind, pools)

    def _stage_blindness(self, stage: Stage, reviewers: list[str], viewer: str | None) -> Blind | None:
        if self.unblinded_by_lead(stage):
            return None
        pool = self.queue_query(stage)  # not-retrieved reports need no decision: the stage can finish
        with self._read() as conn:
            size = conn.execute(select(func.count()).select_from(pool.subquery())).scalar_one()
            done: dict[str, int] = dict(
                conn.execute(
                    select(col(t.Vote.reviewer), func.count())
                    .where(col(t.Vote.stage) == stage.value, col(t.Vote.record_id).in_(pool))
                    .group_by(col(t.Vote.reviewer))
                ).all()
            )
        if all(done.get(r, 0) >= size for r in reviewers):  # every reviewer finished (or nothing to screen)
            return None
        who = f"{len(reviewers)} reviewer{'s' if len(reviewers) != 1 else ''}"
        if viewer in reviewers:
            text = f"{who}, {done.get(viewer, 0)} of {size} screened by {viewer}"
        else:
            text = (
                f"{who}, {size} records; "
                "it opens when every reviewer has screened them or the lead unblinds it"
            )
        return Blind(stage, f"{_name(stage)} is blind: {text}")

    def screening_progress(self, viewer: str | None = None) -> list[Progress]:
        """Each screening reviewer's progress per stage.

        How many they decided is shown always (unless the stage's pool is hidden; then only the
        viewer's own), the verdict counts only to their owner while the stage is blind.
        """
        protocol = self.protocol()
        blinding = self.blinding(viewer, protocol)
        out = []
        for name in protocol.rules.stages:
            stage = Stage(name)
            hidden, blind = blinding.pool_hidden.get(stage), blinding.of(stage)
            votes = select(col(t.Vote.reviewer), col(t.Vote.verdict), func.count()).where(
                col(t.Vote.stage) == stage.value
            )
            with self._read() as conn:
                pool: int | Blind = hidden or 0
                not_retrieved: int | Blind = hidden or 0
                if hidden is None:
                    queue = self.queue_query(stage)
                    # "decided" never exceeds the records to screen
                    votes = votes.where(col(t.Vote.record_id).in_(queue))
                    pool = conn.execute(select(func.count()).select_from(queue.subquery())).scalar_one()
                    if stage is FT:  # the pool with the reports marked not retrieved
                        whole = conn.execute(
                            select(func.count()).select_from(self.pool_query(stage).subquery())
                        ).scalar_one()
                        not_retrieved = whole - pool
                counts: dict[str, dict[str, int]] = {}
                for reviewer, verdict, n in conn.execute(
                    votes.group_by(col(t.Vote.reviewer), col(t.Vote.verdict))
                ):
                    counts.setdefault(reviewer, {})[verdict] = n
            for reviewer in self.screening_reviewers(protocol):
                mine = counts.get(reviewer, {})
                own = reviewer == viewer
                decided: int | Blind = sum(mine.values()) if hidden is None or own else hidden
                verdicts: dict[str, int] | Blind = mine if blind is None or own else blind
                out.append(Progress(stage, reviewer, decided, pool, verdicts, not_retrieved))
        return out

    def is_blind(self, stage: Stage, protocol: Protocol | None = None) -> bool:
        """Whether a stage is blind (itself, or because an earlier stage is): see :meth:`blinding`."""
        return self.blinding(protocol=protocol, upto=Stage(stage)).of(stage) is not None

    def check_open(self, stage: Stage, viewer: str | None = None) -> None:
        """Raise :class:`Blinded` (with the reason) if the stage is blind."""
        self.blinding(viewer, upto=Stage(stage)).check(stage)


def _name(stage: Stage) -> str:
    return stage.label.lower()
