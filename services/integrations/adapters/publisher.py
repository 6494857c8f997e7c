"""Publishes activities and retractions to the Kafka `activity` topic via shared.kafka_bus."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from shared import telemetry
from shared.kafka_bus import (
    HEADER_EVENT_ID,
    HEADER_EVENT_TYPE,
    EventEnvelope,
    EventProducer,
    Headers,
    make_envelope,
    message_key,
)
from socialproof.events.v1.activity_pb2 import ActivityEvent, ActivityRecorded, ActivityRetracted

# Envelope ids derive from the fact, so a re-published fact carries the same event id and the
# consumers' event-id dedupe drops it.
EVENT_NAMESPACE = uuid.UUID("0b6c2f7e-1d43-4a8e-9a57-7f3c1e2d9b10")


class ActivityPublisher(Protocol):
    async def recorded(self, org_id: str, site_id: str, activity: ActivityEvent) -> None: ...

    async def retracted(self, org_id: str, retraction: ActivityRetracted, idempotency_key: str) -> None: ...

    def recorded_envelope(self, org_id: str, site_id: str, activity: ActivityEvent) -> EventEnvelope: ...

    def retracted_envelope(
        self, org_id: str, retraction: ActivityRetracted, idempotency_key: str
    ) -> EventEnvelope: ...

    def staged(self, envelope: EventEnvelope) -> tuple[str, bytes]: ...

    async def publish_staged(self, key: str, value: bytes) -> None: ...

    async def publish_staged_batch(self, rows: Sequence[tuple[str, bytes]]) -> None: ...


class KafkaActivityPublisher:
    def __init__(self, producer: EventProducer, topic: str) -> None:
        self._producer = producer
        self._topic = topic

    async def recorded(self, org_id: str, site_id: str, activity: ActivityEvent) -> None:
        await self._producer.publish(self._topic, self.recorded_envelope(org_id, site_id, activity))

    async def retracted(self, org_id: str, retraction: ActivityRetracted, idempotency_key: str) -> None:
        envelope = self.retracted_envelope(org_id, retraction, idempotency_key)
        await self._producer.publish(self._topic, envelope)

    # ---- the outbox (webhooks): envelopes are staged in the delivery's transaction, sent later ----

    @staticmethod
    def staged(envelope: EventEnvelope) -> tuple[str, bytes]:
        """(message key, serialized envelope) for the outbox, with the request's trace context."""
        trace: dict[str, str] = {}
        telemetry.inject_context(trace)
        envelope.trace_context.update(trace)
        return message_key(envelope), envelope.SerializeToString()

    async def publish_staged(self, key: str, value: bytes) -> None:
        """Publishes one outbox row and waits for the broker."""
        await self.publish_staged_batch([(key, value)])

    async def publish_staged_batch(self, rows: Sequence[tuple[str, bytes]]) -> None:
        """Publishes outbox rows in order, as staged (the envelope's bytes, with the event id and type
        headers EventProducer.publish adds; the trace context is the staging request's, inside the
        envelope), and waits until the broker has all of them: one wake-up of the loop per batch."""
        messages: list[tuple[bytes | None, bytes | None, Headers]] = []
        for key, value in rows:
            envelope = EventEnvelope.FromString(value)
            headers: Headers = [
                (HEADER_EVENT_ID, envelope.event_id.encode()),
                (HEADER_EVENT_TYPE, envelope.event_type.encode()),
            ]
            messages.append((value, key.encode(), headers))
        await self._producer.publish_raw_batch(self._topic, messages)

    def recorded_envelope(self, org_id: str, site_id: str, activity: ActivityEvent) -> EventEnvelope:
        key = f"{activity.source}:{activity.connection_id}:{activity.source_ref}"
        return make_envelope(
            ActivityRecorded(site_id=site_id, activity=activity),
            org_id,
            site_id,
            idempotency_key=activity.source_ref,
            occurred_at=activity.occurred_at,
            producer="integrations",
            event_id=str(uuid.uuid5(EVENT_NAMESPACE, "recorded:" + key)),
        )

    def retracted_envelope(
        self, org_id: str, retraction: ActivityRetracted, idempotency_key: str
    ) -> EventEnvelope:
        return make_envelope(
            retraction,
            org_id,
            retraction.site_id,
            idempotency_key=idempotency_key,
            occurred_at=retraction.retracted_at,
            producer="integrations",
            event_id=str(uuid.uuid5(EVENT_NAMESPACE, "retracted:" + idempotency_key)),
        )
