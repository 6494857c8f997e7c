"""Time and organization lifecycle: a new period lifts the cap with a QuotaReset on Kafka; a deleted
organization stops paying, being served and being metered, and can come back on Free."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import stripe

from services.billing.tests.billing_support import (
    as_service,
    as_user,
    billing_of,
    eventually,
    open_org,
    publish_usage,
)
from shared.kafka_bus import EventProducer, ReceivedEvent, make_envelope
from shared.rpc import RpcServer
from socialproof.billing.v1 import (
    billing_account_pb2,
    billing_account_pb2_grpc,
    entitlement_pb2,
    entitlement_pb2_grpc,
    subscription_pb2,
    subscription_pb2_grpc,
    usage_pb2,
    usage_pb2_grpc,
)
from socialproof.events.v1 import billing_events_pb2, users_events_pb2


def _of(events: list[ReceivedEvent], message: type, org: str) -> list:  # type: ignore[type-arg]
    found = []
    for event in events:
        if event.envelope.event_type == message.DESCRIPTOR.full_name:
            payload = event.payload(message)
            if payload.org_id == org:
                found.append(payload)
    return found


async def test_a_new_period_lifts_the_cap_and_says_so_once(
    billing_server: RpcServer,
    billing_channel: grpc.aio.Channel,
    producer: EventProducer,
    kafka_topic_prefix: str,
    billing_topic: list[ReceivedEvent],
) -> None:
    org, site = str(uuid.uuid4()), str(uuid.uuid4())
    await open_org(billing_channel, producer, kafka_topic_prefix, org, "owner@trail.example")
    stub = entitlement_pb2_grpc.EntitlementServiceStub(billing_channel)
    request = entitlement_pb2.GetEntitlementsRequest(name=f"organizations/{org}/entitlements")
    await publish_usage(producer, kafka_topic_prefix, org, site, 5_000, "cap-1")

    async def capped() -> entitlement_pb2.Entitlements | None:
        e = (await stub.GetEntitlements(request, metadata=as_service())).entitlements
        return e if not e.serving_allowed else None

    before = await eventually(capped)
    period_end = before.current_period.end_time.ToDatetime(UTC)
    billing = billing_of(billing_server)
    real_clock = billing.clock
    billing.clock = lambda: period_end + timedelta(seconds=1)
    try:
        assert await billing.start_new_periods() == 1
        after = (await stub.GetEntitlements(request, metadata=as_service())).entitlements
        assert after.serving_allowed and after.impressions_state == usage_pb2.QUOTA_STATE_OK
        assert after.current_period.start_time.ToDatetime(UTC) == period_end
        assert after.revision > before.revision
        # Once per period: the periodic task running again announces nothing new.
        assert await billing.start_new_periods() == 0
        report = (
            await usage_pb2_grpc.UsageServiceStub(billing_channel).GetUsage(
                usage_pb2.GetUsageRequest(name=f"organizations/{org}/usage"), metadata=as_user(org)
            )
        ).usage
        assert report.meters[0].used == 0 and not report.hard_cap_reached
    finally:
        billing.clock = real_clock

    async def announced() -> list[billing_events_pb2.QuotaReset] | None:
        resets = _of(billing_topic, billing_events_pb2.QuotaReset, org)
        return resets or None

    (reset,) = await eventually(announced)
    assert reset.reason == billing_events_pb2.QUOTA_RESET_REASON_PERIOD_STARTED and reset.site_id == ""
    assert (reset.used, reset.limit) == (0, 5_000)
    assert reset.period_start_time.ToDatetime(UTC) == period_end
    assert reset.entitlements_revision == after.revision


async def test_deleted_organization_stops_paying_being_served_and_metered_until_restored(
    billing_server: RpcServer,
    billing_channel: grpc.aio.Channel,
    producer: EventProducer,
    kafka_topic_prefix: str,
    localstripe_url: str,
    billing_topic: list[ReceivedEvent],
) -> None:
    org, site = str(uuid.uuid4()), str(uuid.uuid4())
    await open_org(billing_channel, producer, kafka_topic_prefix, org, "owner@trail.example")
    subs = subscription_pb2_grpc.SubscriptionServiceStub(billing_channel)
    name = f"organizations/{org}/subscription"
    paid = (
        await subs.ChangeSubscriptionPlan(
            subscription_pb2.ChangeSubscriptionPlanRequest(
                name=name, plan="plans/growth", payment_method_id="pm_card_visa"
            ),
            metadata=as_user(org),
        )
    ).subscription
    assert paid.plan == "plans/growth"
    entitlements = entitlement_pb2_grpc.EntitlementServiceStub(billing_channel)
    request = entitlement_pb2.GetEntitlementsRequest(name=f"organizations/{org}/entitlements")

    deleted = users_events_pb2.OrganizationDeleted(
        org_id=org, stage=users_events_pb2.ORGANIZATION_DELETION_STAGE_SOFT_DELETED
    )
    deleted.delete_time.FromDatetime(datetime.now(UTC))
    envelope = make_envelope(deleted, org)
    await producer.publish(kafka_topic_prefix + "users", envelope)

    async def stopped() -> entitlement_pb2.Entitlements | None:
        e = (await entitlements.GetEntitlements(request, metadata=as_service())).entitlements
        return e if not e.serving_allowed else None

    gone = await eventually(stopped)
    assert gone.plan == "plans/free"
    remote = stripe.StripeClient("sk_test_billing", base_addresses={"api": localstripe_url})
    assert remote.v1.subscriptions.retrieve(paid.stripe_subscription_id).status == "canceled"
    sub = (
        await subs.GetSubscription(subscription_pb2.GetSubscriptionRequest(name=name), metadata=as_user(org))
    ).subscription
    assert sub.stripe_subscription_id == "" and sub.plan == "plans/free"

    # No longer metered; a replay of the deletion changes nothing.
    billing = billing_of(billing_server)
    assert not await billing.record_usage("late-1", org, site, 10, 0, datetime.now(UTC))
    await producer.publish(kafka_topic_prefix + "users", envelope)

    async def ended_announced() -> list[billing_events_pb2.SubscriptionChanged] | None:
        changes = [
            c
            for c in _of(billing_topic, billing_events_pb2.SubscriptionChanged, org)
            if c.change_type == billing_events_pb2.SUBSCRIPTION_CHANGE_TYPE_ENDED
        ]
        return changes or None

    (ended,) = await eventually(ended_announced)
    assert not ended.serving_allowed and ended.plan == "plans/free"

    # Restored: served again, on Free, metered again.
    restored = users_events_pb2.OrganizationRestored(org_id=org)
    restored.restore_time.FromDatetime(datetime.now(UTC))
    await producer.publish(kafka_topic_prefix + "users", make_envelope(restored, org))

    async def back() -> entitlement_pb2.Entitlements | None:
        e = (await entitlements.GetEntitlements(request, metadata=as_service())).entitlements
        return e if e.serving_allowed else None

    assert (await eventually(back)).plan == "plans/free"
    usage = usage_pb2_grpc.UsageServiceStub(billing_channel)
    report = (
        await usage.GetUsage(
            usage_pb2.GetUsageRequest(name=f"organizations/{org}/usage"), metadata=as_user(org)
        )
    ).usage
    assert report.meters[0].used == 0
    assert await billing.record_usage("after-restore", org, site, 3, 0, datetime.now(UTC))

    # Purged: the billing contact (personal data) is erased.
    purged = users_events_pb2.OrganizationDeleted(
        org_id=org, stage=users_events_pb2.ORGANIZATION_DELETION_STAGE_PURGED
    )
    await producer.publish(kafka_topic_prefix + "users", make_envelope(purged, org))
    accounts = billing_account_pb2_grpc.BillingAccountServiceStub(billing_channel)

    async def erased() -> object:
        account = (
            await accounts.GetBillingAccount(
                billing_account_pb2.GetBillingAccountRequest(name=f"organizations/{org}/billingAccount"),
                metadata=as_user(org),
            )
        ).billing_account
        return account.billing_email == ""

    await eventually(erased)
    assert not (
        await entitlements.GetEntitlements(request, metadata=as_service())
    ).entitlements.serving_allowed
