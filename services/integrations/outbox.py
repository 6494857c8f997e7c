"""The activity outbox: webhook facts staged with their receipt, published to Kafka in batches after their
commit by the shared relay loop (shared.outbox)."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

from sqlalchemy import text

from services.integrations.adapters.publisher import ActivityPublisher
from services.integrations.service import trim_samples
from shared.db import Database, RawConnections
from shared.outbox import OutboxRelay
from socialproof.events.v1.integrations_events_pb2 import ConnectionStatus, WebhookEventType

#: Rows per batch: one SELECT … FOR UPDATE SKIP LOCKED, one concurrent publish, one DELETE.
BATCH = 500
#: After a wake-up the relay waits this long so concurrent deliveries share a batch (latency cost).
LINGER_SECONDS = 0.01
#: Takes a batch: the oldest rows no other relay holds, deleted and locked until this transaction ends.
_TAKE_BATCH = (
    "DELETE FROM activity_outbox WHERE id IN (SELECT id FROM activity_outbox ORDER BY id "
    "LIMIT %(limit)s FOR UPDATE SKIP LOCKED) "
    "RETURNING id, org_id::text, site_id::text, connection_id::text, message_key, envelope"
)
#: Relays of all replicas take turns (held until the batch's transaction ends): rows are published in the
#: order their deliveries committed, so a refund acknowledged after its order is never published before it
#: by another replica's relay (a retraction for an activity not stored yet would be dropped).
_TAKE_TURN = "SELECT pg_advisory_xact_lock(hashtext('socialproof.integrations.activity_outbox'))"
#: Connections' last event time is written at most this often.
HOUSEKEEPING_SECONDS = 1.0
#: The Zapier samples of the sites that got new ones are trimmed to SAMPLES_KEPT at most this often. A
#: trim reads every sample row of its site and trigger, including the ones deleted since the table's last
#: vacuum (every delivery inserts one, so between autovacuum runs that is the whole churn of the last
#: minute): run once a second by each replica, it was most of Postgres' CPU per webhook under load
#: (docs/integrations.md). Readers take the newest 25 with LIMIT, so what they see does not change; only
#: the rows kept between trims (at most this many seconds' worth) do.
TRIM_SECONDS = 10.0


class ActivityOutbox:
    """The activity_outbox table's side of the relay: its batch and its housekeeping."""

    def __init__(self, db: Database, publisher: ActivityPublisher, raw: RawConnections | None = None) -> None:
        self.db = db
        self.raw = raw if raw is not None else RawConnections(db, size=1)
        self.publisher = publisher
        self._touched: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
        # Sites per organization whose samples are trimmed at the next trim (every TRIM_SECONDS).
        self._untrimmed: dict[str, set[str]] = defaultdict(set)
        self._trimmed_at = time.monotonic()

    async def relay_once(self, limit: int = BATCH) -> int:
        """Publishes up to `limit` staged rows; returns how many. A failed publish rolls the batch back
        (rows stay for the next pass; what was delivered meanwhile is dropped by the consumers'
        event-id dedupe)."""
        # On a raw connection, BEGIN, the turn and the batch as one simple query (one round trip, no
        # pipeline machinery, none of SQLAlchemy's session work; the relay runs a batch every few
        # deliveries). It has no parameters: the limit is an int put in the text.
        take = f"BEGIN; {_TAKE_TURN}; " + _TAKE_BATCH % {"limit": int(limit)}
        async with self.raw.connection() as (conn, _reused):
            # Not prepared: a prepared statement holds one command.
            taken = await conn.execute(take, prepare=False)
            while taken.nextset():  # BEGIN's and the turn's results come first
                pass
            rows = sorted(await taken.fetchall())  # RETURNING has no order: publish in id order
            if not rows:
                await conn.execute("ROLLBACK")
                return 0
            # produce() is called in row order, so per-key order is kept. The rows are deleted (and
            # locked) by this transaction: a failed publish raises, and the connection, left in the
            # transaction, is closed, which rolls it back and puts them back for the next pass.
            await self.publisher.publish_staged_batch([(r[4], bytes(r[5])) for r in rows])
            await conn.execute("COMMIT")
        for _, org, site, connection, *_rest in rows:
            self._touched[org][0].add(connection)
            self._touched[org][1].add(site)
        return len(rows)

    async def housekeeping(self) -> None:
        """At most once a second rather than per delivery: connections' last event time (one hot row
        that every delivery would otherwise lock); every TRIM_SECONDS, the trim of Zapier samples."""
        touched, self._touched = self._touched, defaultdict(lambda: (set(), set()))
        for org, (connections, sites) in touched.items():
            self._untrimmed[org] |= sites
            async with self.db.tenant_session(org) as session:
                await session.execute(
                    text(
                        "UPDATE connections SET last_event_at = now(), status = CASE WHEN enabled THEN "
                        ":active ELSE status END WHERE id = ANY(CAST(:ids AS uuid[]))"
                    ),
                    {"active": ConnectionStatus.CONNECTION_STATUS_ACTIVE, "ids": sorted(connections)},
                )
        if time.monotonic() - self._trimmed_at >= TRIM_SECONDS:
            await self.trim_samples()

    async def trim_samples(self) -> None:
        """Keeps the newest SAMPLES_KEPT samples per trigger of each site that got new ones."""
        self._trimmed_at = time.monotonic()
        for org in sorted(self._untrimmed):
            sites = self._untrimmed[org]  # dropped once trimmed: a failed trim is tried again next time
            async with self.db.tenant_session(org) as session:
                for site in sorted(sites):
                    for event_type in (
                        WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED,
                        WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RETRACTED,
                    ):
                        await trim_samples(session, site, event_type)
            if self._untrimmed.get(org) is sites:
                del self._untrimmed[org]


def activity_outbox_relay(
    db: Database,
    publisher: ActivityPublisher,
    wakeup: asyncio.Event,
    *,
    poll_seconds: float,
    raw: RawConnections | None = None,
) -> OutboxRelay:
    """The shared relay over the activity outbox, woken by `wakeup` (set by the webhook path after each
    commit that staged rows) and polling every `poll_seconds` as a fallback."""
    outbox = ActivityOutbox(db, publisher, raw)
    return OutboxRelay(
        outbox.relay_once,
        name="integrations-activity-outbox",
        batch_size=BATCH,
        poll_seconds=poll_seconds,
        linger_seconds=LINGER_SECONDS,
        housekeeping=outbox.housekeeping,
        housekeeping_seconds=HOUSEKEEPING_SECONDS,
        wakeup=wakeup,
    )
