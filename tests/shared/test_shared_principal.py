"""Principal wire format, the mesh-token trust rule and org access checks."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from shared.errors import PermissionDenied, Unauthenticated
from shared.principal import (
    ANONYMOUS,
    Principal,
    PrincipalKind,
    principal_from_metadata,
    require_org_access,
    set_current_principal,
)

USER = Principal(PrincipalKind.USER, subject="u1", org_id="org-1", role="editor", scopes=frozenset({"a"}))


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    yield
    set_current_principal(ANONYMOUS)


def test_header_round_trip_and_padding_tolerance() -> None:
    header = USER.to_header()
    assert "=" not in header
    assert Principal.from_header(header) == USER
    padded = base64.urlsafe_b64encode(json.dumps({"kind": "site", "site_id": "s1"}).encode()).decode()
    assert Principal.from_header(padded).site_id == "s1"


@pytest.mark.parametrize("bad", ["%%%", base64.urlsafe_b64encode(b"[1]").decode(), USER.to_header()[:-3]])
def test_malformed_header_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        Principal.from_header(bad)


def test_trust_needs_matching_token() -> None:
    metadata = [
        ("x-sp-principal", USER.to_header()),
        ("x-sp-mesh-token", "t0ken"),
        ("x-sp-caller", "spiffe://x"),
    ]
    assert principal_from_metadata(metadata, "t0ken") == (USER, "spiffe://x")
    assert principal_from_metadata(metadata, "other") == (ANONYMOUS, None)
    assert principal_from_metadata(metadata, "") == (ANONYMOUS, None)
    garbage = [("x-sp-principal", "%%%"), ("x-sp-mesh-token", "t0ken")]
    assert principal_from_metadata(garbage, "t0ken") == (ANONYMOUS, None)


def test_require_org_access() -> None:
    with pytest.raises(Unauthenticated):
        require_org_access("org-1")

    set_current_principal(USER)
    assert require_org_access("org-1") == USER
    with pytest.raises(PermissionDenied) as other_org:
        require_org_access("org-2")
    assert other_org.value.reason == "ORG_ACCESS_DENIED"
    with pytest.raises(PermissionDenied):
        require_org_access("org-1", roles={"owner", "admin"})
    assert require_org_access("org-1", roles={"editor"}) == USER

    set_current_principal(
        Principal(PrincipalKind.API_KEY, subject="key1", org_id="org-1", scopes=frozenset({"r"}))
    )
    require_org_access("org-1", scope="r")
    with pytest.raises(PermissionDenied, match="scope"):
        require_org_access("org-1", scope="w")

    set_current_principal(Principal(PrincipalKind.SITE, subject="site-key", org_id="org-1", site_id="s1"))
    require_org_access("org-1")
    with pytest.raises(PermissionDenied):
        require_org_access("org-1", roles={"editor"})

    set_current_principal(Principal(PrincipalKind.SERVICE, subject="spiffe://socialproof/billing"))
    require_org_access("org-anything")


def _payload(claims: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")


def test_verified_jwt_payload_is_a_user_with_a_role_per_org() -> None:
    claims = {"iss": "i", "sub": "users/u1", "sid": "s", "org_roles": {"org-1": "viewer", "org-2": "admin"}}
    metadata = [("x-sp-jwt-payload", _payload(claims)), ("x-sp-mesh-token", "t0ken")]
    principal, _ = principal_from_metadata(metadata, "t0ken")
    assert principal.kind is PrincipalKind.USER and principal.subject == "users/u1"
    assert dict(principal.org_roles) == {"org-1": "viewer", "org-2": "admin"}
    assert Principal.from_header(principal.to_header()) == principal  # peers get the same principal
    assert principal_from_metadata(metadata, "other") == (ANONYMOUS, None)

    set_current_principal(principal)
    require_org_access("org-1")
    require_org_access("org-2", roles={"admin"})
    with pytest.raises(PermissionDenied) as role:
        require_org_access("org-1", roles={"admin"})  # admin elsewhere, viewer here
    assert role.value.reason == "ROLE_NOT_ALLOWED"
    with pytest.raises(PermissionDenied) as other:
        require_org_access("org-3")
    assert other.value.reason == "ORG_ACCESS_DENIED"


def test_principal_header_wins_over_jwt_payload_and_bad_payloads_are_anonymous() -> None:
    key = Principal(PrincipalKind.API_KEY, subject="k", org_id="org-1", scopes=frozenset({"r"}))
    both = [
        ("x-sp-principal", key.to_header()),
        ("x-sp-jwt-payload", _payload({"sub": "users/u1"})),
        ("x-sp-mesh-token", "t0ken"),
    ]
    assert principal_from_metadata(both, "t0ken")[0] == key
    for bad in ({"org_roles": {"o": "owner"}}, {"sub": "users/u1", "org_roles": ["owner"]}, {"sub": 5}):
        metadata = [("x-sp-jwt-payload", _payload(bad)), ("x-sp-mesh-token", "t0ken")]
        assert principal_from_metadata(metadata, "t0ken")[0] == ANONYMOUS


def test_permission_checks_use_the_role_in_that_org() -> None:
    from shared.permissions import require_permission

    user = Principal(PrincipalKind.USER, subject="users/u1", org_roles={"org-1": "viewer", "org-2": "owner"})
    require_permission(user, "org-2", "organizations.delete")
    with pytest.raises(PermissionDenied) as denied:
        require_permission(user, "org-1", "organizations.delete")
    assert denied.value.reason == "PERMISSION_MISSING"
    with pytest.raises(PermissionDenied) as elsewhere:
        require_permission(user, "org-9", "organizations.get")
    assert elsewhere.value.reason == "ORG_ACCESS_DENIED"
    assert hash(user) == hash(Principal(PrincipalKind.USER, subject="users/u1", org_roles={"org-1": "x"}))


def test_a_peer_service_without_an_end_user_acts_as_itself_but_the_edge_never_does() -> None:
    from shared.principal import (
        CALLER_HEADER,
        MESH_TOKEN_HEADER,
        PrincipalKind,
        principal_from_metadata,
    )

    token = "mesh-token-for-test"
    peer = [(MESH_TOKEN_HEADER, token), (CALLER_HEADER, "spiffe://socialproof.local/ns/default/sa/analytics")]
    principal, caller = principal_from_metadata(peer, token)
    assert principal.kind is PrincipalKind.SERVICE and principal.subject == "analytics"
    assert caller == "spiffe://socialproof.local/ns/default/sa/analytics"

    edge = [(MESH_TOKEN_HEADER, token), (CALLER_HEADER, "spiffe://socialproof.local/ns/default/sa/edge")]
    assert principal_from_metadata(edge, token)[0].is_anonymous
    # Without the sidecar's token the caller header proves nothing.
    assert principal_from_metadata([(CALLER_HEADER, peer[1][1])], token)[0].is_anonymous
