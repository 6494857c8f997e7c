"""The edge serves the built widget (pre-compressed by accept-encoding, immutable) and the demo page.

A real Envoy edge rendered by meshconfig.render_all with `static_dir`, answering from the files of
`widget/dist` (built by the module fixture in test_widget_browser.py's way: `node build.mjs`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from meshconfig import render_all
from meshconfig.render import validate_file
from meshconfig.static import accepts, widget_file
from tests.browser.widget_site import DIST, ROOT
from tests.mesh.meshkit import MESH_TOKEN, build_fixture_descriptor, make_test_topology, start_envoy

DEMO_KEY = "sk_pub_demo_static_test"


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    node = shutil.which("node")
    assert node, "node is required to build the widget"
    proc = subprocess.run(
        [node, "build.mjs"], cwd=ROOT / "widget", capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    base = tmp_path_factory.mktemp("static-edge")
    topo = make_test_topology()
    descriptor = build_fixture_descriptor(base / "fixture.binpb")
    configs = render_all(
        topo, base / "cfg", descriptor, base / "certs", MESH_TOKEN, static_dir=DIST, demo_site_key=DEMO_KEY
    )
    ok, out = validate_file(configs["edge"])
    assert ok, out
    envoy = start_envoy("edge", configs["edge"], topo.edge.admin_port, base)
    try:
        yield f"http://127.0.0.1:{topo.edge.http_port}"
    finally:
        envoy.stop()


def get(url: str, accept_encoding: str | None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url)  # noqa: S310 - the local test edge (http only)
    if accept_encoding is not None:
        req.add_header("accept-encoding", accept_encoding)
    with urllib.request.urlopen(req, timeout=5) as r:  # noqa: S310 - same
        return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()


@pytest.mark.parametrize(
    ("accept_encoding", "coding", "suffix"),
    [
        ("gzip, deflate, br, zstd", "br", ".br"),
        ("br;q=0, gzip", "gzip", ".gz"),
        ("gzip;q=0.5", "gzip", ".gz"),
        ("identity", None, ""),
        (None, None, ""),
    ],
)
def test_widget_served_precompressed_by_accept_encoding(
    edge: str, accept_encoding: str | None, coding: str | None, suffix: str
) -> None:
    name = widget_file(DIST)
    status, headers, body = get(f"{edge}/static/widget/{name}", accept_encoding)
    assert status == 200
    assert body == (DIST / (name + suffix)).read_bytes()
    assert headers.get("content-encoding") == coding
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["vary"] == "accept-encoding"
    assert headers["timing-allow-origin"] == "*"


def test_unknown_static_file_is_404(edge: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        get(f"{edge}/static/widget/sp-0.0.0.js", "gzip")
    assert err.value.code == 404


def test_demo_page_has_the_snippet_for_the_demo_site(edge: str) -> None:
    status, headers, body = get(f"{edge}/demo/", None)
    html = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert f"'/static/widget/{widget_file(DIST)}'" in html and f"'{DEMO_KEY}'" in html
    assert "__SITE_KEY__" not in html and "__WIDGET_FILE__" not in html


def test_accept_encoding_regex() -> None:
    br = re.compile(accepts("br"))
    assert br.match("gzip, deflate, br") and br.match("br") and br.match("br;q=0.5") and br.match("br;q=1.0")
    assert not br.match("br;q=0") and not br.match("brotli") and not br.match("gzip") and not br.match("")
    manifest = json.loads((DIST / "manifest.json").read_text())
    assert Path(DIST / manifest["file"]).is_file()
