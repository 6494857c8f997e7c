"""Fixtures of the integrations service tests: the service in-process on 127.0.0.1:0 with real infra."""

from __future__ import annotations

import asyncio
import base64
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from services.integrations.bootstrap import IntegrationsSettings, build
from shared.kafka_bus import decode_envelope
from shared.principal import MESH_TOKEN_HEADER, PRINCIPAL_HEADER, Principal, PrincipalKind
from shared.rpc import RpcServer
from shared.rpc.status import error_details as decode_error_details
from socialproof.notifications.v1 import sites_pb2, sites_pb2_grpc

MESH_TOKEN = "integrations-test-mesh-token"
KEYS = f"k1:{base64.b64encode(os.urandom(32)).decode()}"


def make_settings(pg_database: str, kafka_bootstrap: str, topic: str, **extra: Any) -> IntegrationsSettings:
    return IntegrationsSettings(
        grpc_port=0,
        database_url=pg_database,
        kafka_bootstrap_servers=kafka_bootstrap,
        activity_topic=topic,
        mesh_token=MESH_TOKEN,
        pii_keys=KEYS,
        outbound_allow_loopback_http=True,
        outbound_backoff_base_seconds=0.3,
        outbound_backoff_cap_seconds=0.6,
        outbound_poll_seconds=0.05,
        outbound_timeout_seconds=2.0,
        drain_seconds=0,
        **extra,
    )


def member(org_id: str, role: str = "owner") -> tuple[tuple[str, str], ...]:
    principal = Principal(kind=PrincipalKind.USER, subject="user-1", org_id=org_id, role=role)
    return ((MESH_TOKEN_HEADER, MESH_TOKEN), (PRINCIPAL_HEADER, principal.to_header()))


def error_details(error: grpc.aio.AioRpcError) -> tuple[str, list[tuple[str, str]]]:
    """(ErrorInfo.reason, [(field, description)]) of a failed call."""
    found = decode_error_details(error.trailing_metadata())
    return found.reason, list(found.violations)


class TopicReader:
    """Reads every message of a topic from the beginning (assigned partitions, no group join)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"reader-{uuid.uuid4().hex}",
                "enable.auto.commit": False,
            }
        )
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(3)])

    async def read(self, expected: int, within: float = 5.0, settle: float = 0.5) -> list[Any]:
        """Messages until `expected` arrived (then waits `settle` more for extras) or time runs out."""
        found: list[Any] = []
        deadline = time.monotonic() + within
        extra_deadline: float | None = None
        while time.monotonic() < (extra_deadline or deadline):
            msg = await asyncio.to_thread(self.consumer.poll, 0.1)
            if msg is not None and msg.error() is None:
                found.append(decode_envelope(msg.value()))
            if len(found) >= expected and extra_deadline is None:
                extra_deadline = time.monotonic() + settle
        return found

    def close(self) -> None:
        self.consumer.close()


class SiteDirectoryDouble(sites_pb2_grpc.SiteServiceServicer):
    """A peer test double over real gRPC: notifications' SiteService contract, answering
    ResolveSiteKey from a dict (site key → (org, site, state)); every other RPC stays UNIMPLEMENTED.
    The integrations service reaches it exactly as in production, via peer_channel(settings,
    "notifications"), because the test points SP_SIDECAR_OUTBOUND at this server."""

    def __init__(self) -> None:
        self.sites: dict[str, tuple[str, str, int]] = {}
        self.address = ""

    def add(self, site_key: str, org_id: str, site_id: str, active: bool = True) -> None:
        state = sites_pb2.SITE_STATE_ACTIVE if active else sites_pb2.SITE_STATE_DISABLED
        self.sites[site_key] = (org_id, site_id, state)

    async def ResolveSiteKey(
        self, request: sites_pb2.ResolveSiteKeyRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> sites_pb2.ResolveSiteKeyResponse:
        found = self.sites.get(request.site_key)
        if found is None:
            # A double of another service: it answers as notifications does, NOT_FOUND for unknown keys.
            await context.abort(grpc.StatusCode.NOT_FOUND, "unknown site key")
        org_id, site_id, state = found  # type: ignore[misc]
        return sites_pb2.ResolveSiteKeyResponse(
            site=f"organizations/{org_id}/sites/{site_id}",
            org_id=org_id,
            site_id=site_id,
            state=state,  # type: ignore[arg-type]
        )


@pytest.fixture
async def site_directory() -> AsyncIterator[SiteDirectoryDouble]:
    double = SiteDirectoryDouble()
    server = grpc.aio.server()
    sites_pb2_grpc.add_SiteServiceServicer_to_server(double, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    double.address = f"127.0.0.1:{port}"
    yield double
    await server.stop(grace=0)


@pytest.fixture
def activity_topic(kafka_topic_prefix: str) -> str:
    return f"{kafka_topic_prefix}activity"


@pytest.fixture
async def integrations(
    pg_database: str, kafka_bootstrap: str, activity_topic: str, site_directory: SiteDirectoryDouble
) -> AsyncIterator[tuple[RpcServer, grpc.aio.Channel]]:
    server = build(
        make_settings(pg_database, kafka_bootstrap, activity_topic, sidecar_outbound=site_directory.address)
    )
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    yield server, channel
    await channel.close()
    await server.stop(grace=0)


@pytest.fixture
def topic_reader(kafka_bootstrap: str, activity_topic: str) -> Callable[[], TopicReader]:
    readers: list[TopicReader] = []

    def make() -> TopicReader:
        reader = TopicReader(kafka_bootstrap, activity_topic)
        readers.append(reader)
        return reader

    yield make  # type: ignore[misc]
    for reader in readers:
        reader.close()
