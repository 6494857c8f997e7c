"""gRPC servicers of the analytics service: proto ⇄ domain conversion around the use cases."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc

from services.analytics.adapters.reports import ReportRow
from services.analytics.domain.attribution import DEFAULT_WINDOW as ATTRIBUTION_WINDOW
from services.analytics.domain.attribution import MAX_WINDOW, Model
from services.analytics.domain.experiments import DEFAULT_WINDOW
from services.analytics.domain.funnels import DEFAULT_FUNNEL_WINDOW, StepRule
from services.analytics.domain.ingest import (
    MAX_BATCH_BYTES,
    MAX_EVENTS_PER_BATCH,
    MAX_SENT_AT_SKEW,
    IncomingEvent,
)
from services.analytics.domain.queries import (
    MAX_RANGE,
    Bucketing,
    EventFilter,
    Granularity,
    MetricRow,
    glob_to_like,
    parse_scope,
    resolve_granularity,
    zone,
)
from services.analytics.domain.stats import Interval
from services.analytics.service import (
    Attribution,
    AttributionQuery,
    ExperimentQuery,
    Experiments,
    Exports,
    Ingest,
    Metrics,
    Reports,
    Retention,
    RetentionOutcome,
    SiteRetention,
)
from shared.errors import FieldViolation, InvalidArgument, ResourceExhausted, validate
from shared.principal import require_org_access
from socialproof.analytics.v1 import (
    attribution_pb2,
    attribution_pb2_grpc,
    experiments_pb2,
    experiments_pb2_grpc,
    exports_pb2,
    exports_pb2_grpc,
    ingest_pb2,
    ingest_pb2_grpc,
    metrics_pb2,
    metrics_pb2_grpc,
    reports_pb2,
    reports_pb2_grpc,
    retention_pb2,
    retention_pb2_grpc,
)
from socialproof.common.v1.common_pb2 import Money, TimeRange
from socialproof.events.v1.analytics_events_pb2 import WidgetEvent


def _when(ts: Any) -> datetime:
    return datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, UTC)


def _metadata(context: grpc.aio.ServicerContext, name: str) -> str:
    for key, value in context.invocation_metadata() or ():
        if key.lower() == name:
            return value if isinstance(value, str) else value.decode("latin-1")
    return ""


def incoming_event(event: WidgetEvent) -> IncomingEvent:
    # Runs per event: every submessage access and HasField is a C call, so each is made once.
    if event.HasField("occurred_at"):
        ts = event.occurred_at
        occurred_at: datetime | None = datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, UTC)
    else:
        occurred_at = None
    goal_name = order_ref = currency = ""
    value_minor: int | None = None
    if event.HasField("conversion"):
        conversion = event.conversion
        goal_name, order_ref = conversion.goal_name, conversion.order_ref
        if conversion.HasField("value"):
            value = conversion.value
            value_minor, currency = value.amount_minor, value.currency_code
    return IncomingEvent(
        event.event_id,
        int(event.type),
        event.visitor_id,
        event.session_id,
        occurred_at,
        event.campaign_id,
        event.variant_id,
        event.experiment_id,
        event.page_url,
        event.referrer,
        goal_name,
        order_ref,
        value_minor,
        currency,
        bool(
            event.bot
            or event.bot_reason
            or event.HasField("received_at")
            or event.HasField("user_agent_info")
            or event.HasField("location")
        ),
        event.automation_suspected,
    )


class IngestServicer(ingest_pb2_grpc.IngestServiceServicer):
    def __init__(self, ingest: Ingest) -> None:
        self.ingest = ingest

    async def RecordWidgetEvents(
        self, request: ingest_pb2.RecordWidgetEventsRequest, context: grpc.aio.ServicerContext
    ) -> ingest_pb2.RecordWidgetEventsResponse:
        if request.ByteSize() > MAX_BATCH_BYTES:
            raise ResourceExhausted(
                f"The batch is larger than {MAX_BATCH_BYTES // 1024} KiB; send fewer events per batch",
                reason="BATCH_TOO_LARGE",
                metadata={"max_bytes": str(MAX_BATCH_BYTES)},
            )
        now = datetime.now(UTC)
        with validate("Invalid widget event batch", reason="INVALID_BATCH") as v:
            v.require(request.site_key, "site_key")
            if v.require(request.events, "events"):
                v.check(
                    len(request.events) <= MAX_EVENTS_PER_BATCH,
                    "events",
                    f"at most {MAX_EVENTS_PER_BATCH} events per batch",
                )
            if v.check(request.HasField("sent_at"), "sent_at", "is required"):
                v.check(
                    abs(_when(request.sent_at) - now) <= MAX_SENT_AT_SKEW,
                    "sent_at",
                    "is more than 24 hours away from the server clock",
                )
        site, result = await self.ingest.record(
            request.site_key,
            list(request.events),
            [incoming_event(e) for e in request.events],
            sent_at=_when(request.sent_at),
            user_agent=_metadata(context, "user-agent"),
            now=now,
        )
        real_problems = [r for r in result.rejections if r.reason.name != "DUPLICATE"]
        if result.accepted == 0 and len(real_problems) == len(request.events):
            # Nothing of the batch is usable: one clear error instead of a 200 that stored nothing.
            raise InvalidArgument(
                "No event of the batch is valid",
                violations=[_violation(r) for r in real_problems],
                reason="NO_VALID_EVENTS",
            )
        return ingest_pb2.RecordWidgetEventsResponse(
            accepted_count=result.accepted,
            rejections=[
                ingest_pb2.EventRejection(
                    index=r.index,
                    event_id=r.event_id,
                    reason=int(r.reason),  # type: ignore[arg-type]
                    field=r.field,
                    description=r.description,
                )
                for r in result.rejections
            ],
        )


def _violation(r: Any) -> Any:
    return FieldViolation(r.field, f"{r.reason.name}: {r.description}")


def time_range(value: TimeRange, field_name: str = "time_range") -> tuple[datetime, datetime]:
    with validate("Invalid time range") as v:
        ok = v.check(value.HasField("start_time"), f"{field_name}.start_time", "is required")
        ok = v.check(value.HasField("end_time"), f"{field_name}.end_time", "is required") and ok
        if ok:
            start, end = _when(value.start_time), _when(value.end_time)
            if v.check(start < end, f"{field_name}.end_time", "must be after start_time"):
                v.check(end - start <= MAX_RANGE, field_name, "must span at most 400 days")
    return _when(value.start_time), _when(value.end_time)


def event_filter(f: metrics_pb2.MetricsFilter) -> EventFilter:
    return EventFilter(
        campaign_ids=tuple(f.campaign_ids),
        variant_ids=tuple(f.variant_ids),
        device_types=tuple(int(d) for d in f.device_types),
        country_codes=tuple(c.upper() for c in f.country_codes),
        page_url_like=glob_to_like(f.page_url_pattern) if f.page_url_pattern else "",
        goal_names=tuple(f.goal_names),
        include_bots=f.include_bots,
        include_test=f.include_test,
    )


_GROUPS = {
    metrics_pb2.METRICS_DIMENSION_SITE: "site_id",
    metrics_pb2.METRICS_DIMENSION_CAMPAIGN: "campaign_id",
    metrics_pb2.METRICS_DIMENSION_VARIANT: "concat(variant_id, '|', toString(holdout))",
    metrics_pb2.METRICS_DIMENSION_DEVICE_TYPE: "toString(device_type)",
    metrics_pb2.METRICS_DIMENSION_COUNTRY: "country_code",
}


def metric_values(row: MetricRow) -> metrics_pb2.MetricValues:
    values = metrics_pb2.MetricValues(
        impressions=row.impressions,
        hovers=row.hovers,
        clicks=row.clicks,
        closes=row.closes,
        click_through_rate=row.click_through_rate,
        conversions=row.conversions,
        conversion_rate=row.conversion_rate,
        unique_visitors=row.unique_visitors,
        page_views=row.page_views,
        reached_visitors=row.reached_visitors,
    )
    for currency in sorted(row.revenues):
        values.revenues.add(amount_minor=row.revenues[currency], currency_code=currency)
    return values


class MetricsServicer(metrics_pb2_grpc.MetricsServiceServicer):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def QueryMetrics(
        self, request: metrics_pb2.QueryMetricsRequest, context: grpc.aio.ServicerContext
    ) -> metrics_pb2.QueryMetricsResponse:
        scope = parse_scope(request.parent)
        start, end = time_range(request.time_range)
        tz = zone(request.time_zone)
        granularity = resolve_granularity(int(request.granularity), start, end)
        bucketing = Bucketing(granularity, tz)
        f = event_filter(request.filter)
        group_expr = _GROUPS.get(request.group_by)
        max_groups = min(request.max_groups or 20, 100)
        points: list[MetricRow]
        if group_expr is None:
            # The site summary: totals and the one series in one pass; the series' totals are the totals.
            total, points = await self.metrics.totals_and_series(scope, start, end, f, bucketing)
            group_totals = [total]
        else:
            overall = await self.metrics.rows(scope, start, end, f, group_expr=None, bucketing=None)
            total = overall[0] if overall else MetricRow("", 0)
            group_totals = await self.metrics.rows(
                scope, start, end, f, group_expr=group_expr, bucketing=None
            )
            points = await self.metrics.rows(scope, start, end, f, group_expr=group_expr, bucketing=bucketing)
        response = metrics_pb2.QueryMetricsResponse(granularity=int(granularity))  # type: ignore[arg-type]
        response.totals.CopyFrom(metric_values(total))
        group_totals.sort(key=lambda r: (-r.impressions, r.group))
        chosen = group_totals[:max_groups]
        by_group: dict[str, dict[int, MetricRow]] = {}
        for row in points:
            by_group.setdefault(row.group, {})[row.bucket] = row
        buckets = bucketing.buckets(start, end)
        for group in chosen:
            series = response.series.add(totals=metric_values(group))
            key = group.group
            if request.group_by == metrics_pb2.METRICS_DIMENSION_VARIANT:
                key, _, holdout = key.partition("|")
                series.holdout = holdout == "1"
            elif request.group_by == metrics_pb2.METRICS_DIMENSION_SITE:
                key = f"organizations/{scope.org_id}/sites/{key}"
            series.group_key = key
            for bucket in buckets:
                row = by_group.get(group.group, {}).get(int(bucket.timestamp()), MetricRow(group.group, 0))
                point = series.points.add(values=metric_values(row))
                point.start_time.FromDatetime(bucket)
        response.fresh_until.FromDatetime(datetime.now(UTC) - timedelta(seconds=2))
        return response

    async def ListTopPages(
        self, request: metrics_pb2.ListTopPagesRequest, context: grpc.aio.ServicerContext
    ) -> metrics_pb2.ListTopPagesResponse:
        scope = parse_scope(request.parent, need_site=True)
        start, end = time_range(request.time_range)
        with validate("Invalid top pages request") as v:
            v.check(0 <= request.page_size <= 100, "page_size", "must be between 0 and 100")
            offset = _offset(v, request.page_token)
        size = request.page_size or 20
        order = _PAGE_ORDER.get(request.order_by, "page_views")
        rows = await self.metrics.top_pages(
            scope, start, end, event_filter(request.filter), order, size + 1, offset
        )
        response = metrics_pb2.ListTopPagesResponse(
            pages=[
                metrics_pb2.PageMetrics(page_url=url, values=metric_values(row)) for url, row in rows[:size]
            ]
        )
        if len(rows) > size:
            response.next_page_token = _token(offset + size)
        return response

    async def QueryFunnel(
        self, request: metrics_pb2.QueryFunnelRequest, context: grpc.aio.ServicerContext
    ) -> metrics_pb2.QueryFunnelResponse:
        scope = parse_scope(request.parent, need_site=True, allow_campaign=False)
        start, end = time_range(request.time_range)
        with validate("Invalid funnel") as v:
            if v.check(2 <= len(request.steps) <= 8, "steps", "must have 2 to 8 steps"):
                for i, step in enumerate(request.steps):
                    v.check(step.event_type != 0, f"steps[{i}].event_type", "is required")
            window = _duration(v, request.conversion_window, "conversion_window", DEFAULT_FUNNEL_WINDOW)
        steps = [
            StepRule(int(s.event_type), s.campaign_id, s.page_url_pattern, s.goal_name) for s in request.steps
        ]
        results = await self.metrics.funnel(
            scope,
            start,
            end,
            steps,
            window,
            event_filter(request.filter),
            split_by_variant=request.split_by_variant,
        )
        response = metrics_pb2.QueryFunnelResponse()
        for variant_id, holdout, counts in results:
            result = response.funnels.add(variant_id=variant_id, holdout=holdout)
            first = counts.reached[0] if counts.reached else 0
            for i, step in enumerate(request.steps):
                reached = counts.reached[i]
                previous = counts.reached[i - 1] if i else reached
                out = result.steps.add(
                    display_name=step.display_name,
                    visitors=reached,
                    conversion_from_previous=(reached / previous if previous else 0.0) if i else 1.0,
                    conversion_from_first=reached / first if first else 0.0,
                )
                delay = counts.median_delay(i) if i else None
                if delay is not None:
                    out.median_time_from_previous.FromTimedelta(timedelta(seconds=delay))
        return response

    async def QueryCohorts(
        self, request: metrics_pb2.QueryCohortsRequest, context: grpc.aio.ServicerContext
    ) -> metrics_pb2.QueryCohortsResponse:
        scope = parse_scope(request.parent, need_site=True, allow_campaign=False)
        start, end = time_range(request.time_range)
        tz = zone(request.time_zone)
        with validate("Invalid cohort request") as v:
            v.check(
                request.period
                in (
                    0,
                    metrics_pb2.GRANULARITY_DAY,
                    metrics_pb2.GRANULARITY_WEEK,
                    metrics_pb2.GRANULARITY_MONTH,
                ),
                "period",
                "must be DAY, WEEK or MONTH",
            )
        granularity = int(request.period) or int(Granularity.WEEK)
        rows = await self.metrics.cohorts(scope, start, end, granularity, tz, event_filter(request.filter))
        response = metrics_pb2.QueryCohortsResponse()
        for row in rows:
            cohort = response.cohorts.add(visitors=row.visitors)
            local = datetime(row.start.year, row.start.month, row.start.day, tzinfo=tz)
            cohort.start_time.FromDatetime(local.astimezone(UTC))
            for index, (active, conversions) in enumerate(zip(row.active, row.conversions, strict=True)):
                cohort.periods.add(
                    period_index=index,
                    active_visitors=active,
                    retention_rate=active / row.visitors if row.visitors else 0.0,
                    conversions=conversions,
                )
        return response

    async def GetWidgetPerformance(
        self, request: metrics_pb2.GetWidgetPerformanceRequest, context: grpc.aio.ServicerContext
    ) -> metrics_pb2.GetWidgetPerformanceResponse:
        scope = parse_scope(request.parent, need_site=True, allow_campaign=False)
        start, end = time_range(request.time_range)
        granularity = resolve_granularity(int(request.granularity), start, end)
        bucketing = Bucketing(granularity, zone(""))
        summary, series, versions = await self.metrics.widget_performance(
            scope, start, end, [int(d) for d in request.device_types], bucketing
        )
        budget = default_budget()
        response = metrics_pb2.GetWidgetPerformanceResponse(budget=budget, widget_version_samples=versions)
        response.summary.CopyFrom(_performance(summary[0] if summary else None, budget))
        by_bucket = {int(r[0]): r for r in series}
        for bucket in bucketing.buckets(start, end):
            point = response.series.add()
            point.CopyFrom(_performance(by_bucket.get(int(bucket.timestamp())), budget))
            point.start_time.FromDatetime(bucket)
        return response


_PAGE_ORDER = {
    metrics_pb2.METRIC_KIND_IMPRESSIONS: "impressions",
    metrics_pb2.METRIC_KIND_CLICKS: "clicks",
    metrics_pb2.METRIC_KIND_CLICK_THROUGH_RATE: "ctr",
    metrics_pb2.METRIC_KIND_CONVERSIONS: "conversions",
    metrics_pb2.METRIC_KIND_REVENUE: "revenue",
    metrics_pb2.METRIC_KIND_UNIQUE_VISITORS: "visitors",
    metrics_pb2.METRIC_KIND_PAGE_VIEWS: "page_views",
}


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(v: Any, token: str) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "o" and int(value) >= 0:
            return int(value)
    except ValueError:
        pass
    v.check(False, "page_token", "is not a token of this list")
    return 0


def _duration(
    v: Any, value: Any, field_name: str, default: timedelta, maximum: timedelta | None = None
) -> timedelta:
    if value.seconds == 0 and value.nanos == 0:
        return default
    result: timedelta = value.ToTimedelta()
    v.check(result > timedelta(0), field_name, "must be positive")
    if maximum is not None:
        v.check(result <= maximum, field_name, f"must be at most {maximum.days} days")
    return result


def default_budget() -> metrics_pb2.PerformanceBudget:
    """8 KB gzipped script, no long task, no layout shift; the first notification within 500 ms of
    the configured first delay."""
    budget = metrics_pb2.PerformanceBudget(
        max_script_transfer_bytes=8 * 1024, max_long_task_rate=0.0, max_cumulative_layout_shift=0.0
    )
    budget.max_time_to_first_notification.FromMilliseconds(500)
    return budget


def _percentiles(values: Any) -> metrics_pb2.Percentiles:
    p50, p75, p95 = (float(x) for x in (values or [0.0, 0.0, 0.0]))
    return metrics_pb2.Percentiles(p50=p50, p75=p75, p95=p95)


def _performance(row: Any, budget: metrics_pb2.PerformanceBudget) -> metrics_pb2.WidgetPerformanceSummary:
    if row is None:
        return metrics_pb2.WidgetPerformanceSummary(within_budget=True)
    _, count, transfer, load, first, long_rate, longest, shift = row
    summary = metrics_pb2.WidgetPerformanceSummary(
        sample_count=int(count),
        script_transfer_bytes=_percentiles(transfer),
        script_load_ms=_percentiles(load),
        time_to_first_notification_ms=_percentiles(first),
        long_task_rate=float(long_rate),
        longest_long_task_ms=_percentiles(longest),
        cumulative_layout_shift=_percentiles(shift),
    )
    exceeded = []
    if summary.script_transfer_bytes.p75 > budget.max_script_transfer_bytes:
        exceeded.append("max_script_transfer_bytes")
    if summary.time_to_first_notification_ms.p75 > budget.max_time_to_first_notification.ToMilliseconds():
        exceeded.append("max_time_to_first_notification")
    if summary.long_task_rate > budget.max_long_task_rate:
        exceeded.append("max_long_task_rate")
    if summary.cumulative_layout_shift.p75 > budget.max_cumulative_layout_shift:
        exceeded.append("max_cumulative_layout_shift")
    summary.exceeded_budget_fields.extend(exceeded)
    summary.within_budget = not exceeded
    return summary


def _interval(value: Interval) -> experiments_pb2.ConfidenceInterval:
    return experiments_pb2.ConfidenceInterval(lower=value.lower, upper=value.upper, level=value.level)


class ExperimentServicer(experiments_pb2_grpc.ExperimentServiceServicer):
    def __init__(self, experiments: Experiments) -> None:
        self.experiments = experiments

    async def GetExperimentResults(
        self, request: experiments_pb2.GetExperimentResultsRequest, context: grpc.aio.ServicerContext
    ) -> experiments_pb2.GetExperimentResultsResponse:
        scope = parse_scope(request.campaign, "campaign")
        with validate("Invalid experiment request") as v:
            v.check(
                bool(scope.campaign_id),
                "campaign",
                "must be organizations/{org}/sites/{site}/campaigns/{campaign}",
            )
            v.check(
                request.confidence_level == 0 or 0.5 <= request.confidence_level < 1,
                "confidence_level",
                "must be in [0.5, 1)",
            )
            window = _duration(
                v, request.attribution_window, "attribution_window", DEFAULT_WINDOW, MAX_WINDOW
            )
        start = end = None
        if request.HasField("time_range"):
            start, end = time_range(request.time_range)
        level = request.confidence_level or 0.95
        report = await self.experiments.results(
            ExperimentQuery(
                scope, request.experiment_id, start, end, tuple(request.goal_names), level, window,
                request.currency_code.upper(), event_filter(request.filter),
            )
        )  # fmt: skip
        stats = report.stats
        response = experiments_pb2.GetExperimentResultsResponse(
            experiment_id=report.experiment_id,
            confidence_level=level,
            sufficient_sample=stats.sufficient_sample,
            sample_ratio_p_value=stats.sample_ratio_p_value,
            test=experiments_pb2.STATISTICAL_TEST_TWO_PROPORTION_Z if stats.tested else 0,  # type: ignore[arg-type]
        )
        money = lambda amount: Money(amount_minor=round(amount), currency_code=report.currency)  # noqa: E731
        for variant in stats.variants:
            o = variant.outcome
            response.variants.add(
                variant_id=variant.variant_id,
                label=variant.label,
                control=variant.control,
                visitors=o.visitors,
                impressions=o.impressions,
                clicks=o.clicks,
                click_through_rate=o.clicks / o.impressions if o.impressions else 0.0,
                converted_visitors=o.converted,
                conversion_rate=o.rate,
                conversion_rate_interval=_interval(variant.rate_interval),
                difference=variant.difference,
                difference_interval=_interval(variant.difference_interval),
                relative_lift=variant.relative_lift,
                p_value=variant.p_value,
                significant=variant.significant,
                revenue_per_visitor=money(variant.revenue_per_visitor),
            )
        if stats.holdout is not None:
            h = stats.holdout
            response.holdout.CopyFrom(
                experiments_pb2.HoldoutResult(
                    holdout_share=h.holdout_share,
                    treated_visitors=h.treated.visitors,
                    treated_converted_visitors=h.treated.converted,
                    treated_conversion_rate=h.treated.rate,
                    holdout_visitors=h.holdout.visitors,
                    holdout_converted_visitors=h.holdout.converted,
                    holdout_conversion_rate=h.holdout.rate,
                    absolute_lift=h.absolute_lift,
                    absolute_lift_interval=_interval(h.lift_interval),
                    relative_lift=h.relative_lift,
                    p_value=h.p_value,
                    significant=h.significant,
                    treated_revenue_per_visitor=money(h.treated.revenue.mean),
                    holdout_revenue_per_visitor=money(h.holdout.revenue.mean),
                    revenue_lift_per_visitor=money(h.revenue_lift_per_visitor),
                    revenue_lift_interval=_interval(h.revenue_lift_interval),
                    incremental_revenue=money(h.revenue_lift_per_visitor * h.treated.visitors),
                )
            )
        response.fresh_until.FromDatetime(datetime.now(UTC) - timedelta(seconds=2))
        return response


_MODELS = {0: Model.LAST_TOUCH, 1: Model.LAST_TOUCH, 2: Model.FIRST_TOUCH}


class AttributionServicer(attribution_pb2_grpc.AttributionServiceServicer):
    def __init__(self, attribution: Attribution) -> None:
        self.attribution = attribution

    async def QueryAttribution(
        self, request: attribution_pb2.QueryAttributionRequest, context: grpc.aio.ServicerContext
    ) -> attribution_pb2.QueryAttributionResponse:
        scope = parse_scope(request.parent, need_site=True, allow_campaign=False)
        start, end = time_range(request.time_range)
        with validate("Invalid attribution request") as v:
            window = _duration(v, request.window, "window", ATTRIBUTION_WINDOW, MAX_WINDOW)
            v.check(int(request.model) in _MODELS, "model", "is not a known model")
            v.check(int(request.touch_type) in (0, 1, 2), "touch_type", "is not a known touch type")
        model = _MODELS.get(int(request.model), Model.LAST_TOUCH)
        result = await self.attribution.query(
            AttributionQuery(
                scope, start, end, window, model, request.touch_type == attribution_pb2.TOUCH_TYPE_CLICK_ONLY,
                request.by_variant, event_filter(request.filter),
            )
        )  # fmt: skip
        response = attribution_pb2.QueryAttributionResponse(
            total_conversions=result.total_conversions,
            converting_visitors=result.converting_visitors,
            attributed_visitors=result.attributed_visitors,
            attributed_conversions=result.attributed_conversions,
            attributed_revenues=_revenues(result.revenues),
            model=int(model),  # type: ignore[arg-type]
        )
        response.window.FromTimedelta(window)
        for credit in result.credits:
            row = response.rows.add(
                campaign_id=credit.campaign_id,
                variant_id=credit.variant_id,
                attributed_visitors=len(credit.visitors),
                attributed_conversions=credit.conversions,
                attributed_revenues=_revenues(credit.revenues),
                share_of_conversions=credit.conversions / result.total_conversions
                if result.total_conversions
                else 0.0,
            )
            row.median_time_to_conversion.FromTimedelta(timedelta(seconds=credit.median_delay_seconds))
        return response


def _revenues(amounts: dict[str, int]) -> list[Money]:
    return [Money(amount_minor=amounts[c], currency_code=c) for c in sorted(amounts)]


_EXPORT_NAMES = {1: "events", 2: "campaign-metrics", 3: "conversions", 4: "pages"}


class ExportServicer(exports_pb2_grpc.ExportServiceServicer):
    def __init__(self, exports: Exports) -> None:
        self.exports = exports

    async def ExportCsv(  # type: ignore[override]
        self, request: exports_pb2.ExportCsvRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[exports_pb2.ExportCsvResponse]:
        scope = parse_scope(request.parent)
        with validate("Invalid export request") as v:
            v.check(
                int(request.kind) in _EXPORT_NAMES,
                "kind",
                "must be EVENTS, CAMPAIGN_METRICS, CONVERSIONS or PAGES",
            )
        start, end = time_range(request.time_range)
        bucketing = Bucketing(
            resolve_granularity(int(request.granularity), start, end), zone(request.time_zone)
        )
        name = f"socialproof-{_EXPORT_NAMES[int(request.kind)]}-{start.date().isoformat()}.csv"
        first = True
        async for chunk, rows in self.exports.csv(
            int(request.kind), scope, start, end, event_filter(request.filter), bucketing
        ):
            response = exports_pb2.ExportCsvResponse(row_count=rows)
            response.chunk.content_type = "text/csv; charset=utf-8"
            response.chunk.data = chunk
            if first:
                response.file_name, first = name, False
            yield response


_REPORT_NAME = re.compile(r"^organizations/(?P<org>[^/]+)/scheduledReports/(?P<id>[0-9a-fA-F-]{36})$")


def _report_name(name: str, field_name: str = "name") -> tuple[str, str]:
    match = _REPORT_NAME.match(name or "")
    if match is None:
        raise InvalidArgument(
            "Invalid scheduled report name",
            violations=[FieldViolation(field_name, "must be organizations/{org}/scheduledReports/{report}")],
        )
    return match["org"], match["id"]


def _report_values(report: reports_pb2.ScheduledReport, fields: set[str], org_id: str) -> dict[str, Any]:
    """Checked column values of the given proto fields (the create call passes all of them)."""
    p = "scheduled_report."
    values: dict[str, Any] = {}
    with validate("Invalid scheduled report") as v:
        if "display_name" in fields and v.require(report.display_name, p + "display_name"):
            v.check(len(report.display_name) <= 200, p + "display_name", "must be at most 200 characters")
            values["display_name"] = report.display_name
        if "sites" in fields:
            for i, site in enumerate(report.sites):
                ok = re.fullmatch(rf"organizations/{re.escape(org_id)}/sites/[^/]+", site) is not None
                v.check(ok, f"{p}sites[{i}]", "must be a site of this organization")
            values["sites"] = list(report.sites)
        if "frequency" in fields:
            v.check(report.frequency in (1, 2), p + "frequency", "must be DAILY or WEEKLY")
            values["frequency"] = int(report.frequency)
        if "day_of_week" in fields:
            values["day_of_week"] = int(report.day_of_week) or 1
        if "send_hour" in fields:
            v.check(0 <= report.send_hour <= 23, p + "send_hour", "must be 0..23")
            values["send_hour"] = report.send_hour
        if "time_zone" in fields and v.require(report.time_zone, p + "time_zone"):
            try:
                zone(report.time_zone)
                values["time_zone"] = report.time_zone
            except InvalidArgument:
                v.check(False, p + "time_zone", "must be an IANA time zone, e.g. Europe/Prague")
        if "recipients" in fields:
            if v.check(1 <= len(report.recipients) <= 20, p + "recipients", "must list 1 to 20 addresses"):
                for i, address in enumerate(report.recipients):
                    v.check(
                        _EMAIL.fullmatch(address) is not None,
                        f"{p}recipients[{i}]",
                        "is not an e-mail address",
                    )
            values["recipients"] = list(report.recipients)
        if "format" in fields:
            values["format"] = int(report.format) or 1
        if "sections" in fields:
            v.check(all(s != 0 for s in report.sections), p + "sections", "must not contain UNSPECIFIED")
            values["sections"] = [int(s) for s in report.sections]
        if "enabled" in fields:
            values["enabled"] = report.enabled
    return values


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_REPORT_FIELDS = {"display_name", "sites", "frequency", "day_of_week", "send_hour", "time_zone", "recipients",
                  "format", "sections", "enabled"}  # fmt: skip


def _report_proto(row: ReportRow) -> reports_pb2.ScheduledReport:
    report = reports_pb2.ScheduledReport(
        name=f"organizations/{row.org_id}/scheduledReports/{row.report_id}",
        display_name=row.display_name,
        sites=row.sites,
        frequency=row.frequency,  # type: ignore[arg-type]
        day_of_week=row.day_of_week,  # type: ignore[arg-type]
        send_hour=row.send_hour,
        time_zone=row.time_zone,
        recipients=row.recipients,
        format=row.format,  # type: ignore[arg-type]
        sections=row.sections,  # type: ignore[arg-type]
        enabled=row.enabled,
        last_send_status=row.last_send_status,  # type: ignore[arg-type]
        last_send_error=row.last_send_error,
    )
    report.next_send_time.FromDatetime(row.next_send_time)
    if row.last_send_time is not None:
        report.last_send_time.FromDatetime(row.last_send_time)
    report.create_time.FromDatetime(row.create_time)
    report.update_time.FromDatetime(row.update_time)
    return report


class ReportServicer(reports_pb2_grpc.ReportServiceServicer):
    def __init__(self, reports: Reports) -> None:
        self.reports = reports

    async def GetScheduledReport(
        self, request: reports_pb2.GetScheduledReportRequest, context: grpc.aio.ServicerContext
    ) -> reports_pb2.GetScheduledReportResponse:
        row = await self.reports.get(*_report_name(request.name))
        return reports_pb2.GetScheduledReportResponse(scheduled_report=_report_proto(row))

    async def ListScheduledReports(
        self, request: reports_pb2.ListScheduledReportsRequest, context: grpc.aio.ServicerContext
    ) -> reports_pb2.ListScheduledReportsResponse:
        scope = parse_scope(request.parent)
        with validate("Invalid list request") as v:
            v.check(0 <= request.page_size <= 200, "page_size", "must be between 0 and 200")
            after = None
            if request.page_token:
                try:
                    name, _, report_id = (
                        base64.urlsafe_b64decode(request.page_token).decode().rpartition("\n")
                    )
                    after = (name, report_id)
                except ValueError:
                    v.check(False, "page_token", "is not a token of this list")
        require_org_access(scope.org_id)
        size = request.page_size or 50
        rows = await self.reports.repository.page(scope.org_id, after, size + 1)
        response = reports_pb2.ListScheduledReportsResponse(
            scheduled_reports=[_report_proto(r) for r in rows[:size]]
        )
        if len(rows) > size:
            last = rows[size - 1]
            response.next_page_token = base64.urlsafe_b64encode(
                f"{last.display_name}\n{last.report_id}".encode()
            ).decode()
        return response

    async def CreateScheduledReport(
        self, request: reports_pb2.CreateScheduledReportRequest, context: grpc.aio.ServicerContext
    ) -> reports_pb2.CreateScheduledReportResponse:
        scope = parse_scope(request.parent)
        values = _report_values(request.scheduled_report, _REPORT_FIELDS, scope.org_id)
        if not request.scheduled_report.send_hour:
            values["send_hour"] = 8
        row = await self.reports.create(scope.org_id, values, request.request_id or None)
        return reports_pb2.CreateScheduledReportResponse(scheduled_report=_report_proto(row))

    async def UpdateScheduledReport(
        self, request: reports_pb2.UpdateScheduledReportRequest, context: grpc.aio.ServicerContext
    ) -> reports_pb2.UpdateScheduledReportResponse:
        org_id, report_id = _report_name(request.scheduled_report.name, "scheduled_report.name")
        paths = set(request.update_mask.paths)
        with validate("Invalid update mask") as v:
            if v.check(bool(paths), "update_mask", "is required"):
                unknown = sorted(paths - _REPORT_FIELDS)
                v.check(not unknown, "update_mask", f"unknown or read-only fields: {', '.join(unknown)}")
        row = await self.reports.update(
            org_id, report_id, _report_values(request.scheduled_report, paths, org_id)
        )
        return reports_pb2.UpdateScheduledReportResponse(scheduled_report=_report_proto(row))

    async def DeleteScheduledReport(
        self, request: reports_pb2.DeleteScheduledReportRequest, context: grpc.aio.ServicerContext
    ) -> reports_pb2.DeleteScheduledReportResponse:
        await self.reports.delete(*_report_name(request.name))
        return reports_pb2.DeleteScheduledReportResponse()

    async def SendScheduledReportNow(
        self, request: reports_pb2.SendScheduledReportNowRequest, context: grpc.aio.ServicerContext
    ) -> reports_pb2.SendScheduledReportNowResponse:
        row = await self.reports.get(*_report_name(request.name))
        with validate("Invalid recipients") as v:
            for i, address in enumerate(request.recipients_override):
                v.check(
                    _EMAIL.fullmatch(address) is not None,
                    f"recipients_override[{i}]",
                    "is not an e-mail address",
                )
        outcome = await self.reports.send(row, list(request.recipients_override) or None)
        return reports_pb2.SendScheduledReportNowResponse(
            scheduled_report=_report_proto(outcome.report), accepted_recipients=outcome.accepted
        )

    async def RenderScheduledReport(
        self, request: reports_pb2.RenderScheduledReportRequest, context: grpc.aio.ServicerContext
    ) -> reports_pb2.RenderScheduledReportResponse:
        row = await self.reports.get(*_report_name(request.name))
        body, content_type, file_name = await self.reports.render(row, int(request.format))
        response = reports_pb2.RenderScheduledReportResponse(file_name=file_name)
        response.document.content_type = content_type
        response.document.data = body
        return response


_RETENTION_NAME = re.compile(r"^organizations/(?P<org>[^/]+)/sites/(?P<site>[^/]+)/retentionSettings$")
_RETENTION_FIELDS = {"raw_event_retention_days", "rollup_retention_days"}


def _retention_name(name: str, field_name: str = "name") -> tuple[str, str]:
    match = _RETENTION_NAME.match(name or "")
    if match is None:
        raise InvalidArgument(
            "Invalid retention settings name",
            violations=[
                FieldViolation(field_name, "must be organizations/{org}/sites/{site}/retentionSettings")
            ],
        )
    return match["org"], match["site"]


def _stamp(ts: Any, when: datetime | None) -> None:
    if when is not None:
        ts.FromDatetime(when.astimezone(UTC).replace(tzinfo=None))


def _retention_proto(r: SiteRetention) -> retention_pb2.RetentionSettings:
    p = r.policy
    out = retention_pb2.RetentionSettings(
        name=f"organizations/{r.org_id}/sites/{r.site_id}/retentionSettings",
        raw_event_retention_days=p.raw_event_days,
        rollup_retention_days=p.rollup_days,
        plan_max_raw_event_retention_days=p.plan_max_raw_event_days,
        plan_max_rollup_retention_days=p.plan_max_rollup_days,
        effective_raw_event_retention_days=p.effective_raw_event_days,
        effective_rollup_retention_days=p.effective_rollup_days,
    )
    _stamp(out.oldest_raw_event_time, r.oldest_raw_event)
    _stamp(out.last_apply_time, r.last_apply_time)
    _stamp(out.update_time, r.update_time)
    return out


def _application_proto(o: RetentionOutcome) -> retention_pb2.RetentionApplication:
    out = retention_pb2.RetentionApplication(
        site=f"organizations/{o.org_id}/sites/{o.site_id}",
        dropped_partitions=o.dropped_partitions,
        deleted_row_count=o.deleted_rows,
    )
    _stamp(out.raw_event_cutoff_time, o.raw_event_cutoff)
    _stamp(out.rollup_cutoff_time, o.rollup_cutoff)
    return out


class RetentionServicer(retention_pb2_grpc.RetentionServiceServicer):
    def __init__(self, retention: Retention) -> None:
        self.retention = retention

    async def GetRetentionSettings(
        self, request: retention_pb2.GetRetentionSettingsRequest, context: grpc.aio.ServicerContext
    ) -> retention_pb2.GetRetentionSettingsResponse:
        settings = await self.retention.get(*_retention_name(request.name))
        return retention_pb2.GetRetentionSettingsResponse(retention_settings=_retention_proto(settings))

    async def UpdateRetentionSettings(
        self, request: retention_pb2.UpdateRetentionSettingsRequest, context: grpc.aio.ServicerContext
    ) -> retention_pb2.UpdateRetentionSettingsResponse:
        org_id, site_id = _retention_name(request.retention_settings.name, "retention_settings.name")
        paths = set(request.update_mask.paths)
        with validate("Invalid update mask") as v:
            if v.check(bool(paths), "update_mask", "is required"):
                unknown = sorted(paths - _RETENTION_FIELDS)
                v.check(not unknown, "update_mask", f"unknown or read-only fields: {', '.join(unknown)}")
        values = {name: int(getattr(request.retention_settings, name)) for name in sorted(paths)}
        settings = await self.retention.update(org_id, site_id, values)
        return retention_pb2.UpdateRetentionSettingsResponse(retention_settings=_retention_proto(settings))

    async def ApplyRetention(
        self, request: retention_pb2.ApplyRetentionRequest, context: grpc.aio.ServicerContext
    ) -> retention_pb2.ApplyRetentionResponse:
        if request.parent == "organizations/-":
            org_id, site_id = None, None
        else:
            scope = parse_scope(request.parent, allow_campaign=False)
            org_id, site_id = scope.org_id, scope.site_id or None
        outcomes = await self.retention.apply(org_id, site_id, validate_only=request.validate_only)
        return retention_pb2.ApplyRetentionResponse(applications=[_application_proto(o) for o in outcomes])
