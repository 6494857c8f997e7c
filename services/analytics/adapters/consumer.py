"""The analytics consumer: many Kafka messages per ClickHouse insert, offsets committed after it, DLQ."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition

from shared import telemetry
from shared.kafka_bus import (
    GroupMember,
    InvalidEnvelope,
    PermanentError,
    ReceivedEvent,
    decode_envelope,
    message_headers,
)

log = logging.getLogger(__name__)

#: Writes every event of the given messages (idempotently: a replay must not double-count).
BatchHandler = Callable[[Sequence[ReceivedEvent]], Awaitable[None]]

#: Told the partitions (topic, partition) the group (re)assigned to this consumer, before their
#: first batch is handled (the replay guard looks up what another owner may have written).
AssignHandler = Callable[[Sequence[tuple[str, int]]], None]

#: How long the broker may hold a fetch without new data (librdkafka's fetch.wait.max.ms).
FETCH_WAIT_MS = 50


@dataclass
class BatchStats:
    """Counts since start (tests, health pages and the benchmark read them)."""

    polls: int = 0
    batches: int = 0
    messages: int = 0
    dead_lettered: int = 0
    failed_attempts: int = 0
    committed: dict[tuple[str, int], int] = field(default_factory=dict)


class BatchConsumer(GroupMember):
    """At-least-once like shared.kafka_bus.EventConsumer, but one handler call per poll of up to
    `max_messages` messages or `max_wait` seconds: on 18.16 every insert makes a part, so one insert
    per 100-event widget batch would flood the merges and cap throughput.

    Semantics kept from EventConsumer: undecodable messages go to <topic>.dlq at once; when the
    batch fails, its messages are retried one by one, where PermanentError or `max_attempts`
    failures park a message in the DLQ; offsets are committed only after the write (or the DLQ)
    returned, so a crash in between replays the batch, which the handler deduplicates.
    """

    stats: BatchStats

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        group_id: str,
        topics: Sequence[str],
        handler: BatchHandler,
        on_assign: AssignHandler | None = None,
        client_id: str = "analytics-consumer",
        max_messages: int = 500,
        max_wait: float = 0.2,
        max_attempts: int = 3,
        retry_backoff: float = 0.2,
        fast_group_join: bool = False,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        if max_messages < 1 or max_attempts < 1 or max_wait <= 0:
            raise ValueError("max_messages and max_attempts must be >= 1 and max_wait > 0")
        super().__init__(
            bootstrap_servers,
            group_id=group_id,
            topics=topics,
            client_id=client_id,
            fast_group_join=fast_group_join,
            # A broker that does not answer a fetch as soon as data arrives (Tansu) holds it for
            # fetch.wait.max.ms (500 ms by default), which a message then waits on top of max_wait.
            config={"fetch.wait.max.ms": FETCH_WAIT_MS, **(config or {})},
        )
        self.handler = handler
        self.on_assign = on_assign
        # Filled by the assign callback on the consumer thread inside consume(); read by run()
        # after that call returned (the thread is idle then).
        self._newly_assigned: list[tuple[str, int]] = []
        self.max_messages = max_messages
        self.max_wait = max_wait
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.stats = BatchStats()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._session() as (call, consumer):
            returned = loop.time()
            while not self._stopping.is_set():
                # The batching window starts when the previous poll returned: messages that came
                # in while it was being written have waited already, so a slow write is not
                # followed by a full wait (freshness), and max_wait still bounds the batch.
                wait = max(0.0, self.max_wait - (loop.time() - returned))
                messages: list[Message] = await call(consumer.consume, self.max_messages, wait)
                returned = loop.time()
                self.stats.polls += 1
                if self._newly_assigned:
                    assigned, self._newly_assigned = self._newly_assigned, []
                    if self.on_assign is not None:
                        self.on_assign(assigned)
                usable = [m for m in messages if not self._is_error(m)]
                if not usable:
                    continue
                await self._handle(usable)
                await self._commit(call, consumer, usable)

    async def _handle(self, messages: list[Message]) -> None:
        events: list[tuple[Message, ReceivedEvent]] = []
        for msg in messages:
            try:
                envelope = decode_envelope(msg.value())
            except InvalidEnvelope as exc:
                await self._dead_letter(msg, exc, attempts=0)
                continue
            events.append((msg, _received(msg, envelope, 1)))
        if not events:
            return
        try:
            await self.handler([e for _, e in events])
        except Exception as exc:
            self.stats.failed_attempts += 1
            log.warning(
                "analytics batch failed; retrying its messages one by one",
                extra={"group": self.group_id, "messages": len(events), "error": type(exc).__name__},
            )
            for msg, event in events:
                await self._handle_one(msg, event)
        else:
            self.stats.batches += 1
        self.stats.messages += len(messages)
        for msg, _ in events:
            telemetry.kafka_messages.labels(msg.topic() or "", self.group_id, "processed").inc()

    async def _handle_one(self, msg: Message, event: ReceivedEvent) -> None:
        """The fallback for a failed batch: EventConsumer's per-message retries and DLQ."""
        last: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self.handler([_received(msg, event.envelope, attempt)])
                return
            except PermanentError as exc:
                await self._dead_letter(msg, exc, attempts=attempt)
                return
            except Exception as exc:
                last = exc
                self.stats.failed_attempts += 1
                if attempt < self.max_attempts:
                    await asyncio.sleep(self.retry_backoff * 2 ** (attempt - 1))
        assert last is not None
        await self._dead_letter(msg, last, attempts=self.max_attempts)

    async def _commit(
        self, call: Callable[..., Awaitable[Any]], consumer: Consumer, msgs: list[Message]
    ) -> None:
        committed = await self._commit_batch(call, consumer, msgs)
        if committed is not None:
            self.stats.committed.update(committed)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._newly_assigned.extend((p.topic, p.partition) for p in partitions)
        super()._on_assign(consumer, partitions)


def _received(msg: Message, envelope: Any, attempt: int) -> ReceivedEvent:
    return ReceivedEvent(
        envelope=envelope,
        topic=msg.topic() or "",
        partition=msg.partition() or 0,
        offset=msg.offset() or 0,
        key=msg.key(),
        headers=tuple(message_headers(msg)),
        attempt=attempt,
    )
