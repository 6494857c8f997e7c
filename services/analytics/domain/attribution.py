"""Attribution of conversions to the notifications that touched the visitor before (pure)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum

DEFAULT_WINDOW = timedelta(days=7)
MAX_WINDOW = timedelta(days=90)


class Model(IntEnum):
    """Mirrors socialproof.analytics.v1.AttributionModel (UNSPECIFIED = last touch)."""

    LAST_TOUCH = 1
    FIRST_TOUCH = 2


@dataclass(frozen=True)
class TouchPoint:
    visitor_id: str
    at: datetime
    campaign_id: str
    variant_id: str
    click: bool


@dataclass(frozen=True)
class Goal:
    visitor_id: str
    at: datetime
    event_id: str
    value_minor: int = 0
    currency: str = ""


@dataclass
class Credit:
    campaign_id: str
    variant_id: str
    visitors: set[str] = field(default_factory=set)
    conversions: int = 0
    revenues: dict[str, int] = field(default_factory=dict)
    delays: list[float] = field(default_factory=list)

    @property
    def median_delay_seconds(self) -> float:
        return statistics.median(self.delays) if self.delays else 0.0


@dataclass
class AttributionResult:
    total_conversions: int
    converting_visitors: int
    attributed_visitors: int
    attributed_conversions: int
    revenues: dict[str, int]
    credits: list[Credit]
    #: Per conversion event id: the credited touch (None when unattributed), for exports.
    credited: dict[str, TouchPoint | None]


def credited_touch(
    goal: Goal, touches: Sequence[TouchPoint], window: timedelta, model: Model, clicks_only: bool
) -> TouchPoint | None:
    """The touch that gets the credit: within [goal - window, goal], the latest (last touch) or the
    earliest (first touch). Touches are those of the same visitor, in time order."""
    eligible = [
        t for t in touches if t.at <= goal.at and goal.at - t.at <= window and (t.click or not clicks_only)
    ]
    if not eligible:
        return None
    return eligible[0] if model is Model.FIRST_TOUCH else eligible[-1]


def attribute(
    goals: Iterable[Goal],
    touches: Iterable[TouchPoint],
    *,
    window: timedelta = DEFAULT_WINDOW,
    model: Model = Model.LAST_TOUCH,
    clicks_only: bool = False,
    by_variant: bool = False,
) -> AttributionResult:
    """Every conversion gets at most one credited touch, so a visitor who saw three campaigns is
    not counted three times; a visitor is counted once per credited campaign and once in total."""
    by_visitor: dict[str, list[TouchPoint]] = {}
    for point in sorted(touches, key=lambda t: (t.visitor_id, t.at)):
        by_visitor.setdefault(point.visitor_id, []).append(point)
    credits: dict[tuple[str, str], Credit] = {}
    credited: dict[str, TouchPoint | None] = {}
    converting: set[str] = set()
    attributed_visitors: set[str] = set()
    revenues: dict[str, int] = {}
    total = attributed = 0
    for goal in goals:
        total += 1
        converting.add(goal.visitor_id)
        touch = credited_touch(goal, by_visitor.get(goal.visitor_id, []), window, model, clicks_only)
        credited[goal.event_id] = touch
        if touch is None:
            continue
        attributed += 1
        attributed_visitors.add(goal.visitor_id)
        key = (touch.campaign_id, touch.variant_id if by_variant else "")
        credit = credits.setdefault(key, Credit(*key))
        credit.visitors.add(goal.visitor_id)
        credit.conversions += 1
        credit.delays.append((goal.at - touch.at).total_seconds())
        if goal.currency:
            credit.revenues[goal.currency] = credit.revenues.get(goal.currency, 0) + goal.value_minor
            revenues[goal.currency] = revenues.get(goal.currency, 0) + goal.value_minor
    ranked = sorted(
        credits.values(), key=lambda c: (-c.conversions, -len(c.visitors), c.campaign_id, c.variant_id)
    )
    return AttributionResult(
        total, len(converting), len(attributed_visitors), attributed, revenues, ranked, credited
    )
