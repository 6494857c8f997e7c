"""Wires the notifications service from its typed settings and serves it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from services.notifications.adapters.activity_consumer import ACTIVITY_TOPIC, activity_consumer
from services.notifications.adapters.billing_consumer import BILLING_TOPIC, billing_consumer
from services.notifications.adapters.entitlements import BillingEntitlements, EntitlementsSource
from services.notifications.adapters.outbox import notifications_outbox_relay
from services.notifications.adapters.redis_store import FeedCache, LiveChannel, Presence
from services.notifications.service import DEFAULT_WIDGET_SCRIPT_URL, NotificationsService
from services.notifications.servicer import WIDGET_SERVICE, add_widget_service, servicers
from shared.crypto import KeyRing
from shared.db import Database
from shared.kafka_bus import EventProducer, ensure_topics
from shared.redis_client import create_redis, redis_keys
from shared.rpc import peer_channel
from shared.rpc.domain import domain_server
from shared.rpc.server import RpcServer, ServiceRegistration, run_service
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


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

    #: Topic of billing's events (PlanChanged, QuotaExceeded…) that drop cached entitlements.
    billing_topic: str = BILLING_TOPIC
    #: Topic of this service's own events (SiteCreated, SiteDeleted, CampaignChanged).
    events_topic: str = "notifications"
    #: Seconds between background relays of the event outbox (each change also relays at once).
    outbox_interval_seconds: float = Field(default=2.0, gt=0)
    #: Seconds between runs of the activity retention job (deletes activities past their site's
    #: activity_retention_days).
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    #: Page fetched to find a domain's verification meta tag; `{domain}` is replaced.
    domain_check_url: str = "https://{domain}/"
    #: Allow that page to be on a private/loopback address (local development and tests only).
    domain_check_allow_private: bool = False
    #: Absolute http(s) URL of the widget script that sites' install snippets load (the edge's
    #: versioned `/static/widget/sp-<version>.js` or a CDN in front of it). Required with SP_ENV=prod.
    widget_script_url: str = DEFAULT_WIDGET_SCRIPT_URL

    @field_validator("widget_script_url")
    @classmethod
    def _script_url(cls, value: str) -> str:
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"must be an absolute http(s) URL of the widget script, got {value!r}")
        if any(c.isspace() or c in "\"'<>`" for c in value):
            raise ValueError("must not contain spaces, quotes or angle brackets (it is an HTML attribute)")
        return value

    @model_validator(mode="after")
    def _widget_script_for_production(self) -> NotificationsSettings:
        # The default is the local edge: customers' pages must never be told to load it.
        if self.env == "prod" and (
            "widget_script_url" not in self.model_fields_set
            or not self.widget_script_url.startswith("https://")
        ):
            raise ValueError("SP_WIDGET_SCRIPT_URL must be set to an https:// URL when SP_ENV=prod")
        return self

    @field_validator("pii_keys")
    @classmethod
    def _keys_set(cls, value: SecretStr) -> SecretStr:
        # Actors of activities are sealed with the key ring: without it nothing can be stored.
        if not value.get_secret_value().strip():
            raise ValueError("SP_PII_KEYS must be set (e.g. k1:<base64 key>,lookup:<base64 key>)")
        return value

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
        keys=KeyRing.from_settings(settings),
        producer=producer,
        heartbeat_interval=timedelta(seconds=settings.live_heartbeat_seconds),
        max_stream_duration=timedelta(seconds=settings.live_max_stream_seconds),
        outbox=notifications_outbox_relay(db, producer, interval=settings.outbox_interval_seconds)
        if producer
        else None,
        events_topic=settings.events_topic,
        domain_check_url=settings.domain_check_url,
        domain_check_allow_private=settings.domain_check_allow_private,
        widget_script_url=settings.widget_script_url,
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

    async def retention_loop() -> None:
        while True:
            try:
                await service.purge_expired_activities()
            except Exception:  # the next run retries; a failed sweep must not stop the service
                log.exception("activity retention run failed")
            await asyncio.sleep(settings.retention_interval_seconds)

    async def start_retention() -> None:
        tasks.append(asyncio.create_task(retention_loop(), name="activity-retention"))
        if service.outbox is not None:
            await service.outbox.start()

    billing_events = (
        billing_consumer(
            settings.kafka_bootstrap_servers,
            service.entitlements.invalidate,
            topic=settings.billing_topic,
            fast_group_join=settings.kafka_fast_group_join,
        )
        if settings.kafka_bootstrap_servers
        else None
    )

    async def start_consumer() -> None:
        if consumer is None or billing_events is None or settings.kafka_bootstrap_servers is None:
            return
        await ensure_topics(
            settings.kafka_bootstrap_servers, [settings.activity_topic, settings.billing_topic]
        )
        tasks.append(asyncio.create_task(consumer.run(), name="activity-consumer"))
        tasks.append(asyncio.create_task(billing_events.run(), name="billing-consumer"))

    async def stop() -> None:
        if consumer is not None:
            consumer.stop()
        if billing_events is not None:
            billing_events.stop()
        for task in tasks:
            if task.get_name() == "activity-retention":
                task.cancel()
        if service.outbox is not None:
            await service.outbox.stop()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        for closable in closables:
            if closable is not None:
                await closable.aclose() if hasattr(closable, "aclose") else await closable.close()  # type: ignore[attr-defined]
        await db.dispose()

    server = domain_server(
        "notifications",
        settings,
        servicers(service),
        on_start=[start_consumer, start_retention],
        on_stop=[stop],
    )
    # Live streams end with a final event when the server drains.
    # GetWidgetFeed sends the feed's bytes as composed (see servicer.add_widget_service).
    server.registrations = [
        ServiceRegistration(add_widget_service, r.servicer, r.name) if r.name == WIDGET_SERVICE else r
        for r in server.registrations
    ]
    service.draining = server.draining
    server.notifications_service = service  # type: ignore[attr-defined]
    server.activity_consumer = consumer  # type: ignore[attr-defined]
    server.billing_consumer = billing_events  # type: ignore[attr-defined]
    return server


def main() -> None:
    run_service(NotificationsSettings, build)
