"""Actor PII sealed at rest (key ring, AAD bound to org + field + activity), GDPR erasure, retention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import sqlalchemy as sa

from services.notifications.service import _pii_aad
from services.notifications.tests.conftest import Stubs, error_details
from services.notifications.tests.test_notifications_service_feed import (
    feed,
    make_site,
    publish,
    recent_campaign,
    texts,
)
from shared.crypto import DecryptionError
from socialproof.events.v1 import activity_pb2
from socialproof.notifications.v1 import activities_pb2, sites_pb2

PAGE = "https://shop.example.com/products/trail"


async def create(
    n: Stubs,
    site: sites_pb2.Site,
    first_name: str,
    *,
    visitor_id: str = "",
    ref: str = "",
    age: timedelta = timedelta(minutes=5),
) -> activities_pb2.Activity:
    event = activity_pb2.ActivityEvent(
        kind=activity_pb2.ACTIVITY_KIND_PURCHASE,
        actor=activity_pb2.ActivityActor(first_name=first_name, last_initial="K"),
        product=activity_pb2.ActivityProduct(name="Trail Shoes", url=PAGE),
        source_ref=ref or uuid.uuid4().hex,
        visitor_id=visitor_id,
        attributes={"plan": "gold"},
    )
    event.occurred_at.FromDatetime(datetime.now(UTC) - age)
    response = await n.activities.CreateActivity(
        activities_pb2.CreateActivityRequest(parent=site.name, activity=activities_pb2.Activity(event=event)),
        metadata=n.auth,
    )
    return response.activity


async def stored(n: Stubs, activity_id: str) -> sa.Row:  # type: ignore[type-arg]
    async with n.service.db.session() as session:
        result = await session.execute(
            sa.text("SELECT event, actor_sealed, visitor_hash, org_id FROM activities WHERE id = :id"),
            {"id": activity_id},
        )
        return result.one()


async def test_actor_is_sealed_at_rest_and_bound_to_its_row(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n, default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME)
    await publish(n, site, recent_campaign())
    created = await create(n, site, "Zdenka", visitor_id="visitor-123")
    activity_id = created.event.activity_id
    row = await stored(n, activity_id)
    assert b"Zdenka" not in bytes(row.event) and b"visitor-123" not in bytes(row.event)
    assert row.actor_sealed is not None and b"Zdenka" not in bytes(row.actor_sealed)
    assert row.visitor_hash is not None and len(bytes(row.visitor_hash)) == 32
    # The API and the feed see the actor again.
    got = await n.activities.GetActivity(
        activities_pb2.GetActivityRequest(name=created.name), metadata=n.auth
    )
    assert got.activity.event.actor.first_name == "Zdenka" and got.activity.event.visitor_id == "visitor-123"
    shown, _ = await feed(n, site, PAGE)
    assert texts(shown) == ["Zdenka from nearby bought Trail Shoes"]
    # The ciphertext only opens for its own org and activity.
    keys = n.service.keys
    assert keys.decrypt(bytes(row.actor_sealed), _pii_aad(str(row.org_id), activity_id))
    with pytest.raises(DecryptionError):
        keys.decrypt(bytes(row.actor_sealed), _pii_aad(str(uuid.uuid4()), activity_id))
    with pytest.raises(DecryptionError):
        keys.decrypt(bytes(row.actor_sealed), _pii_aad(str(row.org_id), str(uuid.uuid4())))


async def test_erasure_destroys_personal_fields_and_retracts(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n, default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME)
    await publish(n, site, recent_campaign())
    mine = await create(n, site, "Jana", visitor_id="subject-1")
    order = await create(n, site, "Jana", ref="order-77")
    other = await create(n, site, "Petr", visitor_id="someone-else")
    before, _ = await feed(n, site, PAGE)
    assert sorted(texts(before)) == sorted(
        ["Jana from nearby bought Trail Shoes"] * 2 + ["Petr from nearby bought Trail Shoes"]
    )

    request_id = str(uuid.uuid4())
    erase = activities_pb2.EraseActivitiesRequest(
        parent=site.name, visitor_id="subject-1", source_refs=["order-77"], request_id=request_id
    )
    response = await n.activities.EraseActivities(erase, metadata=n.auth)
    assert response.erased_count == 2
    assert (await n.activities.EraseActivities(erase, metadata=n.auth)).erased_count == 2, (
        "a retry answers the same"
    )

    after, _ = await feed(n, site, PAGE)
    assert texts(after) == ["Petr from nearby bought Trail Shoes"]
    for erased in (mine, order):
        got = await n.activities.GetActivity(
            activities_pb2.GetActivityRequest(name=erased.name), metadata=n.auth
        )
        assert got.activity.state == activities_pb2.ACTIVITY_STATE_RETRACTED
        assert got.activity.retraction_reason == activity_pb2.ACTIVITY_RETRACTION_REASON_ERASURE
        assert not got.activity.event.HasField("actor") and not got.activity.event.visitor_id
        assert dict(got.activity.event.attributes) == {}
        assert got.activity.event.product.name == "Trail Shoes", "non-personal facts stay for the counters"
        row = await stored(n, erased.event.activity_id)
        assert row.actor_sealed is None and row.visitor_hash is None
    kept = await n.activities.GetActivity(activities_pb2.GetActivityRequest(name=other.name), metadata=n.auth)
    assert kept.activity.event.actor.first_name == "Petr"

    with pytest.raises(grpc.aio.AioRpcError) as empty:
        await n.activities.EraseActivities(
            activities_pb2.EraseActivitiesRequest(parent=site.name), metadata=n.auth
        )
    assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(empty.value)[1] == [("visitor_id", "set visitor_id or source_refs")]


async def test_retention_deletes_only_activities_older_than_the_site_keeps(notifications: Stubs) -> None:
    n = notifications
    short = await make_site(n, activity_retention_days=2)
    default = await make_site(n)
    old_short = await create(n, short, "Old", age=timedelta(days=3))
    fresh_short = await create(n, short, "Fresh", age=timedelta(days=1))
    old_default = await create(n, default, "Older", age=timedelta(days=3))
    ancient = await create(n, default, "Ancient", age=timedelta(days=91))

    assert await n.service.purge_expired_activities() >= 2

    async def exists(activity: activities_pb2.Activity) -> bool:
        try:
            await n.activities.GetActivity(
                activities_pb2.GetActivityRequest(name=activity.name), metadata=n.auth
            )
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.NOT_FOUND
            return False
        return True

    assert [await exists(a) for a in (old_short, fresh_short, old_default, ancient)] == [
        False,
        True,
        True,
        False,
    ]
