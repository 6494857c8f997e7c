"""Pure rules: permission table, validation, API key secrets, JWT signing and verification (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import jwt
import pytest

from services.users.domain import credentials
from services.users.domain.signing import (
    InvalidToken,
    TokenSettings,
    issue_access_token,
    new_signing_key,
    verify_access_token,
)
from services.users.domain.validation import parse_name
from shared.errors import InvalidArgument
from shared.permissions import ROLE_ORDER, ROLE_PERMISSIONS, Role, permissions_of_scopes, role_permits
from shared.principal import Principal, PrincipalKind

SETTINGS = TokenSettings("https://socialproof.local", "socialproof", timedelta(minutes=15))
NOW = datetime.now(UTC)


def _token(key=None, now=NOW, settings=SETTINGS):  # type: ignore[no-untyped-def]
    key = key or new_signing_key(now)
    issued = issue_access_token(
        key, settings, user_id="u1", session_id="s1", email_verified=True, org_roles={"o1": "admin"}, now=now
    )
    return key, issued.token


def test_roles_are_ordered_supersets() -> None:
    for stronger, weaker in pairwise(ROLE_ORDER):
        assert ROLE_PERMISSIONS[weaker] < ROLE_PERMISSIONS[stronger]
    assert role_permits("admin", "apiKeys.create") and not role_permits("viewer", "apiKeys.create")
    assert not role_permits("admin", "organizations.delete") and role_permits(
        Role.OWNER, "organizations.delete"
    )
    assert not role_permits("nonsense", "campaigns.get")
    from shared.permissions import principal_permits

    key = Principal(
        kind=PrincipalKind.API_KEY, org_id="o", scopes=permissions_of_scopes(["activities_write"])
    )
    assert principal_permits(key, "activities.create") and not principal_permits(key, "campaigns.update")


def test_jwt_valid_expired_tampered_and_other_key() -> None:
    key, token = _token()
    jwks = [key.public_jwk()]
    assert verify_access_token(token, jwks, SETTINGS)["org_roles"] == {"o1": "admin"}
    _, expired = _token(key, now=NOW - timedelta(hours=1))
    with pytest.raises(InvalidToken):
        verify_access_token(expired, jwks, SETTINGS)
    head, payload, signature = token.split(".")
    forged = jwt.utils.base64url_encode(b'{"sub":"users/admin","exp":9999999999}').decode()
    with pytest.raises(InvalidToken):
        verify_access_token(f"{head}.{forged}.{signature}", jwks, SETTINGS)
    other, other_token = _token()
    # Same kid presented but signed by another key: the signature check fails.
    with pytest.raises(InvalidToken):
        verify_access_token(
            other_token, [dict(other.public_jwk(), kid=key.kid, x=jwks[0]["x"], y=jwks[0]["y"])], SETTINGS
        )
    with pytest.raises(InvalidToken):
        verify_access_token(other_token, jwks, SETTINGS)
    with pytest.raises(InvalidToken):
        verify_access_token(token, jwks, TokenSettings("https://evil", "socialproof", timedelta(minutes=1)))
    hs = jwt.encode({"sub": "users/x"}, "secret", algorithm="HS256", headers={"kid": key.kid})
    with pytest.raises(InvalidToken):
        verify_access_token(hs, jwks, SETTINGS)


def test_api_key_secrets_parse_only_when_well_formed() -> None:
    prefix = credentials.new_api_key_prefix()
    secret = credentials.new_api_key_secret(prefix)
    assert credentials.parse_api_key(secret) == prefix
    assert credentials.parse_api_key(secret + "x") is None
    assert credentials.parse_api_key("sp_live_short_x") is None
    assert credentials.token_hash("a") != credentials.token_hash("b")


def test_passwords_hash_with_argon2id() -> None:
    passwords = credentials.Passwords(credentials.PasswordPolicy(1, 64, 1))
    stored = passwords.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "wrong")
    assert not passwords.verify(None, "anything")


def test_resource_names_are_parsed_strictly() -> None:
    org = "0b5c3f4e-8d1a-4f7e-9a51-3c2f1e0d9b8a"
    assert parse_name(f"organizations/{org}/members/me", ("organizations", "members"), "name", me=True) == [
        org,
        "me",
    ]
    for bad in (
        "organizations/me",
        f"organizations/{org}/extra",
        f"orgs/{org}",
        f"organizations/{org}/members/me",
    ):
        with pytest.raises(InvalidArgument):
            parse_name(
                bad, ("organizations",) if bad.count("/") == 1 else ("organizations", "members"), "name"
            )
