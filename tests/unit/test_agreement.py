"""Tests for screener.core.agreement: kappa, its CI, PABAK, AC1 and degenerate tables."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.core.agreement import (
    BINARY_CATEGORIES,
    SCREENING_CATEGORIES,
    Agreement,
    agreement,
    collapse_maybe,
    confusion,
)
from screener.core.models import Verdict

STATS = ("observed", "expected", "kappa", "kappa_ci_low", "kappa_ci_high", "pabak", "ac1")

TWO_BY_TWO = [[12, 8], [3, 77]]
THREE_BY_THREE = [[10, 3, 2], [2, 5, 3], [1, 4, 70]]


def _check_invariants(result: Agreement) -> None:
    """Every statistic is a finite float or None, and None exactly when a reason is given."""
    for name in STATS:
        value = getattr(result, name)
        if value is None:
            assert result.undefined.get(name), name
        else:
            assert isinstance(value, float) and math.isfinite(value), (name, value)
            assert name not in result.undefined
    assert set(result.undefined) <= set(STATS)
    json.dumps(result.as_dict(), allow_nan=False)


# The module computes in exact fractions and converts once, so each float below is the
# correctly rounded value of the exact fraction, i.e. the same float Python gives for
# the literal quotient: exact equality is the right test.


def test_two_by_two_worked_example() -> None:
    """Po = 89/100; margins 20/80 and 15/85 give Pe = .71; κ = .18/.29 = 18/29.

    AC1: π = (.175, .825), Pe_γ = 2·.175·.825 = .28875, AC1 = .60125/.71125 = 481/569.
    """
    result = agreement(TWO_BY_TWO, BINARY_CATEGORIES)
    assert result.n == 100
    assert result.observed == 0.89
    assert result.expected == 0.71
    assert result.kappa == 18 / 29
    assert result.pabak == 0.78
    assert result.ac1 == 481 / 569
    assert result.undefined == {}
    assert round(result.kappa, 6) == 0.620690
    assert round(result.ac1, 6) == 0.845343
    _check_invariants(result)


def test_three_by_three_worked_example() -> None:
    """Po = .85; rows 15/10/75, columns 13/12/75 give Pe = .594; κ = .256/.406 = 128/203.

    PABAK = (3·.85 − 1)/2 = .775. AC1: π = (.14, .11, .75), Σπ(1−π) = .4058, Pe_γ = .2029,
    AC1 = .6471/.7971 = 2157/2657.
    """
    result = agreement(THREE_BY_THREE, SCREENING_CATEGORIES)
    assert result.categories == ("include", "maybe", "exclude")
    assert result.observed == 0.85
    assert result.expected == 0.594
    assert result.kappa == 128 / 203
    assert result.pabak == 0.775
    assert result.ac1 == 2157 / 2657
    assert round(result.kappa, 6) == 0.630542
    assert round(result.ac1, 6) == 0.811818
    _check_invariants(result)


def test_maybe_counted_as_include() -> None:
    """[[20, 5], [5, 70]]: Po = .9, Pe = .625, κ = .275/.375 = 11/15; AC1 = .525/.625."""
    table = collapse_maybe(THREE_BY_THREE, into="include")
    assert table == [[20, 5], [5, 70]]
    assert collapse_maybe(THREE_BY_THREE) == table  # "include" is the default
    result = agreement(table, BINARY_CATEGORIES)
    assert result.kappa == 11 / 15
    assert result.pabak == 0.8
    assert result.ac1 == 0.84


def test_maybe_counted_as_exclude() -> None:
    assert collapse_maybe(THREE_BY_THREE, into="exclude") == [[10, 5], [3, 82]]


def test_collapse_maybe_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        collapse_maybe(TWO_BY_TWO)
    with pytest.raises(ValueError):
        collapse_maybe(THREE_BY_THREE, into="maybe")  # type: ignore[arg-type]


@given(st.lists(st.integers(0, 50), min_size=9, max_size=9), st.sampled_from(["include", "exclude"]))
def test_collapse_maybe_keeps_every_record(cells: list[int], into: str) -> None:
    table = [cells[0:3], cells[3:6], cells[6:9]]
    assert sum(map(sum, collapse_maybe(table, into=into))) == sum(cells)  # type: ignore[arg-type]


# --- confidence interval of kappa ----------------------------------------------------


def test_kappa_ci_hand_computed() -> None:
    """Fleiss–Cohen–Everitt SE for [[12, 8], [3, 77]], worked by hand in fractions.

    p = [[.12, .08], [.03, .77]], rows p1· = .20, p2· = .80, columns p·1 = .15, p·2 = .85,
    κ = 18/29, 1 − κ = 11/29, Pe = .71.

    A = Σ p_ii (1 − (p_i· + p_·i)(1 − κ))²
      = .12 (1 − .35·11/29)² + .77 (1 − 1.65·11/29)²
      = .12 (25.15/29)² + .77 (10.85/29)²            = 6661961/33640000 ≈ .1980369
    B = (1 − κ)² Σ_{i≠j} p_ij (p_·i + p_j·)²
      = (11/29)² [.08 (.15 + .80)² + .03 (.85 + .20)²]
      = (121/841)(.0722 + .033075)                  = 509531/33640000  ≈ .0151466
    C = (κ − Pe(1 − κ))² = ((18 − 7.81)/29)² = (10.19/29)²  = 1038361/8410000 ≈ .1234674
    Var = (A + B − C) / (n (1 − Pe)²) = (47157/525625) / 8.41 = 188628/17682025
    SE = √188628 / 4205 ≈ 0.1032850
    CI = 0.6206897 ± 1.959964 × 0.1032850 = [0.418255, 0.823124]
    """
    result = agreement(TWO_BY_TWO, BINARY_CATEGORIES)
    se = math.sqrt(188628) / 4205
    assert se == pytest.approx(0.1032850, abs=1e-7)
    assert result.kappa_ci_low == pytest.approx(18 / 29 - 1.959963984540054 * se, abs=1e-12)
    assert result.kappa_ci_high == pytest.approx(18 / 29 + 1.959963984540054 * se, abs=1e-12)
    assert round(result.kappa_ci_low, 6) == 0.418255
    assert round(result.kappa_ci_high, 6) == 0.823124


def _kappa_of(p: list[list[float]]) -> float:
    """Cohen's kappa as a plain function of the k×k cell proportions (not renormalised)."""
    k = len(p)
    po = sum(p[i][i] for i in range(k))
    rows = [sum(p[i]) for i in range(k)]
    cols = [sum(p[i][j] for i in range(k)) for j in range(k)]
    pe = sum(r * c for r, c in zip(rows, cols, strict=True))
    return (po - pe) / (1 - pe)


def _delta_method_se(table: list[list[int]]) -> float:
    """SE of kappa by the multinomial delta method with a numerical gradient.

    For cell proportions p̂ ~ multinomial/n, Var f(p̂) ≈ (Σ p g² − (Σ p g)²)/n with
    g = ∂f/∂p. The gradient is taken by central differences, so this shares no algebra
    with the closed-form Fleiss–Cohen–Everitt expression under test.
    """
    n = sum(map(sum, table))
    k = len(table)
    p = [[cell / n for cell in row] for row in table]
    h = 1e-6
    grad = [[0.0] * k for _ in range(k)]
    for i in range(k):
        for j in range(k):
            up = [row[:] for row in p]
            down = [row[:] for row in p]
            up[i][j] += h
            down[i][j] -= h
            grad[i][j] = (_kappa_of(up) - _kappa_of(down)) / (2 * h)
    mean = sum(p[i][j] * grad[i][j] for i in range(k) for j in range(k))
    second = sum(p[i][j] * grad[i][j] ** 2 for i in range(k) for j in range(k))
    return math.sqrt(max(0.0, second - mean**2) / n)


@pytest.mark.parametrize(
    ("table", "categories"),
    [
        (TWO_BY_TWO, BINARY_CATEGORIES),
        (THREE_BY_THREE, SCREENING_CATEGORIES),
        ([[20, 5], [5, 70]], BINARY_CATEGORIES),
        ([[3, 9, 1], [4, 2, 8], [7, 0, 5]], SCREENING_CATEGORIES),
    ],
)
def test_kappa_ci_matches_delta_method(table: list[list[int]], categories: tuple[str, ...]) -> None:
    result = agreement(table, categories)
    assert result.kappa is not None and result.kappa_ci_low is not None
    se = _delta_method_se(table)
    assert result.kappa - 1.959963984540054 * se > -1  # no clipping in these tables
    assert result.kappa_ci_low == pytest.approx(result.kappa - 1.959963984540054 * se, abs=1e-7)
    assert result.kappa_ci_high == pytest.approx(result.kappa + 1.959963984540054 * se, abs=1e-7)


# --- degenerate tables ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "categories"),
    [([[0, 0], [0, 0]], BINARY_CATEGORIES), ([[0] * 3] * 3, SCREENING_CATEGORIES), ([], ())],
)
def test_empty_table_has_no_statistics(table: list[list[int]], categories: tuple[str, ...]) -> None:
    result = agreement(table, categories)
    assert result.n == 0
    for name in STATS:
        assert getattr(result, name) is None
        assert "no records decided by both reviewers" in result.undefined[name]
    assert result.undefined["kappa"] == "kappa is not defined: no records decided by both reviewers"
    _check_invariants(result)


def test_one_reviewer_only_gives_no_pairs() -> None:
    """Records decided by only one reviewer have no pair, so the table is empty."""
    result = agreement(confusion([], BINARY_CATEGORIES), BINARY_CATEGORIES)
    assert result.n == 0
    assert result.kappa is None
    assert "no records decided by both reviewers" in result.undefined["kappa"]


@pytest.mark.parametrize("cell", [(0, 0), (1, 1)])
def test_everything_in_one_category(cell: tuple[int, int]) -> None:
    table = [[0, 0], [0, 0]]
    table[cell[0]][cell[1]] = 40
    result = agreement(table, BINARY_CATEGORIES)
    assert result.observed == 1.0
    assert result.expected == 1.0
    assert result.kappa is None and result.kappa_ci_low is None and result.kappa_ci_high is None
    assert result.undefined["kappa"] == (
        "kappa is not defined: both reviewers put every record in one category"
    )
    # PABAK and AC1 stay defined: they were designed for exactly this prevalence problem.
    assert result.pabak == 1.0
    assert result.ac1 == 1.0
    _check_invariants(result)


def test_single_category_table() -> None:
    result = agreement([[7]], ("exclude",))
    assert result.observed == 1.0
    assert result.kappa is None
    assert result.pabak is None and result.ac1 is None
    assert "fewer than two categories" in result.undefined["pabak"]
    assert "fewer than two categories" in result.undefined["ac1"]
    _check_invariants(result)


def test_complete_disagreement() -> None:
    result = agreement([[0, 5], [5, 0]], BINARY_CATEGORIES)
    assert result.kappa == -1.0
    assert result.pabak == -1.0
    assert result.ac1 == -1.0
    assert result.kappa_ci_low == -1.0 and result.kappa_ci_high == -1.0


def test_ci_is_clipped_to_kappa_range() -> None:
    """A small table with κ near 1 has a Wald interval that would reach above 1."""
    result = agreement([[4, 1], [0, 5]], BINARY_CATEGORIES)
    assert result.kappa == 0.8
    assert result.kappa_ci_high == 1.0
    assert -1.0 <= result.kappa_ci_low < 0.8


tables = st.integers(1, 4).flatmap(
    lambda k: st.lists(st.lists(st.integers(0, 30), min_size=k, max_size=k), min_size=k, max_size=k)
)


@given(tables)
def test_any_table_gives_finite_values_or_reasons(table: list[list[int]]) -> None:
    categories = tuple(f"c{i}" for i in range(len(table)))
    result = agreement(table, categories)
    _check_invariants(result)
    if result.kappa is not None:
        assert result.kappa_ci_low <= result.kappa <= result.kappa_ci_high
        assert result.kappa_ci_low >= -1.0 and result.kappa_ci_high <= 1.0


# --- properties -------------------------------------------------------------------------


@given(
    st.integers(2, 5).flatmap(
        lambda k: st.lists(st.integers(0, 40), min_size=k, max_size=k).filter(
            lambda diagonal: sum(1 for count in diagonal if count) >= 2
        )
    )
)
def test_perfect_agreement_gives_one(diagonal: list[int]) -> None:
    """Agreement on every record, in at least two categories (else kappa is undefined)."""
    k = len(diagonal)
    table = [[diagonal[i] if i == j else 0 for j in range(k)] for i in range(k)]
    result = agreement(table, tuple(f"c{i}" for i in range(k)))
    assert result.kappa == 1.0
    assert result.pabak == 1.0
    assert result.ac1 == 1.0
    assert result.kappa_ci_low == 1.0 and result.kappa_ci_high == 1.0
    assert result.undefined == {}


@given(tables)
def test_transposing_leaves_statistics_unchanged(table: list[list[int]]) -> None:
    """Swapping reviewers 1 and 2 must not change any statistic."""
    k = len(table)
    categories = tuple(f"c{i}" for i in range(k))
    transposed = [[table[j][i] for j in range(k)] for i in range(k)]
    forward = agreement(table, categories)
    backward = agreement(transposed, categories)
    for name in STATS:
        assert getattr(forward, name) == getattr(backward, name), name
    assert forward.undefined == backward.undefined


# --- confusion ------------------------------------------------------------------------------


def test_confusion_counts_rows_as_reviewer_one() -> None:
    pairs = [("include", "exclude")] * 8 + [("exclude", "include")] * 3
    pairs += [("include", "include")] * 12 + [("exclude", "exclude")] * 77
    assert confusion(pairs, BINARY_CATEGORIES) == TWO_BY_TWO


def test_confusion_accepts_verdict_members() -> None:
    """Verdict hashes by member name, so lookups must go by value."""
    pairs = [(Verdict.INCLUDE, Verdict.MAYBE), (Verdict.EXCLUDE, Verdict.EXCLUDE)]
    table = confusion(pairs, SCREENING_CATEGORIES)  # type: ignore[arg-type]
    assert table == [[0, 1, 0], [0, 0, 0], [0, 0, 1]]
    categories = (Verdict.INCLUDE, Verdict.EXCLUDE)
    assert confusion([("include", "exclude")], categories) == [[0, 1], [0, 0]]  # type: ignore[arg-type]
    result = agreement([[1, 0], [0, 1]], categories)  # type: ignore[arg-type]
    assert result.categories == ("include", "exclude")


def test_confusion_rejects_unknown_labels() -> None:
    with pytest.raises(ValueError, match="reviewer 1"):
        confusion([("retracted", "include")], BINARY_CATEGORIES)
    with pytest.raises(ValueError, match="reviewer 2"):
        confusion([("include", "maybe")], BINARY_CATEGORIES)
    with pytest.raises(ValueError, match="twice"):
        confusion([], ("include", "include"))


@pytest.mark.parametrize(
    ("table", "categories"),
    [
        ([[1, 2]], BINARY_CATEGORIES),  # not square
        ([[1, 2], [3]], BINARY_CATEGORIES),  # ragged
        (TWO_BY_TWO, SCREENING_CATEGORIES),  # categories do not match
        ([[1, -2], [3, 4]], BINARY_CATEGORIES),  # negative count
        ([[1, 2.5], [3, 4]], BINARY_CATEGORIES),  # not a count
        ([[1, 2], [3, 4]], ("include", "include")),  # duplicate category
    ],
)
def test_malformed_tables_raise(table: list[list[int]], categories: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        agreement(table, categories)


def test_as_dict_is_json_ready() -> None:
    data = agreement(TWO_BY_TWO, BINARY_CATEGORIES).as_dict()
    assert data["table"] == TWO_BY_TWO
    assert data["categories"] == ["include", "exclude"]
    assert data["kappa"] == 18 / 29
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    empty = agreement([[0, 0], [0, 0]], BINARY_CATEGORIES).as_dict()
    assert empty["kappa"] is None
    assert empty["undefined"]["kappa"] == "kappa is not defined: no records decided by both reviewers"
