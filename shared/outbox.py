"""The relay loop of the transactional outbox: moves rows a service staged with its changes to Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from shared.kafka_bus import KafkaBusError

log = logging.getLogger(__name__)

#: Publishes up to `limit` staged rows and marks or deletes them in the same transaction, so a failed
#: publish leaves them for the next pass; returns how many rows it sent.
RelayBatch = Callable[[int], Awaitable[int]]
#: Work that follows relayed rows but need not run per batch (rolled-up writes, pruning published rows);
#: its failure is only logged.
Housekeeping = Callable[[], Awaitable[None]]


class OutboxRelay:
    """Runs a service's `relay_batch` in the background: right after a `kick()` (a change committed),
    every `poll_seconds` as a fallback for what a crash or a broker outage left behind, again at once
    while batches come back full, and with capped exponential backoff while they fail. An event is
    never lost; it may be delivered twice (consumers deduplicate by event id).

    `housekeeping` runs after rows were sent, at most once per `housekeeping_seconds`: right after the
    batch when that long has passed since its last run (so the first delivery after a quiet spell is
    not delayed), otherwise as soon as it has; and once more on `stop()`.

    Every batch of one relay runs under one lock, so the background loop and an awaited `flush()` never
    publish side by side (per-key order within a replica); batch functions that lock their rows with
    `FOR UPDATE SKIP LOCKED` let several replicas relay the same table at once."""

    def __init__(
        self,
        relay_batch: RelayBatch,
        *,
        name: str,
        batch_size: int = 100,
        poll_seconds: float = 2.0,
        linger_seconds: float = 0.0,
        housekeeping: Housekeeping | None = None,
        housekeeping_seconds: float = 60.0,
        backoff_seconds: float = 0.2,
        max_backoff_seconds: float = 5.0,
        wakeup: asyncio.Event | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.name = name
        self._relay_batch = relay_batch
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        # After a wake-up, wait this long so that changes committing together share one batch.
        self._linger_seconds = linger_seconds
        self._housekeeping = housekeeping
        self._housekeeping_seconds = housekeeping_seconds
        self._backoff_seconds = backoff_seconds
        self._max_backoff_seconds = max_backoff_seconds
        # A caller may own the event (e.g. a request path that sets it after its commit).
        self._wakeup = wakeup if wakeup is not None else asyncio.Event()
        self._stopping = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._housekept = float("-inf")
        self._sent_since_housekeeping = False

    def kick(self) -> None:
        """Relay soon (a change just committed) without making the caller wait for Kafka."""
        self._wakeup.set()

    async def flush(self) -> int:
        """Relays now until a batch comes back short, and returns how many rows were sent; raises what
        the batch function raised (rows sent before that stay sent)."""
        sent = 0
        while True:
            count = await self._batch()
            sent += count
            if count < self._batch_size:
                return sent

    async def flush_quietly(self) -> int:
        """`flush()` for callers that must not fail because of Kafka: the background loop retries."""
        try:
            return await self.flush()
        except Exception as exc:
            self._log_failure(exc)
            return 0

    async def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Ends the loop after its current batch, then relays what is left and housekeeps once more.
        Cancelling `stop()` (e.g. a shutdown deadline) cancels the loop too."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping.set()
            self._wakeup.set()
            try:
                await asyncio.wait([task])
            except asyncio.CancelledError:
                task.cancel()
                raise
        await self.flush_quietly()
        await self._housekeep()

    async def _run(self) -> None:
        backoff = 0.0
        while not self._stopping.is_set():
            # Cleared before the batch, so a change committed while it runs wakes the next pass.
            self._wakeup.clear()
            try:
                sent = await self._batch()
                backoff = 0.0
            except Exception as exc:
                self._log_failure(exc)
                sent, backoff = 0, min(self._max_backoff_seconds, backoff * 2 or self._backoff_seconds)
            if self._housekeeping_wait() == 0.0:
                await self._housekeep()
            if sent >= self._batch_size or self._stopping.is_set():
                continue
            if backoff:
                # Kicks do not cut a backoff short (the broker is down for them too); stopping does.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                continue
            try:
                await asyncio.wait_for(
                    self._wakeup.wait(), min(self._poll_seconds, self._housekeeping_wait())
                )
            except TimeoutError:
                continue
            if self._linger_seconds and not self._stopping.is_set():
                await asyncio.sleep(self._linger_seconds)

    async def _batch(self) -> int:
        async with self._lock:
            sent = await self._relay_batch(self._batch_size)
        if sent:
            self._sent_since_housekeeping = True
        return sent

    def _housekeeping_wait(self) -> float:
        """Seconds until housekeeping is due (0: now; infinite: nothing to do)."""
        if self._housekeeping is None or not self._sent_since_housekeeping:
            return float("inf")
        return max(0.0, self._housekept + self._housekeeping_seconds - time.monotonic())

    async def _housekeep(self) -> None:
        if self._housekeeping is None or not self._sent_since_housekeeping:
            return
        self._housekept = time.monotonic()
        self._sent_since_housekeeping = False
        try:
            await self._housekeeping()
        except Exception:
            log.warning("%s: outbox housekeeping failed; will retry", self.name, exc_info=True)

    def _log_failure(self, exc: Exception) -> None:
        if isinstance(exc, KafkaBusError):  # an outage: one line per attempt, not a traceback each
            log.warning("%s: outbox publish failed (%s); will retry", self.name, exc)
        else:
            log.warning("%s: outbox relay failed; will retry", self.name, exc_info=exc)
