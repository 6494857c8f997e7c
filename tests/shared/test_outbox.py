"""The shared outbox relay loop, driven by an in-memory batch function (no database, no Kafka)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest

from shared.kafka_bus import KafkaBusError
from shared.outbox import OutboxRelay

#: Long enough that a test passing within it cannot have been rescued by the fallback poll.
NEVER = 30.0


class FakeOutbox:
    """An outbox table in a list; `relay_batch` "publishes" the oldest rows unless told to fail."""

    def __init__(self) -> None:
        self.pending: list[int] = []
        self.published: list[int] = []
        self.batches: list[int] = []
        self.attempts: list[float] = []
        self.failures = 0
        self.housekept: list[int] = []
        self._next = 0

    def stage(self, count: int = 1) -> None:
        self.pending += range(self._next, self._next + count)
        self._next += count

    async def relay_batch(self, limit: int) -> int:
        self.attempts.append(time.monotonic())
        await asyncio.sleep(0)  # a real batch awaits the database and the broker
        if self.failures:
            self.failures -= 1
            raise KafkaBusError("broker unavailable (test)")
        batch, self.pending = self.pending[:limit], self.pending[limit:]
        self.published += batch
        self.batches.append(len(batch))
        return len(batch)

    async def housekeeping(self) -> None:
        self.housekept.append(len(self.published))


async def eventually(condition: Callable[[], bool], within: float = 2.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def test_a_kick_relays_at_once_without_waiting_for_the_poll() -> None:
    outbox = FakeOutbox()
    relay = OutboxRelay(outbox.relay_batch, name="test", poll_seconds=NEVER)
    await relay.start()
    try:
        await eventually(lambda: len(outbox.attempts) == 1)  # the first pass finds nothing
        outbox.stage(3)
        await asyncio.sleep(0.1)
        assert outbox.published == []  # staged but not kicked: waits for the poll
        started = time.monotonic()
        relay.kick()
        await eventually(lambda: outbox.published == [0, 1, 2])
        assert time.monotonic() - started < 0.5
    finally:
        await relay.stop()


async def test_a_wakeup_event_owned_by_the_caller_wakes_the_relay() -> None:
    outbox = FakeOutbox()
    wakeup = asyncio.Event()
    relay = OutboxRelay(outbox.relay_batch, name="test", poll_seconds=NEVER, wakeup=wakeup)
    await relay.start()
    try:
        await eventually(lambda: len(outbox.attempts) == 1)
        outbox.stage()
        wakeup.set()  # as the webhook path does after its commit
        await eventually(lambda: outbox.published == [0])
    finally:
        await relay.stop()


async def test_the_poll_relays_what_nobody_kicked() -> None:
    outbox = FakeOutbox()
    relay = OutboxRelay(outbox.relay_batch, name="test", poll_seconds=0.05)
    await relay.start()
    try:
        await eventually(lambda: len(outbox.attempts) == 1)
        outbox.stage(2)  # e.g. left behind by a crashed replica
        await eventually(lambda: outbox.published == [0, 1], within=1.0)
    finally:
        await relay.stop()


async def test_full_batches_are_followed_at_once_by_the_next_one() -> None:
    outbox = FakeOutbox()
    outbox.stage(35)
    relay = OutboxRelay(outbox.relay_batch, name="test", batch_size=10, poll_seconds=NEVER)
    started = time.monotonic()
    await relay.start()
    try:
        await eventually(lambda: len(outbox.published) == 35)
        assert time.monotonic() - started < 0.5
        assert outbox.published == list(range(35))  # in order
        await asyncio.sleep(0.05)
        assert outbox.batches == [10, 10, 10, 5]  # a short batch ends the run: no extra empty pass
    finally:
        await relay.stop()


async def test_linger_lets_changes_committed_together_share_a_batch() -> None:
    outbox = FakeOutbox()
    relay = OutboxRelay(outbox.relay_batch, name="test", poll_seconds=NEVER, linger_seconds=0.1)
    await relay.start()
    try:
        await eventually(lambda: len(outbox.attempts) == 1)
        outbox.stage()
        relay.kick()
        await asyncio.sleep(0.02)
        outbox.stage()
        relay.kick()
        await eventually(lambda: len(outbox.published) == 2)
        assert outbox.batches == [0, 2]
    finally:
        await relay.stop()


async def test_failures_back_off_exponentially_up_to_the_cap_then_recover(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox = FakeOutbox()
    outbox.stage(2)
    outbox.failures = 4
    relay = OutboxRelay(
        outbox.relay_batch,
        name="test",
        poll_seconds=NEVER,
        backoff_seconds=0.05,
        max_backoff_seconds=0.1,
    )
    with caplog.at_level(logging.WARNING, logger="shared.outbox"):
        await relay.start()
        try:
            await eventually(lambda: outbox.published == [0, 1])
        finally:
            await relay.stop()
    gaps = [b - a for a, b in zip(outbox.attempts, outbox.attempts[1:], strict=False)][:4]
    assert len(gaps) == 4
    assert gaps[0] >= 0.045  # the initial backoff
    assert gaps[1] >= 0.095  # doubled
    assert gaps[3] < 0.3  # held at the cap (uncapped it would be 0.4)
    warnings = [r for r in caplog.records if "outbox publish failed" in r.getMessage()]
    assert len(warnings) == 4 and all(r.exc_info is None for r in warnings)  # one line per attempt


async def test_a_kick_does_not_cut_a_backoff_short() -> None:
    outbox = FakeOutbox()
    outbox.stage()
    outbox.failures = 1
    relay = OutboxRelay(outbox.relay_batch, name="test", poll_seconds=NEVER, backoff_seconds=0.2)
    await relay.start()
    try:
        await eventually(lambda: len(outbox.attempts) == 1)
        relay.kick()
        await asyncio.sleep(0.1)
        assert len(outbox.attempts) == 1  # still backing off: the broker is down for the kick too
        await eventually(lambda: outbox.published == [0])
    finally:
        await relay.stop()


async def test_a_batch_that_keeps_failing_does_not_end_the_loop() -> None:
    async def broken(limit: int) -> int:
        raise RuntimeError("table missing (test)")

    relay = OutboxRelay(
        broken, name="test", poll_seconds=NEVER, backoff_seconds=0.01, max_backoff_seconds=0.02
    )
    await relay.start()
    await asyncio.sleep(0.1)
    task = relay._task
    assert task is not None and not task.done()
    await relay.stop()
    assert task.done() and not task.cancelled()


async def test_stop_relays_what_is_left_once_more() -> None:
    outbox = FakeOutbox()
    relay = OutboxRelay(outbox.relay_batch, name="test", batch_size=10, poll_seconds=NEVER)
    await relay.start()
    await eventually(lambda: len(outbox.attempts) == 1)
    outbox.stage(25)  # nobody kicked: only stop's final flush can send these
    await relay.stop()
    assert outbox.published == list(range(25))
    assert relay._task is None


async def test_stop_ends_a_backoff_at_once_and_still_tries_a_final_flush() -> None:
    outbox = FakeOutbox()
    outbox.stage()
    outbox.failures = 1
    relay = OutboxRelay(outbox.relay_batch, name="test", poll_seconds=NEVER, backoff_seconds=NEVER)
    await relay.start()
    await eventually(lambda: len(outbox.attempts) == 1)
    started = time.monotonic()
    await relay.stop()
    assert time.monotonic() - started < 0.5
    assert outbox.published == [0]


async def test_stop_without_start_still_flushes() -> None:
    outbox = FakeOutbox()
    outbox.stage(2)
    relay = OutboxRelay(outbox.relay_batch, name="test")
    await relay.stop()
    assert outbox.published == [0, 1]


async def test_a_cancelled_stop_cancels_the_loop() -> None:
    started = asyncio.Event()

    async def stuck(limit: int) -> int:
        started.set()
        await asyncio.sleep(NEVER)  # e.g. a broker that never answers
        return 0

    relay = OutboxRelay(stuck, name="test")
    await relay.start()
    task = relay._task
    await started.wait()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(relay.stop(), 0.1)
    assert task is not None and task.cancelled()


async def test_flush_drains_the_outbox_and_reports_failures() -> None:
    outbox = FakeOutbox()
    outbox.stage(25)
    relay = OutboxRelay(outbox.relay_batch, name="test", batch_size=10)
    assert await relay.flush() == 25
    assert outbox.batches == [10, 10, 5]
    outbox.stage()
    outbox.failures = 1
    with pytest.raises(KafkaBusError):
        await relay.flush()
    assert await relay.flush_quietly() == 1  # the failure was used up above
    outbox.stage()
    outbox.failures = 1
    assert await relay.flush_quietly() == 0  # logged, not raised
    assert outbox.pending == [26]


async def test_flush_and_the_loop_never_publish_side_by_side() -> None:
    inside = 0
    overlaps = 0
    outbox = FakeOutbox()

    async def exclusive(limit: int) -> int:
        nonlocal inside, overlaps
        inside += 1
        overlaps += inside > 1
        await asyncio.sleep(0.01)
        inside -= 1
        return await outbox.relay_batch(limit)

    relay = OutboxRelay(exclusive, name="test", batch_size=5, poll_seconds=0.01)
    await relay.start()
    try:
        for _ in range(10):
            outbox.stage(7)
            relay.kick()
            await relay.flush()
        await eventually(lambda: len(outbox.published) == 70)
    finally:
        await relay.stop()
    assert overlaps == 0
    assert outbox.published == list(range(70))


async def test_housekeeping_follows_sent_rows_at_most_once_per_interval() -> None:
    outbox = FakeOutbox()
    relay = OutboxRelay(
        outbox.relay_batch,
        name="test",
        poll_seconds=NEVER,
        housekeeping=outbox.housekeeping,
        housekeeping_seconds=0.2,
    )
    await relay.start()
    try:
        await eventually(lambda: len(outbox.attempts) == 1)
        assert outbox.housekept == []  # nothing sent yet: nothing to keep house for
        outbox.stage()
        relay.kick()
        await eventually(lambda: outbox.housekept == [1])  # the first delivery is not delayed
        started = time.monotonic()
        while time.monotonic() - started < 0.5:  # steady traffic for half a second
            outbox.stage()
            relay.kick()
            await asyncio.sleep(0.01)
        assert 2 <= len(outbox.housekept) <= 5  # ~every 0.2 s, not per batch
        # The last rows are housekept within one interval even if no kick follows.
        await eventually(lambda: outbox.housekept[-1] == len(outbox.published), within=0.5)
        quiet = len(outbox.housekept)
        await asyncio.sleep(0.3)
        assert len(outbox.housekept) == quiet  # idle: nothing new to keep house for
        outbox.stage()
    finally:
        await relay.stop()
    assert outbox.housekept[-1] == len(outbox.published)  # stop sent the last row and housekept


async def test_housekeeping_failures_are_logged_and_do_not_stop_relaying(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox = FakeOutbox()

    async def failing_housekeeping() -> None:
        raise RuntimeError("prune failed (test)")

    relay = OutboxRelay(
        outbox.relay_batch,
        name="test",
        poll_seconds=NEVER,
        housekeeping=failing_housekeeping,
        housekeeping_seconds=0.0,
    )
    with caplog.at_level(logging.WARNING, logger="shared.outbox"):
        await relay.start()
        try:
            for n in range(1, 4):
                outbox.stage()
                relay.kick()
                await eventually(lambda n=n: len(outbox.published) == n)  # type: ignore[misc]
        finally:
            await relay.stop()
    assert any("housekeeping failed" in r.getMessage() for r in caplog.records)
