"""Zapier: REST hook subscribe/unsubscribe with real deliveries, samples, create activity, API-key auth."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from aiohttp import web
from sqlalchemy import text

from services.integrations.tests.conftest import MESH_TOKEN, error_details, member
from services.integrations.zapier import Zapier
from shared.errors import NotFound
from shared.principal import MESH_TOKEN_HEADER, PRINCIPAL_HEADER, Principal, PrincipalKind
from socialproof.events.v1.activity_pb2 import ActivityEvent, ActivityKind, ActivityRecorded, ActivitySource
from socialproof.events.v1.integrations_events_pb2 import WebhookEventType
from socialproof.integrations.v1 import zapier_pb2, zapier_pb2_grpc

ORG, SITE = str(uuid.uuid4()), str(uuid.uuid4())
OTHER_ORG = str(uuid.uuid4())
PARENT = f"organizations/{ORG}/sites/{SITE}"
RECORDED = WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED


def api_key(
    org: str = ORG, scopes: tuple[str, ...] = ("activities_read", "activities_write"), site: str | None = None
) -> tuple[tuple[str, str], ...]:
    principal = Principal(
        kind=PrincipalKind.API_KEY, subject="key-1", org_id=org, scopes=frozenset(scopes), site_id=site
    )
    return ((MESH_TOKEN_HEADER, MESH_TOKEN), (PRINCIPAL_HEADER, principal.to_header()))


class ZapierCatcher:
    """Plays hooks.zapier.com on loopback: records posted items, answers the scripted statuses."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.items.append(json.loads(await request.read()))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def wait_for(self, count: int, within: float = 8.0) -> None:
        deadline = time.monotonic() + within
        while len(self.items) < count:
            assert time.monotonic() < deadline, f"expected {count} deliveries, got {len(self.items)}"
            await asyncio.sleep(0.02)


@pytest.fixture
async def catcher() -> AsyncIterator[ZapierCatcher]:
    target = ZapierCatcher()
    app = web.Application()
    app.router.add_post("/hooks/catch/1/abc", target.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    target.url = f"http://127.0.0.1:{port}/hooks/catch/1/abc"
    yield target
    await runner.cleanup()


def activity(kind: int = ActivityKind.ACTIVITY_KIND_PURCHASE, name: str = "Ada") -> ActivityEvent:
    event = ActivityEvent(kind=kind)  # type: ignore[arg-type]
    event.actor.first_name = name
    event.product.name = "Trail Shoes"
    return event


async def test_rest_hook_gets_new_activities_until_unsubscribed_and_410_removes_it(
    integrations, catcher: ZapierCatcher
) -> None:  # type: ignore[no-untyped-def]
    server, channel = integrations
    stub = zapier_pb2_grpc.ZapierServiceStub(channel)
    created = await stub.CreateZapierHook(
        zapier_pb2.CreateZapierHookRequest(
            parent=PARENT,
            zapier_hook=zapier_pb2.ZapierHook(
                target_url=catcher.url,
                event_type=RECORDED,
                activity_kinds=[ActivityKind.ACTIVITY_KIND_PURCHASE],
            ),
        ),
        metadata=api_key(),
    )
    hook = created.zapier_hook
    assert hook.name.startswith(f"{PARENT}/zapierHooks/") and len(hook.name.rsplit("/", 1)[1]) == 36
    assert hook.HasField("create_time")

    await stub.CreateZapierActivity(
        zapier_pb2.CreateZapierActivityRequest(
            parent=PARENT, activity=activity(ActivityKind.ACTIVITY_KIND_SIGNUP), request_id="zap-signup"
        ),
        metadata=api_key(),
    )
    bought = await stub.CreateZapierActivity(
        zapier_pb2.CreateZapierActivityRequest(parent=PARENT, activity=activity(), request_id="zap-buy"),
        metadata=api_key(),
    )
    await catcher.wait_for(1)
    item = catcher.items[0]
    assert item["id"] == bought.activity.activity_id
    assert item["eventType"] == "WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED"
    assert item["activity"]["kind"] == "ACTIVITY_KIND_PURCHASE"
    assert item["activity"]["actor"]["firstName"] == "Ada"

    await stub.DeleteZapierHook(zapier_pb2.DeleteZapierHookRequest(name=hook.name), metadata=api_key())
    await stub.CreateZapierActivity(
        zapier_pb2.CreateZapierActivityRequest(parent=PARENT, activity=activity(), request_id="zap-buy-2"),
        metadata=api_key(),
    )
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await stub.DeleteZapierHook(zapier_pb2.DeleteZapierHookRequest(name=hook.name), metadata=api_key())
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_details(gone.value)[0] == "ZAPIER_HOOK_NOT_FOUND"

    # Zapier answers 410 Gone when a zap was deleted on its side: the hook removes itself.
    second = await stub.CreateZapierHook(
        zapier_pb2.CreateZapierHookRequest(
            parent=PARENT, zapier_hook=zapier_pb2.ZapierHook(target_url=catcher.url, event_type=RECORDED)
        ),
        metadata=api_key(),
    )
    catcher.statuses = [410]
    await stub.CreateZapierActivity(
        zapier_pb2.CreateZapierActivityRequest(
            parent=PARENT, activity=activity(ActivityKind.ACTIVITY_KIND_SIGNUP), request_id="zap-signup-2"
        ),
        metadata=api_key(),
    )
    await catcher.wait_for(2)
    # Only the signup reached the second hook: the first hook stopped getting events when it was deleted.
    assert catcher.items[1]["activity"]["kind"] == "ACTIVITY_KIND_SIGNUP"
    # The worker records the 410 right after the post: wait (bounded) until the hook row is gone.
    hooks = Zapier(server.integrations)
    hook_id = second.zapier_hook.name.rsplit("/", 1)[1]
    deadline = time.monotonic() + 5
    while True:
        try:
            await hooks.get_hook(ORG, SITE, hook_id)
        except NotFound:
            break
        assert time.monotonic() < deadline, "the hook survived a 410 Gone"
        await asyncio.sleep(0.02)
    assert len(catcher.items) == 2


async def test_create_activity_is_idempotent_and_samples_show_it(integrations, topic_reader) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    stub = zapier_pb2_grpc.ZapierServiceStub(channel)
    empty = await stub.ListZapierSamples(
        zapier_pb2.ListZapierSamplesRequest(parent=PARENT, event_type=RECORDED), metadata=api_key()
    )
    assert len(empty.samples) == 1
    assert empty.samples[0].activity.test is True
    assert empty.samples[0].activity.source == ActivitySource.ACTIVITY_SOURCE_DEMO

    given = activity()
    given.verified = True  # the customer's word is not proof: the server clears it
    replies = [
        await stub.CreateZapierActivity(
            zapier_pb2.CreateZapierActivityRequest(parent=PARENT, activity=given, request_id="zap-meta-1"),
            metadata=api_key(),
        )
        for _ in range(3)
    ]
    recorded = replies[0].activity
    assert {r.activity.activity_id for r in replies} == {recorded.activity_id}
    assert recorded.source == ActivitySource.ACTIVITY_SOURCE_ZAPIER
    assert recorded.source_ref == "zap-meta-1"
    assert recorded.verified is False
    assert recorded.connection_id and recorded.HasField("occurred_at")

    messages = await topic_reader().read(1, settle=0.7)
    assert len(messages) == 1
    payload = ActivityRecorded()
    messages[0].payload.Unpack(payload)
    assert payload.activity.activity_id == recorded.activity_id
    assert (messages[0].org_id, messages[0].site_id) == (ORG, SITE)

    samples = await stub.ListZapierSamples(
        zapier_pb2.ListZapierSamplesRequest(parent=PARENT, event_type=RECORDED, page_size=5),
        metadata=api_key(),
    )
    assert [s.id for s in samples.samples] == [recorded.activity_id]
    assert samples.samples[0].activity.actor.first_name == "Ada"

    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await stub.CreateZapierActivity(
            zapier_pb2.CreateZapierActivityRequest(parent=PARENT, activity=ActivityEvent()),
            metadata=api_key(),
        )
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(invalid.value)[1] == [("activity.kind", "is required")]
    with pytest.raises(grpc.aio.AioRpcError) as bad_trigger:
        await stub.ListZapierSamples(
            zapier_pb2.ListZapierSamplesRequest(
                parent=PARENT, event_type=WebhookEventType.WEBHOOK_EVENT_TYPE_PING
            ),
            metadata=api_key(),
        )
    assert error_details(bad_trigger.value)[1] == [
        ("event_type", "must be ACTIVITY_RECORDED, ACTIVITY_RETRACTED or FORM_SUBMITTED")
    ]


async def test_zapier_needs_an_api_key_of_the_org_with_the_right_scope(integrations, catcher) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    stub = zapier_pb2_grpc.ZapierServiceStub(channel)
    create = zapier_pb2.CreateZapierActivityRequest(parent=PARENT, activity=activity(), request_id="r")
    subscribe = zapier_pb2.CreateZapierHookRequest(
        parent=PARENT, zapier_hook=zapier_pb2.ZapierHook(target_url=catcher.url, event_type=RECORDED)
    )

    async def refused(call: Any, request: Any, metadata: Any) -> tuple[grpc.StatusCode, str, dict[str, str]]:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call(request, metadata=metadata)
        return error.value.code(), error_details(error.value)[0], {}

    assert (await refused(stub.CreateZapierActivity, create, ()))[:2] == (
        grpc.StatusCode.UNAUTHENTICATED,
        "UNAUTHENTICATED",
    )
    assert (await refused(stub.CreateZapierActivity, create, api_key(scopes=("activities_read",))))[:2] == (
        grpc.StatusCode.PERMISSION_DENIED,
        "SCOPE_MISSING",
    )
    assert (await refused(stub.CreateZapierHook, subscribe, api_key(scopes=("activities_write",))))[1] == (
        "SCOPE_MISSING"
    )
    assert (await refused(stub.CreateZapierActivity, create, api_key(org=OTHER_ORG)))[
        1
    ] == "ORG_ACCESS_DENIED"
    assert (await refused(stub.CreateZapierActivity, create, member(ORG)))[1] == "API_KEY_REQUIRED"
    assert (await refused(stub.CreateZapierActivity, create, api_key(site=str(uuid.uuid4()))))[1] == (
        "SITE_ACCESS_DENIED"
    )

    # Org A's hook cannot be deleted through org B's path with org B's key.
    hook = (await stub.CreateZapierHook(subscribe, metadata=api_key())).zapier_hook
    foreign = hook.name.replace(ORG, OTHER_ORG)
    assert (
        await refused(
            stub.DeleteZapierHook, zapier_pb2.DeleteZapierHookRequest(name=foreign), api_key(OTHER_ORG)
        )
    )[1] == "ZAPIER_HOOK_NOT_FOUND"
    await stub.DeleteZapierHook(zapier_pb2.DeleteZapierHookRequest(name=hook.name), metadata=api_key())

    me = await stub.TestZapierAuth(zapier_pb2.TestZapierAuthRequest(), metadata=api_key(site=SITE))
    assert me.organization == f"organizations/{ORG}"
    assert list(me.sites) == [PARENT]
    assert (await refused(stub.TestZapierAuth, zapier_pb2.TestZapierAuthRequest(), member(ORG)))[1] == (
        "API_KEY_REQUIRED"
    )


async def test_samples_keep_only_the_newest_25_per_site_and_trigger(integrations) -> None:  # type: ignore[no-untyped-def]
    server, channel = integrations
    core = server.integrations
    site = str(uuid.uuid4())
    async with core.db.tenant_session(ORG) as session:
        for index in range(27):
            event = activity(name=f"N{index}")
            event.activity_id = str(uuid.uuid4())
            event.occurred_at.FromSeconds(1_800_000_000 + index)
            await core._enqueue(session, ORG, site, RECORDED, activity=event)
    async with core.db.tenant_session(ORG) as session:
        kept = (
            await session.execute(text("SELECT count(*) FROM recent_events WHERE site_id = :s"), {"s": site})
        ).scalar_one()
    assert kept == 25
    samples = await zapier_pb2_grpc.ZapierServiceStub(channel).ListZapierSamples(
        zapier_pb2.ListZapierSamplesRequest(
            parent=f"organizations/{ORG}/sites/{site}", event_type=RECORDED, page_size=25
        ),
        metadata=api_key(),
    )
    names = [s.activity.actor.first_name for s in samples.samples]
    assert names == [f"N{i}" for i in range(26, 1, -1)]  # newest first; N0 and N1 were dropped
