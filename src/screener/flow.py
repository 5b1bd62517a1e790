"""The PRISMA 2020 flow of a review, computed from its data, with the records behind each box.

Every number is the size of a set of record ids, so ``screener prisma --box NAME`` can
list exactly the records that make it, and the counts cannot disagree with the lists.
The arithmetic between boxes is then checked by :func:`screener.core.prisma.check`, never
adjusted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from screener.core.conflicts import RecordState
from screener.core.models import Stage, Verdict
from screener.core.prisma import DatabaseSearch, DedupFacts, MethodsFacts, PrismaCounts, StageFacts
from screener.core.protocol import Protocol
from screener.core.screening import final_verdicts
from screener.store import Store

NO_REASON = "Reason not recorded"
OTHER_KINDS = {"website": "websites", "organisation": "organisations", "citation": "citation_searching"}


@dataclass
class Flow:
    """Record ids per PRISMA box, and the counts made from them."""

    boxes: dict[str, list[int]] = field(default_factory=dict)
    counts: PrismaCounts = field(default_factory=PrismaCounts)

    def box_names(self) -> list[str]:
        return list(self.boxes)


def _first_reason(protocol: Protocol, reasons: tuple[str, ...]) -> str:
    """One reason per excluded report (PRISMA counts reports, not reasons): the first in protocol order."""
    order = {c.id: n for n, c in enumerate(protocol.exclusion)}
    known = sorted((r for r in reasons if r in order), key=order.__getitem__)
    if not known:
        return NO_REASON
    criterion = protocol.criterion(known[0])
    assert criterion is not None
    return criterion.label


def compute_flow(store: Store) -> Flow:
    """Every PRISMA 2020 box of the review, from sources, duplicates, decisions and resolutions."""
    protocol = store.protocol()
    sources = {s.id: s for s in store.sources()}
    boxes: dict[str, list[int]] = {}
    by_source: dict[int, list[int]] = defaultdict(list)
    for rid, sid in store.record_sources_map().items():
        by_source[sid].append(rid)

    databases: dict[str, int] = {}
    registers: dict[str, int] = {}
    other: dict[str, int | None] = {v: None for v in OTHER_KINDS.values()}
    db_arm: set[int] = set()
    other_arm: set[int] = set()
    for sid, source in sources.items():
        ids = sorted(by_source.get(sid, []))
        key = f"identified:{source.name}"
        boxes[key] = sorted(boxes.get(key, []) + ids)
        if source.kind.value in OTHER_KINDS:
            name = OTHER_KINDS[source.kind.value]
            other[name] = (other[name] or 0) + len(ids)
            other_arm.update(ids)
        else:
            target = registers if source.kind.value == "register" else databases
            target[source.name] = target.get(source.name, 0) + len(ids)
            db_arm.update(ids)

    removed = store.removed_as_duplicates()
    boxes["duplicates"] = sorted(removed)

    ta = Stage.TITLE_ABSTRACT
    ta_state = store.stage_state(ta, protocol)
    ta_final = final_verdicts(ta_state, store.resolutions(ta))
    screened = sorted(ta_state.states)
    boxes["records_screened"] = screened
    boxes["records_excluded"] = [r for r in screened if ta_final.get(r) is Verdict.EXCLUDE]
    boxes["records_undecided"] = [r for r in screened if r not in ta_final]

    ft = Stage.FULL_TEXT
    has_ft = ft.value in protocol.rules.stages
    ft_state = store.stage_state(ft, protocol) if has_ft else None
    ft_resolutions = store.resolutions(ft) if has_ft else {}
    ft_final = final_verdicts(ft_state, ft_resolutions) if ft_state else {}
    retrievals = store.retrievals()
    decisions = store.current_decisions(ft) if has_ft else {}
    reasons_of: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    for (rid, _), d in decisions.items():
        if d.verdict is Verdict.EXCLUDE:
            reasons_of[rid].append(d.reasons)

    def arm(ids: set[int], prefix: str) -> tuple[int, int, int, dict[str, int]]:
        sought = sorted(ids)
        not_retrieved = [r for r in sought if r in retrievals and retrievals[r].status == "not-retrieved"]
        assessed = [r for r in sought if r not in set(not_retrieved)]
        excluded = [r for r in assessed if ft_final.get(r) is Verdict.EXCLUDE]
        reasons: dict[str, int] = {}
        for rid in excluded:
            if rid in ft_resolutions and ft_state and ft_state.states.get(rid) is RecordState.RESOLVED:
                label = _first_reason(protocol, ft_resolutions[rid].reasons)
            else:
                label = _first_reason(protocol, tuple(r for rs in reasons_of[rid] for r in rs))
            reasons[label] = reasons.get(label, 0) + 1
            boxes.setdefault(f"{prefix}excluded:{label}", []).append(rid)
        boxes[f"{prefix}sought"] = sought
        boxes[f"{prefix}not_retrieved"] = not_retrieved
        boxes[f"{prefix}assessed"] = assessed
        boxes[f"{prefix}excluded"] = excluded
        return len(not_retrieved), len(assessed), len(excluded), reasons

    ft_pool = set(ft_state.states) if ft_state else {r for r, v in ta_final.items() if v is Verdict.INCLUDE}
    main_nr, main_assessed, main_excl, main_reasons = arm(ft_pool & db_arm, "reports_")
    oth_nr, oth_assessed, oth_excl, oth_reasons = arm(ft_pool & other_arm, "other_reports_")

    included = sorted(r for r in ft_pool if ft_final.get(r) is Verdict.INCLUDE) if has_ft else \
        sorted(r for r, v in ta_final.items() if v is Verdict.INCLUDE)
    boxes["reports_included"] = included
    assessed_all = set(boxes["reports_assessed"]) | set(boxes["other_reports_assessed"])
    boxes["reports_undecided"] = sorted(r for r in assessed_all if r not in ft_final) if has_ft else []
    study_of = store.studies()
    studies = {study_of.get(r, -r) for r in included}  # an unlinked report is its own study

    counts = PrismaCounts(
        databases=databases, registers=registers, duplicates=len(removed & db_arm),
        records_screened=len(screened), records_excluded_human=len(boxes["records_excluded"]),
        reports_sought=len(boxes["reports_sought"]), reports_not_retrieved=main_nr, reports_assessed=main_assessed,
        reports_excluded=main_excl, reports_excluded_reasons=main_reasons,
        new_studies=len(studies), new_reports=len(included),
        other_reports_sought=len(boxes["other_reports_sought"]), other_reports_not_retrieved=oth_nr,
        other_reports_assessed=oth_assessed, other_reports_excluded=oth_excl,
        other_reports_excluded_reasons=oth_reasons,
        undecided_records=len(boxes["records_undecided"]), undecided_reports=len(boxes["reports_undecided"]),
        **other,
    )
    return Flow(boxes, counts)


def methods_facts(store: Store, dedup: DedupFacts | None = None) -> MethodsFacts:
    """The facts of the methods paragraph (PRISMA item 8, PRISMA-S item 16), from the review."""
    from screener import __version__
    from screener.stats import stage_agreement

    protocol = store.protocol()
    searches = [DatabaseSearch(s.name, s.platform, s.searched_on) for s in store.sources()
                if s.kind.value == "database"]
    registers = [DatabaseSearch(s.name, s.platform, s.searched_on) for s in store.sources()
                 if s.kind.value == "register"]
    stage_facts: dict[str, StageFacts] = {}
    for name in protocol.rules.stages:
        stage = Stage(name)
        kappa = ci = po = None
        if not store.is_blind(stage, protocol):
            pairs = stage_agreement(store, stage)
            if len(pairs) == 1 and pairs[0].binary.kappa is not None:
                a = pairs[0].binary
                kappa, po = a.kappa, a.observed
                if a.kappa_ci_low is not None and a.kappa_ci_high is not None:
                    ci = (a.kappa_ci_low, a.kappa_ci_high)
        reviewers = tuple(r.name or r.initials for r in protocol.reviewers if r.role != "arbiter")
        stage_facts[name] = StageFacts(protocol.rules.reviewers_per_record, True, True, reviewers, kappa, ci, po)
    arbiter = protocol.rules.arbiter
    arbiter_name = next((r.name or r.initials for r in protocol.reviewers if r.initials == arbiter), None)
    return MethodsFacts(
        databases=tuple(searches), registers=tuple(registers),
        title_abstract=stage_facts.get(Stage.TITLE_ABSTRACT.value), full_text=stage_facts.get(Stage.FULL_TEXT.value),
        conflict_resolution=protocol.rules.resolution,  # type: ignore[arg-type]
        arbiter=arbiter_name, dedup=dedup, automation=None, software=f"screener {__version__}",
    )
