"""Helpers for billing's tests: principals as the edge would send them, and error details."""

from __future__ import annotations

from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from shared.principal import MESH_TOKEN_HEADER, PRINCIPAL_HEADER, Principal, PrincipalKind

MESH_TOKEN = "billing-test-mesh-token"
WEBHOOK_SECRET = "whsec_billing_test"


def as_user(org_id: str, role: str = "owner", subject: str = "user-1") -> tuple[tuple[str, str], ...]:
    principal = Principal(kind=PrincipalKind.USER, subject=subject, org_id=org_id, role=role)
    return ((MESH_TOKEN_HEADER, MESH_TOKEN), (PRINCIPAL_HEADER, principal.to_header()))


def as_service(name: str = "notifications") -> tuple[tuple[str, str], ...]:
    principal = Principal(kind=PrincipalKind.SERVICE, subject=f"spiffe://socialproof/{name}")
    return ((MESH_TOKEN_HEADER, MESH_TOKEN), (PRINCIPAL_HEADER, principal.to_header()))


async def error_of(call: Any) -> tuple[grpc.StatusCode, str, list[tuple[str, str]]]:
    """(code, ErrorInfo.reason, field violations) of a failed unary call."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        status = await rpc_status.aio.from_call(call)
        reason = ""
        violations: list[tuple[str, str]] = []
        for detail in status.details if status else ():
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason = info.reason
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                violations = [(v.field, v.description) for v in bad.field_violations]
        return error.code(), reason, violations
    raise AssertionError("the call succeeded but was expected to fail")


async def eventually(check: Any, timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Awaits check() until it returns a truthy value; fails after timeout (bounded)."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met within timeout")
        await asyncio.sleep(interval)


def stripe_signature(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    import hashlib
    import hmac
    import time

    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


async def open_org(
    channel: Any, producer: Any, prefix: str, org: str, email: str, name: str = "Trail Shoes"
) -> None:
    """Publishes OrganizationCreated (as users does) and waits until billing has the account and
    its Stripe customer."""
    from datetime import UTC, datetime

    from shared.kafka_bus import make_envelope
    from socialproof.billing.v1 import billing_account_pb2, billing_account_pb2_grpc
    from socialproof.events.v1 import users_events_pb2

    created = users_events_pb2.OrganizationCreated(org_id=org, display_name=name, billing_email=email)
    created.create_time.FromDatetime(datetime.now(UTC))
    await producer.publish(prefix + "users", make_envelope(created, org))
    stub = billing_account_pb2_grpc.BillingAccountServiceStub(channel)

    async def ready() -> object:
        try:
            reply = await stub.GetBillingAccount(
                billing_account_pb2.GetBillingAccountRequest(name=f"organizations/{org}/billingAccount"),
                metadata=as_user(org),
            )
        except grpc.aio.AioRpcError:
            return None
        return reply if reply.billing_account.stripe_customer_id else None

    await eventually(ready)


async def publish_usage(producer: Any, prefix: str, org: str, site: str, counted: int, event_id: str) -> None:
    """A UsageRecorded event as analytics ingest publishes it."""
    from datetime import UTC, datetime

    from shared.kafka_bus import make_envelope
    from socialproof.events.v1 import billing_events_pb2

    usage = billing_events_pb2.UsageRecorded(org_id=org, site_id=site, counted_impressions=counted)
    usage.window_start_time.FromDatetime(datetime.now(UTC))
    await producer.publish(prefix + "usage", make_envelope(usage, org, site, event_id=event_id), key=org)


def billing_of(server: Any) -> Any:
    """The Billing use cases behind a running server (to move its clock or run its periodic work)."""
    servicer = next(r.servicer for r in server.registrations if r.name.endswith("StripeWebhookService"))
    return servicer._billing
