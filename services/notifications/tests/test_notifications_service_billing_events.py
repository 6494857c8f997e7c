"""Billing events on Kafka drop cached entitlements, so a hard cap or an upgrade applies at once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from services.notifications.adapters.billing_consumer import billing_handler
from services.notifications.tests.conftest import make_settings, start_stubs
from services.notifications.tests.test_notifications_service_feed import (
    add_activity,
    feed,
    make_site,
    publish,
    recent_campaign,
)
from services.notifications.tests.test_notifications_service_live import URL, stop, wait_for
from shared.devstack.process import free_port
from shared.kafka_bus import EventProducer, ReceivedEvent, make_envelope
from socialproof.billing.v1 import entitlement_pb2, entitlement_pb2_grpc
from socialproof.events.v1 import billing_events_pb2
from socialproof.notifications.v1 import widget_pb2


class SwitchableBilling(entitlement_pb2_grpc.EntitlementServiceServicer):
    """Billing's contract with an answer the test changes (cached for 300 s by notifications)."""

    def __init__(self) -> None:
        self.serving_allowed = True
        self.calls = 0

    async def GetEntitlements(  # type: ignore[override]
        self, request: entitlement_pb2.GetEntitlementsRequest, context: object
    ) -> entitlement_pb2.GetEntitlementsResponse:
        self.calls += 1
        response = entitlement_pb2.GetEntitlementsResponse(
            entitlements=entitlement_pb2.Entitlements(name=request.name, serving_allowed=self.serving_allowed)
        )
        response.cache_ttl.FromSeconds(300)
        return response


@pytest.fixture
async def switchable_billing() -> AsyncIterator[tuple[SwitchableBilling, int]]:
    servicer = SwitchableBilling()
    server = grpc.aio.server()
    entitlement_pb2_grpc.add_EntitlementServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port(f"127.0.0.1:{free_port()}")
    await server.start()
    yield servicer, port
    await server.stop(0)


async def test_handler_drops_only_for_entitlement_events() -> None:
    dropped: list[str] = []
    handle = billing_handler(dropped.append)
    org = "0b7c3c4e-0000-4000-8000-000000000001"
    for payload in (
        billing_events_pb2.PlanChanged(org_id=org),
        billing_events_pb2.QuotaWarning(org_id=org),
        billing_events_pb2.QuotaReset(org_id=org),
    ):
        envelope = make_envelope(payload, org)
        await handle(
            ReceivedEvent(envelope=envelope, topic="billing", partition=0, offset=0, key=org.encode())
        )
    assert dropped == [org, org]


async def test_quota_exceeded_then_reset_apply_without_waiting_for_the_cache(
    pg_database: str,
    redis_url: str,
    kafka_bootstrap: str,
    kafka_topic_prefix: str,
    switchable_billing: tuple[SwitchableBilling, int],
) -> None:
    billing, port = switchable_billing
    topic = kafka_topic_prefix + "billing"
    n = await start_stubs(
        make_settings(
            pg_database,
            redis_url,
            sidecar_outbound=f"127.0.0.1:{port}",
            kafka_bootstrap_servers=kafka_bootstrap,
            activity_topic=kafka_topic_prefix + "activity",
            activity_group=kafka_topic_prefix + "notifications",
            billing_topic=topic,
            kafka_fast_group_join=True,
        )
    )
    try:
        site = await make_site(n)
        await publish(n, site, recent_campaign())
        await add_activity(n, site)
        page, _ = await feed(n, site, URL)
        assert page.status == widget_pb2.FEED_STATUS_ACTIVE and page.campaigns
        calls = billing.calls

        async with EventProducer(kafka_bootstrap) as producer:
            billing.serving_allowed = False
            capped = billing_events_pb2.QuotaExceeded(org_id=n.org_id, serving_stopped=True)
            await producer.publish(topic, make_envelope(capped, n.org_id))

            async def stopped() -> bool:
                page, _ = await feed(n, site, URL + "?capped")
                return page.status == widget_pb2.FEED_STATUS_QUOTA_EXCEEDED

            await wait_for(stopped)
            assert not (await feed(n, site, URL))[0].campaigns

            billing.serving_allowed = True
            await producer.publish(
                topic, make_envelope(billing_events_pb2.QuotaReset(org_id=n.org_id), n.org_id)
            )

            async def resumed() -> bool:
                page, _ = await feed(n, site, URL)
                return page.status == widget_pb2.FEED_STATUS_ACTIVE and bool(page.campaigns)

            await wait_for(resumed)
        # Billing was asked again only because of the events (its answer is cached for 300 s).
        assert billing.calls - calls == 2
    finally:
        await stop(n)
