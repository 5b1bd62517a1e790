"""Agreement between reviewers and per-stage counts, gathered from the store.

Agreement needs every reviewer's decisions, so it is refused while a stage is blind (the
store raises :class:`screener.store.Blinded`).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from itertools import combinations

from screener.core.agreement import (
    BINARY_CATEGORIES,
    SCREENING_CATEGORIES,
    Agreement,
    agreement,
    collapse_maybe,
    confusion,
)
from screener.core.conflicts import RecordState
from screener.core.models import Stage
from screener.core.output import csv_writer
from screener.store import Blind, Store


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of two reviewers at one stage, on the records both decided."""

    stage: Stage
    first: str
    second: str
    three: Agreement  # include / maybe / exclude
    binary: Agreement  # maybe counted as include (as Covidence does)

    def lines(self) -> list[str]:
        out = [f"{self.stage.label}: {self.first} vs {self.second}, {self.three.n} records decided by both"]
        for label, a in (
            ("include/maybe/exclude", self.three),
            ("include/exclude (maybe = include)", self.binary),
        ):
            out.append(f"  {label}: {_fmt(a)}")
            width = max(len(c) for c in a.categories) + 2
            corner = f"{self.first} \\ {self.second}"
            out.append(f"    {corner:<{width + 4}}" + "".join(f"{c:>{width}}" for c in a.categories))
            for cat, row in zip(a.categories, a.table, strict=True):
                out.append(f"    {cat:<{width + 4}}" + "".join(f"{n:>{width}}" for n in row))
        return out


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _fmt(a: Agreement) -> str:
    if a.n == 0:
        return "not defined: no records decided by both reviewers"
    kappa = (
        f"kappa {_num(a.kappa)} (95% CI {_num(a.kappa_ci_low)} to {_num(a.kappa_ci_high)})"
        if a.kappa is not None
        else a.undefined.get("kappa", "kappa not defined")
    )
    return f"Po {_num(a.observed)}, {kappa}, PABAK {_num(a.pabak)}, AC1 {_num(a.ac1)}"


def stage_agreement(store: Store, stage: Stage) -> list[PairAgreement]:
    """Agreement for every pair of reviewers at a stage (refused while the stage is blind)."""
    decisions = store.all_decisions(stage)
    by_reviewer: dict[str, dict[int, str]] = {}
    for (rid, reviewer), d in decisions.items():
        by_reviewer.setdefault(reviewer, {})[rid] = d.verdict.value
    out = []
    reviewers = store.screening_reviewers()
    for a, b in combinations(reviewers, 2):
        mine, theirs = by_reviewer.get(a, {}), by_reviewer.get(b, {})
        pairs = [(mine[rid], theirs[rid]) for rid in sorted(set(mine) & set(theirs))]
        table = confusion(pairs, SCREENING_CATEGORIES)
        out.append(
            PairAgreement(
                Stage(stage),
                a,
                b,
                agreement(table, SCREENING_CATEGORIES),
                agreement(collapse_maybe(table), BINARY_CATEGORIES),
            )
        )
    return out


def stages_by_blindness(store: Store) -> tuple[list[Stage], list[Stage]]:
    """The protocol's stages, in order: those no longer blind, and those still blind."""
    stages = [Stage(s) for s in store.protocol().rules.stages]
    blind = [s for s in stages if store.is_blind(s)]
    return [s for s in stages if s not in blind], blind


def agreement_json(pairs: list[PairAgreement]) -> str:
    return json.dumps(
        [
            {
                "stage": p.stage.value,
                "reviewers": [p.first, p.second],
                "include_maybe_exclude": p.three.as_dict(),
                "include_exclude": p.binary.as_dict(),
            }
            for p in pairs
        ],
        indent=2,
    )


AGREEMENT_COLUMNS = [
    "stage",
    "reviewer_1",
    "reviewer_2",
    "categories",
    "n",
    "observed",
    "expected",
    "kappa",
    "kappa_ci_low",
    "kappa_ci_high",
    "pabak",
    "ac1",
    "table",
    "not_defined",
]


def agreement_csv(pairs: list[PairAgreement]) -> str:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(AGREEMENT_COLUMNS)
    for p in pairs:
        for a in (p.three, p.binary):
            d = a.as_dict()
            writer.writerow(
                [
                    p.stage.value,
                    p.first,
                    p.second,
                    "/".join(a.categories),
                    a.n,
                    *("" if d[k] is None else d[k] for k in AGREEMENT_COLUMNS[5:12]),
                    json.dumps(d["table"]),
                    "; ".join(a.undefined.values()),
                ]
            )
    return out.getvalue()


@dataclass(frozen=True)
class StageCounts:
    """Where a stage stands: the numbers ``screener status`` prints.

    While the stage is blind, ``blind`` says why and the outcome counts are None (never read);
    ``records`` is None too when the stage's pool itself is hidden (an earlier stage is blind).
    """

    stage: Stage
    records: int | None
    decided: int | None
    included: int | None
    excluded: int | None
    conflicts: int | None
    resolved: int | None
    awaiting: int | None
    undecided: int | None
    blind: Blind | None
    not_retrieved: int | None = 0  # full text: reports that could not be obtained (an outcome, not a wait)
    reopened: tuple[int, ...] = ()  # records reopened after a final outcome, not decided again yet

    @property
    def to_screen(self) -> int | None:
        """Records reviewers screen: the stage's records less the reports not retrieved."""
        return None if self.records is None else self.records - (self.not_retrieved or 0)


def stage_counts(store: Store, stage: Stage, viewer: str | None = None) -> StageCounts:
    blinding = store.blinding(viewer, upto=Stage(stage))
    blind = blinding.of(stage)
    if blind is not None:
        if Stage(stage) in blinding.pool_hidden:
            return StageCounts(Stage(stage), None, None, None, None, None, None, None, None, blind, None)
        not_retrieved = len(store.not_retrieved_ids()) if Stage(stage) is Stage.FULL_TEXT else 0
        return StageCounts(
            Stage(stage),
            store.pool_size(stage),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            blind,
            not_retrieved,
        )
    state = store.stage_state(stage, viewer=viewer)
    finals_in = state.count(RecordState.INCLUDED)
    finals_out = state.count(RecordState.EXCLUDED)
    resolved = state.count(RecordState.RESOLVED)
    resolutions = store.resolutions(stage, viewer)
    res_in = sum(1 for rid in state.ids(RecordState.RESOLVED) if resolutions[rid].verdict.value == "include")
    return StageCounts(
        stage=Stage(stage),
        records=len(state.states),
        decided=finals_in + finals_out + resolved,
        included=finals_in + res_in,
        excluded=finals_out + resolved - res_in,
        conflicts=state.count(RecordState.CONFLICT),
        resolved=resolved,
        awaiting=state.count(RecordState.AWAITING),
        undecided=state.count(RecordState.UNDECIDED),
        blind=None,
        not_retrieved=state.count(RecordState.NOT_RETRIEVED),
        reopened=tuple(store.reopened(stage)),
    )
