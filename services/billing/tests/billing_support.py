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
