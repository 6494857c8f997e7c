"""Conversions between billing's domain objects and its protobuf messages."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar, cast

from google.protobuf.timestamp_pb2 import Timestamp

from services.billing.domain.plans import Plan
from socialproof.billing.v1 import plan_pb2
from socialproof.common.v1 import common_pb2

E = TypeVar("E", bound=int)


def enum(_: type[E], value: int) -> E:
    """A domain IntEnum as the generated enum type (the same number; the stubs type them apart)."""
    return cast(E, int(value))


def timestamp(when: datetime | None) -> Timestamp | None:
    if when is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(when)
    return stamp


def money(amount_minor: int, currency_code: str) -> common_pb2.Money:
    return common_pb2.Money(amount_minor=amount_minor, currency_code=currency_code)


def time_range(start: datetime, end: datetime) -> common_pb2.TimeRange:
    return common_pb2.TimeRange(start_time=timestamp(start), end_time=timestamp(end))


def plan_limits(plan: Plan) -> plan_pb2.PlanLimits:
    limits = plan_pb2.PlanLimits(retention_days=plan.limits.retention_days)
    # Unset optional fields mean unlimited, so only limited values are set.
    if plan.limits.monthly_impressions is not None:
        limits.monthly_impressions = plan.limits.monthly_impressions
    if plan.limits.sites is not None:
        limits.sites = plan.limits.sites
    if plan.limits.seats is not None:
        limits.seats = plan.limits.seats
    return limits


def plan_features(plan: Plan) -> plan_pb2.PlanFeatures:
    return plan_pb2.PlanFeatures(**{name: True for name in plan.features.enabled()})


def plan_message(plan: Plan) -> plan_pb2.Plan:
    return plan_pb2.Plan(
        name=plan.name,
        version=plan.version,
        display_name=plan.display_name,
        description=plan.description,
        tier=enum(plan_pb2.PlanTier, plan.tier),
        limits=plan_limits(plan),
        features=plan_features(plan),
        prices=[
            plan_pb2.PlanPrice(
                interval=enum(plan_pb2.BillingInterval, price.interval),
                amount=money(price.amount_minor, price.currency_code),
                stripe_plan_id=price.stripe_plan_id,
            )
            for price in plan.prices
        ],
        trial_days=plan.trial_days,
        available=plan.available,
        create_time=timestamp(plan.create_time),
    )
