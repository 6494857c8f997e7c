"""Feed rendering reuse: one render per (content, activity, site revision), never a stale card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf import field_mask_pb2

from services.notifications.tests.conftest import Stubs
from services.notifications.tests.test_notifications_service_feed import (
    add_activity,
    feed,
    make_site,
    publish,
    recent_campaign,
    texts,
)
from socialproof.notifications.v1 import campaigns_pb2, sites_pb2

PAGE = "https://shop.example.com/products/trail"


async def test_other_pages_and_new_activities_reuse_rendered_notifications(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n, default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME)
    for i in range(3):
        campaign = recent_campaign()
        campaign.display_name = f"Campaign {i}"
        await publish(n, site, campaign)
    for i in range(4):
        await add_activity(n, site, f"Buyer{i}")
    memo = n.service.render_memo

    first, _ = await feed(n, site, PAGE + "?a=1")
    rendered = memo.misses
    # Three campaigns with the same content show the same four activities: rendered once each.
    assert rendered == 4
    assert len(texts(first)) == 12

    second, _ = await feed(n, site, PAGE + "?a=2")
    assert memo.misses == rendered, "another page must not render again"
    assert texts(second) == texts(first)
    ids = {x.notification_id for c in second.campaigns for v in c.variants for x in v.notifications}
    assert len(ids) == 12, "reused renders still carry their own campaign's ids"
    assert all(
        x.campaign_id == c.campaign_id for c in second.campaigns for v in c.variants for x in v.notifications
    )

    await add_activity(n, site, "Newcomer")
    third, _ = await feed(n, site, PAGE + "?a=1")
    assert memo.misses == rendered + 1, "a new activity renders only itself"
    assert sum("Newcomer" in t for t in texts(third)) == 3


async def test_content_and_site_changes_are_never_served_stale(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n, default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME)
    published = await publish(n, site, recent_campaign())
    await add_activity(n, site, "Jana")
    before, _ = await feed(n, site, PAGE)
    assert texts(before) == ["Jana from nearby bought Trail Shoes"]

    updated = campaigns_pb2.Campaign(name=published.name)
    updated.content.CopyFrom(published.content)
    updated.content.title = "{{ name }} just now"
    await n.campaigns.UpdateCampaign(
        campaigns_pb2.UpdateCampaignRequest(
            campaign=updated, update_mask=field_mask_pb2.FieldMask(paths=["content"])
        ),
        metadata=n.auth,
    )
    after_content, _ = await feed(n, site, PAGE)
    assert texts(after_content) == ["Jana just now bought Trail Shoes"]

    await n.sites.UpdateSite(
        sites_pb2.UpdateSiteRequest(
            site=sites_pb2.Site(
                name=site.name,
                settings=sites_pb2.SiteSettings(
                    default_anonymity=sites_pb2.ANONYMITY_LEVEL_ANONYMOUS, anonymous_name="A shopper"
                ),
            ),
            update_mask=field_mask_pb2.FieldMask(
                paths=["settings.default_anonymity", "settings.anonymous_name"]
            ),
        ),
        metadata=n.auth,
    )
    after_site, _ = await feed(n, site, PAGE)
    assert texts(after_site) == ["A shopper just now bought Trail Shoes"]


async def test_reused_renders_show_the_current_relative_time(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n, default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME)
    plain = recent_campaign()
    plain.content.footer = "{{ occurred_at | relative_time }}"
    shouting = recent_campaign()
    shouting.display_name = "Shouting"
    shouting.content.footer = "{{ occurred_at | relative_time | upcase }}"
    await publish(n, site, plain)
    await publish(n, site, shouting)
    await add_activity(n, site, "Jana")
    memo = n.service.render_memo
    start = datetime.now(UTC)
    n.service.clock = lambda: start
    first, _ = await feed(n, site, PAGE + "?t=1")
    assert sorted(texts(first)) == [
        "Jana from nearby bought Trail Shoes 4 MIN AGO",
        "Jana from nearby bought Trail Shoes 4 min ago",
    ]
    rendered = memo.misses

    n.service.clock = lambda: start + timedelta(minutes=3)
    later, _ = await feed(n, site, PAGE + "?t=2")
    assert sorted(texts(later)) == [
        "Jana from nearby bought Trail Shoes 7 MIN AGO",
        "Jana from nearby bought Trail Shoes 7 min ago",
    ]
    footers = [x.footer_spans[0] for c in later.campaigns for v in c.variants for x in v.notifications]
    assert all(s.HasField("relative_time") for s in footers)
    # The plain relative time was refreshed on reuse; the transformed one was rendered again.
    assert memo.misses == rendered + 1
