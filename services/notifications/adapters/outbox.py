"""The notifications service's events: written to the outbox with the change, then relayed to Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from services.notifications.adapters.postgres import delete_published_before, mark_published, pending_outbox
from shared.db import Database
from shared.kafka_bus import EventProducer
from socialproof.events.v1.envelope_pb2 import EventEnvelope

log = logging.getLogger(__name__)

#: Published rows are kept this long (for inspection after an incident), then deleted.
KEEP_PUBLISHED = timedelta(days=7)


class OutboxRelay:
    """Moves outbox rows to Kafka (same approach as services/users/adapters/outbox.py). A committed
    change `kick()`s the relay loop, which also retries every `interval` whatever a crash or a broker
    outage left behind, so an event is never lost (it may be delivered twice: consumers deduplicate by
    event id) and no RPC waits for Kafka."""

    def __init__(self, db: Database, producer: EventProducer, *, interval: float = 2.0) -> None:
        self._db = db
        self._producer = producer
        self._interval = interval
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._kicked = asyncio.Event()

    def kick(self) -> None:
        """Relay soon (a change just committed) without making the caller wait for Kafka."""
        self._kicked.set()

    async def flush(self) -> int:
        sent = 0
        async with self._lock:
            while True:
                async with self._db.session() as session:
                    rows = await pending_outbox(session, 100)
                    if not rows:
                        return sent
                    for _, topic, key, envelope in rows:
                        await self._producer.publish(topic, EventEnvelope.FromString(envelope), key=key)
                    await mark_published(session, [row[0] for row in rows])
                sent += len(rows)

    async def flush_quietly(self) -> None:
        try:
            await self.flush()
        except Exception:
            log.warning("outbox relay failed; will retry", exc_info=True)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="notifications-outbox-relay")

    async def _run(self) -> None:
        while True:
            self._kicked.clear()
            await self.flush_quietly()
            with contextlib.suppress(Exception):
                async with self._db.session() as session:
                    await delete_published_before(session, datetime.now(UTC) - KEEP_PUBLISHED)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kicked.wait(), self._interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush_quietly()
