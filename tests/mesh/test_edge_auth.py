"""Edge auth config: jwt_authn and ext_authz from the topology, accepted by Envoy, on the right routes."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest
from envoy_data_plane.envoy.config.core.v3 import Address, SocketAddress
from envoy_data_plane.envoy.service.auth.v3 import (
    AttributeContext,
    AttributeContextHttpRequest,
    AttributeContextPeer,
    AttributeContextRequest,
)
from envoy_data_plane.envoy.service.auth.v3 import CheckRequest as FullCheckRequest
from envoy_data_plane.envoy.service.auth.v3 import CheckResponse as FullCheckResponse

from meshconfig import default_topology, render_all, validate_file
from meshconfig.topology import EdgeAuth, Topology
from services.users.bootstrap import UsersSettings
from shared.rpc.ext_authz import Allow, CheckInput, CheckRequest, Deny, check_response

ROOT = Path(__file__).resolve().parents[2]
REAL_DESCRIPTOR = ROOT / "gen" / "descriptors" / "socialproof.binpb"
JWT = "envoy.filters.http.jwt_authn"
EXT_AUTHZ = "envoy.filters.http.ext_authz"


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> tuple[Topology, Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("edge_auth")
    auth = EdgeAuth(jwt_issuer="https://issuer.test", jwt_audience="aud-test", jwks_cache_seconds=7)
    topo = dataclasses.replace(default_topology(), auth=auth)
    paths = render_all(topo, base / "cfg", REAL_DESCRIPTOR, base / "certs", "tok")
    cfg = json.loads(paths["edge"].read_text())
    hcm = cfg["staticResources"]["listeners"][0]["filterChains"][0]["filters"][0]["typedConfig"]
    return topo, paths["edge"], {"cfg": cfg, "hcm": hcm}


def test_envoy_accepts_the_edge_with_auth(edge) -> None:
    _, path, _ = edge
    ok, output = validate_file(path)
    assert ok, output


def test_jwt_provider_comes_from_the_topology(edge) -> None:
    topo, _, parts = edge
    filters = {f["name"]: f for f in parts["hcm"]["httpFilters"]}
    jwt = filters[JWT]
    assert jwt["disabled"] is True  # only routes that ask for it
    provider = jwt["typedConfig"]["providers"]["users"]
    assert provider["issuer"] == "https://issuer.test" and provider["audiences"] == ["aud-test"]
    remote = provider["remoteJwks"]
    assert remote["httpUri"]["uri"] == f"http://127.0.0.1:{topo.edge.http_port}/v1/auth/jwks"
    assert remote["cacheDuration"] == "7s" and remote["asyncFetch"]["fastListener"] is True
    assert provider["fromHeaders"] == [{"name": "authorization", "valuePrefix": "Bearer "}]
    assert provider["forwardPayloadHeader"] == "x-sp-jwt-payload"
    assert provider.get("forward", False) is False  # the bearer token itself stays at the edge
    clusters = {c["name"]: c for c in parts["cfg"]["staticResources"]["clusters"]}
    assert remote["httpUri"]["cluster"] in clusters
    authz = filters[EXT_AUTHZ]["typedConfig"]["extensionConfig"]["typedConfig"]
    assert authz["grpcService"]["envoyGrpc"]["clusterName"] == "svc_users"
    assert authz.get("failureModeAllow", False) is False


def test_auth_runs_on_api_routes_only(edge) -> None:
    _, _, parts = edge
    routes = {r["name"]: r for r in parts["hcm"]["routeConfig"]["virtualHosts"][0]["routes"]}

    def auth_filters(name: str) -> set[str]:
        return set(routes[name].get("typedPerFilterConfig", {})) & {JWT, EXT_AUTHZ}

    assert auth_filters("grpcweb:users") == {JWT, EXT_AUTHZ}
    assert auth_filters("grpc:notifications") == {JWT, EXT_AUTHZ}
    assert auth_filters("rest:socialproof.billing.v1.PlanService.ListPlans") == {JWT, EXT_AUTHZ}
    assert auth_filters("rest:socialproof.users.v1.AuthService.GetJwks") == set()

    def path(name: str) -> str:
        return str(routes[name]["match"].get("safeRegex", {}).get("regex", ""))

    widget = [n for n in routes if path(n).startswith("/v1/widget/")]
    hooks = [n for n in routes if path(n).startswith(("/v1/hooks/", "/v1/billing/stripe/webhook"))]
    assert len(widget) >= 4 and len(hooks) == 2
    assert all(auth_filters(n) == set() for n in widget + hooks)


def test_auth_failures_are_json_for_rest(edge) -> None:
    _, _, parts = edge
    mappers = parts["hcm"]["localReplyConfig"]["mappers"]
    bodies = [m["bodyFormatOverride"]["jsonFormat"] for m in mappers]
    assert {"code": 16, "details": [], "message": "%LOCAL_REPLY_BODY%"} in bodies
    assert {"code": 7, "details": [], "message": "%LOCAL_REPLY_BODY%"} in bodies


def test_users_defaults_match_the_topology_defaults() -> None:
    fields = UsersSettings.model_fields
    auth = EdgeAuth()
    assert fields["jwt_issuer"].default == auth.jwt_issuer
    assert fields["jwt_audience"].default == auth.jwt_audience
    assert fields["edge_api_key_header"].default == auth.api_key_header
    env = default_topology().app_env("users")
    assert env["SP_JWT_ISSUER"] == auth.jwt_issuer and env["SP_EDGE_API_KEY_HEADER"] == "x-api-key"
    assert "SP_JWT_ISSUER" not in default_topology().app_env("billing")


def test_check_messages_are_wire_compatible_with_envoys() -> None:
    full = FullCheckRequest(
        attributes=AttributeContext(
            source=AttributeContextPeer(
                address=Address(socket_address=SocketAddress(address="198.51.100.7", port_value=4242))
            ),
            request=AttributeContextRequest(
                http=AttributeContextHttpRequest(
                    id="r1", method="GET", path="/v1/plans", host="edge", headers={"x-api-key": "sp_live_k"}
                )
            ),
        )
    )
    raw = bytes(full)
    parsed = CheckInput.from_request(CheckRequest.FromString(raw))
    assert parsed == CheckInput({"x-api-key": "sp_live_k"}, "GET", "/v1/plans", "198.51.100.7")

    allow = FullCheckResponse.parse(
        check_response(Allow({"x-sp-principal": "abc"}, ("x-api-key",))).SerializeToString()
    )
    assert allow.status is None or allow.status.code == 0
    assert allow.ok_response is not None and allow.ok_response.headers_to_remove == ["x-api-key"]
    assert [(h.header.key, h.header.value) for h in allow.ok_response.headers] == [("x-sp-principal", "abc")]
    deny = FullCheckResponse.parse(check_response(Deny(401, "bad key")).SerializeToString())
    assert deny.status is not None and deny.status.code == 16
    assert deny.denied_response is not None and deny.denied_response.body == "bad key"
    assert int(deny.denied_response.status.code) == 401  # type: ignore[union-attr]

    # the reason for a private subset: decoding must cost microseconds per request
    start = time.perf_counter()
    for _ in range(2000):
        CheckRequest.FromString(raw)
    assert (time.perf_counter() - start) / 2000 < 50e-6
