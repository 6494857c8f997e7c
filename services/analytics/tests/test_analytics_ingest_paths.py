"""The per-event fast paths of ingest: the coalesced Redis claims and the consumer's row building."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from services.analytics.adapters.dedupe import EventLedger
from services.analytics.adapters.schema import EVENT_COLUMNS
from services.analytics.service import stored_events
from shared.redis_client import create_redis, redis_keys
from socialproof.events.v1 import analytics_events_pb2 as ev


async def test_concurrent_claims_share_commands_and_each_id_is_claimed_once(redis_url: str) -> None:
    redis: Redis = create_redis(redis_url)
    ledger = EventLedger(redis, redis_keys(redis_url))
    try:
        # 40 batches at once, neighbours overlapping by half: each id has exactly one first claim.
        batches = [[f"e{i}" for i in range(n * 5, n * 5 + 10)] for n in range(40)]
        results = await asyncio.gather(*(ledger.claim("site-1", "event", ids) for ids in batches))
        assert [len(r) for r in results] == [10] * 40
        winners: dict[str, int] = {}
        for ids, claimed in zip(batches, results, strict=True):
            for ident, first in zip(ids, claimed, strict=True):
                winners[ident] = winners.get(ident, 0) + int(first)
        assert set(winners.values()) == {1} and len(winners) == 205
        # The same id twice in one batch: the first occurrence claims it.
        assert await ledger.claim("site-1", "event", ["x", "x", "e0"]) == [True, False, False]
        # Another site's ids and another kind are separate ledgers.
        assert await ledger.claim("site-2", "event", ["e0"]) == [True]
        assert await ledger.claim("site-1", "order", ["e0"]) == [True]
        # A released claim can be made again (the widget's retry after a failed publish).
        await ledger.release("site-1", "event", ["e1"])
        assert await ledger.claim("site-1", "event", ["e1", "e2"]) == [True, False]
        ttl = await redis.ttl(redis_keys(redis_url)("analytics", "event", "site-1", "e1"))
        assert 25 * 3600 < ttl <= 26 * 3600
    finally:
        await ledger.close()


def seconds(when: datetime) -> int:
    return int(when.timestamp())


def test_stored_rows_carry_every_field_in_column_order() -> None:
    now = datetime(2026, 3, 1, 12, 0, 30, 250000, tzinfo=UTC)
    batch = ev.WidgetEventsRecorded(org_id="o1", site_id="s1", batch_id="b1")
    batch.received_at.FromDatetime(now)
    full = batch.events.add(
        event_id="e1", type=5, visitor_id="v1", session_id="s", campaign_id="c", variant_id="va",
        experiment_id="x", holdout=True, activity_id="a", page_url="https://p", referrer="https://r",
        anonymous=True, test=True, bot=True, bot_reason=2,
    )  # fmt: skip
    full.occurred_at.FromDatetime(now - timedelta(seconds=3))
    full.received_at.FromDatetime(now)
    full.utm.source, full.utm.medium, full.utm.campaign = "src", "med", "camp"
    full.user_agent_info.device_type = 2  # type: ignore[assignment]
    full.user_agent_info.browser_name, full.user_agent_info.os_name = "Chrome", "Android"
    full.location.country_code = "CZ"
    full.conversion.goal_name, full.conversion.order_ref = "purchase", "o-1"
    full.conversion.value.amount_minor, full.conversion.value.currency_code = 4999, "EUR"
    full.visible_duration.FromMilliseconds(1500)
    full.hover_duration.FromMilliseconds(250)
    perf = full.performance
    perf.script_transfer_bytes, perf.long_task_count = 8000, 2
    perf.script_load_duration.FromMilliseconds(120)
    perf.time_to_first_notification.FromMilliseconds(480)
    perf.longest_long_task.FromMilliseconds(75)
    perf.cumulative_layout_shift, perf.widget_version = 0.5, "1.2.3"
    bare = batch.events.add(event_id="e2", type=6, visitor_id="v2", session_id="s2")
    bare.occurred_at.FromDatetime(now - timedelta(seconds=3))

    rows = [dict(zip(EVENT_COLUMNS, r.values, strict=True)) for r in stored_events(batch)]
    assert rows[0] == {
        "org_id": "o1", "site_id": "s1", "event_id": "e1", "batch_id": "b1", "event_type": 5,
        "occurred_at": seconds(now) - 3, "received_at": seconds(now), "visitor_id": "v1",
        "session_id": "s", "campaign_id": "c", "variant_id": "va", "experiment_id": "x", "holdout": 1,
        "activity_id": "a", "page_url": "https://p", "referrer": "https://r", "utm_source": "src",
        "utm_medium": "med", "utm_campaign": "camp", "device_type": 2, "browser_name": "Chrome",
        "os_name": "Android", "country_code": "CZ", "anonymous": 1, "test": 1, "bot": 1, "bot_reason": 2,
        "goal_name": "purchase", "order_ref": "o-1", "value_minor": 4999, "currency": "EUR",
        "visible_ms": 1500, "hover_ms": 250, "script_transfer_bytes": 8000, "script_load_ms": 120.0,
        "time_to_first_notification_ms": 480.0, "long_task_count": 2, "longest_long_task_ms": 75.0,
        "cumulative_layout_shift": 0.5, "widget_version": "1.2.3",
    }  # fmt: skip
    # An event without the optional parts gets the columns' empty values; without its own
    # received_at, the batch's. Times are whole epoch seconds (DateTime), rounded down.
    assert rows[1]["received_at"] == seconds(now) and rows[1]["occurred_at"] == seconds(now) - 3
    assert [rows[1][c] for c in EVENT_COLUMNS[16:23]] == ["", "", "", 0, "", "", ""]
    assert [rows[1][c] for c in EVENT_COLUMNS[27:]] == ["", "", 0, "", 0, 0, 0, 0.0, 0.0, 0, 0.0, 0.0, ""]
    assert [type(rows[1][c]) for c in EVENT_COLUMNS] == [type(rows[0][c]) for c in EVENT_COLUMNS]
