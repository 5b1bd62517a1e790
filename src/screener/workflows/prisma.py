"""The PRISMA 2020 flow of a review, computed from its data, with the records behind each box.

Every number is the size of a box the store defines as one SQL query of record ids, so
``screener prisma --box NAME`` lists exactly the records that make it, and the counts
cannot disagree with the lists.
The arithmetic between boxes is then checked by :func:`screener.core.prisma.counts.check`, never
adjusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from screener.core.models import Stage
from screener.core.prisma import (
    CheckMessage,
    DatabaseSearch,
    DedupFacts,
    MethodsFacts,
    PrismaCounts,
    StageFacts,
    check,
)
from screener.core.prisma.methods import ProtocolAmendment, WithdrawnSource
from screener.core.protocol import Protocol, parse_protocol
from screener.store import Blind, Blinded, Store

NO_REASON = "Reason not recorded"
OTHER_KINDS = {"website": "websites", "organisation": "organisations", "citation": "citation_searching"}


@dataclass
class Flow:
    """The PRISMA counts of a review; ``store.box_ids(name)`` lists the records behind a box.

    While a stage is blind, ``blind`` holds the reasons, ``numbers`` the counts with a
    :class:`Blind` marker for each hidden one, and ``counts`` (the whole diagram) raises
    :class:`Blinded`: a view that does not render blindness fails closed.
    """

    full: PrismaCounts | None = field(default_factory=PrismaCounts)
    reopened: dict[str, list[int]] = field(
        default_factory=dict
    )  # stage -> records reopened, not decided again
    numbers: dict[str, Any] = field(default_factory=dict)
    blind: list[Blind] = field(default_factory=list)

    @property
    def counts(self) -> PrismaCounts:
        if self.blind or self.full is None:
            raise Blinded(self.blind[0] if self.blind else "the PRISMA counts are blind")
        return self.full

    def checks(self) -> list[CheckMessage]:
        """The arithmetic checks between boxes (none while a stage is blind: there is no diagram)."""
        return [] if self.blind else check(self.counts)

    def blind_lines(self) -> list[str]:
        """The flow while a stage is blind: the numbers that depend on no vote, "blind" for the others."""
        n = self.numbers
        databases = sum(c for _, kind, c in n["sources"] if kind not in OTHER_KINDS)
        others = sum(c for _, kind, c in n["sources"] if kind in OTHER_KINDS)
        named: dict[str, int] = {}
        for name, kind, c in n["sources"]:
            if kind not in OTHER_KINDS:  # one database exported in several files is one search
                named[name] = named.get(name, 0) + c
        per = ", ".join(f"{name} {c}" for name, c in named.items())
        out = [
            "PRISMA 2020 flow, partly blind:",
            *(f"  {b.reason}" for b in self.blind),
            "Identification",
            f"  Records identified from databases and registers: {databases}" + (f" ({per})" if per else ""),
            f"  Duplicate records removed: {n['duplicates']}",
            "Screening",
            f"  Records screened: {n['records_screened']}",
        ]
        rows = [
            ("Records excluded", "records_excluded"),
            ("Records excluded by automation tools", "records_excluded_automation"),
            ("Records not yet decided", "records_undecided"),
            ("Reports sought for retrieval", "reports_sought"),
            ("Reports not retrieved", "reports_not_retrieved"),
            ("Reports assessed for eligibility", "reports_assessed"),
            ("Reports excluded", "reports_excluded"),
        ]
        if others:
            out += [f"  {label}: {n[key]}" for label, key in rows]
            out += ["Other methods", f"  Records identified: {others}"]
            rows = [
                ("Reports sought for retrieval", "other_reports_sought"),
                ("Reports not retrieved", "other_reports_not_retrieved"),
                ("Reports assessed for eligibility", "other_reports_assessed"),
                ("Reports excluded", "other_reports_excluded"),
            ]
        out += [f"  {label}: {n[key]}" for label, key in rows]
        out += [
            "Included",
            f"  Studies included in review: {n['studies']}",
            f"  Reports of included studies: {n['included']}",
            f"Reports not yet decided: {n['reports_undecided']}",
        ]
        return out

    def reopened_lines(self) -> list[str]:
        """One line per stage with records reopened after a final decision (they count as undecided)."""
        return [
            f"{stage}: {len(ids)} record{'s' if len(ids) != 1 else ''} reopened after a final decision, "
            f"not decided again (counted as undecided): {', '.join(map(str, ids))}"
            for stage, ids in self.reopened.items()
            if ids
        ]


def _reasons(protocol: Protocol, counts: dict[str | None, int]) -> dict[str, int]:
    """Reason id -> count, as labels in protocol order (unknown or missing reasons last)."""
    out: dict[str, int] = {}
    for c in protocol.exclusion:
        if counts.get(c.id):
            out[c.label] = counts[c.id]
    rest = sum(n for r, n in counts.items() if protocol.criterion(r or "") is None)
    if rest:
        out[NO_REASON] = rest
    return out


def compute_flow(store: Store, viewer: str | None = None) -> Flow:
    """Every PRISMA 2020 count of the review, by query: sources, duplicates, decisions, resolutions.

    While a stage is blind the flow carries the visible numbers and the reasons, not the diagram.
    """
    protocol = store.protocol()
    n = store.flow_numbers(viewer)
    blind = list({v.reason: v for v in n.values() if isinstance(v, Blind)}.values())
    if blind:
        return Flow(None, {}, n, sorted(blind, key=lambda b: list(Stage).index(b.stage)))
    databases: dict[str, int] = {}
    registers: dict[str, int] = {}
    other: dict[str, int | None] = {v: None for v in OTHER_KINDS.values()}
    for name, kind, count in n["sources"]:
        if kind in OTHER_KINDS:
            other[OTHER_KINDS[kind]] = (other[OTHER_KINDS[kind]] or 0) + count
        else:
            target = registers if kind == "register" else databases
            target[name] = target.get(name, 0) + count
    counts = PrismaCounts(
        databases=databases,
        registers=registers,
        duplicates=n["duplicates"],
        records_screened=n["records_screened"],
        records_excluded_human=n["records_excluded"],
        records_excluded_automation=n["records_excluded_automation"],
        reports_sought=n["reports_sought"],
        reports_not_retrieved=n["reports_not_retrieved"],
        reports_assessed=n["reports_assessed"],
        reports_excluded=n["reports_excluded"],
        reports_excluded_reasons=_reasons(protocol, n["reports_reasons"]),
        new_studies=n["studies"],
        new_reports=n["included"],
        other_reports_sought=n["other_reports_sought"],
        other_reports_not_retrieved=n["other_reports_not_retrieved"],
        other_reports_assessed=n["other_reports_assessed"],
        other_reports_excluded=n["other_reports_excluded"],
        other_reports_excluded_reasons=_reasons(protocol, n["other_reports_reasons"]),
        undecided_records=n["records_undecided"],
        undecided_reports=n["reports_undecided"],
        websites=other["websites"],
        organisations=other["organisations"],
        citation_searching=other["citation_searching"],
    )
    return Flow(counts, {name: store.reopened(Stage(name)) for name in protocol.rules.stages}, n)


def box_lines(store: Store, box: str) -> list[str] | None:
    """The records behind one PRISMA box, one line each after a heading (None: no such box)."""
    ids = store.box_ids(box)
    if ids is None:
        return None
    records = store.records(ids)
    sources = {s.id: s.name for s in store.sources()}
    return [
        f"{box}: {len(records)} records",
        *(
            f"{r.id:>6}  {sources[r.source_id]:<10} {r.bib.first_author or '?'} {r.bib.year or 'n.d.'}  "
            f"{(r.bib.title or '(no title)')[:90]}"
            for r in records
        ),
    ]


def prisma_document(store: Store, flow: Flow, fmt: str) -> str:
    """The PRISMA output as a file's text: methods, markdown, json, csv or svg (also for png and pdf).

    ``fmt`` "methods" is the methods paragraph, which may be written while a stage is blind;
    every other format needs the whole diagram (``flow.counts`` raises :class:`Blinded`).
    """
    from screener.core import prisma as P

    if fmt == "methods":
        return P.methods_paragraph(methods_facts(store)) + "\n"
    if fmt == "markdown":
        return P.to_markdown(flow.counts)
    if fmt == "json":
        return P.to_json(flow.counts)
    if fmt == "csv":
        return P.to_template_csv(flow.counts)
    if fmt in ("svg", "png", "pdf"):
        return P.to_svg(flow.counts, store.protocol().title)
    raise ValueError(f"no PRISMA format '{fmt}'")


def dedup_facts(store: Store) -> DedupFacts | None:
    """How duplicates were found, from the last dedup run and the stored decisions."""
    import json

    from screener import __version__

    last = store.last_dedup_run()
    if last is None:
        return None
    thresholds = json.loads(last["thresholds"])
    clusters = store.clusters()
    human = store.human_pair_decisions(undos=False)
    return DedupFacts(
        tool="screener",
        version=__version__,
        method="exact DOI and PMID matches, then fuzzy comparison of title, authors, year, journal, volume, "
        "issue, pages and abstract, with explicit rules that keep errata, replies, conference abstracts "
        "and different pages apart",
        score="title similarity",
        auto_merge_threshold=thresholds.get("title_duplicate"),
        auto_merged=sum(len(c.members) - 1 for c in clusters if c.status == "automatic"),
        human_reviewed=len(human),
        human_merged=sum(1 for v in human.values() if v == "duplicate"),
        human_distinct=sum(1 for v in human.values() if v == "distinct"),
        merges_undone=store.merges_undone(),
    )


def withdrawn_sources(store: Store) -> tuple[WithdrawnSource, ...]:
    """The archived sources: withdrawn after their records had decisions."""
    return tuple(
        WithdrawnSource(s.name, s.records, s.with_decisions) for s in store.source_list() if s.archived
    )


def withdrawn_notes(store: Store) -> list[str]:
    """One line per withdrawn source, for the PRISMA output (its records are in no box)."""
    return [
        f"not counted: {w.name} ({w.records} records, {w.with_decisions} with decisions) was withdrawn "
        "from the review; its decisions are kept in the log"
        for w in withdrawn_sources(store)
    ]


def methods_facts(store: Store, dedup: DedupFacts | None = None) -> MethodsFacts:
    """The facts of the methods paragraph (PRISMA item 8, PRISMA-S item 16), from the review."""
    from screener import __version__
    from screener.workflows.agreement import stage_agreement

    dedup = dedup or dedup_facts(store)

    protocol = store.protocol()
    sources = store.sources()
    # A database searched once and exported in several files, or split from a multi-database
    # file, is still one search: the paragraph names it once.
    searches = list(
        dict.fromkeys(
            DatabaseSearch(s.name, s.platform, s.searched_on) for s in sources if s.kind.value == "database"
        )
    )
    registers = list(
        dict.fromkeys(
            DatabaseSearch(s.name, s.platform, s.searched_on) for s in sources if s.kind.value == "register"
        )
    )
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
        stage_facts[name] = StageFacts(
            protocol.rules.reviewers_per_record, True, True, reviewers, kappa, ci, po
        )
    arbiter = protocol.rules.arbiter
    arbiter_name = next((r.name or r.initials for r in protocol.reviewers if r.initials == arbiter), None)
    return MethodsFacts(
        amendments=amendments(store, protocol),
        databases=tuple(searches),
        registers=tuple(registers),
        withdrawn=withdrawn_sources(store),
        title_abstract=stage_facts.get(Stage.TITLE_ABSTRACT.value),
        full_text=stage_facts.get(Stage.FULL_TEXT.value),
        # Rules.resolution is a str, checked against RESOLUTION_METHODS when the protocol is parsed.
        conflict_resolution=protocol.rules.resolution,  # type: ignore[arg-type]
        arbiter=arbiter_name,
        dedup=dedup,
        automation=automation_sentence(store, protocol),
        software=f"screener {__version__}",
    )


def amendments(store: Store, protocol: Protocol) -> tuple[ProtocolAmendment, ...]:
    """The protocol changes that touched criteria or screening rules (not reviewer changes).

    For the methods paragraph.
    """
    out = []
    for change in store.protocol_history():
        old, new = parse_protocol(change.old_text), parse_protocol(change.new_text)
        if (old.inclusion, old.exclusion, old.rules) == (new.inclusion, new.exclusion, new.rules):
            continue
        merged = tuple(
            (c.label, t.label if (t := protocol.criterion(to)) else to)
            for was, to in change.mapping.items()
            if (c := old.criterion(was)) is not None
        )
        out.append(ProtocolAmendment(change.created_at.date(), merged))
    return tuple(out)


def automation_sentence(store: Store, protocol: Protocol) -> str | None:
    """How relevance ranking and early stopping were used, for the methods paragraph; None if not used."""
    from screener.core.ranking import COLD_START_NAME, MODEL_NAME
    from screener.core.stopping import METHOD

    if protocol.rules.order != "relevance":
        return None
    text = (
        f"Records were screened in order of predicted relevance, the model retrained as decisions were made "
        f"(active learning in screener: {MODEL_NAME}; before a reviewer's first include and exclude, "
        f"{COLD_START_NAME}); while screening was blind, each reviewer's ranking learnt only from their own "
        f"decisions"
    )
    guides = store.stopped_early()
    if guides is None:
        return text + "; every record was screened by a reviewer"
    n = store.flow_numbers()["records_excluded_automation"]
    left = "the records left unscreened" if isinstance(n, Blind) else f"the {n:,} records left unscreened"
    per = "; ".join(
        f"{who}: {g.sampled:,} of {g.sample_urn:,} unscreened records sampled at random, "
        f"{g.sample_includes} includes, p = {float(g.p or 0):.3f}"
        for who, g in guides.items()
    )
    return (
        text
        + f". Screening stopped early by a statistical stopping rule, a {METHOD}: every reviewer reached "
        f"{float(next(iter(guides.values())).recall):.0%} recall with "
        f"{float(next(iter(guides.values())).confidence):.0%} confidence ({per}); {left} "
        "are reported as excluded by automation tools"
    )
