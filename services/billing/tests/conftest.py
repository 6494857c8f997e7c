"""Fixtures of billing's service tests: the billing server in-process on 127.0.0.1:0."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from services.billing.bootstrap import BillingSettings, build
from services.billing.tests.billing_support import MESH_TOKEN, WEBHOOK_SECRET
from shared.crypto import generate_key
from shared.kafka_bus import EventConsumer, EventProducer, ReceivedEvent, ensure_topics
from shared.rpc import RpcServer


@pytest.fixture
async def catalog_server(pg_database: str) -> AsyncIterator[RpcServer]:
    """Billing with Postgres only: enough for the plan catalog."""
    settings = BillingSettings(
        grpc_port=0, database_url=pg_database, mesh_token=MESH_TOKEN, env="test", drain_seconds=0
    )
    server = build(settings)
    await server.start()
    yield server
    await server.stop(grace=0)


@pytest.fixture
async def catalog_channel(catalog_server: RpcServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(catalog_server.address) as channel:
        yield channel


@pytest.fixture
def billing_settings(
    pg_database: str,
    redis_url: str,
    kafka_bootstrap: str,
    kafka_topic_prefix: str,
    localstripe_url: str,
    smtp_sink: Any,
) -> BillingSettings:
    return BillingSettings(
        grpc_port=0,
        database_url=pg_database,
        mesh_token=MESH_TOKEN,
        env="test",
        drain_seconds=0,
        redis_url=redis_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=kafka_topic_prefix,
        smtp_url=smtp_sink.url,
        stripe_api_key="sk_test_billing",
        stripe_api_base=localstripe_url,
        stripe_proration_behavior=False,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_publishable_key="pk_test_billing",
        pii_keys=f"k1:{generate_key()}",
    )


@pytest.fixture
async def billing_server(billing_settings: BillingSettings) -> AsyncIterator[RpcServer]:
    server = build(billing_settings)
    await server.start()
    for consumer in server.billing_consumers:  # type: ignore[attr-defined]
        await consumer.wait_assigned(15)
    yield server
    await server.stop(grace=0)


@pytest.fixture
async def billing_channel(billing_server: RpcServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(billing_server.address) as channel:
        yield channel


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[EventProducer]:
    async with EventProducer(kafka_bootstrap) as p:
        yield p


@pytest.fixture
async def billing_topic(kafka_bootstrap: str, kafka_topic_prefix: str) -> AsyncIterator[list[ReceivedEvent]]:
    """Everything billing publishes on its `billing` topic during the test, as it arrives."""
    topic = kafka_topic_prefix + "billing"
    await ensure_topics(kafka_bootstrap, [topic])
    received: list[ReceivedEvent] = []

    async def collect(event: ReceivedEvent) -> None:
        received.append(event)

    consumer = EventConsumer(
        kafka_bootstrap,
        group_id=kafka_topic_prefix + "billing-test-reader",
        topics=[topic],
        handler=collect,
        fast_group_join=True,
        create_dlq_topics=False,
    )
    task = asyncio.create_task(consumer.run())
    await consumer.wait_assigned(15)
    yield received
    consumer.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
