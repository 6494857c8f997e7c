"""Stripe webhooks: signature on the raw bytes with tolerance, idempotent by event id, dunning walk."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import grpc
from google.api import httpbody_pb2

from services.billing.tests.billing_support import as_user, error_of, eventually, stripe_signature
from shared.kafka_bus import EventProducer, make_envelope
from shared.rpc import RpcServer
from socialproof.billing.v1 import (
    stripe_webhook_pb2,
    stripe_webhook_pb2_grpc,
    subscription_pb2,
    subscription_pb2_grpc,
)
from socialproof.events.v1 import users_events_pb2


def _event(event_type: str, obj: dict[str, object], event_id: str | None = None) -> bytes:
    body = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "data": {"object": obj},
    }
    # Odd whitespace on purpose: the signature covers these exact bytes.
    return json.dumps(body, indent=3).encode()


async def _send(channel: grpc.aio.Channel, payload: bytes, signature: str | None) -> object:
    stub = stripe_webhook_pb2_grpc.StripeWebhookServiceStub(channel)
    metadata = (("stripe-signature", signature),) if signature is not None else ()
    return stub.ReceiveStripeWebhook(
        stripe_webhook_pb2.ReceiveStripeWebhookRequest(
            body=httpbody_pb2.HttpBody(content_type="application/json", data=payload)
        ),
        metadata=metadata,
    )


async def test_bad_stale_replayed_and_malformed_webhooks_change_nothing_and_dunning_walks(
    billing_server: RpcServer,
    billing_channel: grpc.aio.Channel,
    producer: EventProducer,
    kafka_topic_prefix: str,
) -> None:
    org = str(uuid.uuid4())
    created = users_events_pb2.OrganizationCreated(
        org_id=org, display_name="Shop", billing_email="o@example.com"
    )
    created.create_time.FromDatetime(datetime.now(UTC))
    await producer.publish(kafka_topic_prefix + "users", make_envelope(created, org))
    subs = subscription_pb2_grpc.SubscriptionServiceStub(billing_channel)
    name = f"organizations/{org}/subscription"

    async def ready() -> object:
        try:
            return await subs.GetSubscription(
                subscription_pb2.GetSubscriptionRequest(name=name), metadata=as_user(org)
            )
        except grpc.aio.AioRpcError:
            return None

    await eventually(ready)
    # The customer id localstripe gave this org when OrganizationCreated arrived.
    customer = await _customer_of(billing_server, org)
    failed = _event(
        "invoice.payment_failed",
        {"id": "in_1", "object": "invoice", "customer": customer, "attempt_count": 1},
    )

    # Bad signature, stale timestamp, missing header: UNAUTHENTICATED, nothing applied.
    assert (await error_of(await _send(billing_channel, failed, stripe_signature(failed, "whsec_wrong"))))[
        :2
    ] == (
        grpc.StatusCode.UNAUTHENTICATED,
        "STRIPE_SIGNATURE_INVALID",
    )
    stale = stripe_signature(failed, timestamp=int(time.time()) - 301)
    assert (await error_of(await _send(billing_channel, failed, stale)))[:2] == (
        grpc.StatusCode.UNAUTHENTICATED,
        "STRIPE_SIGNATURE_STALE",
    )
    assert (await error_of(await _send(billing_channel, failed, None)))[:2] == (
        grpc.StatusCode.UNAUTHENTICATED,
        "STRIPE_SIGNATURE_MISSING",
    )
    tampered = failed.replace(b'"attempt_count": 1', b'"attempt_count": 9')
    assert (await error_of(await _send(billing_channel, tampered, stripe_signature(failed))))[
        0
    ] is grpc.StatusCode.UNAUTHENTICATED
    sub = (
        await subs.GetSubscription(subscription_pb2.GetSubscriptionRequest(name=name), metadata=as_user(org))
    ).subscription
    assert sub.dunning_state == subscription_pb2.DUNNING_STATE_ACTIVE

    # Signed but malformed / oversized: INVALID_ARGUMENT with the field named, never INTERNAL.
    junk = b"{not json"
    code, reason, violations = await error_of(await _send(billing_channel, junk, stripe_signature(junk)))
    assert (code, reason, violations[0][0]) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "WEBHOOK_MALFORMED",
        "body.data",
    )
    big = b" " * (256 * 1024 + 1)
    code, reason, _ = await error_of(await _send(billing_channel, big, stripe_signature(big)))
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "WEBHOOK_TOO_LARGE")

    # A valid failure: past due; its replay is acknowledged and ignored.
    reply = await await_call(_send(billing_channel, failed, stripe_signature(failed)))
    assert not reply.duplicate
    replay = await await_call(_send(billing_channel, failed, stripe_signature(failed)))
    assert replay.duplicate and replay.event_id == reply.event_id
    sub = (
        await subs.GetSubscription(subscription_pb2.GetSubscriptionRequest(name=name), metadata=as_user(org))
    ).subscription
    assert sub.dunning_state == subscription_pb2.DUNNING_STATE_PAST_DUE

    # Retries exhausted: grace period of 7 days, then suspended (clock moved), then paid: active.
    third = _event(
        "invoice.payment_failed",
        {"id": "in_1", "object": "invoice", "customer": customer, "attempt_count": 3},
    )
    await await_call(_send(billing_channel, third, stripe_signature(third)))
    sub = (
        await subs.GetSubscription(subscription_pb2.GetSubscriptionRequest(name=name), metadata=as_user(org))
    ).subscription
    assert sub.dunning_state == subscription_pb2.DUNNING_STATE_GRACE_PERIOD
    grace_end = sub.grace_period_end_time.ToDatetime(UTC)
    assert timedelta(days=6, hours=23) < grace_end - datetime.now(UTC) <= timedelta(days=7)
    service = _billing_of(billing_server)
    real_clock = service.clock
    service.clock = lambda: grace_end + timedelta(seconds=1)
    try:
        sub = (
            await subs.GetSubscription(
                subscription_pb2.GetSubscriptionRequest(name=name), metadata=as_user(org)
            )
        ).subscription
        assert sub.dunning_state == subscription_pb2.DUNNING_STATE_SUSPENDED
        assert not (await service.entitlements(org)).serving_allowed
        paid = _event("invoice.paid", {"id": "in_1", "object": "invoice", "customer": customer})
        await await_call(_send(billing_channel, paid, stripe_signature(paid)))
        assert (await service.entitlements(org)).serving_allowed
    finally:
        service.clock = real_clock


async def await_call(pending: object) -> stripe_webhook_pb2.ReceiveStripeWebhookResponse:
    """Sends (awaits _send) and then awaits the call's response."""
    call = await pending  # type: ignore[misc]
    return await call  # type: ignore[no-any-return]


def _billing_of(server: RpcServer):  # type: ignore[no-untyped-def]
    servicer = next(r.servicer for r in server.registrations if r.name.endswith("StripeWebhookService"))
    return servicer._billing


async def _customer_of(server: RpcServer, org: str) -> str:
    service = _billing_of(server)
    view = await service.subscription(org)
    assert view.account.stripe_customer_id and view.account.stripe_customer_id.startswith("cus_")
    return view.account.stripe_customer_id
