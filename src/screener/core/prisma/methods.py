"""Write the methods paragraph on searching, deduplication and study selection.

Covers PRISMA 2020 item 8 (selection process: how many reviewers screened each record
and each report, whether independently, how disagreements were resolved, automation
tools) and PRISMA-S item 16 (deduplication process and software), plus the databases
and search dates. :class:`MethodsFacts` holds only facts; :func:`methods_paragraph`
turns them into British-English prose, leaving out whatever is unknown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class DatabaseSearch:
    """One database or register that was searched.

    ``searched_on`` is the date of the search or a free-text period ("May–July 2022");
    an ISO date string counts as a date. ``coverage`` is the date range searched
    ("inception to May 2022"), ``platform`` the interface ("Ovid").
    """

    name: str
    platform: str | None = None
    searched_on: date | str | None = None
    coverage: str | None = None


@dataclass(frozen=True)
class StageFacts:
    """How one selection stage (title/abstract or full text) was run.

    ``reviewers`` names (or initials of) everyone who screened at this stage;
    ``reviewers_per_record`` how many of them judged each record. Agreement figures are
    optional: Cohen's/Fleiss' ``kappa`` with its 95% ``kappa_ci`` (lower, upper), and
    ``observed_agreement`` (Po) as a proportion between 0 and 1.
    """

    reviewers_per_record: int = 2
    independent: bool = True
    blinded: bool = False
    reviewers: tuple[str, ...] = ()
    kappa: float | None = None
    kappa_ci: tuple[float, float] | None = None
    observed_agreement: float | None = None

    def __post_init__(self) -> None:
        if self.reviewers_per_record < 1:
            raise ValueError("reviewers_per_record must be at least 1")
        bounded = (("kappa", self.kappa, -1.0), ("observed_agreement", self.observed_agreement, 0.0))
        for name, value, low in bounded:
            if value is not None and not (math.isfinite(value) and low <= value <= 1.0):
                raise ValueError(f"{name} must lie between {low:g} and 1, got {value!r}")
        if self.kappa_ci is not None:
            lo, hi = self.kappa_ci
            if not (-1.0 <= lo <= hi <= 1.0):
                raise ValueError(f"kappa_ci must be (lower, upper) within [-1, 1], got {self.kappa_ci!r}")


@dataclass(frozen=True)
class DedupFacts:
    """How duplicates were found and removed (PRISMA-S item 16).

    Candidate pairs scoring at least ``auto_merge_threshold`` were merged without review;
    ``auto_merged`` counts duplicate records removed automatically. The human decisions
    are counted as they happened, never inferred from a score band: ``human_reviewed``
    candidate pairs a person decided, ``human_merged`` of them confirmed as duplicates
    and ``human_distinct`` judged distinct; ``merges_undone`` merges a person undid.
    ``method`` is a short free-text description ("exact DOI and PMID matches, then fuzzy
    comparison of title, authors and year").
    """

    tool: str
    version: str | None = None
    method: str | None = None
    score: str = "similarity score"
    auto_merge_threshold: float | None = None
    auto_merged: int | None = None
    human_reviewed: int | None = None
    human_merged: int | None = None
    human_distinct: int | None = None
    merges_undone: int | None = None


@dataclass(frozen=True)
class ProtocolAmendment:
    """A change of the eligibility criteria or screening rules during the review (``protocol update``).

    ``merged``: (label of a withdrawn exclusion reason, label of the reason its decisions count as).
    """

    on: date
    merged: tuple[tuple[str, str], ...] = ()


def amendment_sentence(amendments: tuple[ProtocolAmendment, ...]) -> str | None:
    """Say that (and when) the protocol was amended during screening, and which reasons were merged."""
    if not amendments:
        return None
    n = len(amendments)
    times = {1: "once", 2: "twice"}.get(n, f"{_count_word(n)} times")
    days = list(dict.fromkeys(a.on for a in amendments))
    text = (
        f"The eligibility criteria or screening rules were amended {times} during the review "
        f"({_join([_date_text(d) for d in days])}); every change was logged with who made it and when"
    )
    merged = [m for a in amendments for m in a.merged]
    if merged:
        which = "a withdrawn exclusion reason" if len(merged) == 1 else "withdrawn exclusion reasons"
        parts = [f"\u2018{old}\u2019 into \u2018{new}\u2019" for old, new in merged]
        it = "it" if len(merged) == 1 else "each"
        text += (
            f"; decisions citing {which} were counted under the reason {it} was merged into ({_join(parts)})"
        )
    return text + "."


@dataclass(frozen=True)
class WithdrawnSource:
    """A search withdrawn from the review after its records had decisions (``source remove --force``)."""

    name: str
    records: int
    with_decisions: int


def withdrawn_sentence(withdrawn: tuple[WithdrawnSource, ...]) -> str | None:
    """Say which searches left the review after screening began, and that their decisions were kept."""
    if not withdrawn:
        return None
    parts = [f"{w.name} ({w.records:,} records, {w.with_decisions:,} with decisions)" for w in withdrawn]
    what = "search was" if len(withdrawn) == 1 else "searches were"
    return (
        f"{_count_word(len(withdrawn)).capitalize()} {what} withdrawn from the review after screening had "
        f"begun: {_join(parts)}; {'its' if len(withdrawn) == 1 else 'their'} records are not counted in the "
        "flow diagram, and the decisions already made on them are kept in the decision log."
    )


@dataclass(frozen=True)
class MethodsFacts:
    """The facts behind the methods paragraph; anything left ``None`` is not mentioned.

    ``conflict_resolution``: ``"consensus"`` (discussion), ``"arbiter"`` (a further
    reviewer, named in ``arbiter``, decides) or ``"consensus-then-arbiter"``.
    ``automation`` describes automation tools used in selection, as a sentence;
    ``None`` states that none were used. ``software`` names the screening software
    with its version ("screener 0.1.0").
    """

    databases: tuple[DatabaseSearch, ...] = ()
    registers: tuple[DatabaseSearch, ...] = ()
    withdrawn: tuple[WithdrawnSource, ...] = ()
    title_abstract: StageFacts | None = None
    full_text: StageFacts | None = None
    conflict_resolution: Literal["consensus", "arbiter", "consensus-then-arbiter"] = "consensus"
    arbiter: str | None = None
    dedup: DedupFacts | None = None
    automation: str | None = None
    software: str | None = None
    amendments: tuple[ProtocolAmendment, ...] = ()


def _count_word(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else f"{n:,}"


def _present(*parts: str | None) -> list[str]:
    """The parts of a clause that have a value, in order."""
    return [p for p in parts if p is not None]


def _join(items: list[str]) -> str:
    """Join as "a", "a and b", "a, b and c" (no serial comma, as in British usage)."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _date_text(value: date | str) -> str:
    """Return "on 12 May 2022" for a date (or ISO date), "in May 2022" for YYYY-MM, "in <text>" for a
    period."""
    words = _date_words(value)
    if words[:1].isdigit() and not words.isdigit():  # "12 May 2022" reads "on", "May 2022" and "2022" "in"
        return f"on {words}"
    return f"in {words}"


def _date_words(value: date | str) -> str:
    """ "12 May 2022" for a date, "May 2022" for YYYY-MM, "2022" for YYYY; other text as it is."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text)
        except ValueError:
            parts = text.split("-")
            if (
                len(parts) == 2
                and parts[0].isdigit()
                and len(parts[0]) == 4
                and parts[1].isdigit()
                and 1 <= int(parts[1]) <= 12
            ):
                return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
            return text
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _sort_key(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else value.strip()


def _signed(x: float) -> str:
    # A true minus sign: a hyphen before a kappa reads as a dash in print.
    return f"{x:.2f}".replace("-", "\u2212")


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _search_sentence(f: MethodsFacts) -> str | None:
    sources = list(f.databases) + list(f.registers)
    if not sources:
        return None
    dates = {s.searched_on for s in sources}
    shared = dates.pop() if len(dates) == 1 else None

    def describe(group: list[DatabaseSearch]) -> str:
        """One database, however many searches of it (each imported file is one search)."""
        extra = [f"{len(group)} searches"] if len(group) > 1 else []
        for attr in ("platform", "coverage"):
            extra += list(dict.fromkeys(v for s in group if (v := getattr(s, attr))))
        when = sorted({s.searched_on for s in group if s.searched_on is not None}, key=_sort_key)
        if shared is None and len(when) == 1:
            extra.append(f"searched {_date_text(when[0])}")
        elif shared is None and when:
            extra.append(f"searched {_date_words(when[0])} to {_date_words(when[-1])}")
        return f"{group[0].name} ({'; '.join(extra)})" if extra else group[0].name

    def by_database(searches: tuple[DatabaseSearch, ...]) -> list[str]:
        groups: dict[str, list[DatabaseSearch]] = {}
        for s in searches:
            groups.setdefault(s.name.casefold(), []).append(s)
        return [describe(g) for g in groups.values()]

    parts = []
    if f.databases:
        parts.append(_join(by_database(f.databases)))
    if f.registers:
        names = by_database(f.registers)
        noun = "register" if len(names) == 1 else "registers"
        parts.append(f"the trial {noun} {_join(names)}")
    when = f" {_date_text(shared)}" if shared is not None else ""
    return f"We searched {' and '.join(parts)}{when}."


def _dedup_sentences(d: DedupFacts) -> list[str]:
    tool = " ".join(x for x in (d.tool, d.version) if x)
    how = f", using {d.method}" if d.method else ""
    out = [f"Duplicate records were identified with {tool}{how}."]
    auto = d.auto_merge_threshold
    clauses = []
    # Clauses are phrased to start with a word: a sentence must not open with a numeral.
    if auto is not None:
        n = f" ({d.auto_merged:,} records)" if d.auto_merged is not None else ""
        clauses.append(f"candidate pairs with a {d.score} of at least {auto:g} were merged automatically{n}")
    elif d.auto_merged is not None:
        clauses.append(f"automatic merging removed {d.auto_merged:,} duplicate records")
    if d.human_reviewed:
        outcomes = _present(
            f"confirming {d.human_merged:,} as duplicates" if d.human_merged is not None else None,
            f"judging {d.human_distinct:,} distinct" if d.human_distinct is not None else None,
        )
        tail = f", {_join(outcomes)}" if outcomes else ""
        pairs = "pair" if d.human_reviewed == 1 else "pairs"
        clauses.append(f"a reviewer checked {d.human_reviewed:,} candidate {pairs}{tail}")
    elif d.human_merged:
        clauses.append(f"a reviewer confirmed {d.human_merged:,} further duplicates")
    if clauses:
        out.append(_sentence(_join(clauses)))
    if d.merges_undone:
        merges = "merge" if d.merges_undone == 1 else "merges"
        out.append(
            f"A reviewer undid {d.merges_undone:,} {merges}, whose records were then screened separately."
        )
    return out


def _stage_clause(s: StageFacts, what: str) -> str:
    """Return e.g. "two reviewers (NA, ZL) independently screened each title and abstract"."""
    n = s.reviewers_per_record
    who = "reviewer" if n == 1 else "reviewers"
    team = f" ({', '.join(s.reviewers)})" if s.reviewers else ""
    if len(s.reviewers) > n:
        subject = f"{_count_word(n)} of {_count_word(len(s.reviewers))} reviewers{team}"
    else:
        subject = f"{_count_word(n)} {who}{team}"
    if n == 1:
        return f"{subject} {what}"
    return f"{subject} {'independently ' if s.independent else ''}{what}"


def _stage_tail(s: StageFacts) -> str:
    if s.reviewers_per_record == 1:
        return ""
    if not s.independent:
        return ", not independently of each other"
    return ", blinded to each other's decisions" if s.blinded else ""


def _selection_sentences(f: MethodsFacts) -> list[str]:
    ta, ft = f.title_abstract, f.full_text
    ta_what, ft_what = "screened each title and abstract", "assessed each full-text report"
    out: list[str] = []
    same = (
        ta is not None
        and ft is not None
        and (
            (ta.reviewers_per_record, ta.independent, ta.blinded, ta.reviewers)
            == (ft.reviewers_per_record, ft.independent, ft.blinded, ft.reviewers)
        )
    )
    if same and ta is not None:
        out.append(_sentence(_stage_clause(ta, f"{ta_what} and then {ft_what}") + _stage_tail(ta)))
    else:
        for stage, what in ((ta, ta_what), (ft, ft_what)):
            if stage is not None:
                out.append(_sentence(_stage_clause(stage, what) + _stage_tail(stage)))

    if any(s is not None and s.reviewers_per_record > 1 for s in (ta, ft)):
        arbiter = f" ({f.arbiter})" if f.arbiter else ""
        out.append(
            {
                "consensus": "Disagreements were resolved by discussion until consensus was reached.",
                "arbiter": f"Disagreements were resolved by a further reviewer{arbiter}.",
                "consensus-then-arbiter": (
                    "Disagreements were resolved by discussion or, failing consensus, by a further "
                    f"reviewer{arbiter}."
                ),
            }[f.conflict_resolution]
        )

    figures = []
    for stage, where in ((ta, "title and abstract screening"), (ft, "full-text assessment")):
        if stage is None or stage.reviewers_per_record < 2:
            continue
        if stage.kappa is not None:
            ci, observed = stage.kappa_ci, stage.observed_agreement
            inner = _present(
                f"95% CI {_signed(ci[0])} to {_signed(ci[1])}" if ci is not None else None,
                f"observed agreement {observed * 100:.1f}%" if observed is not None else None,
            )
            bracket = f" ({'; '.join(inner)})" if inner else ""
            figures.append(f"κ = {_signed(stage.kappa)}{bracket} at {where}")
        elif stage.observed_agreement is not None:
            figures.append(f"{stage.observed_agreement * 100:.1f}% observed agreement at {where}")
    if figures:
        out.append(f"Agreement between reviewers was {_join(figures)}.")
    return out


def methods_paragraph(facts: MethodsFacts) -> str:
    """Return one paragraph describing searches, deduplication and selection.

    Sentences appear in reporting order: sources and dates, deduplication (tool,
    version, thresholds, counts), who screened and assessed (how many per record,
    independence, blinding), disagreement resolution, agreement statistics, automation
    and software. Facts that are ``None`` are left out rather than guessed.
    """
    f = facts
    sentences: list[str] = []
    search = _search_sentence(f)
    if search:
        sentences.append(search)
    withdrawn = withdrawn_sentence(f.withdrawn)
    if withdrawn:
        sentences.append(withdrawn)
    if f.dedup is not None:
        sentences += _dedup_sentences(f.dedup)
    sentences += _selection_sentences(f)
    amended = amendment_sentence(f.amendments)
    if amended:
        sentences.append(amended)
    if f.automation:
        sentences.append(_sentence(f.automation))
    else:
        sentences.append("No automation tools were used to screen or exclude records.")
    if f.software:
        sentences.append(f"Screening decisions were recorded in {f.software}.")
    return " ".join(sentences)
