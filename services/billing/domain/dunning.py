"""Dunning: active → past_due (a payment failed) → grace period (retries exhausted) → suspended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum


class DunningState(IntEnum):
    """Numbers as billing.v1.DunningState."""

    ACTIVE = 1
    PAST_DUE = 2
    GRACE_PERIOD = 3
    SUSPENDED = 4


class SubscriptionStatus(IntEnum):
    """Stripe's subscription status (numbers as billing.v1.SubscriptionStatus)."""

    TRIALING = 1
    ACTIVE = 2
    PAST_DUE = 3
    INCOMPLETE = 4
    INCOMPLETE_EXPIRED = 5
    UNPAID = 6
    CANCELED = 7

    @classmethod
    def from_stripe(cls, status: str) -> SubscriptionStatus:
        return cls[status.upper()]


@dataclass(frozen=True, slots=True)
class DunningPolicy:
    """Stripe retries a failed invoice; after `failed_attempts_before_grace` failures the
    organization gets `grace_period` more of service, then its sites stop being served."""

    failed_attempts_before_grace: int = 3
    grace_period: timedelta = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Dunning:
    state: DunningState
    grace_period_end: datetime | None = None

    def effective(self, now: datetime) -> Dunning:
        """The state at `now`: a grace period that ran out is a suspension even before any job
        has recorded it, so serving stops exactly on time."""
        if self.state is DunningState.GRACE_PERIOD and self.grace_period_end and now >= self.grace_period_end:
            return Dunning(DunningState.SUSPENDED, self.grace_period_end)
        return self

    @property
    def serving_allowed(self) -> bool:
        return self.state is not DunningState.SUSPENDED


ACTIVE = Dunning(DunningState.ACTIVE)


def payment_failed(current: Dunning, attempt_count: int, now: datetime, policy: DunningPolicy) -> Dunning:
    """An invoice payment failed for the attempt_count-th time."""
    current = current.effective(now)
    if current.state is DunningState.SUSPENDED:
        return current
    if current.state is DunningState.GRACE_PERIOD:
        return current  # the grace period's end is fixed when it starts; more failures do not extend it
    if attempt_count >= policy.failed_attempts_before_grace:
        return Dunning(DunningState.GRACE_PERIOD, now + policy.grace_period)
    return Dunning(DunningState.PAST_DUE)


def retries_exhausted(current: Dunning, now: datetime, policy: DunningPolicy) -> Dunning:
    """Stripe gave up (subscription unpaid): at least a grace period, never a fresh one."""
    current = current.effective(now)
    if current.state in (DunningState.GRACE_PERIOD, DunningState.SUSPENDED):
        return current
    return Dunning(DunningState.GRACE_PERIOD, now + policy.grace_period)


def payment_succeeded(current: Dunning) -> Dunning:
    """Any successful payment settles the debt: back to active, served at once."""
    return ACTIVE
