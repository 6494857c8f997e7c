"""Wires the billing service from its typed settings and serves it."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from pydantic import SecretStr

from services.billing.adapters.outbound import AlertMailer, BillingEvents, UsageCounters
from services.billing.adapters.payment_provider import StripePaymentProvider
from services.billing.adapters.plan_repository import PlanRepository
from services.billing.consumers import usage_handler, users_handler
from services.billing.service import Billing, PlanCatalog
from services.billing.servicer import (
    BillingAccountServicer,
    EntitlementServicer,
    InvoiceServicer,
    PlanServicer,
    StripeWebhookServicer,
    SubscriptionServicer,
    UsageServicer,
)
from shared.crypto import KeyRing
from shared.db import Database
from shared.kafka_bus import EventConsumer, EventProducer, ensure_topics
from shared.mail import Mailer
from shared.redis_client import create_redis, redis_keys
from shared.rpc.domain import Hook, domain_server
from shared.rpc.server import RpcServer, run_service
from shared.settings import ServiceSettings

log = logging.getLogger("socialproof.billing")


class BillingSettings(ServiceSettings):
    """Settings of the billing service (environment variables SP_*)."""

    service_name: str = "billing"
    # Required: the service owns the Postgres schema "billing" and migrates it at start.
    database_url: str
    # Without these the service serves only the plan catalog (see docs/billing.md).
    stripe_api_key: SecretStr = SecretStr("")
    stripe_api_base: str | None = None
    # localstripe rejects `proration_behavior` (it always prorates); api.stripe.com needs it.
    stripe_proration_behavior: bool = True
    stripe_webhook_secret: SecretStr = SecretStr("")
    # Handed to the browser with a SetupIntent (Stripe.js needs it); public by design.
    stripe_publishable_key: str = ""
    stripe_webhook_tolerance_seconds: int = 300
    smtp_url: str | None = None
    mail_sender: str = "SocialProof Billing <billing@socialproof.localhost>"
    dashboard_url: str = "http://127.0.0.1:8080"
    topic_prefix: str = ""
    consumer_group: str = "billing"
    reconcile_interval_seconds: float = 300.0

    def missing_for_billing(self) -> list[str]:
        needed = {
            "SP_REDIS_URL": self.redis_url,
            "SP_KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
            "SP_SMTP_URL": self.smtp_url,
            "SP_STRIPE_API_KEY": self.stripe_api_key.get_secret_value(),
            "SP_STRIPE_WEBHOOK_SECRET": self.stripe_webhook_secret.get_secret_value(),
            "SP_PII_KEYS": self.pii_keys.get_secret_value(),
        }
        return [name for name, value in needed.items() if not value]


def build(settings: BillingSettings) -> RpcServer:
    db = Database(settings.database_url, schema="billing", application_name="billing")
    plans = PlanRepository(db)
    catalog = PlanCatalog(plans)
    servicers: dict[str, object] = {"PlanService": PlanServicer(catalog)}
    on_start: list[Hook] = []
    on_stop: list[Hook] = []
    consumers: list[EventConsumer] = []
    missing = settings.missing_for_billing()
    if missing:
        log.warning("billing serves only the plan catalog: %s not set", ", ".join(missing))
    else:
        assert settings.redis_url and settings.kafka_bootstrap_servers and settings.smtp_url
        bootstrap = settings.kafka_bootstrap_servers
        redis = create_redis(settings.redis_url)
        producer = EventProducer(settings.kafka_bootstrap_servers, client_id="billing")
        provider = StripePaymentProvider(
            settings.stripe_api_key.get_secret_value(),
            api_base=settings.stripe_api_base,
            supports_proration_behavior=settings.stripe_proration_behavior,
        )
        billing = Billing(
            db=db,
            plans=plans,
            provider=provider,
            events=BillingEvents(producer, settings.topic_prefix + "billing"),
            counters=UsageCounters(redis, redis_keys(settings.redis_url)),
            alerts=AlertMailer(Mailer(settings.smtp_url, settings.mail_sender), settings.dashboard_url),
            keyring=KeyRing.from_settings(settings),
            webhook_secret=settings.stripe_webhook_secret.get_secret_value(),
            webhook_tolerance_seconds=settings.stripe_webhook_tolerance_seconds,
        )
        servicers.update(
            EntitlementService=EntitlementServicer(billing),
            UsageService=UsageServicer(billing),
            SubscriptionService=SubscriptionServicer(billing),
            InvoiceService=InvoiceServicer(billing),
            BillingAccountService=BillingAccountServicer(billing, settings.stripe_publishable_key),
            StripeWebhookService=StripeWebhookServicer(billing),
        )
        prefix = settings.topic_prefix
        consumers += [
            EventConsumer(
                settings.kafka_bootstrap_servers,
                group_id=f"{prefix}{settings.consumer_group}-{name}",
                topics=[prefix + name],
                handler=handler,
                client_id=f"billing-{name}",
                fast_group_join=settings.env != "prod",
            )
            for name, handler in (("usage", usage_handler(billing)), ("users", users_handler(billing)))
        ]
        tasks: list[asyncio.Task[None]] = []

        async def start() -> None:
            await ensure_topics(bootstrap, [prefix + t for t in ("usage", "users", "billing")])
            await provider.ensure_plans(await plans.all_versions())
            await billing.reconcile_counters()
            # Alerts and resets queued before a crash are delivered now; periods that started while
            # the service was down are announced.
            await billing.deliver_alerts()
            await billing.start_new_periods()
            tasks.extend(asyncio.create_task(c.run()) for c in consumers)
            tasks.append(asyncio.create_task(_every(settings.reconcile_interval_seconds, billing)))

        async def stop() -> None:
            for consumer in consumers:
                consumer.stop()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await producer.close()
            await redis.aclose()

        on_start.append(start)
        on_stop.append(stop)

    async def close_db() -> None:
        await db.dispose()

    server = domain_server("billing", settings, servicers, on_start=on_start, on_stop=[close_db, *on_stop])
    # Tests wait on these (wait_assigned) before producing.
    server.billing_consumers = consumers  # type: ignore[attr-defined]
    return server


async def _every(seconds: float, billing: Billing) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await billing.reconcile_counters()
            await billing.deliver_alerts()
            await billing.start_new_periods()
        except Exception:
            log.exception("billing reconciliation failed")


def main() -> None:
    run_service(BillingSettings, build)
