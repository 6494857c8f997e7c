"""The end-to-end leg of the analytics ingest benchmark: the whole local platform, widget batches
through the edge for a bounded time from a separate load process, rows counted as the dashboard sees
them, loss and freshness computed from the load process's log and the visibility polls."""

# ruff: noqa: S608 - diagnostic SQL built from ids this benchmark made

from __future__ import annotations

import bisect
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc

from meshconfig import default_topology, with_free_ports
from meshconfig.topology import DEFAULT_ROUTE_CLASSES, parse_workers, with_workers
from services.analytics.service import WIDGET_EVENTS_TOPIC
from shared.devstack.platform import Platform
from shared.devstack.seeding import (
    create_site,
    publish_campaign,
    recent_activity_campaign,
    service_auth,
    sign_up,
)
from socialproof.analytics.v1 import metrics_pb2, metrics_pb2_grpc
from socialproof.notifications.v1 import sites_pb2

GOAL_EVENTS_PER_SECOND = 20_000
E2E_SECONDS = 60
E2E_EVENTS_PER_REQUEST = 25
E2E_CONCURRENCY = 64
DRAIN_LIMIT_S = 60.0
#: Analytics processes (docs/mesh.md "Workers"): serving workers, then after "+" background workers (the
#: Kafka consumer in its own process); SP_BENCH_ANALYTICS_WORKERS overrides. More than one process shares
#: a ClickHouse server (Debian's 18.16) instead of in-process chdb. Two serving workers that also consume
#: measured best here (docs/analytics.md: 1, 2, 2+1 and 2+2 compared).
ANALYTICS_WORKERS = os.environ.get("SP_BENCH_ANALYTICS_WORKERS", "2")
POLL_S = 0.25


@dataclasses.dataclass
class Visibility:
    """(poll time, rows visible) pairs, polled in a thread during and after the load."""

    polls: list[tuple[float, int]] = dataclasses.field(default_factory=list)
    errors: int = 0


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))]


def _visible_counter(platform: Platform, org: str, site: str) -> Callable[[], int]:
    """Rows of the site the dashboard sees now: QueryMetrics totals (page views + impressions) over
    whole hours around the run (the hourly rollup path), straight to the analytics app port."""
    channel = grpc.insecure_channel(f"127.0.0.1:{platform.topology.service('analytics').app_port}")
    stub = metrics_pb2_grpc.MetricsServiceStub(channel)
    auth = service_auth(platform, org, "bench-analytics")
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    request = metrics_pb2.QueryMetricsRequest(parent=site, granularity=metrics_pb2.GRANULARITY_HOUR)
    request.time_range.start_time.FromDatetime(start)
    request.time_range.end_time.FromDatetime(start + timedelta(hours=4))

    def count() -> int:
        totals = stub.QueryMetrics(request, metadata=auth, timeout=10).totals
        return int(totals.impressions + totals.page_views)

    return count


def _poll(count: Callable[[], int], visibility: Visibility, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            n = count()
            visibility.polls.append((time.time(), n))
        except grpc.RpcError:
            visibility.errors += 1
        stop.wait(POLL_S)


def ingest_platform(root: Path, workers: str, progress: Callable[[str], None]) -> Platform:
    """A platform for the ingest benchmarks: rate limits off (they measure the path, not the limiter)."""
    classes = tuple(dataclasses.replace(rc, requests_per_second=0, burst=0) for rc in DEFAULT_ROUTE_CLASSES)
    topology = with_free_ports(dataclasses.replace(default_topology(), route_classes=classes))
    topology = with_workers(topology, *parse_workers(f"analytics={workers}"))
    return Platform(root, topology, durable=False, progress=lambda line: progress(f"  {line}"))


@dataclasses.dataclass(frozen=True)
class IngestSite:
    org: str
    site: sites_pb2.Site
    campaign_id: str
    events_url: str


def seed_ingest_site(platform: Platform, tag: str, display_name: str, domain: str) -> IngestSite:
    """A fresh org with one site and one published campaign, the widget events URL for its site key."""
    run = uuid.uuid4().hex[:8]
    owner = sign_up(
        platform,
        email=f"{tag}-{run}@socialproof.local",
        password=f"pw-{uuid.uuid4().hex}",
        display_name="Bench Owner",
        organization=f"Bench Shop {run}",
    )
    org = owner.organization.name
    auth = service_auth(platform, org, "bench-analytics")
    settings = sites_pb2.SiteSettings(time_zone="UTC", default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME)
    site = create_site(platform, auth, org, display_name=display_name, domain=domain, settings=settings)
    campaign = publish_campaign(
        platform, auth, site.name, recent_activity_campaign(title="{{ name }}", body="bought it")
    )
    return IngestSite(
        org=org,
        site=site,
        campaign_id=campaign.name.rsplit("/", 1)[-1],
        events_url=f"{platform.edge_url}/v1/widget/sites/{site.site_key}/events",
    )


def end_to_end(root: Path, progress: Callable[[str], None]) -> tuple[dict[str, Any], dict[str, Any]]:
    platform = ingest_platform(root, ANALYTICS_WORKERS, progress)
    platform.start()
    try:
        return _run(platform, root, progress)
    finally:
        platform.stop()


def _run(
    platform: Platform, root: Path, progress: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    seeded = seed_ingest_site(platform, "bench", "Bench Shop", "bench-analytics.example")
    org, site, campaign_id, url = seeded.org, seeded.site, seeded.campaign_id, seeded.events_url
    count = _visible_counter(platform, org, site.name)

    # Warm-up (site key and campaign caches, topics, consumer assignment): a short run until visible.
    warm = _load(root, url, campaign_id, seconds=3, events_per_second=500, name="warm-up")
    warm_accepted = sum(r[4] for r in warm)
    deadline = time.monotonic() + 60
    while count() < warm_accepted and time.monotonic() < deadline:
        time.sleep(0.2)
    baseline_rows = count()
    progress(f"  warm-up: {warm_accepted} accepted, {baseline_rows} visible")

    visibility, stop = Visibility(), threading.Event()
    poller = threading.Thread(target=_poll, args=(count, visibility, stop), daemon=True)
    poller.start()
    progress(
        f"  load: {GOAL_EVENTS_PER_SECOND} events/s x {E2E_SECONDS} s, {E2E_EVENTS_PER_REQUEST} per request"
    )
    requests = _load(
        root, url, campaign_id, seconds=E2E_SECONDS, events_per_second=GOAL_EVENTS_PER_SECOND, name="load"
    )
    accepted = sum(r[4] for r in requests)
    target = baseline_rows + accepted
    deadline = time.monotonic() + DRAIN_LIMIT_S
    while (not visibility.polls or visibility.polls[-1][1] < target) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    stop.set()
    poller.join(10)
    visible = count() - baseline_rows
    if visible < accepted:
        published = sum(1 for r in [*warm, *requests] if r[4])
        unseen = _explain_unseen(platform, site.name, published)
        progress(f"  {accepted - visible} accepted events not visible: {unseen}")
    return _metrics(requests, visibility, baseline_rows, visible), {
        "e2e_seconds": E2E_SECONDS,
        "e2e_target_events_per_second": GOAL_EVENTS_PER_SECOND,
        "e2e_events_per_request": E2E_EVENTS_PER_REQUEST,
        "e2e_concurrency": E2E_CONCURRENCY,
        "e2e_poll_seconds": POLL_S,
        "e2e_drain_limit_seconds": DRAIN_LIMIT_S,
        "e2e_analytics_workers": platform.topology.service("analytics").workers,
        "e2e_analytics_background_workers": len(platform.topology.service("analytics").background_ports),
        "e2e_clickhouse": "chdb (in-process)"
        if platform.infra is not None and platform.infra.clickhouse_url.startswith("chdb:")
        else "clickhouse-server (one shared by the workers)",
    }


def _read_log(bootstrap: str, site_id: str) -> tuple[int, dict[str, tuple[int, int]]]:
    """Every message of the widget events topic, read from the start (Tansu's high watermark is the last
    record batch's base offset + 1, not the last offset + 1, so watermarks undercount a batched log):
    (messages, {event id of this site: (partition, offset)})."""
    from confluent_kafka import Consumer, TopicPartition

    from shared.kafka_bus import decode_envelope, unpack
    from socialproof.events.v1.analytics_events_pb2 import WidgetEventsRecorded

    kafka = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-unseen-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    messages, idle = 0, time.monotonic()
    ids: dict[str, tuple[int, int]] = {}
    try:
        meta = kafka.list_topics(WIDGET_EVENTS_TOPIC, timeout=10).topics[WIDGET_EVENTS_TOPIC].partitions
        kafka.assign([TopicPartition(WIDGET_EVENTS_TOPIC, p, 0) for p in meta])
        while time.monotonic() - idle < 3:
            for msg in kafka.consume(1000, 0.2):
                if msg.error():
                    continue
                idle = time.monotonic()
                messages += 1
                batch = unpack(decode_envelope(msg.value()), WidgetEventsRecorded)
                if batch.site_id == site_id:
                    for event in batch.events:
                        ids[event.event_id] = (msg.partition() or 0, msg.offset() or 0)
    finally:
        kafka.close()
    return messages, ids


def _explain_unseen(platform: Platform, site: str, published: int) -> str:
    """Where events that ingest accepted but QueryMetrics does not show are: not in Kafka (one
    message per request that had accepted events), in Kafka but not stored (which messages, by
    partition and offset), or stored raw but missing from the rollups; the processes' logs are kept."""
    assert platform.infra is not None
    site_id = site.rsplit("/", 1)[-1]
    messages, logged = _read_log(platform.infra.kafka_bootstrap, site_id)
    kafka_note = (
        f"{messages} messages read from {WIDGET_EVENTS_TOPIC} for {published} requests with accepted events "
        f"({len(logged)} event ids of the site)"
    )
    kept = Path(tempfile.mkdtemp(prefix="sp-bench-unseen-"))
    shutil.copytree(platform.logs, kept / "logs")
    warnings = sum(p.read_text(errors="replace").count("WARNING") for p in (kept / "logs").glob("*.log"))
    url = platform.infra.clickhouse_url
    if not url.startswith("clickhouse://"):
        return f"{kafka_note}; chdb not readable from here; {warnings} warnings in {kept}"
    from clickhouse_driver import Client

    client = Client.from_url(url)
    db = client.connection.database
    raw = client.execute(
        f"SELECT count(), uniqExact(event_id) FROM {db}.widget_events WHERE site_id = '{site_id}' "
        "AND bot = 0 AND test = 0 AND event_type IN (1, 6)"
    )[0]
    rolled = client.execute(
        f"SELECT sumMerge(impressions) + sumMerge(page_views) FROM {db}.widget_hourly "
        f"WHERE site_id = '{site_id}'"
    )[0][0]
    stored = {
        r[0] for r in client.execute(f"SELECT event_id FROM {db}.widget_events WHERE site_id = '{site_id}'")
    }
    client.disconnect()
    missing = sorted({logged[i] for i in logged.keys() - stored})
    return (
        f"{kafka_note}; counted raw rows {raw[0]} ({raw[1]} distinct ids), hourly rollup {rolled}; "
        f"messages in the log not stored: {len(missing)} {missing[:20]}; "
        f"{warnings} warnings in the logs kept in {kept}"
    )


def _load(
    root: Path, url: str, campaign_id: str, *, seconds: float, events_per_second: int, name: str
) -> list[tuple[float, float, int, int, int]]:
    """Runs bench/analytics_load.py in its own process; returns (start, end, status, sent, accepted)."""
    out = root / f"{name}.jsonl"
    config = {
        "url": url,
        "seconds": seconds,
        "events_per_second": events_per_second,
        "events_per_request": E2E_EVENTS_PER_REQUEST,
        "concurrency": E2E_CONCURRENCY,
        "campaign_id": campaign_id,
    }
    subprocess.run(
        [sys.executable, "-m", "bench.analytics_load", json.dumps(config), str(out)],
        check=True, timeout=seconds + 120, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    return [tuple(json.loads(line)) for line in out.read_text().splitlines()]  # type: ignore[misc]


def _metrics(
    requests: list[tuple[float, float, int, int, int]],
    visibility: Visibility,
    baseline_rows: int,
    visible: int,
) -> dict[str, Any]:
    sent = sum(r[3] for r in requests)
    accepted = sum(r[4] for r in requests)
    failed = sum(1 for r in requests if r[2] != 200)
    first_sent = min(r[0] for r in requests)
    last_ack = max(r[1] for r in requests)
    # One site → one partition: events become visible in the order they were acknowledged.
    acked = sorted((r for r in requests if r[4]), key=lambda r: r[1])
    poll_times = [t for t, _ in visibility.polls]
    poll_counts = [n - baseline_rows for _, n in visibility.polls]
    freshness: list[float] = []
    cumulative = 0
    all_visible_at = float("nan")
    for r in acked:
        cumulative += r[4]
        i = bisect.bisect_left(poll_counts, cumulative)
        if i == len(poll_counts):
            break  # never seen within the drain bound: counted as lost below
        seen = max(poll_times[i], r[1])
        freshness.extend([seen - r[0]] * r[4])
        all_visible_at = seen
    freshness.sort()
    span = all_visible_at - first_sent
    return {
        "end_to_end_events_per_second": round(visible / span, 1) if span == span and span > 0 else 0.0,
        "accepted_events_per_second": round(accepted / (last_ack - first_sent), 1),
        "events_sent": sent,
        "events_accepted": accepted,
        "events_visible": visible,
        "events_lost": accepted - visible,
        "requests": len(requests),
        "requests_failed": failed,
        "request_p50_ms": round(_percentile(sorted((r[1] - r[0]) * 1000 for r in requests), 0.5), 1),
        "request_p99_ms": round(_percentile(sorted((r[1] - r[0]) * 1000 for r in requests), 0.99), 1),
        "freshness_p50_s": round(_percentile(freshness, 0.5), 2),
        "freshness_p99_s": round(_percentile(freshness, 0.99), 2),
        "freshness_max_s": round(freshness[-1], 2) if freshness else float("nan"),
        "visibility_poll_errors": visibility.errors,
    }
