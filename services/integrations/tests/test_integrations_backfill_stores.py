"""WooCommerce and Stripe backfill: a local aiohttp server plays the WooCommerce REST API v3 and
localstripe plays Stripe (through the official SDK); progress is reported as for Shopify."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
import stripe
from aiohttp import web

from services.integrations.bootstrap import build
from services.integrations.tests.conftest import TopicReader, error_details, make_settings, member
from shared.errors import InvalidArgument
from socialproof.events.v1.activity_pb2 import ActivityRecorded, ActivitySource
from socialproof.events.v1.integrations_events_pb2 import IntegrationProvider as P
from socialproof.integrations.v1 import backfill_pb2, backfill_pb2_grpc, connections_pb2, connections_pb2_grpc
from socialproof.integrations.v1.backfill_pb2 import BackfillState

ORG, SITE = str(uuid.uuid4()), str(uuid.uuid4())
CK, CS = "ck_test_0123456789", "cs_test_abcdef"


def wc_order(order_id: int, status: str, days_ago: float, first: str = "Jana") -> dict[str, Any]:
    created = (datetime.now(UTC) - timedelta(days=days_ago)).replace(microsecond=0, tzinfo=None)
    return {
        "id": order_id,
        "status": status,
        "currency": "EUR",
        "total": "59.00",
        "date_created_gmt": created.isoformat(),
        "date_paid_gmt": created.isoformat(),
        "billing": {"first_name": first, "last_name": "Novak", "city": "Brno", "country": "CZ"},
        "line_items": [{"name": "Trail Shoes", "product_id": 7, "quantity": 1}],
    }


class FakeWooCommerce:
    """GET /wp-json/wc/v3/orders as WooCommerce answers it: Basic auth, `after`, page/per_page,
    newest first, X-WP-Total and X-WP-TotalPages."""

    def __init__(self, orders: list[dict[str, Any]]) -> None:
        self.orders = orders
        self.queries: list[dict[str, str]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{CK}:{CS}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"code": "woocommerce_rest_cannot_view"}, status=401)
        query = dict(request.query)
        self.queries.append(query)
        after = datetime.fromisoformat(query["after"])
        found = [o for o in self.orders if datetime.fromisoformat(o["date_created_gmt"] + "+00:00") > after]
        found.sort(key=lambda o: o["date_created_gmt"], reverse=True)
        page, per_page = int(query["page"]), int(query["per_page"])
        pages = max(1, -(-len(found) // per_page))
        headers = {"X-WP-Total": str(len(found)), "X-WP-TotalPages": str(pages)}
        return web.json_response(found[(page - 1) * per_page : page * per_page], headers=headers)


@pytest.fixture
async def woo() -> AsyncIterator[FakeWooCommerce]:
    fake = FakeWooCommerce(
        [
            wc_order(101, "completed", 1),
            wc_order(102, "processing", 2, first="Piotr"),
            wc_order(103, "refunded", 3),
            wc_order(104, "pending", 4),
            wc_order(105, "completed", 5, first="Ana"),
            wc_order(106, "completed", 40),  # outside the 7-day window: never asked for
        ]
    )
    app = web.Application()
    app.router.add_get("/wp-json/wc/v3/orders", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.url = f"http://127.0.0.1:{port}"
    yield fake
    await runner.cleanup()


@pytest.fixture
async def service(
    pg_database: str, kafka_bootstrap: str, activity_topic: str, localstripe_url: str
) -> AsyncIterator[tuple[Any, grpc.aio.Channel]]:
    settings = make_settings(
        pg_database,
        kafka_bootstrap,
        activity_topic,
        stripe_api_base_url=localstripe_url,
        backfill_poll_seconds=0.1,
    )
    server = build(settings)
    server.backfills.page_size = 2  # type: ignore[attr-defined]
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    yield server, channel
    await channel.close()
    await server.stop(grace=0)


async def connect(channel: grpc.aio.Channel, provider: int, **settings: Any) -> str:
    connection = connections_pb2.Connection(provider=provider, display_name="Store", enabled=True, **settings)  # type: ignore[arg-type]
    reply = await connections_pb2_grpc.ConnectionServiceStub(channel).CreateConnection(
        connections_pb2.CreateConnectionRequest(
            parent=f"organizations/{ORG}/sites/{SITE}", connection=connection
        ),
        metadata=member(ORG),
    )
    return reply.connection.name


async def run_backfill(channel: grpc.aio.Channel, connection: str) -> backfill_pb2.Backfill:
    stub = backfill_pb2_grpc.BackfillServiceStub(channel)
    created = await stub.CreateBackfill(
        backfill_pb2.CreateBackfillRequest(
            parent=connection, backfill=backfill_pb2.Backfill(lookback_days=7)
        ),
        metadata=member(ORG),
    )
    deadline = time.monotonic() + 20
    while True:
        job = (
            await stub.GetBackfill(
                backfill_pb2.GetBackfillRequest(name=created.backfill.name), metadata=member(ORG)
            )
        ).backfill
        if job.state not in (BackfillState.BACKFILL_STATE_QUEUED, BackfillState.BACKFILL_STATE_RUNNING):
            return job
        assert time.monotonic() < deadline, "backfill did not finish"
        await asyncio.sleep(0.05)


def recorded(messages: list[Any]) -> list[Any]:
    out = []
    for message in messages:
        found = ActivityRecorded()
        if message.payload.Unpack(found):
            out.append(found.activity)
    return out


async def test_woocommerce_backfill_pages_with_progress(
    service, woo, kafka_bootstrap, activity_topic
) -> None:  # type: ignore[no-untyped-def]
    server, channel = service
    name = await connect(
        channel,
        P.INTEGRATION_PROVIDER_WOOCOMMERCE,
        woocommerce=connections_pb2.WooCommerceSettings(store_url=woo.url),
    )
    stub = backfill_pb2_grpc.BackfillServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.CreateBackfill(backfill_pb2.CreateBackfillRequest(parent=name), metadata=member(ORG))
    assert missing.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(missing.value)[0] == "BACKFILL_NOT_AUTHORIZED"

    site_id, connection_id = name.split("/")[3], name.split("/")[5]
    await server.backfills.set_credentials(
        ORG, site_id, connection_id, {"consumer_key": CK, "consumer_secret": CS}
    )
    reader = TopicReader(kafka_bootstrap, activity_topic)
    try:
        job = await run_backfill(channel, name)
        assert job.state == BackfillState.BACKFILL_STATE_SUCCEEDED, job.error
        progress = job.progress
        assert (progress.processed_count, progress.imported_count, progress.skipped_count) == (5, 3, 2)
        assert progress.total_estimate == 5 and progress.percent_complete == 100.0
        # three pages of two, newest first; `after` is the window start in UTC
        assert [q["page"] for q in woo.queries] == ["1", "2", "3"]
        assert {q["per_page"] for q in woo.queries} == {"2"} and woo.queries[0]["order"] == "desc"
        assert datetime.fromisoformat(woo.queries[0]["after"]).utcoffset() == timedelta(0)
        oldest = datetime.fromisoformat(wc_order(105, "completed", 5)["date_created_gmt"] + "+00:00")
        assert abs(progress.reached_time.ToDatetime(UTC) - oldest) < timedelta(seconds=5)
        activities = recorded(await reader.read(3))
    finally:
        reader.close()
    assert sorted(a.source_ref for a in activities) == ["101", "102", "105"]
    assert {a.source for a in activities} == {ActivitySource.ACTIVITY_SOURCE_WOOCOMMERCE}
    assert sorted(a.actor.first_name for a in activities) == ["Ana", "Jana", "Piotr"]


async def test_woocommerce_wrong_keys_fail_the_job_with_a_secret_free_error(service, woo) -> None:  # type: ignore[no-untyped-def]
    server, channel = service
    name = await connect(
        channel,
        P.INTEGRATION_PROVIDER_WOOCOMMERCE,
        woocommerce=connections_pb2.WooCommerceSettings(store_url=woo.url),
    )
    site_id, connection_id = name.split("/")[3], name.split("/")[5]
    await server.backfills.set_credentials(
        ORG, site_id, connection_id, {"consumer_key": CK, "consumer_secret": "cs_wrong"}
    )
    job = await run_backfill(channel, name)
    assert job.state == BackfillState.BACKFILL_STATE_FAILED
    assert job.error == "WooCommerce: orders answered HTTP 401" and "cs_wrong" not in job.error


async def test_stripe_backfill_lists_charges_through_the_sdk(
    service, localstripe_url, kafka_bootstrap, activity_topic
) -> None:  # type: ignore[no-untyped-def]
    server, channel = service
    client = stripe.StripeClient("sk_test_backfill", base_addresses={"api": localstripe_url})  # type: ignore[typeddict-item]

    def charge(amount: int, description: str) -> Any:
        pm = client.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
            }
        )
        return client.v1.charges.create(
            params={"amount": amount, "currency": "eur", "source": pm.id, "description": description}
        )

    kept = [await asyncio.to_thread(charge, 1999 + i, f"Trail Shoes {i}") for i in range(3)]
    refunded = await asyncio.to_thread(charge, 500, "Returned Socks")
    await asyncio.to_thread(client.v1.refunds.create, params={"charge": refunded.id})

    name = await connect(channel, P.INTEGRATION_PROVIDER_STRIPE)
    site_id, connection_id = name.split("/")[3], name.split("/")[5]
    with pytest.raises(InvalidArgument):  # a Stripe connection needs an api_key
        await server.backfills.set_credentials(ORG, site_id, connection_id, {"consumer_key": CK})
    await server.backfills.set_credentials(ORG, site_id, connection_id, {"api_key": "sk_test_backfill"})
    reader = TopicReader(kafka_bootstrap, activity_topic)
    try:
        job = await run_backfill(channel, name)
        assert job.state == BackfillState.BACKFILL_STATE_SUCCEEDED, job.error
        activities = recorded(await reader.read(3, settle=1.0))
    finally:
        reader.close()
    progress = job.progress
    # localstripe is shared by the session: other tests' charges may be listed too
    assert progress.processed_count >= 4 and progress.skipped_count >= 1
    assert progress.processed_count == progress.imported_count + progress.skipped_count
    assert progress.total_estimate == 0 and progress.percent_complete == 100.0
    by_ref = {a.source_ref: a for a in activities}
    assert {c.id for c in kept} <= set(by_ref) and refunded.id not in by_ref
    first = by_ref[kept[0].id]
    assert first.source == ActivitySource.ACTIVITY_SOURCE_STRIPE
    assert (first.amount.amount_minor, first.amount.currency_code) == (1999, "EUR")
    assert first.product.name == "Trail Shoes 0"
    assert first.test is True  # a test-mode key lists test-mode charges: imported, marked test
