"""Update and rotate outbound subscriptions, and read one webhook receipt: behaviour, validation, tenancy."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from aiohttp import web
from google.protobuf.duration_pb2 import Duration
from google.protobuf.field_mask_pb2 import FieldMask

from services.integrations.domain.signatures import sign_generic
from services.integrations.tests.conftest import error_details, member
from services.integrations.tests.test_integrations_webhooks import ORDER, SITE, create, post, shopify_headers
from socialproof.events.v1.integrations_events_pb2 import IntegrationProvider, WebhookEventType
from socialproof.integrations.v1 import outbound_pb2, outbound_pb2_grpc, webhooks_pb2, webhooks_pb2_grpc
from socialproof.integrations.v1.webhooks_pb2 import WebhookOutcome


@pytest.fixture
async def receiver_url() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append({**request.headers, "body": (await request.read()).decode()})
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook", seen  # type: ignore[union-attr]
    await runner.cleanup()


async def test_update_and_rotate_a_subscription(integrations, receiver_url) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    url, seen = receiver_url
    org = str(uuid.uuid4())
    stub = outbound_pb2_grpc.OutboundWebhookServiceStub(channel)
    created = await stub.CreateWebhookSubscription(
        outbound_pb2.CreateWebhookSubscriptionRequest(
            parent=f"organizations/{org}",
            webhook_subscription=outbound_pb2.WebhookSubscription(
                endpoint_url="http://127.0.0.1:1/old",
                enabled=True,
                event_types=[WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED],
            ),
        ),
        metadata=member(org),
    )
    name = created.webhook_subscription.name
    old_secret = created.signing_secret

    def update(mask: list[str], **fields: object) -> outbound_pb2.UpdateWebhookSubscriptionRequest:
        return outbound_pb2.UpdateWebhookSubscriptionRequest(
            webhook_subscription=outbound_pb2.WebhookSubscription(name=name, **fields),  # type: ignore[arg-type]
            update_mask=FieldMask(paths=mask),
        )

    updated = await stub.UpdateWebhookSubscription(
        update(["endpoint_url", "description"], endpoint_url=url, description="CRM sync"),
        metadata=member(org),
    )
    sub = updated.webhook_subscription
    assert (sub.endpoint_url, sub.description, sub.enabled) == (url, "CRM sync", True)  # enabled not in mask
    assert list(sub.event_types) == [WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED]

    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await stub.UpdateWebhookSubscription(
            update(["endpoint_url", "event_types", "secret_hint"], endpoint_url="ftp://x"),
            metadata=member(org),
        )
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(invalid.value)[1] == [("update_mask", "'secret_hint' cannot be updated")]
    with pytest.raises(grpc.aio.AioRpcError) as bad_values:
        await stub.UpdateWebhookSubscription(
            update(["endpoint_url", "event_types"], endpoint_url="ftp://x"), metadata=member(org)
        )
    assert error_details(bad_values.value)[1] == [
        ("webhook_subscription.endpoint_url", "must be an https:// URL"),
        ("webhook_subscription.event_types", "is required"),
    ]
    with pytest.raises(grpc.aio.AioRpcError) as other:
        await stub.UpdateWebhookSubscription(update(["description"]), metadata=member(str(uuid.uuid4())))
    assert error_details(other.value)[0] == "ORG_ACCESS_DENIED"
    with pytest.raises(grpc.aio.AioRpcError) as analyst:
        await stub.RotateWebhookSubscriptionSecret(
            outbound_pb2.RotateWebhookSubscriptionSecretRequest(name=name),
            metadata=member(org, role="analyst"),
        )
    assert error_details(analyst.value)[0] == "ROLE_NOT_ALLOWED"
    with pytest.raises(grpc.aio.AioRpcError) as too_long:
        await stub.RotateWebhookSubscriptionSecret(
            outbound_pb2.RotateWebhookSubscriptionSecretRequest(
                name=name, overlap=Duration(seconds=8 * 86400)
            ),
            metadata=member(org),
        )
    assert error_details(too_long.value)[1] == [("overlap", "must be between 0 and 7 days")]

    rotated = await stub.RotateWebhookSubscriptionSecret(
        outbound_pb2.RotateWebhookSubscriptionSecretRequest(name=name, overlap=Duration(seconds=3600)),
        metadata=member(org),
    )
    new_secret = rotated.signing_secret
    assert new_secret.startswith("whsec_") and new_secret != old_secret
    assert rotated.webhook_subscription.secret_hint == new_secret[-4:]
    overlap_end = rotated.webhook_subscription.previous_secret_expire_time.ToSeconds()
    assert 3500 < overlap_end - time.time() <= 3600

    # During the overlap every delivery carries one v1= per secret, new first.
    tested = await stub.TestWebhookSubscription(
        outbound_pb2.TestWebhookSubscriptionRequest(name=name), metadata=member(org)
    )
    assert tested.webhook_delivery.attempts[0].response_code == 200
    header = seen[0]["SocialProof-Signature"]
    t = int(header.split(",")[0][2:])
    body = seen[0]["body"].encode()
    assert header == f"t={t},v1={sign_generic(new_secret, t, body)},v1={sign_generic(old_secret, t, body)}"
    assert json.loads(body)["type"] == "ping"

    ended = await stub.RotateWebhookSubscriptionSecret(
        outbound_pb2.RotateWebhookSubscriptionSecretRequest(name=name, overlap=Duration(seconds=0)),
        metadata=member(org),
    )
    assert not ended.webhook_subscription.HasField("previous_secret_expire_time")
    await stub.TestWebhookSubscription(
        outbound_pb2.TestWebhookSubscriptionRequest(name=name), metadata=member(org)
    )
    assert seen[1]["SocialProof-Signature"].count("v1=") == 1


async def test_get_webhook_receipt(integrations) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    org = str(uuid.uuid4())
    connection = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY, org=org)
    body = json.dumps(ORDER).encode()
    accepted = await post(channel, "shopify", connection, body, shopify_headers(body, "receipt-1"))
    assert accepted.outcome == WebhookOutcome.WEBHOOK_OUTCOME_ACCEPTED
    stub = webhooks_pb2_grpc.WebhookReceiptServiceStub(channel)
    name = f"organizations/{org}/sites/{SITE}/connections/{connection}/webhookReceipts/{accepted.receipt_id}"
    got = await stub.GetWebhookReceipt(webhooks_pb2.GetWebhookReceiptRequest(name=name), metadata=member(org))
    receipt = got.webhook_receipt
    assert receipt.name == name
    assert (receipt.topic, receipt.provider_delivery_id) == ("orders/create", "receipt-1")
    assert receipt.outcome == WebhookOutcome.WEBHOOK_OUTCOME_ACCEPTED
    assert receipt.body_bytes == len(body) and len(receipt.activity_ids) == 1
    listed = await stub.ListWebhookReceipts(
        webhooks_pb2.ListWebhookReceiptsRequest(parent=name.rsplit("/webhookReceipts/", 1)[0]),
        metadata=member(org),
    )
    assert list(listed.webhook_receipts) == [receipt]

    other_site = name.replace(SITE, str(uuid.uuid4()))
    with pytest.raises(grpc.aio.AioRpcError) as wrong_site:
        await stub.GetWebhookReceipt(
            webhooks_pb2.GetWebhookReceiptRequest(name=other_site), metadata=member(org)
        )
    assert error_details(wrong_site.value)[0] == "CONNECTION_NOT_FOUND"
    unknown = name.rsplit("/", 1)[0] + f"/{uuid.uuid4()}"
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.GetWebhookReceipt(
            webhooks_pb2.GetWebhookReceiptRequest(name=unknown), metadata=member(org)
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_details(missing.value)[0] == "WEBHOOK_RECEIPT_NOT_FOUND"
    with pytest.raises(grpc.aio.AioRpcError) as cross:
        await stub.GetWebhookReceipt(
            webhooks_pb2.GetWebhookReceiptRequest(name=name), metadata=member(str(uuid.uuid4()))
        )
    assert error_details(cross.value)[0] == "ORG_ACCESS_DENIED"
    with pytest.raises(grpc.aio.AioRpcError) as malformed:
        await stub.GetWebhookReceipt(
            webhooks_pb2.GetWebhookReceiptRequest(name="receipts/1"), metadata=member(org)
        )
    assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
