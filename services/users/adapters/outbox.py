"""The users service's events: written to the outbox with the change, then relayed to Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.users.adapters.postgres import Store
from shared.kafka_bus import EventProducer
from socialproof.events.v1.envelope_pb2 import EventEnvelope

log = logging.getLogger("socialproof.users.outbox")


class OutboxRelay:
    """Moves outbox rows to Kafka. `flush()` runs right after a change commits; a background loop
    retries whatever a crash or a broker outage left behind, so an event is never lost (it may be
    delivered twice: consumers deduplicate by event id)."""

    def __init__(self, store: Store, producer: EventProducer | None, *, interval: float = 2.0) -> None:
        self._store = store
        self._producer = producer
        self._interval = interval
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def flush(self) -> int:
        if self._producer is None:
            return 0
        sent = 0
        async with self._lock:
            while True:
                async with self._store.tx() as tx:
                    rows = await tx.pending_events(100)
                    if not rows:
                        return sent
                    for row in rows:
                        envelope = EventEnvelope.FromString(bytes(row["envelope"]))
                        await self._producer.publish(row["topic"], envelope, key=row["message_key"])
                    await tx.mark_published([row["id"] for row in rows])
                    sent += len(rows)

    async def flush_quietly(self) -> None:
        try:
            await self.flush()
        except Exception:
            log.warning("outbox relay failed; will retry", exc_info=True)

    async def start(self) -> None:
        if self._producer is not None and self._task is None:
            self._task = asyncio.create_task(self._run(), name="users-outbox-relay")

    async def _run(self) -> None:
        while True:
            await self.flush_quietly()
            await asyncio.sleep(self._interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._producer is not None:
            await self.flush_quietly()
            await self._producer.close()
