"""Analytics benchmark: Tansu → batching consumer → chdb events/s, and a 30-day summary over ~1M rows."""

# ruff: noqa: S608 - benchmark SQL built from this module's constants only

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.harness import write_result
from services.analytics.adapters.clickhouse import ChdbClickHouse
from services.analytics.adapters.consumer import BatchConsumer
from services.analytics.adapters.store import AnalyticsStore
from services.analytics.domain.queries import Bucketing, EventFilter, Granularity, Scope
from services.analytics.service import BatchWriter
from shared.devstack.tansu import TansuServer
from shared.kafka_bus import EventProducer, ensure_topics, make_envelope
from socialproof.events.v1 import analytics_events_pb2 as ev

NAME = "analytics_ingest"
EVENTS = 200_000
EVENTS_PER_MESSAGE = 100  # the widget's largest batch
DRAIN_LIMIT_S = 180.0
SUMMARY_ROWS = 1_000_000
SUMMARY_RUNS = 50
BATCH_MESSAGES = 500
BATCH_WAIT_S = 0.2


def _messages(org: str, sites: list[str], now: datetime) -> list[ev.WidgetEventsRecorded]:
    out = []
    for m in range(EVENTS // EVENTS_PER_MESSAGE):
        batch = ev.WidgetEventsRecorded(org_id=org, site_id=sites[m % len(sites)], batch_id=uuid.uuid4().hex)
        for i in range(EVENTS_PER_MESSAGE):
            e = batch.events.add(
                event_id=uuid.uuid4().hex,
                type=1 + (i % 6),
                visitor_id=f"v{m}-{i % 20}",
                session_id=f"s{m}",
                campaign_id=f"c{i % 4}",
                page_url=f"https://shop.example/p/{i % 50}",
            )
            e.occurred_at.FromDatetime((now - timedelta(seconds=i)).replace(tzinfo=None))
        out.append(batch)
    return out


async def _produce(bootstrap: str, topic: str, batches: list[ev.WidgetEventsRecorded]) -> float:
    """Publishes every message (200 in flight at a time); returns events/s of the producer side."""
    started = time.perf_counter()
    async with EventProducer(bootstrap, client_id="bench-widget-ingest") as producer:
        for i in range(0, len(batches), 200):
            await asyncio.gather(
                *(
                    producer.publish(topic, make_envelope(b, b.org_id, b.site_id))
                    for b in batches[i : i + 200]
                )
            )
    return EVENTS / (time.perf_counter() - started)


async def _consume(
    bootstrap: str, topic: str, store: AnalyticsStore, progress: Callable[[str], None]
) -> dict[str, Any]:
    writer = BatchWriter(store)
    consumer = BatchConsumer(
        bootstrap, group_id=f"bench-{uuid.uuid4().hex[:8]}", topics=[topic], handler=writer.handle_many,
        max_messages=BATCH_MESSAGES, max_wait=BATCH_WAIT_S, fast_group_join=True,
    )  # fmt: skip
    task = asyncio.create_task(consumer.run())
    await consumer.wait_assigned(30)
    # Timed from the assignment: the group join (~1 s on Tansu) is start-up, not throughput.
    started, before = time.perf_counter(), writer.total.inserted
    deadline = started + DRAIN_LIMIT_S
    # The writer keeps counts, not an event to wait on; the loop is bounded by the deadline.
    while writer.total.inserted < EVENTS and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    consumer.stop()
    await asyncio.wait_for(task, 30)
    stored = (await store.ch.query(f"SELECT count() FROM {store.db}.widget_events"))[0][0]
    progress(
        f"  consumed {writer.total.inserted} events in {elapsed:.1f} s ({consumer.stats.batches} inserts)"
    )
    return {
        "events_per_second": round((writer.total.inserted - before) / elapsed, 1),
        "events_stored": int(stored),
        "events_lost": EVENTS - int(stored),
        "inserts": consumer.stats.batches,
        "seconds": round(elapsed, 2),
    }


async def _summary(store: AnalyticsStore) -> dict[str, Any]:
    """~1M rows over 30 days (80 % on one site), then the dashboard summary of that site: totals
    plus a daily series, from the hourly rollup the way QueryMetrics reads them."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    span = 30 * 86400
    await store.ch.execute(
        f"INSERT INTO {store.db}.widget_events (org_id, site_id, event_id, batch_id, event_type, "
        "occurred_at, received_at, visitor_id, session_id, campaign_id, variant_id, value_minor, currency) "
        "SELECT 'bench-org', if(number % 10 < 8, 'bench-site', concat('other-', toString(number % 10))), "
        "concat('e', toString(number)), 'b', toUInt8(number % 6 + 1), "
        f"toDateTime({int(end.timestamp())} - 1 - (number * 7919) % {span}), "
        f"toDateTime({int(end.timestamp())} - 1 - (number * 7919) % {span}), "
        "concat('v', toString(number % 60000)), concat('s', toString(number % 90000)), "
        "concat('c', toString(number % 5)), 'v0', if(number % 6 = 4, toInt64(1999), toInt64(0)), "
        f"if(number % 6 = 4, 'EUR', '') FROM numbers({SUMMARY_ROWS})"
    )
    scope, start = Scope("bench-org", "bench-site"), end - timedelta(days=30)
    daily = Bucketing(Granularity.DAY, ZoneInfo("UTC"))
    timings: dict[str, list[float]] = {"rollup": [], "raw": []}
    for _ in range(SUMMARY_RUNS):
        for path, f in (("rollup", EventFilter()), ("raw", EventFilter(include_bots=True))):
            t0 = time.perf_counter()
            totals = await store.metric_rows(scope, start, end, f, group_expr=None, bucketing=None)
            await store.metric_rows(scope, start, end, f, group_expr=None, bucketing=daily)
            timings[path].append((time.perf_counter() - t0) * 1000)
    impressions = sum(r.impressions for r in totals)
    return {
        "summary_rows": SUMMARY_ROWS,
        "summary_site_impressions": impressions,
        **{f"summary_{k}_p50_ms": round(statistics.median(v), 2) for k, v in timings.items()},
        **{f"summary_{k}_p99_ms": round(_p99(v), 2) for k, v in timings.items()},
    }


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


async def _bench(
    root: Path, bootstrap: str, progress: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    topic = "bench.widget-events"
    await ensure_topics(bootstrap, [topic])
    batches = _messages("bench-org", [f"site-{i}" for i in range(8)], datetime.now(UTC))
    progress(f"  producing {EVENTS} events in {len(batches)} messages")
    produce_rate = await _produce(bootstrap, topic, batches)
    store = AnalyticsStore(ChdbClickHouse(root / "chdb-ingest"))
    await store.ensure_schema()
    try:
        consumed = await _consume(bootstrap, topic, store, progress)
    finally:
        await store.close()
    summary_store = AnalyticsStore(ChdbClickHouse(root / "chdb-summary"))
    await summary_store.ensure_schema()
    try:
        progress(f"  summary queries over {SUMMARY_ROWS} rows x {SUMMARY_RUNS}")
        summary = await _summary(summary_store)
    finally:
        await summary_store.close()
    return {**consumed, **summary}, {"events_per_second": round(produce_rate, 1)}


def run(progress: Callable[[str], None] = print) -> Path:
    root = Path(tempfile.mkdtemp(prefix="sp-bench-analytics-"))
    broker = TansuServer(root / "tansu").start()
    try:
        metrics, baseline = asyncio.run(_bench(root, broker.bootstrap_servers, progress))
    finally:
        broker.stop()
        shutil.rmtree(root, ignore_errors=True)
    config = {
        "events": EVENTS,
        "events_per_message": EVENTS_PER_MESSAGE,
        "consumer_batch_messages": BATCH_MESSAGES,
        "consumer_batch_wait_ms": int(BATCH_WAIT_S * 1000),
        "clickhouse": "chdb (in-process)",
        "broker": "Tansu, memory storage",
        "summary_runs": SUMMARY_RUNS,
    }
    notes = (
        "Measured: the analytics BatchConsumer draining pre-produced WidgetEventsRecorded messages "
        "(100 events each) from Tansu into chdb, with the read-back dedupe and the hourly rollup view, "
        "from partition assignment until every event was stored. Baseline: the shared EventProducer "
        "publishing the same messages to the same broker (the rate the consumer would need to keep "
        "up with). Summary: totals + a daily series of one site over 30 days, through the hourly "
        "rollup (QueryMetrics' default path) and through the raw table (include_bots). Producer, "
        "broker, consumer and chdb share the same 2 cores."
    )
    ratio = metrics["events_per_second"] / baseline["events_per_second"]
    path = write_result(NAME, config, metrics, baseline, ratio, notes)
    progress(f"  {NAME}: {json.dumps(metrics)} vs producer {json.dumps(baseline)}")
    return path


if __name__ == "__main__":
    run()
