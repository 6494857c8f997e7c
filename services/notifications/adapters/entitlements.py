"""Plan entitlements from billing over the mesh, cached, with the last known answer when billing is down."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
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


class _EntitlementsStub(Protocol):
    async def GetEntitlements(
        self,
        request: entitlement_pb2.GetEntitlementsRequest,
        *,
        timeout: float,  # noqa: ASYNC109 - the gRPC stub's signature
    ) -> entitlement_pb2.GetEntitlementsResponse: ...


@dataclass(slots=True)
class _Cached:
    answer: FeedEntitlements
    #: Monotonic instant after which the answer is not used as fresh (0: dropped by an event).
    expires: float
    #: From this instant on, a use of the answer starts one background refresh (refresh-ahead).
    refresh_from: float


class BillingEntitlements:
    """EntitlementService.GetEntitlements through the sidecar, cached for cache_ttl (bounded).

    Refresh-ahead: an answer used in the last `refresh_ahead` share of its TTL is returned at once and
    refreshed by one background task per org, so an org asking at least that often never waits for
    billing. Failures keep the answer (until its expiry; after that it is the last known answer).
    """

    def __init__(
        self,
        channel: grpc.aio.Channel | None = None,
        *,
        stub: _EntitlementsStub | None = None,
        timeout: float = 0.3,
        min_ttl: float = 5.0,
        max_ttl: float = 300.0,
        retry_after_failure: float = 5.0,
        refresh_ahead: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if stub is None:
            if channel is None:
                raise ValueError("BillingEntitlements needs a channel to billing or a stub")
            stub = entitlement_pb2_grpc.EntitlementServiceStub(channel)  # type: ignore[assignment]
        assert stub is not None
        self._stub = stub
        self._timeout, self._min_ttl, self._max_ttl = timeout, min_ttl, max_ttl
        self._retry_after_failure, self._refresh_ahead = retry_after_failure, refresh_ahead
        self._clock = clock
        self._cache: dict[str, _Cached] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        #: Bumped by invalidate(): an answer fetched across an invalidation is not cached as fresh.
        self._generation: dict[str, int] = {}
        #: The one background refresh per org (a strong reference, or the loop may drop the task).
        self.refreshing: dict[str, asyncio.Task[None]] = {}

    def invalidate(self, org_id: str) -> None:
        """Drop the cached answer (on PlanChanged, QuotaExceeded…); it stays as the last known answer."""
        self._generation[org_id] = self._generation.get(org_id, 0) + 1
        cached = self._cache.get(org_id)
        if cached is not None:
            cached.expires = cached.refresh_from = 0.0

    async def for_org(self, org_id: str) -> FeedEntitlements:
        now = self._clock()
        cached = self._cache.get(org_id)
        if cached is not None and cached.expires > now:
            if now >= cached.refresh_from and org_id not in self.refreshing:
                self.refreshing[org_id] = asyncio.create_task(self._refresh(org_id))
            return replace(cached.answer, origin="cache")
        async with self._lock(org_id):  # one request to billing per org at a time, however many feeds miss
            cached = self._cache.get(org_id)
            if cached is not None and cached.expires > self._clock():
                return replace(cached.answer, origin="cache")
            fresh = await self._fetch(org_id)
            if fresh is not None:
                return fresh
            known = cached.answer if cached is not None else FALLBACK
            # Remember the failure briefly so an outage does not add a timeout to every feed miss.
            until = self._clock() + self._retry_after_failure
            self._cache[org_id] = _Cached(known, expires=until, refresh_from=until)
            return replace(known, origin="last_known" if cached else "fallback")

    def _lock(self, org_id: str) -> asyncio.Lock:
        return self._locks.setdefault(org_id, asyncio.Lock())

    async def _refresh(self, org_id: str) -> None:
        try:
            async with self._lock(org_id):
                cached = self._cache.get(org_id)
                if cached is None or cached.refresh_from > self._clock():
                    return  # a request refreshed it meanwhile
                if await self._fetch(org_id) is None and cached is self._cache.get(org_id):
                    # Keep the answer until it expires; try again after a pause, not on every use.
                    cached.refresh_from = min(cached.expires, self._clock() + self._retry_after_failure)
        except Exception:
            log.exception("background entitlements refresh failed", extra={"org_id": org_id})
        finally:
            self.refreshing.pop(org_id, None)

    async def _fetch(self, org_id: str) -> FeedEntitlements | None:
        """Asks billing and caches the answer; None when billing did not answer."""
        generation = self._generation.get(org_id, 0)
        try:
            response = await self._stub.GetEntitlements(
                entitlement_pb2.GetEntitlementsRequest(name=f"organizations/{org_id}/entitlements"),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            log.warning(
                "billing entitlements unavailable", extra={"org_id": org_id, "code": error.code().name}
            )
            return None
        fresh = _from_proto(response.entitlements)
        ttl = response.cache_ttl.ToTimedelta().total_seconds() if response.HasField("cache_ttl") else 60.0
        ttl = min(max(ttl, self._min_ttl), self._max_ttl)
        now = self._clock()
        if self._generation.get(org_id, 0) != generation:
            # Invalidated while asking: this answer may predate the change; use it once, ask again next time.
            self._cache[org_id] = _Cached(fresh, expires=0.0, refresh_from=0.0)
        else:
            refresh_from = now + ttl * (1 - self._refresh_ahead)
            self._cache[org_id] = _Cached(fresh, expires=now + ttl, refresh_from=refresh_from)
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
