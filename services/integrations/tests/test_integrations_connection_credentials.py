"""ConnectionService.Set/ClearConnectionCredentials: store API keys for WooCommerce and Stripe backfill,
checked with one read call, sealed at rest, never returned; the WooCommerce fake store and localstripe
of test_integrations_backfill_stores.py play the providers."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy import text

from services.integrations.tests.conftest import error_details, member
from services.integrations.tests.test_integrations_backfill_stores import (  # noqa: F401 (fixtures)
    CK,
    CS,
    ORG,  # run_backfill polls as an owner of this organization
    FakeWooCommerce,
    run_backfill,
    service,
    woo,
)
from socialproof.events.v1.integrations_events_pb2 import IntegrationProvider as P
from socialproof.integrations.v1 import backfill_pb2, backfill_pb2_grpc, connections_pb2, connections_pb2_grpc
from socialproof.integrations.v1.backfill_pb2 import BackfillState

SITE = str(uuid.uuid4())
OTHER_ORG = str(uuid.uuid4())


def stub(channel: grpc.aio.Channel) -> connections_pb2_grpc.ConnectionServiceStub:
    return connections_pb2_grpc.ConnectionServiceStub(channel)


async def connect(channel: grpc.aio.Channel, provider: int, org: str = ORG, **settings: Any) -> str:
    connection = connections_pb2.Connection(provider=provider, display_name="Store", **settings)  # type: ignore[arg-type]
    reply = await stub(channel).CreateConnection(
        connections_pb2.CreateConnectionRequest(
            parent=f"organizations/{org}/sites/{SITE}", connection=connection
        ),
        metadata=member(org),
    )
    return reply.connection.name


def woo_credentials(
    name: str, store_url: str = "", key: str = CK, secret: str = CS, **extra: Any
) -> connections_pb2.SetConnectionCredentialsRequest:
    return connections_pb2.SetConnectionCredentialsRequest(
        name=name,
        woocommerce=connections_pb2.WooCommerceCredentials(
            store_url=store_url, consumer_key=key, consumer_secret=secret
        ),
        **extra,
    )


async def refused(call: Any) -> tuple[grpc.StatusCode, str, list[tuple[str, str]], str]:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call
    reason, violations = error_details(failure.value)
    return failure.value.code(), reason, violations, failure.value.details() or ""


async def get(channel: grpc.aio.Channel, name: str) -> connections_pb2.Connection:
    reply = await stub(channel).GetConnection(
        connections_pb2.GetConnectionRequest(name=name), metadata=member(ORG, "viewer")
    )
    return reply.connection


async def sealed_column(server: Any, name: str) -> bytes | None:
    async with server.integrations.db.tenant_session(ORG) as session:
        found = (
            await session.execute(
                text("SELECT access_token_enc FROM connections WHERE id = :id"), {"id": name.split("/")[5]}
            )
        ).scalar_one_or_none()
    return bytes(found) if found is not None else None


async def test_credentials_set_through_the_api_drive_a_woocommerce_backfill(
    service: Any,  # noqa: F811
    woo: FakeWooCommerce,  # noqa: F811
) -> None:
    server, channel = service
    name = await connect(channel, P.INTEGRATION_PROVIDER_WOOCOMMERCE)
    assert (await get(channel, name)).has_store_credentials is False

    reply = await stub(channel).SetConnectionCredentials(
        woo_credentials(name, store_url=woo.url + "/"), metadata=member(ORG)
    )
    assert reply.connection.has_store_credentials is True
    assert reply.connection.woocommerce.store_url == woo.url  # the URL the keys are sealed with
    # the keys were checked with one cheap read before they were stored
    assert [(q["page"], q["per_page"]) for q in woo.queries] == [("1", "1")]

    # never returned: not by the reply, Get or List (as bytes, so no field anywhere carries them)
    listed = await stub(channel).ListConnections(
        connections_pb2.ListConnectionsRequest(parent=f"organizations/{ORG}/sites/{SITE}"),
        metadata=member(ORG, "viewer"),
    )
    got = await get(channel, name)
    assert got.has_store_credentials is True
    for message in (reply, got, listed):
        wire = message.SerializeToString()
        assert CK.encode() not in wire and CS.encode() not in wire
    # sealed at rest: the column holds AES-GCM ciphertext, not the keys nor the JSON around them
    raw = await sealed_column(server, name)
    assert raw is not None
    for plain in (CK, CS, "consumer_key", "consumer_secret", woo.url):
        assert plain.encode() not in raw

    woo.queries.clear()
    job = await run_backfill(channel, name)
    assert job.state == BackfillState.BACKFILL_STATE_SUCCEEDED, job.error
    progress = job.progress
    assert (progress.processed_count, progress.imported_count, progress.skipped_count) == (5, 3, 2)
    assert [q["page"] for q in woo.queries] == ["1", "2", "3"]

    cleared = await stub(channel).ClearConnectionCredentials(
        connections_pb2.ClearConnectionCredentialsRequest(name=name), metadata=member(ORG)
    )
    assert cleared.connection.has_store_credentials is False
    assert await sealed_column(server, name) is None
    code, reason, _, _ = await refused(
        backfill_pb2_grpc.BackfillServiceStub(channel).CreateBackfill(
            backfill_pb2.CreateBackfillRequest(parent=name), metadata=member(ORG)
        )
    )
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "BACKFILL_NOT_AUTHORIZED")


async def test_keys_the_store_refuses_are_not_stored_unless_the_check_is_skipped(
    service: Any,  # noqa: F811
    woo: FakeWooCommerce,  # noqa: F811
) -> None:
    server, channel = service
    name = await connect(
        channel,
        P.INTEGRATION_PROVIDER_WOOCOMMERCE,
        woocommerce=connections_pb2.WooCommerceSettings(store_url=woo.url),
    )
    code, reason, _, message = await refused(
        stub(channel).SetConnectionCredentials(
            woo_credentials(name, secret="cs_wrong_secret"), metadata=member(ORG)
        )
    )
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CONNECTION_CREDENTIALS_REJECTED")
    assert "HTTP 401" in message and "cs_wrong_secret" not in message
    assert (await get(channel, name)).has_store_credentials is False

    # the connection's store URL is used when the request names none; skipping the check stores them
    reply = await stub(channel).SetConnectionCredentials(
        woo_credentials(name, secret="cs_wrong_secret", skip_verification=True), metadata=member(ORG)
    )
    assert reply.connection.has_store_credentials is True
    job = await run_backfill(channel, name)
    assert job.state == BackfillState.BACKFILL_STATE_FAILED
    assert job.error == "WooCommerce: orders answered HTTP 401"

    # a new store URL drops keys that were given for the old store
    updated = await stub(channel).UpdateConnection(
        connections_pb2.UpdateConnectionRequest(
            connection=connections_pb2.Connection(
                name=name, woocommerce=connections_pb2.WooCommerceSettings(store_url="https://other.example")
            ),
            update_mask=FieldMask(paths=["woocommerce.store_url"]),
        ),
        metadata=member(ORG),
    )
    assert updated.connection.has_store_credentials is False
    assert await sealed_column(server, name) is None


async def test_stripe_key_checked_against_stripe(service: Any) -> None:  # noqa: F811
    _server, channel = service
    name = await connect(channel, P.INTEGRATION_PROVIDER_STRIPE)

    def stripe_key(key: str) -> connections_pb2.SetConnectionCredentialsRequest:
        return connections_pb2.SetConnectionCredentialsRequest(
            name=name, stripe=connections_pb2.StripeCredentials(api_key=key)
        )

    code, reason, violations, _ = await refused(
        stub(channel).SetConnectionCredentials(stripe_key("pk_test_publishable"), metadata=member(ORG))
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in violations] == ["stripe.api_key"]
    assert "publishable" in violations[0][1]
    # localstripe refuses this key as Stripe refuses a revoked one
    code, reason, _, message = await refused(
        stub(channel).SetConnectionCredentials(stripe_key("sk_x"), metadata=member(ORG))
    )
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CONNECTION_CREDENTIALS_REJECTED")
    assert message.startswith("Stripe did not accept the credentials") and "sk_x" not in message
    reply = await stub(channel).SetConnectionCredentials(stripe_key("sk_test_backfill"), metadata=member(ORG))
    assert reply.connection.has_store_credentials is True
    assert b"sk_test_backfill" not in reply.SerializeToString()


async def test_malformed_urls_and_keys_are_field_violations(
    service: Any,  # noqa: F811
    woo: FakeWooCommerce,  # noqa: F811
) -> None:
    _server, channel = service
    name = await connect(channel, P.INTEGRATION_PROVIDER_WOOCOMMERCE)
    cases = [
        (woo_credentials(name), {"woocommerce.store_url"}),  # no URL here nor on the connection
        (woo_credentials(name, store_url="shop.example.com"), {"woocommerce.store_url"}),
        (woo_credentials(name, store_url="ftp://shop.example.com"), {"woocommerce.store_url"}),
        (woo_credentials(name, store_url="http://shop.example.com"), {"woocommerce.store_url"}),
        (woo_credentials(name, store_url="https://10.0.0.7"), {"woocommerce.store_url"}),
        (woo_credentials(name, store_url="https://shop.example.com/?x=1"), {"woocommerce.store_url"}),
        (
            woo_credentials(name, store_url=woo.url, key=CS, secret=CK),  # swapped
            {"woocommerce.consumer_key", "woocommerce.consumer_secret"},
        ),
        (
            woo_credentials(name, store_url=woo.url, key="", secret="cs_with space"),
            {"woocommerce.consumer_key", "woocommerce.consumer_secret"},
        ),
        (connections_pb2.SetConnectionCredentialsRequest(name=name), {"credentials"}),
    ]
    for request, fields in cases:
        code, _reason, violations, _ = await refused(
            stub(channel).SetConnectionCredentials(request, metadata=member(ORG))
        )
        assert code == grpc.StatusCode.INVALID_ARGUMENT, request
        assert {field for field, _ in violations} == fields, (request, violations)
    assert woo.queries == []  # nothing was sent anywhere
    assert (await get(channel, name)).has_store_credentials is False


async def test_wrong_provider_is_a_failed_precondition(service: Any) -> None:  # noqa: F811
    _server, channel = service
    stripe_name = await connect(channel, P.INTEGRATION_PROVIDER_STRIPE)
    code, reason, _, message = await refused(
        stub(channel).SetConnectionCredentials(
            woo_credentials(stripe_name, store_url="https://shop.example.com"), metadata=member(ORG)
        )
    )
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CONNECTION_CREDENTIALS_PROVIDER_MISMATCH")
    assert message == "These are WooCommerce credentials but the connection is a Stripe connection"

    shopify_name = await connect(
        channel,
        P.INTEGRATION_PROVIDER_SHOPIFY,
        shopify=connections_pb2.ShopifySettings(shop_domain="trail-shoes.myshopify.com"),
    )
    code, reason, _, _ = await refused(
        stub(channel).SetConnectionCredentials(
            connections_pb2.SetConnectionCredentialsRequest(
                name=shopify_name, stripe=connections_pb2.StripeCredentials(api_key="sk_test_backfill")
            ),
            metadata=member(ORG),
        )
    )
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CONNECTION_CREDENTIALS_PROVIDER_MISMATCH")
    code, reason, _, message = await refused(
        stub(channel).ClearConnectionCredentials(
            connections_pb2.ClearConnectionCredentialsRequest(name=shopify_name), metadata=member(ORG)
        )
    )
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "BACKFILL_PROVIDER_UNSUPPORTED")
    assert "OAuth" in message


async def test_only_owners_and_admins_of_the_connection_s_org(
    service: Any,  # noqa: F811
    woo: FakeWooCommerce,  # noqa: F811
) -> None:
    server, channel = service
    name = await connect(channel, P.INTEGRATION_PROVIDER_WOOCOMMERCE)
    request = woo_credentials(name, store_url=woo.url)
    clear = connections_pb2.ClearConnectionCredentialsRequest(name=name)
    code, reason, _, _ = await refused(
        stub(channel).SetConnectionCredentials(request, metadata=member(ORG, "viewer"))
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    code, reason, _, _ = await refused(
        stub(channel).ClearConnectionCredentials(clear, metadata=member(ORG, "viewer"))
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    admin = await stub(channel).SetConnectionCredentials(request, metadata=member(ORG, "admin"))
    assert admin.connection.has_store_credentials is True

    # another organization's owner: refused on this org's path, not found under their own
    code, reason, _, _ = await refused(
        stub(channel).ClearConnectionCredentials(clear, metadata=member(OTHER_ORG))
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ORG_ACCESS_DENIED")
    foreign = name.replace(ORG, OTHER_ORG)
    for call in (
        stub(channel).SetConnectionCredentials(
            woo_credentials(foreign, store_url=woo.url), metadata=member(OTHER_ORG)
        ),
        stub(channel).ClearConnectionCredentials(
            connections_pb2.ClearConnectionCredentialsRequest(name=foreign), metadata=member(OTHER_ORG)
        ),
        # the right org but another site of it
        stub(channel).SetConnectionCredentials(
            woo_credentials(name.replace(SITE, str(uuid.uuid4())), store_url=woo.url), metadata=member(ORG)
        ),
    ):
        code, reason, _, _ = await refused(call)
        assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "CONNECTION_NOT_FOUND")
    assert (await get(channel, name)).has_store_credentials is True
    assert await sealed_column(server, name) is not None
