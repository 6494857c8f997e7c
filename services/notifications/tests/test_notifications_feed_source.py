"""The kept feed source and campaign entries: a feed composed from them is byte for byte the feed
built from Postgres at the same instant, and every change (publish, pause, activity, retraction,
erasure, time passing) shows at once."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf import duration_pb2, json_format
from google.protobuf.message import Message

from services.notifications.bootstrap import build_service
from services.notifications.domain import templates
from services.notifications.service import (
    FeedSource,
    FeedSources,
    NotificationsService,
    _targeting_class,
)
from services.notifications.tests.conftest import Stubs, make_settings
from services.notifications.tests.test_notifications_service_feed import (
    add_activity,
    make_site,
    publish,
    recent_campaign,
)
from socialproof.events.v1 import activity_pb2
from socialproof.notifications.v1 import (
    activities_pb2,
    campaigns_pb2,
    sites_pb2,
    targeting_pb2,
    templates_pb2,
    widget_pb2,
)

PAGE = "https://shop.example.com/products/trail"
FOOTER = "{{ occurred_at | relative_time }}"


def test_relative_time_changes_exactly_when_the_text_does() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    for offset in [-30, 0, 1, 59, 60, 61, 119, 3599, 3600, 7199, 86399, 86400, 3 * 86400 + 5]:
        now = when + timedelta(seconds=offset)
        change = templates.relative_time_changes(when, now)
        assert change > now
        text = templates.relative_time(when, now)
        for probe in (now, change - timedelta(microseconds=1)):
            assert templates.relative_time(when, probe) == text, (offset, probe)
        assert templates.relative_time(when, change) != text, offset


async def test_sources_are_read_once_per_version_and_kept_per_site() -> None:
    sources = FeedSources(capacity=2)
    reads: list[str] = []
    gate = asyncio.Event()
    now = datetime.now(UTC)

    def reader(site: str, version: int, fail: bool = False):  # type: ignore[no-untyped-def]
        async def read() -> FeedSource:
            reads.append(site)
            await gate.wait()
            if fail:
                raise RuntimeError("database down")
            return FeedSource(
                site_row=None,  # type: ignore[arg-type]
                site=sites_pb2.Site(),
                feed=widget_pb2.WidgetFeed(),
                version=version,
                read_time=now,
            )

        return read

    waiting = [asyncio.ensure_future(sources.get("s1", 1, now, reader("s1", 1))) for _ in range(10)]
    await asyncio.sleep(0)
    gate.set()
    got = await asyncio.gather(*waiting)
    assert reads == ["s1"] and all(g is got[0] for g in got), "ten concurrent misses, one read"
    assert await sources.get("s1", 1, now, reader("s1", 1)) is got[0]
    assert (await sources.get("s1", 2, now, reader("s1", 2))).version == 2, "a new version reads again"
    assert reads == ["s1", "s1"]
    with pytest.raises(RuntimeError):
        await sources.get("s2", 1, now, reader("s2", 1, fail=True))
    await sources.get("s2", 1, now, reader("s2", 1))  # a failed read is not remembered
    await sources.get("s3", 1, now, reader("s3", 1))  # capacity 2: s1 goes
    await sources.get("s1", 2, now, reader("s1", 2))
    assert reads == ["s1", "s1", "s2", "s2", "s3", "s1"]
    sources.forget("s1")
    await sources.get("s1", 2, now, reader("s1", 2))
    assert reads[-1] == "s1" and len(reads) == 7
    later = now + timedelta(days=1)
    source = await sources.get("s1", 2, now, reader("s1", 2))
    source.valid_until = later
    await sources.get("s1", 2, later, reader("s1", 2))
    assert len(reads) == 8, "a source past its retention bound is read again"


@pytest.fixture
async def reference(pg_database: str, redis_url: str) -> AsyncIterator[NotificationsService]:
    """A second service on the same Postgres and Redis whose feed sources are emptied before every
    feed: it builds every feed from Postgres at that instant."""
    service, db, closables = build_service(make_settings(pg_database, redis_url))
    yield service
    for closable in closables:
        if closable is not None:
            await closable.aclose()  # type: ignore[attr-defined]
    await db.dispose()


def _named(name: str, **kwargs: object) -> campaigns_pb2.Campaign:
    campaign = recent_campaign(**kwargs)
    campaign.display_name = name
    return campaign


async def _forget_stored(
    service: NotificationsService, site: sites_pb2.Site, request: widget_pb2.GetWidgetFeedRequest
) -> None:
    """Drops the feed last composed for the request's targeting class (shared by both services)."""
    _, _, _, site_id = site.name.split("/")
    cache = service.feed_cache
    targeting_class = _targeting_class(request)
    for kept in (targeting_class, "json|" + targeting_class):
        await cache.redis.delete(cache._composed_key(site_id, kept))


def _request(site: sites_pb2.Site, url: str, **page: object) -> widget_pb2.GetWidgetFeedRequest:
    return widget_pb2.GetWidgetFeedRequest(
        site_key=site.site_key,
        page=targeting_pb2.PageContext(url=url, **page),  # type: ignore[arg-type]
    )


async def _store(
    n: Stubs, site: sites_pb2.Site, when: datetime, name: str, *, kind: int = 1, url: str = PAGE
) -> None:
    _, org_id, _, site_id = site.name.split("/")
    event = activity_pb2.ActivityEvent(
        activity_id=str(uuid.uuid4()),
        kind=kind,  # type: ignore[arg-type]
        source=activity_pb2.ACTIVITY_SOURCE_PARTNER_API,
        actor=activity_pb2.ActivityActor(first_name=name, last_initial="K"),
        product=activity_pb2.ActivityProduct(name="Trail Shoes", url=url),
        source_ref=f"ref-{uuid.uuid4().hex}",
        verified=True,
    )
    event.occurred_at.FromDatetime(when)
    await n.service._store_activity(org_id, site_id, event, None, event_id=None)
    await n.service.feed_cache.bump(site_id)


async def test_kept_feed_is_byte_for_byte_the_feed_built_from_postgres(
    notifications: Stubs, reference: NotificationsService
) -> None:
    n = notifications
    site = await make_site(n, default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME)
    start = datetime.now(UTC).replace(microsecond=0)
    for i in range(30):
        await _store(n, site, start - timedelta(seconds=50 + 97 * i), f"Buyer{i}", url=f"{PAGE}/{i % 3}")
    plain = recent_campaign()
    plain.content.footer = FOOTER
    shouting = _named("Shouting")
    shouting.content.footer = "{{ occurred_at | relative_time | upcase }}"
    this_product = _named("This product")
    this_product.recent_activity.CopyFrom(
        campaigns_pb2.RecentActivityConfig(
            activity_filter=campaigns_pb2.ActivityFilter(current_page_product_only=True),
            max_age=duration_pb2.Duration(seconds=3600),
        )
    )
    this_product.content.footer = FOOTER
    arms = _named(
        "Arms",
        experiment=campaigns_pb2.Experiment(
            holdout_basis_points=500,
            variants=[
                campaigns_pb2.Variant(variant_id="a", weight=1),
                campaigns_pb2.Variant(
                    variant_id="b", weight=1, content=templates_pb2.TemplateContent(body="{{ name }} ordered")
                ),
            ],
        ),
    )
    live = campaigns_pb2.Campaign(
        display_name="Live",
        type=templates_pb2.CAMPAIGN_TYPE_LIVE_VISITORS,
        content=templates_pb2.TemplateContent(body="**{{ live_count | number }} people** are here"),
        live_visitors=campaigns_pb2.LiveVisitorsConfig(min_count=1),
    )
    counter = campaigns_pb2.Campaign(
        display_name="Counter",
        type=templates_pb2.CAMPAIGN_TYPE_AGGREGATE_COUNTER,
        content=templates_pb2.TemplateContent(body="**{{ count | number }} people** bought in {{ window }}"),
        aggregate_counter=campaigns_pb2.AggregateCounterConfig(
            activity_filter=campaigns_pb2.ActivityFilter(kinds=[activity_pb2.ACTIVITY_KIND_PURCHASE]),
            look_back=duration_pb2.Duration(seconds=3600),
        ),
    )
    evenings = _named("Evenings")
    evenings.targeting.schedule.daily_windows.add(start_minute=18 * 60, end_minute=23 * 60)
    for campaign in (plain, shouting, this_product, arms, live, counter, evenings):
        await publish(n, site, campaign)
    _, _, _, site_id = site.name.split("/")
    await n.service.presence.heartbeat(site_id, PAGE, "visitor-1", leaving=False, window_seconds=300)

    pages = [
        _request(site, PAGE),
        _request(site, PAGE + "/1?ref=x"),
        _request(site, PAGE + "/2", utm_source="news", device_type=2, country_code="DE"),
        _request(site, "https://shop.example.com/cart"),
    ]
    # Instants chosen to cross what changes with time alone: relative texts (seconds, minutes, hours),
    # the minute of a transformed relative time, max_age (1 h) of "This product", the counter's 1 h
    # look-back, and the evening window.
    offsets = [0, 1, 9, 10, 59, 60, 61, 125, 1800, 3000, 3555, 3600, 3700, 6 * 3600, 13 * 3600, 26 * 3600]
    served = 0
    for offset in offsets:
        now = start + timedelta(seconds=offset)
        n.service.clock = reference.clock = lambda now=now: now  # type: ignore[misc]
        for request in pages:
            await _forget_stored(n.service, site, request)
            kept = await n.service.widget_feed_answer(request)
            await _forget_stored(n.service, site, request)
            # A build per request as before the sources were kept. The render memo stays (it is
            # older than them): both services render at the same instants, so theirs agree, and a
            # render keyed by the minute stays as first rendered in that minute in both.
            reference.feed_sources.clear()
            built = await reference.widget_feed_answer(request)
            assert kept == built, (offset, request.page.url)
            parsed = widget_pb2.GetWidgetFeedResponse.FromString(kept.response)
            assert parsed.SerializeToString() == kept.response, "canonical field order"
            # The REST form: the same feed in the proto3 JSON mapping, composed from JSON entries.
            await _forget_stored(n.service, site, request)
            as_json = await n.service.widget_feed_answer(request, as_json=True)
            assert (as_json.cache_control, as_json.feed_version) == (kept.cache_control, kept.feed_version)
            body = widget_pb2.GetWidgetFeedJsonResponse.FromString(as_json.response).http_body
            assert body.content_type == "application/json"
            assert json.loads(body.data) == json_format.MessageToDict(
                parsed, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
            ), (offset, request.page.url)
            served += sum(len(v.notifications) for c in parsed.feed.campaigns for v in c.variants)
    assert served > 300
    assert n.service.feed_sources.reads == 1, "one Postgres read for every page and instant"


async def test_changes_show_at_once_without_a_new_read_per_page(notifications: Stubs) -> None:
    n = notifications
    service = n.service
    site = await make_site(n, default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME)
    published = await publish(n, site, recent_campaign())
    now = datetime.now(UTC)
    await _store(n, site, now - timedelta(minutes=3), "Ana")

    async def shown(url: str) -> list[str]:
        feed, _ = await service.widget_feed(_request(site, url))
        return [x.accessible_text for c in feed.campaigns for v in c.variants for x in v.notifications]

    assert await shown(PAGE) == ["Ana from nearby bought Trail Shoes"]
    reads = service.feed_sources.reads
    for i in range(5):
        assert await shown(f"{PAGE}?p={i}") == ["Ana from nearby bought Trail Shoes"]
    assert service.feed_sources.reads == reads, "new pages are composed from the kept source"

    created = await add_activity(n, site, "Bob", ref="order-bob")  # 4 minutes ago
    assert await shown(f"{PAGE}?p=0") == [
        "Ana from nearby bought Trail Shoes",
        "Bob from nearby bought Trail Shoes",
    ], "a new activity shows on the next request, also on a page composed before"
    await n.activities.RetractActivity(
        activities_pb2.RetractActivityRequest(
            name=created.name, reason=activity_pb2.ACTIVITY_RETRACTION_REASON_REFUND
        ),
        metadata=n.auth,
    )
    assert await shown(f"{PAGE}?p=0") == ["Ana from nearby bought Trail Shoes"], "a refund leaves at once"

    erased = await n.activities.EraseActivities(
        activities_pb2.EraseActivitiesRequest(parent=site.name, source_refs=["order-bob"]),
        metadata=n.auth,
    )
    assert erased.erased_count == 1
    _, _, _, site_id = site.name.split("/")
    assert site_id not in service.feed_sources._sources, "an erasure drops the kept (unsealed) rows"

    await n.campaigns.PauseCampaign(campaigns_pb2.PauseCampaignRequest(name=published.name), metadata=n.auth)
    assert await shown(f"{PAGE}?p=1") == [], "a pause leaves at once"
    await n.campaigns.PublishCampaign(
        campaigns_pb2.PublishCampaignRequest(name=published.name), metadata=n.auth
    )
    assert await shown(f"{PAGE}?p=1") == ["Ana from nearby bought Trail Shoes"]

    # Time alone: the activity ages past the default max_age (7 days) with no change at all.
    service.clock = lambda: now + timedelta(days=7, minutes=-4)
    assert await shown(f"{PAGE}?p=2") == ["Ana from nearby bought Trail Shoes"]
    service.clock = lambda: now + timedelta(days=7, minutes=-2)
    assert await shown(f"{PAGE}?p=3") == [], "aged out without a version change"


async def test_a_repeat_of_a_targeting_class_is_the_feed_composed_for_it(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n, default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME)
    await publish(n, site, recent_campaign())
    await _store(n, site, datetime.now(UTC) - timedelta(minutes=3), "Ana")
    first = await n.service.widget_feed_answer(_request(site, PAGE))
    again = await n.service.widget_feed_answer(_request(site, PAGE + "/"))  # the same class, normalized
    assert again == first, "the stored feed, as before (same generate_time and counts), from any replica"
    other = await n.service.widget_feed_answer(_request(site, PAGE + "?x=1"))
    assert other.feed != first.feed, "another class is composed for its own page"
    await _store(n, site, datetime.now(UTC) - timedelta(minutes=1), "Bob")  # bumps the version
    changed = await n.service.widget_feed_answer(_request(site, PAGE))
    assert changed.feed_version != first.feed_version and b"Bob" in changed.feed


def test_the_json_feed_request_is_the_feed_request_on_the_wire() -> None:
    """GetWidgetFeedJson's handler reads its request as GetWidgetFeedRequest (servicer.add_widget_service):
    every field must have the same name, number, type and cardinality in both messages."""

    def shape(message: type[Message]) -> list[tuple[str, int, int, bool, str]]:
        return [
            (f.name, f.number, f.type, f.is_repeated, f.message_type.full_name if f.message_type else "")
            for f in message.DESCRIPTOR.fields
        ]

    assert shape(widget_pb2.GetWidgetFeedJsonRequest) == shape(widget_pb2.GetWidgetFeedRequest)
