"""The analytics store on ClickHouse: schema, idempotent batch writes, and the dashboard's queries."""

# ruff: noqa: S608 - SQL is built here on purpose: every value goes through literal() escaping,
# because chdb and 18.16 have no shared server-side parameter syntax.

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.analytics.adapters.clickhouse import ClickHouse, in_list, literal
from services.analytics.adapters.schema import (
    EVENT_COLUMNS,
    POSITION_COLUMNS,
    POSITION_KEEP_DAYS,
    ROLLUP_METRICS,
    SITE_ROLLUP_METRICS,
    SITE_ROLLUPS,
    SITE_VISITORS_TYPE,
    VISITOR_SKETCH,
    combined,
    counted_events_backfill_statement,
    counted_events_statements,
    daily_backfill_statement,
    daily_rollup_statements,
    positions_statement,
    schema_statements,
    site_rollup_backfill_statements,
    site_rollup_statements,
)
from services.analytics.domain.queries import (
    Bucketing,
    EventFilter,
    MetricRow,
    Scope,
    Source,
    floor_hour,
    rollup_plan,
)

#: The bucket of the totals row in metric_totals_and_series (never a real bucket start).
TOTALS_BUCKET = 4294967295

#: Event ids per read-back statement: ~70 bytes each as literals, well under max_query_size.
READ_BACK_IDS = 3000


@dataclass(frozen=True)
class StoredEvent:
    """One row of widget_events, in EVENT_COLUMNS order (built by the service from the Kafka event).
    occurred_at and received_at are epoch seconds as the consumer builds them; datetimes (tools,
    tests) are accepted too and converted when written."""

    values: tuple[Any, ...]

    @property
    def event_id(self) -> str:
        return str(self.values[2])

    @property
    def occurred_at(self) -> datetime:
        return _as_datetime(self.values[OCCURRED_AT])


#: Positions of the DateTime columns in EVENT_COLUMNS.
OCCURRED_AT, RECEIVED_AT = EVENT_COLUMNS.index("occurred_at"), EVENT_COLUMNS.index("received_at")


def _as_datetime(value: datetime | int) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromtimestamp(value, UTC)


def _insert_ready(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row with its DateTime columns as epoch seconds (what the consumer's rows have already)."""
    occurred, received = values[OCCURRED_AT], values[RECEIVED_AT]
    if not isinstance(occurred, datetime) and not isinstance(received, datetime):
        return values
    row = list(values)
    for i in (OCCURRED_AT, RECEIVED_AT):
        if isinstance(row[i], datetime):
            row[i] = int(row[i].timestamp())
    return tuple(row)


@dataclass(frozen=True)
class MessageEvents:
    """The rows of one Kafka message (insert-ready: EVENT_COLUMNS order, times as epoch seconds),
    where it sits in its topic, and whether its events may be stored already (a redelivery the
    consumer's replay guard could not rule out)."""

    topic: str
    partition: int
    offset: int
    org_id: str
    site_id: str
    rows: Sequence[tuple[Any, ...]]
    maybe_stored: bool = False


@dataclass
class WriteResult:
    inserted: int = 0
    already_stored: int = 0


@dataclass(frozen=True)
class Touch:
    visitor_id: str
    at: datetime
    campaign_id: str
    variant_id: str
    click: bool


@dataclass(frozen=True)
class Conversion:
    visitor_id: str
    at: datetime
    event_id: str
    goal_name: str
    value_minor: int
    currency: str


@dataclass
class GroupStats:
    """Per experiment group: visitors, conversions and revenue moments (for Welch)."""

    visitors: int = 0
    impressions: int = 0
    clicks: int = 0
    converted: int = 0
    revenue: float = 0.0
    revenue_squares: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def _ts(value: datetime) -> str:
    return literal(value)


def _dt(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


class AnalyticsStore:
    """All SQL of the service lives here; every statement runs unchanged on chdb and 18.16."""

    def __init__(self, clickhouse: ClickHouse) -> None:
        self.ch = clickhouse
        self.db = clickhouse.database

    async def ensure_schema(self) -> None:
        for statement in schema_statements(self.db):
            await self.ch.execute(statement)
        await self.ch.execute(positions_statement(self.db))
        # The daily rollup came after the hourly one: a store that predates it gets it filled from
        # widget_hourly once, when it is created, before its view exists. This runs in on_start
        # before the consumer starts; rows an older replica writes during a rolling deploy between
        # the backfill and the view would be missing from it, so deploy this with consumers stopped.
        # The same for the tables added after it: the site rollups are filled from widget_hourly,
        # the hour-ordered copy of counted events from widget_events.
        await self._ensure_derived(
            "widget_daily", daily_rollup_statements(self.db), [daily_backfill_statement(self.db)]
        )
        for table in SITE_ROLLUPS:
            # Site rollups from before the visitor sketch hold `uniq` states, which cannot be
            # converted: they are dropped and rebuilt like new ones (the same deploy caveat).
            await self._drop_if_visitors_differ(table, SITE_VISITORS_TYPE)
            await self._ensure_derived(
                table, site_rollup_statements(self.db, table), site_rollup_backfill_statements(self.db, table)
            )
        await self._ensure_derived(
            "widget_counted_events",
            counted_events_statements(self.db),
            [counted_events_backfill_statement(self.db)],
        )

    async def _ensure_derived(self, table: str, statements: Sequence[str], backfills: Sequence[str]) -> None:
        """Creates a table fed by a materialized view; when the table is new it is filled from what
        is stored already, before its view exists (so no row is counted twice)."""
        existed = await self.ch.query(f"EXISTS TABLE {self.db}.{table}")
        create_table, create_view = statements
        await self.ch.execute(create_table)
        if not (existed and int(existed[0][0])):
            for backfill in backfills:
                await self.ch.execute(backfill)
        await self.ch.execute(create_view)

    async def _drop_if_visitors_differ(self, table: str, visitors_type: str) -> None:
        """Drops a derived table (and its view first, so no insert finds the view without its
        table) whose visitors column is not of `visitors_type`."""
        rows = await self.ch.query(
            f"SELECT type FROM system.columns WHERE database = {literal(self.db)} "
            f"AND table = {literal(table)} AND name = 'visitors'"
        )
        if rows and str(rows[0][0]) != visitors_type:
            await self.ch.execute(f"DROP TABLE IF EXISTS {self.db}.{table}_mv")
            await self.ch.execute(f"DROP TABLE IF EXISTS {self.db}.{table}")

    async def close(self) -> None:
        await self.ch.close()

    # ---- writes -------------------------------------------------------------------------------

    async def write_batch(self, org_id: str, site_id: str, events: Sequence[StoredEvent]) -> WriteResult:
        return await self.write_batches([(org_id, site_id, events)])

    async def write_batches(self, batches: Sequence[tuple[str, str, Sequence[StoredEvent]]]) -> WriteResult:
        """Inserts, in one INSERT, the events not stored yet, reading back every event id first (for
        writes that have no Kafka position to guard them: seeding, tools). The consumer writes
        through write_messages, which reads back only what its replay guard cannot rule out."""
        rows = [(org, site, [_insert_ready(e.values) for e in es]) for org, site, es in batches]
        return await self._insert_fresh(rows, await self._stored_ids(rows))

    async def write_messages(self, messages: Sequence[MessageEvents]) -> WriteResult:
        """Inserts, in one INSERT, the events of Kafka messages (docs/analytics.md "Replay guard").

        First the positions: per (topic, partition) the offset range of these messages goes to
        widget_event_positions, BEFORE the events, so every event that ever reaches widget_events
        is covered by a position a later owner of the partition finds. Then only the events of
        messages marked `maybe_stored` (a redelivery the guard could not rule out) are read back by
        event id and skipped where stored; the others go in unread. Copies inside one call (a
        replayed message next to its original) count once too."""
        ranges: dict[tuple[str, int], tuple[int, int]] = {}
        for m in messages:
            key = (m.topic, m.partition)
            lo, hi = ranges.get(key, (m.offset, m.offset))
            ranges[key] = (min(lo, m.offset), max(hi, m.offset))
        now = datetime.now(UTC).replace(microsecond=0)
        await self.ch.insert(
            "widget_event_positions",
            POSITION_COLUMNS,
            [(topic, partition, lo, hi, now) for (topic, partition), (lo, hi) in sorted(ranges.items())],
        )
        checked = [(m.org_id, m.site_id, m.rows) for m in messages if m.maybe_stored]
        seen = await self._stored_ids(checked) if checked else set()
        return await self._insert_fresh([(m.org_id, m.site_id, m.rows) for m in messages], seen)

    async def written_ranges(self, topic: str, partition: int, from_offset: int) -> list[tuple[int, int]]:
        """The offset ranges of a partition that inserts may have stored events of, at or beyond
        `from_offset` (where its new owner resumes, i.e. the committed offset): a range read of the
        few positions written after the last commit, whatever the volume stored."""
        rows = await self.ch.query(
            f"SELECT first_offset, last_offset FROM {self.db}.widget_event_positions "
            f"WHERE topic = {literal(topic)} AND kafka_partition = {int(partition)} "
            f"AND last_offset >= {int(from_offset)} ORDER BY first_offset"
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def prune_positions(self, now: datetime, keep_days: int = POSITION_KEEP_DAYS) -> None:
        """Drops the day partitions of widget_event_positions older than `keep_days`."""
        oldest_kept = int((now.astimezone(UTC).date() - timedelta(days=keep_days)).strftime("%Y%m%d"))
        for partition, _rows in await self.partitions("widget_event_positions"):
            if int(partition) < oldest_kept:
                await self.ch.execute(
                    f"ALTER TABLE {self.db}.widget_event_positions DROP PARTITION {int(partition)}"
                )

    async def _stored_ids(
        self, batches: Sequence[tuple[str, str, Sequence[tuple[Any, ...]]]]
    ) -> set[tuple[str, str]]:
        """(site, event id) of the given rows that widget_events holds already. One primary-key
        range per statement: (org, site, day) prefixes plus the event ids; it reads the event ids of
        those sites' whole days, which is why the consumer does this only for possible replays."""
        events = [(site, row) for _org, site, rows in batches for row in rows]
        seen: set[tuple[str, str]] = set()
        if not events:
            return seen
        orgs = sorted({org for org, _site, rows in batches if rows})
        sites = sorted({site for site, _ in events})
        days = sorted({_as_datetime(row[OCCURRED_AT]).date() for _, row in events})
        ids = sorted({str(row[2]) for _, row in events})
        # Chunks keep each statement under ClickHouse's max_query_size (256 KiB by default).
        for i in range(0, len(ids), READ_BACK_IDS):
            rows = await self.ch.query(
                f"SELECT site_id, event_id FROM {self.db}.widget_events WHERE org_id IN {in_list(orgs)} "
                f"AND site_id IN {in_list(sites)} AND event_date IN ({', '.join(_date(d) for d in days)}) "
                f"AND event_id IN {in_list(ids[i : i + READ_BACK_IDS])}"
            )
            seen.update((str(r[0]), str(r[1])) for r in rows)
        return seen

    async def _insert_fresh(
        self, batches: Sequence[tuple[str, str, Sequence[tuple[Any, ...]]]], seen: set[tuple[str, str]]
    ) -> WriteResult:
        """Inserts the rows whose (site, event id) is not in `seen`, each id once, as columns."""
        fresh: list[tuple[Any, ...]] = []
        total = 0
        add = seen.add
        for _org, site, rows in batches:
            total += len(rows)
            for row in rows:
                key = (site, row[2])
                if key not in seen:
                    add(key)
                    fresh.append(row)
        await self.ch.insert("widget_events", EVENT_COLUMNS, fresh)
        return WriteResult(inserted=len(fresh), already_stored=total - len(fresh))

    # ---- metrics ------------------------------------------------------------------------------

    def _where(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        f: EventFilter,
        *,
        rollup: bool,
        time_col: str = "",
    ) -> str:
        time_col = time_col or ("hour" if rollup else "occurred_at")
        parts = [
            f"org_id = {literal(scope.org_id)}",
            f"{time_col} >= {_ts(start)}",
            f"{time_col} < {_ts(end)}",
        ]
        if scope.site_id:
            parts.append(f"site_id = {literal(scope.site_id)}")
        if scope.campaign_id:
            parts.append(f"campaign_id = {literal(scope.campaign_id)}")
        if f.campaign_ids:
            parts.append(f"campaign_id IN {in_list(f.campaign_ids)}")
        if f.variant_ids:
            parts.append(f"variant_id IN {in_list(f.variant_ids)}")
        if f.device_types:
            parts.append(f"device_type IN {in_list(f.device_types)}")
        if f.country_codes:
            parts.append(f"country_code IN {in_list(f.country_codes)}")
        if not rollup:
            parts.append(f"event_date >= {_date(start.astimezone(UTC).date())}")
            parts.append(f"event_date <= {_date(end.astimezone(UTC).date())}")
            if not f.include_bots:
                parts.append("bot = 0")
            if not f.include_test:
                parts.append("test = 0")
            if f.page_url_like:
                parts.append(f"like(page_url, {literal(f.page_url_like)})")
            if f.goal_names:
                parts.append(f"(event_type != 5 OR goal_name IN {in_list(f.goal_names)})")
        return " AND ".join(parts)

    async def metric_rows(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        f: EventFilter,
        *,
        group_expr: str | None,
        bucketing: Bucketing | None,
        rollups: bool = True,
    ) -> list[MetricRow]:
        """Core metrics grouped by an optional dimension and an optional time bucket.

        When the filter allows it (the rollups hold human, non-test events without page or goal
        detail) the range is read as whole UTC days from the daily rollup, whole hours from the
        hourly one and the partial hours at its edges from widget_counted_events, and their
        aggregate states are merged: the same numbers as the raw table, from a few thousand rows
        (a few dozen with the site rollups, when nothing is filtered or grouped by a dimension).
        Otherwise (page or goal filter, bots or test traffic, a zone off whole hours, or
        `rollups=False`, which tests and the benchmark use as the reference) the raw events."""
        counts_sql, revenue_sql = self._metric_sql(scope, start, end, f, group_expr, bucketing, rollups)
        rows = await self.ch.query(f"{counts_sql} ORDER BY g, b")
        revenues = _revenues(await self.ch.query(revenue_sql))
        return [
            _metric_row(str(r[0]), int(r[1]), r[2:], revenues.get((str(r[0]), int(r[1])), {})) for r in rows
        ]

    async def metric_totals_and_series(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        f: EventFilter,
        bucketing: Bucketing,
        *,
        rollups: bool = True,
    ) -> tuple[MetricRow, list[MetricRow]]:
        """The dashboard summary (totals and one time series).

        Unfiltered (what the dashboard opens with): ONE statement over the site rollups. Every
        stored state goes once to its bucket and once to the totals row (arrayJoin), and the
        revenue states come along per row (a sum state per currency row, finalized and added up
        here), so there is no second statement. With a dimension filter: two statements over the
        dimension rollups; there each bucket's states are merged first (-MergeState) and the
        totals re-merge the 30-odd merged states instead of every stored one.
        (WITH TOTALS would do the same, but chdb renders an empty result WITH TOTALS as broken JSON.)"""
        plan, rollup = self._plan(start, end, f, bucketing, rollups)
        site = _site_level(scope, f, None)
        if site and rollup:
            return await self._site_totals_and_series(scope, plan, f, bucketing)
        # `site` without `rollup`: the raw reference of a site-level request, with its sketches.
        states = self._states_union(
            scope, plan, f, "''", bucketing, rollup=rollup, metrics=_COUNTED, site=site
        )
        per_bucket = ", ".join(f"{_merge(m, site, 'MergeState')} AS {m}" for m in _COUNTED)
        merged = ", ".join(_merge(m, site, "Merge") for m in _COUNTED)
        rows = await self.ch.query(
            f"SELECT arrayJoin([b, toUInt32({TOTALS_BUCKET})]) AS bt, {merged} FROM "
            f"(SELECT b, {per_bucket} FROM ({states}) GROUP BY b) GROUP BY bt ORDER BY bt"
        )
        revenue_states = self._states_union(
            scope, plan, f, "''", bucketing, rollup=rollup, metrics=_REVENUE, by_currency=True, site=site
        )
        revenues = _revenues(
            await self.ch.query(
                f"SELECT g, b, currency, sumMerge(revenue_minor) FROM ({revenue_states}) "
                "GROUP BY g, b, currency"
            )
        )
        total_revenue: dict[str, int] = {}
        for by_currency in revenues.values():
            for currency, amount in by_currency.items():
                total_revenue[currency] = total_revenue.get(currency, 0) + amount
        series = [
            _metric_row("", int(r[0]), r[1:], revenues.get(("", int(r[0])), {}))
            for r in rows
            if int(r[0]) != TOTALS_BUCKET
        ]
        totals = [r for r in rows if int(r[0]) == TOTALS_BUCKET]
        total = _metric_row("", 0, totals[0][1:], total_revenue) if totals else MetricRow("", 0)
        return total, series

    async def _site_totals_and_series(
        self,
        scope: Scope,
        plan: Sequence[tuple[Source, datetime, datetime]],
        f: EventFilter,
        bucketing: Bucketing,
    ) -> tuple[MetricRow, list[MetricRow]]:
        states = self._states_union(
            scope,
            plan,
            f,
            "''",
            bucketing,
            rollup=True,
            metrics=tuple(SITE_ROLLUP_METRICS),
            by_currency=True,
            site=True,
        )
        merged = ", ".join(_merge(m, True, "Merge") for m in _COUNTED)
        rows = await self.ch.query(
            f"SELECT arrayJoin([b, toUInt32({TOTALS_BUCKET})]) AS bt, {merged}, groupArray(currency), "
            f"groupArray(finalizeAggregation(revenue_minor)) FROM ({states}) GROUP BY bt ORDER BY bt"
        )
        total, series = MetricRow("", 0), []
        for r in rows:
            revenues: dict[str, int] = {}
            for currency, amount in zip(r[-2], r[-1], strict=True):
                if currency and int(amount):
                    revenues[str(currency)] = revenues.get(str(currency), 0) + int(amount)
            row = _metric_row("", int(r[0]), r[1:-2], revenues)
            if int(r[0]) == TOTALS_BUCKET:
                total = replace(row, bucket=0)
            else:
                series.append(row)
        return total, series

    def _plan(
        self, start: datetime, end: datetime, f: EventFilter, bucketing: Bucketing | None, rollups: bool
    ) -> tuple[list[tuple[Source, datetime, datetime]], bool]:
        """(stretches, whether they are a rollup plan: raw stretches then read counted events)."""
        if rollups and f.rollup_compatible and (bucketing is None or bucketing.hour_aligned):
            daily = bucketing is None or bucketing.utc_day_aligned
            return rollup_plan(start, end, daily=daily), True
        return [(Source.RAW, start, end)], False

    def _metric_sql(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        f: EventFilter,
        group_expr: str | None,
        bucketing: Bucketing | None,
        rollups: bool,
    ) -> tuple[str, str]:
        """(counts per (g, b), revenue per (g, b, currency)) statements, without ORDER BY on the first."""
        group = group_expr or "''"
        plan, rollup = self._plan(start, end, f, bucketing, rollups)
        site = _site_level(scope, f, group_expr)
        if plan == [(Source.RAW, start, end)]:
            # Only raw events: plain aggregates (no state round trip).
            bucket = bucketing.sql("occurred_at") if bucketing else "toUInt32(0)"
            where = self._where(scope, start, end, f, rollup=False)
            return (
                f"SELECT {group} AS g, {bucket} AS b, {_raw_metrics(site)} FROM {self.db}.widget_events "
                f"WHERE {where} GROUP BY g, b",
                f"SELECT {group} AS g, {bucket} AS b, currency, "
                f"sum(if(event_type = 5, value_minor, toInt64(0))) FROM {self.db}.widget_events "
                f"WHERE {where} AND currency != '' GROUP BY g, b, currency ORDER BY g, b, currency",
            )
        metrics = ", ".join(_merge(m, site, "Merge") for m in _COUNTED)
        states = self._states_union(
            scope, plan, f, group, bucketing, rollup=rollup, metrics=_COUNTED, site=site
        )
        revenue_states = self._states_union(
            scope, plan, f, group, bucketing, rollup=rollup, metrics=_REVENUE, by_currency=True, site=site
        )
        return (
            f"SELECT g, b, {metrics} FROM ({states}) GROUP BY g, b",
            f"SELECT g, b, currency, sumMerge(revenue_minor) FROM ({revenue_states}) "
            "GROUP BY g, b, currency ORDER BY g, b, currency",
        )

    def _states_union(
        self,
        scope: Scope,
        plan: Sequence[tuple[Source, datetime, datetime]],
        f: EventFilter,
        group: str,
        bucketing: Bucketing | None,
        *,
        rollup: bool,
        metrics: Sequence[str],
        by_currency: bool = False,
        site: bool = False,
    ) -> str:
        """One SELECT per source table of the plan (its stretches OR-ed), each yielding
        (g, b[, currency], states...) with the same column types, so the caller merges them with
        -Merge (UNION ALL works on 18.16).

        `rollup`: raw stretches are the edges of a rollup plan and read widget_counted_events (the
        same counted events, ordered by hour); otherwise widget_events with every filter. `site`:
        whole hours and days come from the site rollups (no dimensions: only without dimension
        filters and groupings), and every stretch computes the site rollups' visitor sketches
        (SITE_ROLLUP_METRICS) instead of `uniq`, raw ones included. Revenue alone (`metrics` ==
        revenue) reads currency rows only."""
        revenue_only = tuple(metrics) == _REVENUE
        keys, extra = ("g, b, currency", ", currency") if by_currency else ("g, b", "")
        tables = _SITE_SOURCE_TABLE if site else _SOURCE_TABLE
        # One SELECT per source, its stretches OR-ed: a plan's two edge stretches of a source (the
        # partial hours at both ends, the partial days at both ends) are one read of that table, not
        # two (every SELECT of the union has a fixed cost of several ms on chdb, more than its rows).
        wheres: dict[Source, list[str]] = {}
        for source, start, end in plan:
            time_col = _SOURCE_TIME[source]
            where = self._where(
                scope, start, end, f, rollup=rollup or source is not Source.RAW, time_col=time_col
            )
            if source is Source.RAW and rollup:
                # The hour column is widget_counted_events' sort key: only the edge hours are read.
                where += f" AND hour >= {_ts(floor_hour(start))} AND hour < {_ts(end)}"
            wheres.setdefault(source, []).append(where)
        selects = []
        for source, stretches in wheres.items():
            time_col = _SOURCE_TIME[source]
            bucket = bucketing.sql(time_col) if bucketing else "toUInt32(0)"
            where = stretches[0] if len(stretches) == 1 else " OR ".join(f"({w})" for w in stretches)
            if revenue_only:
                where = f"({where}) AND currency != ''"
            if source is Source.RAW:
                table = "widget_counted_events" if rollup else "widget_events"
                definitions = SITE_ROLLUP_METRICS if site else ROLLUP_METRICS
                raw = ", ".join(f"{definitions[m][1]} AS {m}" for m in metrics)
                selects.append(
                    f"SELECT {group} AS g, {bucket} AS b{extra}, {raw} "
                    f"FROM {self.db}.{table} WHERE {where} GROUP BY {keys}"
                )
            else:
                selects.append(
                    f"SELECT {group} AS g, {bucket} AS b{extra}, {', '.join(metrics)} "
                    f"FROM {self.db}.{tables[source]} WHERE {where}"
                )
        return " UNION ALL ".join(selects)

    async def top_pages(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        f: EventFilter,
        order: str,
        limit: int,
        offset: int,
    ) -> list[tuple[str, MetricRow]]:
        where = self._where(scope, start, end, f, rollup=False)
        rows = await self.ch.query(
            f"SELECT page_url, sum(toUInt64(event_type = 1)) AS impressions, sum(toUInt64(event_type = 2)), "
            f"sum(toUInt64(event_type = 3)) AS clicks, sum(toUInt64(event_type = 4)), "
            f"sum(toUInt64(event_type = 5)) AS conversions, sum(toUInt64(event_type = 6)) AS page_views, "
            f"uniq(visitor_id) AS visitors, uniqIf(visitor_id, event_type = 1), "
            f"if(impressions = 0, 0., clicks / impressions) AS ctr, "
            f"sum(if(event_type = 5, value_minor, toInt64(0))) AS revenue "
            f"FROM {self.db}.widget_events WHERE {where} AND page_url != '' GROUP BY page_url "
            f"ORDER BY {order} DESC, page_url LIMIT {int(limit)} OFFSET {int(offset)}"
        )
        return [(str(r[0]), _metric_row("", 0, r[1:9], {})) for r in rows]

    # ---- attribution, funnels, cohorts, experiments -------------------------------------------

    async def conversions(
        self, scope: Scope, start: datetime, end: datetime, f: EventFilter
    ) -> list[Conversion]:
        where = self._where(scope, start, end, f, rollup=False)
        rows = await self.ch.query(
            f"SELECT visitor_id, toUInt32(occurred_at), event_id, goal_name, value_minor, currency "
            f"FROM {self.db}.widget_events WHERE {where} AND event_type = 5 AND anonymous = 0 "
            f"ORDER BY visitor_id, occurred_at, event_id"
        )
        return [Conversion(str(r[0]), _dt(r[1]), str(r[2]), str(r[3]), int(r[4]), str(r[5])) for r in rows]

    async def touches(
        self, scope: Scope, start: datetime, end: datetime, f: EventFilter, visitors: Sequence[str]
    ) -> list[Touch]:
        if not visitors:
            return []
        where = self._where(scope, start, end, f, rollup=False)
        rows = await self.ch.query(
            f"SELECT visitor_id, toUInt32(occurred_at), campaign_id, variant_id, event_type = 3 "
            f"FROM {self.db}.widget_events WHERE {where} AND event_type IN (1, 3) AND campaign_id != '' "
            f"AND visitor_id IN {in_list(sorted(set(visitors)))} ORDER BY visitor_id, occurred_at"
        )
        return [Touch(str(r[0]), _dt(r[1]), str(r[2]), str(r[3]), bool(r[4])) for r in rows]

    async def funnel_events(
        self, scope: Scope, start: datetime, end: datetime, f: EventFilter, types: Sequence[int]
    ) -> list[tuple[str, datetime, int, str, str, str, str, int]]:
        """(visitor, time, type, campaign, page, goal, variant, holdout) ordered per visitor."""
        where = self._where(scope, start, end, f, rollup=False)
        rows = await self.ch.query(
            f"SELECT visitor_id, toUInt32(occurred_at), event_type, campaign_id, page_url, goal_name, "
            f"variant_id, holdout FROM {self.db}.widget_events WHERE {where} "
            f"AND event_type IN {in_list(sorted(set(types)))} ORDER BY visitor_id, occurred_at"
        )
        return [
            (str(r[0]), _dt(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]), str(r[6]), int(r[7]))
            for r in rows
        ]

    async def visitor_days(
        self, scope: Scope, end: datetime, f: EventFilter, tz: str
    ) -> list[tuple[str, int, int]]:
        """(visitor, local day number, conversions) of non-anonymous visitors, all history up to end,
        so a cohort's first-seen period is the true first visit."""
        where = self._where(scope, datetime(1970, 1, 2, tzinfo=UTC), end, f, rollup=False)
        rows = await self.ch.query(
            f"SELECT visitor_id, toUInt32(toRelativeDayNum(occurred_at, {literal(tz)})) AS d, "
            f"sum(toUInt64(event_type = 5)) FROM {self.db}.widget_events WHERE {where} AND anonymous = 0 "
            f"GROUP BY visitor_id, d ORDER BY visitor_id, d"
        )
        return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def experiment_visitors(
        self,
        scope: Scope,
        campaign_id: str,
        experiment_id: str,
        start: datetime,
        end: datetime,
        f: EventFilter,
    ) -> list[tuple[str, str, int, datetime, int, int]]:
        """(visitor, variant, holdout, first exposure, impressions, clicks) per visitor of the experiment."""
        where = self._where(scope, start, end, f, rollup=False)
        rows = await self.ch.query(
            f"SELECT visitor_id, max(variant_id), max(holdout), toUInt32(min(occurred_at)), "
            f"sum(toUInt64(event_type = 1)), sum(toUInt64(event_type = 3)) "
            f"FROM {self.db}.widget_events WHERE {where} "
            f"AND {self._experiment(campaign_id, experiment_id)} AND anonymous = 0 GROUP BY visitor_id"
        )
        return [(str(r[0]), str(r[1]), int(r[2]), _dt(r[3]), int(r[4]), int(r[5])) for r in rows]

    def _experiment(self, campaign_id: str, experiment_id: str) -> str:
        experiment = f" AND experiment_id = {literal(experiment_id)}" if experiment_id else ""
        return f"campaign_id = {literal(campaign_id)}{experiment}"

    async def experiment_goals(
        self,
        scope: Scope,
        campaign_id: str,
        experiment_id: str,
        start: datetime,
        end: datetime,
        goals_end: datetime,
        f: EventFilter,
    ) -> list[Conversion]:
        """Conversions (start .. goals_end) of the visitors exposed to the experiment in start .. end;
        the visitor subquery keeps the transfer to converting experiment visitors only."""
        exposed = self._where(scope, start, end, f, rollup=False)
        goals = self._where(
            Scope(scope.org_id, scope.site_id), start, goals_end, _goal_filter(f), rollup=False
        )
        rows = await self.ch.query(
            f"SELECT visitor_id, toUInt32(occurred_at), event_id, goal_name, value_minor, currency "
            f"FROM {self.db}.widget_events WHERE {goals} AND event_type = 5 AND anonymous = 0 "
            f"AND visitor_id IN (SELECT visitor_id FROM {self.db}.widget_events WHERE {exposed} "
            f"AND {self._experiment(campaign_id, experiment_id)}) ORDER BY visitor_id, occurred_at"
        )
        return [Conversion(str(r[0]), _dt(r[1]), str(r[2]), str(r[3]), int(r[4]), str(r[5])) for r in rows]

    async def touches_of_converters(
        self,
        scope: Scope,
        touch_start: datetime,
        start: datetime,
        end: datetime,
        f: EventFilter,
    ) -> list[Touch]:
        """Impressions and clicks (touch_start .. end) of visitors who converted in start .. end."""
        touches = self._where(scope, touch_start, end, _touch_filter(f), rollup=False)
        goals = self._where(scope, start, end, _goal_filter(f), rollup=False)
        rows = await self.ch.query(
            f"SELECT visitor_id, toUInt32(occurred_at), campaign_id, variant_id, event_type = 3 "
            f"FROM {self.db}.widget_events WHERE {touches} AND event_type IN (1, 3) AND campaign_id != '' "
            f"AND visitor_id IN (SELECT visitor_id FROM {self.db}.widget_events WHERE {goals} "
            f"AND event_type = 5 AND anonymous = 0) ORDER BY visitor_id, occurred_at"
        )
        return [Touch(str(r[0]), _dt(r[1]), str(r[2]), str(r[3]), bool(r[4])) for r in rows]

    async def widget_performance(
        self, scope: Scope, start: datetime, end: datetime, device_types: Sequence[int], bucket: str
    ) -> list[tuple[Any, ...]]:
        """Per bucket (bucket expression over occurred_at; '0' for the whole range): samples,
        quantiles (p50, p75, p95) of bytes (cache hits excluded), load ms, time to first notification
        (only when one was shown), longest task, CLS, and the share of page views with a long task."""
        f = EventFilter(device_types=tuple(device_types))
        where = self._where(scope, start, end, f, rollup=False)
        return await self.ch.query(
            f"SELECT {bucket} AS b, count(), "
            "quantilesExactIf(0.5, 0.75, 0.95)(toFloat64(script_transfer_bytes), script_transfer_bytes > 0), "
            "quantilesExact(0.5, 0.75, 0.95)(script_load_ms), "
            "quantilesExactIf(0.5, 0.75, 0.95)(time_to_first_notification_ms, "
            "time_to_first_notification_ms > 0), "
            "avg(toFloat64(long_task_count > 0)), "
            "quantilesExact(0.5, 0.75, 0.95)(longest_long_task_ms), "
            "quantilesExact(0.5, 0.75, 0.95)(cumulative_layout_shift) "
            f"FROM {self.db}.widget_events WHERE {where} AND event_type = 8 GROUP BY b ORDER BY b"
        )

    async def widget_versions(self, scope: Scope, start: datetime, end: datetime) -> dict[str, int]:
        where = self._where(scope, start, end, EventFilter(), rollup=False)
        rows = await self.ch.query(
            f"SELECT widget_version, count() FROM {self.db}.widget_events WHERE {where} "
            "AND event_type = 8 GROUP BY widget_version ORDER BY widget_version"
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def current_experiment(self, scope: Scope, campaign_id: str) -> str:
        rows = await self.ch.query(
            f"SELECT experiment_id FROM {self.db}.widget_events WHERE org_id = {literal(scope.org_id)} "
            f"AND site_id = {literal(scope.site_id)} AND campaign_id = {literal(campaign_id)} "
            f"AND experiment_id != '' ORDER BY occurred_at DESC LIMIT 1"
        )
        return str(rows[0][0]) if rows else ""

    # ---- export -------------------------------------------------------------------------------

    async def events_page(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        f: EventFilter,
        after: tuple[int, str] | None,
        limit: int,
    ) -> list[tuple[Any, ...]]:
        """One page of raw events in (occurred_at, event_id) order: keyset paging keeps memory flat."""
        where = self._where(scope, start, end, f, rollup=False)
        if after is not None:
            where += (
                f" AND (toUInt32(occurred_at) > {after[0]} OR "
                f"(toUInt32(occurred_at) = {after[0]} AND event_id > {literal(after[1])}))"
            )
        return await self.ch.query(
            "SELECT toUInt32(occurred_at), event_id, site_id, event_type, visitor_id, session_id, "
            "campaign_id, variant_id, holdout, page_url, goal_name, value_minor, currency, device_type, "
            "country_code, bot "
            f"FROM {self.db}.widget_events WHERE {where} "
            f"ORDER BY toUInt32(occurred_at), event_id LIMIT {int(limit)}"
        )

    # ---- retention ----------------------------------------------------------------------------

    async def partitions(self, table: str) -> list[tuple[str, int]]:
        """(partition id "YYYYMM", rows) of the active parts of a table, oldest first."""
        rows = await self.ch.query(
            f"SELECT partition, sum(rows) FROM system.parts WHERE database = "
            f"{literal(self.db)} AND table = {literal(table)} AND active "
            "GROUP BY partition ORDER BY partition"
        )
        return [(str(r[0]).strip("'"), int(r[1])) for r in rows]

    async def partition_sites(self, table: str, partition: str) -> list[tuple[str, str]]:
        """(org, site) with rows in a month partition."""
        rows = await self.ch.query(
            f"SELECT DISTINCT org_id, site_id FROM {self.db}.{table} "
            f"WHERE toYYYYMM({_time_col(table)}) = {int(partition)}"
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    async def sites_with_data(self, org_id: str | None) -> list[tuple[str, str]]:
        """(org, site) with raw events or rollups, of one organization or all."""
        where = f"WHERE org_id = {literal(org_id)}" if org_id else ""
        rows = await self.ch.query(
            f"SELECT DISTINCT org_id, site_id FROM {self.db}.widget_events {where} "
            f"UNION ALL SELECT DISTINCT org_id, site_id FROM {self.db}.widget_hourly {where} "
            f"UNION ALL SELECT DISTINCT org_id, site_id FROM {self.db}.widget_daily {where}"
        )
        return sorted({(str(r[0]), str(r[1])) for r in rows})

    async def drop_partition(self, table: str, partition: str) -> None:
        """Drops a month of a table and of the tables derived from it (DERIVED_TABLES)."""
        await self.ch.execute(f"ALTER TABLE {self.db}.{table} DROP PARTITION {int(partition)}")
        for derived in DERIVED_TABLES.get(table, ()):
            if any(p == partition for p, _ in await self.partitions(derived)):
                await self.ch.execute(f"ALTER TABLE {self.db}.{derived} DROP PARTITION {int(partition)}")

    async def count_before(
        self, table: str, site_id: str, cutoff: datetime, skip_partitions: Sequence[str] = ()
    ) -> int:
        skip = ""
        if skip_partitions:
            skip = f" AND toYYYYMM({_time_col(table)}) NOT IN {in_list([int(p) for p in skip_partitions])}"
        rows = await self.ch.query(
            f"SELECT count() FROM {self.db}.{table} WHERE site_id = {literal(site_id)} "
            f"AND {_time_col(table)} < {_ts(cutoff)}{skip}"
        )
        return int(rows[0][0]) if rows else 0

    async def delete_before(self, table: str, site_id: str, cutoff: datetime) -> None:
        """Deletes a site's rows before the cutoff from a table and from the tables derived from it."""
        # ALTER DELETE is an asynchronous mutation; mutations_sync does not exist on 18.16
        # (wait_mutations below is how a caller waits for it).
        for name in (table, *DERIVED_TABLES.get(table, ())):
            if name != table and not await self.count_before(name, site_id, cutoff):
                continue  # a mutation rewrites parts: none where nothing is to delete
            await self.ch.execute(
                f"ALTER TABLE {self.db}.{name} DELETE WHERE site_id = {literal(site_id)} "
                f"AND {_time_col(name)} < {_ts(cutoff)}"
            )

    async def pending_mutations(self) -> int:
        rows = await self.ch.query(
            f"SELECT count() FROM system.mutations WHERE database = {literal(self.db)} AND is_done = 0"
        )
        return int(rows[0][0]) if rows else 0

    async def oldest_event(self, site_id: str) -> datetime | None:
        rows = await self.ch.query(
            f"SELECT toUInt32(min(occurred_at)), count() FROM {self.db}.widget_events "
            f"WHERE site_id = {literal(site_id)}"
        )
        if not rows or not int(rows[0][1]):
            return None
        return _dt(rows[0][0])


def _time_col(table: str) -> str:
    return {
        "widget_hourly": "hour",
        "widget_daily": "day",
        "widget_site_hourly": "hour",
        "widget_site_daily": "day",
    }.get(table, "occurred_at")


#: Tables filled from another table's rows and kept exactly as long: retention applies its drops
#: and deletes of a table to these too (same month partitions, same time column and cutoff).
#: Their partitions are a subset of their source's (the same events, filtered or rolled up).
DERIVED_TABLES: dict[str, tuple[str, ...]] = {
    "widget_events": ("widget_counted_events",),
    "widget_hourly": ("widget_site_hourly",),
    "widget_daily": ("widget_site_daily",),
}


#: The rollup columns QueryMetrics counts (revenue is read per currency separately).
_COUNTED = tuple(m for m in ROLLUP_METRICS if m != "revenue_minor")
_REVENUE = ("revenue_minor",)


def _site_level(scope: Scope, f: EventFilter, group_expr: str | None) -> bool:
    """Whether the site rollups (no dimensions) can serve a request: no campaign scope, no
    dimension filter, no grouping. The organization scope works too (org_id is in their key)."""
    return group_expr is None and not scope.campaign_id and f.dimensionless


def _raw_metrics(site: bool) -> str:
    """The counted metrics as plain aggregates over raw events; a site-level request counts unique
    visitors with the site rollups' sketch, any other with `uniq` (what the dimension rollups hold)."""
    function = VISITOR_SKETCH if site else "uniq"
    visitors = (
        f"{combined(function, '', 'visitor_id')}, {combined(function, 'If', 'visitor_id, event_type = 1')}"
    )
    return (
        "sum(toUInt64(event_type = 1)), sum(toUInt64(event_type = 2)), "
        "sum(toUInt64(event_type = 3)), sum(toUInt64(event_type = 4)), "
        f"sum(toUInt64(event_type = 5)), sum(toUInt64(event_type = 6)), {visitors}"
    )


def _merge(metric: str, site: bool, combinator: str) -> str:
    """`metric`'s aggregate function with `combinator` (Merge, MergeState) over its column."""
    definitions = SITE_ROLLUP_METRICS if site else ROLLUP_METRICS
    return combined(definitions[metric][0], combinator, metric)


_SOURCE_TABLE = {Source.HOURLY: "widget_hourly", Source.DAILY: "widget_daily"}
_SITE_SOURCE_TABLE = {Source.HOURLY: "widget_site_hourly", Source.DAILY: "widget_site_daily"}
_SOURCE_TIME = {Source.RAW: "occurred_at", Source.HOURLY: "hour", Source.DAILY: "day"}


def _revenues(rows: Sequence[Sequence[Any]]) -> dict[tuple[str, int], dict[str, int]]:
    """{(group, bucket): {currency: amount}} from (g, b, currency, amount) rows."""
    out: dict[tuple[str, int], dict[str, int]] = {}
    for g, b, currency, amount in rows:
        if int(amount):
            out.setdefault((str(g), int(b)), {})[str(currency)] = int(amount)
    return out


def _metric_row(group: str, bucket: int, counts: Sequence[Any], revenues: dict[str, int]) -> MetricRow:
    (impressions, hovers, clicks, closes, conversions, page_views, visitors, reached) = (
        int(v) for v in counts
    )
    return MetricRow(
        group,
        bucket,
        impressions,
        hovers,
        clicks,
        closes,
        conversions,
        page_views,
        visitors,
        reached,
        revenues,
    )


def _goal_filter(f: EventFilter) -> EventFilter:
    """Conversions carry no campaign or variant: only the other filters apply to them."""
    return replace(f, campaign_ids=(), variant_ids=(), page_url_like="")


def _touch_filter(f: EventFilter) -> EventFilter:
    return replace(f, goal_names=(), page_url_like="")


def _date(day: date) -> str:
    return f"toDate({literal(day.isoformat())})"


def day_start(day_number: int) -> date:
    return date(1970, 1, 1) + timedelta(days=day_number)
