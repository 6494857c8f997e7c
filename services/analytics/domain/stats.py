"""Statistics of experiments: two-proportion z-test, Wilson and difference intervals, Welch, SRM (pure)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()

#: Below these per-group counts significance is never claimed.
MIN_VISITORS = 100
MIN_CONVERSIONS = 10


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float
    level: float


def z_critical(level: float) -> float:
    """Two-sided critical value, e.g. 1.959964 for 0.95."""
    if not 0 < level < 1:
        raise ValueError("confidence level must be in (0, 1)")
    return _NORMAL.inv_cdf(1 - (1 - level) / 2)


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> Interval:
    """Wilson score interval of a proportion (good near 0 and 1, unlike the Wald interval)."""
    if trials <= 0:
        return Interval(0.0, 0.0, level)
    z = z_critical(level)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Interval(max(0.0, centre - half), min(1.0, centre + half), level)


@dataclass(frozen=True)
class ProportionComparison:
    """Treatment (b) against control (a)."""

    rate_a: float
    rate_b: float
    difference: float
    interval: Interval
    relative_lift: float
    z: float
    p_value: float


def compare_proportions(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, level: float = 0.95
) -> ProportionComparison:
    """Two-sided two-proportion z-test: pooled standard error for the p-value, unpooled (Wald) for the
    interval of the difference b - a."""
    rate_a = successes_a / trials_a if trials_a else 0.0
    rate_b = successes_b / trials_b if trials_b else 0.0
    difference = rate_b - rate_a
    if trials_a == 0 or trials_b == 0:
        return ProportionComparison(rate_a, rate_b, difference, Interval(0.0, 0.0, level), 0.0, 0.0, 1.0)
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if se_pooled == 0:
        z, p_value = 0.0, 1.0
    else:
        z = difference / se_pooled
        p_value = 2 * (1 - _NORMAL.cdf(abs(z)))
    se = math.sqrt(rate_a * (1 - rate_a) / trials_a + rate_b * (1 - rate_b) / trials_b)
    half = z_critical(level) * se
    lift = difference / rate_a if rate_a else 0.0
    return ProportionComparison(
        rate_a, rate_b, difference, Interval(difference - half, difference + half, level), lift, z, p_value
    )


# ---- Student's t (for Welch) -----------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (Numerical Recipes, modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < 3e-16:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1 - front * _betacf(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    x = df / (df + t * t)
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, x)
    return 1 - tail if t > 0 else tail


def t_critical(level: float, df: float) -> float:
    """Two-sided critical value of Student's t (bisection on the CDF)."""
    target = 1 - (1 - level) / 2
    low, high = 0.0, 1000.0
    for _ in range(200):
        mid = (low + high) / 2
        if t_cdf(mid, df) < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


@dataclass(frozen=True)
class MeanSummary:
    """Count, sum and sum of squares of a per-visitor value (revenue per visitor)."""

    n: int
    total: float
    total_squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        if self.n < 2:
            return 0.0
        return max(0.0, (self.total_squares - self.total * self.total / self.n) / (self.n - 1))


def welch_interval(a: MeanSummary, b: MeanSummary, level: float = 0.95) -> Interval:
    """Interval of mean(b) - mean(a) by Welch's t (unequal variances, Welch-Satterthwaite df)."""
    difference = b.mean - a.mean
    if a.n < 2 or b.n < 2:
        return Interval(difference, difference, level)
    va, vb = a.variance / a.n, b.variance / b.n
    se = math.sqrt(va + vb)
    if se == 0:
        return Interval(difference, difference, level)
    df = (va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1))
    half = t_critical(level, df) * se
    return Interval(difference - half, difference + half, level)


# ---- sample ratio mismatch -------------------------------------------------------------------


def _upper_gamma_regularized(s: float, x: float) -> float:
    """Q(s, x) by series (x < s + 1) or continued fraction."""
    if x <= 0:
        return 1.0
    gln = math.lgamma(s)
    if x < s + 1:
        term = total = 1 / s
        a = s
        for _ in range(500):
            a += 1
            term *= x / a
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return 1 - total * math.exp(-x + s * math.log(x) - gln)
    tiny = 1e-300
    b = x + 1 - s
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 500):
        an = -i * (i - s)
        b += 2
        d = an * d + b
        d = 1 / (d if abs(d) > tiny else tiny)
        c = b + an / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(-x + s * math.log(x) - gln) * h


def chi_square_p_value(statistic: float, df: int) -> float:
    return _upper_gamma_regularized(df / 2, statistic / 2)


def sample_ratio_p_value(observed: Sequence[int], expected_shares: Sequence[float]) -> float:
    """Chi-square goodness of fit of observed group sizes against the configured split."""
    total = sum(observed)
    if total == 0 or len(observed) < 2:
        return 1.0
    share_sum = sum(expected_shares)
    statistic = 0.0
    for count, share in zip(observed, expected_shares, strict=True):
        expected = total * share / share_sum
        if expected > 0:
            statistic += (count - expected) ** 2 / expected
    return chi_square_p_value(statistic, len(observed) - 1)


def enough_sample(visitors: int, conversions: int) -> bool:
    return visitors >= MIN_VISITORS and conversions >= MIN_CONVERSIONS
