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
