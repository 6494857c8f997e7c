"""Builds billing's Kafka event payloads (socialproof.events.v1) from domain state."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from services.billing.convert import enum, timestamp
from services.billing.domain.periods import Period
from services.billing.domain.plans import Plan
from services.billing.domain.quotas import EXCEEDED_PERCENT
from socialproof.events.v1 import billing_events_pb2 as ev

if TYPE_CHECKING:
    from services.billing.adapters.accounts import AccountRow, PendingAlert

PlanChangeReason = ev.PlanChangeReason
SubscriptionChangeType = ev.SubscriptionChangeType
QuotaResetReason = ev.QuotaResetReason


def _limits(plan: Plan) -> ev.PlanLimitsSnapshot:
    snapshot = ev.PlanLimitsSnapshot(retention_days=plan.limits.retention_days)
    if plan.limits.monthly_impressions is not None:
        snapshot.monthly_impressions = plan.limits.monthly_impressions
    if plan.limits.sites is not None:
        snapshot.sites = plan.limits.sites
    if plan.limits.seats is not None:
        snapshot.seats = plan.limits.seats
    return snapshot


def plan_changed(
    org_id: str, old: Plan | None, new: Plan, reason: int, revision: int, when: datetime
) -> ev.PlanChanged:
    return ev.PlanChanged(
        org_id=org_id,
        old_plan=old.name if old else "",
        old_plan_version=old.version if old else 0,
        new_plan=new.name,
        new_plan_version=new.version,
        reason=enum(ev.PlanChangeReason, reason),
        limits=_limits(new),
        enabled_features=new.features.enabled(),
        entitlements_revision=revision,
        effective_time=timestamp(when),
    )


def subscription_changed(
    account: AccountRow | None, plan: Plan, change: int, serving: bool, when: datetime, stripe_event_id: str
) -> ev.SubscriptionChanged:
    assert account is not None
    return ev.SubscriptionChanged(
        org_id=account.org_id,
        change_type=enum(ev.SubscriptionChangeType, change),
        plan=plan.name,
        status=enum(ev.BillingSubscriptionStatus, account.subscription_status),
        dunning_state=enum(ev.BillingDunningState, account.dunning_state),
        serving_allowed=serving,
        cancel_at_period_end=account.cancel_at_period_end,
        current_period_start_time=timestamp(account.billing_period_start),
        current_period_end_time=timestamp(account.billing_period_end),
        trial_end_time=timestamp(account.trial_end),
        grace_period_end_time=timestamp(account.grace_period_end),
        stripe_event_id=stripe_event_id,
        entitlements_revision=account.revision,
        change_time=timestamp(when),
    )


def site_cap_reached(
    org_id: str, site_id: str, period: Period, used: int, limit: int, revision: int
) -> ev.QuotaExceeded:
    """A site at its budget again after a budget change whose 100% alert was already sent this period."""
    return ev.QuotaExceeded(
        org_id=org_id,
        site_id=site_id,
        metric=ev.USAGE_METRIC_IMPRESSIONS,
        used=used,
        limit=limit,
        serving_stopped=True,
        period_start_time=timestamp(period.start),
        period_end_time=timestamp(period.end),
        entitlements_revision=revision,
    )


def quota_alert(alert: PendingAlert) -> ev.QuotaWarning | ev.QuotaExceeded:
    metric = enum(ev.UsageMetric, alert.metric)
    if alert.threshold_percent == EXCEEDED_PERCENT:
        return ev.QuotaExceeded(
            org_id=alert.org_id,
            site_id=alert.site_id,
            metric=metric,
            used=alert.used,
            limit=alert.limit_value,
            serving_stopped=True,
            period_start_time=timestamp(alert.period.start),
            period_end_time=timestamp(alert.period.end),
            entitlements_revision=alert.revision,
        )
    return ev.QuotaWarning(
        org_id=alert.org_id,
        site_id=alert.site_id,
        metric=metric,
        threshold_percent=alert.threshold_percent,
        used=alert.used,
        limit=alert.limit_value,
        period_start_time=timestamp(alert.period.start),
        period_end_time=timestamp(alert.period.end),
    )


def quota_reset(
    org_id: str,
    period: Period,
    used: int,
    limit: int | None,
    revision: int,
    *,
    reason: int = ev.QUOTA_RESET_REASON_PLAN_CHANGED,
    site_id: str = "",
) -> ev.QuotaReset:
    reset = ev.QuotaReset(
        org_id=org_id,
        site_id=site_id,
        metric=ev.USAGE_METRIC_IMPRESSIONS,
        reason=enum(ev.QuotaResetReason, reason),
        used=used,
        period_start_time=timestamp(period.start),
        period_end_time=timestamp(period.end),
        entitlements_revision=revision,
    )
    if limit is not None:
        reset.limit = limit
    return reset
