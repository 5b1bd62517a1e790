"""PRISMA 2020 flow-diagram counts: the data model, consistency checks and exports.

:class:`PrismaCounts` holds every box of the PRISMA 2020 flow diagram for new reviews
(databases and registers, plus the optional "other methods" arm). The store fills it by
queries; this module never computes or corrects a number, it only checks and renders.

Exports:

* :func:`check` - the arithmetic invariants between boxes, as one-line messages;
* :func:`to_template_csv` - the PRISMA2020 R package / Shiny app input CSV;
* :func:`to_json` / :func:`from_json`, :func:`to_markdown`;
* :func:`to_svg`, :func:`to_png`, :func:`to_pdf` (from :mod:`screener.core.prisma_svg`);
* :func:`to_text_diagram` (from :mod:`screener.core.prisma_text`);
* :func:`methods_paragraph` and :class:`MethodsFacts` (from :mod:`screener.core.prisma_methods`).

Everything here is standard library only; cairosvg is imported lazily by the PNG/PDF
writers.
"""

from __future__ import annotations

import io
import json
import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Self

from screener.core.output import csv_writer
from screener.core.prisma_methods import (
    DatabaseSearch,
    DedupFacts,
    MethodsFacts,
    StageFacts,
    methods_paragraph,
)
from screener.core.prisma_svg import to_pdf, to_png, to_svg
from screener.core.prisma_template import TEMPLATE_COLUMNS, TEMPLATE_CSV, boxtext, template_rows
from screener.core.prisma_text import to_text_diagram

__all__ = [
    "TEMPLATE_COLUMNS",
    "TEMPLATE_CSV",
    "CheckMessage",
    "DatabaseSearch",
    "DedupFacts",
    "MethodsFacts",
    "PrismaCounts",
    "StageFacts",
    "check",
    "clean_label",
    "errors",
    "format_list",
    "from_json",
    "methods_paragraph",
    "to_json",
    "to_markdown",
    "to_pdf",
    "to_png",
    "to_svg",
    "to_template_csv",
    "to_text_diagram",
]

Counts = Mapping[str, int]
"""An ordered mapping label -> count (databases, registers, exclusion reasons)."""

_MAPPING_FIELDS = ("databases", "registers", "reports_excluded_reasons", "other_reports_excluded_reasons")
_OPTIONAL_FIELDS = ("websites", "organisations", "citation_searching")


def _is_count(value: object) -> bool:
    # bool is an int subclass; True as a count is always a bug in the caller.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _frozen_mapping(name: str, value: Counts | Iterable[tuple[str, int]]) -> Mapping[str, int]:
    """Copy ``value`` into a read-only ordered mapping, validating labels and counts."""
    items = list(value.items()) if isinstance(value, Mapping) else list(value)
    result: dict[str, int] = {}
    for item in items:
        label, n = item
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"{name}: labels must be non-empty strings, got {label!r}")
        if not _is_count(n):
            raise ValueError(f"{name}[{label!r}]: counts must be non-negative integers, got {n!r}")
        if label in result:
            raise ValueError(f"{name}: label {label!r} given twice")
        result[label] = n
    return types.MappingProxyType(result)


def _empty() -> Mapping[str, int]:
    return types.MappingProxyType({})


@dataclass(frozen=True)
class PrismaCounts:
    """Every box of the PRISMA 2020 flow diagram for a new review.

    Field names follow the diagram from top to bottom. Ordered mappings (``databases``,
    ``registers``, ``*_reasons``) keep the caller's order, which is the order printed;
    they may be given as any mapping or as an iterable of ``(label, n)`` pairs and are
    stored as read-only copies. All counts are non-negative integers (``ValueError``
    otherwise). ``websites``, ``organisations`` and ``citation_searching`` are ``None``
    when that method was not used; the "other methods" arm exists when any is not None.

    Arithmetic between boxes is *not* enforced here: see :func:`check`.
    """

    # Identification, databases and registers arm (box 2, box 3)
    databases: Counts = field(default_factory=_empty)
    """Records identified per database, e.g. ``{"PubMed": 150, "Embase": 166}``."""
    registers: Counts = field(default_factory=_empty)
    """Records identified per trial register."""
    duplicates: int = 0
    """Duplicate records removed before screening."""
    removed_automation: int = 0
    """Records marked as ineligible by automation tools (removed before screening)."""
    removed_other: int = 0
    """Records removed before screening for other reasons."""
    # Screening (box 4 to box 9)
    records_screened: int = 0
    """Records that entered title/abstract screening, decided or not."""
    records_excluded_human: int = 0
    """Records excluded at title/abstract screening by a human."""
    records_excluded_automation: int = 0
    """Records excluded at title/abstract screening by automation tools."""
    reports_sought: int = 0
    reports_not_retrieved: int = 0
    reports_assessed: int = 0
    reports_excluded: int = 0
    reports_excluded_reasons: Counts = field(default_factory=_empty)
    """Reports excluded per reason (one reason per report, so they sum to ``reports_excluded``)."""
    # Included (box 10), both arms together
    new_studies: int = 0
    new_reports: int = 0
    # Other methods arm (box 11 to box 15)
    websites: int | None = None
    organisations: int | None = None
    citation_searching: int | None = None
    other_reports_sought: int = 0
    other_reports_not_retrieved: int = 0
    other_reports_assessed: int = 0
    other_reports_excluded: int = 0
    other_reports_excluded_reasons: Counts = field(default_factory=_empty)
    # Work in progress: records / reports (both arms) still without a final decision
    undecided_records: int = 0
    """Screened records with no final title/abstract decision (neither excluded nor sought)."""
    undecided_reports: int = 0
    """Assessed reports (either arm) with no final full-text decision (neither excluded nor included)."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _MAPPING_FIELDS:
                # Frozen dataclass: object.__setattr__ is the sanctioned way to normalise.
                object.__setattr__(self, f.name, _frozen_mapping(f.name, value))
            elif f.name in _OPTIONAL_FIELDS:
                if value is not None and not _is_count(value):
                    raise ValueError(f"{f.name}: must be None or a non-negative integer, got {value!r}")
            elif not _is_count(value):
                raise ValueError(f"{f.name}: must be a non-negative integer, got {value!r}")

    def __hash__(self) -> int:
        # The generated hash would fail on the mapping proxies; hash their items instead.
        return hash(
            tuple(
                tuple(v.items()) if isinstance(v, Mapping) else v
                for v in (getattr(self, f.name) for f in fields(self))
            )
        )

    @property
    def identified_databases(self) -> int:
        """Records identified from all databases."""
        return sum(self.databases.values())

    @property
    def identified_registers(self) -> int:
        """Records identified from all registers."""
        return sum(self.registers.values())

    @property
    def identified(self) -> int:
        """Records identified in the databases and registers arm."""
        return self.identified_databases + self.identified_registers

    @property
    def removed_before_screening(self) -> int:
        """Duplicates plus automation plus other removals."""
        return self.duplicates + self.removed_automation + self.removed_other

    @property
    def records_excluded(self) -> int:
        """Records excluded at screening, by humans and by automation tools."""
        return self.records_excluded_human + self.records_excluded_automation

    @property
    def has_other_methods(self) -> bool:
        """Whether the "other methods" arm (websites, organisations, citations) is used."""
        return any(getattr(self, name) is not None for name in _OPTIONAL_FIELDS)

    @property
    def identified_other(self) -> int:
        """Records identified via other methods (0 when the arm is absent)."""
        return sum(getattr(self, name) or 0 for name in _OPTIONAL_FIELDS)


# --------------------------------------------------------------------------- checks


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

    def arm_checks(prefix: str, arm: str, sought: int, not_retrieved: int, assessed: int,
                   excluded: int, reasons: Mapping[str, int]) -> None:
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

    arm_checks("", "", c.reports_sought, c.reports_not_retrieved, c.reports_assessed,
               c.reports_excluded, c.reports_excluded_reasons)
    if c.has_other_methods:
        arm_checks("other-", " (other methods)", c.other_reports_sought, c.other_reports_not_retrieved,
                   c.other_reports_assessed, c.other_reports_excluded, c.other_reports_excluded_reasons)
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


# --------------------------------------------------------------------------- template CSV

_LABEL_JUNK = re.compile(r"[,;\s]+")


def clean_label(label: str) -> str:
    """Make a label safe for the template's ``label, n; label, n`` list syntax.

    The R package splits items at ``;`` and a label from its count at the first ``,``,
    so every comma and semicolon (and any run of whitespace, including newlines) becomes
    a single space and the ends are trimmed: ``"Wrong population, adults"`` becomes
    ``"Wrong population adults"``. An empty result becomes ``"Unspecified"``.
    """
    cleaned = _LABEL_JUNK.sub(" ", label).strip()
    return cleaned or "Unspecified"


def format_list(items: Mapping[str, int]) -> str:
    """Format ``{label: n}`` as the template's list cell ``"label, n; label, n"``.

    Labels go through :func:`clean_label`; counts are plain digits (the R package adds
    thousands separators itself and would misread ours as a label separator).
    """
    return "; ".join(f"{clean_label(label)}, {n}" for label, n in items.items())


def _na(value: int | None) -> str:
    return "NA" if value is None else str(value)


def _template_values(c: PrismaCounts) -> dict[str, str]:
    """Map template ``data`` keys to our ``n`` cells (keys absent here keep the template's)."""
    no_sources = not c.databases and not c.registers
    other = c.has_other_methods

    def reasons(total: int, items: Mapping[str, int]) -> str:
        # A bare number is the template's "total without reasons" form.
        return format_list(items) if items else str(total)

    def arm(value: int) -> str:
        return str(value) if other else "NA"

    return {
        # New reviews: the previous-version and total boxes do not apply.
        "previous_studies": "NA",
        "previous_reports": "NA",
        # Keep a "Databases (n = 0)" line in an empty project so the box does not vanish.
        "database_results": str(c.identified_databases) if c.databases or no_sources else "NA",
        "database_specific_results": format_list(c.databases) if c.databases else "NA",
        "register_results": str(c.identified_registers) if c.registers else "NA",
        "register_specific_results": format_list(c.registers) if c.registers else "NA",
        "website_results": _na(c.websites),
        "organisation_results": _na(c.organisations),
        "citations_results": _na(c.citation_searching),
        "duplicates": str(c.duplicates),
        "excluded_automatic": str(c.removed_automation),
        "excluded_other": str(c.removed_other),
        "records_screened": str(c.records_screened),
        "records_excluded": str(c.records_excluded),
        "dbr_sought_reports": str(c.reports_sought),
        "dbr_notretrieved_reports": str(c.reports_not_retrieved),
        "other_sought_reports": arm(c.other_reports_sought),
        "other_notretrieved_reports": arm(c.other_reports_not_retrieved),
        "dbr_assessed": str(c.reports_assessed),
        "dbr_excluded": reasons(c.reports_excluded, c.reports_excluded_reasons),
        "other_assessed": arm(c.other_reports_assessed),
        "other_excluded": (
            reasons(c.other_reports_excluded, c.other_reports_excluded_reasons) if other else "NA"
        ),
        "new_studies": str(c.new_studies),
        "new_reports": str(c.new_reports),
        "total_studies": "NA",
        "total_reports": "NA",
        "total_studies_ma": "NA",
        "total_reports_ma": "NA",
    }


def to_template_csv(counts: PrismaCounts) -> str:
    """Return the PRISMA2020 template CSV with our numbers in the ``n`` column.

    Rows, columns, keys and every non-``n`` cell are the template's, verbatim; so are the
    CRLF line endings and the missing final newline. ``n`` holds plain integers, ``NA``
    where a box does not apply (previous-version and total boxes, registers or the
    other-methods arm when unused), and for the four list rows ``label, n; label, n``
    with commas and semicolons in labels replaced by spaces (see :func:`clean_label`).
    Rows without a count (title boxes with ``data = NA`` and the three phase bars) keep
    the template's ``n`` cell. The result loads in the Shiny app and in
    ``PRISMA2020::PRISMA_data(read.csv(...))``.
    """
    values = _template_values(counts)
    buf = io.StringIO(newline="")
    # csv's minimal quoting and CRLF reproduce the template's own quoting byte for byte.
    writer = csv_writer(buf, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for row in template_rows():
        key = row[0]
        n = values.get(key, row[7]) if key != "NA" else row[7]
        writer.writerow((*row[:7], n))
    return buf.getvalue().removesuffix("\r\n")


# --------------------------------------------------------------------------- JSON

_JSON_FORMAT = "screener/prisma-counts"


def _to_dict(c: PrismaCounts) -> dict[str, Any]:
    data: dict[str, Any] = {"format": _JSON_FORMAT, "version": 1}
    for f in fields(c):
        value = getattr(c, f.name)
        # Lists of pairs, not objects: JSON objects are unordered by specification.
        if f.name in _MAPPING_FIELDS:
            value = [{"label": k, "n": v} for k, v in value.items()]
        data[f.name] = value
    data["derived"] = {
        "identified_databases": c.identified_databases,
        "identified_registers": c.identified_registers,
        "identified": c.identified,
        "identified_other": c.identified_other,
        "removed_before_screening": c.removed_before_screening,
        "records_excluded": c.records_excluded,
        "has_other_methods": c.has_other_methods,
    }
    data["checks"] = [{"severity": m.severity, "code": m.code, "message": str(m)} for m in check(c)]
    return data


def to_json(counts: PrismaCounts) -> str:
    """Return all counts as indented JSON, with derived totals and the check results.

    Ordered mappings become lists of ``{"label": ..., "n": ...}``; ``derived`` and
    ``checks`` are informational and ignored by :func:`from_json`.
    """
    return json.dumps(_to_dict(counts), indent=2, ensure_ascii=False)


def from_json(text: str) -> PrismaCounts:
    """Rebuild :class:`PrismaCounts` from :func:`to_json` output (``ValueError`` if foreign)."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != _JSON_FORMAT:
        raise ValueError("not a screener PRISMA counts document")
    kwargs: dict[str, Any] = {}
    for f in fields(PrismaCounts):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name in _MAPPING_FIELDS:
            value = [(item["label"], item["n"]) for item in value]
        kwargs[f.name] = value
    return PrismaCounts(**kwargs)


# --------------------------------------------------------------------------- Markdown


def to_markdown(counts: PrismaCounts) -> str:
    """Return a plain Markdown summary of the flow, readable as-is in a terminal.

    Nested bullet lists follow the diagram's phases; the check results close it.
    """
    c = counts
    lines: list[str] = ["# PRISMA 2020 flow", ""]

    def item(label: str, n: int | None, depth: int = 0) -> None:
        lines.append(f"{'  ' * depth}- {label}: {'n/a' if n is None else f'{n:,}'}")

    lines += [f"## {boxtext('identification')}", "", f"### {boxtext('newstud')}", ""]
    if c.databases or not c.registers:
        item(f"Records identified from {boxtext('database_results').lower()}", c.identified_databases)
        for name, n in c.databases.items():
            item(name, n, 1)
    if c.registers:
        item(f"Records identified from {boxtext('register_results').lower()}", c.identified_registers)
        for name, n in c.registers.items():
            item(name, n, 1)
    lines.append("- Records removed before screening:")
    item(boxtext("duplicates"), c.duplicates, 1)
    item(boxtext("excluded_automatic"), c.removed_automation, 1)
    item(boxtext("excluded_other"), c.removed_other, 1)
    if c.has_other_methods:
        lines += ["", f"### {boxtext('othstud')}", ""]
        for key, n in (("website_results", c.websites), ("organisation_results", c.organisations),
                       ("citations_results", c.citation_searching)):
            if n is not None:
                item(f"Records identified from {boxtext(key).lower()}", n)

    lines += ["", f"## {boxtext('screening')}", ""]
    if c.has_other_methods:
        lines += ["### Databases and registers", ""]
    item(boxtext("records_screened"), c.records_screened)
    item(boxtext("records_excluded"), c.records_excluded)
    if c.records_excluded_automation:
        item("by a human", c.records_excluded_human, 1)
        item("by automation tools", c.records_excluded_automation, 1)
    if c.undecided_records:
        item("Records not yet decided", c.undecided_records)

    def reports(sought: int, missing: int, assessed: int, excluded: int, reasons: Mapping[str, int]) -> None:
        item(boxtext("dbr_sought_reports"), sought)
        item(boxtext("dbr_notretrieved_reports"), missing)
        item(boxtext("dbr_assessed"), assessed)
        item(boxtext("dbr_excluded"), excluded)
        for label, n in reasons.items():
            item(label, n, 1)

    reports(c.reports_sought, c.reports_not_retrieved, c.reports_assessed, c.reports_excluded,
            c.reports_excluded_reasons)
    if c.has_other_methods:
        lines += ["", "### Other methods", ""]
        reports(c.other_reports_sought, c.other_reports_not_retrieved, c.other_reports_assessed,
                c.other_reports_excluded, c.other_reports_excluded_reasons)
    if c.undecided_reports:
        item("Reports not yet decided", c.undecided_reports)

    lines += ["", f"## {boxtext('included')}", ""]
    item(boxtext("new_studies"), c.new_studies)
    item(boxtext("new_reports"), c.new_reports)

    lines += ["", "## Checks", ""]
    messages = check(c)
    lines += [f"- {m}" for m in messages] if messages else ["- All boxes are consistent."]
    return "\n".join(lines) + "\n"
