"""End to end through the real edge: REST and gRPC-Web reach services over mTLS; mTLS refuses
strangers; a killed service gives a fast 503 and comes back; rate limits answer 429."""

from __future__ import annotations

import json
import signal
import socket
import ssl
import struct
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from shared.devstack.platform import Platform
from socialproof.billing.v1 import plan_pb2
from tests.e2e.conftest import WEBHOOK_LIMIT


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
            return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_rest_call_through_edge_mtls_sidecar_to_service(platform: Platform) -> None:
    status, headers, body = http("GET", f"{platform.edge_url}/v1/plans")
    assert status == 200, body
    assert headers["content-type"].startswith("application/json")
    plans: dict[str, Any] = json.loads(body)
    names = {plan["name"] for plan in plans["plans"]}
    assert {"plans/free", "plans/starter", "plans/growth", "plans/business"} <= names


def test_rest_unknown_query_parameter_and_method_are_rejected(platform: Platform) -> None:
    status, _, body = http("GET", f"{platform.edge_url}/v1/plans?no_such_field=1")
    assert status == 400, body
    status, _, _ = http("DELETE", f"{platform.edge_url}/v1/plans")
    assert status in (404, 405)


def _grpc_web_frame(message: bytes) -> bytes:
    return b"\x00" + struct.pack(">I", len(message)) + message


def _grpc_web_parse(body: bytes) -> tuple[list[bytes], dict[str, str]]:
    messages: list[bytes] = []
    trailers: dict[str, str] = {}
    offset = 0
    while offset < len(body):
        flag, length = body[offset], struct.unpack(">I", body[offset + 1 : offset + 5])[0]
        payload = body[offset + 5 : offset + 5 + length]
        offset += 5 + length
        if flag & 0x80:
            for line in payload.decode().split("\r\n"):
                if line:
                    key, _, value = line.partition(":")
                    trailers[key.strip().lower()] = value.strip()
        else:
            messages.append(payload)
    return messages, trailers


def test_grpc_web_call_through_edge(platform: Platform) -> None:
    status, headers, body = http(
        "POST",
        f"{platform.edge_url}/socialproof.billing.v1.PlanService/ListPlans",
        _grpc_web_frame(plan_pb2.ListPlansRequest().SerializeToString()),
        {"content-type": "application/grpc-web+proto", "x-grpc-web": "1", "origin": "http://localhost:5173"},
    )
    assert status == 200
    assert headers.get("access-control-allow-origin") == "http://localhost:5173"
    messages, trailers = _grpc_web_parse(body)
    assert trailers.get("grpc-status") == "0", trailers
    reply = plan_pb2.ListPlansResponse.FromString(messages[0])
    assert len(reply.plans) >= 4


def test_grpc_web_error_is_grpc_shaped(platform: Platform) -> None:
    status, headers, body = http(
        "POST",
        f"{platform.edge_url}/socialproof.billing.v1.PlanService/GetPlan",
        _grpc_web_frame(plan_pb2.GetPlanRequest(name="plans/no-such-plan").SerializeToString()),
        {"content-type": "application/grpc-web+proto", "x-grpc-web": "1"},
    )
    assert status == 200
    _, trailers = _grpc_web_parse(body)
    status_code = trailers.get("grpc-status") or headers.get("grpc-status")
    assert status_code == "5", (trailers, headers)  # NOT_FOUND


def _tls_handshake(port: int, cert: tuple[str, str] | None, ca: str) -> bytes:
    context = ssl.create_default_context(cafile=ca)
    context.check_hostname = False
    context.set_alpn_protocols(["h2"])
    if cert:
        context.load_cert_chain(*cert)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, context.wrap_socket(raw) as tls:
        # With TLS 1.3 a refused client cert surfaces on the first read, not in the handshake.
        tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        return tls.recv(64)


def test_sidecar_refuses_a_client_without_certificate(platform: Platform) -> None:
    certs = platform.root / "certs"
    billing = platform.topology.service("billing")
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        _tls_handshake(billing.inbound_port, None, str(certs / "ca.crt"))


def test_sidecar_refuses_a_mesh_cert_the_topology_does_not_allow(platform: Platform) -> None:
    certs = platform.root / "certs"
    billing = platform.topology.service("billing")
    assert "analytics" not in platform.topology.callers("billing")
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        _tls_handshake(
            billing.inbound_port,
            (str(certs / "analytics.crt"), str(certs / "analytics.key")),
            str(certs / "ca.crt"),
        )
    # The same handshake with an allowed identity (the edge) is accepted: the refusal is about the SAN.
    assert _tls_handshake(
        billing.inbound_port, (str(certs / "edge.crt"), str(certs / "edge.key")), str(certs / "ca.crt")
    )


def test_killed_service_gives_fast_503_then_recovers(platform: Platform) -> None:
    url = f"{platform.edge_url}/v1/plans"
    assert http("GET", url)[0] == 200
    platform.kill("billing")
    started = time.monotonic()
    status, _, _ = http("GET", url)
    assert status == 503
    assert time.monotonic() - started < 2.0
    platform.wait_ready("billing", timeout=60)
    deadline = time.monotonic() + 15
    while http("GET", url)[0] != 200:
        assert time.monotonic() < deadline, "the edge did not route to the restarted service"
        time.sleep(0.2)
    assert platform.children["billing"].restarts >= 1


def test_a_restarting_worker_is_covered_by_the_other_workers(platform: Platform) -> None:
    """A service with several workers keeps answering while one of them restarts: the sidecar sends
    the requests that worker cannot take (connection refused, not serving yet) to the others."""
    notifications = platform.topology.service("notifications")
    assert notifications.workers >= 2
    # an unknown site key is answered by the service itself (404 NOT_FOUND), never cached by the edge
    unknown = "sk_pub_" + "0" * 24
    url = f"{platform.edge_url}/v1/widget/sites/{unknown}/feed?page.url=https%3A%2F%2Fa.example%2F"
    assert http("GET", url)[0] == 404
    worker = platform.children["notifications-2"]
    # SIGTERM (a deploy, a scale-down): the worker drains, nothing is lost even at once. SIGKILL (a
    # crash): requests already sent to it fail (the app may have run them: never retried), so the
    # check starts once the sidecar has seen the connection close.
    for sig, settle in ((signal.SIGTERM, 0.0), (signal.SIGKILL, 0.5)):
        restarts = worker.restarts
        platform.kill("notifications-2", sig)
        time.sleep(settle)
        statuses = [http("GET", url)[0] for _ in range(20)]
        deadline = time.monotonic() + 60
        while worker.restarts == restarts or not worker.ready():
            statuses.append(http("GET", url)[0])
            assert time.monotonic() < deadline, "the supervisor did not restart the worker"
            time.sleep(0.05)
        assert set(statuses) == {404}, (sig, statuses)
        assert [http("GET", url)[0] for _ in range(10)] == [404] * 10


def test_rate_limit_answers_429(platform: Platform) -> None:
    url = f"{platform.edge_url}/v1/hooks/generic/no-such-connection"
    codes = [
        http("POST", url, b"{}", {"content-type": "application/json"})[0] for _ in range(WEBHOOK_LIMIT + 3)
    ]
    assert 429 in codes, codes
    # Other route classes keep their own buckets.
    assert http("GET", f"{platform.edge_url}/v1/plans")[0] == 200
