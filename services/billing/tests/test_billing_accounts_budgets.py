"""Billing account details synced to Stripe, payment method setup, checkout on localstripe, and
per-site budgets that cap one site's feed while the organization stays served."""

from __future__ import annotations

import uuid

import grpc
import stripe
from google.protobuf import field_mask_pb2

from services.billing.tests.billing_support import (
    as_service,
    as_user,
    error_of,
    eventually,
    open_org,
    publish_usage,
)
from shared.kafka_bus import EventProducer, ReceivedEvent
from socialproof.billing.v1 import (
    billing_account_pb2,
    billing_account_pb2_grpc,
    entitlement_pb2,
    entitlement_pb2_grpc,
    plan_pb2,
    subscription_pb2,
    subscription_pb2_grpc,
    usage_pb2,
    usage_pb2_grpc,
)
from socialproof.events.v1 import billing_events_pb2


async def test_billing_account_details_are_validated_versioned_and_synced_to_stripe(
    billing_channel: grpc.aio.Channel, producer: EventProducer, kafka_topic_prefix: str, localstripe_url: str
) -> None:
    org = str(uuid.uuid4())
    await open_org(billing_channel, producer, kafka_topic_prefix, org, "owner@trail.example")
    stub = billing_account_pb2_grpc.BillingAccountServiceStub(billing_channel)
    name = f"organizations/{org}/billingAccount"
    account = (
        await stub.GetBillingAccount(
            billing_account_pb2.GetBillingAccountRequest(name=name), metadata=as_user(org)
        )
    ).billing_account
    assert account.billing_email == "owner@trail.example" and account.currency_code == "USD"
    assert account.stripe_customer_id.startswith("cus_") and not account.HasField("default_payment_method")
    code, reason, _ = await error_of(
        stub.GetBillingAccount(
            billing_account_pb2.GetBillingAccountRequest(name=name), metadata=as_user(org, "member")
        )
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")

    def update(
        account: billing_account_pb2.BillingAccount, *paths: str
    ) -> billing_account_pb2.UpdateBillingAccountRequest:
        return billing_account_pb2.UpdateBillingAccountRequest(
            billing_account=account, update_mask=field_mask_pb2.FieldMask(paths=list(paths))
        )

    change = billing_account_pb2.BillingAccount(
        name=name,
        company_name="Trail Shoes s.r.o.",
        tax_id="CZ12345678",
        billing_email="invoices@trail.example",
        address=billing_account_pb2.PostalAddress(
            line1="Dlouhá 1", city="Praha", postal_code="110 00", country_code="CZ"
        ),
        etag=account.etag,
    )
    updated = (
        await stub.UpdateBillingAccount(
            update(change, "company_name", "tax_id", "address", "billing_email"), metadata=as_user(org)
        )
    ).billing_account
    assert (updated.company_name, updated.tax_id, updated.billing_email) == (
        "Trail Shoes s.r.o.",
        "CZ12345678",
        "invoices@trail.example",
    )
    assert updated.address.city == "Praha" and updated.etag != account.etag
    customer = stripe.StripeClient(
        "sk_test_billing", base_addresses={"api": localstripe_url}
    ).v1.customers.retrieve(account.stripe_customer_id)
    assert (customer.name, customer.email) == ("Trail Shoes s.r.o.", "invoices@trail.example")
    assert (
        customer.address is not None
        and customer.address.country == "CZ"
        and customer.address.line1 == "Dlouhá 1"
    )
    assert customer.metadata["tax_id"] == "CZ12345678"

    # Only masked fields change; a stale etag is ABORTED; bad values name their fields.
    only_name = billing_account_pb2.BillingAccount(name=name, company_name="Trail", tax_id="ignored")
    after = (
        await stub.UpdateBillingAccount(update(only_name, "company_name"), metadata=as_user(org))
    ).billing_account
    assert (after.company_name, after.tax_id) == ("Trail", "CZ12345678")
    code, reason, _ = await error_of(
        stub.UpdateBillingAccount(update(change, "company_name"), metadata=as_user(org))
    )
    assert (code, reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    bad = billing_account_pb2.BillingAccount(
        name=name,
        billing_email="not-an-email",
        address=billing_account_pb2.PostalAddress(line1="x", country_code="Czech"),
    )
    code, _, violations = await error_of(
        stub.UpdateBillingAccount(
            update(bad, "billing_email", "address", "currency_code"), metadata=as_user(org)
        )
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in violations] == [
        "update_mask",
        "billing_account.billing_email",
        "billing_account.address.country_code",
    ]
    code, _, violations = await error_of(stub.UpdateBillingAccount(update(change), metadata=as_user(org)))
    assert (code, violations) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        [("update_mask", "is required: name the fields to change")],
    )
    code, reason, _ = await error_of(
        stub.UpdateBillingAccount(update(only_name, "company_name"), metadata=as_user(org, "admin"))
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")

    # A SetupIntent for Stripe.js, with the publishable key the browser needs.
    setup = await stub.CreatePaymentMethodSetup(
        billing_account_pb2.CreatePaymentMethodSetupRequest(name=name, request_id=str(uuid.uuid4())),
        metadata=as_user(org),
    )
    assert setup.setup_intent_id.startswith("seti_") and setup.client_secret.startswith(
        setup.setup_intent_id + "_secret_"
    )
    assert setup.publishable_key == "pk_test_billing"
    code, _, violations = await error_of(
        stub.CreatePaymentMethodSetup(
            billing_account_pb2.CreatePaymentMethodSetupRequest(name=name, request_id="again"),
            metadata=as_user(org),
        )
    )
    assert (code, violations) == (grpc.StatusCode.INVALID_ARGUMENT, [("request_id", "must be a UUID")])

    # Checkout: validated; localstripe has no Checkout, which is said plainly (not UNAVAILABLE).
    subs = subscription_pb2_grpc.SubscriptionServiceStub(billing_channel)
    checkout = subscription_pb2.CreateCheckoutSessionRequest(
        name=f"organizations/{org}/subscription",
        plan="plans/growth",
        billing_interval=plan_pb2.BILLING_INTERVAL_YEAR,
        success_uri="https://app.example/billing/done",
        cancel_uri="https://app.example/billing",
    )
    code, reason, _ = await error_of(subs.CreateCheckoutSession(checkout, metadata=as_user(org)))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CHECKOUT_UNAVAILABLE")
    code, _, violations = await error_of(
        subs.CreateCheckoutSession(
            subscription_pb2.CreateCheckoutSessionRequest(
                name=checkout.name, plan="plans/growth", success_uri="javascript:alert(1)"
            ),
            metadata=as_user(org),
        )
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in violations] == ["billing_interval", "success_uri", "cancel_uri"]


async def test_site_budget_caps_only_that_site_and_changes_are_announced(
    billing_channel: grpc.aio.Channel,
    producer: EventProducer,
    kafka_topic_prefix: str,
    billing_topic: list[ReceivedEvent],
) -> None:
    org, other = str(uuid.uuid4()), str(uuid.uuid4())
    capped_site, free_site = str(uuid.uuid4()), str(uuid.uuid4())
    await open_org(billing_channel, producer, kafka_topic_prefix, org, "owner@trail.example")
    usage = usage_pb2_grpc.UsageServiceStub(billing_channel)
    entitlements = entitlement_pb2_grpc.EntitlementServiceStub(billing_channel)
    budget_name = f"organizations/{org}/siteBudgets/{capped_site}"

    def budget(amount: int, etag: str = "", site: str = capped_site) -> usage_pb2.SiteBudget:
        return usage_pb2.SiteBudget(
            name=f"organizations/{org}/siteBudgets/{site}", monthly_impressions=amount, etag=etag
        )

    async def entitled() -> entitlement_pb2.Entitlements:
        reply = await entitlements.GetEntitlements(
            entitlement_pb2.GetEntitlementsRequest(name=f"organizations/{org}/entitlements"),
            metadata=as_service(),
        )
        return reply.entitlements

    # Without allow_missing a budget is not created; admins may set one, members may not.
    code, reason, _ = await error_of(
        usage.UpdateSiteBudget(
            usage_pb2.UpdateSiteBudgetRequest(site_budget=budget(1_000)), metadata=as_user(org)
        )
    )
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "SITE_BUDGET_NOT_FOUND")
    code, reason, _ = await error_of(
        usage.UpdateSiteBudget(
            usage_pb2.UpdateSiteBudgetRequest(site_budget=budget(1_000), allow_missing=True),
            metadata=as_user(org, "member"),
        )
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    code, _, violations = await error_of(
        usage.UpdateSiteBudget(
            usage_pb2.UpdateSiteBudgetRequest(
                site_budget=budget(0),
                allow_missing=True,
                update_mask=field_mask_pb2.FieldMask(paths=["site"]),
            ),
            metadata=as_user(org),
        )
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in violations] == ["update_mask", "site_budget.monthly_impressions"]
    created = (
        await usage.UpdateSiteBudget(
            usage_pb2.UpdateSiteBudgetRequest(site_budget=budget(1_000), allow_missing=True),
            metadata=as_user(org, "admin"),
        )
    ).site_budget
    assert created.name == budget_name and created.site == f"organizations/{org}/sites/{capped_site}"
    assert (created.monthly_impressions, created.used_impressions) == (1_000, 0)
    assert created.state == usage_pb2.QUOTA_STATE_OK and created.etag
    before = await entitled()

    # The site uses its budget: only it is capped; the org (1,500 of 5,000) is still served.
    await publish_usage(producer, kafka_topic_prefix, org, capped_site, 1_000, "site-1")
    await publish_usage(producer, kafka_topic_prefix, org, free_site, 500, "site-2")

    async def capped() -> entitlement_pb2.Entitlements | None:
        e = await entitled()
        return (
            e
            if list(e.capped_sites)
            and e.impressions_state == usage_pb2.QUOTA_STATE_OK
            and e.revision > before.revision
            else None
        )

    now_capped = await eventually(capped)
    assert list(now_capped.capped_sites) == [f"organizations/{org}/sites/{capped_site}"]
    assert now_capped.serving_allowed
    got = (
        await usage.GetSiteBudget(
            usage_pb2.GetSiteBudgetRequest(name=budget_name), metadata=as_user(org, "member")
        )
    ).site_budget
    assert (got.used_impressions, got.state) == (1_000, usage_pb2.QUOTA_STATE_EXCEEDED)

    # Raising the budget lifts the cap at once (QuotaReset BUDGET_CHANGED); a stale etag is refused.
    raised = (
        await usage.UpdateSiteBudget(
            usage_pb2.UpdateSiteBudgetRequest(site_budget=budget(1_200, got.etag)), metadata=as_user(org)
        )
    ).site_budget
    assert raised.state == usage_pb2.QUOTA_STATE_WARNING and raised.etag != got.etag
    lifted = await entitled()
    assert list(lifted.capped_sites) == [] and lifted.revision > now_capped.revision
    code, reason, _ = await error_of(
        usage.UpdateSiteBudget(
            usage_pb2.UpdateSiteBudgetRequest(site_budget=budget(500, got.etag)), metadata=as_user(org)
        )
    )
    assert (code, reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")

    # Lowering it below usage caps the site again; deleting the budget lifts that cap too.
    await usage.UpdateSiteBudget(
        usage_pb2.UpdateSiteBudgetRequest(site_budget=budget(900)), metadata=as_user(org)
    )
    assert list((await entitled()).capped_sites) == [f"organizations/{org}/sites/{capped_site}"]
    second = (
        await usage.UpdateSiteBudget(
            usage_pb2.UpdateSiteBudgetRequest(site_budget=budget(100, site=free_site), allow_missing=True),
            metadata=as_user(org),
        )
    ).site_budget
    listed = await usage.ListSiteBudgets(
        usage_pb2.ListSiteBudgetsRequest(parent=f"organizations/{org}", page_size=1),
        metadata=as_user(org, "member"),
    )
    rest = await usage.ListSiteBudgets(
        usage_pb2.ListSiteBudgetsRequest(parent=f"organizations/{org}", page_token=listed.next_page_token),
        metadata=as_user(org, "member"),
    )
    assert sorted([b.name for b in (*listed.site_budgets, *rest.site_budgets)]) == sorted(
        [budget_name, second.name]
    )
    assert rest.next_page_token == ""
    await usage.DeleteSiteBudget(usage_pb2.DeleteSiteBudgetRequest(name=budget_name), metadata=as_user(org))
    assert list((await entitled()).capped_sites) == [f"organizations/{org}/sites/{free_site}"]
    code, reason, _ = await error_of(
        usage.GetSiteBudget(usage_pb2.GetSiteBudgetRequest(name=budget_name), metadata=as_user(org))
    )
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "SITE_BUDGET_NOT_FOUND")

    # Another organization's user reaches none of this.
    code, reason, _ = await error_of(
        usage.ListSiteBudgets(
            usage_pb2.ListSiteBudgetsRequest(parent=f"organizations/{org}"), metadata=as_user(other)
        )
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ORG_ACCESS_DENIED")
    code, _, violations = await error_of(
        usage.GetSiteBudget(
            usage_pb2.GetSiteBudgetRequest(name=f"organizations/{org}/siteBudgets/x"), metadata=as_user(org)
        )
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT and violations[0][0] == "name"

    # Every cap change went out on the billing topic, so the feed's caches followed it.
    def site_events() -> list[tuple[str, int]]:
        out = []
        for event in billing_topic:
            kind = event.envelope.event_type
            if kind == billing_events_pb2.QuotaExceeded.DESCRIPTOR.full_name:
                e = event.payload(billing_events_pb2.QuotaExceeded)
                if e.org_id == org:
                    out.append(("exceeded:" + ("site" if e.site_id == capped_site else e.site_id), e.limit))
            elif kind == billing_events_pb2.QuotaReset.DESCRIPTOR.full_name:
                r = event.payload(billing_events_pb2.QuotaReset)
                if r.org_id == org:
                    assert r.reason == billing_events_pb2.QUOTA_RESET_REASON_BUDGET_CHANGED
                    out.append(
                        (
                            "reset:" + ("site" if r.site_id == capped_site else r.site_id),
                            r.limit if r.HasField("limit") else 0,
                        )
                    )
        return out

    async def all_announced() -> list[tuple[str, int]] | None:
        seen = site_events()
        return seen if len(seen) >= 5 else None

    seen = await eventually(all_announced)
    assert ("exceeded:site", 1_000) in seen and ("reset:site", 1_200) in seen
    assert ("exceeded:site", 900) in seen and ("reset:site", 0) in seen
    assert (f"exceeded:{free_site}", 100) in seen
