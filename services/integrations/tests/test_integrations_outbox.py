"""The webhook path's group commit and activity outbox: concurrent copies, Kafka failures, the relay."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from services.integrations import outbox as outbox_module
from services.integrations.service import (
    _ACCEPT_MANY_UNLESS_WANTED,
    SAMPLES_KEPT,
    SAMPLES_ORDER,
    trim_samples,
)
from services.integrations.tests.test_integrations_webhooks import (
    ORDER,
    ORG,
    SITE,
    create,
    post,
    shopify_headers,
)
from shared.db import ORG_SETTING
from shared.kafka_bus import KafkaBusError
from socialproof.events.v1.activity_pb2 import ActivityRecorded
from socialproof.events.v1.integrations_events_pb2 import IntegrationProvider
from socialproof.integrations.v1.webhooks_pb2 import WebhookOutcome

Outcome = WebhookOutcome


def order(order_id: int) -> bytes:
    return json.dumps({**ORDER, "id": order_id}).encode()


async def outbox_rows(server: Any) -> int:
    async with server.integrations.db.session() as session:
        return int((await session.execute(text("SELECT count(*) FROM activity_outbox"))).scalar_one())


async def test_concurrent_copies_in_one_group_commit_are_stored_and_published_once(
    integrations, topic_reader
) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    connection = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY)
    same = order(7001)
    calls = [post(channel, "shopify", connection, same, shopify_headers(same, "copy-1")) for _ in range(5)]
    others = [order(7100 + i) for i in range(5)]
    calls += [
        post(channel, "shopify", connection, b, shopify_headers(b, f"other-{i}"))
        for i, b in enumerate(others)
    ]
    replies = await asyncio.gather(*calls)
    copies, distinct = replies[:5], replies[5:]
    assert (
        sorted(r.outcome for r in copies)
        == [Outcome.WEBHOOK_OUTCOME_ACCEPTED] + [Outcome.WEBHOOK_OUTCOME_DUPLICATE] * 4
    )
    assert len({r.receipt_id for r in copies}) == 1  # every copy names the first receipt
    assert [r.outcome for r in distinct] == [Outcome.WEBHOOK_OUTCOME_ACCEPTED] * 5
    assert len({r.receipt_id for r in distinct}) == 5

    envelopes = await topic_reader().read(expected=6, settle=0.7)
    refs = []
    for envelope in envelopes:
        recorded = ActivityRecorded()
        envelope.payload.Unpack(recorded)
        refs.append(recorded.activity.source_ref)
    assert sorted(refs) == sorted(["7001", *(str(7100 + i) for i in range(5))])


async def test_a_kafka_failure_keeps_accepted_facts_in_the_outbox_until_published(
    integrations, topic_reader
) -> None:  # type: ignore[no-untyped-def]
    server, channel = integrations
    publisher = server.integrations.publisher
    real = publisher.publish_staged_batch
    failures = {"left": 2}

    async def flaky(rows: list[tuple[str, bytes]]) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise KafkaBusError("broker unavailable (test)")
        await real(rows)

    publisher.publish_staged_batch = flaky
    try:
        connection = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY)
        body = order(8001)
        reply = await post(channel, "shopify", connection, body, shopify_headers(body, "kafka-down-1"))
        # The delivery is acknowledged: receipt and outbox row are committed, Kafka comes later.
        assert reply.outcome == Outcome.WEBHOOK_OUTCOME_ACCEPTED
        envelopes = await topic_reader().read(expected=1, within=10)
    finally:
        publisher.publish_staged_batch = real
    assert failures["left"] == 0  # the relay really failed twice and retried
    assert len(envelopes) == 1
    recorded = ActivityRecorded()
    envelopes[0].payload.Unpack(recorded)
    assert recorded.activity.source_ref == "8001"
    deadline = time.monotonic() + 5
    while await outbox_rows(server):  # deleted in the transaction that saw the acknowledgement
        assert time.monotonic() < deadline, "the outbox was not emptied"
        await asyncio.sleep(0.05)


async def test_replicas_relay_in_turns_so_commit_order_is_kept(integrations, topic_reader) -> None:  # type: ignore[no-untyped-def]
    """While another replica's relay holds the turn (its batch in flight), this one publishes nothing;
    then it publishes what committed meanwhile. Without turns, a refund could overtake its order."""
    from services.integrations.outbox import _TAKE_TURN

    server, channel = integrations
    connection = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY)
    reader = topic_reader()
    async with server.integrations.db.session() as other_replica:
        await other_replica.execute(text(_TAKE_TURN))  # held until this transaction ends
        body = order(8501)
        reply = await post(channel, "shopify", connection, body, shopify_headers(body, "turns-1"))
        assert reply.outcome == Outcome.WEBHOOK_OUTCOME_ACCEPTED
        assert await reader.read(expected=1, within=1.0) == []
        assert await outbox_rows(server) == 1
    envelopes = await reader.read(expected=1, within=10)
    recorded = ActivityRecorded()
    envelopes[0].payload.Unpack(recorded)
    assert recorded.activity.source_ref == "8501"


async def test_a_cold_connection_cache_is_filled_once_for_concurrent_deliveries(
    integrations,
) -> None:  # type: ignore[no-untyped-def]
    server, channel = integrations
    service = server.integrations
    connection = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY)
    service.forget_connection(connection)
    real = service._fill_connection
    fills: list[str] = []

    async def counted(connection_id: str) -> Any:
        fills.append(connection_id)
        await asyncio.sleep(0.05)  # a slow lookup: every delivery below arrives while it runs
        return await real(connection_id)

    service._fill_connection = counted
    try:
        bodies = [order(9100 + i) for i in range(8)]
        replies = await asyncio.gather(
            *(
                post(channel, "shopify", connection, b, shopify_headers(b, f"cold-{i}"))
                for i, b in enumerate(bodies)
            )
        )
    finally:
        service._fill_connection = real
    assert [r.outcome for r in replies] == [Outcome.WEBHOOK_OUTCOME_ACCEPTED] * 8
    # One lookup and decryption for all of them, not one per delivery in flight.
    assert fills == [connection]


async def test_a_pooled_connection_the_server_dropped_does_not_fail_a_delivery(
    integrations, topic_reader
) -> None:  # type: ignore[no-untyped-def]
    """The group commit runs on long-lived raw connections (no pre-ping): one that Postgres closed while it
    was idle (a restart, an idle timeout) is replaced and the delivery is stored and published once."""
    server, channel = integrations
    connection = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY)
    reader = topic_reader()
    first = order(8601)
    assert (
        await post(channel, "shopify", connection, first, shopify_headers(first, "dropped-1"))
    ).outcome == Outcome.WEBHOOK_OUTCOME_ACCEPTED
    assert len(await reader.read(expected=1, within=10)) == 1
    raw = server.integrations.raw
    pids = [conn.info.backend_pid for conn in raw._idle]
    assert pids, "the raw connections are kept between batches"
    async with server.integrations.db.session() as session:
        for pid in pids:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    second = order(8602)
    reply = await post(channel, "shopify", connection, second, shopify_headers(second, "dropped-2"))
    assert reply.outcome == Outcome.WEBHOOK_OUTCOME_ACCEPTED
    envelopes = await reader.read(expected=1, within=10, settle=0.7)
    assert len(envelopes) == 1
    recorded = ActivityRecorded()
    envelopes[0].payload.Unpack(recorded)
    assert recorded.activity.source_ref == "8602"
    assert all(conn.info.backend_pid not in pids for conn in raw._idle)


def _plain_sql(statement: str) -> str:
    """Whitespace-insensitive form of a statement (as written in Python or in a migration)."""
    collapsed = re.sub(r"\s+", " ", statement).strip()
    return collapsed.replace("( ", "(").replace(" )", ")")


async def test_accept_function_matches_the_statement(integrations) -> None:  # type: ignore[no-untyped-def]
    """The raw path's group commit runs as the function `accept_webhooks` (migration integrations_0006):
    its body must be the session path's statement with the outbound guard, after the tenant setting."""
    server, _ = integrations
    async with server.integrations.db.session() as session:
        body = (
            await session.execute(
                text(
                    "SELECT prosrc FROM pg_proc WHERE proname = 'accept_webhooks' AND pronamespace = "
                    "'integrations'::regnamespace"
                )
            )
        ).scalar_one()
    expected = _ACCEPT_MANY_UNLESS_WANTED
    for name, cast in (("org", "uuid"), ("receipts", "json"), ("outbox", "json"), ("samples", "json")):
        expected = expected.replace(f"CAST(%({name})s AS {cast})", f"p_{name}")
    assert "%(" not in expected
    plain = _plain_sql(body)
    assert plain.startswith(f"BEGIN PERFORM set_config('{ORG_SETTING}', p_org::text, true); ")
    assert f" {_plain_sql(expected)} INTO inserted_ids, subscribed; END" in plain


async def test_samples_of_webhooks_are_trimmed_to_25_every_trim_interval(integrations, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The relay's housekeeping writes connections' last event time every second, but trims the sites'
    Zapier samples only every TRIM_SECONDS (a trim reads every sample row since the last vacuum)."""
    server, channel = integrations
    monkeypatch.setattr(outbox_module, "TRIM_SECONDS", 3600.0)
    connection = await create(channel, IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY)
    bodies = [order(8000 + i) for i in range(30)]
    await asyncio.gather(
        *(
            post(channel, "shopify", connection, b, shopify_headers(b, f"trim-{i}"))
            for i, b in enumerate(bodies)
        )
    )

    async def samples_and_last_event() -> tuple[int, Any]:
        async with server.integrations.db.session() as session:
            count = (
                await session.execute(
                    text("SELECT count(*) FROM recent_events WHERE site_id = :s"), {"s": SITE}
                )
            ).scalar_one()
            last = (
                await session.execute(
                    text("SELECT last_event_at FROM connections WHERE id = :c"), {"c": connection}
                )
            ).scalar_one()
        return int(count), last

    deadline = time.monotonic() + 10
    while (found := await samples_and_last_event())[1] is None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert found[1] is not None  # housekeeping ran (connections' last event time) …
    await asyncio.sleep(1.2)  # … and runs again, still before the trim is due
    assert (await samples_and_last_event())[0] == 30

    monkeypatch.setattr(outbox_module, "TRIM_SECONDS", 0.0)
    # The relay housekeeps after it sent rows: one more delivery, then the 31 samples are trimmed.
    late = order(8100)
    await post(channel, "shopify", connection, late, shopify_headers(late, "trim-late"))
    deadline = time.monotonic() + 10
    while (count := (await samples_and_last_event())[0]) != 25 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert count == 25


async def test_trim_keeps_exactly_the_newest_samples_in_read_order_ties_included(integrations) -> None:  # type: ignore[no-untyped-def]
    """The trim finds the (SAMPLES_KEPT + 1)-th sample once and deletes it and everything older; samples
    of one group commit share occurred_at and created_at, so item_id decides — as in the reader's order
    (groups of 3: the cut falls inside a group)."""
    server, _channel = integrations
    site, event_type = str(uuid.uuid4()), 7
    base = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        {
            "item": f"item-{i:02d}",
            "at": base + timedelta(minutes=i // 3),
            "created": base + timedelta(hours=i // 3),
        }
        for i in range(40)
    ]

    async def insert(batch: list[dict[str, Any]], event_type: int = event_type) -> None:
        async with server.integrations.db.tenant_session(ORG) as session:
            for r in batch:
                await session.execute(
                    text(
                        "INSERT INTO recent_events (org_id, site_id, event_type, item_id, occurred_at, "
                        "created_at, sample) VALUES (:org, :site, :type, :item, :at, :created, '\\x00')"
                    ),
                    {"org": ORG, "site": site, "type": event_type, **r},
                )

    async def trim_then_stored() -> list[str]:
        async with server.integrations.db.tenant_session(ORG) as session:
            await trim_samples(session, site, event_type)
        async with server.integrations.db.tenant_session(ORG) as session:
            found = await session.execute(
                text(f"SELECT item_id FROM recent_events WHERE site_id = :s ORDER BY {SAMPLES_ORDER}"),  # noqa: S608
                {"s": site},
            )
            return [r[0] for r in found]

    await insert(rows[:SAMPLES_KEPT])
    assert len(await trim_then_stored()) == SAMPLES_KEPT  # exactly SAMPLES_KEPT: nothing to trim
    await insert(rows[SAMPLES_KEPT:])
    await insert([{"item": "other", "at": base, "created": base}], event_type=8)  # another trigger: kept
    newest_first = sorted(rows, key=lambda r: (r["at"], r["created"], r["item"]), reverse=True)
    assert await trim_then_stored() == [r["item"] for r in newest_first[:SAMPLES_KEPT]] + ["other"]
