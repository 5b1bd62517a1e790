"""Inter-rater agreement between two reviewers: Cohen's kappa, PABAK and Gwet's AC1.

Everything starts from a k×k confusion table of counts whose rows are reviewer 1's
categories and whose columns are reviewer 2's, built from the records *both* reviewers
decided (:func:`confusion`). :func:`agreement` turns the table into an
:class:`Agreement`.

The statistics are computed in exact rational arithmetic (:class:`fractions.Fraction`)
and converted to ``float`` only at the end, so hand-checkable examples come out as the
correctly rounded float of the exact value (``18/29``, not ``18/29 ± 1 ulp``) and the
variance of kappa cannot go negative through cancellation.

A statistic that is undefined for a table (no records, a single category, both reviewers
using one category only) is ``None`` and its field name maps to a sentence saying why in
``Agreement.undefined``. Nothing here returns NaN or raises on a degenerate table;
malformed input (a non-square table, negative counts, labels that are not categories) is
a programming error and raises ``ValueError``.

Stdlib only: this module sits in ``screener.core`` and must not import the UI or the
database layers.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from statistics import NormalDist
from typing import Any, Literal

__all__ = [
    "BINARY_CATEGORIES",
    "SCREENING_CATEGORIES",
    "Agreement",
    "agreement",
    "collapse_maybe",
    "confusion",
]

#: Category order of the three-way screening table that :func:`collapse_maybe` expects.
SCREENING_CATEGORIES: tuple[str, ...] = ("include", "maybe", "exclude")
#: Category order of the two-way table :func:`collapse_maybe` returns.
BINARY_CATEGORIES: tuple[str, ...] = ("include", "exclude")

# Two-sided 95 % normal quantile, 1.959963984540054 (not the rounded 1.96).
_Z95 = NormalDist().inv_cdf(0.975)

_NO_RECORDS = "no records decided by both reviewers"
_ONE_CATEGORY = "both reviewers put every record in one category"
_TOO_FEW_CATEGORIES = "there are fewer than two categories"

# Human names used in the "not defined" sentences.
_STAT_NAMES = {
    "observed": "observed agreement",
    "expected": "chance agreement",
    "kappa": "kappa",
    "kappa_ci_low": "the confidence interval of kappa",
    "kappa_ci_high": "the confidence interval of kappa",
    "pabak": "PABAK",
    "ac1": "AC1",
}


def _label(value: str) -> str:
    """Return an enum member's value and anything else unchanged.

    ``Verdict`` is a ``str`` enum but hashes by member *name* ("INCLUDE"), so
    ``Verdict.INCLUDE`` would miss the key ``"include"`` in a dict: compare by value.
    """
    return value.value if isinstance(value, enum.Enum) else value


def _category_index(categories: Sequence[str]) -> dict[str, int]:
    """Map each category label to its row/column, rejecting duplicates."""
    index: dict[str, int] = {}
    for position, category in enumerate(categories):
        key = _label(category)
        if key in index:
            raise ValueError(f"category {key!r} is listed twice")
        index[key] = position
    return index


def confusion(pairs: Iterable[tuple[str, str]], categories: Sequence[str]) -> list[list[int]]:
    """Count (reviewer 1, reviewer 2) label pairs into a k×k table.

    Rows are reviewer 1's labels, columns reviewer 2's, both in the order of
    ``categories``. Pass only records both reviewers decided: a record one reviewer has
    not seen has no pair. Labels may be strings or ``str`` enum members such as
    ``Verdict``. A label outside ``categories`` raises ``ValueError`` rather than being
    dropped, because silently losing records would bias the statistics.
    """
    index = _category_index(categories)
    k = len(index)
    table = [[0] * k for _ in range(k)]
    for first, second in pairs:
        row = index.get(_label(first))
        column = index.get(_label(second))
        if row is None:
            raise ValueError(f"reviewer 1's label {first!r} is not one of {list(index)}")
        if column is None:
            raise ValueError(f"reviewer 2's label {second!r} is not one of {list(index)}")
        table[row][column] += 1
    return table


def collapse_maybe(
    table3x3: Sequence[Sequence[int]], into: Literal["include", "exclude"] = "include"
) -> list[list[int]]:
    """Merge the "maybe" row and column of a 3×3 table into "include" (or "exclude").

    The input's categories are ordered include, maybe, exclude
    (:data:`SCREENING_CATEGORIES`); the result's are include, exclude
    (:data:`BINARY_CATEGORIES`). ``into="include"`` answers "how well do the reviewers
    agree if maybe means 'take it to full text'".
    """
    if into not in ("include", "exclude"):
        raise ValueError(f"into must be 'include' or 'exclude', not {into!r}")
    cells = _check_table(table3x3, 3)
    # Which 3×3 index lands in which 2×2 index: maybe (1) joins include (0) or exclude (1).
    target = (0, 0, 1) if into == "include" else (0, 1, 1)
    out = [[0, 0], [0, 0]]
    for i in range(3):
        for j in range(3):
            out[target[i]][target[j]] += cells[i][j]
    return out


def _check_table(table: Sequence[Sequence[int]], k: int) -> tuple[tuple[int, ...], ...]:
    """Return ``table`` as a tuple of tuples after checking it is k×k of counts."""
    rows = tuple(tuple(row) for row in table)
    if len(rows) != k or any(len(row) != k for row in rows):
        shape = f"{len(rows)}×{'/'.join(str(len(row)) for row in rows) or 0}"
        raise ValueError(f"expected a {k}×{k} table, got {shape}")
    for row in rows:
        for cell in row:
            # bool is an int subclass; True in a count table is a bug, not a 1.
            if not isinstance(cell, int) or isinstance(cell, bool) or cell < 0:
                raise ValueError(f"table cells must be non-negative integers, got {cell!r}")
    return rows


@dataclass(frozen=True)
class Agreement:
    """Agreement statistics for one two-reviewer confusion table.

    Attributes:
        n: records decided by both reviewers (the table total).
        categories: labels of the rows/columns, in table order.
        table: the counts, rows = reviewer 1, columns = reviewer 2.
        observed: Po, the proportion of records on the diagonal.
        expected: Pe, Cohen's chance agreement ``Σ row_q · col_q`` from the marginals.
        kappa: Cohen's kappa ``(Po − Pe) / (1 − Pe)``.
        kappa_ci_low, kappa_ci_high: large-sample 95 % confidence interval
            ``kappa ± 1.95996 · SE`` clipped to [−1, 1]. SE is the non-null asymptotic
            standard error of Fleiss, Cohen & Everitt (1969), *Psychol Bull* 72:323–327,
            written with p_ij the cell proportions, p_i· / p_·i the row / column
            marginals::

                Var(κ) = [ Σ_i p_ii (1 − (p_i· + p_·i)(1 − κ))²
                           + (1 − κ)² Σ_{i≠j} p_ij (p_·i + p_j·)²
                           − (κ − Pe (1 − κ))² ] / (n (1 − Pe)²)

            (the same as the multinomial delta-method variance of kappa). It is not the
            null-hypothesis SE used for testing κ = 0. With small n or κ near ±1 the
            normal approximation is poor; the interval then collapses towards a point.
        pabak: prevalence- and bias-adjusted kappa ``(k·Po − 1) / (k − 1)``, with k the
            number of categories offered (unused categories count).
        ac1: Gwet's AC1 ``(Po − Pe_γ) / (1 − Pe_γ)``,
            ``Pe_γ = Σ π_q (1 − π_q) / (k − 1)``, π_q the mean of the two reviewers'
            marginal proportions for category q.
        undefined: for every statistic that is ``None``, its field name and a sentence
            saying why (e.g. ``{"kappa": "kappa is not defined: both reviewers put every
            record in one category", ...}``). Keys are exactly the ``None`` fields.
    """

    n: int
    categories: tuple[str, ...]
    table: tuple[tuple[int, ...], ...]
    observed: float | None
    expected: float | None
    kappa: float | None
    kappa_ci_low: float | None
    kappa_ci_high: float | None
    pabak: float | None
    ac1: float | None
    undefined: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return plain lists, numbers, ``None`` and strings, ready for JSON or a CSV row.

        Statistics are not rounded; rounding is the presenter's business. ``None``
        becomes JSON ``null`` (an empty CSV cell) and never NaN.
        """
        return {
            "n": self.n,
            "categories": list(self.categories),
            "table": [list(row) for row in self.table],
            "observed": self.observed,
            "expected": self.expected,
            "kappa": self.kappa,
            "kappa_ci_low": self.kappa_ci_low,
            "kappa_ci_high": self.kappa_ci_high,
            "pabak": self.pabak,
            "ac1": self.ac1,
            "undefined": dict(self.undefined),
        }


def _kappa_variance(cells: tuple[tuple[int, ...], ...], n: int, kappa: Fraction, pe: Fraction) -> Fraction:
    """Fleiss–Cohen–Everitt (1969) large-sample variance of kappa, exactly.

    The numerator equals ``Σ p_ij w_ij² − (Σ p_ij w_ij)²`` for the weights ``w`` of the
    two sums, i.e. a variance, so in exact arithmetic it is never negative.
    """
    k = len(cells)
    p = [[Fraction(cell, n) for cell in row] for row in cells]
    rows = [sum(row, Fraction(0)) for row in p]
    cols = [sum((p[i][j] for i in range(k)), Fraction(0)) for j in range(k)]
    spread = 1 - kappa
    diagonal = sum((p[i][i] * (1 - (rows[i] + cols[i]) * spread) ** 2 for i in range(k)), Fraction(0))
    off_diagonal = spread**2 * sum(
        (p[i][j] * (cols[i] + rows[j]) ** 2 for i in range(k) for j in range(k) if i != j),
        Fraction(0),
    )
    correction = (kappa - pe * spread) ** 2
    return (diagonal + off_diagonal - correction) / (n * (1 - pe) ** 2)


def agreement(table: Sequence[Sequence[int]], categories: Sequence[str]) -> Agreement:
    """Compute Po, Pe, Cohen's kappa with its 95 % CI, PABAK and Gwet's AC1 for a table.

    ``table`` is k×k counts with rows = reviewer 1 and columns = reviewer 2, in the
    order of ``categories`` (see :func:`confusion`). Degenerate tables never raise:

    * all zeros (including a 0×0 table) — every statistic is ``None``, "no records
      decided by both reviewers";
    * Pe = 1, which happens exactly when both reviewers put every record in the same
      single category (always so with one category) — kappa and its CI are ``None``;
    * fewer than two categories — PABAK and AC1 are ``None`` (they divide by k − 1).

    AC1's chance term is at most 1/k, so AC1 is defined whenever n > 0 and k ≥ 2.
    """
    keys = tuple(_label(category) for category in categories)
    _category_index(keys)  # rejects duplicate labels
    cells = _check_table(table, len(keys))
    k = len(keys)
    n = sum(sum(row) for row in cells)

    if n == 0:
        names = ("observed", "expected", "kappa", "kappa_ci_low", "kappa_ci_high", "pabak", "ac1")
        return Agreement(
            n=0,
            categories=keys,
            table=cells,
            observed=None,
            expected=None,
            kappa=None,
            kappa_ci_low=None,
            kappa_ci_high=None,
            pabak=None,
            ac1=None,
            undefined={name: f"{_STAT_NAMES[name]} is not defined: {_NO_RECORDS}" for name in names},
        )

    undefined: dict[str, str] = {}
    po = Fraction(sum(cells[i][i] for i in range(k)), n)
    row_share = [Fraction(sum(cells[i]), n) for i in range(k)]
    col_share = [Fraction(sum(cells[i][j] for i in range(k)), n) for j in range(k)]
    pe = sum((r * c for r, c in zip(row_share, col_share, strict=True)), Fraction(0))

    kappa: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    if pe == 1:
        undefined["kappa"] = f"kappa is not defined: {_ONE_CATEGORY}"
        reason = f"the confidence interval of kappa is not defined: {_ONE_CATEGORY}"
        undefined["kappa_ci_low"] = reason
        undefined["kappa_ci_high"] = reason
    else:
        exact_kappa = (po - pe) / (1 - pe)
        kappa = float(exact_kappa)
        se = math.sqrt(_kappa_variance(cells, n, exact_kappa, pe))
        # Kappa lies in [−1, 1]; a Wald interval can poke out of it for κ near ±1.
        ci_low = max(-1.0, kappa - _Z95 * se)
        ci_high = min(1.0, kappa + _Z95 * se)

    pabak: float | None = None
    ac1: float | None = None
    if k < 2:
        undefined["pabak"] = f"PABAK is not defined: {_TOO_FEW_CATEGORIES}"
        undefined["ac1"] = f"AC1 is not defined: {_TOO_FEW_CATEGORIES}"
    else:
        pabak = float((k * po - 1) / (k - 1))
        pi = [(r + c) / 2 for r, c in zip(row_share, col_share, strict=True)]
        pe_gamma = sum((q * (1 - q) for q in pi), Fraction(0)) / (k - 1)
        # pe_gamma ≤ (1 − 1/k)/(k − 1) = 1/k < 1, so no division by zero here.
        ac1 = float((po - pe_gamma) / (1 - pe_gamma))

    return Agreement(
        n=n,
        categories=keys,
        table=cells,
        observed=float(po),
        expected=float(pe),
        kappa=kappa,
        kappa_ci_low=ci_low,
        kappa_ci_high=ci_high,
        pabak=pabak,
        ac1=ac1,
        undefined=undefined,
    )
