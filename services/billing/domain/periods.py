"""Usage periods: whole calendar months counted from an anchor instant (the day clamps in short months)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open usage period [start, end)."""

    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


def add_months(anchor: datetime, months: int) -> datetime:
    """anchor moved by whole months; Jan 31 + 1 month is Feb 28/29 (never spills into March)."""
    index = anchor.month - 1 + months
    year, month = anchor.year + index // 12, index % 12 + 1
    day = min(anchor.day, calendar.monthrange(year, month)[1])
    return anchor.replace(year=year, month=month, day=day)


def usage_period(anchor: datetime, at: datetime) -> Period:
    """The period containing `at`. Each boundary is computed from the anchor (not from the previous
    boundary), so a Jan 31 anchor gives Feb 29, Mar 31, Apr 30, ... instead of drifting to the 28th."""
    if anchor.tzinfo is None or at.tzinfo is None:
        raise ValueError("usage periods need timezone-aware datetimes")
    months = (at.year - anchor.year) * 12 + (at.month - anchor.month)
    start = add_months(anchor, months)
    if start > at:
        months -= 1
        start = add_months(anchor, months)
    return Period(start, add_months(anchor, months + 1))
