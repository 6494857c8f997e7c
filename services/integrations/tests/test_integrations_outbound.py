"""Outbound webhooks: signed deliveries, backoff, retry across a service restart, redelivery."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc
import pytest
from aiohttp import web

from services.integrations.bootstrap import build
from services.integrations.tests.conftest import error_details, make_settings, member
from services.integrations.tests.test_integrations_webhooks import ORDER, create, post, shopify_headers
from socialproof.events.v1.integrations_events_pb2 import IntegrationProvider, WebhookEventType
from socialproof.integrations.v1 import outbound_pb2, outbound_pb2_grpc
from socialproof.integrations.v1.outbound_pb2 import WebhookDeliveryState


class Receiver:
    """A loopback HTTP receiver that answers the scripted status codes in order, then 200."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[datetime, dict[str, str], bytes, int]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        status = self.statuses.pop(0) if self.statuses else 200
        self.requests.append((datetime.now(UTC), dict(request.headers), body, status))
        return web.Response(status=status, text="ok" if status == 200 else "boom")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    target = Receiver([500, 500])
    app = web.Application()
    app.router.add_post("/hook", target.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    target.url = f"http://127.0.0.1:{port}/hook"
    yield target
    await runner.cleanup()


async def wait_until(predicate, within: float = 8.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_receiver_failing_twice_gets_the_event_once_after_backoff_across_a_restart(
    pg_database: str, kafka_bootstrap: str, activity_topic: str, receiver: Receiver
) -> None:
    org = str(uuid.uuid4())
    settings = make_settings(pg_database, kafka_bootstrap, activity_topic)
    first = build(settings)
    await first.start()
    channel = grpc.aio.insecure_channel(first.address)
    stub = outbound_pb2_grpc.OutboundWebhookServiceStub(channel)
    created = await stub.CreateWebhookSubscription(
        outbound_pb2.CreateWebhookSubscriptionRequest(
            parent=f"organizations/{org}",
            webhook_subscription=outbound_pb2.WebhookSubscription(
                endpoint_url=receiver.url,
                enabled=True,
                max_attempts=5,
                event_types=[WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED],
            ),
        ),
        metadata=member(org),
    )
    secret = created.signing_secret
    connection = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY, org=org)
    body = json.dumps(ORDER).encode()
    await post(channel, "shopify", connection, body, shopify_headers(body, "out-1"))
    await wait_until(lambda: len(receiver.requests) >= 1)
    parent = f"{created.webhook_subscription.name}"
    listed = await stub.ListWebhookDeliveries(
        outbound_pb2.ListWebhookDeliveriesRequest(parent=parent), metadata=member(org)
    )
    delivery_name = listed.webhook_deliveries[0].name

    async def current() -> outbound_pb2.WebhookDelivery:
        reply = await stub.GetWebhookDelivery(
            outbound_pb2.GetWebhookDeliveryRequest(name=delivery_name), metadata=member(org)
        )
        return reply.webhook_delivery

    deadline = time.monotonic() + 5
    while (delivery := await current()).attempt_count < 1:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    assert delivery.state == WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_RETRYING
    # Full jitter may schedule the retry almost at once; the due time read here is the second attempt's
    # only when the read saw exactly one attempt.
    first_due = delivery.next_attempt_time.ToDatetime(UTC) if delivery.attempt_count == 1 else None
    # Restart: the first process stops (its worker with it); a new one picks the delivery up from Postgres.
    await channel.close()
    await first.stop(grace=0)
    second = build(settings)
    await second.start()
    channel = grpc.aio.insecure_channel(second.address)
    stub = outbound_pb2_grpc.OutboundWebhookServiceStub(channel)
    try:
        await wait_until(lambda: len(receiver.requests) >= 3)
        deadline = time.monotonic() + 5
        while (delivery := await current()).state != WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_SUCCEEDED:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        assert [r[3] for r in receiver.requests] == [500, 500, 200]
        assert [a.response_code for a in delivery.attempts] == [500, 500, 200]
        assert delivery.attempts[0].response_body_excerpt == "boom"
        # The second attempt waited for the scheduled backoff.
        if first_due is not None:
            assert receiver.requests[1][0] >= first_due.replace(tzinfo=UTC)
        event_ids = {r[1]["SocialProof-Event-Id"] for r in receiver.requests}
        assert event_ids == {delivery.event_id}
        for _, headers, raw, _ in receiver.requests:
            t, v1 = headers["SocialProof-Signature"].split(",")
            expected = hmac.new(secret.encode(), t[2:].encode() + b"." + raw, hashlib.sha256).hexdigest()
            assert v1 == f"v1={expected}"
            payload = json.loads(raw)
            assert payload["type"] == "activity.recorded" and payload["activity"]["sourceRef"] == "450789469"

        # Manual redelivery sends the same event id again as a new delivery.
        again = await stub.RedeliverWebhookDelivery(
            outbound_pb2.RedeliverWebhookDeliveryRequest(name=delivery_name, request_id=str(uuid.uuid4())),
            metadata=member(org),
        )
        assert again.webhook_delivery.redelivery_of == delivery_name.rsplit("/", 1)[1]
        await wait_until(lambda: len(receiver.requests) >= 4)
        assert receiver.requests[3][1]["SocialProof-Event-Id"] == delivery.event_id
    finally:
        await channel.close()
        await second.stop(grace=0)


async def test_subscription_validation_and_tenancy(integrations) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    org, other = str(uuid.uuid4()), str(uuid.uuid4())
    stub = outbound_pb2_grpc.OutboundWebhookServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.CreateWebhookSubscription(
            outbound_pb2.CreateWebhookSubscriptionRequest(
                parent=f"organizations/{org}",
                webhook_subscription=outbound_pb2.WebhookSubscription(
                    endpoint_url="http://10.0.0.1/x", max_attempts=99
                ),
            ),
            metadata=member(org),
        )
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {f for f, _ in error_details(bad.value)[1]}
    assert fields == {
        "webhook_subscription.endpoint_url",
        "webhook_subscription.event_types",
        "webhook_subscription.max_attempts",
    }
    request = outbound_pb2.ListWebhookSubscriptionsRequest(parent=f"organizations/{org}")
    with pytest.raises(grpc.aio.AioRpcError) as cross:
        await stub.ListWebhookSubscriptions(request, metadata=member(other))
    assert cross.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await stub.ListWebhookSubscriptions(request)
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
