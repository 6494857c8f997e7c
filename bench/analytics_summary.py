"""Analytics benchmark: the dashboard's 30-day site summary over 10 million events (chdb), rollups vs raw."""

# ruff: noqa: S608 - benchmark SQL built from this module's constants only

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import grpc

from bench.harness import write_result
from services.analytics.adapters.clickhouse import ChdbClickHouse
from services.analytics.adapters.store import AnalyticsStore
from services.analytics.domain.queries import Bucketing, EventFilter, Granularity, Scope
from services.analytics.service import Metrics
from services.analytics.servicer import MetricsServicer
from shared.principal import Principal, PrincipalKind
from shared.rpc.domain import domain_registrations
from shared.rpc.server import RpcServer
from shared.settings import ServiceSettings
from socialproof.analytics.v1 import metrics_pb2, metrics_pb2_grpc

NAME = "analytics_summary"
EVENTS = 10_000_000
DAYS = 30
RUNS = 50
RAW_RUNS = 5
ORG, SITE = "bench-org", "bench-site"
MESH_TOKEN = "bench-analytics-summary"  # noqa: S105 - a loopback test token
GOAL_MS = 150.0


def _generate(db: str, end: int) -> str:
    """10 M events of one site over the 30 days before `end`: 1.25 M sessions of 8 events five
    minutes apart, 400 k returning visitors, 6 campaigns x 2 variants (10 % holdout), 3 devices,
    10 countries, 1 in 40 events a conversion (EUR or USD), 2 % bots. Generated inside ClickHouse."""
    span = DAYS * 86400
    h = "cityHash64(intDiv(number, 8))"
    kind = "if(number % 40 = 39, 5, [6, 1, 2, 1, 3, 6, 4, 1][number % 8 + 1])"
    return (
        f"INSERT INTO {db}.widget_events (org_id, site_id, event_id, batch_id, event_type, occurred_at, "
        "received_at, visitor_id, session_id, campaign_id, variant_id, holdout, device_type, country_code, "
        "bot, goal_name, value_minor, currency) "
        f"SELECT '{ORG}', '{SITE}', concat('e', toString(number)), 'b', toUInt8({kind}) AS kind, "
        f"toDateTime({end - span} + {h} % {span - 3600} + (number % 8) * 300) AS t, t, "
        f"concat('v', toString({h} % 400000)), concat('s', toString(intDiv(number, 8))), "
        f"concat('c', toString({h} % 6)), ['a', 'b'][{h} % 2 + 1], toUInt8(intDiv({h}, 3) % 10 = 0), "
        f"toUInt8(1 + intDiv({h}, 7) % 3), "
        f"['US', 'DE', 'GB', 'FR', 'CZ', 'NL', 'ES', 'IT', 'PL', 'SE'][intDiv({h}, 11) % 10 + 1], "
        "toUInt8(number % 50 = 0), if(kind = 5, 'purchase', ''), "
        "if(kind = 5, toInt64(1000 + number % 9000), toInt64(0)), "
        f"if(kind = 5, ['EUR', 'USD'][intDiv({h}, 13) % 2 + 1], '') FROM numbers({EVENTS})"
    )


async def _timed(runs: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def _summary_of(name: str, values: list[float]) -> dict[str, float]:
    return {f"{name}_p50_ms": round(statistics.median(values), 1), f"{name}_p99_ms": round(_p99(values), 1)}


async def _bench(root: Path, progress: Callable[[str], None]) -> tuple[dict[str, Any], dict[str, Any]]:
    store = AnalyticsStore(ChdbClickHouse(root / "chdb"))
    await store.ensure_schema()
    try:
        # A dashboard's "last 30 days": ends now (not on an hour), so the range has ragged edges.
        end = datetime.now(UTC).replace(microsecond=0)
        start = end - timedelta(days=DAYS)
        progress(f"  generating {EVENTS} events in ClickHouse")
        t0 = time.perf_counter()
        await store.ch.execute(_generate(store.db, int(end.timestamp())))
        load_s = time.perf_counter() - t0
        rows = {
            t: int((await store.ch.query(f"SELECT count() FROM {store.db}.{t}"))[0][0])
            for t in (
                "widget_events",
                "widget_hourly",
                "widget_daily",
                "widget_site_hourly",
                "widget_site_daily",
                "widget_counted_events",
            )
        }
        progress(f"  loaded in {load_s:.1f} s: {rows}")
        scope, f = Scope(ORG, SITE), EventFilter()
        utc, prague = (
            Bucketing(Granularity.DAY, ZoneInfo("UTC")),
            Bucketing(Granularity.DAY, ZoneInfo("Europe/Prague")),
        )

        def summary(bucketing: Bucketing, rollups: bool = True) -> Callable[[], Awaitable[Any]]:
            """What QueryMetrics runs for an ungrouped request: totals and one series together."""

            async def call() -> Any:
                return await store.metric_totals_and_series(scope, start, end, f, bucketing, rollups=rollups)

            return call

        async def raw_reference() -> Any:
            totals = await store.metric_rows(
                scope, start, end, f, group_expr=None, bucketing=None, rollups=False
            )
            series = await store.metric_rows(
                scope, start, end, f, group_expr=None, bucketing=utc, rollups=False
            )
            return totals[0], series

        fast = await summary(utc)()
        raw = await raw_reference()
        exact = fast == raw
        progress(f"  rollup answer equals raw answer: {exact}")
        await _timed(3, summary(utc))  # warm-up
        timings = {"summary": await _timed(RUNS, summary(utc))}
        timings["summary_prague"] = await _timed(RUNS // 5, summary(prague))
        timings["summary_raw"] = await _timed(RAW_RUNS, summary(utc, rollups=False))
        timings["grpc_summary"] = await _grpc_timings(store, start, end)
        totals = fast[0]
        # The sketch's error on this data: uniqExact over the same counted events of the range.
        exact_visitors = int(
            (
                await store.ch.query(
                    f"SELECT uniqExact(visitor_id) FROM {store.db}.widget_events WHERE site_id = '{SITE}' "
                    f"AND bot = 0 AND test = 0 AND occurred_at >= {int(start.timestamp())} "
                    f"AND occurred_at < {int(end.timestamp())}"
                )
            )[0][0]
        )
    finally:
        await store.close()
    metrics: dict[str, Any] = {
        "events": rows["widget_events"],
        "hourly_rollup_rows": rows["widget_hourly"],
        "daily_rollup_rows": rows["widget_daily"],
        "site_hourly_rollup_rows": rows["widget_site_hourly"],
        "site_daily_rollup_rows": rows["widget_site_daily"],
        "counted_event_rows": rows["widget_counted_events"],
        "load_seconds": round(load_s, 1),
        **_summary_of("summary", timings["summary"]),
        **_summary_of("grpc_summary", timings["grpc_summary"]),
        **_summary_of("summary_prague_day_series", timings["summary_prague"]),
        "same_answer_as_raw": exact,
        "impressions": totals.impressions,
        "unique_visitors": totals.unique_visitors,
        "unique_visitors_exact": exact_visitors,
        "unique_visitors_error_pct": round(
            (totals.unique_visitors - exact_visitors) / exact_visitors * 100, 3
        ),
    }
    baseline = _summary_of("summary", timings["summary_raw"])
    return metrics, baseline


async def _grpc_timings(store: AnalyticsStore, start: datetime, end: datetime) -> list[float]:
    """QueryMetrics through a real grpc.aio server hosting MetricsService on the same store."""
    settings = ServiceSettings(service_name="analytics-bench", grpc_port=0, mesh_token=MESH_TOKEN)  # type: ignore[arg-type]
    server = RpcServer(
        settings, domain_registrations("analytics", {"MetricsService": MetricsServicer(Metrics(store))})
    )
    await server.start()
    principal = Principal(kind=PrincipalKind.USER, subject="bench", org_id=ORG, role="owner")
    metadata = (("x-sp-mesh-token", MESH_TOKEN), ("x-sp-principal", principal.to_header()))
    request = metrics_pb2.QueryMetricsRequest(
        parent=f"organizations/{ORG}/sites/{SITE}", granularity=metrics_pb2.GRANULARITY_DAY, time_zone="UTC"
    )
    request.time_range.start_time.FromDatetime(start)
    request.time_range.end_time.FromDatetime(end)
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            stub = metrics_pb2_grpc.MetricsServiceStub(channel)
            response = await stub.QueryMetrics(request, metadata=metadata)
            assert len(response.series[0].points) == DAYS + 1, "a 30-day daily series (31 calendar days)"
            return await _timed(RUNS, lambda: stub.QueryMetrics(request, metadata=metadata))
    finally:
        await server.stop(0)


def run(progress: Callable[[str], None] = print) -> Path:
    root = Path(tempfile.mkdtemp(prefix="sp-bench-analytics-summary-"))
    try:
        metrics, baseline = asyncio.run(_bench(root, progress))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    config = {
        "events": EVENTS,
        "days": DAYS,
        "runs": RUNS,
        "raw_runs": RAW_RUNS,
        "clickhouse": "chdb (in-process)",
        "range": "now - 30 days .. now (ragged edges)",
        "goal_p99_ms": GOAL_MS,
    }
    notes = (
        "Measured: the dashboard's site summary — QueryMetrics' totals plus a daily (UTC) series of one "
        "site over the last 30 days — through AnalyticsStore.metric_totals_and_series (summary_*; one "
        "statement, what QueryMetrics runs without group_by or filter) and through a real "
        "grpc.aio MetricsService on loopback (grpc_summary_*), over 10 M generated events (1.25 M "
        "sessions, 400 k visitors, 6 campaigns x 2 variants, 3 devices, 10 countries). The store "
        "reads whole UTC days from widget_site_daily, the partial edge days from widget_site_hourly "
        "(per-site rollups without dimensions) and the partial edge hours from widget_counted_events "
        "(counted events ordered by hour), merging aggregate states in one statement (same answer "
        "as raw: same_answer_as_raw). Unique visitors there are uniqCombined(14) sketches (standard error "
        "0.81 %; raw events compute the same sketch); unique_visitors_exact is uniqExact over the same "
        "events, unique_visitors_error_pct the sketch's error. summary_prague_day_series: the same with "
        "local (Europe/Prague) days, which the daily rollup cannot serve (hourly site rollup). Baseline: "
        "the raw table (the same totals and series, two statements each). One 2-core box shared with "
        "other work."
    )
    ratio = metrics["summary_p50_ms"] / baseline["summary_p50_ms"]
    path = write_result(NAME, config, metrics, baseline, ratio, notes)
    progress(f"  {NAME}: {json.dumps(metrics)} vs raw {json.dumps(baseline)}")
    return path


if __name__ == "__main__":
    run()
