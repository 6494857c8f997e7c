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
        *_rollup_statements(db, "widget_hourly", "hour", "toStartOfHour(occurred_at)"),
    ]


#: The rollups' dimensions besides (org, site, time): what QueryMetrics filters and groups by.
ROLLUP_DIMENSIONS = "campaign_id, variant_id, holdout, device_type, country_code, currency"

#: The rollups' metric columns in table order: (aggregate function, its state over raw events).
#: The views fill the rollups with these states, and QueryMetrics computes the same states over
#: the raw edges of a range, so merging both gives exactly the raw answer.
ROLLUP_METRICS: dict[str, tuple[str, str]] = {
    "impressions": ("sum", "sumState(toUInt64(event_type = 1))"),
    "hovers": ("sum", "sumState(toUInt64(event_type = 2))"),
    "clicks": ("sum", "sumState(toUInt64(event_type = 3))"),
    "closes": ("sum", "sumState(toUInt64(event_type = 4))"),
    "conversions": ("sum", "sumState(toUInt64(event_type = 5))"),
    "page_views": ("sum", "sumState(toUInt64(event_type = 6))"),
    "revenue_minor": ("sum", "sumState(if(event_type = 5, value_minor, toInt64(0)))"),
    "visitors": ("uniq", "uniqState(visitor_id)"),
    "reached_visitors": ("uniqIf", "uniqIfState(visitor_id, toUInt8(event_type = 1))"),
}


def combined(function: str, combinator: str, column: str) -> str:
    """`function` with a combinator applied to `column`: ("uniq", "Merge", "v") -> uniqMerge(v),
    ("uniqCombined(14)", "Merge", "v") -> uniqCombinedMerge(14)(v) (parameters follow the name)."""
    name, _, parameters = function.partition("(")
    return f"{name}{combinator}{'(' + parameters if parameters else ''}({column})"


#: The unique-visitor sketch of the site rollups: HyperLogLog with 2^14 registers (uniqCombined with
#: K = 14), exact while a state holds few visitors (a hash set: up to 512 on chdb, more on 18.16),
#: standard error 1.04 / sqrt(2^14) = 0.81 % beyond (docs/analytics.md, "Unique visitors"). Why not
#: `uniq` there: a site's day holds ~40 k visitors, and a `uniq` state keeps them all as hashes, so a
#: 30-day summary decoded ~1.2 M hashes per metric; a sketch is 2^14 registers whatever the traffic.
#: Same function and K on 18.16 and chdb (both give the same estimates for the same visitors).
VISITOR_SKETCH = "uniqCombined(14)"
_REACHED_SKETCH = VISITOR_SKETCH.replace("uniqCombined(", "uniqCombinedIf(")

#: The site rollups' metric columns: ROLLUP_METRICS with the visitor sketch for the two unique
#: counts. Every request the site rollups can serve (no dimension filter, grouping or campaign
#: scope) counts unique visitors with these, from raw events as well (store._site_level), so the
#: rollup answer and the raw answer stay the same number.
SITE_ROLLUP_METRICS: dict[str, tuple[str, str]] = {
    **ROLLUP_METRICS,
    "visitors": (VISITOR_SKETCH, combined(VISITOR_SKETCH, "State", "visitor_id")),
    "reached_visitors": (
        _REACHED_SKETCH,
        combined(VISITOR_SKETCH, "IfState", "visitor_id, toUInt8(event_type = 1)"),
    ),
}


def rollup_states(metrics: dict[str, tuple[str, str]]) -> str:
    return ",\n            ".join(f"{state} AS {name}" for name, (_, state) in metrics.items())


_ROLLUP_COLUMNS = """campaign_id String, variant_id String, holdout UInt8,
            device_type UInt8, country_code String, currency String,
            impressions AggregateFunction(sum, UInt64),
            hovers AggregateFunction(sum, UInt64),
            clicks AggregateFunction(sum, UInt64),
            closes AggregateFunction(sum, UInt64),
            conversions AggregateFunction(sum, UInt64),
            page_views AggregateFunction(sum, UInt64),
            revenue_minor AggregateFunction(sum, Int64),
            visitors AggregateFunction(uniq, String),
            reached_visitors AggregateFunction(uniqIf, String, UInt8)"""


def daily_rollup_statements(db: str) -> list[str]:
    """The daily rollup: the hourly one's rows per UTC day (~24x fewer rows), so a 30-day summary
    merges a few thousand states instead of ~100k. Same dimensions and states as widget_hourly,
    so every filter the hourly rollup serves, the daily one serves for whole UTC days."""
    return _rollup_statements(db, "widget_daily", "day", "toStartOfDay(occurred_at, 'UTC')")


def _rollup_statements(
    db: str, table: str, column: str, bucket: str, dimensions: str = ROLLUP_DIMENSIONS
) -> list[str]:
    """A rollup of counted (human, non-test) events per (org, site, `bucket`, dimensions): the
    AggregatingMergeTree table and the materialized view that fills it from widget_events."""
    site = dimensions != ROLLUP_DIMENSIONS
    columns = _SITE_ROLLUP_COLUMNS if site else _ROLLUP_COLUMNS
    states = rollup_states(SITE_ROLLUP_METRICS if site else ROLLUP_METRICS)
    return [
        f"""CREATE TABLE IF NOT EXISTS {db}.{table} (
            org_id String, site_id String, {column} DateTime,
            {columns}
        ) ENGINE = AggregatingMergeTree
        PARTITION BY toYYYYMM({column})
        ORDER BY (org_id, site_id, {column}, {dimensions})""",
        f"""CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{table}_mv TO {db}.{table} AS
        SELECT org_id, site_id, {bucket} AS {column}, {dimensions},
            {states}
        FROM {db}.widget_events
        WHERE bot = 0 AND test = 0
        GROUP BY org_id, site_id, {column}, {dimensions}""",
    ]


#: The site rollups' only dimension: revenue is summed per currency, and 18.16's sumMap takes no
#: String keys, so a row per (site, hour or day, currency) it is (one to three rows per bucket).
SITE_ROLLUP_DIMENSIONS = "currency"

_SITE_ROLLUP_COLUMNS = "currency String," + _ROLLUP_COLUMNS.split("currency String,", 1)[1].replace(
    "AggregateFunction(uniq, String)", f"AggregateFunction({VISITOR_SKETCH}, String)"
).replace("AggregateFunction(uniqIf, String, UInt8)", f"AggregateFunction({_REACHED_SKETCH}, String, UInt8)")

#: The type of the site rollups' visitors column: a store whose site rollups hold another type
#: (`uniq` states, before the sketch) gets them rebuilt on start (store.ensure_schema).
SITE_VISITORS_TYPE = f"AggregateFunction({VISITOR_SKETCH}, String)"

#: The site rollups, per (org, site, hour or UTC day, currency): the same states as widget_hourly
#: and widget_daily without campaign, variant, holdout, device and country. They serve what the
#: dashboard asks most, the unfiltered summary of a site (or an organization): a 30-day range is
#: then ~100 stored states instead of ~25 000, so the buckets and the totals are merged in one pass.
SITE_ROLLUPS: dict[str, tuple[str, str]] = {
    # table: (time column, bucket over occurred_at)
    "widget_site_hourly": ("hour", "toStartOfHour(occurred_at)"),
    "widget_site_daily": ("day", "toStartOfDay(occurred_at, 'UTC')"),
}


def site_rollup_statements(db: str, table: str) -> list[str]:
    """(CREATE TABLE, CREATE MATERIALIZED VIEW) of one site rollup."""
    column, bucket = SITE_ROLLUPS[table]
    return _rollup_statements(db, table, column, bucket, SITE_ROLLUP_DIMENSIONS)


def site_rollup_backfill_statements(db: str, table: str) -> list[str]:
    """Fill a newly created site rollup from what is stored: the counts and revenue from
    widget_hourly (which may outlive raw events), so it holds exactly the sums the hourly rollup
    holds, per site instead of per dimension row; the visitor sketches from the counted raw events
    (a `uniq` state cannot be turned into a sketch). Each INSERT leaves the other's columns at their
    empty state, and the table merges the two rows of a key into one. Hours whose raw events had
    expired before the site rollup was built get no unique visitors (docs/analytics.md)."""
    column, raw_bucket = SITE_ROLLUPS[table]
    bucket = "hour" if column == "hour" else "toStartOfDay(hour, 'UTC')"
    keys = f"org_id, site_id, {column}, {SITE_ROLLUP_DIMENSIONS}"
    sums = [m for m in SITE_ROLLUP_METRICS if m not in _VISITOR_METRICS]
    merged = ", ".join(f"{combined(ROLLUP_METRICS[m][0], 'MergeState', m)} AS {m}" for m in sums)
    sketches = ", ".join(f"{SITE_ROLLUP_METRICS[m][1]} AS {m}" for m in _VISITOR_METRICS)
    return [
        f"INSERT INTO {db}.{table} ({keys}, {', '.join(sums)}) "
        f"SELECT org_id, site_id, {bucket} AS {column}, {SITE_ROLLUP_DIMENSIONS}, {merged} "
        f"FROM {db}.widget_hourly GROUP BY {keys}",
        f"INSERT INTO {db}.{table} ({keys}, {', '.join(_VISITOR_METRICS)}) "
        f"SELECT org_id, site_id, {raw_bucket} AS {column}, {SITE_ROLLUP_DIMENSIONS}, {sketches} "
        f"FROM {db}.widget_events WHERE bot = 0 AND test = 0 GROUP BY {keys}",
    ]


_VISITOR_METRICS = ("visitors", "reached_visitors")


#: Columns of widget_counted_events besides (org, site, hour): what the rollup states and the
#: rollup-compatible filters and groupings read from raw events.
COUNTED_EVENT_COLUMNS = (
    "occurred_at, event_type, visitor_id, campaign_id, variant_id, holdout, device_type, "
    "country_code, currency, value_minor"
)


def counted_events_statements(db: str) -> list[str]:
    """The counted (human, non-test) events again, narrow and ordered by (org, site, hour).

    Why a copy: a range that does not start and end on whole hours reads its partial edge hours
    from raw events, and widget_events is ordered by day then event type and visitor (what the
    other analyses need), so an edge of a few minutes read the site's whole day (~300k rows for
    the benchmark's site). Here it reads the granules of that hour only. A new table and view,
    not a new sort key for widget_events: a sort key cannot be changed in place, and the copy is
    filled from widget_events once when it is created (store.ensure_schema). Same partitions and
    time column as widget_events, so retention treats it as raw events (store.DERIVED_TABLES)."""
    return [
        f"""CREATE TABLE IF NOT EXISTS {db}.widget_counted_events (
            org_id String, site_id String, hour DateTime,
            occurred_at DateTime, event_type UInt8, visitor_id String,
            campaign_id String, variant_id String, holdout UInt8,
            device_type UInt8, country_code String, currency String, value_minor Int64
        ) ENGINE = MergeTree
        PARTITION BY toYYYYMM(occurred_at)
        ORDER BY (org_id, site_id, hour)""",
        f"""CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.widget_counted_events_mv
        TO {db}.widget_counted_events AS
        SELECT org_id, site_id, toStartOfHour(occurred_at) AS hour, {COUNTED_EVENT_COLUMNS}
        FROM {db}.widget_events
        WHERE bot = 0 AND test = 0""",
    ]


def counted_events_backfill_statement(db: str) -> str:
    return (
        f"INSERT INTO {db}.widget_counted_events SELECT org_id, site_id, "
        f"toStartOfHour(occurred_at) AS hour, {COUNTED_EVENT_COLUMNS} "
        f"FROM {db}.widget_events WHERE bot = 0 AND test = 0"
    )


def daily_backfill_statement(db: str) -> str:
    """Fills a newly created widget_daily from widget_hourly (which may outlive raw events)."""
    merged = ", ".join(f"{combined(fn, 'MergeState', m)} AS {m}" for m, (fn, _) in ROLLUP_METRICS.items())
    return (
        f"INSERT INTO {db}.widget_daily SELECT org_id, site_id, toStartOfDay(hour, 'UTC') AS day, "
        f"{ROLLUP_DIMENSIONS}, {merged} FROM {db}.widget_hourly "
        f"GROUP BY org_id, site_id, day, {ROLLUP_DIMENSIONS}"
    )


#: Columns of widget_event_positions, in insert order.
POSITION_COLUMNS: tuple[str, ...] = ("topic", "kafka_partition", "first_offset", "last_offset", "written_at")

#: Days a Kafka position is kept: longer than a message may stay uncommitted (consumers stopped).
POSITION_KEEP_DAYS = 7


def positions_statement(db: str) -> str:
    """The consumer's replay guard (docs/analytics.md "Replay guard"): per insert and partition, the
    range of Kafka offsets whose events that insert may have stored, written BEFORE the insert.
    Ordered by (topic, partition, last offset): what a partition's new owner looks up once, from
    the offset it resumes at. Day partitions so old positions are dropped whole (18.16 has no TTL)."""
    return f"""CREATE TABLE IF NOT EXISTS {db}.widget_event_positions (
            topic String, kafka_partition UInt32, first_offset UInt64, last_offset UInt64,
            written_at DateTime
        ) ENGINE = MergeTree
        PARTITION BY toYYYYMMDD(written_at)
        ORDER BY (topic, kafka_partition, last_offset)"""
