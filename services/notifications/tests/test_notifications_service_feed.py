"""Service tests on real Postgres + Redis: sites, campaigns, the widget feed, errors, tenancy, partner API."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf import field_mask_pb2

from services.notifications.tests.conftest import Stubs, error_details, principal_metadata
from shared.principal import PrincipalKind
from socialproof.events.v1 import activity_pb2
from socialproof.notifications.v1 import (
    activities_pb2,
    campaigns_pb2,
    sites_pb2,
    targeting_pb2,
    templates_pb2,
    widget_pb2,
)

BODY = 'bought **{{ product.name | default: "something" }}**'
TITLE = '{{ name }} from {{ city | default: "nearby" }}'


async def make_site(n: Stubs, **settings: object) -> sites_pb2.Site:
    response = await n.sites.CreateSite(
        sites_pb2.CreateSiteRequest(
            parent=f"organizations/{n.org_id}",
            site=sites_pb2.Site(
                display_name="Trail Shop",
                domains=[sites_pb2.SiteDomain(domain="shop.example.com")],
                settings=sites_pb2.SiteSettings(time_zone="Europe/Prague", **settings),  # type: ignore[arg-type]
            ),
        ),
        metadata=n.auth,
    )
    return response.site


def recent_campaign(**kwargs: object) -> campaigns_pb2.Campaign:
    campaign = campaigns_pb2.Campaign(
        display_name="Recent purchases",
        type=templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY,
        content=templates_pb2.TemplateContent(title=TITLE, body=BODY, link_url="{{ product.url }}"),
        targeting=targeting_pb2.TargetingRules(
            url_rules=[
                targeting_pb2.UrlRule(
                    action=targeting_pb2.RULE_ACTION_INCLUDE,
                    match_type=targeting_pb2.MATCH_TYPE_GLOB,
                    pattern="/products/**",
                    component=targeting_pb2.URL_COMPONENT_PATH,
                ),
                targeting_pb2.UrlRule(
                    action=targeting_pb2.RULE_ACTION_EXCLUDE,
                    match_type=targeting_pb2.MATCH_TYPE_REGEX,
                    pattern=r"/products/[^/]+/checkout",
                    component=targeting_pb2.URL_COMPONENT_PATH,
                ),
            ]
        ),
        **kwargs,  # type: ignore[arg-type]
    )
    return campaign


async def publish(n: Stubs, site: sites_pb2.Site, campaign: campaigns_pb2.Campaign) -> campaigns_pb2.Campaign:
    created = await n.campaigns.CreateCampaign(
        campaigns_pb2.CreateCampaignRequest(parent=site.name, campaign=campaign), metadata=n.auth
    )
    published = await n.campaigns.PublishCampaign(
        campaigns_pb2.PublishCampaignRequest(name=created.campaign.name), metadata=n.auth
    )
    return published.campaign


async def add_activity(
    n: Stubs, site: sites_pb2.Site, first_name: str = "Jana", ref: str = ""
) -> activities_pb2.Activity:
    event = activity_pb2.ActivityEvent(
        kind=activity_pb2.ACTIVITY_KIND_PURCHASE,
        actor=activity_pb2.ActivityActor(first_name=first_name, last_initial="K"),
        product=activity_pb2.ActivityProduct(
            name="Trail Shoes", url="https://shop.example.com/products/trail"
        ),
        source_ref=ref or uuid.uuid4().hex,
        verified=True,
    )
    event.occurred_at.FromDatetime(datetime.now(UTC) - timedelta(minutes=4))
    response = await n.activities.CreateActivity(
        activities_pb2.CreateActivityRequest(parent=site.name, activity=activities_pb2.Activity(event=event)),
        metadata=n.auth,
    )
    return response.activity


async def feed(n: Stubs, site: sites_pb2.Site, url: str) -> tuple[widget_pb2.WidgetFeed, dict[str, str]]:
    call = n.widget.GetWidgetFeed(
        widget_pb2.GetWidgetFeedRequest(site_key=site.site_key, page=targeting_pb2.PageContext(url=url))
    )
    response = await call
    headers = {k: v for k, v in (await call.initial_metadata() or ()) if isinstance(v, str)}
    return response.feed, headers


def texts(f: widget_pb2.WidgetFeed) -> list[str]:
    return [n.accessible_text for c in f.campaigns for v in c.variants for n in v.notifications]


async def test_published_campaign_in_feed_for_matching_page_not_excluded_one(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    assert site.site_key.startswith("sk_pub_") and site.domains[0].verification_token
    campaign = await publish(n, site, recent_campaign())
    await add_activity(n, site)

    page, headers = await feed(n, site, "https://shop.example.com/products/trail")
    assert page.status == widget_pb2.FEED_STATUS_ACTIVE
    assert [c.campaign_id for c in page.campaigns] == [campaign.name.rsplit("/", 1)[1]]
    (notification,) = page.campaigns[0].variants[0].notifications
    # Anonymous by default: the name is the site's anonymous wording, not "Jana".
    assert notification.accessible_text == "Someone from nearby bought Trail Shoes"
    assert notification.anonymous and notification.fallback_initials == "?"
    assert [s.emphasized for s in notification.body_spans] == [False, True]
    assert notification.link_url == "https://shop.example.com/products/trail"
    rules = page.campaigns[0].variants[0].display_rules
    assert rules.first_delay.seconds == 3 and rules.display_duration.seconds == 7 and rules.hide_own_activity
    assert headers["cache-control"] == "public, max-age=0, s-maxage=1"
    assert headers["etag"] == f'"{page.cache.feed_version}"'

    excluded, _ = await feed(n, site, "https://shop.example.com/products/trail/checkout")
    assert excluded.campaigns == []
    elsewhere, _ = await feed(n, site, "https://shop.example.com/blog/post")
    assert elsewhere.campaigns == []


async def test_draft_is_not_shown_and_pause_leaves_feed_within_a_second(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    draft = await n.campaigns.CreateCampaign(
        campaigns_pb2.CreateCampaignRequest(parent=site.name, campaign=recent_campaign()), metadata=n.auth
    )
    await add_activity(n, site)
    url = "https://shop.example.com/products/trail"
    assert (await feed(n, site, url))[0].campaigns == []
    await n.campaigns.PublishCampaign(
        campaigns_pb2.PublishCampaignRequest(name=draft.campaign.name), metadata=n.auth
    )
    assert len((await feed(n, site, url))[0].campaigns) == 1  # now cached in Redis
    started = time.perf_counter()
    paused = await n.campaigns.PauseCampaign(
        campaigns_pb2.PauseCampaignRequest(name=draft.campaign.name), metadata=n.auth
    )
    after, _ = await feed(n, site, url)
    assert after.campaigns == [] and time.perf_counter() - started < 1.0
    assert paused.campaign.state == campaigns_pb2.CAMPAIGN_STATE_PAUSED
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.campaigns.PauseCampaign(
            campaigns_pb2.PauseCampaignRequest(name=draft.campaign.name), metadata=n.auth
        )
    assert raised.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(raised.value)[0] == "INVALID_CAMPAIGN_STATE"


async def test_retracted_activity_leaves_the_feed(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    await publish(n, site, recent_campaign())
    keep = await add_activity(n, site, "Ana")
    refunded = await add_activity(n, site, "Bob")
    url = "https://shop.example.com/products/trail"
    ids = [
        x.activity_id
        for c in (await feed(n, site, url))[0].campaigns
        for v in c.variants
        for x in v.notifications
    ]
    assert set(ids) == {keep.event.activity_id, refunded.event.activity_id}
    retracted = await n.activities.RetractActivity(
        activities_pb2.RetractActivityRequest(
            name=refunded.name, reason=activity_pb2.ACTIVITY_RETRACTION_REASON_REFUND
        ),
        metadata=n.auth,
    )
    assert retracted.activity.state == activities_pb2.ACTIVITY_STATE_RETRACTED
    ids = [
        x.activity_id
        for c in (await feed(n, site, url))[0].campaigns
        for v in c.variants
        for x in v.notifications
    ]
    assert ids == [keep.event.activity_id]


async def test_bad_template_and_bad_regex_get_field_violations(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    campaign = recent_campaign()
    campaign.content.body = "bought {{ product.name | uppercase }"
    campaign.targeting.url_rules[1].pattern = "/products/(?=x)"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.campaigns.CreateCampaign(
            campaigns_pb2.CreateCampaignRequest(parent=site.name, campaign=campaign), metadata=n.auth
        )
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    reason, violations = error_details(raised.value)
    assert violations == [
        ("campaign.content.body", "1:8: '{{' is never closed by '}}'"),
        (
            "campaign.targeting.url_rules[1].pattern",
            "invalid regular expression at offset 10: invalid perl operator: (?=",
        ),
    ]
    campaign.content.body = "bought {{ product.name | uppercase }}"
    campaign.targeting.url_rules[1].pattern = "/ok"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.campaigns.CreateCampaign(
            campaigns_pb2.CreateCampaignRequest(parent=site.name, campaign=campaign), metadata=n.auth
        )
    assert error_details(raised.value)[1] == [
        ("campaign.content.body", "1:26: unknown filter 'uppercase'; did you mean 'upcase'?")
    ]


async def test_validate_template_reports_positions_without_error(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    result = await n.templates.ValidateTemplate(
        templates_pb2.ValidateTemplateRequest(
            parent=site.name,
            campaign_type=templates_pb2.CAMPAIGN_TYPE_LIVE_VISITORS,
            content=templates_pb2.TemplateContent(body="{{ live_count }} viewing {{ frist_name }}"),
        ),
        metadata=n.auth,
    )
    assert not result.valid
    (issue,) = result.issues
    assert (issue.field, issue.line, issue.column, issue.length) == ("body", 1, 29, 10)
    assert issue.code == templates_pb2.TEMPLATE_ISSUE_CODE_UNKNOWN_VARIABLE


async def test_unknown_and_malformed_site_keys(notifications: Stubs) -> None:
    n = notifications
    page = targeting_pb2.PageContext(url="https://shop.example.com/")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.widget.GetWidgetFeed(
            widget_pb2.GetWidgetFeedRequest(site_key="sk_pub_" + "0" * 24, page=page)
        )
    assert raised.value.code() is grpc.StatusCode.NOT_FOUND
    assert error_details(raised.value)[0] == "SITE_KEY_NOT_FOUND"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.widget.GetWidgetFeed(widget_pb2.GetWidgetFeedRequest(site_key="x" * 5000, page=page))
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(raised.value)[1] == [
        ("site_key", "must look like sk_pub_ followed by 24 hex digits")
    ]
    site = await make_site(n)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.widget.GetWidgetFeed(
            widget_pb2.GetWidgetFeedRequest(
                site_key=site.site_key,
                page=targeting_pb2.PageContext(url="javascript:alert(1)", country_code="CZE"),
            )
        )
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(raised.value)[1] == [
        ("page.url", "must be an absolute http(s) URL"),
        ("page.country_code", "must be an ISO 3166-1 alpha-2 code"),
    ]


async def test_unauthenticated_cross_tenant_and_malformed_names(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    campaign = await publish(n, site, recent_campaign())
    get = campaigns_pb2.GetCampaignRequest(name=campaign.name)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.campaigns.GetCampaign(get)  # no principal
    assert raised.value.code() is grpc.StatusCode.UNAUTHENTICATED
    other_org = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.campaigns.GetCampaign(get, metadata=principal_metadata(other_org))
    assert raised.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert error_details(raised.value)[0] == "ORG_ACCESS_DENIED"
    # The other org names its own org with our site and campaign ids: not found, nothing leaks.
    foreign = campaign.name.replace(n.org_id, other_org)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.campaigns.GetCampaign(
            campaigns_pb2.GetCampaignRequest(name=foreign), metadata=principal_metadata(other_org)
        )
    assert raised.value.code() is grpc.StatusCode.NOT_FOUND
    await add_activity(n, site)
    leaked = await n.activities.ListActivities(
        activities_pb2.ListActivitiesRequest(parent=site.name.replace(n.org_id, other_org)),
        metadata=principal_metadata(other_org),
    )
    assert list(leaked.activities) == []
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.campaigns.GetCampaign(
            campaigns_pb2.GetCampaignRequest(name="campaigns/1; DROP TABLE"), metadata=n.auth
        )
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(raised.value)[0] == "INVALID_RESOURCE_NAME"
    # A viewer cannot publish; an API key without the scope cannot create activities.
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.campaigns.PauseCampaign(
            campaigns_pb2.PauseCampaignRequest(name=campaign.name),
            metadata=principal_metadata(n.org_id, role="viewer"),
        )
    assert error_details(raised.value)[0] == "ROLE_NOT_ALLOWED"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.activities.CreateActivity(
            activities_pb2.CreateActivityRequest(parent=site.name),
            metadata=principal_metadata(
                n.org_id, kind=PrincipalKind.API_KEY, scopes=frozenset({"campaigns_read"})
            ),
        )
    assert error_details(raised.value)[0] == "SCOPE_MISSING"


async def test_partner_activity_create_is_idempotent_and_validated(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    partner = principal_metadata(
        n.org_id, kind=PrincipalKind.API_KEY, scopes=frozenset({"activities_write", "activities_read"})
    )
    event = activity_pb2.ActivityEvent(
        kind=activity_pb2.ACTIVITY_KIND_SIGNUP, actor=activity_pb2.ActivityActor(first_name="Eva")
    )
    event.occurred_at.FromDatetime(datetime.now(UTC))
    request = activities_pb2.CreateActivityRequest(
        parent=site.name, activity=activities_pb2.Activity(event=event), request_id="order-1"
    )
    first = await n.activities.CreateActivity(request, metadata=partner)
    again = await n.activities.CreateActivity(request, metadata=partner)
    assert first.created and not again.created and first.activity.name == again.activity.name
    assert first.activity.event.source == activity_pb2.ACTIVITY_SOURCE_PARTNER_API
    listed = await n.activities.ListActivities(
        activities_pb2.ListActivitiesRequest(parent=site.name), metadata=partner
    )
    assert [a.name for a in listed.activities] == [first.activity.name]

    bad = activity_pb2.ActivityEvent(actor=activity_pb2.ActivityActor(first_name="x" * 1000))
    bad.product.url = "javascript:alert(1)"
    bad.attributes["Bad Key"] = "v"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.activities.CreateActivity(
            activities_pb2.CreateActivityRequest(
                parent=site.name, activity=activities_pb2.Activity(event=bad), request_id="r" * 200
            ),
            metadata=partner,
        )
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in error_details(raised.value)[1]] == [
        "request_id",
        "activity.event.kind",
        "activity.event.occurred_at",
        "activity.event.actor.first_name",
        "activity.event.product.url",
        "activity.event.attributes",
    ]


async def test_site_update_and_oversized_input(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    update = sites_pb2.Site(name=site.name, settings=sites_pb2.SiteSettings(time_zone="America/New_York"))
    updated = await n.sites.UpdateSite(
        sites_pb2.UpdateSiteRequest(
            site=update, update_mask=field_mask_pb2.FieldMask(paths=["settings.time_zone"])
        ),
        metadata=n.auth,
    )
    assert updated.site.settings.time_zone == "America/New_York"
    assert updated.site.settings.holdout_id == site.settings.holdout_id and updated.site.etag != site.etag
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.sites.CreateSite(
            sites_pb2.CreateSiteRequest(
                parent=f"organizations/{n.org_id}",
                site=sites_pb2.Site(
                    display_name="x" * 101,
                    domains=[sites_pb2.SiteDomain(domain="https://shop.example.com/path")],
                    settings=sites_pb2.SiteSettings(time_zone="Mars/Olympus", holdout_basis_points=9000),
                ),
            ),
            metadata=n.auth,
        )
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in error_details(raised.value)[1]] == [
        "site.display_name",
        "site.domains[0].domain",
        "site.settings.time_zone",
        "site.settings.holdout_basis_points",
    ]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await n.widget.GetWidgetFeed(
            widget_pb2.GetWidgetFeedRequest(
                site_key=site.site_key, page=targeting_pb2.PageContext(url="https://x.com/" + "a" * 3000)
            )
        )
    assert error_details(raised.value)[1] == [("page.url", "at most 2048 characters")]


async def test_experiment_in_feed_and_billing_absent_fallback(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    campaign = recent_campaign(
        experiment=campaigns_pb2.Experiment(
            holdout_basis_points=1000,
            variants=[
                campaigns_pb2.Variant(variant_id="a", weight=1),
                campaigns_pb2.Variant(
                    variant_id="b",
                    weight=3,
                    content=templates_pb2.TemplateContent(body="{{ name }} just ordered"),
                ),
            ],
        )
    )
    published = await publish(n, site, campaign)
    await add_activity(n, site)
    page, _ = await feed(n, site, "https://shop.example.com/products/trail")
    (entry,) = page.campaigns
    assert entry.experiment_id == published.experiment.experiment_id and entry.holdout_basis_points == 1000
    assert [(v.variant_id, v.weight) for v in entry.variants] == [("a", 1), ("b", 3)]
    assert entry.variants[1].notifications[0].accessible_text == "Someone just ordered"
    # Billing is not running: the documented fallback keeps serving, with the branding mark.
    assert page.status == widget_pb2.FEED_STATUS_ACTIVE and page.site.show_branding
