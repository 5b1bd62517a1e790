"""The arithmetic invariants between PRISMA boxes, as one-line messages."""

from __future__ import annotations

from typing import Literal, Self

from screener.core.prisma.counts import PrismaCounts, ReportCounts


class CheckMessage(str):
    """A one-line check result: a ``str`` carrying ``severity`` and a stable ``code``.

    Errors start with ``"error: "``, notices with ``"notice: "``, so the plain text is
    self-explaining wherever it is printed.
    """

    severity: Literal["error", "notice"]
    code: str

    def __new__(cls, severity: Literal["error", "notice"], code: str, text: str) -> Self:
        obj = super().__new__(cls, f"{severity}: {text}")
        obj.severity = severity
        obj.code = code
        return obj

    @property
    def is_error(self) -> bool:
        """True for an error, False for a notice."""
        return self.severity == "error"


def _terms(*pairs: tuple[str, int]) -> str:
    return " ".join(f"{'' if i == 0 else '- '}{label} ({n:,})" for i, (label, n) in enumerate(pairs))


def check(counts: PrismaCounts) -> list[CheckMessage]:
    """Check the arithmetic between boxes; return errors and notices, never fix anything.

    Invariants (``code`` of the error in brackets):

    * [identification] records screened = identified - duplicates - removed by
      automation - removed for other reasons;
    * [screening] records excluded (human + automation) + reports sought + undecided
      records = records screened; while records are undecided a notice says how many
      (the box is incomplete, not wrong);
    * [retrieval] reports assessed = sought - not retrieved; [reasons] the exclusion
      reasons add up to the reports excluded; same for the other arm
      ([other-retrieval], [other-reasons]) and [other-arm] no other-arm numbers
      without an other-methods source;
    * [included] reports of included studies = (assessed - excluded) summed over both
      arms, minus undecided reports (a notice while any are undecided);
    * [studies] included studies <= their reports, and no reports without a study.
    """
    c = counts
    out: list[CheckMessage] = []

    def err(code: str, text: str) -> None:
        out.append(CheckMessage("error", code, text))

    expected = c.identified - c.removed_before_screening
    if c.records_screened != expected:
        err(
            "identification",
            f"Records screened ({c.records_screened:,}) should equal "
            + _terms(
                ("records identified", c.identified),
                ("duplicate records", c.duplicates),
                ("records marked as ineligible by automation tools", c.removed_automation),
                ("records removed for other reasons", c.removed_other),
            )
            + f" = {expected:,}",
        )

    if c.undecided_records:
        out.append(
            CheckMessage(
                "notice",
                "undecided-records",
                f"Title/abstract screening unfinished: {c.undecided_records:,} of "
                f"{c.records_screened:,} records screened have no final decision yet",
            )
        )
    accounted = c.records_excluded + c.reports_sought + c.undecided_records
    if accounted != c.records_screened:
        undecided = f" + undecided records ({c.undecided_records:,})" if c.undecided_records else ""
        err(
            "screening",
            f"Records excluded ({c.records_excluded:,}) + reports sought for retrieval "
            f"({c.reports_sought:,}){undecided} = {accounted:,}, but records screened = "
            f"{c.records_screened:,}",
        )

    def arm_checks(prefix: str, arm: str, reports: ReportCounts) -> None:
        sought, not_retrieved, assessed, excluded, reasons = reports
        if assessed != sought - not_retrieved:
            err(
                f"{prefix}retrieval",
                f"Reports assessed for eligibility{arm} ({assessed:,}) should equal "
                + _terms(("reports sought for retrieval", sought), ("reports not retrieved", not_retrieved))
                + f" = {sought - not_retrieved:,}",
            )
        total = sum(reasons.values())
        if total != excluded:
            err(
                f"{prefix}reasons",
                f"Reports excluded{arm} ({excluded:,}) differ from the sum of the "
                f"{len(reasons)} exclusion reasons ({total:,})",
            )

    arm_checks("", "", c.report_counts())
    if c.has_other_methods:
        arm_checks("other-", " (other methods)", c.report_counts(other=True))
    else:
        stray = {
            "reports sought": c.other_reports_sought,
            "reports not retrieved": c.other_reports_not_retrieved,
            "reports assessed": c.other_reports_assessed,
            "reports excluded": c.other_reports_excluded,
            "exclusion reasons": len(c.other_reports_excluded_reasons),
        }
        given = ", ".join(f"{k} {v:,}" for k, v in stray.items() if v)
        if given:
            err(
                "other-arm",
                f"Other-methods boxes have numbers ({given}) but no website, organisation or "
                "citation-searching source is recorded",
            )

    if c.undecided_reports:
        out.append(
            CheckMessage(
                "notice",
                "undecided-reports",
                f"Full-text assessment unfinished: {c.undecided_reports:,} reports have no final "
                "decision yet",
            )
        )
    assessed = c.reports_assessed + c.other_reports_assessed
    excluded = c.reports_excluded + c.other_reports_excluded
    expected = assessed - excluded - c.undecided_reports
    if c.new_reports != expected:
        parts = [("reports assessed", assessed), ("reports excluded", excluded)]
        if c.undecided_reports:
            parts.append(("undecided reports", c.undecided_reports))
        arms = " (both arms)" if c.has_other_methods else ""
        err(
            "included",
            f"Reports of new included studies ({c.new_reports:,}) should equal "
            + _terms(*parts)
            + f"{arms} = {expected:,}",
        )

    if c.new_studies > c.new_reports:
        err(
            "studies",
            f"New studies included in review ({c.new_studies:,}) exceed the reports of new "
            f"included studies ({c.new_reports:,}); every study needs at least one report",
        )
    elif c.new_reports and not c.new_studies:
        err(
            "studies",
            f"Reports of new included studies ({c.new_reports:,}) but no new studies included in review",
        )
    return out


def errors(counts: PrismaCounts) -> list[CheckMessage]:
    """Return only the errors of :func:`check` (notices about unfinished work dropped)."""
    return [m for m in check(counts) if m.is_error]
