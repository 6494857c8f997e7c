"""Widget feed through the real edge (site with 10k activities, 20 campaigns) vs a direct_response route."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc

from bench.harness import LoadResult, parse_wrk, write_result, wrk
from meshconfig import default_topology, with_free_ports
from meshconfig.topology import DEFAULT_ROUTE_CLASSES
from shared.devstack.platform import Platform
from shared.principal import Principal, PrincipalKind
from socialproof.events.v1 import activity_pb2
from socialproof.notifications.v1 import (
    activities_pb2,
    activities_pb2_grpc,
    campaigns_pb2,
    campaigns_pb2_grpc,
    sites_pb2,
    sites_pb2_grpc,
    targeting_pb2,
    templates_pb2,
)

NAME = "notifications_widget_feed"
SECONDS = 10
CONNECTIONS = 16
ACTIVITIES = 10_000
CAMPAIGNS = 20
SEED_CONCURRENCY = 24
PAGE = "https://shop.example.com/products/trail"
# Every request asks for another page (a new query string), so each is a Redis miss that builds the
# feed from Postgres; the counter is per wrk connection thread, hence the random prefix per run.
MISS_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local page = "https%%3A%%2F%%2Fshop.example.com%%2Fproducts%%2Ftrail%%3Fv%%3D%s" .. counter
  return wrk.format("GET", "%s?page.url=" .. page)
end
"""


def _metadata(root: Path) -> tuple[tuple[str, str], ...]:
    """A service principal with the mesh token, as another service of the mesh would call."""
    token = (root / "mesh-token").read_text().strip()
    principal = Principal(PrincipalKind.SERVICE, subject="services/bench")
    return (("x-sp-mesh-token", token), ("x-sp-principal", principal.to_header()))


async def _seed(address: str, metadata: tuple[tuple[str, str], ...], progress) -> sites_pb2.Site:  # type: ignore[no-untyped-def]
    org_id = str(uuid.uuid4())
    async with grpc.aio.insecure_channel(address) as channel:
        sites = sites_pb2_grpc.SiteServiceStub(channel)
        campaigns = campaigns_pb2_grpc.CampaignServiceStub(channel)
        activities = activities_pb2_grpc.ActivityServiceStub(channel)
        site = (
            await sites.CreateSite(
                sites_pb2.CreateSiteRequest(
                    parent=f"organizations/{org_id}",
                    site=sites_pb2.Site(
                        display_name="Bench Shop",
                        domains=[sites_pb2.SiteDomain(domain="shop.example.com")],
                        settings=sites_pb2.SiteSettings(
                            time_zone="Europe/Prague", default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME
                        ),
                    ),
                ),
                metadata=metadata,
            )
        ).site
        # Activities first: with no campaign published yet, storing one pushes nothing live.
        now = datetime.now(UTC)
        semaphore = asyncio.Semaphore(SEED_CONCURRENCY)

        async def add(i: int) -> None:
            event = activity_pb2.ActivityEvent(
                kind=activity_pb2.ACTIVITY_KIND_PURCHASE if i % 5 else activity_pb2.ACTIVITY_KIND_SIGNUP,
                actor=activity_pb2.ActivityActor(first_name=f"Buyer{i}", last_initial="K"),
                product=activity_pb2.ActivityProduct(name=f"Product {i % 40}", url=f"{PAGE}/{i % 40}"),
                source_ref=f"order-{i}",
                verified=True,
            )
            event.occurred_at.FromDatetime(now - timedelta(minutes=i))
            async with semaphore:
                await activities.CreateActivity(
                    activities_pb2.CreateActivityRequest(
                        parent=site.name, activity=activities_pb2.Activity(event=event)
                    ),
                    metadata=metadata,
                )

        for start in range(0, ACTIVITIES, 1000):
            await asyncio.gather(*(add(i) for i in range(start, min(ACTIVITIES, start + 1000))))
            progress(f"  seeded {min(ACTIVITIES, start + 1000)} activities")
        for i in range(CAMPAIGNS):
            kind = activity_pb2.ACTIVITY_KIND_PURCHASE if i % 2 else activity_pb2.ACTIVITY_KIND_SIGNUP
            campaign = campaigns_pb2.Campaign(
                display_name=f"Campaign {i}",
                type=templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY,
                priority=i,
                # Distinct wording per campaign, so nothing is shared between campaigns' renders.
                content=templates_pb2.TemplateContent(
                    title='{{ name }} from {{ city | default: "nearby" }}',
                    body=f"bought **{{{{ product.name }}}}** (offer {i})",
                    footer="{{ occurred_at | relative_time }}",
                    link_url="{{ product.url }}",
                ),
                recent_activity=campaigns_pb2.RecentActivityConfig(
                    activity_filter=campaigns_pb2.ActivityFilter(kinds=[kind]),
                ),
                targeting=targeting_pb2.TargetingRules(
                    url_rules=[
                        targeting_pb2.UrlRule(
                            action=targeting_pb2.RULE_ACTION_INCLUDE,
                            match_type=targeting_pb2.MATCH_TYPE_GLOB,
                            pattern="/products/**",
                            component=targeting_pb2.URL_COMPONENT_PATH,
                        )
                    ]
                ),
            )
            created = await campaigns.CreateCampaign(
                campaigns_pb2.CreateCampaignRequest(parent=site.name, campaign=campaign), metadata=metadata
            )
            await campaigns.PublishCampaign(
                campaigns_pb2.PublishCampaignRequest(name=created.campaign.name), metadata=metadata
            )
        return site


def _wrk_script(url: str, script: str, *, seconds: int, connections: int) -> LoadResult:
    """wrk with a Lua script (bench.harness.wrk takes none); parsed by the harness."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed: `apt-get install -y wrk` (make bench does this)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", f.name, url],
            capture_output=True, text=True, timeout=seconds + 30, check=True,
        )  # fmt: skip
    finally:
        Path(f.name).unlink()
    return parse_wrk(out.stdout)


def run(progress=print) -> Path:  # type: ignore[no-untyped-def]
    # Rate limits off for the measured classes: the benchmark measures the path, not the limiter.
    classes = tuple(dataclasses.replace(rc, requests_per_second=0, burst=0) for rc in DEFAULT_ROUTE_CLASSES)
    topology = with_free_ports(dataclasses.replace(default_topology(), route_classes=classes))
    root = Path(tempfile.mkdtemp(prefix="sp-bench-"))
    root.chmod(0o755)
    platform = Platform(root, topology, durable=False, progress=lambda line: progress(f"  {line}"))
    platform.start()
    try:
        address = f"127.0.0.1:{topology.service('notifications').app_port}"
        progress(f"  seeding {ACTIVITIES} activities and {CAMPAIGNS} campaigns through {address}")
        site = asyncio.run(_seed(address, _metadata(platform.root), progress))
        base = f"{platform.edge_url}/v1/widget/sites/{site.site_key}/feed"
        hit_url = f"{base}?page.url={urllib.parse.quote(PAGE, safe='')}"
        ceiling_url = f"{platform.edge_url}/v1/ping/direct"
        with urllib.request.urlopen(hit_url, timeout=10) as reply:  # noqa: S310 - loopback sanity check
            body = json.loads(reply.read()).get("feed", {})
        shown = sum(len(v.get("notifications", [])) for c in body.get("campaigns", []) for v in c["variants"])
        status = body.get("status")
        assert status == "FEED_STATUS_ACTIVE" and len(body["campaigns"]) == CAMPAIGNS, status
        with urllib.request.urlopen(ceiling_url, timeout=10) as reply:  # noqa: S310
            assert reply.status == 200
        size = len(json.dumps(body))
        progress(f"  feed: {len(body['campaigns'])} campaigns, {shown} notifications, {size} B")
        progress(f"  load {SECONDS} s x {CONNECTIONS} connections: {hit_url} (repeat: Redis feed cache)")
        hit = wrk(hit_url, seconds=SECONDS, connections=CONNECTIONS)
        script = MISS_SCRIPT % (uuid.uuid4().hex[:8], urllib.parse.urlsplit(base).path)
        progress(f"  load {SECONDS} s x {CONNECTIONS} connections: distinct pages (every request a miss)")
        miss = _wrk_script(platform.edge_url, script, seconds=SECONDS, connections=CONNECTIONS)
        progress(f"  load {SECONDS} s x {CONNECTIONS} connections: {ceiling_url}")
        ceiling = wrk(ceiling_url, seconds=SECONDS, connections=CONNECTIONS)
    finally:
        platform.stop()
    config = {
        "seconds": SECONDS,
        "connections": CONNECTIONS,
        "wrk_threads": 1,
        "activities": ACTIVITIES,
        "campaigns": CAMPAIGNS,
        "notifications_per_feed": shown,
        "path": "GET /v1/widget/sites/{site_key}/feed?page.url=… (notifications.WidgetService/GetWidgetFeed)",
        "ceiling": "GET /v1/ping/direct",
    }
    metrics = {**hit.as_dict(), **{f"miss_{k}": v for k, v in miss.as_dict().items()}}
    notes = (
        "Measured: edge (transcoder, CORS) → mTLS → notifications sidecar → grpc.aio notifications → "
        "JSON. Plain keys: the same page repeatedly (answered from the Redis feed cache, no edge HTTP "
        "cache on this route yet); `miss_*`: a different page on every request, so every request builds "
        "the feed from Postgres (20 campaigns over 10k activities) with the in-process render memo warm. "
        "Baseline: an Envoy `direct_response` route on the same edge (the ceiling). Load generator, "
        "Envoys, Postgres, Redis and services share the same 2 cores."
    )
    path = write_result(NAME, config, metrics, ceiling.as_dict(),
                        hit.requests_per_second / ceiling.requests_per_second, notes)  # fmt: skip
    progress(f"  {NAME}: {json.dumps(metrics)} vs ceiling {json.dumps(ceiling.as_dict())}")
    return path


if __name__ == "__main__":
    print(run())
