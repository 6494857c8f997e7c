"""The users service's events: written to the outbox with the change, then relayed to Kafka."""

from __future__ import annotations

from services.users.adapters.postgres import Store
from shared.kafka_bus import EventProducer
from shared.outbox import OutboxRelay
from socialproof.events.v1.envelope_pb2 import EventEnvelope

__all__ = ["BATCH", "OutboxRelay", "users_outbox_relay"]

#: Rows per batch (one SELECT … FOR UPDATE SKIP LOCKED, publishes in row order, one UPDATE).
BATCH = 100


def users_outbox_relay(store: Store, producer: EventProducer | None, *, interval: float = 2.0) -> OutboxRelay:
    """The shared relay over the users outbox. The use cases await `flush_quietly()` right after a change
    commits (their events are on Kafka when the RPC returns, unless Kafka is down); the background loop,
    started only with a producer, retries every `interval` whatever a crash or an outage left behind.
    Without a producer (no Kafka configured) nothing is relayed and rows wait in the outbox."""

    async def relay_batch(limit: int) -> int:
        if producer is None:
            return 0
        async with store.tx() as tx:
            rows = await tx.pending_events(limit)
            for row in rows:
                envelope = EventEnvelope.FromString(bytes(row["envelope"]))
                await producer.publish(row["topic"], envelope, key=row["message_key"])
            if rows:
                await tx.mark_published([row["id"] for row in rows])
        return len(rows)

    return OutboxRelay(relay_batch, name="users-outbox-relay", batch_size=BATCH, poll_seconds=interval)
