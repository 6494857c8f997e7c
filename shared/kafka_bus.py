"""The one Kafka bus: EventEnvelope over confluent-kafka, idempotent producer, at-least-once consumer, DLQ."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, cast

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as ProtoMessage
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry import trace

from shared import telemetry
from socialproof.events.v1.envelope_pb2 import EventEnvelope

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from shared.redis_client import RedisKeys

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

P = TypeVar("P", bound=ProtoMessage)

#: Dead-letter topic of topic T is T + DLQ_SUFFIX.
DLQ_SUFFIX = ".dlq"

#: Consumer settings for Tansu and other local brokers: a group join takes max(1 s,
#: session.timeout.ms / 2) there, so the Kafka defaults would delay the first assignment ~23 s.
DEV_CONSUMER_CONFIG: Mapping[str, Any] = {"session.timeout.ms": 2000, "heartbeat.interval.ms": 300}

# Headers every message carries, so tools can route or inspect without decoding the envelope.
HEADER_EVENT_ID = "event_id"
HEADER_EVENT_TYPE = "event_type"

Headers = list[tuple[str, bytes]]


class KafkaBusError(RuntimeError):
    """The bus could not deliver or consume (broker unreachable, fatal client error)."""


class PermanentError(Exception):
    """Raised by a handler for a message that can never succeed: it goes to the DLQ without retries."""


class InvalidEnvelope(PermanentError):
    """The message value is not a usable EventEnvelope."""


# ---- envelopes -------------------------------------------------------------------------------


def make_envelope(
    payload: ProtoMessage,
    org_id: str,
    site_id: str = "",
    idempotency_key: str = "",
    occurred_at: datetime | Timestamp | None = None,
    *,
    producer: str = "",
    schema_version: int = 1,
    event_id: str | None = None,
) -> EventEnvelope:
    """Wrap payload in an EventEnvelope; event_type is the payload's full protobuf name."""
    if not org_id:
        raise ValueError("every event belongs to an organization: org_id is required")
    envelope = EventEnvelope(
        event_id=event_id or str(uuid.uuid4()),
        event_type=payload.DESCRIPTOR.full_name,
        org_id=org_id,
        site_id=site_id,
        schema_version=schema_version,
        producer=producer,
        idempotency_key=idempotency_key,
    )
    if isinstance(occurred_at, Timestamp):
        envelope.occurred_at.CopyFrom(occurred_at)
    else:
        when = occurred_at or datetime.now(UTC)
        if when.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")
        envelope.occurred_at.FromDatetime(when.astimezone(UTC))
    envelope.payload.Pack(payload)
    return envelope


def unpack(envelope: EventEnvelope, message_type: type[P]) -> P:
    """The envelope's payload as message_type; PermanentError if it holds another type."""
    message = message_type()
    if not envelope.payload.Unpack(message):
        raise PermanentError(
            f"payload is {envelope.payload.TypeName()!r}, expected {message_type.DESCRIPTOR.full_name!r}"
        )
    return message


def decode_envelope(value: bytes | None) -> EventEnvelope:
    """Parse a message value; InvalidEnvelope when it is not an envelope with id, type and org."""
    if not value:
        raise InvalidEnvelope("empty message value")
    try:
        envelope = EventEnvelope.FromString(value)
    except DecodeError as exc:
        raise InvalidEnvelope(f"not an EventEnvelope: {exc}") from exc
    missing = [name for name in ("event_id", "event_type", "org_id") if not getattr(envelope, name)]
    if missing:
        raise InvalidEnvelope(f"envelope lacks {', '.join(missing)}")
    return envelope


def message_key(envelope: EventEnvelope) -> str:
    """Kafka key: the site keeps one site's events ordered; org-wide events use the org."""
    return envelope.site_id or envelope.org_id


def dlq_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


# ---- topics ----------------------------------------------------------------------------------


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int = 3,
    replication_factor: int = 1,
    with_dlq: bool = True,
    config: Mapping[str, str] | None = None,
    admin_timeout: float = 15.0,
) -> None:
    """Create topics (and their .dlq topics) that do not exist yet; existing ones are left alone."""
    names = list(dict.fromkeys(topics))
    if with_dlq:
        names += [dlq_topic(t) for t in names if not t.endswith(DLQ_SUFFIX)]
    await asyncio.to_thread(
        _create_topics,
        bootstrap_servers,
        names,
        partitions,
        replication_factor,
        dict(config or {}),
        admin_timeout,
    )


def _create_topics(
    bootstrap_servers: str,
    names: Sequence[str],
    partitions: int,
    replication_factor: int,
    config: dict[str, str],
    timeout: float,
) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    existing = set(admin.list_topics(timeout=timeout).topics)
    wanted = [
        NewTopic(name, num_partitions=partitions, replication_factor=replication_factor, config=config)
        for name in names
        if name not in existing
    ]
    if not wanted:
        return
    for name, future in admin.create_topics(
        wanted, operation_timeout=timeout, request_timeout=timeout
    ).items():
        try:
            future.result(timeout=timeout)
        except KafkaException as exc:
            # Another process may have created it between list_topics and create_topics.
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise KafkaBusError(f"cannot create topic {name}: {exc}") from exc


# ---- producer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """Where a published message was stored."""

    topic: str
    partition: int
    offset: int


class EventProducer:
    """Idempotent producer (acks=all) whose publish() returns once the broker has the message.

    librdkafka reports deliveries from poll(); a background thread polls so the event loop never
    blocks, and hands each report back to the loop that is awaiting it.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str = "socialproof",
        config: Mapping[str, Any] | None = None,
    ) -> None:
        settings: dict[str, Any] = {
            "bootstrap.servers": bootstrap_servers,
            "client.id": client_id,
            # Idempotence makes retries after a lost ack safe (no duplicates, order kept per partition).
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            "compression.type": "lz4",
            "message.timeout.ms": 30000,
            # Brokers close idle connections routinely; librdkafka would log each one as a failure.
            "log.connection.close": False,
        }
        settings.update(config or {})
        self._producer = Producer(settings)
        self._closed = threading.Event()
        self._poller: threading.Thread | None = None
        self._lock = threading.Lock()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def publish(
        self,
        topic: str,
        envelope: EventEnvelope,
        *,
        key: str | None = None,
        headers: Mapping[str, str | bytes] | None = None,
        delivery_timeout: float = 30.0,
    ) -> Delivery:
        """Send envelope to topic keyed by site (or org) and wait until the broker acknowledged it.

        Fills envelope.trace_context from the current span when it is empty.
        """
        trace_headers: dict[str, str] = {}
        telemetry.inject_context(trace_headers)
        if not envelope.trace_context:
            envelope.trace_context.update(trace_headers)
        all_headers: Headers = [
            (HEADER_EVENT_ID, envelope.event_id.encode()),
            (HEADER_EVENT_TYPE, envelope.event_type.encode()),
        ]
        all_headers += [(k, v.encode()) for k, v in trace_headers.items()]
        for name, value in (headers or {}).items():
            all_headers.append((name, value if isinstance(value, bytes) else value.encode()))
        return await self.publish_raw(
            topic,
            envelope.SerializeToString(),
            key=(key or message_key(envelope)).encode(),
            headers=all_headers,
            delivery_timeout=delivery_timeout,
        )

    async def publish_raw(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None,
        headers: Headers,
        delivery_timeout: float = 30.0,
    ) -> Delivery:
        """Send bytes as they are (the DLQ forwards undecodable messages this way)."""
        if self._closed.is_set():
            raise KafkaBusError("producer is closed")
        self._ensure_poller()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Delivery] = loop.create_future()

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            # Runs on the poll thread: hand the result to the waiting loop.
            if err is not None:
                result: Delivery | BaseException = KafkaBusError(f"delivery to {topic} failed: {err}")
            else:
                result = Delivery(msg.topic() or topic, msg.partition() or 0, msg.offset() or 0)
            # A closed loop means nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, done, result)

        await self._produce(topic, value, key, headers, on_delivery)
        try:
            delivery = await asyncio.wait_for(done, delivery_timeout)
        except TimeoutError as exc:
            telemetry.kafka_produced.labels(topic, "failed").inc()
            raise KafkaBusError(f"no delivery report from {topic} within {delivery_timeout} s") from exc
        except KafkaBusError:
            telemetry.kafka_produced.labels(topic, "failed").inc()
            raise
        telemetry.kafka_produced.labels(topic, "delivered").inc()
        return delivery

    async def _produce(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None,
        headers: Headers,
        on_delivery: Callable[[KafkaError | None, Message], None],
    ) -> None:
        """Queues one message; when the local queue is full, lets the poll thread drain it and retries."""
        while True:
            try:
                self._producer.produce(
                    topic, value=value, key=key, headers=cast(Any, headers), on_delivery=on_delivery
                )
                return
            except BufferError:
                await asyncio.sleep(0.05)

    async def publish_raw_batch(
        self,
        topic: str,
        messages: Sequence[tuple[bytes | None, bytes | None, Headers]],
        *,
        delivery_timeout: float = 30.0,
    ) -> None:
        """Sends (value, key, headers) messages in order and returns once the broker acknowledged all of
        them; raises if any failed. Unlike a publish_raw per message, the loop is woken once for the
        whole batch (an outbox relay's batch), not once per delivery report."""
        if not messages:
            return
        if self._closed.is_set():
            raise KafkaBusError("producer is closed")
        self._ensure_poller()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[list[str]] = loop.create_future()
        failures: list[str] = []
        pending = [len(messages)]
        lock = threading.Lock()

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            # Runs on the poll thread; the last report hands the outcome to the waiting loop.
            with lock:
                if err is not None:
                    failures.append(str(err))
                pending[0] -= 1
                last = pending[0] == 0
            if last:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle_batch, done, failures)

        for value, key, headers in messages:
            await self._produce(topic, value, key, headers, on_delivery)
        try:
            failed = await asyncio.wait_for(done, delivery_timeout)
        except TimeoutError as exc:
            telemetry.kafka_produced.labels(topic, "failed").inc(len(messages))
            raise KafkaBusError(f"no delivery report from {topic} within {delivery_timeout} s") from exc
        if failed:
            telemetry.kafka_produced.labels(topic, "failed").inc(len(failed))
            telemetry.kafka_produced.labels(topic, "delivered").inc(len(messages) - len(failed))
            raise KafkaBusError(f"delivery to {topic} failed: {failed[0]} ({len(failed)} of {len(messages)})")
        telemetry.kafka_produced.labels(topic, "delivered").inc(len(messages))

    async def flush(self, wait: float = 10.0) -> int:
        """Wait for queued messages; returns how many are still undelivered."""
        return int(await asyncio.to_thread(self._producer.flush, wait))

    async def close(self, wait: float = 10.0) -> None:
        if self._closed.is_set():
            return
        await self.flush(wait)
        self._closed.set()
        if self._poller is not None:
            await asyncio.to_thread(self._poller.join, 5)
        # Drops the broker connections now rather than whenever the object is collected.
        await asyncio.to_thread(self._producer.close)

    def _ensure_poller(self) -> None:
        with self._lock:
            if self._poller is None:
                self._poller = threading.Thread(
                    target=self._poll_forever, name="kafka-producer-poll", daemon=True
                )
                self._poller.start()

    def _poll_forever(self) -> None:
        while not self._closed.is_set():
            self._producer.poll(0.1)


def _settle_batch(future: asyncio.Future[list[str]], failures: list[str]) -> None:
    if not future.done():
        future.set_result(failures)


def _settle(future: asyncio.Future[Delivery], result: Delivery | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


# ---- consumer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedEvent:
    """One decoded message as a handler sees it."""

    envelope: EventEnvelope
    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    #: 1 on first delivery to this consumer, higher on in-process retries.
    attempt: int = 1

    @property
    def event_id(self) -> str:
        return self.envelope.event_id

    def payload(self, message_type: type[P]) -> P:
        return unpack(self.envelope, message_type)


Handler = Callable[[ReceivedEvent], Awaitable[None]]


@dataclass
class ConsumerStats:
    """Counts since the consumer started (for tests and health pages)."""

    processed: int = 0
    dead_lettered: int = 0
    failed_attempts: int = 0
    last_commit: dict[tuple[str, int], int] = field(default_factory=dict)


async def park_in_dlq(
    producer: EventProducer, msg: Message, error: Exception, *, group_id: str, attempts: int
) -> None:
    """Park msg in <topic>.dlq byte for byte, with headers naming the error and origin (the one DLQ
    format every consumer writes).

    If this fails the exception escapes to the consumer loop: the offset stays uncommitted and the
    message is delivered again after a restart, so nothing is lost.
    """
    topic = msg.topic() or ""
    headers: Headers = message_headers(msg)
    headers += [
        ("dlq.error.type", type(error).__name__.encode()),
        ("dlq.error.message", str(error)[:1000].encode()),
        ("dlq.source.topic", topic.encode()),
        ("dlq.source.partition", str(msg.partition()).encode()),
        ("dlq.source.offset", str(msg.offset()).encode()),
        ("dlq.consumer.group", group_id.encode()),
        ("dlq.attempts", str(attempts).encode()),
        ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
    ]
    await producer.publish_raw(dlq_topic(topic), msg.value(), key=msg.key(), headers=headers)
    telemetry.kafka_messages.labels(topic, group_id, "dead_lettered").inc()
    log.error(
        "kafka message dead-lettered",
        extra={
            "group": group_id,
            "topic": topic,
            "partition": msg.partition(),
            "offset": msg.offset(),
            "error": type(error).__name__,
        },
    )


Call = Callable[..., Awaitable[Any]]


class DeadLetterCount(Protocol):
    """A consumer's statistics: at least how many messages it parked in the DLQ."""

    dead_lettered: int


class GroupMember:
    """What every consumer of a group here shares: the librdkafka settings (manual commits, oldest
    retained message first), one thread for confluent's Consumer (it is not thread-safe), assignment
    tracking, the <topic>.dlq producer, the skip-or-raise rule for error messages and stop().
    Subclasses implement run() with `async with self._session() as (call, consumer)` and set `stats`."""

    stats: DeadLetterCount

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        group_id: str,
        topics: Sequence[str],
        client_id: str,
        fast_group_join: bool,
        config: Mapping[str, Any] | None,
        dlq_producer: EventProducer | None = None,
        create_dlq_topics: bool = True,
        extra_settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.topics = list(topics)
        self.create_dlq_topics = create_dlq_topics
        self._own_dlq_producer = dlq_producer is None
        self._dlq_producer = dlq_producer
        self._client_id = client_id
        self._settings: dict[str, Any] = {
            "bootstrap.servers": bootstrap_servers,
            "group.id": group_id,
            "client.id": client_id,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            # A new group starts from the oldest retained message, not only what arrives after it joined.
            "auto.offset.reset": "earliest",
            "log.connection.close": False,
            **(extra_settings or {}),
        }
        if fast_group_join:
            self._settings.update(DEV_CONSUMER_CONFIG)
        self._settings.update(config or {})
        self._stopping = asyncio.Event()
        self._assigned = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def stop(self) -> None:
        """Ask run() to finish after the work in hand (its offsets are committed first)."""
        self._stopping.set()

    async def wait_assigned(self, within: float = 30.0) -> None:
        """Wait until the group gave this consumer its partitions (useful at start-up and in tests)."""
        await asyncio.wait_for(self._assigned.wait(), within)

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[tuple[Call, Consumer]]:
        """A subscribed Consumer and the `call` that runs its methods on its own thread; closed (the
        group left at once, nothing uncommitted committed) on the way out."""
        self._loop = loop = asyncio.get_running_loop()
        if self.create_dlq_topics:
            await ensure_topics(self.bootstrap_servers, [dlq_topic(t) for t in self.topics], with_dlq=False)
        if self._dlq_producer is None:
            self._dlq_producer = EventProducer(self.bootstrap_servers, client_id=f"{self._client_id}-dlq")
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"kafka-{self.group_id}")

        async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            return await loop.run_in_executor(executor, lambda: fn(*args, **kwargs))

        consumer: Consumer = await call(Consumer, self._settings)
        try:
            await call(consumer.subscribe, self.topics, on_assign=self._on_assign, on_revoke=self._on_revoke)
            yield call, consumer
        finally:
            # Leaving at once moves partitions to other members without waiting for the session timeout.
            await call(consumer.close)
            executor.shutdown(wait=False)
            if self._own_dlq_producer and self._dlq_producer is not None:
                await self._dlq_producer.close()
                self._dlq_producer = None

    def _is_error(self, msg: Message) -> bool:
        """True for an error message to skip; a fatal one raises."""
        error = msg.error()
        if error is None:
            return False
        if error.fatal():
            raise KafkaBusError(f"consumer {self.group_id}: fatal error {error}")
        if error.code() != KafkaError._PARTITION_EOF:
            log.warning("kafka consumer error", extra={"group": self.group_id, "error": str(error)})
        return True

    async def _commit_batch(
        self, call: Callable[..., Awaitable[Any]], consumer: Consumer, msgs: Sequence[Message]
    ) -> dict[tuple[str, int], int] | None:
        """Commits (synchronously) the offset after the last of `msgs` in each partition and returns
        those offsets; None when the commit failed — typically a rebalance moved a partition, and its
        new owner delivers the messages again, which at-least-once and the consumers' dedupe allow."""
        next_offsets: dict[tuple[str, int], int] = {}
        for msg in msgs:
            key = (msg.topic() or "", msg.partition() or 0)
            next_offsets[key] = max(next_offsets.get(key, 0), (msg.offset() or 0) + 1)
        offsets = [TopicPartition(t, p, o) for (t, p), o in next_offsets.items()]
        try:
            await call(consumer.commit, offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            log.warning("kafka commit failed", extra={"group": self.group_id, "error": str(exc)})
            return None
        return next_offsets

    async def _dead_letter(self, msg: Message, error: Exception, *, attempts: int) -> None:
        assert self._dlq_producer is not None
        await park_in_dlq(self._dlq_producer, msg, error, group_id=self.group_id, attempts=attempts)
        self.stats.dead_lettered += 1

    # Callbacks below run on the consumer thread.

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._assigned.set)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._assigned.clear)


class EventConsumer(GroupMember):
    """At-least-once consumer: a handler runs per message, the offset is committed only after it
    succeeded or the message was parked in <topic>.dlq.

    A handler raising PermanentError, or any exception max_attempts times, sends the message to
    the DLQ with headers naming the error; undecodable messages go there at once. Handlers must
    be idempotent (redeliveries happen after crashes and rebalances): see `deduplicated`.
    """

    stats: ConsumerStats

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        group_id: str,
        topics: Sequence[str],
        handler: Handler,
        client_id: str = "socialproof",
        max_attempts: int = 3,
        retry_backoff: float = 0.2,
        fast_group_join: bool = False,
        dlq_producer: EventProducer | None = None,
        create_dlq_topics: bool = True,
        poll_timeout: float = 0.25,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        super().__init__(
            bootstrap_servers,
            group_id=group_id,
            topics=topics,
            client_id=client_id,
            fast_group_join=fast_group_join,
            config=config,
            dlq_producer=dlq_producer,
            create_dlq_topics=create_dlq_topics,
            # librdkafka computes per-partition lag in its statistics; we export it as a gauge.
            extra_settings={"statistics.interval.ms": 5000, "stats_cb": self._on_stats},
        )
        self.handler = handler
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.poll_timeout = poll_timeout
        self.stats = ConsumerStats()

    async def run(self) -> None:
        """Consume until stop() or cancellation; the Kafka consumer is closed on the way out."""
        async with self._session() as (call, consumer):
            while not self._stopping.is_set():
                msg: Message | None = await call(consumer.poll, self.poll_timeout)
                if msg is None or self._is_error(msg):
                    continue
                await self._handle(msg)
                await self._commit(call, consumer, msg)

    async def _commit(self, call: Callable[..., Awaitable[Any]], consumer: Consumer, msg: Message) -> None:
        topic, partition, offset = msg.topic() or "", msg.partition() or 0, msg.offset() or 0
        try:
            await call(consumer.commit, message=msg, asynchronous=False)
        except KafkaException as exc:
            # Typically the partition moved to another member during a rebalance; it will
            # deliver the message again, which at-least-once allows.
            log.warning(
                "kafka commit failed",
                extra={"group": self.group_id, "topic": topic, "partition": partition, "error": str(exc)},
            )
            return
        self.stats.last_commit[(topic, partition)] = offset + 1

    async def _handle(self, msg: Message) -> None:
        topic = msg.topic() or ""
        headers = tuple(message_headers(msg))
        try:
            envelope = decode_envelope(msg.value())
        except InvalidEnvelope as exc:
            await self._dead_letter(msg, exc, attempts=0)
            return
        # Headers win over the envelope's copy: a relay may have re-published the envelope as is.
        context = telemetry.extract_context({**envelope.trace_context, **headers_dict(headers)})
        last_error: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            event = ReceivedEvent(
                envelope=envelope,
                topic=topic,
                partition=msg.partition() or 0,
                offset=msg.offset() or 0,
                key=msg.key(),
                headers=headers,
                attempt=attempt,
            )
            with _tracer.start_as_current_span(
                f"{topic} process",
                context=context,
                kind=trace.SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": topic,
                    "messaging.consumer.group.name": self.group_id,
                    "messaging.message.id": envelope.event_id,
                },
            ):
                try:
                    await self.handler(event)
                except PermanentError as exc:
                    await self._dead_letter(msg, exc, attempts=attempt)
                    return
                except Exception as exc:
                    last_error = exc
                    self.stats.failed_attempts += 1
                    log.warning(
                        "kafka handler failed",
                        extra={
                            "group": self.group_id,
                            "topic": topic,
                            "event_id": envelope.event_id,
                            "attempt": attempt,
                            "error": type(exc).__name__,
                        },
                    )
                    if attempt < self.max_attempts:
                        await asyncio.sleep(self.retry_backoff * 2 ** (attempt - 1))
                    continue
            self.stats.processed += 1
            telemetry.kafka_messages.labels(topic, self.group_id, "processed").inc()
            return
        assert last_error is not None
        telemetry.kafka_messages.labels(topic, self.group_id, "failed").inc()
        await self._dead_letter(msg, last_error, attempts=self.max_attempts)

    def _on_stats(self, stats_json: str) -> None:
        try:
            stats = json.loads(stats_json)
        except ValueError:
            return
        for topic, info in (stats.get("topics") or {}).items():
            lag = sum(
                max(p.get("consumer_lag", 0), 0)
                for pid, p in (info.get("partitions") or {}).items()
                if pid != "-1"  # librdkafka's internal "unassigned" partition
            )
            telemetry.kafka_consumer_lag.labels(topic, self.group_id).set(lag)


# ---- deduplication ---------------------------------------------------------------------------


class ProcessedEvents(Protocol):
    """Remembers which event ids a consumer has already handled.

    A Redis store (below) suits effects outside Postgres (caches, counters, pushes). When the
    effect is a Postgres write, record the event id in a processed_events table in the *same*
    transaction as the write instead (insert ... on conflict do nothing, skip if no row), so the
    effect and the mark commit or roll back together.
    """

    async def seen(self, event_id: str) -> bool: ...

    async def mark(self, event_id: str) -> bool:
        """Record event_id; True if it was not recorded before."""
        ...


class RedisProcessedEvents:
    """ProcessedEvents in Redis: one key per event id with a TTL longer than any redelivery window."""

    def __init__(
        self,
        redis: Redis,
        consumer_name: str,
        *,
        ttl_seconds: int = 7 * 24 * 3600,
        keys: RedisKeys | None = None,
    ) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._prefix = (keys("processed", consumer_name) if keys else f"processed:{consumer_name}") + ":"

    async def seen(self, event_id: str) -> bool:
        return bool(await self._redis.exists(self._prefix + event_id))

    async def mark(self, event_id: str) -> bool:
        return bool(await self._redis.set(self._prefix + event_id, b"1", nx=True, ex=self._ttl))


def deduplicated(handler: Handler, processed: ProcessedEvents, *, group: str = "") -> Handler:
    """Wrap handler so an event id it already handled is skipped.

    The id is marked only after the handler succeeded: a crash in between means the event is
    handled again, never lost. Two copies handled at the same moment (during a rebalance) can
    both run, so effects must still tolerate a repeat.
    """

    async def handle_once(event: ReceivedEvent) -> None:
        if await processed.seen(event.event_id):
            telemetry.kafka_messages.labels(event.topic, group, "skipped").inc()
            return
        await handler(event)
        await processed.mark(event.event_id)

    return handle_once


# ---- small helpers ---------------------------------------------------------------------------


def message_headers(msg: Message) -> Headers:
    """A consumed message's headers as (name, bytes) pairs (confluent gives None for empty values)."""
    pairs: Iterable[tuple[str, str | bytes | None]] = msg.headers() or []  # type: ignore[assignment]
    return [(k, v.encode() if isinstance(v, str) else (v or b"")) for k, v in pairs]


def headers_dict(headers: Iterable[tuple[str, bytes | None]] | None) -> dict[str, str]:
    """Kafka headers as a str dict (first value wins), e.g. to read the dlq.* headers."""
    result: dict[str, str] = {}
    for key, value in headers or ():
        result.setdefault(key, (value or b"").decode("utf-8", errors="replace"))
    return result
