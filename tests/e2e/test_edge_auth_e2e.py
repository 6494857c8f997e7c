"""The one auth decision at the real edge: access JWTs (jwt_authn), partner API keys (ext_authz to users)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from services.users.adapters.postgres import Store
from services.users.domain.signing import SigningKey, new_signing_key
from shared.crypto import KeyRing
from shared.db import Database
from shared.devstack.platform import Platform
from shared.principal import Principal, PrincipalKind
from socialproof.notifications.v1 import sites_pb2, sites_pb2_grpc
from socialproof.users.v1 import api_key_pb2, auth_pb2, organization_pb2
from tests.e2e.test_edge_e2e import _grpc_web_frame, _grpc_web_parse, http

PASSWORD = "correct horse battery staple 42"
GET_ORG = "/socialproof.users.v1.OrganizationService/GetOrganization"


@dataclass
class Account:
    user_id: str
    org_id: str
    access: str


def grpc_web(
    platform: Platform, path: str, message: Any, headers: dict[str, str] | None = None
) -> tuple[int, list[bytes], dict[str, str]]:
    status, headers, body = http(
        "POST",
        f"{platform.edge_url}{path}",
        _grpc_web_frame(message.SerializeToString()),
        {"content-type": "application/grpc-web+proto", "x-grpc-web": "1", **(headers or {})},
    )
    messages, trailers = _grpc_web_parse(body)
    # a trailers-only reply (errors, local replies) carries grpc-status in the HTTP headers
    return status, messages, {**{k: v for k, v in headers.items() if k.startswith("grpc-")}, **trailers}


def sign_up(platform: Platform, name: str) -> Account:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    request = auth_pb2.SignUpRequest(email=email, password=PASSWORD, display_name=name, time_zone="UTC")
    status, messages, trailers = grpc_web(platform, "/socialproof.users.v1.AuthService/SignUp", request)
    assert status == 200 and trailers.get("grpc-status") == "0", trailers
    reply = auth_pb2.SignUpResponse.FromString(messages[0])
    return Account(
        reply.user.name.removeprefix("users/"),
        reply.organization.name.removeprefix("organizations/"),
        reply.tokens.access_token,
    )


def get_org(platform: Platform, org_id: str, headers: dict[str, str]) -> dict[str, str]:
    request = organization_pb2.GetOrganizationRequest(name=f"organizations/{org_id}")
    _, _, trailers = grpc_web(platform, GET_ORG, request, headers)
    return trailers


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _store(platform: Platform) -> Store:
    assert platform.infra is not None
    secrets = json.loads((platform.root / "secrets.json").read_text())
    return Store(
        Database(platform.infra.database_url, schema="users"), KeyRing.from_spec(secrets["SP_PII_KEYS"])
    )


async def _signing_keys(platform: Platform) -> list[SigningKey]:
    store = _store(platform)
    try:
        async with store.tx() as tx:
            return await tx.signing_keys()
    finally:
        await store.db.dispose()


def forge(key: ec.EllipticCurvePrivateKey, kid: str, platform: Platform, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": platform.topology.auth.jwt_issuer,
        "aud": platform.topology.auth.jwt_audience,
        "sub": f"users/{uuid.uuid4()}",
        "iat": now,
        "exp": now + 300,
        **claims,
    }
    return jwt.encode(body, key, algorithm="ES256", headers={"kid": kid})


@pytest.fixture(scope="module")
def owner(platform: Platform) -> Iterator[Account]:
    yield sign_up(platform, "Owner")


def test_valid_token_reaches_the_service_as_that_user(platform: Platform, owner: Account) -> None:
    assert get_org(platform, owner.org_id, bearer(owner.access)).get("grpc-status") == "0"
    stranger = sign_up(platform, "Stranger")
    # a real, valid token of someone else: the service sees that user and hides the org
    assert get_org(platform, owner.org_id, bearer(stranger.access)).get("grpc-status") == "5"
    # no token: passes the edge as anonymous, and the service asks for a sign-in
    assert get_org(platform, owner.org_id, {}).get("grpc-status") == "16"


def test_bad_tokens_get_401(platform: Platform, owner: Account) -> None:
    keys = asyncio.run(_signing_keys(platform))
    real = keys[0]
    sub = f"users/{owner.user_id}"
    head, payload, sig = owner.access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["org_roles"] = {str(uuid.uuid4()): "owner"}
    tampered_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    other_key = ec.generate_private_key(ec.SECP256R1())
    bad = {
        "expired": forge(
            real.private_key,
            real.kid,
            platform,
            sub=sub,
            iat=int(time.time()) - 900,
            exp=int(time.time()) - 120,
        ),  # fmt: skip
        "tampered": f"{head}.{tampered_payload}.{sig}",
        "wrong issuer": forge(real.private_key, real.kid, platform, sub=sub, iss="https://evil.example"),
        "other key, same kid": forge(other_key, real.kid, platform, sub=sub),
        "unknown kid": forge(other_key, "nope", platform, sub=sub),
        "garbage": "not.a.jwt",
    }
    for name, token in bad.items():
        status, headers, body = http("GET", f"{platform.edge_url}/v1/plans", headers=bearer(token))
        assert status == 401, (name, status, body)
        assert headers["content-type"].startswith("application/json"), name
        assert json.loads(body)["code"] == 16, (name, body)
        trailers = get_org(platform, owner.org_id, bearer(token))
        assert trailers.get("grpc-status") == "16", (name, trailers)
    # a token the edge accepts (signed by the current key) with a forged-looking but valid payload
    ok = forge(real.private_key, real.kid, platform, sub=sub, org_roles={owner.org_id: "owner"})
    assert get_org(platform, owner.org_id, bearer(ok)).get("grpc-status") == "0"


def test_client_sent_principal_and_payload_headers_are_ignored(platform: Platform, owner: Account) -> None:
    forged = Principal(
        PrincipalKind.USER, subject=f"users/{owner.user_id}", org_id=owner.org_id, role="owner"
    )
    payload = base64.urlsafe_b64encode(
        json.dumps({"sub": f"users/{owner.user_id}", "org_roles": {owner.org_id: "owner"}}).encode()
    ).decode()
    headers = {"x-sp-principal": forged.to_header(), "x-sp-jwt-payload": payload}
    assert get_org(platform, owner.org_id, headers).get("grpc-status") == "16"


def _create_key(platform: Platform, owner: Account, scopes: list[int]) -> api_key_pb2.CreateApiKeyResponse:
    request = api_key_pb2.CreateApiKeyRequest(
        parent=f"organizations/{owner.org_id}",
        api_key=api_key_pb2.ApiKey(display_name="partner", scopes=scopes),
    )
    status, messages, trailers = grpc_web(
        platform, "/socialproof.users.v1.ApiKeyService/CreateApiKey", request, bearer(owner.access)
    )
    assert trailers.get("grpc-status") == "0", trailers
    return api_key_pb2.CreateApiKeyResponse.FromString(messages[0])


def test_api_key_reaches_a_partner_route_as_the_key(platform: Platform, owner: Account) -> None:
    reader = _create_key(platform, owner, [api_key_pb2.API_KEY_SCOPE_SITES_READ])
    writer = _create_key(platform, owner, [api_key_pb2.API_KEY_SCOPE_ACTIVITIES_WRITE])
    parent = f"organizations/{owner.org_id}"
    with grpc.insecure_channel(f"127.0.0.1:{platform.topology.edge.http_port}") as channel:
        sites = sites_pb2_grpc.SiteServiceStub(channel)

        def list_sites(secret: str, org: str = parent) -> grpc.StatusCode:
            try:
                sites.ListSites(
                    sites_pb2.ListSitesRequest(parent=org), metadata=[("x-api-key", secret)], timeout=10
                )
            except grpc.RpcError as error:
                return error.code()  # type: ignore[no-any-return]
            return grpc.StatusCode.OK

        assert list_sites(reader.secret) == grpc.StatusCode.OK  # org + sites_read scope from the key
        assert list_sites(writer.secret) == grpc.StatusCode.PERMISSION_DENIED  # scope missing
        assert list_sites(reader.secret, f"organizations/{uuid.uuid4()}") == grpc.StatusCode.PERMISSION_DENIED
        assert list_sites("sp_live_deadbeef_" + "x" * 40) == grpc.StatusCode.UNAUTHENTICATED
        assert list_sites("") == grpc.StatusCode.UNAUTHENTICATED

        revoke = api_key_pb2.RevokeApiKeyRequest(name=reader.api_key.name)
        _, _, trailers = grpc_web(
            platform, "/socialproof.users.v1.ApiKeyService/RevokeApiKey", revoke, bearer(owner.access)
        )
        assert trailers.get("grpc-status") == "0", trailers
        assert list_sites(reader.secret) == grpc.StatusCode.UNAUTHENTICATED  # cached answer dropped

    # REST callers get the JSON error shape
    status, headers, body = http("GET", f"{platform.edge_url}/v1/plans", headers={"x-api-key": "nope"})
    assert status == 401 and json.loads(body)["code"] == 16, body
    status, _, body = http("GET", f"{platform.edge_url}/v1/plans", headers={"x-api-key": writer.secret})
    assert status == 200, body
    both = {"x-api-key": writer.secret, **bearer(owner.access)}
    assert http("GET", f"{platform.edge_url}/v1/plans", headers=both)[0] == 401


def test_token_of_a_rotated_out_key_still_passes(platform: Platform, owner: Account) -> None:
    async def rotate() -> str:
        store = _store(platform)
        try:
            async with store.tx() as tx:
                await tx.lock_signing_keys()
                fresh = new_signing_key(datetime.now(UTC))
                await tx.insert_signing_key(fresh)
                await tx.retire_signing_keys(fresh.kid, datetime.now(UTC) + timedelta(minutes=15))
            return fresh.kid
        finally:
            await store.db.dispose()

    old_kid = jwt.get_unverified_header(owner.access)["kid"]
    new_kid = asyncio.run(rotate())
    # users re-reads keys at start, and the edge fetches the JWKS at start: restart both rather
    # than wait out their one-minute caches
    for name in ("users", "edge"):
        platform.kill(name)
    for name in ("users", "edge"):
        platform.wait_ready(name)
    deadline = time.monotonic() + 20
    jwks: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status, _, body = http("GET", f"{platform.edge_url}/v1/auth/jwks")
        if status == 200:
            jwks = json.loads(body)
            break
        time.sleep(0.2)
    assert [k["kid"] for k in jwks["keys"]][:2] == [new_kid, old_kid]
    fresh = sign_up(platform, "Fresh")
    assert jwt.get_unverified_header(fresh.access)["kid"] == new_kid

    def passes(token: str, org_id: str) -> bool:
        return get_org(platform, org_id, bearer(token)).get("grpc-status") == "0"

    deadline = time.monotonic() + 10  # the edge's first JWKS fetch happens in the background
    while time.monotonic() < deadline and not passes(fresh.access, fresh.org_id):
        time.sleep(0.2)
    assert passes(fresh.access, fresh.org_id)
    assert passes(owner.access, owner.org_id)  # signed by the retired key, still unexpired


def test_jwks_is_public_and_cached_by_the_edge(platform: Platform) -> None:
    with urllib.request.urlopen(f"{platform.edge_url}/v1/auth/jwks", timeout=5) as reply:  # noqa: S310
        keys = json.loads(reply.read())["keys"]
    assert keys and all(k["kty"] == "EC" and k["alg"] == "ES256" for k in keys)
