"""Experiments, attribution, funnels and cohorts on hand-checked and seeded data (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.analytics.domain.attribution import Goal, Model, TouchPoint, attribute
from services.analytics.domain.experiments import Arm, ExposedVisitor, GoalReached, analyse, outcomes
from services.analytics.domain.funnels import StepRule, VisitorEvent, cohorts, funnel, glob_match
from services.analytics.tests.conftest import seeded_visitors

T0 = datetime(2025, 3, 3, 12, tzinfo=UTC)


def _experiment(
    seed: int, rate_a: float, rate_b: float, holdout_rate: float
) -> tuple[list[ExposedVisitor], list[GoalReached]]:
    visitors = seeded_visitors(
        seed, [("a", False, 1000, rate_a), ("b", False, 1000, rate_b), ("", True, 400, holdout_rate)]
    )
    exposed = [ExposedVisitor(v.visitor_id, v.variant_id, v.holdout, T0, 1, 0) for v in visitors]
    goals = [
        GoalReached(v.visitor_id, T0 + timedelta(hours=1), v.value_minor, "EUR")
        for v in visitors
        if v.converts
    ]
    return exposed, goals


ARMS = (Arm("a", "Control", 50), Arm("b", "Urgent", 50))


def test_seeded_experiment_with_an_effect_is_significant_and_one_without_is_not() -> None:
    exposed, goals = _experiment(7, 0.05, 0.10, 0.03)
    stats = analyse(outcomes(exposed, goals, currency="EUR"), ARMS, holdout_share=400 / 2400)
    control, treatment = stats.variants
    assert (control.variant_id, control.control, control.p_value) == ("a", True, 1.0)
    assert control.outcome.visitors == treatment.outcome.visitors == 1000
    assert treatment.significant and treatment.p_value < 0.001
    assert treatment.difference == pytest.approx(treatment.outcome.rate - control.outcome.rate)
    assert treatment.difference_interval.lower > 0
    assert stats.sufficient_sample and stats.sample_ratio_p_value > 0.5
    holdout = stats.holdout
    assert holdout is not None and holdout.treated.visitors == 2000 and holdout.holdout.visitors == 400
    assert holdout.significant and holdout.lift_interval.lower > 0

    exposed, goals = _experiment(7, 0.06, 0.06, 0.06)
    stats = analyse(outcomes(exposed, goals, currency="EUR"), ARMS, holdout_share=400 / 2400)
    treatment = stats.variants[1]
    assert not treatment.significant and treatment.p_value > 0.05
    assert treatment.difference_interval.lower < 0 < treatment.difference_interval.upper
    assert stats.holdout is not None and not stats.holdout.significant


def test_each_visitor_counts_once_within_the_window_and_small_samples_are_never_significant() -> None:
    exposed = [ExposedVisitor("v1", "a", False, T0), ExposedVisitor("v2", "b", False, T0)]
    goals = [
        GoalReached("v1", T0 + timedelta(hours=1), 500, "EUR"),
        GoalReached("v1", T0 + timedelta(hours=2), 700, "EUR"),  # same visitor: still one conversion
        GoalReached("v1", T0 + timedelta(hours=3), 900, "USD"),  # other currency: not in revenue
        GoalReached("v2", T0 + timedelta(days=8), 500, "EUR"),  # after the 7-day window
        GoalReached("v2", T0 - timedelta(hours=1), 500, "EUR"),  # before the first exposure
    ]
    groups = outcomes(exposed, goals, currency="EUR")
    assert (groups[("a", False)].converted, groups[("a", False)].revenue_total) == (1, 1200.0)
    assert groups[("b", False)].converted == 0
    stats = analyse(groups, ARMS, holdout_share=0.0)
    assert stats.holdout is None and not stats.sufficient_sample
    assert not stats.variants[1].significant


def test_attribution_last_and_first_touch_on_hand_checked_data() -> None:
    day = timedelta(days=1)
    touches = [
        TouchPoint("alice", T0 - 10 * day, "old", "", False),  # outside the 7-day window
        TouchPoint("alice", T0 - 5 * day, "c1", "a", False),
        TouchPoint("alice", T0 - 1 * day, "c2", "", True),
        TouchPoint("bob", T0 - 2 * day, "c1", "b", False),
        TouchPoint("bob", T0 + 1 * day, "c2", "", True),  # after bob's conversion
    ]
    goals = [
        Goal("alice", T0, "g1", 1000, "EUR"),
        Goal("alice", T0 + timedelta(hours=1), "g2", 500, "EUR"),
        Goal("bob", T0, "g3", 2000, "EUR"),
        Goal("carol", T0, "g4", 300, "EUR"),  # never touched
    ]
    last = attribute(goals, touches)
    assert (last.total_conversions, last.converting_visitors) == (4, 3)
    assert (last.attributed_conversions, last.attributed_visitors) == (3, 2)
    assert last.revenues == {"EUR": 3500}
    assert [(c.campaign_id, c.conversions, len(c.visitors), c.revenues) for c in last.credits] == [
        ("c2", 2, 1, {"EUR": 1500}),
        ("c1", 1, 1, {"EUR": 2000}),
    ]
    # c2 credited 1 day and 1 day + 1 hour before the conversions: median 1 day 30 minutes.
    assert last.credits[0].median_delay_seconds == (day + timedelta(minutes=30)).total_seconds()
    first = attribute(goals, touches, model=Model.FIRST_TOUCH, by_variant=True)
    assert [(c.campaign_id, c.variant_id, c.conversions, len(c.visitors)) for c in first.credits] == [
        ("c1", "a", 2, 1),
        ("c1", "b", 1, 1),
    ]
    clicks = attribute(goals, touches, clicks_only=True, window=timedelta(days=3))
    assert [(c.campaign_id, c.conversions) for c in clicks.credits] == [("c2", 2)]
    assert clicks.credited["g3"] is None


def test_funnel_counts_ordered_steps_within_the_window() -> None:
    steps = [StepRule(1, "c1"), StepRule(3, "c1"), StepRule(6, page_pattern="https://shop.example/checkout*")]
    m = timedelta(minutes=1)
    events = [
        VisitorEvent("v1", T0, 1, "c1"),
        VisitorEvent("v1", T0 + m, 3, "c1"),
        VisitorEvent("v1", T0 + 3 * m, 6, page_url="https://shop.example/checkout?step=1"),
        VisitorEvent("v2", T0, 3, "c1"),  # click before the impression: only step 1 in order
        VisitorEvent("v2", T0 + m, 1, "c1"),
        VisitorEvent("v3", T0, 1, "c1"),
        VisitorEvent("v3", T0 + 2 * m, 3, "c1"),
        VisitorEvent("v3", T0 + timedelta(days=8), 6, page_url="https://shop.example/checkout"),  # too late
        VisitorEvent("v4", T0 - timedelta(days=1), 1, "c1"),  # first step before the range
    ]
    counts = funnel(events, steps, T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert counts.reached == [3, 2, 1]
    assert counts.median_delay(1) == 90.0 and counts.median_delay(2) == 120.0
    assert glob_match("https://x/*/p?", "https://x/a/b/p1") and not glob_match("https://x/p", "https://x/p2")


def test_cohorts_by_first_seen_week_follow_returns() -> None:
    monday = (datetime(2025, 3, 3).date() - datetime(1970, 1, 1).date()).days
    days = [
        ("old", monday - 30, 0), ("old", monday, 1),  # first seen before the range: not a cohort member
        ("a", monday, 0), ("a", monday + 8, 1), ("a", monday + 15, 0),
        ("b", monday + 6, 0),
        ("c", monday + 7, 2),
    ]  # fmt: skip
    rows = cohorts(days, 3, datetime(2025, 3, 3).date(), datetime(2025, 3, 17).date())
    assert [(r.start.isoformat(), r.visitors, r.active, r.conversions) for r in rows] == [
        ("2025-03-03", 2, [2, 1, 1], [0, 1, 0]),
        ("2025-03-10", 1, [1, 0], [2, 0]),
    ]
