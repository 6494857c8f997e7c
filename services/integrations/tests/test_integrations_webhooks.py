"""ReceiveWebhook through a real gRPC server, Postgres and Tansu: signatures, idempotency, rejections."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import grpc
import pytest
from google.api import httpbody_pb2

from services.integrations.tests.conftest import error_details, member
from socialproof.events.v1.activity_pb2 import ActivityRecorded, ActivityRetracted, ActivityRetractionReason
from socialproof.events.v1.integrations_events_pb2 import IntegrationProvider
from socialproof.integrations.v1 import connections_pb2, connections_pb2_grpc, webhooks_pb2, webhooks_pb2_grpc
from socialproof.integrations.v1.webhooks_pb2 import WebhookOutcome

ORG = str(uuid.uuid4())
SITE = str(uuid.uuid4())
SECRET = "shpss_test_secret"
ORDER = {
    "id": 450789469,
    "name": "#1001",
    "created_at": "2026-11-21T10:00:00Z",
    "financial_status": "paid",
    "test": False,
    "total_price": "59.00",
    "currency": "USD",
    "customer": {"first_name": "Jana", "last_name": "Novak"},
    "billing_address": {"city": "Brno", "country_code": "CZ"},
    "line_items": [{"title": "Trail Shoes", "product_id": 1, "variant_id": 2, "quantity": 1}],
}


def shopify_sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


async def create(channel: grpc.aio.Channel, provider: int, secret: str = SECRET, org: str = ORG) -> str:
    stub = connections_pb2_grpc.ConnectionServiceStub(channel)
    connection = connections_pb2.Connection(provider=provider, display_name="Main", enabled=True)  # type: ignore[arg-type]
    reply = await stub.CreateConnection(
        connections_pb2.CreateConnectionRequest(
            parent=f"organizations/{org}/sites/{SITE}", connection=connection, provider_signing_secret=secret
        ),
        metadata=member(org),
    )
    return reply.connection.name.rsplit("/", 1)[1]


async def post(
    channel: grpc.aio.Channel, provider: str, connection: str, body: bytes, headers: dict[str, str]
):  # type: ignore[no-untyped-def]
    stub = webhooks_pb2_grpc.WebhookServiceStub(channel)
    request = webhooks_pb2.ReceiveWebhookRequest(
        provider=provider,
        connection=connection,
        http_body=httpbody_pb2.HttpBody(content_type="application/json", data=body),
    )
    return await stub.ReceiveWebhook(request, metadata=tuple(headers.items()))


def shopify_headers(body: bytes, webhook_id: str, topic: str = "orders/create") -> dict[str, str]:
    return {
        "x-shopify-hmac-sha256": shopify_sign(body),
        "x-shopify-topic": topic,
        "x-shopify-webhook-id": webhook_id,
        "x-shopify-shop-domain": "trail-shoes.myshopify.com",
    }


async def test_a_valid_delivery_sent_three_times_becomes_exactly_one_activity(
    integrations, topic_reader
) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    connection = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY)
    body = json.dumps(ORDER, indent=1).encode()
    outcomes = [
        (await post(channel, "shopify", connection, body, shopify_headers(body, "b54557e4-1"))).outcome
        for _ in range(3)
    ]
    assert (
        outcomes == [WebhookOutcome.WEBHOOK_OUTCOME_ACCEPTED] + [WebhookOutcome.WEBHOOK_OUTCOME_DUPLICATE] * 2
    )
    envelopes = await topic_reader().read(expected=1)
    assert len(envelopes) == 1
    (envelope,) = envelopes
    recorded = ActivityRecorded()
    envelope.payload.Unpack(recorded)
    assert envelope.org_id == ORG and envelope.site_id == SITE and envelope.idempotency_key == "450789469"
    assert recorded.activity.source_ref == "450789469" and recorded.activity.actor.first_name == "Jana"
    assert recorded.activity.amount.amount_minor == 5900 and not recorded.activity.test
    # The connection shows the accepted delivery.
    stub = connections_pb2_grpc.ConnectionServiceStub(channel)
    got = await stub.GetConnection(
        connections_pb2.GetConnectionRequest(
            name=f"organizations/{ORG}/sites/{SITE}/connections/{connection}"
        ),
        metadata=member(ORG),
    )
    assert got.connection.HasField("last_event_time") and got.connection.accepted_count_24h == 1


async def test_rejected_deliveries_get_clear_statuses_and_publish_nothing(integrations, topic_reader) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    shop = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY)
    stripe = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_STRIPE, secret="whsec_abc")
    body = json.dumps(ORDER).encode()

    async def rejected(
        provider: str, conn: str, data: bytes, headers: dict[str, str]
    ) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await post(channel, provider, conn, data, headers)
        return caught.value

    wrong = await rejected(
        "shopify",
        shop,
        body,
        {**shopify_headers(body, "w1"), "x-shopify-hmac-sha256": shopify_sign(body, "nope")},
    )
    assert wrong.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_details(wrong)[0] == "WEBHOOK_SIGNATURE_MISMATCH"
    altered = body.replace(b"59.00", b"59.01")
    one_byte = await rejected("shopify", shop, altered, shopify_headers(body, "w2"))
    assert one_byte.code() == grpc.StatusCode.UNAUTHENTICATED
    missing = await rejected("shopify", shop, body, {"x-shopify-topic": "orders/create"})
    assert error_details(missing)[0] == "WEBHOOK_SIGNATURE_MISSING"

    event = json.dumps(
        {
            "id": "evt_1",
            "type": "charge.succeeded",
            "livemode": True,
            "data": {"object": {"id": "ch_1", "amount": 100, "currency": "eur"}},
        }
    ).encode()
    old = int(time.time()) - 301
    sig = hmac.new(b"whsec_abc", f"{old}.".encode() + event, hashlib.sha256).hexdigest()
    stale = await rejected("stripe", stripe, event, {"stripe-signature": f"t={old},v1={sig}"})
    assert stale.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_details(stale)[0] == "WEBHOOK_TIMESTAMP_STALE"

    big = b'{"id": 1, "pad": "' + b"x" * (1024 * 1024) + b'"}'
    too_big = await rejected("shopify", shop, big, shopify_headers(big, "w3"))
    assert too_big.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_details(too_big)[0] == "WEBHOOK_BODY_TOO_LARGE"

    broken = b'{"id": 450789469, "name": '
    malformed = await rejected("shopify", shop, broken, shopify_headers(broken, "w4"))
    assert malformed.code() == grpc.StatusCode.INVALID_ARGUMENT
    reason, fields = error_details(malformed)
    assert reason == "WEBHOOK_MALFORMED" and fields[0][0] == "http_body"

    # Unknown id, a non-UUID id, and the right id under another provider's URL are all plain 404s.
    for provider, conn in (
        ("shopify", str(uuid.uuid4())),
        ("shopify", "../x"),
        ("stripe", shop),
        ("zapier", shop),
    ):
        not_found = await rejected(provider, conn, body, shopify_headers(body, "w5"))
        assert not_found.code() == grpc.StatusCode.NOT_FOUND
        assert error_details(not_found)[0] == "WEBHOOK_NOT_FOUND"

    assert await topic_reader().read(expected=1, within=1.0) == []
    receipts = await webhooks_pb2_grpc.WebhookReceiptServiceStub(channel).ListWebhookReceipts(
        webhooks_pb2.ListWebhookReceiptsRequest(
            parent=f"organizations/{ORG}/sites/{SITE}/connections/{shop}"
        ),
        metadata=member(ORG),
    )
    outcomes = sorted(WebhookOutcome.Name(r.outcome) for r in receipts.webhook_receipts)
    assert outcomes == sorted(
        ["WEBHOOK_OUTCOME_REJECTED_SIGNATURE"] * 3
        + ["WEBHOOK_OUTCOME_REJECTED_TOO_LARGE", "WEBHOOK_OUTCOME_REJECTED_MALFORMED"]
    )


async def test_refund_retracts_by_order_and_rotation_overlap(integrations, topic_reader) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    connection = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY)
    order = json.dumps(ORDER).encode()
    await post(channel, "shopify", connection, order, shopify_headers(order, "o-1"))
    refund = json.dumps(
        {"id": 509562969, "order_id": 450789469, "created_at": "2026-11-21T12:00:00Z"}
    ).encode()
    reply = await post(
        channel, "shopify", connection, refund, shopify_headers(refund, "r-1", "refunds/create")
    )
    assert reply.outcome == WebhookOutcome.WEBHOOK_OUTCOME_ACCEPTED and reply.retraction_count == 1
    envelopes = await topic_reader().read(expected=2)
    retraction = ActivityRetracted()
    assert [e.event_type for e in envelopes] == [
        "socialproof.events.v1.ActivityRecorded",
        "socialproof.events.v1.ActivityRetracted",
    ]
    envelopes[1].payload.Unpack(retraction)
    assert retraction.source_ref == "450789469" and retraction.site_id == SITE
    assert retraction.reason == ActivityRetractionReason.ACTIVITY_RETRACTION_REASON_REFUND

    # Rotation: during the overlap the old secret still verifies; with no overlap it stops at once.
    stub = connections_pb2_grpc.ConnectionServiceStub(channel)
    name = f"organizations/{ORG}/sites/{SITE}/connections/{connection}"
    rotated = await stub.RotateConnectionSecret(
        connections_pb2.RotateConnectionSecretRequest(name=name), metadata=member(ORG)
    )
    new_secret = rotated.signing_secret
    assert new_secret.startswith("whsec_") and rotated.connection.secret_hint == new_secret[-4:]
    assert rotated.connection.HasField("previous_secret_expire_time")
    again = json.dumps({**ORDER, "id": 2}).encode()
    await post(channel, "shopify", connection, again, shopify_headers(again, "o-2"))
    receipts = await webhooks_pb2_grpc.WebhookReceiptServiceStub(channel).ListWebhookReceipts(
        webhooks_pb2.ListWebhookReceiptsRequest(parent=name), metadata=member(ORG)
    )
    assert receipts.webhook_receipts[0].signed_with_previous_secret
    await stub.RotateConnectionSecret(
        connections_pb2.RotateConnectionSecretRequest(name=name, overlap={"seconds": 0}), metadata=member(ORG)
    )
    third = json.dumps({**ORDER, "id": 3}).encode()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await post(channel, "shopify", connection, third, shopify_headers(third, "o-3"))
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_generic_webhook_with_timestamp_and_delivery_id(integrations, topic_reader) -> None:  # type: ignore[no-untyped-def]
    from socialproof.events.v1.activity_pb2 import ActivityKind
    from socialproof.integrations.v1.mapping_pb2 import FieldMapping, MappingTarget, PayloadMapping

    _, channel = integrations
    stub = connections_pb2_grpc.ConnectionServiceStub(channel)
    mapping = PayloadMapping(
        default_kind=ActivityKind.ACTIVITY_KIND_SIGNUP,
        fields=[
            FieldMapping(target=MappingTarget.MAPPING_TARGET_SOURCE_REF, path="/id"),
            FieldMapping(target=MappingTarget.MAPPING_TARGET_FIRST_NAME, path="/name"),
        ],
    )
    reply = await stub.CreateConnection(
        connections_pb2.CreateConnectionRequest(
            parent=f"organizations/{ORG}/sites/{SITE}",
            connection=connections_pb2.Connection(
                provider=IntegrationProvider.INTEGRATION_PROVIDER_GENERIC,
                enabled=True,
                generic=connections_pb2.GenericSettings(mapping=mapping),
            ),
        ),
        metadata=member(ORG),
    )
    secret = reply.signing_secret
    connection = reply.connection.name.rsplit("/", 1)[1]
    assert reply.connection.webhook_url.endswith(f"/v1/hooks/generic/{connection}")
    body = b'{"id": "u-1", "name": "Eva"}'
    ts = str(int(time.time()))
    sig = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"x-socialproof-signature": sig, "x-socialproof-timestamp": ts}
    first = await post(channel, "generic", connection, body, headers)
    second = await post(channel, "generic", connection, body, headers)
    assert (first.outcome, second.outcome) == (
        WebhookOutcome.WEBHOOK_OUTCOME_ACCEPTED,
        WebhookOutcome.WEBHOOK_OUTCOME_DUPLICATE,
    )
    (envelope,) = await topic_reader().read(expected=1)
    recorded = ActivityRecorded()
    envelope.payload.Unpack(recorded)
    assert recorded.activity.actor.first_name == "Eva" and recorded.activity.source_ref == "u-1"
