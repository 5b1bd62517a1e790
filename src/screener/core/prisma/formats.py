"""PRISMA counts as JSON (round-trips) and as a Markdown summary."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from screener.core.prisma.checks import check
from screener.core.prisma.counts import MAPPING_FIELDS, PrismaCounts, ReportCounts
from screener.core.prisma.template import boxtext

# --------------------------------------------------------------------------- JSON

_JSON_FORMAT = "screener/prisma-counts"


def _to_dict(c: PrismaCounts) -> dict[str, Any]:
    data: dict[str, Any] = {"format": _JSON_FORMAT, "version": 1}
    for f in fields(c):
        value = getattr(c, f.name)
        # Lists of pairs, not objects: JSON objects are unordered by specification.
        if f.name in MAPPING_FIELDS:
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
        if f.name in MAPPING_FIELDS:
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
        for key, found in (
            ("website_results", c.websites),
            ("organisation_results", c.organisations),
            ("citations_results", c.citation_searching),
        ):
            if found is not None:
                item(f"Records identified from {boxtext(key).lower()}", found)

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

    def reports(counts: ReportCounts) -> None:
        sought, missing, assessed, excluded, reasons = counts
        item(boxtext("dbr_sought_reports"), sought)
        item(boxtext("dbr_notretrieved_reports"), missing)
        item(boxtext("dbr_assessed"), assessed)
        item(boxtext("dbr_excluded"), excluded)
        for label, n in reasons.items():
            item(label, n, 1)

    reports(c.report_counts())
    if c.has_other_methods:
        lines += ["", "### Other methods", ""]
        reports(c.report_counts(other=True))
    if c.undecided_reports:
        item("Reports not yet decided", c.undecided_reports)

    lines += ["", f"## {boxtext('included')}", ""]
    item(boxtext("new_studies"), c.new_studies)
    item(boxtext("new_reports"), c.new_reports)

    lines += ["", "## Checks", ""]
    messages = check(c)
    lines += [f"- {m}" for m in messages] if messages else ["- All boxes are consistent."]
    return "\n".join(lines) + "\n"
