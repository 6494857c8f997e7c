"""Experiment analysis: per-visitor outcomes into A/B variant results and holdout lift (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.analytics.domain.stats import (
    Interval,
    MeanSummary,
    compare_proportions,
    enough_sample,
    sample_ratio_p_value,
    welch_interval,
    wilson_interval,
)

DEFAULT_WINDOW = timedelta(days=7)
DEFAULT_LEVEL = 0.95


@dataclass(frozen=True)
class ExposedVisitor:
    """One visitor of the experiment: their arm and first exposure (any event of the campaign)."""

    visitor_id: str
    variant_id: str
    holdout: bool
    first_exposure: datetime
    impressions: int = 0
    clicks: int = 0


@dataclass(frozen=True)
class GoalReached:
    visitor_id: str
    at: datetime
    value_minor: int = 0
    currency: str = ""


@dataclass(frozen=True)
class Arm:
    """A configured variant (from the campaign); the first one is the control."""

    variant_id: str
    label: str = ""
    weight: int = 1


@dataclass
class GroupOutcome:
    visitors: int = 0
    impressions: int = 0
    clicks: int = 0
    converted: int = 0
    revenue_total: float = 0.0
    revenue_squares: float = 0.0

    @property
    def rate(self) -> float:
        return self.converted / self.visitors if self.visitors else 0.0

    @property
    def revenue(self) -> MeanSummary:
        return MeanSummary(self.visitors, self.revenue_total, self.revenue_squares)


@dataclass(frozen=True)
class VariantStats:
    variant_id: str
    label: str
    control: bool
    outcome: GroupOutcome
    rate_interval: Interval
    difference: float
    difference_interval: Interval
    relative_lift: float
    p_value: float
    significant: bool
    revenue_per_visitor: float


@dataclass(frozen=True)
class HoldoutStats:
    holdout_share: float
    treated: GroupOutcome
    holdout: GroupOutcome
    absolute_lift: float
    lift_interval: Interval
    relative_lift: float
    p_value: float
    significant: bool
    revenue_lift_per_visitor: float
    revenue_lift_interval: Interval


@dataclass(frozen=True)
class ExperimentStats:
    variants: list[VariantStats]
    holdout: HoldoutStats | None
    sufficient_sample: bool
    sample_ratio_p_value: float
    level: float
    tested: bool = field(default=True)


def outcomes(
    visitors: Iterable[ExposedVisitor],
    goals: Iterable[GoalReached],
    *,
    window: timedelta = DEFAULT_WINDOW,
    currency: str = "",
) -> dict[tuple[str, bool], GroupOutcome]:
    """Per (variant, holdout): each visitor once; a visitor converts when any goal falls within
    [first exposure, first exposure + window]; revenue counts those goals in `currency` only."""
    by_visitor: dict[str, list[GoalReached]] = {}
    for goal in goals:
        by_visitor.setdefault(goal.visitor_id, []).append(goal)
    groups: dict[tuple[str, bool], GroupOutcome] = {}
    for visitor in visitors:
        # Holdout visitors are one group whatever variant id the widget reported for them.
        key = ("", True) if visitor.holdout else (visitor.variant_id, False)
        group = groups.setdefault(key, GroupOutcome())
        group.visitors += 1
        group.impressions += visitor.impressions
        group.clicks += visitor.clicks
        reached = [
            g
            for g in by_visitor.get(visitor.visitor_id, ())
            if visitor.first_exposure <= g.at <= visitor.first_exposure + window
        ]
        if reached:
            group.converted += 1
            value = float(sum(g.value_minor for g in reached if g.currency == currency)) if currency else 0.0
            group.revenue_total += value
            group.revenue_squares += value * value
    return groups


def analyse(
    groups: dict[tuple[str, bool], GroupOutcome],
    arms: Sequence[Arm],
    *,
    holdout_share: float,
    level: float = DEFAULT_LEVEL,
) -> ExperimentStats:
    """Variants against the control (two-proportion z-test) and treated against holdout."""
    configured = [a.variant_id for a in arms]
    seen = sorted(v for v, holdout in groups if not holdout and v not in configured)
    order = configured + seen
    labels = {a.variant_id: a.label for a in arms}
    alpha = 1 - level
    variants: list[VariantStats] = []
    control = groups.get((order[0], False), GroupOutcome()) if order else GroupOutcome()
    for index, variant_id in enumerate(order):
        outcome = groups.get((variant_id, False), GroupOutcome())
        rpv = outcome.revenue.mean
        rate_interval = wilson_interval(outcome.converted, outcome.visitors, level)
        if index == 0:
            variants.append(
                VariantStats(
                    variant_id, labels.get(variant_id, ""), True, outcome, rate_interval,
                    0.0, Interval(0.0, 0.0, level), 0.0, 1.0, False, rpv,
                )
            )  # fmt: skip
            continue
        comparison = compare_proportions(
            control.converted, control.visitors, outcome.converted, outcome.visitors, level
        )
        enough = enough_sample(control.visitors, control.converted) and enough_sample(
            outcome.visitors, outcome.converted
        )
        variants.append(
            VariantStats(
                variant_id,
                labels.get(variant_id, ""),
                False,
                outcome,
                rate_interval,
                comparison.difference,
                comparison.interval,
                comparison.relative_lift,
                comparison.p_value,
                enough and comparison.p_value < alpha,
                rpv,
            )
        )
    holdout_stats = None
    holdout = groups.get(("", True))
    if holdout_share > 0 or holdout is not None:
        holdout = holdout or GroupOutcome()
        treated = GroupOutcome()
        for (_, is_holdout), outcome in groups.items():
            if not is_holdout:
                treated.visitors += outcome.visitors
                treated.impressions += outcome.impressions
                treated.clicks += outcome.clicks
                treated.converted += outcome.converted
                treated.revenue_total += outcome.revenue_total
                treated.revenue_squares += outcome.revenue_squares
        lift = compare_proportions(
            holdout.converted, holdout.visitors, treated.converted, treated.visitors, level
        )
        enough = enough_sample(holdout.visitors, holdout.converted) and enough_sample(
            treated.visitors, treated.converted
        )
        holdout_stats = HoldoutStats(
            holdout_share,
            treated,
            holdout,
            lift.difference,
            lift.interval,
            lift.relative_lift,
            lift.p_value,
            enough and lift.p_value < alpha,
            treated.revenue.mean - holdout.revenue.mean,
            welch_interval(holdout.revenue, treated.revenue, level),
        )
    everyone = [v.outcome for v in variants] + ([holdout_stats.holdout] if holdout_stats else [])
    sufficient = bool(everyone) and all(enough_sample(o.visitors, o.converted) for o in everyone)
    srm = 1.0
    if arms and len(arms) + (1 if holdout_share > 0 else 0) >= 2:
        total_weight = sum(a.weight for a in arms) or 1
        observed = [groups.get((a.variant_id, False), GroupOutcome()).visitors for a in arms]
        shares = [(1 - holdout_share) * a.weight / total_weight for a in arms]
        if holdout_share > 0:
            observed.append(holdout_stats.holdout.visitors if holdout_stats else 0)
            shares.append(holdout_share)
        srm = sample_ratio_p_value(observed, shares)
    return ExperimentStats(variants, holdout_stats, sufficient, srm, level, tested=bool(everyone))
