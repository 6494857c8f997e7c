"""The edge with real Envoy processes: REST transcoding, SSE, gRPC-Web, CORS, header hygiene,
rate limits, direct routes. The fixture app plays `notifications` behind its real sidecar."""

from __future__ import annotations

import http.client
import json
import struct

from tests.mesh.meshkit import FEED, Mesh, wait_for


def _req(
    mesh: Mesh, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", mesh.topology.edge.http_port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _healthy(mesh: Mesh) -> bool:
    stats = mesh.envoys["edge"].admin("/clusters")
    return "svc_notifications::127.0.0.1" in stats and any(
        "svc_notifications" in line and "health_flags::healthy" in line for line in stats.splitlines()
    )


def test_rest_get_is_transcoded_with_proto_field_names(mesh: Mesh) -> None:
    assert wait_for(lambda: _healthy(mesh)), mesh.envoys["edge"].admin("/clusters")
    status, headers, body = _req(
        mesh,
        "GET",
        "/v1/widget/sites/abc/feed?page_size=5",
        headers={"x-sp-principal": "admin", "x-sp-mesh-token": "guess"},
    )
    assert status == 200, body
    assert headers["content-type"].startswith("application/json")
    data = json.loads(body)
    assert data["site_key"] == "abc" and data["item_texts"] == ["Jana bought shoes"]
    assert data["seen_caller"] == mesh.topology.spiffe_id("edge")
    assert data["mesh_token_ok"] is True
    md = mesh.app.seen[-1]
    assert "x-sp-principal" not in md  # client-sent principal never reaches a service


def test_rest_errors_map_to_http_status_json(mesh: Mesh) -> None:
    status, _, body = _req(mesh, "GET", "/v1/widget/sites/missing/feed")
    assert status == 404 and json.loads(body)["code"] == 5
    status, _, _ = _req(mesh, "GET", "/v1/widget/sites/abc/feed?nope=1")
    assert status == 400  # unknown query parameter
    status, _, _ = _req(mesh, "GET", "/v1/widget/nothing-here")
    assert status == 404


def test_rest_bin_headers_are_stripped(mesh: Mesh) -> None:
    status, _, body = _req(mesh, "GET", "/v1/widget/sites/abc/feed", headers={"x-junk-bin": "!!not base64!!"})
    assert status == 200, body
    assert "x-junk-bin" not in mesh.app.seen[-1]


def test_post_to_another_service_goes_to_its_cluster(mesh: Mesh) -> None:
    # no analytics app runs in this fixture: the route exists, the service behind it is down
    status, _, _ = _req(
        mesh,
        "POST",
        "/v1/widget/sites/abc/events",
        body=b'{"event_names":["view"]}',
        headers={"content-type": "application/json"},
    )
    assert status == 503
    stats = mesh.envoys["edge"].admin("/stats?filter=cluster.svc_analytics.upstream_rq_503")
    assert "upstream_rq_503" in stats


def test_server_streaming_arrives_as_sse(mesh: Mesh) -> None:
    status, headers, body = _req(mesh, "GET", "/v1/widget/sites/abc/live")
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    frames = [f for f in body.decode().split("\n\n") if f.strip()]
    assert len(frames) == 3 and all(f.startswith("data: ") for f in frames)
    assert json.loads(frames[2][len("data: ") :])["item_texts"] == ["update 2"]


def test_cors_widget_any_origin_dashboard_only_configured(mesh: Mesh) -> None:
    pre = {"access-control-request-method": "GET"}
    _, h, _ = _req(
        mesh, "OPTIONS", "/v1/widget/sites/abc/feed", headers={"origin": "https://shop.example", **pre}
    )
    assert h.get("access-control-allow-origin") == "https://shop.example"
    grpc_path = f"/{FEED}/GetMeshTestFeed"
    pre_post = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-grpc-web",
    }
    _, h, _ = _req(mesh, "OPTIONS", grpc_path, headers={"origin": "https://dash.example", **pre_post})
    assert h.get("access-control-allow-origin") == "https://dash.example"
    assert "grpc-status" in h.get("access-control-expose-headers", "")
    _, h, _ = _req(mesh, "OPTIONS", grpc_path, headers={"origin": "https://evil.example", **pre_post})
    assert "access-control-allow-origin" not in h


def _grpc_web_frame(payload: bytes) -> bytes:
    return b"\x00" + struct.pack(">I", len(payload)) + payload


def test_grpc_web_call(mesh: Mesh) -> None:
    Req = mesh.app.msg("socialproof.notifications.v1.GetMeshTestFeedRequest")
    Feed = mesh.app.msg("socialproof.notifications.v1.MeshTestFeed")
    status, h, body = _req(
        mesh,
        "POST",
        f"/{FEED}/GetMeshTestFeed",
        body=_grpc_web_frame(Req(site_key="gw").SerializeToString()),
        headers={
            "content-type": "application/grpc-web+proto",
            "x-grpc-web": "1",
            "origin": "https://dash.example",
        },
    )
    assert status == 200 and h["content-type"].startswith("application/grpc-web")
    assert h.get("access-control-allow-origin") == "https://dash.example"
    flag, length = body[0], struct.unpack(">I", body[1:5])[0]
    assert flag == 0
    assert Feed.FromString(body[5 : 5 + length]).site_key == "gw"
    assert b"grpc-status:0" in body[5 + length :].replace(b" ", b"")


def test_direct_routes(mesh: Mesh) -> None:
    status, h, body = _req(mesh, "GET", "/v1/ping/direct")
    assert status == 200 and json.loads(body) == {"message": "pong"}
    assert h["content-type"] == "application/json"
    status, _, body = _req(mesh, "GET", "/healthz")
    assert status == 200 and body == b"ok\n"


def test_rate_limit_per_route_class(mesh: Mesh) -> None:
    # the test topology gives the partner class 3 requests/s (burst 3)
    codes = [
        _req(
            mesh,
            "POST",
            "/v1/organizations/o/sites/s/campaigns/c:publish",
            body=b"{}",
            headers={"content-type": "application/json"},
        )[0]
        for _ in range(8)
    ]
    assert 200 in codes and 429 in codes, codes
    # other classes are unaffected
    assert _req(mesh, "GET", "/v1/widget/sites/abc/feed")[0] == 200


def test_admin_only_on_loopback(mesh: Mesh) -> None:
    cfg = json.loads(mesh.configs["edge"].read_text())
    assert cfg["admin"]["address"]["socketAddress"]["address"] == "127.0.0.1"
