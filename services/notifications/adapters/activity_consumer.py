"""Kafka entry point: the `activity` topic (ActivityRecorded / ActivityRetracted) into the service layer."""

from __future__ import annotations

import logging
from typing import Protocol

from shared.kafka_bus import EventConsumer, ReceivedEvent
from socialproof.events.v1 import activity_pb2

log = logging.getLogger(__name__)

ACTIVITY_TOPIC = "activity"


class ActivitySink(Protocol):
    async def record_activity_event(
        self, event_id: str, org_id: str, payload: activity_pb2.ActivityRecorded
    ) -> bool: ...

    async def retract_activity_event(
        self, event_id: str, org_id: str, payload: activity_pb2.ActivityRetracted
    ) -> bool: ...


#: The envelope producer of activities this service published itself (partner API `CreateActivity`).
OWN_PRODUCER = "notifications"


def activity_handler(sink: ActivitySink):  # type: ignore[no-untyped-def]
    """Dispatches by envelope type; deduplication happens in the same DB transaction as the effect.

    An ActivityRecorded this service published itself is skipped: it is published only after the
    activity was stored (CreateActivity), so consuming it again would only be a duplicate to reject,
    at the cost of a transaction and a decryption per partner activity."""

    async def handle(event: ReceivedEvent) -> None:
        envelope = event.envelope
        if envelope.event_type == activity_pb2.ActivityRecorded.DESCRIPTOR.full_name:
            if envelope.producer == OWN_PRODUCER:
                return
            await sink.record_activity_event(
                envelope.event_id, envelope.org_id, event.payload(activity_pb2.ActivityRecorded)
            )
        elif envelope.event_type == activity_pb2.ActivityRetracted.DESCRIPTOR.full_name:
            await sink.retract_activity_event(
                envelope.event_id, envelope.org_id, event.payload(activity_pb2.ActivityRetracted)
            )
        else:
            log.info("ignoring event type", extra={"event_type": envelope.event_type})

    return handle


def activity_consumer(
    bootstrap_servers: str,
    sink: ActivitySink,
    *,
    topic: str = ACTIVITY_TOPIC,
    group_id: str = "notifications",
    fast_group_join: bool = False,
) -> EventConsumer:
    return EventConsumer(
        bootstrap_servers,
        group_id=group_id,
        topics=[topic],
        handler=activity_handler(sink),
        client_id="notifications",
        fast_group_join=fast_group_join,
    )
