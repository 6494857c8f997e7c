"""GDPR export and erasure, and the events published on Kafka."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from confluent_kafka import Consumer

from services.users.bootstrap import build
from services.users.tests.conftest import PASSWORD, Stubs, as_user, details, settings_for
from shared.devstack.smtp import SmtpSink
from shared.kafka_bus import decode_envelope
from socialproof.events.v1 import users_events_pb2 as ev
from socialproof.users.v1 import auth_pb2, organization_pb2, privacy_pb2, user_pb2


async def test_export_then_erase_leaves_nothing_behind(api: Stubs, sign_up: Callable[..., Any]) -> None:
    account = await sign_up("Jana")
    export = await api.privacy.ExportUserData(
        privacy_pb2.ExportUserDataRequest(name="users/me"), metadata=account.md
    )
    document = json.loads(export.content)
    assert document["user"]["email"] == account.email
    assert document["organizations"][0]["role"] == "owner"
    assert export.content_type == "application/json"
    with pytest.raises(grpc.aio.AioRpcError) as wrong:
        await api.privacy.EraseUser(
            privacy_pb2.EraseUserRequest(name="users/me", password="not my password"), metadata=account.md
        )
    assert details(wrong.value) == ("WRONG_PASSWORD", {"password": "is wrong"})
    erased = await api.privacy.EraseUser(
        privacy_pb2.EraseUserRequest(name="users/me", password=PASSWORD), metadata=account.md
    )
    assert list(erased.deleted_organizations) == [f"organizations/{account.org_id}"]
    for call in (
        api.users.GetUser(user_pb2.GetUserRequest(name="users/me"), metadata=account.md),
        api.privacy.ExportUserData(privacy_pb2.ExportUserDataRequest(name="users/me"), metadata=account.md),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as gone:
            await call
        assert gone.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as login:
        await api.auth.Login(auth_pb2.LoginRequest(email=account.email, password=PASSWORD))
    assert login.value.code() == grpc.StatusCode.UNAUTHENTICATED
    # The address is free again and no ciphertext of the old name remains readable anywhere.
    again = await api.auth.SignUp(
        auth_pb2.SignUpRequest(email=account.email, password=PASSWORD, display_name="New")
    )
    assert again.user.name != account.response.user.name


async def test_last_owner_with_members_cannot_be_erased(api: Stubs, sign_up: Callable[..., Any]) -> None:
    from services.users.tests.test_users_tenancy import invite_and_join
    from socialproof.users.v1 import authorization_pb2

    owner = await sign_up("Owner")
    await invite_and_join(api, owner, authorization_pb2.ROLE_VIEWER)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await api.privacy.EraseUser(
            privacy_pb2.EraseUserRequest(name="users/me", password=PASSWORD), metadata=owner.md
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details(refused.value)[0] == "LAST_OWNER"


async def test_events_reach_kafka_through_the_outbox(
    pg_database: str, redis_url: str, smtp_sink: SmtpSink, kafka_bootstrap: str, kafka_topic_prefix: str
) -> None:
    topic = f"{kafka_topic_prefix}users"
    server = build(
        settings_for(
            pg_database, redis_url, smtp_sink.url, kafka_bootstrap_servers=kafka_bootstrap, users_topic=topic
        )
    )
    await server.start()
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            from socialproof.users.v1 import auth_pb2_grpc, organization_pb2_grpc, privacy_pb2_grpc

            signed = await auth_pb2_grpc.AuthServiceStub(channel).SignUp(
                auth_pb2.SignUpRequest(email="events@example.com", password=PASSWORD, display_name="Eva")
            )
            user_id = signed.user.name.removeprefix("users/")
            org_id = signed.organization.name.removeprefix("organizations/")
            md = as_user(user_id)
            await organization_pb2_grpc.OrganizationServiceStub(channel).DeleteOrganization(
                organization_pb2.DeleteOrganizationRequest(name=signed.organization.name), metadata=md
            )
            await privacy_pb2_grpc.PrivacyServiceStub(channel).EraseUser(
                privacy_pb2.EraseUserRequest(name="users/me", password=PASSWORD), metadata=md
            )
    finally:
        await server.stop(grace=0)
    consumer = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": f"{kafka_topic_prefix}g",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 2000,
            "heartbeat.interval.ms": 300,
        }
    )
    consumer.subscribe([topic])
    types: list[str] = []
    erased = ev.UserErased()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    try:
        while len(types) < 6 and loop.time() < deadline:
            msg = await asyncio.to_thread(consumer.poll, 0.5)
            if msg is None or msg.error():
                continue
            envelope = decode_envelope(msg.value())
            assert envelope.org_id == org_id and msg.key() == org_id.encode()
            types.append(envelope.event_type.rsplit(".", 1)[1])
            if envelope.payload.Is(ev.UserErased.DESCRIPTOR):
                envelope.payload.Unpack(erased)
    finally:
        await asyncio.to_thread(consumer.close)
    assert sorted(types) == sorted(
        [
            "UserCreated",
            "OrganizationCreated",
            "MemberChanged",
            "OrganizationDeleted",
            "MemberChanged",
            "UserErased",
        ]
    )
    assert erased.user_id == user_id and erased.org_id == org_id
