"""The stopping guide's maths against hand-computed hypergeometric values."""

from __future__ import annotations

from fractions import Fraction

import pytest

from screener.core.stopping import k_target, more_to_screen, p_value, stopping_guide

R95 = Fraction(95, 100)


def test_k_target_is_exact_at_the_boundary() -> None:
    # 19 found: recall < 95% needs more than 1 missed (19/20 = 95% exactly is not below): K_tar = 2.
    # 19 / 0.95 in floating point is 20.000000000000004, which would wrongly give 2 as well only by luck.
    assert k_target(19, 19, R95) == 2
    assert k_target(0, 0, R95) == 1
    assert k_target(40, 40, R95) == 3  # 40/0.95 = 42.1 -> 2.1 -> 2 + 1
    assert k_target(41, 40, R95) == 4  # one found in the sample: 41/0.95 - 40 = 3.16 -> 4


def test_p_value_by_hand() -> None:
    # N=100, K=2, none in 78 draws: (22*21)/(100*99)
    assert p_value(100, 2, 78, 0) == Fraction(22 * 21, 100 * 99)
    # N=100, K=2, at most one in 50 draws: 1 - C(50,2)/C(100,2) = 1 - 2450/9900
    assert float(p_value(100, 2, 50, 1)) == pytest.approx(1 - 2450 / 9900, rel=1e-9)
    # N=10, K=3, at most two in 9 draws: 1 - C(7,6)/C(10,9) = 0.3
    assert float(p_value(10, 3, 9, 2)) == pytest.approx(0.3, rel=1e-9)
    assert p_value(5, 6, 1, 0) == 0  # the urn cannot hold K_tar relevant records


def test_more_to_screen_by_hand() -> None:
    # K_tar=1, N=100: P(none in n) = (100-n)/100 < 0.05 first at n = 96 (n = 95 gives exactly 0.05)
    assert more_to_screen(100, 0, 0, 0, 0, R95, R95) == 96
    # K_tar=2, N=100: (100-n)(99-n)/9900 < 0.05 first at n = 78 (77: 506/9900 = 0.0511)
    assert more_to_screen(100, 0, 0, 19, 19, R95, R95) == 78
    assert more_to_screen(100, 70, 0, 19, 19, R95, R95) == 8
    assert more_to_screen(100, 78, 0, 19, 19, R95, R95) == 0


def test_guide_before_and_during_the_random_sample() -> None:
    history = [True, False, False, True, False, False, False]
    g = stopping_guide(history, pool=100)
    assert (g.screened, g.includes, g.since_last_include, g.sample_urn) == (7, 2, 3, None)
    # 93 unscreened, 2 found: K_tar = floor(2/0.95 - 2) + 1 = 1; (93-n)/93 < 0.05 first at n = 89
    assert g.more == 89 and not g.reached
    assert "screen 89 more random records" in g.lines()[1] and "Callaghan" in g.lines()[1]
    sample = stopping_guide(history + [False] * 60, pool=100, sample_start=7)
    assert (sample.sample_urn, sample.sampled, sample.sample_includes) == (93, 60, 0)
    assert sample.p == Fraction(33, 93) and sample.more == 29 and not sample.reached
    done = stopping_guide(history + [False] * 89, pool=100, sample_start=7)
    assert done.reached and done.more == 0 and "95% recall reached with 95% confidence" in done.lines()[1]
    # an include in the sample raises K_tar and the bar
    found = stopping_guide(history + [False] * 50 + [True] + [False] * 38, pool=100, sample_start=7)
    assert found.sample_includes == 1 and not found.reached
