"""Entitlements: what an organization may use now, computed from plan, dunning and usage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.billing.domain.dunning import Dunning, SubscriptionStatus
from services.billing.domain.periods import Period
from services.billing.domain.plans import Plan
from services.billing.domain.quotas import QuotaState, is_capped, quota_state

#: Callers may keep an answer this long without an invalidating event.
MAX_CACHE_TTL = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Entitlements:
    org_id: str
    plan: Plan
    subscription_status: SubscriptionStatus
    dunning: Dunning
    period: Period
    used_impressions: int
    impressions_state: QuotaState
    serving_allowed: bool
    capped_site_ids: tuple[str, ...]
    revision: int
    compute_time: datetime
    cache_ttl: timedelta


def compute_entitlements(
    *,
    org_id: str,
    plan: Plan,
    subscription_status: SubscriptionStatus,
    dunning: Dunning,
    deleted: bool,
    period: Period,
    used_impressions: int,
    site_usage: Mapping[str, int],
    site_budgets: Mapping[str, int],
    revision: int,
    now: datetime,
) -> Entitlements:
    effective = dunning.effective(now)
    limit = plan.limits.monthly_impressions
    serving = not deleted and effective.serving_allowed and not is_capped(used_impressions, limit)
    capped_sites: Sequence[str] = sorted(
        site for site, budget in site_budgets.items() if is_capped(site_usage.get(site, 0), budget)
    )
    # Time-driven changes (period end, grace end) have no event: the TTL makes caches expire then.
    boundaries = [period.end]
    if effective.grace_period_end and effective.grace_period_end > now:
        boundaries.append(effective.grace_period_end)
    ttl = max(timedelta(0), min([MAX_CACHE_TTL, *(b - now for b in boundaries)]))
    return Entitlements(
        org_id=org_id,
        plan=plan,
        subscription_status=subscription_status,
        dunning=effective,
        period=period,
        used_impressions=used_impressions,
        impressions_state=quota_state(used_impressions, limit),
        serving_allowed=serving,
        capped_site_ids=tuple(capped_sites),
        revision=revision,
        compute_time=now,
        cache_ttl=ttl,
    )
