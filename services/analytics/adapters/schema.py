"""ClickHouse DDL of the analytics store: raw widget events and their rollups (valid on 18.16 and chdb)."""

# ruff: noqa: S608 - SQL is built here on purpose: every value goes through literal() escaping,
# because chdb and 18.16 have no shared server-side parameter syntax.

from __future__ import annotations

#: Columns of the raw events table, in insert order.
EVENT_COLUMNS: tuple[str, ...] = (
    "org_id",
    "site_id",
    "event_id",
    "batch_id",
    "event_type",
    "occurred_at",
    "received_at",
    "visitor_id",
    "session_id",
    "campaign_id",
    "variant_id",
    "experiment_id",
    "holdout",
    "activity_id",
    "page_url",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "device_type",
    "browser_name",
    "os_name",
    "country_code",
    "anonymous",
    "test",
    "bot",
    "bot_reason",
    "goal_name",
    "order_ref",
    "value_minor",
    "currency",
    "visible_ms",
    "hover_ms",
    "script_transfer_bytes",
    "script_load_ms",
    "time_to_first_notification_ms",
    "long_task_count",
    "longest_long_task_ms",
    "cumulative_layout_shift",
    "widget_version",
)


def schema_statements(db: str) -> list[str]:
    """CREATE statements, idempotent, in dependency order.

    Why this shape (and not something newer): it must run unchanged on Debian's 18.16 server, which
    has no TTL, LowCardinality, DateTime64, SimpleAggregateFunction or insert dedupe tokens.
    """
    return [
        # Raw events: one month per partition so retention drops whole partitions; ordered by site
        # and day first because every dashboard query is per site (or org) and time range.
        f"""CREATE TABLE IF NOT EXISTS {db}.widget_events (
            org_id String, site_id String, event_id String, batch_id String,
            event_type UInt8, occurred_at DateTime, received_at DateTime,
            event_date Date DEFAULT toDate(occurred_at),
            visitor_id String, session_id String,
            campaign_id String, variant_id String, experiment_id String, holdout UInt8,
            activity_id String, page_url String, referrer String,
            utm_source String, utm_medium String, utm_campaign String,
            device_type UInt8, browser_name String, os_name String, country_code String,
            anonymous UInt8, test UInt8, bot UInt8, bot_reason UInt8,
            goal_name String, order_ref String, value_minor Int64, currency String,
            visible_ms UInt32, hover_ms UInt32,
            script_transfer_bytes Int64, script_load_ms Float64, time_to_first_notification_ms Float64,
            long_task_count Int32, longest_long_task_ms Float64, cumulative_layout_shift Float64,
            widget_version String
        ) ENGINE = MergeTree
        PARTITION BY toYYYYMM(occurred_at)
        ORDER BY (org_id, site_id, event_date, event_type, visitor_id)""",
        # Hourly rollup of counted (human, non-test) events; the dashboard's series and totals read it.
        f"""CREATE TABLE IF NOT EXISTS {db}.widget_hourly (
            org_id String, site_id String, hour DateTime,
            campaign_id String, variant_id String, holdout UInt8,
            device_type UInt8, country_code String, currency String,
            impressions AggregateFunction(sum, UInt64),
            hovers AggregateFunction(sum, UInt64),
            clicks AggregateFunction(sum, UInt64),
            closes AggregateFunction(sum, UInt64),
            conversions AggregateFunction(sum, UInt64),
            page_views AggregateFunction(sum, UInt64),
            revenue_minor AggregateFunction(sum, Int64),
            visitors AggregateFunction(uniq, String),
            reached_visitors AggregateFunction(uniqIf, String, UInt8)
        ) ENGINE = AggregatingMergeTree
        PARTITION BY toYYYYMM(hour)
        ORDER BY (org_id, site_id, hour, campaign_id, variant_id, holdout,
            device_type, country_code, currency)""",
        f"""CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.widget_hourly_mv TO {db}.widget_hourly AS
        SELECT org_id, site_id, toStartOfHour(occurred_at) AS hour,
            campaign_id, variant_id, holdout, device_type, country_code, currency,
            sumState(toUInt64(event_type = 1)) AS impressions,
            sumState(toUInt64(event_type = 2)) AS hovers,
            sumState(toUInt64(event_type = 3)) AS clicks,
            sumState(toUInt64(event_type = 4)) AS closes,
            sumState(toUInt64(event_type = 5)) AS conversions,
            sumState(toUInt64(event_type = 6)) AS page_views,
            sumState(if(event_type = 5, value_minor, toInt64(0))) AS revenue_minor,
            uniqState(visitor_id) AS visitors,
            uniqIfState(visitor_id, toUInt8(event_type = 1)) AS reached_visitors
        FROM {db}.widget_events
        WHERE bot = 0 AND test = 0
        GROUP BY org_id, site_id, hour, campaign_id, variant_id, holdout,
            device_type, country_code, currency""",
    ]
