"""Experiments, attribution, top pages, funnels, cohorts and widget performance over gRPC (both backends)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from services.analytics.bootstrap import AnalyticsApp
from services.analytics.service import stored_event
from services.analytics.tests.conftest import (
    PeerSites,
    Tenant,
    dashboard_metadata,
    new_tenant,
    seeded_visitors,
)
from services.analytics.tests.test_analytics_service_ingest import details
from socialproof.analytics.v1 import (
    attribution_pb2,
    attribution_pb2_grpc,
    experiments_pb2,
    experiments_pb2_grpc,
    metrics_pb2,
    metrics_pb2_grpc,
)
from socialproof.events.v1 import analytics_events_pb2 as ev

DAY = timedelta(days=1)


def widget_event(kind: int, visitor: str, when: datetime, **fields: object) -> ev.WidgetEvent:
    e = ev.WidgetEvent(event_id=uuid.uuid4().hex, type=kind, visitor_id=visitor, session_id="s", **fields)  # type: ignore[arg-type]
    e.occurred_at.FromDatetime(when)
    e.received_at.FromDatetime(when)
    return e


def goal(visitor: str, when: datetime, value: int, name: str = "purchase") -> ev.WidgetEvent:
    e = widget_event(5, visitor, when)
    e.conversion.goal_name = name
    e.conversion.order_ref = uuid.uuid4().hex
    e.conversion.value.amount_minor = value
    e.conversion.value.currency_code = "EUR"
    return e


async def store_events(app: AnalyticsApp, tenant: Tenant, events: list[ev.WidgetEvent]) -> None:
    """Straight into the store as the consumer would write them (the Kafka path is tested elsewhere)."""
    batch = ev.WidgetEventsRecorded(org_id=tenant.org_id, site_id=tenant.site_id, batch_id=uuid.uuid4().hex)
    batch.received_at.GetCurrentTime()
    await app.store.write_batch(tenant.org_id, tenant.site_id, [stored_event(batch, e) for e in events])


async def seed_experiment(
    app: AnalyticsApp, tenant: Tenant, rates: tuple[float, float, float], start: datetime
) -> None:
    a, b = tenant.variants
    visitors = seeded_visitors(
        11, [(a, False, 1000, rates[0]), (b, False, 1000, rates[1]), ("", True, 250, rates[2])]
    )
    c = {"campaign_id": tenant.campaign_id, "experiment_id": tenant.experiment_id}
    events = []
    for i, v in enumerate(visitors):
        seen = start + timedelta(seconds=i)
        events.append(widget_event(6, v.visitor_id, seen, variant_id=v.variant_id, holdout=v.holdout, **c))  # type: ignore[arg-type]
        if not v.holdout:
            events.append(widget_event(1, v.visitor_id, seen, variant_id=v.variant_id, **c))  # type: ignore[arg-type]
        if v.converts:
            events.append(goal(v.visitor_id, seen + timedelta(hours=2), v.value_minor))
    await store_events(app, tenant, events)


def experiment_request(tenant: Tenant) -> experiments_pb2.GetExperimentResultsRequest:
    return experiments_pb2.GetExperimentResultsRequest(
        campaign=f"{tenant.site}/campaigns/{tenant.campaign_id}"
    )


async def test_experiment_with_an_effect_is_significant_and_without_is_not(
    analytics: AnalyticsApp, notifications_peer: tuple[str, PeerSites]
) -> None:
    peer = notifications_peer[1]
    effect, null = new_tenant(peer), new_tenant(peer)
    start = datetime.now(UTC).replace(microsecond=0) - 10 * DAY
    await seed_experiment(analytics, effect, (0.05, 0.11, 0.03), start)
    await seed_experiment(analytics, null, (0.07, 0.07, 0.07), start)
    async with grpc.aio.insecure_channel(analytics.server.address) as channel:
        stub = experiments_pb2_grpc.ExperimentServiceStub(channel)
        result = await stub.GetExperimentResults(
            experiment_request(effect), metadata=dashboard_metadata(effect.org_id)
        )
        control, treatment = result.variants
        assert (control.variant_id, control.control, treatment.variant_id) == (
            effect.variants[0],
            True,
            effect.variants[1],
        )
        assert (control.visitors, treatment.visitors, control.impressions) == (1000, 1000, 1000)
        assert treatment.significant and treatment.p_value < 0.001 and result.sufficient_sample
        assert treatment.difference == pytest.approx(treatment.conversion_rate - control.conversion_rate)
        assert treatment.difference_interval.lower > 0 and treatment.difference_interval.level == 0.95
        assert (
            control.conversion_rate_interval.lower
            < control.conversion_rate
            < control.conversion_rate_interval.upper
        )
        assert result.test == experiments_pb2.STATISTICAL_TEST_TWO_PROPORTION_Z
        assert result.sample_ratio_p_value > 0.001 and result.experiment_id == effect.experiment_id
        holdout = result.holdout
        assert (holdout.treated_visitors, holdout.holdout_visitors) == (2000, 250)
        assert holdout.holdout_share == pytest.approx(0.1)
        assert holdout.absolute_lift == pytest.approx(
            holdout.treated_conversion_rate - holdout.holdout_conversion_rate
        )
        assert (
            holdout.absolute_lift_interval.lower
            < holdout.absolute_lift
            < holdout.absolute_lift_interval.upper
        )
        assert holdout.treated_revenue_per_visitor.currency_code == "EUR"
        assert (
            holdout.treated_revenue_per_visitor.amount_minor
            > holdout.holdout_revenue_per_visitor.amount_minor
        )

        none = await stub.GetExperimentResults(
            experiment_request(null), metadata=dashboard_metadata(null.org_id)
        )
        assert not none.variants[1].significant and none.variants[1].p_value > 0.05
        assert none.variants[1].difference_interval.lower < 0 < none.variants[1].difference_interval.upper

        bad = experiment_request(effect)
        bad.confidence_level = 1.5
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.GetExperimentResults(bad, metadata=dashboard_metadata(effect.org_id))
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error.value)[1] == [("confidence_level", "must be in [0.5, 1)")]
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.GetExperimentResults(
                experiment_request(effect), metadata=dashboard_metadata(null.org_id)
            )
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.fixture
def now() -> datetime:
    # Yesterday at noon: the events placed a few hours around it stay within one calendar day, so
    # day-bucketed answers (cohorts) do not depend on the hour the suite runs.
    return datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - DAY


async def test_attribution_pages_funnel_cohorts_and_performance(
    analytics: AnalyticsApp, notifications_peer: tuple[str, PeerSites], now: datetime
) -> None:
    t = new_tenant(notifications_peer[1])
    c, (va, vb) = t.campaign_id, t.variants
    other_campaign = str(uuid.uuid4())
    h = timedelta(hours=1)
    shop, checkout = "https://shop.example/p/1", "https://shop.example/checkout"
    events = [
        # alice: saw c (variant a) 5 days ago, clicked the other campaign yesterday, bought twice today.
        widget_event(6, "alice", now - 5 * DAY, page_url=shop),
        widget_event(1, "alice", now - 5 * DAY, campaign_id=c, variant_id=va, page_url=shop),
        widget_event(3, "alice", now - DAY, campaign_id=other_campaign, page_url=shop),
        goal("alice", now, 1000),
        goal("alice", now + h, 500),
        # bob: saw c (variant b) 10 days ago only: outside the default window.
        widget_event(1, "bob", now - 10 * DAY, campaign_id=c, variant_id=vb, page_url=shop),
        goal("bob", now, 2000),
        # carol: impression, click, checkout page, conversion: the whole funnel.
        widget_event(1, "carol", now - 2 * h, campaign_id=c, variant_id=va, page_url=shop),
        widget_event(3, "carol", now - h, campaign_id=c, variant_id=va, page_url=shop),
        widget_event(6, "carol", now - h, page_url=checkout),
        goal("carol", now, 700),
    ]
    for i, (load, first, tasks, size) in enumerate(
        [(120.0, 3200.0, 0, 6000), (80.0, 3100.0, 1, 0), (100.0, 0.0, 0, 7000)]
    ):
        perf = widget_event(8, f"perf{i}", now)
        perf.performance.script_transfer_bytes = size
        perf.performance.script_load_duration.FromMilliseconds(int(load))
        perf.performance.time_to_first_notification.FromMilliseconds(int(first))
        perf.performance.long_task_count = tasks
        perf.performance.widget_version = "1.4.2"
        events.append(perf)
    await store_events(analytics, t, events)
    meta = dashboard_metadata(t.org_id)
    async with grpc.aio.insecure_channel(analytics.server.address) as channel:
        attribution = attribution_pb2_grpc.AttributionServiceStub(channel)
        request = attribution_pb2.QueryAttributionRequest(parent=t.site)
        request.time_range.start_time.FromDatetime(now - h)
        request.time_range.end_time.FromDatetime(now + 2 * h)
        last = await attribution.QueryAttribution(request, metadata=meta)
        assert (last.total_conversions, last.converting_visitors) == (4, 3)
        assert (last.attributed_conversions, last.attributed_visitors) == (3, 2)
        assert (
            last.window.ToTimedelta() == 7 * DAY
            and last.model == attribution_pb2.ATTRIBUTION_MODEL_LAST_TOUCH
        )
        assert [(r.campaign_id, r.attributed_conversions, r.attributed_visitors) for r in last.rows] == [
            (other_campaign, 2, 1),
            (c, 1, 1),
        ]
        assert [(m.amount_minor, m.currency_code) for m in last.attributed_revenues] == [(2200, "EUR")]
        assert last.rows[0].share_of_conversions == pytest.approx(0.5)
        assert last.rows[1].median_time_to_conversion.ToTimedelta() == h
        request.model = attribution_pb2.ATTRIBUTION_MODEL_FIRST_TOUCH
        request.by_variant = True
        request.window.FromTimedelta(14 * DAY)
        first = await attribution.QueryAttribution(request, metadata=meta)
        assert [(r.campaign_id, r.variant_id, r.attributed_conversions) for r in first.rows] == [
            (c, va, 3),
            (c, vb, 1),
        ]
        request.window.FromTimedelta(100 * DAY)
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await attribution.QueryAttribution(request, metadata=meta)
        assert details(error.value)[1] == [("window", "must be at most 90 days")]

        metrics = metrics_pb2_grpc.MetricsServiceStub(channel)
        pages = metrics_pb2.ListTopPagesRequest(
            parent=t.site, page_size=1, order_by=metrics_pb2.METRIC_KIND_IMPRESSIONS
        )
        pages.time_range.start_time.FromDatetime(now - 11 * DAY)
        pages.time_range.end_time.FromDatetime(now + 2 * h)
        top = await metrics.ListTopPages(pages, metadata=meta)
        assert [(p.page_url, p.values.impressions, p.values.clicks) for p in top.pages] == [(shop, 3, 2)]
        pages.page_token = top.next_page_token
        rest = await metrics.ListTopPages(pages, metadata=meta)
        assert [(p.page_url, p.values.page_views) for p in rest.pages] == [(checkout, 1)]
        assert rest.next_page_token == ""

        funnel = metrics_pb2.QueryFunnelRequest(parent=t.site, split_by_variant=True)
        funnel.time_range.CopyFrom(pages.time_range)
        funnel.steps.add(display_name="Saw", event_type=1, campaign_id=c)
        funnel.steps.add(display_name="Clicked", event_type=3, campaign_id=c)
        funnel.steps.add(
            display_name="Checkout", event_type=6, page_url_pattern="https://shop.example/checkout*"
        )
        funnel.steps.add(display_name="Bought", event_type=5, goal_name="purchase")
        result = await metrics.QueryFunnel(funnel, metadata=meta)
        everyone = result.funnels[0]
        assert [s.visitors for s in everyone.steps] == [3, 1, 1, 1]
        assert everyone.steps[1].conversion_from_previous == pytest.approx(1 / 3)
        assert everyone.steps[3].median_time_from_previous.ToTimedelta() == h
        assert {(f.variant_id, tuple(s.visitors for s in f.steps)) for f in result.funnels[1:]} == {
            (va, (2, 1, 1, 1)),
            (vb, (1, 0, 0, 0)),
        }
        funnel.ClearField("steps")
        funnel.steps.add(event_type=1)
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await metrics.QueryFunnel(funnel, metadata=meta)
        assert details(error.value)[1] == [("steps", "must have 2 to 8 steps")]

        cohorts = metrics_pb2.QueryCohortsRequest(parent=t.site, period=metrics_pb2.GRANULARITY_DAY)
        # Day-bucketed queries get whole days (midnight to midnight).
        cohorts.time_range.start_time.FromDatetime((now - 5 * DAY).replace(hour=0))
        cohorts.time_range.end_time.FromDatetime((now + DAY).replace(hour=0))
        table = await metrics.QueryCohorts(cohorts, metadata=meta)
        # bob was first seen 10 days ago: not a cohort of this range; alice returns on day 4 and 5.
        first_row = table.cohorts[0]
        cohort_day = (now - 5 * DAY).replace(hour=0)
        assert first_row.start_time.ToDatetime(UTC) == cohort_day and first_row.visitors == 1
        assert [p.active_visitors for p in first_row.periods] == [1, 0, 0, 0, 1, 1]
        assert [p.conversions for p in first_row.periods][5] == 2

        perf = metrics_pb2.GetWidgetPerformanceRequest(parent=t.site, granularity=metrics_pb2.GRANULARITY_DAY)
        perf.time_range.start_time.FromDatetime((now - DAY).replace(hour=0))
        perf.time_range.end_time.FromDatetime((now + DAY).replace(hour=0))
        widget = await metrics.GetWidgetPerformance(perf, metadata=meta)
        s = widget.summary
        assert s.sample_count == 3 and s.script_load_ms.p50 == 100.0
        assert s.script_transfer_bytes.p50 in (6000.0, 7000.0)  # the cache hit (0 bytes) is excluded
        assert s.long_task_rate == pytest.approx(1 / 3)
        assert not s.within_budget
        assert set(s.exceeded_budget_fields) == {"max_time_to_first_notification", "max_long_task_rate"}
        assert dict(widget.widget_version_samples) == {"1.4.2": 3}
        assert [p.sample_count for p in widget.series] == [0, 3]
