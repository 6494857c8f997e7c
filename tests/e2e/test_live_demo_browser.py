"""The whole product on the live stack: the demo shop page served by the edge shows a seeded purchase
in real Chromium, and the impression the widget reports travels edge → analytics → Kafka →
ClickHouse and comes back from the metrics RPC — flagged as automation, because headless Chromium
is not a human visitor, so it is stored but not counted (billing on humans)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest

from shared.devstack.demo import ACTIVITIES, seed_demo
from shared.devstack.platform import Platform
from shared.principal import MESH_TOKEN_HEADER, PRINCIPAL_HEADER, Principal, PrincipalKind
from socialproof.analytics.v1 import metrics_pb2, metrics_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"


def impressions(platform: Platform, site: str, org_id: str, *, include_bots: bool = False) -> int:
    token = (platform.root / "mesh-token").read_text().strip()
    auth = (
        (MESH_TOKEN_HEADER, token),
        (PRINCIPAL_HEADER, Principal(kind=PrincipalKind.SERVICE, subject="e2e", org_id=org_id).to_header()),
    )
    now = datetime.now(UTC)
    query = metrics_pb2.QueryMetricsRequest(parent=site, granularity=metrics_pb2.GRANULARITY_HOUR)
    query.time_range.start_time.FromDatetime(now - timedelta(hours=1))
    query.time_range.end_time.FromDatetime(now + timedelta(hours=1))
    query.filter.include_bots = include_bots
    port = platform.topology.service("analytics").app_port
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = metrics_pb2_grpc.MetricsServiceStub(channel).QueryMetrics(query, metadata=auth, timeout=10)
    return int(reply.totals.impressions)


@pytest.mark.browser
def test_demo_page_shows_a_real_purchase_and_its_impression_reaches_analytics(platform: Platform) -> None:
    if platform.static_dir is None or shutil.which("node") is None:
        pytest.fail("the widget is not built: run `make web` (make test does) with node installed")
    demo = seed_demo(platform, progress=lambda _: None)
    platform.show_demo(demo["site_key"])
    org_id = demo["organization"].split("/")[-1]
    humans_before = impressions(platform, demo["site"], org_id)
    all_before = impressions(platform, demo["site"], org_id, include_bots=True)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        ["node", str(ROOT / "tests/e2e/live_demo.mjs"), f"{platform.edge_url}/demo/", str(ARTIFACTS / "demo.png")],  # noqa: E501
        capture_output=True, text=True, timeout=90, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert any(f"{name} from {city}" in result["shown"] for name, city, *_ in ACTIVITIES), result
    assert any("WIDGET_EVENT_TYPE_IMPRESSION" in body for body in result["posted"]), result["posted"]
    assert all(answer["status"] == 200 for answer in result["answers"]), result["answers"]

    deadline = time.monotonic() + 45
    while impressions(platform, demo["site"], org_id, include_bots=True) <= all_before:
        assert time.monotonic() < deadline, "the impression never reached ClickHouse"
        time.sleep(0.5)
    assert impressions(platform, demo["site"], org_id) == humans_before
