"""Fixtures of the analytics tests: a notifications peer double over real gRPC and the wired service."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

from services.analytics.adapters.clickhouse import open_clickhouse
from services.analytics.adapters.store import AnalyticsStore
from services.analytics.bootstrap import AnalyticsApp, AnalyticsSettings, build_app
from shared.principal import Principal, PrincipalKind
from socialproof.notifications.v1 import campaigns_pb2, campaigns_pb2_grpc, sites_pb2, sites_pb2_grpc

MESH_TOKEN = "analytics-test-mesh-token"


@dataclass
class PeerSites:
    """What the notifications double knows: site key → (org, site) and site → campaigns."""

    keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    campaigns: dict[str, list[campaigns_pb2.Campaign]] = field(default_factory=dict)
    calls: int = 0


class _Sites(sites_pb2_grpc.SiteServiceServicer):
    def __init__(self, data: PeerSites) -> None:
        self.data = data

    async def ResolveSiteKey(self, request, context):  # type: ignore[no-untyped-def]
        self.data.calls += 1
        if request.site_key not in self.data.keys:
            await context.abort(grpc.StatusCode.NOT_FOUND, "unknown site key")
        org, site = self.data.keys[request.site_key]
        return sites_pb2.ResolveSiteKeyResponse(
            site=f"organizations/{org}/sites/{site}",
            org_id=org,
            site_id=site,
            state=sites_pb2.SITE_STATE_ACTIVE,
        )


class _Campaigns(campaigns_pb2_grpc.CampaignServiceServicer):
    def __init__(self, data: PeerSites) -> None:
        self.data = data

    async def ListCampaigns(self, request, context):  # type: ignore[no-untyped-def]
        site_id = request.parent.rsplit("/", 1)[-1]
        return campaigns_pb2.ListCampaignsResponse(campaigns=self.data.campaigns.get(site_id, []))


@dataclass
class Tenant:
    org_id: str
    site_id: str
    site_key: str
    campaign_id: str
    experiment_id: str
    variants: tuple[str, str]

    @property
    def site(self) -> str:
        return f"organizations/{self.org_id}/sites/{self.site_id}"


def new_tenant(peer: PeerSites) -> Tenant:
    org, site, campaign, experiment = (str(uuid.uuid4()) for _ in range(4))
    variants = (str(uuid.uuid4()), str(uuid.uuid4()))
    key = "pk_" + uuid.uuid4().hex
    peer.keys[key] = (org, site)
    c = campaigns_pb2.Campaign(
        name=f"organizations/{org}/sites/{site}/campaigns/{campaign}", display_name="Sales"
    )
    c.experiment.experiment_id = experiment
    for v in variants:
        c.experiment.variants.add(variant_id=v, weight=50)
    c.experiment.holdout_basis_points = 1000
    peer.campaigns[site] = [c]
    return Tenant(org, site, key, campaign, experiment, variants)


@pytest.fixture(scope="session")
async def notifications_peer() -> AsyncIterator[tuple[str, PeerSites]]:
    """A real grpc.aio server speaking the notifications contract from a dict (a peer test double:
    the real notifications service is built concurrently and needs its own Postgres)."""
    data = PeerSites()
    server = grpc.aio.server()
    sites_pb2_grpc.add_SiteServiceServicer_to_server(_Sites(data), server)
    campaigns_pb2_grpc.add_CampaignServiceServicer_to_server(_Campaigns(data), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}", data
    await server.stop(0)


def app_settings(
    database_url: str,
    redis_url: str,
    kafka_bootstrap: str,
    kafka_topic_prefix: str,
    clickhouse_url: str,
    peer_address: str,
    **overrides: object,
) -> AnalyticsSettings:
    """Settings of an analytics app under test (port 0, real infrastructure, the notifications double)."""
    return AnalyticsSettings(
        grpc_port=0,
        database_url=database_url,
        redis_url=redis_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=kafka_topic_prefix,
        kafka_fast_group_join=True,
        clickhouse_url=clickhouse_url,
        mesh_token=MESH_TOKEN,
        # The peer double listens where the sidecar's outbound listener would be.
        sidecar_outbound=peer_address,
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
def analytics_overrides() -> dict[str, object]:
    """Extra AnalyticsSettings of a test module (override this fixture there, e.g. the SMTP sink)."""
    return {}


@pytest.fixture(params=["chdb", "clickhouse-server"])
async def analytics(
    request: pytest.FixtureRequest,
    analytics_overrides: dict[str, object],
    notifications_peer: tuple[str, PeerSites],
    pg_database: str,
    redis_url: str,
    kafka_bootstrap: str,
    kafka_topic_prefix: str,
    tmp_path: Path,
) -> AsyncIterator[AnalyticsApp]:
    """The analytics service on 127.0.0.1:0 with real Postgres, Redis, Kafka (Tansu) and ClickHouse:
    chdb in this process, or Debian's clickhouse-server 18.16."""
    if request.param == "chdb":
        url = f"chdb://{tmp_path / 'chdb'}?database=analytics"
    else:
        url = request.getfixturevalue("clickhouse_database")
    address, _ = notifications_peer
    settings = app_settings(
        pg_database, redis_url, kafka_bootstrap, kafka_topic_prefix, url, address, **analytics_overrides
    )
    app = build_app(settings)
    await app.server.start()
    await app.consumer.wait_assigned(30)
    yield app
    await app.server.stop(0)


@pytest.fixture(params=["chdb", "clickhouse-server"])
async def analytics_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AnalyticsStore]:
    """The ClickHouse store alone (schema created) on chdb or Debian's clickhouse-server 18.16."""
    if request.param == "chdb":
        url = f"chdb://{tmp_path / 'chdb'}?database=analytics"
    else:
        url = request.getfixturevalue("clickhouse_database")
    store = AnalyticsStore(open_clickhouse(url, tmp_path / "chdb"))
    await store.ensure_schema()
    yield store
    await store.close()


def dashboard_metadata(org_id: str) -> tuple[tuple[str, str], ...]:
    principal = Principal(kind=PrincipalKind.USER, subject="user-1", org_id=org_id, role="owner")
    return (("x-sp-mesh-token", MESH_TOKEN), ("x-sp-principal", principal.to_header()))


@dataclass(frozen=True)
class SeededVisitor:
    visitor_id: str
    variant_id: str
    holdout: bool
    converts: bool
    value_minor: int


def seeded_visitors(seed: int, groups: list[tuple[str, bool, int, float]]) -> list[SeededVisitor]:
    """Deterministic visitors: per (variant, holdout, count, conversion probability) group, each
    visitor converts with that probability drawn from random.Random(seed)."""
    rng = random.Random(seed)
    out = []
    for variant, holdout, count, rate in groups:
        for i in range(count):
            converts = rng.random() < rate
            value = rng.randrange(1000, 9000) if converts else 0
            out.append(SeededVisitor(f"{variant or 'holdout'}-{i}", variant, holdout, converts, value))
    return out
