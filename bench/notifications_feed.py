"""Widget feed through the real edge (site with 10k activities, 20 campaigns) in one run against two
references: an Envoy direct_response route (the ceiling) and the FastAPI + Postgres + Redis peer
(bench/peers/feed_fastapi) serving the same site."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import grpc

from bench.harness import ROOT, LoadResult, parse_wrk, write_result, wrk
from bench.peers.feed_fastapi import data
from bench.peers.feed_fastapi.server import FeedPeer, create_database
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
PAGE = data.PAGE
PACED_RATE = 1000
PACED_CONNECTIONS = 32
PEER_WORKERS = 2
PEER_CACHE_TTL_SECONDS = 10
# Every request asks for another page (a new query string), so each misses the edge's HTTP cache and
# reaches the service, which composes it for that page (from the site's feed source, read from Postgres
# once per feed version); the counter is per wrk connection thread, hence the random prefix per run.
MISS_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local page = "https%%3A%%2F%%2Fshop.example.com%%2Fproducts%%2Ftrail%%3Fv%%3D%s" .. counter
  return wrk.format("GET", "%s?page.url=" .. page .. "%s")
end
"""
_KINDS = {"purchase": activity_pb2.ACTIVITY_KIND_PURCHASE, "signup": activity_pb2.ACTIVITY_KIND_SIGNUP}


def _metadata(root: Path) -> tuple[tuple[str, str], ...]:
    """A service principal with the mesh token, as another service of the mesh would call."""
    token = (root / "mesh-token").read_text().strip()
    principal = Principal(PrincipalKind.SERVICE, subject="services/bench")
    return (("x-sp-mesh-token", token), ("x-sp-principal", principal.to_header()))


async def _seed(  # type: ignore[no-untyped-def]
    address: str,
    metadata: tuple[tuple[str, str], ...],
    activities: list[data.BenchActivity],
    campaigns: list[data.BenchCampaign],
    progress,
) -> sites_pb2.Site:
    org_id = str(uuid.uuid4())
    async with grpc.aio.insecure_channel(address) as channel:
        sites = sites_pb2_grpc.SiteServiceStub(channel)
        campaign_service = campaigns_pb2_grpc.CampaignServiceStub(channel)
        activity_service = activities_pb2_grpc.ActivityServiceStub(channel)
        site = (
            await sites.CreateSite(
                sites_pb2.CreateSiteRequest(
                    parent=f"organizations/{org_id}",
                    site=sites_pb2.Site(
                        display_name="Bench Shop",
                        domains=[sites_pb2.SiteDomain(domain=data.DOMAIN)],
                        settings=sites_pb2.SiteSettings(
                            time_zone="Europe/Prague", default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME
                        ),
                    ),
                ),
                metadata=metadata,
            )
        ).site
        # Activities first: with no campaign published yet, storing one pushes nothing live.
        semaphore = asyncio.Semaphore(SEED_CONCURRENCY)

        async def add(a: data.BenchActivity) -> None:
            event = activity_pb2.ActivityEvent(
                kind=_KINDS[a.kind],
                actor=activity_pb2.ActivityActor(first_name=a.first_name, last_initial=a.last_initial),
                product=activity_pb2.ActivityProduct(name=a.product_name, url=a.product_url),
                source_ref=a.source_ref,
                verified=a.verified,
            )
            event.occurred_at.FromDatetime(a.occurred_at)
            async with semaphore:
                await activity_service.CreateActivity(
                    activities_pb2.CreateActivityRequest(
                        parent=site.name, activity=activities_pb2.Activity(event=event)
                    ),
                    metadata=metadata,
                )

        for start in range(0, len(activities), 1000):
            await asyncio.gather(*(add(a) for a in activities[start : start + 1000]))
            progress(f"  seeded {min(len(activities), start + 1000)} activities")
        for c in campaigns:
            campaign = campaigns_pb2.Campaign(
                display_name=c.name,
                type=templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY,
                priority=c.priority,
                content=templates_pb2.TemplateContent(
                    title=c.title, body=c.body, footer=c.footer, link_url=c.link_url
                ),
                recent_activity=campaigns_pb2.RecentActivityConfig(
                    activity_filter=campaigns_pb2.ActivityFilter(kinds=[_KINDS[c.kind]]),
                ),
                targeting=targeting_pb2.TargetingRules(
                    url_rules=[
                        targeting_pb2.UrlRule(
                            action=targeting_pb2.RULE_ACTION_INCLUDE,
                            match_type=targeting_pb2.MATCH_TYPE_GLOB,
                            pattern=c.url_glob,
                            component=targeting_pb2.URL_COMPONENT_PATH,
                        )
                    ]
                ),
            )
            created = await campaign_service.CreateCampaign(
                campaigns_pb2.CreateCampaignRequest(parent=site.name, campaign=campaign), metadata=metadata
            )
            await campaign_service.PublishCampaign(
                campaigns_pb2.PublishCampaignRequest(name=created.campaign.name), metadata=metadata
            )
        return site


async def _seed_peer(
    dsn: str, activities: list[data.BenchActivity], campaigns: list[data.BenchCampaign]
) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return await data.seed_site(conn, activities, campaigns)
    finally:
        await conn.close()


# Every load sends what a browser's fetch sends: the edge keeps the feed gzipped (once per miss) and
# the peer gzips each answer (GZipMiddleware), so both are measured as browsers would use them.
BROWSER_HEADERS = {"accept-encoding": "gzip, deflate, br"}
BROWSER_ENCODING = "Accept-Encoding: gzip, deflate, br"


def _wrk_script(url: str, script: str, *, seconds: int, connections: int) -> LoadResult:
    """wrk with a Lua script (bench.harness.wrk takes none); parsed by the harness."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed: `apt-get install -y wrk` (make bench does this)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", BROWSER_ENCODING,
             "-s", f.name, url],
            capture_output=True, text=True, timeout=seconds + 30, check=True,
        )  # fmt: skip
    finally:
        Path(f.name).unlink()
    return parse_wrk(out.stdout)


def _miss_script(path: str, extra_query: str = "") -> str:
    return MISS_SCRIPT % (uuid.uuid4().hex[:8], path, extra_query)


def _paced(url: str, *, seconds: int) -> dict[str, float | int | str]:
    """bench.peers.paced_load in its own process: PACED_RATE requests/s open loop, timed from schedule."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.peers.paced_load", url, "--rate", str(PACED_RATE),
         "--seconds", str(seconds), "--connections", str(PACED_CONNECTIONS)],
        capture_output=True, text=True, timeout=seconds + 60, check=True, cwd=ROOT,
    )  # fmt: skip
    result: dict[str, float | int | str] = json.loads(out.stdout)
    return result


def _get(url: str) -> tuple[dict, dict[str, str], int]:  # type: ignore[type-arg]
    with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - loopback
        raw = reply.read()
        return json.loads(raw), {k.lower(): v for k, v in reply.headers.items()}, len(raw)


def _prefixed(prefix: str, result: LoadResult, keys: tuple[str, ...] | None = None) -> dict[str, float | int]:
    return {f"{prefix}{k}": v for k, v in result.as_dict().items() if keys is None or k in keys}


_BRIEF = ("requests_per_second", "p50_ms", "p99_ms", "non_2xx", "errors")


def run(progress=print) -> Path:  # type: ignore[no-untyped-def]
    # Rate limits off for the measured classes: the benchmark measures the path, not the limiter.
    classes = tuple(dataclasses.replace(rc, requests_per_second=0, burst=0) for rc in DEFAULT_ROUTE_CLASSES)
    topology = with_free_ports(dataclasses.replace(default_topology(), route_classes=classes))
    root = Path(tempfile.mkdtemp(prefix="sp-bench-"))
    root.chmod(0o755)
    platform = Platform(root, topology, durable=False, progress=lambda line: progress(f"  {line}"))
    platform.start()
    peer: FeedPeer | None = None
    try:
        assert platform.infra is not None
        activities = data.bench_activities(ACTIVITIES, datetime.now(UTC))
        campaigns = data.bench_campaigns(CAMPAIGNS)
        address = f"127.0.0.1:{topology.service('notifications').app_port}"
        progress(f"  seeding {ACTIVITIES} activities and {CAMPAIGNS} campaigns through {address}")
        site = asyncio.run(_seed(address, _metadata(platform.root), activities, campaigns, progress))
        # The peer: its own database on the platform's Postgres, its own Redis database and key prefix.
        admin_dsn = platform.infra.database_url.rsplit("/", 1)[0] + "/postgres"
        peer_dsn = create_database(admin_dsn, "feed_peer")
        peer_redis = platform.infra.redis_url.rsplit("/", 1)[0] + "/1?key_prefix=peer:"
        peer = FeedPeer(peer_dsn, peer_redis, workers=PEER_WORKERS, cache_ttl_seconds=PEER_CACHE_TTL_SECONDS,
                        log_path=platform.logs / "feed-peer.log").start()  # fmt: skip
        peer_key = asyncio.run(_seed_peer(peer_dsn, activities, campaigns))
        progress(f"  peer: uvicorn x {PEER_WORKERS} workers at {peer.url}, same site seeded")

        page_query = f"page.url={urllib.parse.quote(PAGE, safe='')}"
        base = f"{platform.edge_url}/v1/widget/sites/{site.site_key}/feed"
        hit_url = f"{base}?{page_query}"
        peer_base = f"{peer.url}/v1/widget/sites/{peer_key}/feed"
        peer_url = f"{peer_base}?{page_query}"
        ceiling_url = f"{platform.edge_url}/v1/ping/direct"

        body, _, size = _get(hit_url)
        feed = body.get("feed", {})
        shown = sum(len(v.get("notifications", [])) for c in feed.get("campaigns", []) for v in c["variants"])
        status = feed.get("status")
        assert status == "FEED_STATUS_ACTIVE" and len(feed["campaigns"]) == CAMPAIGNS, status
        _, headers, _ = _get(hit_url)  # a repeat: from the edge's HTTP cache when it has one
        edge_cached = "age" in headers
        peer_body, _, peer_size = _get(peer_url)
        peer_shown = sum(len(c["notifications"]) for c in peer_body["campaigns"])
        peer_counts = (len(peer_body["campaigns"]), peer_shown)
        assert peer_counts == (CAMPAIGNS, shown), f"peer shows {peer_counts}, ours ({CAMPAIGNS}, {shown})"
        with urllib.request.urlopen(ceiling_url, timeout=10) as reply:  # noqa: S310
            assert reply.status == 200
        progress(f"  feed: {CAMPAIGNS} campaigns, {shown} notifications; ours {size} B (repeat "
                 f"{'with' if edge_cached else 'without'} an age header), peer {peer_size} B")  # fmt: skip

        def load(
            what: str, url: str, script: str | None = None, connections: int = CONNECTIONS
        ) -> LoadResult:
            progress(f"  load {SECONDS} s x {connections} connections: {what}")
            if script is None:
                return wrk(url, seconds=SECONDS, connections=connections, headers=BROWSER_HEADERS)
            return _wrk_script(url, script, seconds=SECONDS, connections=connections)

        ceiling = load("direct_response (ceiling)", ceiling_url)
        repeat = load("our feed, same page (edge)", hit_url)
        peer_repeat = load("peer feed, same page (Redis cache)", peer_url)
        light_repeat = load("our feed, same page (edge)", hit_url, connections=1)
        peer_light_repeat = load("peer feed, same page (Redis cache)", peer_url, connections=1)
        miss = load(
            "our feed, a new page per request",
            platform.edge_url,
            _miss_script(urllib.parse.urlsplit(base).path),
        )
        peer_miss = load("peer feed, a new page per request, nocache=1", peer.url,
                         _miss_script(urllib.parse.urlsplit(peer_base).path, "&nocache=1"))  # fmt: skip
        light_miss = load("our feed, a new page per request", platform.edge_url,
                          _miss_script(urllib.parse.urlsplit(base).path), connections=1)  # fmt: skip
        peer_light_miss = load("peer feed, a new page per request, nocache=1", peer.url,
                               _miss_script(urllib.parse.urlsplit(peer_base).path, "&nocache=1"),
                               connections=1)  # fmt: skip
        progress(f"  paced {PACED_RATE} req/s x {SECONDS} s: direct_response (the load generator's floor)")
        paced_ceiling = _paced(ceiling_url, seconds=SECONDS)
        progress(f"  paced {PACED_RATE} req/s x {SECONDS} s: our feed, same page (edge)")
        paced = _paced(hit_url, seconds=SECONDS)
    finally:
        if peer is not None:
            peer.stop()
        platform.stop()

    ratios = {
        "repeat_vs_direct_response": round(repeat.requests_per_second / ceiling.requests_per_second, 3),
        "repeat_vs_peer_repeat": round(repeat.requests_per_second / peer_repeat.requests_per_second, 2),
        "miss_p99_vs_peer_nocache_p99": round(miss.p99_ms / peer_miss.p99_ms, 3),
        "light_miss_p99_vs_peer_nocache_p99": round(light_miss.p99_ms / peer_light_miss.p99_ms, 3),
    }
    paced_keys = ("achieved_rate", "p50_ms", "p99_ms", "max_ms", "non_2xx", "errors", "age_header_share",
                  "from_send_p99_ms", "dispatch_lag_p99_ms")  # fmt: skip
    metrics = {
        **repeat.as_dict(),
        **_prefixed("light_", light_repeat, ("p50_ms", "p99_ms")),
        **{f"paced_{k}": paced[k] for k in paced_keys},
        **_prefixed("miss_", miss),
        **_prefixed("light_miss_", light_miss, ("p50_ms", "p99_ms")),
        **_prefixed("peer_repeat_", peer_repeat, _BRIEF),
        **_prefixed("peer_repeat_light_", peer_light_repeat, ("p50_ms", "p99_ms")),
        **_prefixed("peer_nocache_miss_", peer_miss, _BRIEF),
        **_prefixed("peer_nocache_light_miss_", peer_light_miss, ("p50_ms", "p99_ms")),
        **ratios,
    }
    baseline = {**ceiling.as_dict(), **{f"paced_{k}": paced_ceiling[k] for k in paced_keys}}
    config = {
        "seconds": SECONDS,
        "connections": CONNECTIONS,
        "wrk_threads": 1,
        "activities": ACTIVITIES,
        "campaigns": CAMPAIGNS,
        "notifications_per_feed": shown,
        "feed_bytes": size,
        "peer_feed_bytes": peer_size,
        "edge_cache_seen": edge_cached,
        "path": "GET /v1/widget/sites/{site_key}/feed?page.url=… (notifications.WidgetService/GetWidgetFeed)",
        "ceiling": "GET /v1/ping/direct",
        "peer": f"bench/peers/feed_fastapi: FastAPI + uvicorn ({PEER_WORKERS} workers, uvloop, httptools), "
        f"asyncpg, Redis cache {PEER_CACHE_TTL_SECONDS} s TTL; same Postgres and Redis servers",
        "paced": f"bench/peers/paced_load: {PACED_RATE} req/s open loop, {PACED_CONNECTIONS} keep-alive "
        "connections, latency from the scheduled send",
    }
    paced_ok = (
        float(paced["p99_ms"]) <= 10
        and float(paced["achieved_rate"]) >= 0.95 * PACED_RATE
        and not paced["non_2xx"]
        and not paced["errors"]
    )
    goals = [
        (
            "repeats ≥ 0.5x direct_response",
            ratios["repeat_vs_direct_response"] >= 0.5,
            f"{ratios['repeat_vs_direct_response']}x",
        ),
        (
            "repeats ≥ 5x the peer's repeats",
            ratios["repeat_vs_peer_repeat"] >= 5,
            f"{ratios['repeat_vs_peer_repeat']}x",
        ),
        (
            f"p99 ≤ 10 ms at {PACED_RATE} req/s",
            paced_ok,
            f"{paced['p99_ms']} ms at {paced['achieved_rate']} req/s",
        ),
        ("misses p99 ≤ 30 ms (1 connection)", light_miss.p99_ms <= 30, f"{light_miss.p99_ms} ms"),
        (
            "misses faster than the peer without its cache (p99, 16 connections)",
            miss.p99_ms < peer_miss.p99_ms,
            f"{miss.p99_ms} vs {peer_miss.p99_ms} ms",
        ),
        (
            "misses faster than the peer without its cache (p99, 1 connection)",
            light_miss.p99_ms < peer_light_miss.p99_ms,
            f"{light_miss.p99_ms} vs {peer_light_miss.p99_ms} ms",
        ),
    ]
    notes = (
        "One run, two references, same site (10k activities, 20 published recent-activity campaigns of "
        "distinct wording, each with its newest matching activities, as many as our feed carries with "
        f"the default display rules: {data.ITEMS_PER_CAMPAIGN} per campaign). Measured "
        "(plain keys): our feed, the same page repeatedly, through the edge (answered by the edge's HTTP "
        "cache when it has one on the route: `edge_cache_seen` = a repeat carried an `age` header; "
        "otherwise edge transcoder → mTLS → notifications sidecar → grpc.aio notifications and its Redis "
        "feed cache); baseline: an Envoy `direct_response` route on the same edge, run first. `light_*`: "
        f"the same repeat on 1 connection (no queueing). `paced_*`: {PACED_RATE} req/s open loop for "
        f"{SECONDS} s from bench/peers/paced_load.py (a separate Python process, {PACED_CONNECTIONS} "
        "keep-alive connections; latency from each request's scheduled send, so queueing counts; "
        "`from_send_p99_ms` from the actual write; `dispatch_lag_p99_ms` = the generator's own lateness, "
        "its error bar; requests unanswered 10 s after the last send count as errors and enter the "
        "percentiles with the time they had waited; `achieved_rate` = answers / the time they took); "
        "its baseline "
        "columns: the same generator against direct_response (the floor of generator + machine). "
        "`miss_*`: a new page on every request (16 connections), so every request misses the edge's HTTP "
        "cache and is transcoded and gzipped by the edge from the service's answer for that page (composed "
        "from the site's feed source, read from Postgres once per feed version; docs/notifications.md, "
        '"Feed performance"); `light_miss_*`: the same on 1 connection. '
        "`peer_*`: the conventional implementation a team would otherwise build (bench/peers/"
        f"feed_fastapi: FastAPI on uvicorn, {PEER_WORKERS} workers, uvloop + httptools; asyncpg; one query "
        "for site + published campaigns, URL-glob targeting in Python, one LATERAL query for the newest "
        "matching activities per campaign and kind; a small safe `{{ var | filter }}` substitution to "
        f"HTML; the whole JSON cached in Redis per site + page for {PEER_CACHE_TTL_SECONDS} s) on the same "
        "Postgres and Redis servers: `peer_repeat_*` from its Redis cache, `peer_nocache_*` with "
        "`nocache=1` (no Redis at all) on a new page per request. The peer does less per feed than ours "
        "(actors stored in clear, no sealed-PII decryption; no entitlements, presence counts, display-rule "
        "merging, A/B arms or the other targeting parts) and its JSON is smaller "
        f"({peer_size} B vs {size} B). Goals: "
        + "; ".join(f"{g}: {v} ({'met' if ok else 'NOT met'})" for g, ok, v in goals)
        + ". Load generators, Envoys, Postgres, Redis, Kafka, the services and the peer share the same "
        "2 cores, and other work ran on the machine: compare within a run, not across runs."
    )
    ratio = repeat.requests_per_second / ceiling.requests_per_second
    path = write_result(NAME, config, metrics, baseline, ratio, notes)
    progress(f"  {NAME}: {json.dumps(metrics)} vs ceiling {json.dumps(baseline)}")
    return path


if __name__ == "__main__":
    print(run())
