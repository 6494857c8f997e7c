"""Must-show: a Free org exceeding its impressions gets one 80% and one 100% email, stops being
served, bots never count, replays never double count, counters survive a restart, upgrading
restores serving at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import grpc

from services.billing.bootstrap import BillingSettings, build
from services.billing.tests.billing_support import as_service, as_user, eventually
from shared.devstack.smtp import SmtpSink
from shared.kafka_bus import EventProducer, make_envelope
from shared.rpc import RpcServer
from socialproof.billing.v1 import (
    entitlement_pb2,
    entitlement_pb2_grpc,
    plan_pb2,
    subscription_pb2,
    subscription_pb2_grpc,
    usage_pb2,
    usage_pb2_grpc,
)
from socialproof.events.v1 import billing_events_pb2, users_events_pb2


async def _create_org(producer: EventProducer, prefix: str, org: str, email: str) -> None:
    created = users_events_pb2.OrganizationCreated(
        org_id=org, display_name="Trail Shoes", billing_email=email
    )
    created.create_time.FromDatetime(datetime.now(UTC))
    await producer.publish(prefix + "users", make_envelope(created, org))


async def _usage(
    producer: EventProducer, prefix: str, org: str, site: str, counted: int, bots: int, event_id: str
) -> None:
    usage = billing_events_pb2.UsageRecorded(
        org_id=org, site_id=site, counted_impressions=counted, excluded_bot_impressions=bots
    )
    usage.window_start_time.FromDatetime(datetime.now(UTC))
    await producer.publish(prefix + "usage", make_envelope(usage, org, site, event_id=event_id), key=org)


async def test_free_org_over_its_impressions_is_capped_alerted_once_and_upgrade_restores(
    billing_server: RpcServer,
    billing_channel: grpc.aio.Channel,
    billing_settings: BillingSettings,
    producer: EventProducer,
    kafka_topic_prefix: str,
    smtp_sink: SmtpSink,
) -> None:
    org, site = str(uuid.uuid4()), str(uuid.uuid4())
    email = f"owner-{org[:8]}@example.com"
    entitlements = entitlement_pb2_grpc.EntitlementServiceStub(billing_channel)
    usage_stub = usage_pb2_grpc.UsageServiceStub(billing_channel)
    request = entitlement_pb2.GetEntitlementsRequest(name=f"organizations/{org}/entitlements")

    await _create_org(producer, kafka_topic_prefix, org, email)

    async def account_ready() -> object:
        try:
            sub = await subscription_pb2_grpc.SubscriptionServiceStub(billing_channel).GetSubscription(
                subscription_pb2.GetSubscriptionRequest(name=f"organizations/{org}/subscription"),
                metadata=as_user(org),
            )
        except grpc.aio.AioRpcError:
            return None
        return sub if sub.subscription.plan == "plans/free" else None

    await eventually(account_ready)
    first = (await entitlements.GetEntitlements(request, metadata=as_service())).entitlements
    assert first.serving_allowed and first.plan == "plans/free" and first.limits.monthly_impressions == 5_000

    # 4,000 human impressions (80%) hidden among 90,000 bot impressions, which never count.
    await _usage(producer, kafka_topic_prefix, org, site, 2_000, 45_000, "u-1")
    await _usage(producer, kafka_topic_prefix, org, site, 2_000, 45_000, "u-2")
    await _usage(producer, kafka_topic_prefix, org, site, 2_000, 45_000, "u-2")  # replayed: ignored
    warnings = await asyncio.to_thread(smtp_sink.wait_for, 1, to=email)
    assert "used 80% of its monthly impressions" in str(warnings[0]["Subject"])
    still = (await entitlements.GetEntitlements(request, metadata=as_service())).entitlements
    assert still.serving_allowed and still.impressions_state == usage_pb2.QUOTA_STATE_WARNING

    await _usage(producer, kafka_topic_prefix, org, site, 1_000, 0, "u-3")
    await _usage(producer, kafka_topic_prefix, org, site, 500, 0, "u-4")  # beyond the cap: still no 3rd email
    mails = await asyncio.to_thread(smtp_sink.wait_for, 2, to=email)
    assert "reached 100%" in str(mails[1]["Subject"])
    assert "never upgrade you automatically" in mails[1].get_content()

    async def usage_at(total: int) -> object:
        reply = await usage_stub.GetUsage(
            usage_pb2.GetUsageRequest(name=f"organizations/{org}/usage"), metadata=as_user(org)
        )
        return reply.usage if reply.usage.meters[0].used == total else None

    report = await eventually(lambda: usage_at(5_500))
    assert report.excluded_bot_impressions == 90_000 and report.hard_cap_reached
    assert report.meters[0].warning_time.seconds and report.meters[0].exceeded_time.seconds
    capped = (await entitlements.GetEntitlements(request, metadata=as_service())).entitlements
    assert not capped.serving_allowed and capped.impressions_state == usage_pb2.QUOTA_STATE_EXCEEDED
    assert capped.revision > first.revision
    assert len(await asyncio.to_thread(smtp_sink.wait_for, 2, to=email)) == 2

    # Counters survive a restart (Redis emptied too: Postgres is the durable total).
    await billing_server.stop(grace=0)
    restarted = build(
        billing_settings.model_copy(
            update={"redis_url": billing_settings.redis_url.replace("key_prefix=", "key_prefix=fresh")}
        )
    )
    await restarted.start()
    try:
        async with grpc.aio.insecure_channel(restarted.address) as channel:
            again = usage_pb2_grpc.UsageServiceStub(channel)
            reply = await again.GetUsage(
                usage_pb2.GetUsageRequest(name=f"organizations/{org}/usage"), metadata=as_user(org)
            )
            assert reply.usage.meters[0].used == 5_500
            stub = entitlement_pb2_grpc.EntitlementServiceStub(channel)
            assert not (
                await stub.GetEntitlements(request, metadata=as_service())
            ).entitlements.serving_allowed

            # Upgrading (a real Stripe subscription on localstripe) restores serving at once.
            changed = await subscription_pb2_grpc.SubscriptionServiceStub(channel).ChangeSubscriptionPlan(
                subscription_pb2.ChangeSubscriptionPlanRequest(
                    name=f"organizations/{org}/subscription",
                    plan="plans/growth",
                    billing_interval=plan_pb2.BILLING_INTERVAL_MONTH,
                    payment_method_id="pm_card_visa",
                ),
                metadata=as_user(org),
            )
            assert changed.subscription.plan == "plans/growth"
            assert changed.subscription.stripe_subscription_id.startswith("sub_")
            assert changed.subscription.status == subscription_pb2.SUBSCRIPTION_STATUS_ACTIVE
            upgraded = (await stub.GetEntitlements(request, metadata=as_service())).entitlements
            assert upgraded.serving_allowed and upgraded.plan == "plans/growth"
            assert upgraded.features.ab_tests and upgraded.limits.monthly_impressions == 250_000
    finally:
        await restarted.stop(grace=0)
    assert len(smtp_sink.messages) == 2


async def test_entitlements_refuse_other_orgs_and_bad_names(billing_channel: grpc.aio.Channel) -> None:
    from services.billing.tests.billing_support import error_of

    stub = entitlement_pb2_grpc.EntitlementServiceStub(billing_channel)
    org, other = str(uuid.uuid4()), str(uuid.uuid4())
    code, reason, _ = await error_of(
        stub.GetEntitlements(
            entitlement_pb2.GetEntitlementsRequest(name=f"organizations/{other}/entitlements"),
            metadata=as_user(org),
        )
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ORG_ACCESS_DENIED")
    code, _, violations = await error_of(
        stub.GetEntitlements(
            entitlement_pb2.GetEntitlementsRequest(name="organizations/x/entitlements"), metadata=as_service()
        )
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert violations == [("name", 'must look like "organizations/{org}/entitlements" with a UUID org id')]
    code, _, _ = await error_of(
        stub.GetEntitlements(entitlement_pb2.GetEntitlementsRequest(name=f"organizations/{org}/entitlements"))
    )
    assert code is grpc.StatusCode.UNAUTHENTICATED
