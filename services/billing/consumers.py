"""Billing's second entry point: consumers of `usage` (UsageRecorded) and `users` (OrganizationCreated,
OrganizationDeleted, OrganizationRestored)."""

from __future__ import annotations

from datetime import UTC

from services.billing.service import Billing
from shared.kafka_bus import Handler, ReceivedEvent
from socialproof.events.v1 import billing_events_pb2, users_events_pb2


def usage_handler(billing: Billing) -> Handler:
    async def handle(event: ReceivedEvent) -> None:
        if event.envelope.event_type != billing_events_pb2.UsageRecorded.DESCRIPTOR.full_name:
            return
        usage = event.payload(billing_events_pb2.UsageRecorded)
        # Idempotency lives in Postgres (processed_events, same transaction as the totals).
        await billing.record_usage(
            event.event_id,
            usage.org_id or event.envelope.org_id,
            usage.site_id or event.envelope.site_id,
            usage.counted_impressions,
            usage.excluded_bot_impressions,
            usage.window_start_time.ToDatetime(tzinfo=UTC)
            if usage.HasField("window_start_time")
            else event.envelope.occurred_at.ToDatetime(tzinfo=UTC),
        )

    return handle


def users_handler(billing: Billing) -> Handler:
    async def handle(event: ReceivedEvent) -> None:
        kind = event.envelope.event_type
        if kind == users_events_pb2.OrganizationCreated.DESCRIPTOR.full_name:
            created = event.payload(users_events_pb2.OrganizationCreated)
            await billing.open_account(
                event.event_id,
                created.org_id,
                created.display_name,
                created.billing_email,
                created.create_time.ToDatetime(tzinfo=UTC),
            )
        elif kind == users_events_pb2.OrganizationDeleted.DESCRIPTOR.full_name:
            deleted = event.payload(users_events_pb2.OrganizationDeleted)
            await billing.close_account(
                event.event_id,
                deleted.org_id or event.envelope.org_id,
                purged=deleted.stage == users_events_pb2.ORGANIZATION_DELETION_STAGE_PURGED,
            )
        elif kind == users_events_pb2.OrganizationRestored.DESCRIPTOR.full_name:
            restored = event.payload(users_events_pb2.OrganizationRestored)
            await billing.reopen_account(event.event_id, restored.org_id or event.envelope.org_id)

    return handle
