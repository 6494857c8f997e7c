"""The notifications service's events: written to the outbox with the change, then relayed to Kafka."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifications.adapters.postgres import delete_published_before, mark_published, pending_outbox
from shared.db import Database
from shared.kafka_bus import EventProducer
from shared.outbox import OutboxRelay
from socialproof.events.v1.envelope_pb2 import EventEnvelope

__all__ = ["BATCH", "KEEP_PUBLISHED", "PRUNE_SECONDS", "OutboxRelay", "notifications_outbox_relay"]

#: Rows per batch (one SELECT … FOR UPDATE SKIP LOCKED, publishes in row order, one UPDATE).
BATCH = 100
#: Published rows are kept this long (for inspection after an incident), then deleted.
KEEP_PUBLISHED = timedelta(days=7)
#: How often published rows past KEEP_PUBLISHED are deleted (a scan of the table, so not every pass).
PRUNE_SECONDS = 60.0


def notifications_outbox_relay(
    db: Database, producer: EventProducer, *, interval: float = 2.0
) -> OutboxRelay:
    """The shared relay over the notifications outbox. A committed change `kick()`s it, so no RPC waits
    for Kafka; it also polls every `interval` for what a crash or an outage left behind."""

    async def relay_batch(limit: int) -> int:
        async with db.session() as session:
            rows = await pending_outbox(session, limit)
            for _, topic, key, envelope in rows:
                await producer.publish(topic, EventEnvelope.FromString(envelope), key=key)
            if rows:
                await mark_published(session, [row[0] for row in rows])
        return len(rows)

    async def prune_published() -> None:
        async with db.session() as session:
            await delete_published_before(session, datetime.now(UTC) - KEEP_PUBLISHED)

    return OutboxRelay(
        relay_batch,
        name="notifications-outbox-relay",
        batch_size=BATCH,
        poll_seconds=interval,
        housekeeping=prune_published,
        housekeeping_seconds=PRUNE_SECONDS,
    )
