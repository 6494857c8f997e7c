"""Use cases of the Zapier app: REST hooks on the outbound delivery machinery, samples, create activity."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.domain import normalize, outbound, signatures, values
from services.integrations.service import (
    SAMPLES_ORDER,
    ZAPIER_HOOK_KIND,
    ZAPIER_TRIGGERS,
    ConnectionRecord,
    IntegrationsService,
    zapier_sample,
)
from shared.errors import NotFound, validate
from socialproof.events.v1.activity_pb2 import ActivityEvent, ActivityKind, ActivitySource
from socialproof.events.v1.integrations_events_pb2 import ConnectionStatus, IntegrationProvider
from socialproof.integrations.v1.webhooks_pb2 import WebhookOutcome
from socialproof.integrations.v1.zapier_pb2 import ZapierSample

ZAPIER = IntegrationProvider.INTEGRATION_PROVIDER_ZAPIER
DEFAULT_SAMPLES = 3
MAX_SAMPLES = 25


@dataclass(frozen=True)
class ZapierHookRecord:
    id: str
    org_id: str
    site_id: str
    target_url: str
    event_type: int
    activity_kinds: list[int]
    created_at: datetime
    last_delivery_at: datetime | None

    @property
    def name(self) -> str:
        return f"organizations/{self.org_id}/sites/{self.site_id}/zapierHooks/{self.id}"


def _check_trigger(event_type: int, field: str, v: Any) -> None:
    v.check(
        event_type in ZAPIER_TRIGGERS,
        field,
        "must be ACTIVITY_RECORDED, ACTIVITY_RETRACTED or FORM_SUBMITTED",
    )


class Zapier:
    def __init__(self, core: IntegrationsService) -> None:
        self.core = core

    # ---- REST hooks ----------------------------------------------------------------------------

    async def subscribe(
        self, org_id: str, site_id: str, target_url: str, event_type: int, activity_kinds: Sequence[int]
    ) -> ZapierHookRecord:
        with validate("Invalid Zapier hook") as v:
            if v.require(target_url, "zapier_hook.target_url"):
                v.check(len(target_url) <= 2048, "zapier_hook.target_url", "at most 2048 characters")
                self.core._check_endpoint(target_url, "zapier_hook.target_url", v)
            _check_trigger(event_type, "zapier_hook.event_type", v)
            for index, kind in enumerate(activity_kinds):
                v.check(
                    kind in ActivityKind.values() and kind > 0,
                    f"zapier_hook.activity_kinds[{index}]",
                    "unknown kind",
                )
        hook_id = str(uuid.uuid4())
        # The outbound machinery signs every body; Zapier ignores the signature (its URL is the secret),
        # but the row still needs a sealed secret, and a signed body costs nothing.
        secret = "whsec_" + uuid.uuid4().hex
        async with self.core.db.tenant_session(org_id) as session:
            await session.execute(
                text(
                    "INSERT INTO webhook_subscriptions (id, org_id, endpoint_url, event_types, description, "
                    "enabled, secret_enc, secret_hint, max_attempts, kind, site_id, activity_kinds) VALUES "
                    "(:id, :org, :url, :types, 'Zapier', true, :secret, :hint, :max, :kind, :site, :kinds)"
                ),
                {
                    "id": hook_id,
                    "org": org_id,
                    "url": target_url,
                    "types": [event_type],
                    "secret": self.core._seal(org_id, hook_id, secret),
                    "hint": secret[-4:],
                    "max": outbound.DEFAULT_MAX_ATTEMPTS,
                    "kind": ZAPIER_HOOK_KIND,
                    "site": site_id,
                    "kinds": list(activity_kinds),
                },
            )
            return await self._hook(session, org_id, site_id, hook_id)

    async def _hook(self, session: AsyncSession, org_id: str, site_id: str, hook_id: str) -> ZapierHookRecord:
        row = (
            await session.execute(
                text(
                    "SELECT id::text, endpoint_url, event_types, activity_kinds, created_at, "
                    "last_delivery_at FROM webhook_subscriptions WHERE id = :id AND org_id = :org "
                    "AND site_id = :site AND kind = :kind"
                ),
                {"id": hook_id, "org": org_id, "site": site_id, "kind": ZAPIER_HOOK_KIND},
            )
        ).one_or_none()
        if row is None:
            raise NotFound("Zapier hook not found", reason="ZAPIER_HOOK_NOT_FOUND")
        return ZapierHookRecord(row[0], org_id, site_id, row[1], row[2][0], list(row[3]), row[4], row[5])

    async def get_hook(self, org_id: str, site_id: str, hook_id: str) -> ZapierHookRecord:
        async with self.core.db.tenant_session(org_id) as session:
            return await self._hook(session, org_id, site_id, hook_id)

    async def unsubscribe(self, org_id: str, site_id: str, hook_id: str) -> None:
        async with self.core.db.tenant_session(org_id) as session:
            await self._hook(session, org_id, site_id, hook_id)
            await self.core._cancel_pending(session, hook_id)
            await session.execute(text("DELETE FROM webhook_subscriptions WHERE id = :id"), {"id": hook_id})

    # ---- samples -------------------------------------------------------------------------------

    async def samples(self, org_id: str, site_id: str, event_type: int, page_size: int) -> list[ZapierSample]:
        with validate("Invalid sample request") as v:
            _check_trigger(event_type, "event_type", v)
            v.check(0 <= page_size <= MAX_SAMPLES, "page_size", f"must be 0..{MAX_SAMPLES}")
        size = page_size or DEFAULT_SAMPLES
        async with self.core.db.tenant_session(org_id) as session:
            rows = (
                (
                    await session.execute(
                        text(
                            "SELECT sample FROM recent_events WHERE org_id = :org AND site_id = :site "  # noqa: S608 - constants
                            f"AND event_type = :type ORDER BY {SAMPLES_ORDER} LIMIT :limit"
                        ),
                        {"org": org_id, "site": site_id, "type": event_type, "limit": size},
                    )
                )
                .scalars()
                .all()
            )
        found = [ZapierSample.FromString(bytes(r)) for r in rows]
        return found or [self._demo(event_type)]

    def _demo(self, event_type: int) -> ZapierSample:
        """One clearly-marked test item so a zap can be set up before the site has any activity."""
        now = datetime.now(UTC)
        demo = ActivityEvent(
            activity_id="00000000-0000-0000-0000-000000000000",
            kind=ActivityKind.ACTIVITY_KIND_PURCHASE,
            source=ActivitySource.ACTIVITY_SOURCE_DEMO,
            source_ref="demo",
            test=True,
        )
        demo.actor.first_name, demo.actor.last_initial = "Jana", "N"
        demo.location.city, demo.location.country_code = "Brno", "CZ"
        demo.product.name = "Trail Shoes"
        demo.occurred_at.FromDatetime(now)
        sample = ZapierSample(id=demo.activity_id, event_type=event_type, activity=demo)  # type: ignore[arg-type]
        sample.occurred_at.FromDatetime(now)
        return sample

    # ---- create activity -----------------------------------------------------------------------

    async def _connection(self, org_id: str, site_id: str) -> ConnectionRecord:
        """The site's Zapier connection, created on first use (one per site, race-free)."""
        async with self.core.db.tenant_session(org_id) as session:
            await session.execute(
                text(
                    "INSERT INTO connections (id, org_id, site_id, provider, display_name, enabled, status) "
                    "VALUES (:id, :org, :site, :provider, 'Zapier', true, :status) "
                    "ON CONFLICT (site_id) WHERE provider = 4 DO NOTHING"
                ),
                {
                    "id": str(uuid.uuid4()),
                    "org": org_id,
                    "site": site_id,
                    "provider": ZAPIER,
                    "status": ConnectionStatus.CONNECTION_STATUS_ACTIVE,
                },
            )
            found = (
                await session.execute(
                    text(
                        "SELECT id::text FROM connections WHERE site_id = :site AND org_id = :org "
                        "AND provider = 4"
                    ),
                    {"site": site_id, "org": org_id},
                )
            ).scalar_one()
            return await self.core._load(session, org_id, found)

    async def create_activity(
        self, org_id: str, site_id: str, given: ActivityEvent, request_id: str
    ) -> tuple[ActivityEvent, bool]:
        """(the activity, created now); a replay with the same request id / source_ref creates nothing."""
        with validate("Invalid activity") as v:
            v.check(given.kind in ActivityKind.values() and given.kind > 0, "activity.kind", "is required")
            if given.kind == ActivityKind.ACTIVITY_KIND_CUSTOM:
                v.check(
                    0 < len(given.custom_kind) <= 50, "activity.custom_kind", "1-50 characters for CUSTOM"
                )
            v.check(len(request_id) <= 200, "request_id", "at most 200 characters")
            v.check(len(given.source_ref) <= 200, "activity.source_ref", "at most 200 characters")
            v.check(len(given.actor.first_name) <= 50, "activity.actor.first_name", "at most 50 characters")
            v.check(len(given.actor.last_initial) <= 1, "activity.actor.last_initial", "one letter")
            v.check(len(given.product.name) <= 200, "activity.product.name", "at most 200 characters")
            for key in ("url", "image_url"):
                link = getattr(given.product, key)
                v.check(
                    not link or values.https_url(link) == link,
                    f"activity.product.{key}",
                    "absolute http(s) URL",
                )
            if given.HasField("amount"):
                v.check(
                    given.amount.amount_minor >= 0, "activity.amount.amount_minor", "must not be negative"
                )
                v.check(
                    len(given.amount.currency_code) == 3, "activity.amount.currency_code", "ISO 4217 code"
                )
            v.check(len(given.attributes) <= 20, "activity.attributes", "at most 20 attributes")
        conn = await self._connection(org_id, site_id)
        now = datetime.now(UTC)
        activity = ActivityEvent()
        activity.CopyFrom(given)
        # Set by the server: Zapier data is the customer's word, never proof, hence never verified.
        activity.source = ActivitySource.ACTIVITY_SOURCE_ZAPIER
        activity.source_ref = given.source_ref or request_id or str(uuid.uuid4())
        activity.connection_id = conn.id
        activity.activity_id = normalize.activity_id(conn.id, activity.source_ref)
        activity.verified = False
        activity.received_at.FromDatetime(now)
        if not given.HasField("occurred_at"):
            activity.occurred_at.FromDatetime(now)
        result = await self.core._accept(
            conn,
            normalize.Normalized(activities=[activity], test=activity.test),
            WebhookOutcome.WEBHOOK_OUTCOME_ACCEPTED,
            "",
            "zapier/create_activity",
            activity.source_ref,
            0,
            signatures.Verified(),
        )
        return activity, result.outcome == WebhookOutcome.WEBHOOK_OUTCOME_ACCEPTED


__all__ = ["Zapier", "ZapierHookRecord", "zapier_sample"]
