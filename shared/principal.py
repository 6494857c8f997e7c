"""The caller's principal, decided once at the edge and trusted only through the local sidecar."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Collection, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from shared.errors import PermissionDenied, Unauthenticated

PRINCIPAL_HEADER = "x-sp-principal"
MESH_TOKEN_HEADER = "x-sp-mesh-token"  # noqa: S105 - a header name, not a secret
CALLER_HEADER = "x-sp-caller"
# The edge's jwt_authn forwards a verified access token's payload here (base64url JSON, no padding).
JWT_PAYLOAD_HEADER = "x-sp-jwt-payload"


class PrincipalKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    SITE = "site"
    SERVICE = "service"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, in product terms.

    Wire form (`x-sp-principal`): base64url (padding optional) of a JSON object with the keys
    `kind`, `subject`, `org_id`, `role`, `scopes` (list), `site_id`, `org_roles` (object
    org id -> role); absent keys mean empty.

    A signed-in person (from an access JWT) is a USER with `subject` "users/<id>", no `org_id` and
    `org_roles` holding every membership; `role_in(org_id)` is their role in one organization.
    """

    kind: PrincipalKind
    subject: str = ""
    org_id: str | None = None
    role: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    site_id: str | None = None
    # Left out of the hash (a mapping is not hashable) but compared; read-only after init.
    org_roles: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "org_roles", MappingProxyType(dict(self.org_roles)))

    @property
    def is_anonymous(self) -> bool:
        return self.kind is PrincipalKind.ANONYMOUS

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def member_of(self, org_id: str) -> bool:
        """Whether the principal belongs to `org_id` (services: always)."""
        if self.kind is PrincipalKind.SERVICE:
            return True
        if self.org_roles:
            return org_id in self.org_roles
        return self.org_id is not None and self.org_id == org_id

    def role_in(self, org_id: str) -> str | None:
        """The principal's role in `org_id`: from `org_roles`, else `role` when `org_id` is its org."""
        if self.org_roles:
            return self.org_roles.get(org_id)
        return self.role if self.org_id is not None and self.org_id == org_id else None

    def to_header(self) -> str:
        body: dict[str, Any] = {"kind": self.kind.value, "subject": self.subject}
        if self.org_id is not None:
            body["org_id"] = self.org_id
        if self.role is not None:
            body["role"] = self.role
        if self.scopes:
            body["scopes"] = sorted(self.scopes)
        if self.site_id is not None:
            body["site_id"] = self.site_id
        if self.org_roles:
            body["org_roles"] = dict(self.org_roles)
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    @classmethod
    def from_header(cls, value: str | bytes) -> Principal:
        """Parses the wire form; raises ValueError on anything malformed."""
        body = _b64_json_object(value, "principal header")
        scopes = body.get("scopes") or []
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise ValueError("principal scopes must be a list of strings")
        for key in ("subject", "org_id", "role", "site_id"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise ValueError(f"principal {key} must be a string")
        return cls(
            kind=PrincipalKind(str(body.get("kind"))),
            subject=body.get("subject") or "",
            org_id=body.get("org_id") or None,
            role=body.get("role") or None,
            scopes=frozenset(scopes),
            site_id=body.get("site_id") or None,
            org_roles=_org_roles(body.get("org_roles"), "principal org_roles"),
        )

    @classmethod
    def from_jwt_payload(cls, value: str | bytes) -> Principal:
        """The USER principal of an access token payload the edge verified (`x-sp-jwt-payload`).

        Claims used: `sub` ("users/<id>", required) and `org_roles` ({org id: role}); the edge
        already checked signature, issuer, audience and expiry. Raises ValueError when malformed."""
        body = _b64_json_object(value, "JWT payload")
        subject = body.get("sub")
        if not isinstance(subject, str) or not subject:
            raise ValueError("JWT payload has no subject")
        return cls(
            kind=PrincipalKind.USER,
            subject=subject,
            org_roles=_org_roles(body.get("org_roles"), "JWT org_roles"),
        )


def _b64_json_object(value: str | bytes, what: str) -> dict[str, Any]:
    text = value.decode("ascii") if isinstance(value, bytes) else value
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{what} is not base64url JSON") from error
    if not isinstance(body, dict):
        raise ValueError(f"{what} must be a JSON object")
    return body


def _org_roles(value: object, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f"{what} must be an object of strings")
    return value


ANONYMOUS = Principal(kind=PrincipalKind.ANONYMOUS)

_principal_var: ContextVar[Principal] = ContextVar("sp_principal", default=ANONYMOUS)
_caller_var: ContextVar[str | None] = ContextVar("sp_caller", default=None)


def current_principal() -> Principal:
    """The principal of the call being served (anonymous outside a call)."""
    return _principal_var.get()


def current_caller() -> str | None:
    """The SPIFFE id of the peer workload as vouched for by our sidecar, if any."""
    return _caller_var.get()


def set_current_principal(principal: Principal, caller: str | None = None) -> None:
    """Sets the principal for the rest of the current task (interceptors, Kafka consumers, tests)."""
    _principal_var.set(principal)
    _caller_var.set(caller)


def _first(metadata: Iterable[tuple[str, str | bytes]], key: str) -> str | None:
    for name, value in metadata:
        if name.lower() == key:
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


def principal_from_metadata(
    metadata: Iterable[tuple[str, str | bytes]] | None, mesh_token: str
) -> tuple[Principal, str | None]:
    """Returns (principal, caller) from request metadata.

    The headers are believed only when the request carries our sidecar's mesh token: anything
    else could have reached the port directly and forged them. No configured token means no one
    is trusted, so a misconfigured service degrades to anonymous instead of open.
    """
    items = list(metadata or ())
    presented = _first(items, MESH_TOKEN_HEADER)
    if not mesh_token or presented is None:
        return ANONYMOUS, None
    if not hmac.compare_digest(presented.encode(), mesh_token.encode()):
        return ANONYMOUS, None
    caller = _first(items, CALLER_HEADER) or None
    header = _first(items, PRINCIPAL_HEADER)
    payload = _first(items, JWT_PAYLOAD_HEADER)
    try:
        # x-sp-principal wins: ext_authz (API keys) and peer services set it explicitly, while the
        # JWT payload is only the edge's proof of a signed-in person.
        if header:
            return Principal.from_header(header), caller
        if payload:
            return Principal.from_jwt_payload(payload), caller
    except ValueError:
        # The edge always writes a valid header, so a broken one is a bug or an attack:
        # treat it as no identity rather than failing the call.
        return ANONYMOUS, caller
    # No end-user identity, but a peer service proven by mTLS (e.g. analytics resolving a widget's
    # site key): the call is that service's own. The edge never acts on its own behalf.
    service = service_of_caller(caller)
    if service is not None and service != EDGE_WORKLOAD:
        return Principal(kind=PrincipalKind.SERVICE, subject=service), caller
    return ANONYMOUS, caller


EDGE_WORKLOAD = "edge"


def service_of_caller(caller: str | None) -> str | None:
    """The workload name of a SPIFFE id `spiffe://<trust domain>/ns/<namespace>/sa/<name>`."""
    if not caller or not caller.startswith("spiffe://"):
        return None
    _, _, name = caller.rpartition("/sa/")
    return name if name and "/" not in name else None


def require_authenticated() -> Principal:
    principal = current_principal()
    if principal.is_anonymous:
        raise Unauthenticated("Authentication is required")
    return principal


def require_org_access(
    org_id: str,
    *,
    roles: Collection[str] | None = None,
    scope: str | None = None,
) -> Principal:
    """Checks that the current principal may act on `org_id` and returns it.

    Service principals are trusted for every org: they are other SocialProof services,
    authenticated by mTLS and acting for a request that was already checked at the edge.
    `roles` limits user principals to those roles (their role in THIS org, see `role_in`);
    `scope` is required of API-key principals; site-key principals pass only unguarded checks
    (no `roles`, no `scope`).
    """
    principal = require_authenticated()
    if principal.kind is PrincipalKind.SERVICE:
        return principal
    if not principal.member_of(org_id):
        raise PermissionDenied(
            "The caller has no access to this organization",
            reason="ORG_ACCESS_DENIED",
            metadata={"org_id": org_id},
        )
    if principal.kind is PrincipalKind.SITE and (roles is not None or scope is not None):
        # Site keys are public (they ship in the widget), so they never pass a guarded check.
        raise PermissionDenied("A site key cannot perform this action", reason="SITE_KEY_NOT_ALLOWED")
    if roles is not None and principal.kind is PrincipalKind.USER and principal.role_in(org_id) not in roles:
        raise PermissionDenied(
            "The caller's role does not allow this",
            reason="ROLE_NOT_ALLOWED",
            metadata={"required_roles": ",".join(sorted(roles))},
        )
    if scope is not None and principal.kind is PrincipalKind.API_KEY and scope not in principal.scopes:
        raise PermissionDenied(
            "The API key lacks a required scope",
            reason="SCOPE_MISSING",
            metadata={"scope": scope},
        )
    return principal
