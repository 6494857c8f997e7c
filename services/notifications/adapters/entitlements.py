"""Plan entitlements from billing over the mesh, cached, with the last known answer when billing is down."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from typing import Protocol

import grpc

from socialproof.billing.v1 import entitlement_pb2, entitlement_pb2_grpc

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedEntitlements:
    """What the widget feed needs from a plan."""

    serving_allowed: bool
    capped_sites: frozenset[str]
    show_branding: bool
    ab_tests: bool
    holdout: bool
    #: "billing" (fresh), "cache", "last_known" (billing failed, older answer) or "fallback".
    origin: str


#: Served when billing has never answered for an org (e.g. billing down since this replica started):
#: keep showing notifications rather than blanking every customer's site on a dependency outage, with
#: the branding mark; experiments stay on, because switching a running test off mid-way would move
#: visitors between arms and spoil its data, which costs more than a brief feature grant.
FALLBACK = FeedEntitlements(
    serving_allowed=True,
    capped_sites=frozenset(),
    show_branding=True,
    ab_tests=True,
    holdout=True,
    origin="fallback",
)


class EntitlementsSource(Protocol):
    async def for_org(self, org_id: str) -> FeedEntitlements: ...

    def invalidate(self, org_id: str) -> None: ...


class BillingEntitlements:
    """EntitlementService.GetEntitlements through the sidecar, cached for cache_ttl (bounded)."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        *,
        timeout: float = 0.3,
        min_ttl: float = 5.0,
        max_ttl: float = 300.0,
        retry_after_failure: float = 5.0,
    ) -> None:
        self._stub = entitlement_pb2_grpc.EntitlementServiceStub(channel)
        self._timeout, self._min_ttl, self._max_ttl = timeout, min_ttl, max_ttl
        self._retry_after_failure = retry_after_failure
        self._cache: dict[str, tuple[float, FeedEntitlements]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def invalidate(self, org_id: str) -> None:
        """Drop the cached answer (on PlanChanged, QuotaExceeded…); it stays as the last known answer."""
        cached = self._cache.get(org_id)
        if cached is not None:
            self._cache[org_id] = (0.0, cached[1])

    async def for_org(self, org_id: str) -> FeedEntitlements:
        now = time.monotonic()
        cached = self._cache.get(org_id)
        if cached is not None and cached[0] > now:
            return replace(cached[1], origin="cache")
        lock = self._locks.setdefault(org_id, asyncio.Lock())
        async with lock:  # one request to billing per org at a time, however many feeds miss
            cached = self._cache.get(org_id)
            if cached is not None and cached[0] > time.monotonic():
                return replace(cached[1], origin="cache")
            try:
                response = await self._stub.GetEntitlements(
                    entitlement_pb2.GetEntitlementsRequest(name=f"organizations/{org_id}/entitlements"),
                    timeout=self._timeout,
                )
            except grpc.aio.AioRpcError as error:
                log.warning(
                    "billing entitlements unavailable", extra={"org_id": org_id, "code": error.code().name}
                )
                known = cached[1] if cached is not None else FALLBACK
                # Remember the failure briefly so an outage does not add a timeout to every feed miss.
                self._cache[org_id] = (time.monotonic() + self._retry_after_failure, known)
                return replace(known, origin="last_known" if cached else "fallback")
            fresh = _from_proto(response.entitlements)
            ttl = response.cache_ttl.ToTimedelta().total_seconds() if response.HasField("cache_ttl") else 60.0
            self._cache[org_id] = (time.monotonic() + min(max(ttl, self._min_ttl), self._max_ttl), fresh)
            return fresh


def _from_proto(e: entitlement_pb2.Entitlements) -> FeedEntitlements:
    return FeedEntitlements(
        serving_allowed=e.serving_allowed,
        capped_sites=frozenset(e.capped_sites),
        show_branding=not e.features.remove_branding,
        ab_tests=e.features.ab_tests,
        holdout=e.features.holdout,
        origin="billing",
    )
