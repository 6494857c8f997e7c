"""Own events (SiteCreated, CampaignChanged, SiteDeleted) go through the outbox with the change."""

from __future__ import annotations

import asyncio

import grpc
import pytest
import sqlalchemy as sa

from services.notifications.tests.conftest import make_settings, start_stubs
from services.notifications.tests.test_notifications_service_feed import make_site, publish, recent_campaign
from services.notifications.tests.test_notifications_service_live import stop, wait_for
from shared.kafka_bus import EventConsumer, ReceivedEvent, ensure_topics
from socialproof.events.v1 import notifications_events_pb2 as ev
from socialproof.notifications.v1 import campaigns_pb2, sites_pb2


async def test_events_are_written_with_the_change_and_relayed_once(
    pg_database: str, redis_url: str, kafka_bootstrap: str, kafka_topic_prefix: str
) -> None:
    topic = kafka_topic_prefix + "notifications"
    await ensure_topics(kafka_bootstrap, [topic])
    received: list[ReceivedEvent] = []

    async def collect(event: ReceivedEvent) -> None:
        received.append(event)

    consumer = EventConsumer(
        kafka_bootstrap,
        group_id=kafka_topic_prefix + "outbox-test",
        topics=[topic],
        handler=collect,
        fast_group_join=True,
        create_dlq_topics=False,
    )
    consuming = asyncio.create_task(consumer.run())
    n = await start_stubs(
        make_settings(
            pg_database,
            redis_url,
            kafka_bootstrap_servers=kafka_bootstrap,
            activity_topic=kafka_topic_prefix + "activity",
            activity_group=kafka_topic_prefix + "notifications",
            billing_topic=kafka_topic_prefix + "billing",
            events_topic=topic,
            kafka_fast_group_join=True,
        )
    )
    try:
        site = await make_site(n)
        campaign = await publish(n, site, recent_campaign())
        # A change that fails (stale etag) must leave no event behind.
        with pytest.raises(grpc.aio.AioRpcError) as stale:
            await n.campaigns.PauseCampaign(
                campaigns_pb2.PauseCampaignRequest(name=campaign.name, etag='W/"999"'), metadata=n.auth
            )
        assert stale.value.code() == grpc.StatusCode.ABORTED
        await n.sites.DeleteSite(sites_pb2.DeleteSiteRequest(name=site.name), metadata=n.auth)

        async def all_arrived() -> bool:
            return len(received) >= 4

        await wait_for(all_arrived, timeout=30)
        types = [e.envelope.event_type.rsplit(".", 1)[1] for e in received]
        assert types == ["SiteCreated", "CampaignChanged", "CampaignChanged", "SiteDeleted"]
        changes = [e.payload(ev.CampaignChanged).change_type for e in received[1:3]]
        assert changes == [ev.CAMPAIGN_CHANGE_TYPE_CREATED, ev.CAMPAIGN_CHANGE_TYPE_PUBLISHED]
        assert received[0].payload(ev.SiteCreated).site_key == site.site_key
        assert all(e.envelope.org_id == n.org_id for e in received)
        async with n.service.db.session() as session:
            rows = (await session.execute(sa.text("SELECT published_at FROM outbox"))).all()
        assert len(rows) == 4 and all(r.published_at is not None for r in rows)
    finally:
        await stop(n)
        consumer.stop()
        await asyncio.wait_for(consuming, 10)
