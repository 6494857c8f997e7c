"""Authenticated (access JWT, API key) vs anonymous calls of the same REST RPC through the edge."""

from __future__ import annotations

import dataclasses
import json
import struct
import tempfile
import urllib.request
import uuid
from pathlib import Path

from bench.harness import write_result, wrk
from meshconfig import default_topology, with_free_ports
from meshconfig.topology import DEFAULT_ROUTE_CLASSES
from shared.devstack.platform import Platform
from socialproof.users.v1 import api_key_pb2, auth_pb2

NAME = "edge_auth_jwt_vs_anonymous"
SECONDS = 10
CONNECTIONS = 16


def _grpc_web(edge: str, path: str, message: bytes, headers: dict[str, str] | None = None) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{edge}{path}",
        data=b"\x00" + struct.pack(">I", len(message)) + message,
        method="POST",
        headers={"content-type": "application/grpc-web+proto", "x-grpc-web": "1", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
        body = reply.read()
    assert body and body[0] == 0, f"{path} failed: {reply.headers.get('grpc-message')}"
    return body[5 : 5 + struct.unpack(">I", body[1:5])[0]]


def _credentials(edge: str) -> tuple[str, str]:
    """A fresh account's access token and an API key of its organization."""
    signup = auth_pb2.SignUpRequest(
        email=f"bench-{uuid.uuid4().hex[:8]}@example.com",
        password="correct horse battery staple 42",  # noqa: S106 - a throwaway bench account
        display_name="Bench",
        time_zone="UTC",
    )
    reply = auth_pb2.SignUpResponse.FromString(
        _grpc_web(edge, "/socialproof.users.v1.AuthService/SignUp", signup.SerializeToString())
    )
    token = reply.tokens.access_token
    create = api_key_pb2.CreateApiKeyRequest(
        parent=reply.organization.name,
        api_key=api_key_pb2.ApiKey(display_name="bench", scopes=[api_key_pb2.API_KEY_SCOPE_SITES_READ]),
    )
    key = api_key_pb2.CreateApiKeyResponse.FromString(
        _grpc_web(
            edge,
            "/socialproof.users.v1.ApiKeyService/CreateApiKey",
            create.SerializeToString(),
            {"authorization": f"Bearer {token}"},
        )
    )
    return token, key.secret


def run(progress=print) -> Path:  # type: ignore[no-untyped-def]
    # Rate limits off: the benchmark measures the auth path, not the limiter.
    classes = tuple(dataclasses.replace(rc, requests_per_second=0, burst=0) for rc in DEFAULT_ROUTE_CLASSES)
    topology = with_free_ports(dataclasses.replace(default_topology(), route_classes=classes))
    root = Path(tempfile.mkdtemp(prefix="sp-bench-"))
    root.chmod(0o755)
    platform = Platform(root, topology, durable=False, progress=lambda line: progress(f"  {line}"))
    platform.start()
    try:
        url = f"{platform.edge_url}/v1/plans"
        token, secret = _credentials(platform.edge_url)
        runs = {
            "anonymous": {},
            "jwt": {"Authorization": f"Bearer {token}"},
            "api_key": {"x-api-key": secret},
        }
        results = {}
        for name, headers in runs.items():
            check = urllib.request.Request(url, headers=headers)  # noqa: S310 - warm-up and sanity check
            with urllib.request.urlopen(check, timeout=10) as reply:  # noqa: S310
                assert reply.status == 200, name
            progress(f"  load {SECONDS} s x {CONNECTIONS} connections: {url} ({name})")
            results[name] = wrk(url, seconds=SECONDS, connections=CONNECTIONS, headers=headers)
    finally:
        platform.stop()
    anonymous, jwt, api_key = results["anonymous"], results["jwt"], results["api_key"]
    config = {
        "seconds": SECONDS,
        "connections": CONNECTIONS,
        "wrk_threads": 1,
        "path": "GET /v1/plans (billing.PlanService/ListPlans)",
        "measured": "authorization: Bearer <ES256 access JWT> (jwt_authn, JWKS cached)",
        "baseline": "no credentials (anonymous)",
        "api_key": api_key.as_dict(),
    }
    notes = (
        "Same RPC, same edge: anonymous vs a valid access JWT (jwt_authn verifies ES256 and forwards the "
        "payload) and, in config.api_key, a partner API key (ext_authz gRPC Check to users over mTLS, "
        "answered from users' 30 s decision cache). Load generator, Envoys and services share the cores."
    )
    path = write_result(NAME, config, jwt.as_dict(), anonymous.as_dict(),
                        jwt.requests_per_second / anonymous.requests_per_second, notes)  # fmt: skip
    for name, result in results.items():
        progress(f"  {NAME} {name}: {json.dumps(result.as_dict())}")
    return path
