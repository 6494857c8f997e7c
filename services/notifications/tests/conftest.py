"""Fixtures for notifications service tests: an in-process server on real Postgres and Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from services.notifications.adapters.entitlements import EntitlementsSource
from services.notifications.bootstrap import NotificationsSettings, build
from services.notifications.service import NotificationsService
from shared.crypto import generate_key
from shared.devstack.process import free_port
from shared.principal import Principal, PrincipalKind
from shared.rpc import RpcServer
from socialproof.notifications.v1 import (
    activities_pb2_grpc,
    campaigns_pb2_grpc,
    sites_pb2_grpc,
    templates_pb2_grpc,
    widget_pb2_grpc,
)

MESH_TOKEN = "notifications-test-token"
PII_KEYS = f"k1:{generate_key()},lookup:{generate_key()}"


def principal_metadata(
    org_id: str,
    *,
    role: str = "owner",
    kind: PrincipalKind = PrincipalKind.USER,
    scopes: frozenset[str] = frozenset(),
) -> tuple[tuple[str, str], ...]:
    principal = Principal(kind, subject="users/test", org_id=org_id, role=role, scopes=scopes)
    return (("x-sp-mesh-token", MESH_TOKEN), ("x-sp-principal", principal.to_header()))


@dataclass
class Stubs:
    server: RpcServer
    channel: grpc.aio.Channel
    service: NotificationsService
    org_id: str
    sites: sites_pb2_grpc.SiteServiceStub
    campaigns: campaigns_pb2_grpc.CampaignServiceStub
    activities: activities_pb2_grpc.ActivityServiceStub
    templates: templates_pb2_grpc.TemplateServiceStub
    widget: widget_pb2_grpc.WidgetServiceStub

    @property
    def auth(self) -> tuple[tuple[str, str], ...]:
        return principal_metadata(self.org_id)


def make_settings(pg_database: str, redis_url: str, **overrides: Any) -> NotificationsSettings:
    values: dict[str, Any] = {
        "grpc_port": 0,
        "database_url": pg_database,
        "redis_url": redis_url,
        "mesh_token": MESH_TOKEN,
        "drain_seconds": 1.0,
        # Nothing listens here: billing is absent unless a test says otherwise.
        "sidecar_outbound": f"127.0.0.1:{free_port()}",
        "billing_timeout_seconds": 0.2,
        "pii_keys": PII_KEYS,
    }
    values.update(overrides)
    return NotificationsSettings(**values)


async def start_stubs(
    settings: NotificationsSettings, entitlements: EntitlementsSource | None = None
) -> Stubs:
    server = build(settings, entitlements)
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    return Stubs(
        server=server,
        channel=channel,
        service=server.notifications_service,  # type: ignore[attr-defined]
        org_id=str(uuid.uuid4()),
        sites=sites_pb2_grpc.SiteServiceStub(channel),
        campaigns=campaigns_pb2_grpc.CampaignServiceStub(channel),
        activities=activities_pb2_grpc.ActivityServiceStub(channel),
        templates=templates_pb2_grpc.TemplateServiceStub(channel),
        widget=widget_pb2_grpc.WidgetServiceStub(channel),
    )


@pytest.fixture
async def notifications(pg_database: str, redis_url: str) -> AsyncIterator[Stubs]:
    stubs = await start_stubs(make_settings(pg_database, redis_url))
    yield stubs
    await stubs.channel.close()
    await stubs.server.stop(grace=0)


def error_details(error: grpc.aio.AioRpcError) -> tuple[str, list[tuple[str, str]]]:
    """(ErrorInfo.reason, [(field, description)]) from the google.rpc.Status in the trailers."""
    raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    assert raw is not None, f"no status details on {error.code()}: {error.details()}"
    status = status_pb2.Status.FromString(raw)  # type: ignore[arg-type]
    reason, violations = "", []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations = [(v.field, v.description) for v in bad.field_violations]
    return reason, violations
