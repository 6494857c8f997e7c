"""The plan catalog's model: tiers, limits, features, prices and plan resource names."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime
from enum import IntEnum

from shared.errors import FieldViolation, InvalidArgument


class PlanTier(IntEnum):
    """Plan families in ascending order of what they allow (numbers as billing.v1.PlanTier)."""

    FREE = 1
    STARTER = 2
    GROWTH = 3
    BUSINESS = 4


class BillingInterval(IntEnum):
    """How often a subscription is charged (numbers as billing.v1.BillingInterval)."""

    MONTH = 1
    YEAR = 2


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """What a plan allows; None means unlimited."""

    monthly_impressions: int | None
    sites: int | None
    seats: int | None
    retention_days: int


@dataclass(frozen=True, slots=True)
class PlanFeatures:
    """Features a plan switches on (field names are the PlanFeatures proto field names)."""

    ab_tests: bool = False
    holdout: bool = False
    remove_branding: bool = False
    outbound_webhooks: bool = False
    scheduled_reports: bool = False
    api_access: bool = False

    def enabled(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name)]


@dataclass(frozen=True, slots=True)
class PlanPrice:
    """What one billing interval costs, and the Stripe (legacy Plans API) plan it is sold as."""

    interval: BillingInterval
    amount_minor: int
    currency_code: str
    stripe_plan_id: str


@dataclass(frozen=True, slots=True)
class Plan:
    """One immutable version of a plan."""

    slug: str
    version: int
    display_name: str
    description: str
    tier: PlanTier
    limits: PlanLimits
    features: PlanFeatures
    prices: tuple[PlanPrice, ...]
    trial_days: int
    available: bool
    create_time: datetime

    @property
    def name(self) -> str:
        return plan_name(self.slug)

    @property
    def is_free(self) -> bool:
        return not self.prices

    def price_for(self, interval: BillingInterval) -> PlanPrice | None:
        return next((p for p in self.prices if p.interval == interval), None)

    @property
    def sort_key(self) -> tuple[int, int, str]:
        """Cheapest first: by monthly price, then tier, then slug (stable)."""
        monthly = self.price_for(BillingInterval.MONTH)
        return (monthly.amount_minor if monthly else 0, int(self.tier), self.slug)


FREE_PLAN_SLUG = "free"

_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def plan_name(slug: str) -> str:
    return f"plans/{slug}"


def parse_plan_name(name: str, field: str = "name") -> str:
    """The slug of a "plans/{plan}" name; InvalidArgument naming `field` otherwise."""
    prefix, _, slug = name.partition("/")
    if prefix != "plans" or not _SLUG.match(slug):
        raise InvalidArgument(
            "Invalid plan name",
            violations=[FieldViolation(field, 'must look like "plans/{plan}", e.g. "plans/growth"')],
            reason="INVALID_PLAN_NAME",
        )
    return slug


def change_direction(
    old: Plan, new: Plan, old_interval: BillingInterval | None, new_interval: BillingInterval
) -> int:
    """+1 for an upgrade (higher tier, or the same tier on a longer interval), -1 for a downgrade,
    0 for no change. Upgrades take effect at once; downgrades never silently lower a paid plan."""
    if new.tier != old.tier:
        return 1 if new.tier > old.tier else -1
    if old_interval is None or new_interval == old_interval:
        return 0
    return 1 if new_interval > old_interval else -1
