"""Retention rules: effective periods under the plan, cutoffs and which month partitions may be dropped."""

from __future__ import annotations

from datetime import UTC, datetime

from services.analytics.domain.retention import RetentionPolicy, droppable, partition_end, refusals


def test_effective_periods_are_bounded_by_the_plan_and_rollups_outlive_raw_events() -> None:
    assert RetentionPolicy(0, 0, 180).effective_raw_event_days == 180
    assert RetentionPolicy(30, 0, 180).effective_rollup_days == 180
    # A rollup setting shorter than raw events is raised to them: both tables answer the same.
    assert RetentionPolicy(90, 10, 180).effective_rollup_days == 90
    # A plan downgrade bounds a longer saved setting at once.
    assert RetentionPolicy(365, 365, 30).effective_raw_event_days == 30
    assert refusals(RetentionPolicy(365, -1, 180)) == [
        ("raw_event_retention_days", "exceeds the plan's maximum of 180 days"),
        ("rollup_retention_days", "must not be negative"),
    ]
    now = datetime(2026, 3, 10, 12, 34, 56, tzinfo=UTC)
    assert RetentionPolicy(30, 0, 180).raw_event_cutoff(now) == datetime(2026, 2, 8, 12, 34, 56, tzinfo=UTC)
    assert RetentionPolicy(30, 0, 180).rollup_cutoff(now) == datetime(2025, 9, 11, 12, tzinfo=UTC)


def test_a_partition_is_dropped_only_when_every_site_in_it_is_past_its_cutoff() -> None:
    # December ends at the new year; a day of slack covers the server's time zone in toYYYYMM.
    assert partition_end("202512") == datetime(2026, 1, 2, tzinfo=UTC)
    assert partition_end("202602") == datetime(2026, 3, 2, tzinfo=UTC)
    assert droppable("202512", [datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)])
    assert not droppable("202512", [datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 1, 1, 23, tzinfo=UTC)])
