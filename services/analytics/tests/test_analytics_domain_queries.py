"""How QueryMetrics splits a range between raw events, the hourly and the daily rollup (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from services.analytics.domain.queries import (
    Bucketing,
    EventFilter,
    Granularity,
    Source,
    floor_hour,
    rollup_plan,
)

T = datetime(2026, 3, 20, tzinfo=UTC)
H, D = timedelta(hours=1), timedelta(days=1)


def test_a_ragged_range_reads_raw_edges_hourly_ends_and_daily_middle() -> None:
    start, end = T + 5 * H + timedelta(minutes=17), T + 4 * D + 2 * H + timedelta(minutes=41)
    assert rollup_plan(start, end, daily=True) == [
        (Source.RAW, start, T + 6 * H),
        (Source.HOURLY, T + 6 * H, T + D),
        (Source.DAILY, T + D, T + 4 * D),
        (Source.HOURLY, T + 4 * D, T + 4 * D + 2 * H),
        (Source.RAW, T + 4 * D + 2 * H, end),
    ]
    # Without the daily rollup (a local-day series off UTC midnight) whole hours come from hourly rows.
    assert rollup_plan(start, end, daily=False) == [
        (Source.RAW, start, T + 6 * H),
        (Source.HOURLY, T + 6 * H, T + 4 * D + 2 * H),
        (Source.RAW, T + 4 * D + 2 * H, end),
    ]


def test_aligned_and_short_ranges() -> None:
    assert rollup_plan(T, T + 30 * D, daily=True) == [(Source.DAILY, T, T + 30 * D)]
    assert rollup_plan(T + H, T + 5 * H, daily=True) == [(Source.HOURLY, T + H, T + 5 * H)]
    inside = (T + timedelta(minutes=5), T + timedelta(minutes=55))
    assert rollup_plan(*inside, daily=True) == [(Source.RAW, *inside)]
    # Stretches cover the range exactly, without gaps or overlaps.
    start, end = T - timedelta(seconds=1), T + 2 * D + timedelta(seconds=1)
    plan = rollup_plan(start, end, daily=True)
    assert plan[0][1] == start and plan[-1][2] == end
    assert all(a[2] == b[1] for a, b in pairwise(plan))


def test_which_buckets_the_daily_rollup_can_serve() -> None:
    assert Bucketing(Granularity.DAY, ZoneInfo("UTC")).utc_day_aligned
    assert Bucketing(Granularity.MONTH, ZoneInfo("UTC")).utc_day_aligned
    assert not Bucketing(Granularity.HOUR, ZoneInfo("UTC")).utc_day_aligned
    # London is UTC in winter only: its summer days start at 23:00 UTC.
    assert not Bucketing(Granularity.DAY, ZoneInfo("Europe/London")).utc_day_aligned
    assert Bucketing(Granularity.DAY, ZoneInfo("Europe/Prague")).hour_aligned


def test_which_filters_the_site_rollups_can_serve_and_edge_hours() -> None:
    """The site rollups have no campaign, variant, device or country: any such filter needs the
    dimension rollups; page, goal, bot and test filters need raw events anyway."""
    assert EventFilter().dimensionless and EventFilter().rollup_compatible
    for dimension in (
        EventFilter(campaign_ids=("c",)),
        EventFilter(variant_ids=("v",)),
        EventFilter(device_types=(1,)),
        EventFilter(country_codes=("DE",)),
    ):
        assert not dimension.dimensionless and dimension.rollup_compatible
    # The hour an edge starts in: where widget_counted_events' sort key starts reading.
    assert floor_hour(T + 5 * H + timedelta(minutes=17, seconds=3)) == T + 5 * H
    assert floor_hour(T + 5 * H) == T + 5 * H
    prague = datetime(2026, 3, 20, 6, 30, tzinfo=ZoneInfo("Europe/Prague"))
    assert floor_hour(prague) == datetime(2026, 3, 20, 5, 0, tzinfo=UTC)
