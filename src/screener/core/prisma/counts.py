"""PRISMA 2020 flow-diagram counts: the data model every view and export reads.

:class:`PrismaCounts` holds every box of the PRISMA 2020 flow diagram for new reviews
(databases and registers, plus the optional "other methods" arm). The store fills it by
queries; this package never computes or corrects a number, it only checks and renders
(:mod:`.checks`, :mod:`.template`, :mod:`.formats`, :mod:`.svg`, :mod:`.text`).
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import NamedTuple

Counts = Mapping[str, int]
"""An ordered mapping label -> count (databases, registers, exclusion reasons)."""

MAPPING_FIELDS = ("databases", "registers", "reports_excluded_reasons", "other_reports_excluded_reasons")
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


class ReportCounts(NamedTuple):
    """One arm's reports: sought, not retrieved, assessed, excluded, and excluded per reason."""

    sought: int
    not_retrieved: int
    assessed: int
    excluded: int
    reasons: Mapping[str, int]


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
            if f.name in MAPPING_FIELDS:
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

    def report_counts(self, other: bool = False) -> ReportCounts:
        """The reports of the databases-and-registers arm, or of the other-methods arm."""
        if other:
            return ReportCounts(
                self.other_reports_sought,
                self.other_reports_not_retrieved,
                self.other_reports_assessed,
                self.other_reports_excluded,
                self.other_reports_excluded_reasons,
            )
        return ReportCounts(
            self.reports_sought,
            self.reports_not_retrieved,
            self.reports_assessed,
            self.reports_excluded,
            self.reports_excluded_reasons,
        )
