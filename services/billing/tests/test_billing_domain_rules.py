"""Pure billing rules: usage periods, quota thresholds, dunning and entitlements (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.billing.domain.dunning import (
    ACTIVE,
    Dunning,
    DunningPolicy,
    DunningState,
    SubscriptionStatus,
    payment_failed,
    payment_succeeded,
    retries_exhausted,
)
from services.billing.domain.entitlements import compute_entitlements
from services.billing.domain.pages import Page, next_token, page_of
from services.billing.domain.periods import add_months, usage_period
from services.billing.domain.plans import (
    BillingInterval,
    Plan,
    PlanFeatures,
    PlanLimits,
    PlanPrice,
    PlanTier,
    change_direction,
    parse_plan_name,
)
from services.billing.domain.quotas import QuotaState, is_capped, new_alerts, quota_state, reached_thresholds
from shared.errors import InvalidArgument

T0 = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
POLICY = DunningPolicy(failed_attempts_before_grace=3, grace_period=timedelta(days=7))


def _plan(slug: str = "free", tier: PlanTier = PlanTier.FREE, impressions: int | None = 1000) -> Plan:
    prices = (
        () if tier is PlanTier.FREE else (PlanPrice(BillingInterval.MONTH, 100, "USD", f"{slug}-v1-month"),)
    )
    return Plan(
        slug, 1, slug.title(), "", tier, PlanLimits(impressions, 1, 1, 7), PlanFeatures(), prices, 0, True, T0
    )


def test_month_arithmetic_clamps_short_months_without_drifting() -> None:
    assert add_months(T0, 1) == datetime(2026, 2, 28, 10, tzinfo=UTC)
    assert add_months(T0, 2) == datetime(2026, 3, 31, 10, tzinfo=UTC)
    assert add_months(T0, -2) == datetime(2025, 11, 30, 10, tzinfo=UTC)
    assert add_months(datetime(2027, 12, 15, tzinfo=UTC), 2) == datetime(2028, 2, 15, tzinfo=UTC)


def test_usage_period_contains_the_instant_and_is_half_open() -> None:
    period = usage_period(T0, datetime(2026, 3, 5, tzinfo=UTC))
    assert (period.start, period.end) == (
        datetime(2026, 2, 28, 10, tzinfo=UTC),
        datetime(2026, 3, 31, 10, tzinfo=UTC),
    )
    at_boundary = usage_period(T0, datetime(2026, 3, 31, 10, tzinfo=UTC))
    assert at_boundary.start == datetime(2026, 3, 31, 10, tzinfo=UTC)
    just_before = usage_period(T0, datetime(2026, 3, 31, 9, 59, 59, tzinfo=UTC))
    assert just_before.end == at_boundary.start
    before_anchor = usage_period(T0, datetime(2026, 1, 1, tzinfo=UTC))
    assert before_anchor.end == T0
    with pytest.raises(ValueError, match="timezone-aware"):
        usage_period(T0, datetime(2026, 3, 1))


def test_thresholds_fire_at_exact_integer_boundaries() -> None:
    assert reached_thresholds(3999, 5000) == []
    assert reached_thresholds(4000, 5000) == [80]
    assert reached_thresholds(4999, 5000) == [80]
    assert reached_thresholds(5000, 5000) == [80, 100]
    assert reached_thresholds(10**9, None) == []
    # Jumping straight past both thresholds raises both alerts at once, each only once.
    assert new_alerts(6000, 5000, already_sent=()) == [80, 100]
    assert new_alerts(6000, 5000, already_sent={80}) == [100]
    assert new_alerts(7000, 5000, already_sent={80, 100}) == []
    assert [quota_state(u, 100) for u in (0, 79, 80, 99, 100, 150)] == [
        QuotaState.OK,
        QuotaState.OK,
        QuotaState.WARNING,
        QuotaState.WARNING,
        QuotaState.EXCEEDED,
        QuotaState.EXCEEDED,
    ]
    assert (is_capped(99, 100), is_capped(100, 100), is_capped(10**12, None)) == (False, True, False)


def test_dunning_walks_past_due_grace_suspended_and_recovers() -> None:
    now = T0
    state = payment_failed(ACTIVE, 1, now, POLICY)
    assert state == Dunning(DunningState.PAST_DUE)
    state = payment_failed(state, 2, now + timedelta(days=3), POLICY)
    assert state.state is DunningState.PAST_DUE
    state = payment_failed(state, 3, now + timedelta(days=5), POLICY)
    assert state == Dunning(DunningState.GRACE_PERIOD, now + timedelta(days=12))
    # More failures in grace do not extend it.
    assert payment_failed(state, 4, now + timedelta(days=6), POLICY) == state
    assert state.effective(now + timedelta(days=11)).serving_allowed
    suspended = state.effective(now + timedelta(days=12))
    assert suspended.state is DunningState.SUSPENDED and not suspended.serving_allowed
    assert payment_failed(state, 5, now + timedelta(days=13), POLICY).state is DunningState.SUSPENDED
    assert payment_succeeded(suspended) == ACTIVE
    assert retries_exhausted(ACTIVE, now, POLICY) == Dunning(
        DunningState.GRACE_PERIOD, now + timedelta(days=7)
    )
    assert retries_exhausted(state, now + timedelta(days=6), POLICY) == state
    assert SubscriptionStatus.from_stripe("past_due") is SubscriptionStatus.PAST_DUE


def _entitlements(used: int, dunning: Dunning = ACTIVE, now: datetime = T0, **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "org_id": "o",
        "plan": _plan(),
        "subscription_status": SubscriptionStatus.ACTIVE,
        "dunning": dunning,
        "deleted": False,
        "period": usage_period(T0, now),
        "used_impressions": used,
        "site_usage": {},
        "site_budgets": {},
        "revision": 3,
        "now": now,
    }
    args.update(kw)
    return compute_entitlements(**args)  # type: ignore[arg-type]


def test_entitlements_stop_serving_at_the_cap_suspension_or_deletion() -> None:
    assert _entitlements(999).serving_allowed
    capped = _entitlements(1000)
    assert not capped.serving_allowed and capped.impressions_state is QuotaState.EXCEEDED
    unlimited = _entitlements(10**9, plan=_plan("business", PlanTier.BUSINESS, None))
    assert unlimited.serving_allowed and unlimited.impressions_state is QuotaState.OK
    grace = Dunning(DunningState.GRACE_PERIOD, T0 + timedelta(hours=1))
    assert _entitlements(0, grace).serving_allowed
    after = _entitlements(0, grace, now=T0 + timedelta(hours=1))
    assert not after.serving_allowed and after.dunning.state is DunningState.SUSPENDED
    assert not _entitlements(0, deleted=True).serving_allowed
    sites = _entitlements(10, site_usage={"s1": 50, "s2": 49}, site_budgets={"s1": 50, "s2": 50, "s3": 1})
    assert sites.serving_allowed and sites.capped_site_ids == ("s1",)


def test_cache_ttl_ends_at_the_next_time_driven_change() -> None:
    assert _entitlements(0).cache_ttl == timedelta(seconds=60)
    near_end = _entitlements(0, now=datetime(2026, 2, 28, 9, 59, 50, tzinfo=UTC))
    assert near_end.cache_ttl == timedelta(seconds=10)
    grace = Dunning(DunningState.GRACE_PERIOD, T0 + timedelta(seconds=5))
    assert _entitlements(0, grace).cache_ttl == timedelta(seconds=5)


def test_plan_names_pages_and_change_direction() -> None:
    assert parse_plan_name("plans/growth") == "growth"
    for bad in ("plans/", "plans/Growth", "organizations/x", "plans/a/b", ""):
        with pytest.raises(InvalidArgument) as raised:
            parse_plan_name(bad, field="plan")
        assert [v.field for v in raised.value.violations] == ["plan"]
    free, growth = _plan(), _plan("growth", PlanTier.GROWTH)
    assert change_direction(free, growth, None, BillingInterval.MONTH) == 1
    assert change_direction(growth, free, BillingInterval.MONTH, BillingInterval.MONTH) == -1
    assert change_direction(growth, growth, BillingInterval.MONTH, BillingInterval.YEAR) == 1
    assert change_direction(growth, growth, BillingInterval.MONTH, BillingInterval.MONTH) == 0
    page = page_of(0, "", default_size=50)
    assert page == Page(0, 50) and page_of(500, "", default_size=50).size == 100
    token = next_token(Page(0, 2), total=3)
    assert page_of(2, token, default_size=50) == Page(2, 2)
    assert next_token(Page(2, 2), total=3) == ""
