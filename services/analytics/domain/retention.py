"""Retention rules (pure): effective periods from a site's settings and its plan, cutoffs, partition drops."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: Days kept when billing has not told us an organization's plan yet (the longest paid plan's
#: period, Business: 730): deleting a customer's data on a guess would be the unsafe mistake.
DEFAULT_PLAN_DAYS = 730

#: Slack before a month partition counts as wholly past a cutoff: toYYYYMM() uses the
#: ClickHouse server's time zone, so a month partition may hold up to ~14 h of the next UTC month.
PARTITION_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class RetentionPolicy:
    """A site's retention: its settings (0 = the plan's maximum) bounded by the plan."""

    raw_event_days: int = 0
    rollup_days: int = 0
    plan_max_days: int = DEFAULT_PLAN_DAYS

    @property
    def plan_max_raw_event_days(self) -> int:
        return self.plan_max_days

    @property
    def plan_max_rollup_days(self) -> int:
        # Billing sells one "days data is kept" number; it bounds the rollups as well.
        return self.plan_max_days

    @property
    def effective_raw_event_days(self) -> int:
        return min(self.raw_event_days or self.plan_max_days, self.plan_max_days)

    @property
    def effective_rollup_days(self) -> int:
        # Never shorter than the raw events: QueryMetrics reads the rollup or the raw table
        # depending on the filter, and both must give the same numbers for any period still kept.
        wanted = min(self.rollup_days or self.plan_max_days, self.plan_max_rollup_days)
        return max(self.effective_raw_event_days, wanted)

    def raw_event_cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.effective_raw_event_days)

    def rollup_cutoff(self, now: datetime) -> datetime:
        """Floored to the hour: a rollup row holds a whole hour, removed only once all of it expired."""
        cutoff = now - timedelta(days=self.effective_rollup_days)
        return cutoff.replace(minute=0, second=0, microsecond=0)


def refusals(policy: RetentionPolicy) -> list[tuple[str, str]]:
    """(field, description) of settings the plan does not allow."""
    out = []
    for name, days, limit in (
        ("raw_event_retention_days", policy.raw_event_days, policy.plan_max_raw_event_days),
        ("rollup_retention_days", policy.rollup_days, policy.plan_max_rollup_days),
    ):
        if days < 0:
            out.append((name, "must not be negative"))
        elif days > limit:
            out.append((name, f"exceeds the plan's maximum of {limit} days"))
    return out


def partition_end(partition: str) -> datetime:
    """The first instant after month partition "YYYYMM" (plus the time-zone slack)."""
    year, month = int(partition[:4]), int(partition[4:6])
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return following + PARTITION_SLACK


def droppable(partition: str, cutoffs: Iterable[datetime]) -> bool:
    """True when the cutoff of every site with rows in the partition lies after all of them."""
    end = partition_end(partition)
    return all(cutoff >= end for cutoff in cutoffs)
