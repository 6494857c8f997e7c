"""Quota rules: warning at 80%, hard cap at 100%, each alert once per period and limit."""

from __future__ import annotations

from collections.abc import Collection
from enum import IntEnum

WARNING_PERCENT = 80
EXCEEDED_PERCENT = 100
THRESHOLDS = (WARNING_PERCENT, EXCEEDED_PERCENT)
#: A site budget above this is a typo, not a budget (and stays far from bigint overflow).
MAX_SITE_BUDGET = 1_000_000_000_000


class QuotaMetric(IntEnum):
    """Metered quantities (numbers as billing.v1.QuotaMetric)."""

    IMPRESSIONS = 1
    SITES = 2
    SEATS = 3


class QuotaState(IntEnum):
    """Where usage stands against a limit (numbers as billing.v1.QuotaState)."""

    OK = 1
    WARNING = 2
    EXCEEDED = 3


def reached_thresholds(used: int, limit: int | None) -> list[int]:
    """Thresholds (percent) that `used` has reached; none when unlimited. Integer math: 80% of
    5,000 is reached at exactly 4,000, never a float's 3,999.9999."""
    if limit is None:
        return []
    return [t for t in THRESHOLDS if used * 100 >= t * limit]


def new_alerts(used: int, limit: int | None, already_sent: Collection[int]) -> list[int]:
    """Thresholds reached and not alerted yet this period (for this limit)."""
    return [t for t in reached_thresholds(used, limit) if t not in already_sent]


def quota_state(used: int, limit: int | None) -> QuotaState:
    reached = reached_thresholds(used, limit)
    if EXCEEDED_PERCENT in reached:
        return QuotaState.EXCEEDED
    if WARNING_PERCENT in reached:
        return QuotaState.WARNING
    return QuotaState.OK


def is_capped(used: int, limit: int | None) -> bool:
    """The hard cap: at the limit serving stops (no overage is ever charged or silently allowed)."""
    return limit is not None and used >= limit
