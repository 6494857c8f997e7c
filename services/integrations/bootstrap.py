"""Wires the integrations service from its typed settings and serves it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from pydantic import Field, SecretStr, field_validator

from services.integrations.adapters.http_sender import HttpSender
from services.integrations.adapters.publisher import KafkaActivityPublisher
from services.integrations.adapters.shopify import ShopifyAdmin
from services.integrations.adapters.sites import GrpcSiteDirectory
from services.integrations.adapters.stripe_charges import StripeCharges
from services.integrations.adapters.woocommerce import WooCommerceStore
from services.integrations.backfill import Backfills
from services.integrations.domain.outbound import RetryPolicy
from services.integrations.form_capture import FormCapture
from services.integrations.outbox import activity_outbox_relay
from services.integrations.service import IntegrationsConfig, IntegrationsService
from services.integrations.servicer import (
    BackfillServicer,
    ConnectionServicer,
    FormCaptureServicer,
    MappingServicer,
    OutboundWebhookServicer,
    ShopifyOAuthServicer,
    WebhookReceiptServicer,
    WebhookServicer,
    ZapierServicer,
)
from services.integrations.shopify_oauth import ShopifyApp, ShopifyOAuth
from services.integrations.zapier import Zapier
from shared.crypto import KeyRing
from shared.db import Database, RawConnections
from shared.kafka_bus import EventProducer, ensure_topics
from shared.rpc.client import peer_channel
from shared.rpc.domain import domain_server
from shared.rpc.server import RpcServer, run_service
from shared.settings import ServiceSettings


class IntegrationsSettings(ServiceSettings):
    """Settings of the integrations service (environment variables SP_*)."""

    service_name: str = "integrations"
    # Required: the service owns the Postgres schema "integrations" and migrates it at start.
    database_url: str
    # Required: accepted webhooks become events on the `activity` topic.
    kafka_bootstrap_servers: str
    activity_topic: str = Field(default="activity", min_length=1)
    create_topics: bool = True
    public_base_url: str = "https://hooks.socialproof.local"
    webhook_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    webhook_timestamp_tolerance_seconds: float = Field(default=300.0, gt=0, le=3600)
    outbound_backoff_base_seconds: float = Field(default=30.0, gt=0)
    outbound_backoff_cap_seconds: float = Field(default=6 * 3600.0, gt=0)
    outbound_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    outbound_poll_seconds: float = Field(default=1.0, gt=0)
    backfill_poll_seconds: float = Field(default=5.0, gt=0)
    # Fallback poll of the activity outbox relay (it is woken by each accepted delivery).
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    connection_cache_seconds: float = Field(default=5.0, ge=0)
    # Only for tests and local stacks: receivers on http://127.0.0.1.
    outbound_allow_loopback_http: bool = False
    # The Shopify app (OAuth connect); without id and secret, StartShopifyInstall is FAILED_PRECONDITION.
    shopify_client_id: str = ""
    shopify_client_secret: SecretStr = SecretStr("")
    shopify_scopes: str = "read_orders,read_customers"
    # Only for tests and local stacks: where the shop's Admin API is instead of https://{shop}.
    shopify_admin_base_url: str = ""
    # Stripe's API base for backfill; only tests and local stacks set it (localstripe).
    stripe_api_base_url: str = ""
    shopify_oauth_state_ttl_seconds: float = Field(default=600.0, gt=0, le=3600)
    # Where the OAuth callback page sends the browser back to.
    dashboard_base_url: str = "https://app.socialproof.local"

    @field_validator("pii_keys")
    @classmethod
    def _keys_present(cls, value):  # type: ignore[no-untyped-def]
        if not value.get_secret_value().strip():
            raise ValueError("is required: signing secrets and OAuth tokens are encrypted (k1:<base64 key>)")
        return value


def build(settings: IntegrationsSettings) -> RpcServer:
    db = Database(settings.database_url, schema="integrations")
    # The webhook path's group commits and the outbox relay (psycopg without SQLAlchemy's session).
    raw = RawConnections(db, size=4)
    producer = EventProducer(settings.kafka_bootstrap_servers, client_id="integrations")
    sender = HttpSender(settings.outbound_timeout_seconds)
    service = IntegrationsService(
        db,
        KeyRing.from_settings(settings),
        KafkaActivityPublisher(producer, settings.activity_topic),
        sender,
        IntegrationsConfig(
            public_base_url=settings.public_base_url,
            max_body_bytes=settings.webhook_max_body_bytes,
            default_tolerance_seconds=settings.webhook_timestamp_tolerance_seconds,
            retry_policy=RetryPolicy(
                base=timedelta(seconds=settings.outbound_backoff_base_seconds),
                cap=timedelta(seconds=settings.outbound_backoff_cap_seconds),
            ),
            lease_seconds=settings.outbound_timeout_seconds + 5,
            allow_loopback_http=settings.outbound_allow_loopback_http,
            connection_cache_seconds=settings.connection_cache_seconds,
        ),
        raw,
    )
    # Site keys (widget form capture) are resolved by notifications through the local sidecar.
    notifications = peer_channel(settings, "notifications")
    form_capture = FormCapture(service, GrpcSiteDirectory(notifications))
    shopify_admin = ShopifyAdmin(settings.outbound_timeout_seconds, settings.shopify_admin_base_url)
    shopify_oauth = ShopifyOAuth(
        service,
        shopify_admin,
        ShopifyApp(
            client_id=settings.shopify_client_id,
            client_secret=settings.shopify_client_secret.get_secret_value(),
            scopes=settings.shopify_scopes,
            redirect_uri=f"{settings.public_base_url.rstrip('/')}/v1/oauth/shopify/callback",
            dashboard_url=settings.dashboard_base_url,
            state_ttl=timedelta(seconds=settings.shopify_oauth_state_ttl_seconds),
        ),
    )
    woocommerce = WooCommerceStore(settings.outbound_timeout_seconds)
    stripe_charges = StripeCharges(settings.outbound_timeout_seconds, settings.stripe_api_base_url)
    backfills = Backfills(service, shopify_admin, shopify_oauth, woocommerce, stripe_charges)
    outbox = activity_outbox_relay(
        db, service.publisher, service.outbox_wakeup, poll_seconds=settings.outbox_poll_seconds, raw=raw
    )
    stop = asyncio.Event()
    worker: list[asyncio.Task[None]] = []

    async def start() -> None:
        if settings.create_topics:
            await ensure_topics(settings.kafka_bootstrap_servers, [settings.activity_topic])
        worker.append(asyncio.create_task(service.run_outbound_worker(settings.outbound_poll_seconds, stop)))
        worker.append(asyncio.create_task(backfills.run_worker(settings.backfill_poll_seconds, stop)))
        await outbox.start()

    async def shutdown() -> None:
        stop.set()
        service.outbound_wakeup.set()
        backfills.wakeup.set()
        for task in worker:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, settings.outbound_timeout_seconds + 1)
        # After the workers, so rows they staged while finishing are relayed too.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(outbox.stop(), settings.outbound_timeout_seconds + 1)
        await sender.close()
        await notifications.close()
        await shopify_admin.close()
        await woocommerce.close()
        await producer.close()
        await raw.close()
        await db.dispose()

    server = domain_server(
        "integrations",
        settings,
        {
            "ConnectionService": ConnectionServicer(service),
            "WebhookService": WebhookServicer(service),
            "WebhookReceiptService": WebhookReceiptServicer(service),
            "MappingService": MappingServicer(service),
            "OutboundWebhookService": OutboundWebhookServicer(service),
            "FormCaptureService": FormCaptureServicer(form_capture),
            "ZapierService": ZapierServicer(Zapier(service)),
            "ShopifyOAuthService": ShopifyOAuthServicer(shopify_oauth),
            "BackfillService": BackfillServicer(backfills),
        },
        on_start=[start],
        on_stop=[shutdown],
    )
    server.integrations = service  # type: ignore[attr-defined]
    server.backfills = backfills  # type: ignore[attr-defined]
    return server


def main() -> None:
    run_service(IntegrationsSettings, build)
