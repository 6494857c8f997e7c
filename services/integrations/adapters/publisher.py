"""Publishes activities and retractions to the Kafka `activity` topic via shared.kafka_bus."""

from __future__ import annotations

import uuid
from typing import Protocol

from shared.kafka_bus import EventProducer, make_envelope
from socialproof.events.v1.activity_pb2 import ActivityEvent, ActivityRecorded, ActivityRetracted

# Envelope ids derive from the fact, so a re-published fact carries the same event id and the
# consumers' event-id dedupe drops it.
EVENT_NAMESPACE = uuid.UUID("0b6c2f7e-1d43-4a8e-9a57-7f3c1e2d9b10")


class ActivityPublisher(Protocol):
    async def recorded(self, org_id: str, site_id: str, activity: ActivityEvent) -> None: ...

    async def retracted(self, org_id: str, retraction: ActivityRetracted, idempotency_key: str) -> None: ...


class KafkaActivityPublisher:
    def __init__(self, producer: EventProducer, topic: str) -> None:
        self._producer = producer
        self._topic = topic

    async def recorded(self, org_id: str, site_id: str, activity: ActivityEvent) -> None:
        key = f"{activity.source}:{activity.connection_id}:{activity.source_ref}"
        envelope = make_envelope(
            ActivityRecorded(site_id=site_id, activity=activity),
            org_id,
            site_id,
            idempotency_key=activity.source_ref,
            occurred_at=activity.occurred_at,
            producer="integrations",
            event_id=str(uuid.uuid5(EVENT_NAMESPACE, "recorded:" + key)),
        )
        await self._producer.publish(self._topic, envelope)

    async def retracted(self, org_id: str, retraction: ActivityRetracted, idempotency_key: str) -> None:
        envelope = make_envelope(
            retraction,
            org_id,
            retraction.site_id,
            idempotency_key=idempotency_key,
            occurred_at=retraction.retracted_at,
            producer="integrations",
            event_id=str(uuid.uuid5(EVENT_NAMESPACE, "retracted:" + idempotency_key)),
        )
        await self._producer.publish(self._topic, envelope)
