"""Reads the plan catalog from Postgres; versions are immutable, so they are cached in-process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from services.billing.domain.plans import (
    BillingInterval,
    Plan,
    PlanFeatures,
    PlanLimits,
    PlanPrice,
    PlanTier,
)
from shared.db import Database

_PLANS = text(
    "SELECT slug, version, tier, display_name, description, monthly_impressions, sites, seats,"
    " retention_days, ab_tests, holdout, remove_branding, outbound_webhooks, scheduled_reports,"
    " api_access, trial_days, available, create_time FROM plans"
)
_PRICES = text(
    "SELECT slug, version, billing_interval, amount_minor, currency_code, stripe_plan_id FROM plan_prices"
)


class PlanRepository:
    """The whole catalog is a few dozen rows: it is loaded at once and refreshed every `ttl`
    seconds, so a new version published by a migration on another replica shows up within ttl."""

    def __init__(self, db: Database, *, ttl: float = 60.0) -> None:
        self._db = db
        self._ttl = ttl
        self._plans: dict[tuple[str, int], Plan] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def all_versions(self) -> Sequence[Plan]:
        await self._refresh_if_stale()
        return list(self._plans.values())

    async def current(self, slug: str) -> Plan | None:
        """The version on sale, or else the newest one."""
        versions = [p for p in await self.all_versions() if p.slug == slug]
        if not versions:
            return None
        on_sale = [p for p in versions if p.available]
        return on_sale[0] if on_sale else max(versions, key=lambda p: p.version)

    async def version(self, slug: str, version: int) -> Plan | None:
        plan = self._plans.get((slug, version))
        if plan is None:
            # A version unknown to the cache may have just been added: look once more.
            await self._refresh(force=True)
            plan = self._plans.get((slug, version))
        return plan

    async def by_stripe_plan_id(self, stripe_plan_id: str) -> tuple[Plan, BillingInterval] | None:
        for plan in await self.all_versions():
            for price in plan.prices:
                if price.stripe_plan_id == stripe_plan_id:
                    return plan, price.interval
        return None

    async def _refresh_if_stale(self) -> None:
        if time.monotonic() - self._loaded_at > self._ttl:
            await self._refresh(force=False)

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            if not force and time.monotonic() - self._loaded_at <= self._ttl:
                return
            async with self._db.session() as session:
                plan_rows = (await session.execute(_PLANS)).mappings().all()
                price_rows = (await session.execute(_PRICES)).mappings().all()
            self._plans = _build(plan_rows, price_rows)
            self._loaded_at = time.monotonic()


def _build(plan_rows: Sequence[Any], price_rows: Sequence[Any]) -> dict[tuple[str, int], Plan]:
    prices: dict[tuple[str, int], list[PlanPrice]] = {}
    for row in price_rows:
        prices.setdefault((row["slug"], row["version"]), []).append(
            PlanPrice(
                interval=BillingInterval(row["billing_interval"]),
                amount_minor=int(row["amount_minor"]),
                currency_code=row["currency_code"],
                stripe_plan_id=row["stripe_plan_id"],
            )
        )
    plans: dict[tuple[str, int], Plan] = {}
    for row in plan_rows:
        key = (row["slug"], row["version"])
        plans[key] = Plan(
            slug=row["slug"],
            version=row["version"],
            display_name=row["display_name"],
            description=row["description"],
            tier=PlanTier(row["tier"]),
            limits=PlanLimits(
                monthly_impressions=row["monthly_impressions"],
                sites=row["sites"],
                seats=row["seats"],
                retention_days=row["retention_days"],
            ),
            features=PlanFeatures(
                ab_tests=row["ab_tests"],
                holdout=row["holdout"],
                remove_branding=row["remove_branding"],
                outbound_webhooks=row["outbound_webhooks"],
                scheduled_reports=row["scheduled_reports"],
                api_access=row["api_access"],
            ),
            prices=tuple(sorted(prices.get(key, []), key=lambda p: p.interval)),
            trial_days=row["trial_days"],
            available=row["available"],
            create_time=row["create_time"],
        )
    return plans
