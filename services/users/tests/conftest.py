"""Users service test fixtures: the real service on 127.0.0.1:0 over real Postgres, Redis, SMTP."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

from services.users.bootstrap import UsersSettings, build
from services.users.service import UsersService
from shared.crypto import generate_key
from shared.devstack.smtp import SmtpSink
from shared.principal import Principal, PrincipalKind
from shared.rpc import RpcServer
from shared.rpc.status import error_details
from socialproof.users.v1 import (
    api_key_pb2_grpc,
    audit_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    authorization_pb2_grpc,
    invitation_pb2_grpc,
    member_pb2_grpc,
    organization_pb2_grpc,
    privacy_pb2_grpc,
    user_pb2_grpc,
)

MESH_TOKEN = "users-test-mesh-token"
PII_KEYS = f"k1:{generate_key()},lookup:{generate_key()}"
PASSWORD = "correct horse battery"


def settings_for(pg_database: str, redis_url: str, smtp_url: str, **overrides: Any) -> UsersSettings:
    values: dict[str, Any] = {
        "grpc_port": 0,
        "env": "test",
        "database_url": pg_database,
        "redis_url": redis_url,
        "smtp_url": smtp_url,
        "mesh_token": MESH_TOKEN,
        "pii_keys": PII_KEYS,
        # Cheap argon2id so the suite stays fast; production cost is covered by the defaults.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "argon2_parallelism": 1,
        "login_attempts_per_account": 3,
    }
    values.update(overrides)
    return UsersSettings(**values)


def as_user(user_id: str) -> tuple[tuple[str, str], ...]:
    principal = Principal(kind=PrincipalKind.USER, subject=f"users/{user_id}")
    return (
        ("x-sp-mesh-token", MESH_TOKEN),
        ("x-sp-principal", principal.to_header()),
        ("x-forwarded-for", "203.0.113.7"),
    )


def as_service() -> tuple[tuple[str, str], ...]:
    principal = Principal(kind=PrincipalKind.SERVICE, subject="services/edge")
    return (("x-sp-mesh-token", MESH_TOKEN), ("x-sp-principal", principal.to_header()))


@dataclass
class Stubs:
    auth: auth_pb2_grpc.AuthServiceStub
    users: user_pb2_grpc.UserServiceStub
    orgs: organization_pb2_grpc.OrganizationServiceStub
    members: member_pb2_grpc.MemberServiceStub
    invitations: invitation_pb2_grpc.InvitationServiceStub
    api_keys: api_key_pb2_grpc.ApiKeyServiceStub
    authz: authorization_pb2_grpc.AuthorizationServiceStub
    audit: audit_pb2_grpc.AuditServiceStub
    privacy: privacy_pb2_grpc.PrivacyServiceStub
    service: UsersService
    smtp: SmtpSink
    database_url: str
    channel: grpc.aio.Channel


@pytest.fixture
async def users_server(pg_database: str, redis_url: str, smtp_sink: SmtpSink) -> AsyncIterator[RpcServer]:
    server = build(settings_for(pg_database, redis_url, smtp_sink.url))
    await server.start()
    yield server
    await server.stop(grace=0)


@pytest.fixture
async def api(users_server: RpcServer, smtp_sink: SmtpSink, pg_database: str) -> AsyncIterator[Stubs]:
    async with grpc.aio.insecure_channel(users_server.address) as channel:
        yield Stubs(
            auth=auth_pb2_grpc.AuthServiceStub(channel),
            users=user_pb2_grpc.UserServiceStub(channel),
            orgs=organization_pb2_grpc.OrganizationServiceStub(channel),
            members=member_pb2_grpc.MemberServiceStub(channel),
            invitations=invitation_pb2_grpc.InvitationServiceStub(channel),
            api_keys=api_key_pb2_grpc.ApiKeyServiceStub(channel),
            authz=authorization_pb2_grpc.AuthorizationServiceStub(channel),
            audit=audit_pb2_grpc.AuditServiceStub(channel),
            privacy=privacy_pb2_grpc.PrivacyServiceStub(channel),
            service=users_server.users_service,  # type: ignore[attr-defined]
            smtp=smtp_sink,
            database_url=pg_database,
            channel=channel,
        )


@dataclass
class Account:
    user_id: str
    org_id: str
    email: str
    response: auth_pb2.SignUpResponse

    @property
    def md(self) -> tuple[tuple[str, str], ...]:
        return as_user(self.user_id)


@pytest.fixture
def sign_up(api: Stubs) -> Callable[..., Any]:
    async def make(name: str = "Jana") -> Account:
        email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        response = await api.auth.SignUp(
            auth_pb2.SignUpRequest(
                email=email, password=PASSWORD, display_name=name, time_zone="Europe/Prague"
            )
        )
        return Account(
            response.user.name.removeprefix("users/"),
            response.organization.name.removeprefix("organizations/"),
            email,
            response,
        )

    return make


def details(error: grpc.aio.AioRpcError) -> tuple[str, dict[str, str]]:
    """(ErrorInfo.reason, {field: description}) of a failed call."""
    found = error_details(error.trailing_metadata())
    return found.reason, found.fields
