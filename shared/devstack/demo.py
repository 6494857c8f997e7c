"""Seeds the demo organization, site, campaign and activities into a running local platform, once.

The seeder is local operator tooling: it signs up the demo owner through the users service like any
visitor would, then acts as a mesh service (the platform's mesh token + a service principal) to create
the site, publish a campaign and record verified activities. What it created is kept in
`<root>/demo.json` so a second `make up` reuses it instead of seeding again.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc

from shared.devstack.platform import Platform
from shared.devstack.process import DevstackError
from shared.devstack.seeding import (
    channel_to,
    create_site,
    publish_campaign,
    recent_activity_campaign,
    service_auth,
    sign_up,
)
from shared.rpc.status import error_details
from socialproof.common.v1 import common_pb2
from socialproof.events.v1 import activity_pb2
from socialproof.notifications.v1 import (
    activities_pb2,
    activities_pb2_grpc,
    sites_pb2,
)

DEMO_EMAIL = "demo@socialproof.local"

#: Recent purchases shown by the demo campaign: (first name, city, country, product, minutes ago).
ACTIVITIES = (
    ("Jana", "Brno", "CZ", "Trail Shoes", 4),
    ("Lukas", "Vienna", "AT", "Rain Jacket", 11),
    ("Amelie", "Lyon", "FR", "Trail Shoes", 26),
    ("Tomas", "Prague", "CZ", "Hiking Poles", 48),
    ("Sofia", "Porto", "PT", "Merino Socks", 95),
)


def _request_id(name: str) -> str:
    """A stable UUID per seeding step, so a retried step is recognised as the same request."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://socialproof.local/devstack/{name}"))


def seed_demo(platform: Platform, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Creates the demo data unless `<root>/demo.json` says it exists; returns what demo.json holds."""
    marker = platform.root / "demo.json"
    if marker.exists():
        demo: dict[str, Any] = json.loads(marker.read_text())
        progress(f"demo data    present (site key {demo['site_key']})")
        return demo
    try:
        demo = _seed(platform, progress)
    except grpc.RpcError as error:
        details = error_details(error.trailing_metadata())  # type: ignore[attr-defined]
        raise DevstackError(f"seeding the demo data failed: {details.describe(error)}") from error
    marker.write_text(json.dumps(demo, indent=2))
    marker.chmod(0o600)  # holds the demo owner's password
    return demo


def _seed(platform: Platform, progress: Callable[[str], None]) -> dict[str, Any]:
    password = secrets.token_urlsafe(12)
    signed_up = sign_up(
        platform,
        email=DEMO_EMAIL,
        password=password,
        display_name="Demo Owner",
        organization="Demo Outdoor Shop",
        request_id=_request_id("devstack-demo-signup"),
    )
    org = signed_up.organization.name
    progress(f"demo owner   {DEMO_EMAIL} in {org}")
    auth = service_auth(platform, org, "devstack-demo")
    site = create_site(
        platform,
        auth,
        org,
        display_name="Demo Outdoor Shop",
        # The demo page is served by the local edge (127.0.0.1), which a site's domain list cannot
        # name; the site does not restrict the widget to its domains.
        domain="demo.socialproof.local",
        # Sites are anonymous by default; the demo shop's customers agreed to first names.
        settings=sites_pb2.SiteSettings(
            time_zone="Europe/Prague",
            locale="en",
            default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME,
            add_utm_to_links=True,
        ),
        request_id=_request_id("devstack-demo-site"),
    )
    progress(f"demo site    {site.name} (site key {site.site_key})")
    campaign = publish_campaign(
        platform,
        auth,
        site.name,
        recent_activity_campaign(
            title='{{ name }} from {{ city | default: "nearby" }}',
            body='bought **{{ product.name | default: "something" }}**',
            link_url="{{ product.url }}",
        ),
        request_id=_request_id("devstack-demo-campaign"),
    )
    progress(f"demo campaign {campaign.display_name!r} published")
    with channel_to(platform, "notifications") as notifications:
        activities = activities_pb2_grpc.ActivityServiceStub(notifications)
        now = datetime.now(UTC)
        for index, (first_name, city, country, product, minutes) in enumerate(ACTIVITIES):
            event = activity_pb2.ActivityEvent(
                kind=activity_pb2.ACTIVITY_KIND_PURCHASE,
                actor=activity_pb2.ActivityActor(first_name=first_name),
                location=common_pb2.Location(city=city, country_code=country),
                product=activity_pb2.ActivityProduct(name=product, url=f"{platform.edge_url}/demo/"),
                source_ref=f"devstack-demo-order-{index}",
                verified=True,
            )
            event.occurred_at.FromDatetime(now - timedelta(minutes=minutes))
            activities.CreateActivity(
                activities_pb2.CreateActivityRequest(
                    parent=site.name,
                    activity=activities_pb2.Activity(event=event),
                    request_id=_request_id(f"devstack-demo-activity-{index}"),
                ),
                metadata=auth,
                timeout=30,
            )
        progress(f"demo data    {len(ACTIVITIES)} verified purchases recorded")
    return {
        "email": DEMO_EMAIL,
        "password": password,
        "organization": org,
        "site": site.name,
        "site_key": site.site_key,
        "campaign": campaign.name,
    }
