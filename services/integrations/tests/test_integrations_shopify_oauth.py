"""Shopify OAuth connect and order backfill against a local aiohttp server playing Shopify."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
import pytest
from aiohttp import web
from sqlalchemy import text

from services.integrations.bootstrap import build
from services.integrations.domain.signatures import shopify_query_hmac
from services.integrations.shopify_oauth import token_aad
from services.integrations.tests.conftest import error_details, make_settings, member
from services.integrations.tests.test_integrations_webhooks import ORDER, shopify_sign
from shared.rpc import RpcServer
from socialproof.events.v1.activity_pb2 import ActivityRecorded
from socialproof.events.v1.integrations_events_pb2 import ConnectionStatus, IntegrationProvider
from socialproof.integrations.v1 import (
    backfill_pb2,
    backfill_pb2_grpc,
    connections_pb2,
    connections_pb2_grpc,
    oauth_pb2,
    oauth_pb2_grpc,
    webhooks_pb2,
    webhooks_pb2_grpc,
)
from socialproof.integrations.v1.backfill_pb2 import BackfillState
from socialproof.integrations.v1.webhooks_pb2 import WebhookOutcome

CLIENT_ID = "sp-test-app"
CLIENT_SECRET = "shpss_app_client_secret_0001"
SHOP = "trail-shoes.myshopify.com"
GOOD_CODE = "code-from-shopify"
TOKEN = "shpat_granted_token_abc"
ORG, SITE = str(uuid.uuid4()), str(uuid.uuid4())
BACKFILL_ORDERS = [
    {**ORDER, "id": 9001, "financial_status": "paid", "created_at": "2026-11-20T10:00:00Z"},
    {**ORDER, "id": 9002, "financial_status": "pending", "created_at": "2026-11-19T10:00:00Z"},
    {**ORDER, "id": 9003, "test": True, "created_at": "2026-11-18T10:00:00Z"},
    {**ORDER, "id": 9004, "financial_status": "refunded", "created_at": "2026-11-17T10:00:00Z"},
]


class FakeShopify:
    """Shopify's token endpoint and webhook API on loopback, checking what a real shop checks."""

    def __init__(self) -> None:
        self.exchanges: list[dict[str, Any]] = []
        self.webhooks: list[tuple[str, dict[str, Any]]] = []
        self.order_queries: list[dict[str, str]] = []
        self.url = ""

    async def token(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.exchanges.append(body)
        if (body.get("client_id"), body.get("client_secret"), body.get("code")) != (
            CLIENT_ID,
            CLIENT_SECRET,
            GOOD_CODE,
        ):
            return web.json_response({"error": "invalid_request"}, status=400)
        return web.json_response({"access_token": TOKEN, "scope": "read_orders,read_customers"})

    async def orders(self, request: web.Request) -> web.Response:
        if request.headers.get("X-Shopify-Access-Token") != TOKEN:
            return web.json_response({"errors": "[API] Invalid API key or access token"}, status=401)
        self.order_queries.append(dict(request.query))
        if request.query.get("page_info") == "p2":
            return web.json_response({"orders": BACKFILL_ORDERS[2:]})
        link = f'<{self.url}/admin/api/2025-01/orders.json?limit=50&page_info=p2>; rel="next"'
        return web.json_response({"orders": BACKFILL_ORDERS[:2]}, headers={"Link": link})

    async def count(self, request: web.Request) -> web.Response:
        return web.json_response({"count": len(BACKFILL_ORDERS)})

    async def webhook(self, request: web.Request) -> web.Response:
        self.webhooks.append((request.headers.get("X-Shopify-Access-Token", ""), await request.json()))
        return web.json_response({"webhook": {"id": len(self.webhooks)}}, status=201)


@pytest.fixture
async def shopify() -> AsyncIterator[FakeShopify]:
    fake = FakeShopify()
    app = web.Application()
    app.router.add_post("/admin/oauth/access_token", fake.token)
    app.router.add_post("/admin/api/2025-01/webhooks.json", fake.webhook)
    app.router.add_get("/admin/api/2025-01/orders.json", fake.orders)
    app.router.add_get("/admin/api/2025-01/orders/count.json", fake.count)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield fake
    await runner.cleanup()


@pytest.fixture
async def oauth_service(
    pg_database: str, kafka_bootstrap: str, activity_topic: str, shopify: FakeShopify
) -> AsyncIterator[tuple[RpcServer, grpc.aio.Channel]]:
    server = build(
        make_settings(
            pg_database,
            kafka_bootstrap,
            activity_topic,
            shopify_client_id=CLIENT_ID,
            shopify_client_secret=CLIENT_SECRET,
            shopify_admin_base_url=shopify.url,
            dashboard_base_url="https://app.example.test",
            public_base_url="https://hooks.example.test",
        )
    )
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    yield server, channel
    await channel.close()
    await server.stop(grace=0)


def callback(
    state: str, *, code: str = GOOD_CODE, shop: str = SHOP, secret: str = CLIENT_SECRET, **over: str
):  # type: ignore[no-untyped-def]
    params = {
        "code": code,
        "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdHJhaWwtc2hvZXM",
        "shop": shop,
        "state": state,
        "timestamp": str(int(time.time())),
    }
    params.update(over)
    params["hmac"] = shopify_query_hmac(list(params.items()), secret)
    return oauth_pb2.HandleShopifyCallbackRequest(**params)


def redirect_of(page: bytes) -> dict[str, list[str]]:
    html = page.decode()
    target = html.split('content="0;url=', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    parts = urlsplit(target)
    assert f"{parts.scheme}://{parts.netloc}" == "https://app.example.test"
    return {"path": [parts.path], **parse_qs(parts.query)}


async def start(channel: grpc.aio.Channel) -> oauth_pb2.StartShopifyInstallResponse:
    stub = oauth_pb2_grpc.ShopifyOAuthServiceStub(channel)
    reply: oauth_pb2.StartShopifyInstallResponse = await stub.StartShopifyInstall(
        oauth_pb2.StartShopifyInstallRequest(
            parent=f"organizations/{ORG}/sites/{SITE}",
            shop_domain="Trail-Shoes",
            return_path="/sites/x/integrations",
        ),
        metadata=member(ORG),
    )
    return reply


async def stored_token(server: RpcServer, connection_id: str) -> bytes | None:
    async with server.integrations.db.tenant_session(ORG) as session:  # type: ignore[attr-defined]
        value = (
            await session.execute(
                text("SELECT access_token_enc FROM connections WHERE id = :id"), {"id": connection_id}
            )
        ).scalar_one()
    return bytes(value) if value is not None else None


async def test_install_and_callback_store_an_encrypted_token_and_activate_the_connection(
    oauth_service, shopify: FakeShopify
) -> None:  # type: ignore[no-untyped-def]
    server, channel = oauth_service
    started = await start(channel)
    url = urlsplit(started.install_url)
    assert (url.scheme, url.netloc, url.path) == ("https", SHOP, "/admin/oauth/authorize")
    query = parse_qs(url.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["read_orders,read_customers"]
    assert query["redirect_uri"] == ["https://hooks.example.test/v1/oauth/shopify/callback"]
    assert query["state"] == [started.state]
    ttl = started.expire_time.ToDatetime(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(minutes=9) < ttl <= timedelta(minutes=10)
    connection_id = started.connection.rsplit("/", 1)[1]
    connections = connections_pb2_grpc.ConnectionServiceStub(channel)
    pending = await connections.GetConnection(
        connections_pb2.GetConnectionRequest(name=started.connection), metadata=member(ORG)
    )
    assert pending.connection.status == ConnectionStatus.CONNECTION_STATUS_PENDING
    assert pending.connection.shopify.shop_domain == SHOP

    stub = oauth_pb2_grpc.ShopifyOAuthServiceStub(channel)
    call = stub.HandleShopifyCallback(callback(started.state))
    reply = await call
    headers = dict(await call.initial_metadata())
    assert headers["cache-control"] == "no-store"
    assert reply.http_body.content_type == "text/html; charset=utf-8"
    redirect = redirect_of(reply.http_body.data)
    assert redirect == {"path": ["/sites/x/integrations"], "result": ["ok"], "connection": [connection_id]}

    assert shopify.exchanges == [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": GOOD_CODE}]
    assert {w["webhook"]["topic"] for _, w in shopify.webhooks} >= {"orders/paid", "refunds/create"}
    assert all(token == TOKEN for token, _ in shopify.webhooks)
    assert {w["webhook"]["address"] for _, w in shopify.webhooks} == {
        f"https://hooks.example.test/v1/hooks/shopify/{connection_id}"
    }
    sealed = await stored_token(server, connection_id)
    assert sealed is not None and TOKEN.encode() not in sealed
    assert server.integrations.keyring.decrypt_str(sealed, token_aad(ORG, connection_id)) == TOKEN  # type: ignore[attr-defined]
    active = await connections.GetConnection(
        connections_pb2.GetConnectionRequest(name=started.connection), metadata=member(ORG)
    )
    assert active.connection.status == ConnectionStatus.CONNECTION_STATUS_ACTIVE
    assert list(active.connection.shopify.granted_scopes) == ["read_orders", "read_customers"]

    # The app's webhooks are signed with the app's client secret: the connection now verifies them.
    body = json.dumps(ORDER).encode()
    received = await webhooks_pb2_grpc.WebhookServiceStub(channel).ReceiveWebhook(
        webhooks_pb2.ReceiveWebhookRequest(
            provider="shopify", connection=connection_id, http_body={"data": body}
        ),
        metadata=(
            ("x-shopify-hmac-sha256", shopify_sign(body, CLIENT_SECRET)),
            ("x-shopify-topic", "orders/paid"),
            ("x-shopify-webhook-id", "oauth-1"),
        ),
    )
    assert received.outcome == WebhookOutcome.WEBHOOK_OUTCOME_ACCEPTED

    # The state is single use: replaying the very same (validly signed) callback is refused.
    replay = await stub.HandleShopifyCallback(callback(started.state))
    assert redirect_of(replay.http_body.data)["error"] == ["OAUTH_STATE_REPLAYED"]
    assert len(shopify.exchanges) == 1


async def test_bad_hmac_expired_state_and_failed_exchange_store_nothing(
    oauth_service, shopify: FakeShopify
) -> None:  # type: ignore[no-untyped-def]
    server, channel = oauth_service
    stub = oauth_pb2_grpc.ShopifyOAuthServiceStub(channel)
    started = await start(channel)
    connection_id = started.connection.rsplit("/", 1)[1]

    async def refused(request: oauth_pb2.HandleShopifyCallbackRequest) -> str:
        reply = await stub.HandleShopifyCallback(request)
        page = redirect_of(reply.http_body.data)
        assert page["result"] == ["error"]
        assert b"Shopify connection failed" in reply.http_body.data
        return page["error"][0]

    assert await refused(callback(started.state, secret="not-the-app-secret")) == "OAUTH_HMAC_INVALID"
    tampered = callback(started.state)
    tampered.code = "another-code"  # one parameter changed after Shopify signed them
    assert await refused(tampered) == "OAUTH_HMAC_INVALID"
    old = str(int(time.time()) - 3600)
    assert await refused(callback(started.state, timestamp=old)) == "OAUTH_CALLBACK_STALE"
    assert await refused(callback(started.state, shop="other-shop.myshopify.com")) == "OAUTH_STATE_INVALID"
    forged = started.state.rsplit(".", 1)[0] + "." + "0" * 64
    assert await refused(callback(forged)) == "OAUTH_STATE_INVALID"
    assert shopify.exchanges == []  # none of these reached Shopify

    # Shopify refusing the code: clear error, state consumed, nothing stored.
    assert await refused(callback(started.state, code="revoked-code")) == "OAUTH_TOKEN_EXCHANGE_FAILED"
    assert len(shopify.exchanges) == 1
    assert await stored_token(server, connection_id) is None
    assert await refused(callback(started.state)) == "OAUTH_STATE_REPLAYED"
    connection = await connections_pb2_grpc.ConnectionServiceStub(channel).GetConnection(
        connections_pb2.GetConnectionRequest(name=started.connection), metadata=member(ORG)
    )
    assert connection.connection.status == ConnectionStatus.CONNECTION_STATUS_PENDING
    assert shopify.webhooks == []

    # An expired state (the app's TTL passed) is refused before any exchange.
    fresh = await start(channel)
    async with server.integrations.db.session() as session:  # type: ignore[attr-defined]
        await session.execute(
            text("UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
        )
    assert await refused(callback(fresh.state)) == "OAUTH_STATE_EXPIRED"
    assert len(shopify.exchanges) == 1


async def test_start_validates_input_and_tenancy(oauth_service) -> None:  # type: ignore[no-untyped-def]
    _, channel = oauth_service
    stub = oauth_pb2_grpc.ShopifyOAuthServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await stub.StartShopifyInstall(
            oauth_pb2.StartShopifyInstallRequest(
                parent=f"organizations/{ORG}/sites/{SITE}",
                shop_domain="evil.example.com",
                return_path="//evil.example.com/phish",
            ),
            metadata=member(ORG),
        )
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(invalid.value)[1] == [
        ("shop_domain", "must be a *.myshopify.com shop domain"),
        ("return_path", "must be a relative dashboard path"),
    ]
    request = oauth_pb2.StartShopifyInstallRequest(
        parent=f"organizations/{ORG}/sites/{SITE}", shop_domain=SHOP
    )
    with pytest.raises(grpc.aio.AioRpcError) as other_org:
        await stub.StartShopifyInstall(request, metadata=member(str(uuid.uuid4())))
    assert error_details(other_org.value)[0] == "ORG_ACCESS_DENIED"
    with pytest.raises(grpc.aio.AioRpcError) as viewer:
        await stub.StartShopifyInstall(request, metadata=member(ORG, role="viewer"))
    assert error_details(viewer.value)[0] == "ROLE_NOT_ALLOWED"


async def test_backfill_imports_recent_orders_with_progress_and_no_duplicates(
    oauth_service, shopify: FakeShopify, topic_reader
) -> None:  # type: ignore[no-untyped-def]
    _, channel = oauth_service
    started = await start(channel)
    await oauth_pb2_grpc.ShopifyOAuthServiceStub(channel).HandleShopifyCallback(callback(started.state))
    connection_id = started.connection.rsplit("/", 1)[1]
    # The same order arrives by webhook first: the backfill's copy carries the same event id.
    body = json.dumps(BACKFILL_ORDERS[0]).encode()
    await webhooks_pb2_grpc.WebhookServiceStub(channel).ReceiveWebhook(
        webhooks_pb2.ReceiveWebhookRequest(
            provider="shopify", connection=connection_id, http_body={"data": body}
        ),
        metadata=(
            ("x-shopify-hmac-sha256", shopify_sign(body, CLIENT_SECRET)),
            ("x-shopify-topic", "orders/paid"),
            ("x-shopify-webhook-id", "bf-1"),
        ),
    )
    stub = backfill_pb2_grpc.BackfillServiceStub(channel)
    created = await stub.CreateBackfill(
        backfill_pb2.CreateBackfillRequest(
            parent=started.connection, backfill=backfill_pb2.Backfill(lookback_days=7), request_id="bf-req-1"
        ),
        metadata=member(ORG),
    )
    name = created.backfill.name
    assert name.startswith(f"{started.connection}/backfills/")
    assert created.backfill.lookback_days == 7
    deadline = time.monotonic() + 10
    while True:
        job = (
            await stub.GetBackfill(backfill_pb2.GetBackfillRequest(name=name), metadata=member(ORG))
        ).backfill
        if job.state not in (BackfillState.BACKFILL_STATE_QUEUED, BackfillState.BACKFILL_STATE_RUNNING):
            break
        assert time.monotonic() < deadline, "backfill did not finish"
        await asyncio.sleep(0.05)
    assert job.state == BackfillState.BACKFILL_STATE_SUCCEEDED, job.error
    progress = job.progress
    assert (progress.processed_count, progress.imported_count, progress.skipped_count) == (4, 2, 2)
    assert progress.total_estimate == 4 and progress.percent_complete == 100.0
    assert progress.reached_time.ToJsonString() == "2026-11-17T10:00:00Z"
    assert job.HasField("start_time") and job.HasField("end_time")
    assert "created_at_min" in shopify.order_queries[0] and shopify.order_queries[1] == {
        "limit": "50",
        "page_info": "p2",
    }

    messages = await topic_reader().read(3)
    refs = []
    for message in messages:
        recorded = ActivityRecorded()
        message.payload.Unpack(recorded)
        refs.append((recorded.activity.source_ref, message.event_id))
    assert sorted(r for r, _ in refs) == ["9001", "9001", "9002"]
    assert len({e for r, e in refs if r == "9001"}) == 1  # consumers drop the second copy by event id

    again = await stub.CreateBackfill(
        backfill_pb2.CreateBackfillRequest(parent=started.connection, request_id="bf-req-1"),
        metadata=member(ORG),
    )
    assert again.backfill.name == name  # idempotent on request_id
    cancelled = await stub.CancelBackfill(backfill_pb2.CancelBackfillRequest(name=name), metadata=member(ORG))
    assert cancelled.backfill.state == BackfillState.BACKFILL_STATE_SUCCEEDED  # finished jobs stay finished
    listed = await stub.ListBackfills(
        backfill_pb2.ListBackfillsRequest(parent=started.connection), metadata=member(ORG)
    )
    assert [b.name for b in listed.backfills] == [name]


async def test_backfill_preconditions(oauth_service) -> None:  # type: ignore[no-untyped-def]
    _, channel = oauth_service
    stub = backfill_pb2_grpc.BackfillServiceStub(channel)
    pending = await start(channel)  # never authorized: no token
    with pytest.raises(grpc.aio.AioRpcError) as unauthorized:
        await stub.CreateBackfill(
            backfill_pb2.CreateBackfillRequest(parent=pending.connection), metadata=member(ORG)
        )
    assert unauthorized.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(unauthorized.value)[0] == "BACKFILL_NOT_AUTHORIZED"
    with pytest.raises(grpc.aio.AioRpcError) as too_long:
        await stub.CreateBackfill(
            backfill_pb2.CreateBackfillRequest(
                parent=pending.connection, backfill=backfill_pb2.Backfill(lookback_days=61)
            ),
            metadata=member(ORG),
        )
    assert error_details(too_long.value)[1] == [("backfill.lookback_days", "must be 1..60 (0 = 30)")]
    with pytest.raises(grpc.aio.AioRpcError) as viewer:
        await stub.CreateBackfill(
            backfill_pb2.CreateBackfillRequest(parent=pending.connection), metadata=member(ORG, role="viewer")
        )
    assert error_details(viewer.value)[0] == "ROLE_NOT_ALLOWED"
    woo = await connections_pb2_grpc.ConnectionServiceStub(channel).CreateConnection(
        connections_pb2.CreateConnectionRequest(
            parent=f"organizations/{ORG}/sites/{SITE}",
            connection=connections_pb2.Connection(
                provider=IntegrationProvider.INTEGRATION_PROVIDER_WOOCOMMERCE
            ),
        ),
        metadata=member(ORG),
    )
    with pytest.raises(grpc.aio.AioRpcError) as no_keys:  # WooCommerce without stored API keys
        await stub.CreateBackfill(
            backfill_pb2.CreateBackfillRequest(parent=woo.connection.name), metadata=member(ORG)
        )
    assert error_details(no_keys.value)[0] == "BACKFILL_NOT_AUTHORIZED"
    missing = f"{pending.connection}/backfills/{uuid.uuid4()}"
    with pytest.raises(grpc.aio.AioRpcError) as not_found:
        await stub.GetBackfill(backfill_pb2.GetBackfillRequest(name=missing), metadata=member(ORG))
    assert error_details(not_found.value)[0] == "BACKFILL_NOT_FOUND"
