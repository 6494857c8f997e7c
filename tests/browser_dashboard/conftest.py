"""The dashboard build served on a free port, the whole platform whose edge allows that origin, and a
runner for the Chromium driver (drive.mjs) whose JSON answer the tests assert on."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from meshconfig import default_topology, with_free_ports
from meshconfig.topology import DASHBOARD_ORIGINS_ENV
from shared.devstack.platform import Platform
from shared.devstack.smtp import SmtpSink

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "dashboard" / "dist"
DRIVER = Path(__file__).with_name("drive.mjs")
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
CHROMIUM = Path(os.environ.get("SP_CHROMIUM", "/usr/bin/chromium"))


class _AppHandler(SimpleHTTPRequestHandler):
    """Serves dist/ under /app/ like the edge will (hashed assets, index.html for /app/)."""

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0].split("#", 1)[0]
        rel = path.removeprefix("/app").lstrip("/") or "index.html"
        return str(DIST / rel)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    if not (DIST / "index.html").is_file():
        pytest.fail(
            "dashboard/dist is missing: npm --prefix dashboard ci && npm --prefix dashboard run build"
        )
    if not CHROMIUM.is_file() or shutil.which("node") is None:
        pytest.fail(f"browser tests need node and Chromium at {CHROMIUM} (apt-get install chromium)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AppHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def mail() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def dashboard_platform(devstack_dir: Path, app_server: str, mail: SmtpSink) -> Iterator[Platform]:
    # The edge reads its CORS origins for the dashboard when the topology is built.
    previous = os.environ.get(DASHBOARD_ORIGINS_ENV)
    os.environ[DASHBOARD_ORIGINS_ENV] = app_server
    try:
        topology = with_free_ports(default_topology())
        assert app_server in topology.dashboard_origins
        platform = Platform(
            devstack_dir / "dashboard-platform",
            topology,
            durable=False,
            external={"SMTP_URL": mail.url},
            # The store API credentials test checks keys against a fake WooCommerce store on loopback http.
            extra_env={"SP_OUTBOUND_ALLOW_LOOPBACK_HTTP": "true"},
        ).start()
    finally:
        if previous is None:
            os.environ.pop(DASHBOARD_ORIGINS_ENV, None)
        else:
            os.environ[DASHBOARD_ORIGINS_ENV] = previous
    yield platform
    platform.stop()


@functools.cache
def _node_modules() -> Path:
    return REPO / "dashboard" / "node_modules"


def drive(scenario: str, *, app: str, edge: str, **params: Any) -> dict[str, Any]:
    """Runs one scenario of drive.mjs in a fresh headless Chromium; returns its JSON result."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    spec = {"scenario": scenario, "app": app, "edge": edge, "artifacts": str(ARTIFACTS)}
    spec.update(chromium=str(CHROMIUM), **params)
    proc = subprocess.run(
        ["node", str(DRIVER), json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=_node_modules().parent,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        tail = f"{proc.stderr[-4000:]}\n{proc.stdout[-2000:]}"
        raise AssertionError(f"driver failed ({proc.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result
