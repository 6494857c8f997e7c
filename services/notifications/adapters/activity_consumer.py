"""Kafka entry point: the `activity` topic (ActivityRecorded / ActivityRetracted) into the service layer."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from confluent_kafka import Consumer, Message

from shared.kafka_bus import EventConsumer, ReceivedEvent
from socialproof.events.v1 import activity_pb2

log = logging.getLogger(__name__)

ACTIVITY_TOPIC = "activity"
#: Messages handled per poll at most (each still one at a time, in order).
BATCH = 200


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


class ActivityConsumer(EventConsumer):
    """EventConsumer whose poll hands over every message already fetched (up to BATCH), and whose offsets
    are committed once per such batch: under load, the thread hops for poll and commit per message cost
    more CPU than storing the activity. Each message is still handled alone and in order (retries, DLQ,
    dedupe by event id as in EventConsumer); the poll never waits for a batch to fill (the first message
    is handed over as soon as it is there), so latency is unchanged. A crash before the commit
    redelivers the batch, which the event-id dedupe absorbs (at least once, as before)."""

    async def run(self) -> None:
        async with self._session() as (call, consumer):
            while not self._stopping.is_set():
                messages: list[Message] = await call(_take, consumer, self.poll_timeout)
                usable = [m for m in messages if not self._is_error(m)]
                if not usable:
                    continue
                for msg in usable:
                    await self._handle(msg)
                await self._commit_all(call, consumer, usable)

    async def _commit_all(self, call: Any, consumer: Consumer, messages: list[Message]) -> None:
        committed = await self._commit_batch(call, consumer, messages)
        for (topic, partition), offset in (committed or {}).items():
            self.stats.last_commit[(topic, partition)] = offset


def _take(consumer: Consumer, timeout: float) -> list[Message]:
    """On the consumer's thread: waits up to `timeout` for one message, then takes the ones already
    fetched behind it without waiting."""
    first = consumer.poll(timeout)
    if first is None:
        return []
    return [first, *consumer.consume(BATCH - 1, 0)]


def activity_consumer(
    bootstrap_servers: str,
    sink: ActivitySink,
    *,
    topic: str = ACTIVITY_TOPIC,
    group_id: str = "notifications",
    fast_group_join: bool = False,
) -> EventConsumer:
    return ActivityConsumer(
        bootstrap_servers,
        group_id=group_id,
        topics=[topic],
        handler=activity_handler(sink),
        client_id="notifications",
        fast_group_join=fast_group_join,
    )
