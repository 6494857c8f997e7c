"""Kafka activity consumer, billing entitlements, presence, live stream and feed latency."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc
import pytest

from services.notifications.tests.conftest import Stubs, make_settings, start_stubs
from services.notifications.tests.test_notifications_service_feed import (
    add_activity,
    feed,
    make_site,
    publish,
    recent_campaign,
)
from shared.devstack.process import free_port
from shared.kafka_bus import EventProducer, make_envelope
from socialproof.billing.v1 import entitlement_pb2, entitlement_pb2_grpc
from socialproof.common.v1 import common_pb2
from socialproof.events.v1 import activity_pb2
from socialproof.notifications.v1 import targeting_pb2, widget_pb2

URL = "https://shop.example.com/products/trail"


async def stop(n: Stubs) -> None:
    await n.channel.close()
    await n.server.stop(grace=0)


async def wait_for(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_kafka_activity_is_stored_once_and_refund_retracts_it(
    pg_database: str, redis_url: str, kafka_bootstrap: str, kafka_topic_prefix: str
) -> None:
    topic = kafka_topic_prefix + "activity"
    n = await start_stubs(
        make_settings(
            pg_database,
            redis_url,
            kafka_bootstrap_servers=kafka_bootstrap,
            activity_topic=topic,
            activity_group=kafka_topic_prefix + "notifications",
            kafka_fast_group_join=True,
        )
    )
    try:
        site = await make_site(n)
        site_id = site.name.rsplit("/", 1)[1]
        await publish(n, site, recent_campaign())
        event = activity_pb2.ActivityEvent(
            activity_id=str(uuid.uuid4()),
            kind=activity_pb2.ACTIVITY_KIND_PURCHASE,
            source=activity_pb2.ACTIVITY_SOURCE_SHOPIFY,
            source_ref="order-1001",
            product=activity_pb2.ActivityProduct(name="Trail Shoes"),
            location=common_pb2.Location(city="Brno"),
        )
        event.occurred_at.FromDatetime(datetime.now(UTC))
        recorded = make_envelope(
            activity_pb2.ActivityRecorded(site_id=site_id, activity=event), n.org_id, site_id
        )
        test_order = activity_pb2.ActivityEvent()
        test_order.CopyFrom(event)
        test_order.activity_id, test_order.source_ref, test_order.test = str(uuid.uuid4()), "order-test", True
        async with EventProducer(kafka_bootstrap) as producer:
            await producer.publish(topic, recorded)
            await producer.publish(topic, recorded)  # redelivery of the same event id
            await producer.publish(
                topic,
                make_envelope(
                    activity_pb2.ActivityRecorded(site_id=site_id, activity=test_order), n.org_id, site_id
                ),
            )

            async def shown() -> bool:
                page, _ = await feed(n, site, URL)
                return any(c.variants[0].notifications for c in page.campaigns)

            await wait_for(shown)
            page, _ = await feed(n, site, URL)
            notifications = page.campaigns[0].variants[0].notifications
            # Stored once; the test order is kept out of the feed.
            assert [x.activity_id for x in notifications] == [event.activity_id]
            assert notifications[0].source == activity_pb2.ACTIVITY_SOURCE_SHOPIFY

            refund = activity_pb2.ActivityRetracted(
                site_id=site_id,
                source_ref="order-1001",
                source=activity_pb2.ACTIVITY_SOURCE_SHOPIFY,
                reason=activity_pb2.ACTIVITY_RETRACTION_REASON_REFUND,
            )
            await producer.publish(topic, make_envelope(refund, n.org_id, site_id))

            async def gone() -> bool:
                page, _ = await feed(n, site, URL)
                return not page.campaigns

            await wait_for(gone)
        consumer = n.server.activity_consumer  # type: ignore[attr-defined]
        assert consumer.stats.dead_lettered == 0
    finally:
        await stop(n)


class _Billing(entitlement_pb2_grpc.EntitlementServiceServicer):
    def __init__(self) -> None:
        self.calls = 0

    async def GetEntitlements(  # type: ignore[override]
        self, request: entitlement_pb2.GetEntitlementsRequest, context: object
    ) -> entitlement_pb2.GetEntitlementsResponse:
        self.calls += 1
        response = entitlement_pb2.GetEntitlementsResponse(
            entitlements=entitlement_pb2.Entitlements(name=request.name, serving_allowed=False)
        )
        response.cache_ttl.FromSeconds(60)
        return response


@pytest.fixture
async def billing() -> AsyncIterator[tuple[_Billing, int]]:
    """A real gRPC server built from the billing contract (stands in for the billing sidecar route)."""
    servicer = _Billing()
    server = grpc.aio.server()
    entitlement_pb2_grpc.add_EntitlementServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port(f"127.0.0.1:{free_port()}")
    await server.start()
    yield servicer, port
    await server.stop(0)


async def test_billing_says_serving_not_allowed(
    pg_database: str, redis_url: str, billing: tuple[_Billing, int]
) -> None:
    servicer, port = billing
    n = await start_stubs(make_settings(pg_database, redis_url, sidecar_outbound=f"127.0.0.1:{port}"))
    try:
        site = await make_site(n)
        await publish(n, site, recent_campaign())
        await add_activity(n, site)
        for _ in range(3):
            page, _ = await feed(n, site, URL)
            assert page.status == widget_pb2.FEED_STATUS_QUOTA_EXCEEDED and not page.campaigns
        assert servicer.calls == 1  # cached for cache_ttl
    finally:
        await stop(n)


async def test_presence_counts_and_live_stream_until_drain(pg_database: str, redis_url: str) -> None:
    n = await start_stubs(make_settings(pg_database, redis_url, live_heartbeat_seconds=0.3))
    site = await make_site(n)
    await publish(n, site, recent_campaign())
    for visitor in ("v1", "v2", "v2"):
        counts = await n.widget.RecordPresence(
            widget_pb2.RecordPresenceRequest(site_key=site.site_key, visitor_id=visitor, page_url=URL)
        )
    assert (counts.live_counts.page_count, counts.live_counts.site_count) == (2, 2)
    left = await n.widget.RecordPresence(
        widget_pb2.RecordPresenceRequest(site_key=site.site_key, visitor_id="v1", page_url=URL, leaving=True)
    )
    assert left.live_counts.page_count == 1
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.widget.RecordPresence(
            widget_pb2.RecordPresenceRequest(site_key=site.site_key, page_url="ftp://x")
        )
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT

    stream = n.widget.StreamLiveUpdates(
        widget_pb2.StreamLiveUpdatesRequest(
            site_key=site.site_key, page=targeting_pb2.PageContext(url=URL), feed_version="stale"
        )
    )
    events = stream.__aiter__()
    first = await asyncio.wait_for(events.__anext__(), 5)
    assert first.WhichOneof("event") == "feed_changed"
    counts_event = await asyncio.wait_for(events.__anext__(), 5)
    assert counts_event.live_counts.page_count == 1
    activity = await add_activity(n, site, "Jana")
    kinds: list[str] = []
    pushed = None
    while pushed is None:
        event = await asyncio.wait_for(events.__anext__(), 5)
        kinds.append(event.WhichOneof("event"))
        if event.HasField("notification"):
            pushed = event.notification
    assert pushed.notification.activity_id == activity.event.activity_id
    assert pushed.notification.accessible_text == "Someone from nearby bought Trail Shoes"
    # A heartbeat arrives on the configured interval, with fresh counts before it.
    while "heartbeat" not in kinds:
        kinds.append((await asyncio.wait_for(events.__anext__(), 5)).WhichOneof("event"))
    stopping = asyncio.create_task(n.server.stop(grace=2))
    last = None
    async for event in stream:
        last = event
    assert last is not None and last.end_of_stream.reason == widget_pb2.STREAM_END_REASON_SERVER_SHUTDOWN
    await stopping
    await n.channel.close()


async def test_feed_latency_in_process(notifications: Stubs) -> None:
    """Measures cache hits and misses in-process (numbers go to docs/notifications.md)."""
    n = notifications
    site = await make_site(n)
    for i in range(20):
        campaign = recent_campaign()
        campaign.display_name = f"Campaign {i}"
        await publish(n, site, campaign)
    for i in range(50):
        await add_activity(n, site, f"Buyer{i}")
    hits: list[float] = []
    misses: list[float] = []
    for i in range(200):
        url = f"{URL}?variant={i % 20}"
        start = time.perf_counter()
        page, _ = await feed(n, site, url)
        elapsed = (time.perf_counter() - start) * 1000
        (misses if i < 20 else hits).append(elapsed)
        assert len(page.campaigns) == 20
    hits.sort()
    misses.sort()
    p50, p99 = statistics.median(hits), hits[int(len(hits) * 0.99) - 1]
    print(
        f"\nfeed latency in-process (20 campaigns, 50 activities): hit p50={p50:.2f} ms p99={p99:.2f} ms; "
        f"miss p50={statistics.median(misses):.2f} ms max={misses[-1]:.2f} ms"
    )
    assert p99 < 100
