"""REST GET through edge → mTLS → sidecar → service, against a direct_response route on the same edge."""

from __future__ import annotations

import dataclasses
import json
import tempfile
import urllib.request
from pathlib import Path

from bench.harness import write_result, wrk
from meshconfig import default_topology, with_free_ports
from meshconfig.topology import DEFAULT_ROUTE_CLASSES
from shared.devstack.platform import Platform

NAME = "edge_rest_roundtrip"
SECONDS = 10
CONNECTIONS = 16


def run(progress=print) -> Path:  # type: ignore[no-untyped-def]
    # Rate limits off for the measured classes: the benchmark measures the path, not the limiter.
    classes = tuple(dataclasses.replace(rc, requests_per_second=0, burst=0) for rc in DEFAULT_ROUTE_CLASSES)
    topology = with_free_ports(dataclasses.replace(default_topology(), route_classes=classes))
    root = Path(tempfile.mkdtemp(prefix="sp-bench-"))
    root.chmod(0o755)
    platform = Platform(root, topology, durable=False, progress=lambda line: progress(f"  {line}"))
    platform.start()
    try:
        service_url = f"{platform.edge_url}/v1/plans"
        ceiling_url = f"{platform.edge_url}/v1/ping/direct"
        for url in (service_url, ceiling_url):
            with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - warm-up and sanity check
                assert reply.status == 200, url
        progress(f"  load {SECONDS} s x {CONNECTIONS} connections: {service_url}")
        measured = wrk(service_url, seconds=SECONDS, connections=CONNECTIONS)
        progress(f"  load {SECONDS} s x {CONNECTIONS} connections: {ceiling_url}")
        ceiling = wrk(ceiling_url, seconds=SECONDS, connections=CONNECTIONS)
    finally:
        platform.stop()
    config = {
        "seconds": SECONDS,
        "connections": CONNECTIONS,
        "wrk_threads": 1,
        "path": "GET /v1/plans (billing.PlanService/ListPlans)",
        "ceiling": "GET /v1/ping/direct",
    }
    notes = (
        "Measured: edge (transcoder, rate-limit and CORS filters) → mTLS → billing sidecar → grpc.aio "
        "billing service → JSON. Baseline: an Envoy `direct_response` route on the same edge process "
        "(no upstream), i.e. the ceiling of this edge on this machine. Load generator, Envoys and "
        "services share the same 2 cores."
    )
    path = write_result(NAME, config, measured.as_dict(), ceiling.as_dict(),
                        measured.requests_per_second / ceiling.requests_per_second, notes)  # fmt: skip
    progress(f"  {NAME}: {json.dumps(measured.as_dict())} vs ceiling {json.dumps(ceiling.as_dict())}")
    return path
