"""shared.kafka_bus against a real Tansu broker: round trip, redelivery after a crash, DLQ, dedupe."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from confluent_kafka import Consumer, TopicPartition
from google.protobuf.struct_pb2 import Struct
from opentelemetry.sdk.trace import TracerProvider

from shared.kafka_bus import (
    EventConsumer,
    EventProducer,
    Handler,
    PermanentError,
    ReceivedEvent,
    RedisProcessedEvents,
    decode_envelope,
    deduplicated,
    dlq_topic,
    ensure_topics,
    headers_dict,
    make_envelope,
)
from shared.redis_client import create_redis, redis_keys

ORG = "0b4c1f2e-0000-4000-8000-000000000001"
SITE = "site-42"


def _payload(**fields: object) -> Struct:
    payload = Struct()
    payload.update(fields)
    return payload


async def _eventually(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def _running(consumer: EventConsumer) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(consumer.run())
    try:
        yield task
    finally:
        consumer.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 15)


def _consumer(bootstrap: str, group: str, topic: str, handler: Handler, **kwargs: object) -> EventConsumer:
    return EventConsumer(
        bootstrap,
        group_id=group,
        topics=[topic],
        handler=handler,
        fast_group_join=True,
        retry_backoff=0.01,
        **kwargs,  # type: ignore[arg-type]
    )


def _committed(bootstrap: str, group: str, topic: str) -> int:
    probe = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        [tp] = probe.committed([TopicPartition(topic, 0)], timeout=10)
        return tp.offset
    finally:
        probe.close()


async def test_envelope_round_trips_through_the_broker(kafka_bootstrap: str, kafka_topic_prefix: str) -> None:
    topic = kafka_topic_prefix + "activity"
    await ensure_topics(kafka_bootstrap, [topic], partitions=1)
    occurred = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
    envelope = make_envelope(
        _payload(kind="purchase", product="Mug"), ORG, SITE, "order-1001", occurred, producer="integrations"
    )
    tracer = TracerProvider().get_tracer("test")
    async with EventProducer(kafka_bootstrap) as producer:
        with tracer.start_as_current_span("publish") as span:
            delivery = await producer.publish(topic, envelope)
            trace_id = format(span.get_span_context().trace_id, "032x")
    assert (delivery.topic, delivery.partition, delivery.offset) == (topic, 0, 0)

    received: list[ReceivedEvent] = []

    async def handle(event: ReceivedEvent) -> None:
        received.append(event)

    consumer = _consumer(kafka_bootstrap, kafka_topic_prefix + "g", topic, handle)
    async with _running(consumer):
        await _eventually(lambda: bool(received))
    [event] = received
    assert event.key == SITE.encode()
    assert event.envelope.event_type == "google.protobuf.Struct"
    assert event.envelope.event_id == envelope.event_id
    assert (event.envelope.org_id, event.envelope.site_id) == (ORG, SITE)
    assert event.envelope.idempotency_key == "order-1001"
    assert event.envelope.producer == "integrations"
    assert event.envelope.occurred_at.ToDatetime(tzinfo=UTC) == occurred
    assert event.payload(Struct)["product"] == "Mug"
    # Trace context travels in the headers and in the envelope.
    headers = headers_dict(event.headers)
    assert trace_id in headers["traceparent"]
    assert trace_id in event.envelope.trace_context["traceparent"]
    assert headers["event_type"] == "google.protobuf.Struct"
    assert _committed(kafka_bootstrap, kafka_topic_prefix + "g", topic) == 1


async def test_consumer_that_crashes_before_commit_gets_the_message_again(
    kafka_bootstrap: str, kafka_topic_prefix: str
) -> None:
    topic = kafka_topic_prefix + "activity"
    group = kafka_topic_prefix + "g"
    await ensure_topics(kafka_bootstrap, [topic], partitions=1)
    envelope = make_envelope(_payload(n=1), ORG, SITE)
    async with EventProducer(kafka_bootstrap) as producer:
        await producer.publish(topic, envelope)

    started = asyncio.Event()

    async def crash_midway(event: ReceivedEvent) -> None:
        started.set()
        await asyncio.Event().wait()  # the process dies here, before the handler returns

    first = _consumer(kafka_bootstrap, group, topic, crash_midway)
    task = asyncio.create_task(first.run())
    await asyncio.wait_for(started.wait(), 20)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert _committed(kafka_bootstrap, group, topic) < 0  # nothing committed

    received: list[ReceivedEvent] = []

    async def handle(event: ReceivedEvent) -> None:
        received.append(event)

    second = _consumer(kafka_bootstrap, group, topic, handle)
    async with _running(second):
        await _eventually(lambda: bool(received))
    assert received[0].envelope.event_id == envelope.event_id
    assert received[0].offset == 0
    assert _committed(kafka_bootstrap, group, topic) == 1


async def test_poison_messages_go_to_the_dlq_and_the_consumer_keeps_going(
    kafka_bootstrap: str, kafka_topic_prefix: str
) -> None:
    topic = kafka_topic_prefix + "activity"
    group = kafka_topic_prefix + "g"
    await ensure_topics(kafka_bootstrap, [topic], partitions=1)
    async with EventProducer(kafka_bootstrap) as producer:
        await producer.publish_raw(
            topic, b"\x0a\xffnot an envelope", key=b"site-x", headers=[("origin", b"test")]
        )
        await producer.publish(topic, make_envelope(_payload(step="permanent"), ORG, SITE))
        await producer.publish(topic, make_envelope(_payload(step="always-fails"), ORG, SITE))
        good = make_envelope(_payload(step="good"), ORG, SITE)
        await producer.publish(topic, good)

    handled: list[str] = []
    attempts: dict[str, int] = {}

    async def handle(event: ReceivedEvent) -> None:
        step = event.payload(Struct)["step"]
        attempts[step] = attempts.get(step, 0) + 1
        if step == "permanent":
            raise PermanentError("campaign 7 was deleted")
        if step == "always-fails":
            raise ConnectionError("database unavailable")
        handled.append(step)

    consumer = _consumer(kafka_bootstrap, group, topic, handle, max_attempts=3)
    async with _running(consumer):
        await _eventually(lambda: handled == ["good"])
    assert attempts == {"permanent": 1, "always-fails": 3, "good": 1}
    assert consumer.stats.dead_lettered == 3
    assert _committed(kafka_bootstrap, group, topic) == 4

    dead = await asyncio.to_thread(_read_all, kafka_bootstrap, dlq_topic(topic), 3)
    first, second, third = (headers_dict(m[2]) for m in dead)
    assert dead[0][0] == b"\x0a\xffnot an envelope" and dead[0][1] == b"site-x"
    assert first["origin"] == "test"
    assert first["dlq.error.type"] == "InvalidEnvelope"
    assert first["dlq.source.topic"] == topic and first["dlq.source.offset"] == "0"
    assert first["dlq.consumer.group"] == group
    assert (second["dlq.error.type"], second["dlq.error.message"]) == (
        "PermanentError",
        "campaign 7 was deleted",
    )
    assert second["dlq.attempts"] == "1"
    assert (third["dlq.error.type"], third["dlq.attempts"]) == ("ConnectionError", "3")
    # The parked message is the original envelope, byte for byte: it can be replayed as is.
    assert decode_envelope(dead[2][0]).payload.TypeName() == "google.protobuf.Struct"


def _read_all(
    bootstrap: str, topic: str, count: int
) -> list[tuple[bytes, bytes | None, list[tuple[str, bytes]]]]:
    reader = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": topic + ".reader",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 2000,
            "heartbeat.interval.ms": 300,
        }
    )
    reader.subscribe([topic])
    out: list[tuple[bytes, bytes | None, list[tuple[str, bytes]]]] = []
    try:
        for _ in range(200):
            msg = reader.poll(0.2)
            if msg is not None and msg.error() is None:
                out.append((msg.value() or b"", msg.key(), list(msg.headers() or [])))
                if len(out) == count:
                    break
    finally:
        reader.close()
    assert len(out) == count, f"read {len(out)} of {count} messages from {topic}"
    return out


async def test_deduplicated_handler_ignores_a_redelivered_event(
    kafka_bootstrap: str, kafka_topic_prefix: str, redis_url: str
) -> None:
    topic = kafka_topic_prefix + "activity"
    await ensure_topics(kafka_bootstrap, [topic], partitions=1)
    envelope = make_envelope(_payload(n=1), ORG, SITE)
    async with EventProducer(kafka_bootstrap) as producer:
        await producer.publish(topic, envelope)
        await producer.publish(topic, envelope)  # the same event published twice (a producer retry)
        await producer.publish(topic, make_envelope(_payload(n=2), ORG, SITE))

    redis = create_redis(redis_url)
    handled: list[str] = []

    async def handle(event: ReceivedEvent) -> None:
        handled.append(event.event_id)

    processed = RedisProcessedEvents(redis, "feed-builder", keys=redis_keys(redis_url))
    consumer = _consumer(kafka_bootstrap, kafka_topic_prefix + "g", topic, deduplicated(handle, processed))
    try:
        async with _running(consumer):
            await _eventually(lambda: consumer.stats.processed == 3)
        assert len(handled) == 2 and handled[0] == envelope.event_id
        assert await processed.seen(envelope.event_id)
        assert await redis.exists(redis_keys(redis_url)("processed", "feed-builder", envelope.event_id))
    finally:
        await redis.aclose()


def test_envelope_requires_an_org_and_an_aware_time() -> None:
    with pytest.raises(ValueError):
        make_envelope(_payload(), "")
    with pytest.raises(ValueError):
        make_envelope(_payload(), ORG, occurred_at=datetime(2026, 1, 1))
