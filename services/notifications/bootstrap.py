"""Wires the notifications service from its typed settings and serves it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from pydantic import Field, field_validator

from services.notifications.adapters.activity_consumer import ACTIVITY_TOPIC, activity_consumer
from services.notifications.adapters.entitlements import BillingEntitlements, EntitlementsSource
from services.notifications.adapters.redis_store import FeedCache, LiveChannel, Presence
from services.notifications.service import NotificationsService
from services.notifications.servicer import servicers
from shared.db import Database
from shared.kafka_bus import EventProducer, ensure_topics
from shared.redis_client import create_redis, redis_keys
from shared.rpc import peer_channel
from shared.rpc.domain import domain_server
from shared.rpc.server import RpcServer, run_service
from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Settings of the notifications service (environment variables SP_*)."""

    service_name: str = "notifications"
    # Required: the service owns the Postgres schema "notifications" and migrates it at start.
    database_url: str
    # Required: feed cache, live presence and live fan-out live in Redis.
    redis_url: str = Field(min_length=1)
    #: Topic the activity consumer reads (tests use a unique prefix).
    activity_topic: str = ACTIVITY_TOPIC
    #: Consumer group of the activity consumer.
    activity_group: str = "notifications"
    #: Short group join for Tansu/dev brokers.
    kafka_fast_group_join: bool = False
    #: Seconds between live-stream heartbeats; must stay under Envoy's 300 s stream idle timeout.
    live_heartbeat_seconds: float = Field(default=15.0, gt=0, lt=300)
    #: Seconds a live stream lasts before it is recycled with a final event.
    live_max_stream_seconds: float = Field(default=600.0, gt=0)
    #: Timeout of one entitlements call to billing (the feed waits at most this on a cache miss).
    billing_timeout_seconds: float = Field(default=0.3, gt=0, le=5)

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// URL")
        return value


def build_service(
    settings: NotificationsSettings, entitlements: EntitlementsSource | None = None
) -> tuple[NotificationsService, Database, list[object]]:
    db = Database(settings.database_url, schema="notifications", application_name="notifications")
    redis = create_redis(settings.redis_url)
    keys = redis_keys(settings.redis_url)
    producer = (
        EventProducer(settings.kafka_bootstrap_servers, client_id="notifications")
        if settings.kafka_bootstrap_servers
        else None
    )
    service = NotificationsService(
        db=db,
        feed_cache=FeedCache(redis, keys),
        presence=Presence(redis, keys),
        live=LiveChannel(redis, keys),
        entitlements=entitlements
        or BillingEntitlements(peer_channel(settings, "billing"), timeout=settings.billing_timeout_seconds),
        producer=producer,
        heartbeat_interval=timedelta(seconds=settings.live_heartbeat_seconds),
        max_stream_duration=timedelta(seconds=settings.live_max_stream_seconds),
    )
    return service, db, [redis, producer]


def build(settings: NotificationsSettings, entitlements: EntitlementsSource | None = None) -> RpcServer:
    service, db, closables = build_service(settings, entitlements)
    tasks: list[asyncio.Task[None]] = []
    consumer = (
        activity_consumer(
            settings.kafka_bootstrap_servers,
            service,
            topic=settings.activity_topic,
            group_id=settings.activity_group,
            fast_group_join=settings.kafka_fast_group_join,
        )
        if settings.kafka_bootstrap_servers
        else None
    )

    async def start_consumer() -> None:
        if consumer is None or settings.kafka_bootstrap_servers is None:
            return
        await ensure_topics(settings.kafka_bootstrap_servers, [settings.activity_topic])
        tasks.append(asyncio.create_task(consumer.run(), name="activity-consumer"))

    async def stop() -> None:
        if consumer is not None:
            consumer.stop()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        for closable in closables:
            if closable is not None:
                await closable.aclose() if hasattr(closable, "aclose") else await closable.close()  # type: ignore[attr-defined]
        await db.dispose()

    server = domain_server(
        "notifications", settings, servicers(service), on_start=[start_consumer], on_stop=[stop]
    )
    # Live streams end with a final event when the server drains.
    service.draining = server.draining
    server.notifications_service = service  # type: ignore[attr-defined]
    server.activity_consumer = consumer  # type: ignore[attr-defined]
    return server


def main() -> None:
    run_service(NotificationsSettings, build)
