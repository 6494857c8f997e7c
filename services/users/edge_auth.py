"""The edge's API-key decision: ext_authz Check answered from the users service layer, cached briefly."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from services.users.service import UsersService
from shared.errors import PermissionDenied, Unauthenticated
from shared.principal import JWT_PAYLOAD_HEADER, PRINCIPAL_HEADER, Principal, PrincipalKind, current_caller
from shared.rpc.ext_authz import Allow, CheckInput, Deny
from shared.rpc.server import ServiceRegistration

EDGE_IDENTITY_SUFFIX = "/sa/edge"


@dataclass(frozen=True, slots=True)
class _Cached:
    key_id: str
    principal_header: str
    until: float  # time.monotonic()


class ApiKeyAuthorizer:
    """Turns `x-api-key` into the verified `x-sp-principal` (kind api_key) for the edge.

    A valid key's answer is cached per secret for `ttl` seconds (and never past the key's own
    expiry), so a partner's steady traffic costs one dictionary lookup instead of a database
    transaction; revoke/rotate/update in this process drop the entry at once (other replicas within
    `ttl`). Failures are never cached. Only the edge may ask: any other caller would turn this into
    a secret-guessing oracle.
    """

    def __init__(self, service: UsersService, *, header: str = "x-api-key", ttl: float = 30.0) -> None:
        self.service = service
        self.header = header
        self.ttl = ttl
        self._cache: dict[bytes, _Cached] = {}
        service.api_key_listeners.append(self.forget)

    def forget(self, key_id: str | None) -> None:
        if key_id is None:
            self._cache.clear()
            return
        for digest in [d for d, c in self._cache.items() if c.key_id == key_id]:
            self._cache.pop(digest, None)

    async def decide(self, request: CheckInput) -> Allow | Deny:
        caller = current_caller() or ""
        if not caller.endswith(EDGE_IDENTITY_SUFFIX):
            return Deny(403, "Only the edge may check API keys")
        secret = request.headers.get(self.header)
        if secret is None:
            return Allow()  # the edge skips us without the header; nothing to add if it did not
        signed_in = JWT_PAYLOAD_HEADER in request.headers  # jwt_authn verified a bearer token
        if signed_in or request.headers.get("authorization", "").lower().startswith("bearer "):
            # One credential per request: which identity should win would be a guess.
            return Deny(401, "Send either a bearer token or an API key, not both")
        if not secret or len(secret) > 200:
            return Deny(401, "The API key is not valid")
        digest = hashlib.sha256(secret.encode()).digest()
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached.until > now:
            return self._allow(cached.principal_header)
        try:
            decision = await self.service.verify_api_key(secret, None, None, None, request.source_ip[:64])
        except Unauthenticated as error:
            return Deny(401, str(error) or "The API key is not valid")
        except PermissionDenied as error:
            return Deny(403, str(error) or "The API key may not do this")
        key = decision.api_key
        sites = [s.rsplit("/", 1)[-1] for s in key.sites]
        principal = Principal(
            kind=PrincipalKind.API_KEY,
            subject=f"organizations/{key.org_id}/apiKeys/{key.id}",
            org_id=key.org_id,
            # scope names (require_org_access(scope=...)) and the permissions they grant
            # (shared.permissions.principal_permits) are disjoint strings: carry both
            scopes=frozenset(key.scopes) | decision.permissions,
            site_id=sites[0] if len(sites) == 1 else None,
        )
        header = principal.to_header()
        until = now + self.ttl
        if decision.expire_at is not None:
            until = min(until, now + max(0.0, decision.expire_at.timestamp() - time.time()))
        if len(self._cache) > 10_000:
            self._cache.clear()  # bounded: a flood of distinct valid keys is not a realistic load
        self._cache[digest] = _Cached(key.id, header, until)
        return self._allow(header)

    def _allow(self, principal_header: str) -> Allow:
        # The secret goes no further than the edge and us.
        return Allow(headers={PRINCIPAL_HEADER: principal_header}, remove=(self.header,))


def ext_authz_registration(authorizer: ApiKeyAuthorizer) -> ServiceRegistration:
    from shared.rpc.ext_authz import authorization_registration

    return authorization_registration(authorizer.decide)
