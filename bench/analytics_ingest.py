"""Analytics ingest benchmark: end to end (edge → RecordWidgetEvents → Kafka → consumer → chdb) for 60 s
with loss and freshness, and the Kafka → ClickHouse consumer alone."""

# ruff: noqa: S608 - benchmark SQL built from this module's constants only

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.analytics_e2e import E2E_EVENTS_PER_REQUEST, E2E_SECONDS, GOAL_EVENTS_PER_SECOND, end_to_end
from bench.harness import write_result
from services.analytics.adapters.clickhouse import ChdbClickHouse
from services.analytics.adapters.consumer import BatchConsumer
from services.analytics.adapters.store import AnalyticsStore
from services.analytics.service import BatchWriter
from shared.devstack.tansu import TansuServer
from shared.kafka_bus import EventProducer, ensure_topics, make_envelope
from socialproof.events.v1 import analytics_events_pb2 as ev

NAME = "analytics_ingest"
EVENTS = 200_000
EVENTS_PER_MESSAGE = 100  # the widget's largest batch
DRAIN_LIMIT_S = 180.0
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
        on_assign=writer.partitions_assigned, max_messages=BATCH_MESSAGES, max_wait=BATCH_WAIT_S,
        fast_group_join=True,
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


async def _consumer_leg(
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
    return {f"consumer_{k}": v for k, v in consumed.items()}, {
        "consumer_events_per_second": round(produce_rate, 1)
    }


def run(progress: Callable[[str], None] = print) -> Path:
    root = Path(tempfile.mkdtemp(prefix="sp-bench-analytics-"))
    root.chmod(0o755)
    broker = TansuServer(root / "tansu").start()
    try:
        consumer, consumer_baseline = asyncio.run(_consumer_leg(root, broker.bootstrap_servers, progress))
    finally:
        broker.stop()
    try:
        e2e, e2e_config = end_to_end(root / "platform", progress)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    metrics = {**e2e, **consumer}
    config = {
        **e2e_config,
        "consumer_leg_events": EVENTS,
        "consumer_leg_events_per_message": EVENTS_PER_MESSAGE,
        "consumer_batch_messages": BATCH_MESSAGES,
        "consumer_batch_wait_ms": int(BATCH_WAIT_S * 1000),
        "clickhouse": "chdb (in-process in analytics)",
        "broker": "Tansu, memory storage",
    }
    baseline = {"end_to_end_events_per_second": GOAL_EVENTS_PER_SECOND, **consumer_baseline}
    notes = (
        "End to end: a separate load process (bench/analytics_load.py, aiohttp) POSTs widget batches "
        f"({E2E_EVENTS_PER_REQUEST} events: page views and impressions of 5 visitors, a desktop "
        "browser's User-Agent) to the real edge route POST /v1/widget/sites/{site_key}/events of the "
        "whole local platform (edge Envoy → sidecar → analytics RecordWidgetEvents: validation, Redis "
        "dedupe, Kafka publish → the analytics BatchConsumer → chdb in the same process), paced at "
        f"{GOAL_EVENTS_PER_SECOND} events/s for {E2E_SECONDS} s; rate limits off. Rows visible are "
        "counted every 0.25 s through QueryMetrics (what the dashboard sees), until all accepted "
        "events are visible or a drain bound. events_lost = accepted - visible. Freshness of an "
        "event = the first poll that shows it (the topic keeps one site's events in order, so "
        "'visible count ≥ its position in acknowledgement order') - the time its request was sent; "
        "the 0.25 s poll makes it an upper bound. end_to_end_events_per_second = visible events / "
        "(last event visible - first sent). Baseline: the issue's goal (20 000 events/s). "
        "Consumer leg: BatchConsumer alone draining pre-produced messages from Tansu into chdb; its "
        "baseline is the shared EventProducer's publish rate. Everything shares the same 2 cores."
    )
    ratio = metrics["end_to_end_events_per_second"] / GOAL_EVENTS_PER_SECOND
    path = write_result(NAME, config, metrics, baseline, ratio, notes)
    progress(f"  {NAME}: {json.dumps(metrics)}")
    return path


if __name__ == "__main__":
    run()
