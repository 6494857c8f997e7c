"""ES256 access tokens: signing keys, their JWK form, issuing and verifying JWTs."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ES256"


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One key of the rotation: `private_pem` only for keys this process may sign with."""

    kid: str
    private_pem: bytes
    created_at: datetime
    retired_at: datetime | None = None
    verify_until: datetime | None = None

    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key(self.private_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("signing key is not an EC key")
        return key

    def public_jwk(self) -> dict[str, str]:
        return public_jwk(self.kid, self.private_key.public_key())


def new_signing_key(now: datetime) -> SigningKey:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningKey(kid=uuid.uuid4().hex[:16], private_pem=pem, created_at=now)


def _b64(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).decode().rstrip("=")


def public_jwk(kid: str, public: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public.public_numbers()
    return {
        "kty": "EC",
        "kid": kid,
        "use": "sig",
        "alg": ALGORITHM,
        "crv": "P-256",
        "x": _b64(numbers.x),
        "y": _b64(numbers.y),
    }


@dataclass(frozen=True, slots=True)
class TokenSettings:
    issuer: str
    audience: str
    access_ttl: timedelta


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    expire_at: datetime
    jti: str


def issue_access_token(
    key: SigningKey,
    settings: TokenSettings,
    *,
    user_id: str,
    session_id: str,
    email_verified: bool,
    org_roles: Mapping[str, str],
    now: datetime,
) -> IssuedAccessToken:
    expire_at = now + settings.access_ttl
    jti = uuid.uuid4().hex
    claims: dict[str, Any] = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": f"users/{user_id}",
        "iat": int(now.timestamp()),
        "exp": int(expire_at.timestamp()),
        "jti": jti,
        "sid": session_id,
        "email_verified": email_verified,
        "org_roles": dict(org_roles),
    }
    token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
    return IssuedAccessToken(token, expire_at, jti)


class InvalidToken(Exception):
    """The access token is expired, tampered with, signed by an unknown key or not for us."""


def verify_access_token(
    token: str, jwks: Sequence[Mapping[str, str]], settings: TokenSettings, *, now: datetime | None = None
) -> dict[str, Any]:
    """The claims of a valid token (what the edge's jwt_authn checks, for tests and peers)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken("malformed token") from error
    if header.get("alg") != ALGORITHM:
        raise InvalidToken("unexpected algorithm")
    match = next((k for k in jwks if k.get("kid") == header.get("kid")), None)
    if match is None:
        raise InvalidToken("unknown key id")
    public = jwt.PyJWK.from_dict(dict(match), algorithm=ALGORITHM)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            public.key,
            algorithms=[ALGORITHM],
            audience=settings.audience,
            issuer=settings.issuer,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            leeway=0,
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    if now is not None and claims["exp"] <= int(now.timestamp()):
        raise InvalidToken("expired")
    return claims


def verifying_keys(keys: Sequence[SigningKey], now: datetime) -> list[SigningKey]:
    """The active key first, then retired keys whose tokens may still be unexpired."""
    active = [k for k in keys if k.retired_at is None]
    retired = [
        k for k in keys if k.retired_at is not None and (k.verify_until is None or k.verify_until > now)
    ]
    active.sort(key=lambda k: k.created_at, reverse=True)
    retired.sort(key=lambda k: k.retired_at or k.created_at, reverse=True)
    return active + retired
