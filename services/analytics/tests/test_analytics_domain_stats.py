"""Statistics checked against hand-computed values (no scipy here; textbook numbers instead)."""

from __future__ import annotations

import math

import pytest

from services.analytics.domain.stats import (
    MeanSummary,
    chi_square_p_value,
    compare_proportions,
    sample_ratio_p_value,
    t_critical,
    welch_interval,
    wilson_interval,
    z_critical,
)


def test_two_proportion_z_test_matches_hand_computation() -> None:
    # 200/1000 vs 250/1000: pooled p = 0.225, se = sqrt(.225*.775*(2/1000)) = 0.018675,
    # z = 0.05 / 0.018675 = 2.6774, p = 2 * (1 - Phi(2.6774)) = 0.00742.
    result = compare_proportions(200, 1000, 250, 1000)
    assert result.z == pytest.approx(2.6774, abs=1e-4)
    assert result.p_value == pytest.approx(0.00742, abs=1e-5)
    # Unpooled interval: se = sqrt(.2*.8/1000 + .25*.75/1000) = 0.018641; 0.05 +- 1.95996 * se.
    assert result.interval.lower == pytest.approx(0.05 - 1.959964 * 0.0186414, abs=1e-6)
    assert result.interval.upper == pytest.approx(0.05 + 1.959964 * 0.0186414, abs=1e-6)
    assert result.relative_lift == pytest.approx(0.25)


def test_equal_rates_are_not_significant_and_empty_groups_are_safe() -> None:
    assert compare_proportions(50, 500, 50, 500).p_value == pytest.approx(1.0)
    empty = compare_proportions(0, 0, 5, 10)
    assert empty.p_value == 1.0 and empty.interval.lower == 0.0


def test_wilson_interval_matches_the_textbook() -> None:
    # 10 successes in 100 trials at 95%: (0.0552, 0.1744) (Newcombe 1998).
    interval = wilson_interval(10, 100)
    assert (round(interval.lower, 4), round(interval.upper, 4)) == (0.0552, 0.1744)
    assert wilson_interval(0, 0).upper == 0.0


def test_critical_values() -> None:
    assert z_critical(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert t_critical(0.95, 10) == pytest.approx(2.228139, abs=1e-5)
    assert t_critical(0.99, 5) == pytest.approx(4.032143, abs=1e-5)
    with pytest.raises(ValueError):
        z_critical(1.5)


def test_welch_interval_matches_hand_computation() -> None:
    # a: n=3 values 1,2,3 (mean 2, var 1); b: n=3 values 2,4,6 (mean 4, var 4).
    a = MeanSummary(3, 6, 14)
    b = MeanSummary(3, 12, 56)
    se = math.sqrt(1 / 3 + 4 / 3)
    df = (1 / 3 + 4 / 3) ** 2 / ((1 / 3) ** 2 / 2 + (4 / 3) ** 2 / 2)  # 2.9412
    interval = welch_interval(a, b)
    half = t_critical(0.95, df) * se
    assert interval.lower == pytest.approx(2 - half) and interval.upper == pytest.approx(2 + half)
    assert half == pytest.approx(4.1, abs=0.1)  # t(0.975, 2.94) ~ 3.18, se ~ 1.29


def test_chi_square_and_sample_ratio_mismatch() -> None:
    assert chi_square_p_value(3.841459, 1) == pytest.approx(0.05, abs=1e-6)
    assert chi_square_p_value(5.991465, 2) == pytest.approx(0.05, abs=1e-6)
    assert sample_ratio_p_value([500, 500], [0.5, 0.5]) == pytest.approx(1.0)
    # 550 vs 450 for a 50/50 split: chi2 = 10, p = 0.001565.
    assert sample_ratio_p_value([550, 450], [0.5, 0.5]) == pytest.approx(0.001565, abs=1e-6)
