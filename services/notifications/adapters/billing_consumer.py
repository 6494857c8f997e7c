"""Kafka entry point: the `billing` topic drops this replica's cached entitlements of an organization."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from shared.kafka_bus import EventConsumer, ReceivedEvent
from socialproof.events.v1 import billing_events_pb2

log = logging.getLogger(__name__)

BILLING_TOPIC = "billing"
#: Billing events after which the plan, features or caps an org is entitled to may differ.
ENTITLEMENT_EVENTS = {
    m.DESCRIPTOR.full_name: m
    for m in (
        billing_events_pb2.PlanChanged,
        billing_events_pb2.QuotaExceeded,
        billing_events_pb2.QuotaReset,
        billing_events_pb2.SubscriptionChanged,
    )
}


def billing_handler(invalidate: Callable[[str], None]):  # type: ignore[no-untyped-def]
    """Dropping a cache entry is idempotent, so redeliveries need no deduplication."""

    async def handle(event: ReceivedEvent) -> None:
        message_type = ENTITLEMENT_EVENTS.get(event.envelope.event_type)
        if message_type is None:
            return  # QuotaWarning, usage and other billing events do not change what the feed may show
        payload = event.payload(message_type)
        org_id = getattr(payload, "org_id", "") or event.envelope.org_id
        if org_id:
            invalidate(org_id)
            log.info(
                "entitlements dropped", extra={"org_id": org_id, "event_type": event.envelope.event_type}
            )

    return handle


def billing_consumer(
    bootstrap_servers: str,
    invalidate: Callable[[str], None],
    *,
    topic: str = BILLING_TOPIC,
    group_prefix: str = "notifications-entitlements",
    fast_group_join: bool = False,
) -> EventConsumer:
    """One consumer group per replica: the cache is per process, so every replica must see every
    event (a shared group would give each event to one replica only). A new group reads from the
    earliest retained offset: replaying the (low-volume) billing topic only drops entries of an
    empty cache, and no event can slip between joining and the first fetch. The group is left for
    Kafka to expire when the replica goes away."""
    return EventConsumer(
        bootstrap_servers,
        group_id=f"{group_prefix}-{uuid.uuid4().hex[:12]}",
        topics=[topic],
        handler=billing_handler(invalidate),
        client_id="notifications-billing",
        fast_group_join=fast_group_join,
        create_dlq_topics=False,
    )
