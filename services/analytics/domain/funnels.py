"""Ordered funnels and first-seen cohorts computed from per-visitor event sequences (pure)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

DEFAULT_FUNNEL_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class StepRule:
    event_type: int
    campaign_id: str = ""
    page_pattern: str = ""
    goal_name: str = ""

    def matches(self, event: VisitorEvent) -> bool:
        if event.event_type != self.event_type:
            return False
        if self.campaign_id and event.campaign_id != self.campaign_id:
            return False
        if self.goal_name and event.goal_name != self.goal_name:
            return False
        return not self.page_pattern or glob_match(self.page_pattern, event.page_url)


@dataclass(frozen=True)
class VisitorEvent:
    visitor_id: str
    at: datetime
    event_type: int
    campaign_id: str = ""
    page_url: str = ""
    goal_name: str = ""
    variant_id: str = ""
    holdout: bool = False


@dataclass
class FunnelCounts:
    reached: list[int]
    delays: list[list[float]] = field(default_factory=list)

    def median_delay(self, step: int) -> float | None:
        values = self.delays[step] if step < len(self.delays) else []
        return statistics.median(values) if values else None


def glob_match(pattern: str, value: str) -> bool:
    """URL glob: * any run of characters, ? one character, everything else literal."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _best_path(events: Sequence[VisitorEvent], steps: Sequence[StepRule], start: datetime, end: datetime,
               window: timedelta) -> list[datetime]:  # fmt: skip
    """Times of the deepest in-order path; the first step must fall in [start, end) and the last
    step within the window after it. Earliest completion wins among equally deep paths."""
    best: list[datetime] = []
    for i, first in enumerate(events):
        if not (start <= first.at < end) or not steps[0].matches(first):
            continue
        path = [first.at]
        for later in events[i + 1 :]:
            if len(path) == len(steps) or later.at - first.at > window:
                break
            if steps[len(path)].matches(later) and later.at >= path[-1]:
                path.append(later.at)
        if len(path) > len(best):
            best = path
        if len(best) == len(steps):
            break
    return best


def funnel(
    events: Iterable[VisitorEvent],
    steps: Sequence[StepRule],
    start: datetime,
    end: datetime,
    window: timedelta = DEFAULT_FUNNEL_WINDOW,
) -> FunnelCounts:
    """Visitors reaching each step in order (events sorted by visitor and time)."""
    counts = FunnelCounts([0] * len(steps), [[] for _ in steps])
    for path in _paths(events, steps, start, end, window).values():
        for step, at in enumerate(path):
            counts.reached[step] += 1
            if step:
                counts.delays[step].append((at - path[step - 1]).total_seconds())
    return counts


def _paths(
    events: Iterable[VisitorEvent],
    steps: Sequence[StepRule],
    start: datetime,
    end: datetime,
    window: timedelta,
) -> dict[str, list[datetime]]:
    by_visitor: dict[str, list[VisitorEvent]] = {}
    for event in events:
        by_visitor.setdefault(event.visitor_id, []).append(event)
    paths = {}
    for visitor, sequence in by_visitor.items():
        sequence.sort(key=lambda e: e.at)
        path = _best_path(sequence, steps, start, end, window)
        if path:
            paths[visitor] = path
    return paths


def visitor_groups(events: Iterable[VisitorEvent]) -> dict[str, tuple[str, bool]]:
    """A visitor's (variant, holdout) from their first event that carries one."""
    groups: dict[str, tuple[str, bool]] = {}
    for event in events:
        if event.visitor_id not in groups and (event.variant_id or event.holdout):
            groups[event.visitor_id] = ("", True) if event.holdout else (event.variant_id, False)
    return groups


# ---- cohorts -----------------------------------------------------------------------------------

_EPOCH = date(1970, 1, 1)


def period_of(day_number: int, granularity: int) -> date:
    """Start date of the DAY (2), WEEK (3, Monday) or MONTH (4) containing a local day number."""
    day = _EPOCH + timedelta(days=day_number)
    if granularity == 2:
        return day
    if granularity == 4:
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def period_index(first: date, later: date, granularity: int) -> int:
    if granularity == 2:
        return (later - first).days
    if granularity == 4:
        return (later.year - first.year) * 12 + later.month - first.month
    return (later - first).days // 7


@dataclass
class CohortRow:
    start: date
    visitors: int
    active: list[int]
    conversions: list[int]


def cohorts(
    visitor_days: Iterable[tuple[str, int, int]], granularity: int, first_period: date, end_period: date
) -> list[CohortRow]:
    """Cohorts by first-seen period within [first_period, end_period] (visitor_days covers all
    history so "first seen" is true), with active visitors and conversions per later period."""
    seen: dict[str, date] = {}
    activity: dict[str, dict[date, int]] = {}
    for visitor, day, conversions in visitor_days:
        period = period_of(day, granularity)
        if visitor not in seen or period < seen[visitor]:
            seen[visitor] = period
        periods = activity.setdefault(visitor, {})
        periods[period] = periods.get(period, 0) + conversions
    rows: dict[date, CohortRow] = {}
    for visitor, first in seen.items():
        if not first_period <= first <= end_period:
            continue
        width = period_index(first, end_period, granularity) + 1
        row = rows.setdefault(first, CohortRow(first, 0, [0] * width, [0] * width))
        row.visitors += 1
        for period, conversions in activity[visitor].items():
            index = period_index(first, period, granularity)
            if 0 <= index < width:
                row.active[index] += 1
                row.conversions[index] += conversions
    return [rows[k] for k in sorted(rows)]
