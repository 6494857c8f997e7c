"""Refresh-ahead of billing entitlements (fake billing, fake clock): a near-expiry hit refreshes once in the
background, concurrent hits do not stampede, a failed refresh keeps the answer."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import duration_pb2

from services.notifications.adapters.entitlements import BillingEntitlements
from socialproof.billing.v1 import entitlement_pb2

ORG = "0b7f2a52-6a8f-4d87-9a4e-5d1c2f0e9a11"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeBilling:
    """GetEntitlements with a 60 s cache_ttl; calls can be held open (gate) or made to fail."""

    def __init__(self) -> None:
        self.calls = 0
        self.serving_allowed = False
        self.fail = False
        self.gate: asyncio.Event | None = None

    async def GetEntitlements(
        self,
        request: entitlement_pb2.GetEntitlementsRequest,
        *,
        timeout: float,
    ) -> entitlement_pb2.GetEntitlementsResponse:
        assert request.name == f"organizations/{ORG}/entitlements"
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "billing down"
            )
        return entitlement_pb2.GetEntitlementsResponse(
            entitlements=entitlement_pb2.Entitlements(serving_allowed=self.serving_allowed),
            cache_ttl=duration_pb2.Duration(seconds=60),
        )


@pytest.fixture
def billing() -> FakeBilling:
    return FakeBilling()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def source(billing: FakeBilling, clock: Clock) -> BillingEntitlements:
    return BillingEntitlements(stub=billing, clock=clock)


async def settle(source: BillingEntitlements) -> None:
    await asyncio.gather(*source.refreshing.values())


async def test_near_expiry_hit_answers_at_once_and_refreshes_once_in_background(
    source: BillingEntitlements, billing: FakeBilling, clock: Clock
) -> None:
    first = await source.for_org(ORG)
    assert (first.origin, first.serving_allowed, billing.calls) == ("billing", False, 1)
    clock.now += 47  # 13 s left of 60: not yet in the last 20 %
    assert (await source.for_org(ORG)).origin == "cache"
    assert not source.refreshing and billing.calls == 1

    clock.now += 2  # 11 s left: the last 20 %
    billing.serving_allowed = True  # e.g. the quota reset: the refresh brings the new answer
    billing.gate = asyncio.Event()
    hit = await asyncio.wait_for(source.for_org(ORG), 1)  # answered while billing is still asked
    assert (hit.origin, hit.serving_allowed) == ("cache", False)
    assert list(source.refreshing) == [ORG]
    await asyncio.sleep(0)
    assert billing.calls == 2
    billing.gate.set()
    await settle(source)
    assert not source.refreshing and billing.calls == 2

    # The refreshed answer runs a new TTL from the refresh: no call until its own last 20 %.
    clock.now += 45
    after = await source.for_org(ORG)
    assert (after.origin, after.serving_allowed) == ("cache", True)
    assert not source.refreshing and billing.calls == 2


async def test_concurrent_hits_start_one_refresh_and_concurrent_misses_one_call(
    source: BillingEntitlements, billing: FakeBilling, clock: Clock
) -> None:
    billing.gate = asyncio.Event()
    misses = [asyncio.create_task(source.for_org(ORG)) for _ in range(20)]
    await asyncio.sleep(0.01)
    billing.gate.set()
    assert {e.origin for e in await asyncio.gather(*misses)} <= {"billing", "cache"}
    assert billing.calls == 1

    clock.now += 55
    billing.gate = asyncio.Event()
    hits = await asyncio.gather(*(source.for_org(ORG) for _ in range(50)))
    assert {h.origin for h in hits} == {"cache"}
    await asyncio.sleep(0)
    assert len(source.refreshing) == 1 and billing.calls == 2
    more = await asyncio.gather(*(source.for_org(ORG) for _ in range(50)))  # still in flight
    assert {h.origin for h in more} == {"cache"} and billing.calls == 2
    billing.gate.set()
    await settle(source)
    assert billing.calls == 2


async def test_failed_refresh_keeps_the_answer_and_backs_off(
    source: BillingEntitlements, billing: FakeBilling, clock: Clock
) -> None:
    assert (await source.for_org(ORG)).serving_allowed is False  # a capped org: not the fallback answer
    billing.fail = True
    clock.now += 50
    assert (await source.for_org(ORG)).origin == "cache"
    await settle(source)
    assert billing.calls == 2
    kept = await source.for_org(ORG)
    assert (kept.origin, kept.serving_allowed) == ("cache", False)
    clock.now += 2  # within the pause after a failure: no new attempt on every use
    await source.for_org(ORG)
    assert not source.refreshing and billing.calls == 2
    clock.now += 4  # 5 s after the failure, still before expiry: one more background attempt
    await source.for_org(ORG)
    await settle(source)
    assert billing.calls == 3

    clock.now += 10  # expired, billing still down: the last known answer, never the fallback
    last = await source.for_org(ORG)
    assert (last.origin, last.serving_allowed, billing.calls) == ("last_known", False, 4)


async def test_answer_fetched_across_an_invalidation_is_not_kept_as_fresh(
    source: BillingEntitlements, billing: FakeBilling, clock: Clock
) -> None:
    await source.for_org(ORG)
    clock.now += 50
    billing.gate = asyncio.Event()
    await source.for_org(ORG)  # starts the background refresh
    await asyncio.sleep(0)
    source.invalidate(ORG)  # PlanChanged arrives while billing is being asked
    billing.gate.set()
    await settle(source)
    billing.gate = None
    assert billing.calls == 2
    again = await source.for_org(ORG)  # asks billing again rather than trusting the older answer
    assert (again.origin, billing.calls) == ("billing", 3)
