"""Subscriptions against localstripe: a trial from Free, paying with the amount that was previewed,
invoices (list and one), cancel at period end and resume, the payment method on file."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import grpc
from google.api import httpbody_pb2

from services.billing.tests.billing_support import as_service, as_user, error_of, open_org, stripe_signature
from shared.kafka_bus import EventProducer
from socialproof.billing.v1 import (
    billing_account_pb2,
    billing_account_pb2_grpc,
    entitlement_pb2,
    entitlement_pb2_grpc,
    invoice_pb2,
    invoice_pb2_grpc,
    plan_pb2,
    stripe_webhook_pb2,
    stripe_webhook_pb2_grpc,
    subscription_pb2,
    subscription_pb2_grpc,
)
from socialproof.common.v1 import common_pb2


async def test_trial_from_free_needs_no_card_then_a_card_is_put_on_file(
    billing_channel: grpc.aio.Channel, producer: EventProducer, kafka_topic_prefix: str
) -> None:
    org = str(uuid.uuid4())
    await open_org(billing_channel, producer, kafka_topic_prefix, org, "owner@trail.example")
    subs = subscription_pb2_grpc.SubscriptionServiceStub(billing_channel)
    accounts = billing_account_pb2_grpc.BillingAccountServiceStub(billing_channel)
    name = f"organizations/{org}/subscription"

    preview = await subs.PreviewSubscriptionChange(
        subscription_pb2.PreviewSubscriptionChangeRequest(name=name, plan="plans/growth"),
        metadata=as_user(org),
    )
    assert preview.starts_trial and preview.amount_due_now.amount_minor == 0
    assert (preview.next_period_price.amount_minor, preview.next_period_price.currency_code) == (4_900, "USD")
    assert not preview.HasField("immediate_invoice")

    # A trial needs no payment method; without start_trial the same change does.
    code, _, violations = await error_of(
        subs.ChangeSubscriptionPlan(
            subscription_pb2.ChangeSubscriptionPlanRequest(name=name, plan="plans/growth"),
            metadata=as_user(org),
        )
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert violations == [("payment_method_id", "is required for a paid plan without a trial")]
    trial = (
        await subs.ChangeSubscriptionPlan(
            subscription_pb2.ChangeSubscriptionPlanRequest(name=name, plan="plans/growth", start_trial=True),
            metadata=as_user(org),
        )
    ).subscription
    assert trial.plan == "plans/growth" and trial.status == subscription_pb2.SUBSCRIPTION_STATUS_TRIALING
    assert trial.trial_used and trial.billing_interval == plan_pb2.BILLING_INTERVAL_MONTH
    trial_days = trial.trial_end_time.ToDatetime(UTC) - datetime.now(UTC)
    assert timedelta(days=13, hours=23) < trial_days <= timedelta(days=14)
    entitled = (
        await entitlement_pb2_grpc.EntitlementServiceStub(billing_channel).GetEntitlements(
            entitlement_pb2.GetEntitlementsRequest(name=f"organizations/{org}/entitlements"),
            metadata=as_service(),
        )
    ).entitlements
    assert entitled.plan == "plans/growth" and entitled.serving_allowed and entitled.features.ab_tests

    # One trial per organization: a second preview shows a charge, not a trial.
    again = await subs.PreviewSubscriptionChange(
        subscription_pb2.PreviewSubscriptionChangeRequest(name=name, plan="plans/business"),
        metadata=as_user(org),
    )
    assert not again.starts_trial

    # UpdatePaymentMethod: owner only, a pm_ id, and the card shows on the account.
    request = billing_account_pb2.UpdatePaymentMethodRequest(
        name=f"organizations/{org}/billingAccount", payment_method_id="pm_card_visa"
    )
    code, reason, _ = await error_of(
        accounts.UpdatePaymentMethod(request, metadata=as_user(org, role="admin"))
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    code, _, violations = await error_of(
        accounts.UpdatePaymentMethod(
            billing_account_pb2.UpdatePaymentMethodRequest(name=request.name, payment_method_id="card_123"),
            metadata=as_user(org),
        )
    )
    assert (code, violations) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        [("payment_method_id", 'must be a Stripe "pm_..." id')],
    )
    # In dunning, a new card also retries the open invoices (none here: the path must simply work).
    customer = (
        await accounts.GetBillingAccount(
            billing_account_pb2.GetBillingAccountRequest(name=request.name), metadata=as_user(org)
        )
    ).billing_account.stripe_customer_id
    failed = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": "invoice.payment_failed",
            "data": {"object": {"id": "in_x", "customer": customer, "attempt_count": 1}},
        }
    ).encode()
    await stripe_webhook_pb2_grpc.StripeWebhookServiceStub(billing_channel).ReceiveStripeWebhook(
        stripe_webhook_pb2.ReceiveStripeWebhookRequest(body=httpbody_pb2.HttpBody(data=failed)),
        metadata=(("stripe-signature", stripe_signature(failed)),),
    )
    account = (await accounts.UpdatePaymentMethod(request, metadata=as_user(org))).billing_account
    card = account.default_payment_method
    assert card.stripe_payment_method_id.startswith("pm_") and card.stripe_payment_method_id != "pm_card_visa"
    assert (card.brand, card.last4, card.type) == ("visa", "4242", "card") and card.exp_year >= 2026
    got = (
        await accounts.GetBillingAccount(
            billing_account_pb2.GetBillingAccountRequest(name=request.name), metadata=as_user(org)
        )
    ).billing_account
    assert got.default_payment_method == card and got.etag == account.etag


async def test_paid_change_charges_what_was_previewed_lists_invoices_and_cancels_then_resumes(
    billing_channel: grpc.aio.Channel, producer: EventProducer, kafka_topic_prefix: str
) -> None:
    org, other = str(uuid.uuid4()), str(uuid.uuid4())
    await open_org(billing_channel, producer, kafka_topic_prefix, org, "owner@shop.example")
    subs = subscription_pb2_grpc.SubscriptionServiceStub(billing_channel)
    invoices = invoice_pb2_grpc.InvoiceServiceStub(billing_channel)
    name = f"organizations/{org}/subscription"

    def change(amount: int | None) -> subscription_pb2.ChangeSubscriptionPlanRequest:
        request = subscription_pb2.ChangeSubscriptionPlanRequest(
            name=name, plan="plans/starter", payment_method_id="pm_card_visa"
        )
        if amount is not None:
            request.expected_amount_due.CopyFrom(common_pb2.Money(amount_minor=amount, currency_code="USD"))
        return request

    # The customer saw "0" (the trial preview) but asks for no trial: refused, nothing charged.
    code, reason, _ = await error_of(subs.ChangeSubscriptionPlan(change(0), metadata=as_user(org)))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "AMOUNT_DUE_CHANGED")
    assert (
        await invoices.ListInvoices(
            invoice_pb2.ListInvoicesRequest(parent=f"organizations/{org}"), metadata=as_user(org)
        )
    ).invoices == []
    paid = (await subs.ChangeSubscriptionPlan(change(1_900), metadata=as_user(org))).subscription
    assert paid.plan == "plans/starter" and paid.status == subscription_pb2.SUBSCRIPTION_STATUS_ACTIVE
    assert not paid.trial_used and paid.price.amount_minor == 1_900

    # Invoices: owner and admin read them (members do not), newest first, lines name the plan.
    listed = (
        await invoices.ListInvoices(
            invoice_pb2.ListInvoicesRequest(parent=f"organizations/{org}"),
            metadata=as_user(org, role="admin"),
        )
    ).invoices
    assert len(listed) == 1
    first = listed[0]
    assert first.status == invoice_pb2.INVOICE_STATUS_PAID and first.total.amount_minor == 1_900
    assert first.amount_paid.amount_minor == 1_900 and first.total.currency_code == "USD"
    assert first.name == f"organizations/{org}/invoices/{first.stripe_invoice_id}"
    assert [(line.plan, line.amount.amount_minor) for line in first.lines] == [("plans/starter", 1_900)]
    # localstripe renders no PDF and no hosted page: the links stay empty rather than invented.
    assert first.pdf_uri == "" and first.hosted_invoice_uri == ""
    code, reason, _ = await error_of(
        invoices.ListInvoices(
            invoice_pb2.ListInvoicesRequest(parent=f"organizations/{org}"),
            metadata=as_user(org, role="member"),
        )
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    only_open = await invoices.ListInvoices(
        invoice_pb2.ListInvoicesRequest(
            parent=f"organizations/{org}", statuses=[invoice_pb2.INVOICE_STATUS_OPEN]
        ),
        metadata=as_user(org),
    )
    assert list(only_open.invoices) == []
    code, _, violations = await error_of(
        invoices.ListInvoices(
            invoice_pb2.ListInvoicesRequest(parent=f"organizations/{org}", page_token="nonsense!"),
            metadata=as_user(org),
        )
    )
    assert (code, violations) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        [("page_token", "is not a token this API returned")],
    )

    # GetInvoice: the same invoice; another organization's invoice does not exist for this one.
    got = (
        await invoices.GetInvoice(invoice_pb2.GetInvoiceRequest(name=first.name), metadata=as_user(org))
    ).invoice
    assert got == first
    await open_org(billing_channel, producer, kafka_topic_prefix, other, "owner@other.example")
    code, reason, _ = await error_of(
        invoices.GetInvoice(
            invoice_pb2.GetInvoiceRequest(name=f"organizations/{other}/invoices/{first.stripe_invoice_id}"),
            metadata=as_user(other),
        )
    )
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "INVOICE_NOT_FOUND")
    code, reason, _ = await error_of(
        invoices.GetInvoice(invoice_pb2.GetInvoiceRequest(name=first.name), metadata=as_user(other))
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ORG_ACCESS_DENIED")
    code, _, violations = await error_of(
        invoices.GetInvoice(
            invoice_pb2.GetInvoiceRequest(name=f"organizations/{org}/invoices/../x"), metadata=as_user(org)
        )
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT and violations[0][0] == "name"

    # An upgrade's preview (proration as Stripe computes it) is what the change then charges.
    preview = await subs.PreviewSubscriptionChange(
        subscription_pb2.PreviewSubscriptionChangeRequest(name=name, plan="plans/growth"),
        metadata=as_user(org),
    )
    assert not preview.starts_trial and preview.next_period_price.amount_minor == 4_900
    assert preview.amount_due_now == preview.immediate_invoice.amount_due
    assert preview.immediate_invoice.name == "" and "plans/growth" in [
        line.plan for line in preview.immediate_invoice.lines
    ]
    code, reason, _ = await error_of(
        subs.PreviewSubscriptionChange(
            subscription_pb2.PreviewSubscriptionChangeRequest(name=name, plan="plans/growth"),
            metadata=as_user(org, role="member"),
        )
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    code, _, violations = await error_of(
        subs.PreviewSubscriptionChange(
            subscription_pb2.PreviewSubscriptionChangeRequest(name=name, plan="plans/platinum"),
            metadata=as_user(org),
        )
    )
    assert (code, violations) == (grpc.StatusCode.INVALID_ARGUMENT, [("plan", "is not a plan on sale")])

    # Cancel at period end: still on Starter until then; resume undoes it; twice is refused.
    cancelled = (
        await subs.CancelSubscription(
            subscription_pb2.CancelSubscriptionRequest(name=name), metadata=as_user(org)
        )
    ).subscription
    assert cancelled.cancel_at_period_end and cancelled.plan == "plans/starter"
    assert cancelled.scheduled_change.plan == "plans/free"
    assert cancelled.scheduled_change.effective_time == cancelled.current_period.end_time
    assert cancelled.status == subscription_pb2.SUBSCRIPTION_STATUS_ACTIVE
    resumed = (
        await subs.ResumeSubscription(
            subscription_pb2.ResumeSubscriptionRequest(name=name), metadata=as_user(org)
        )
    ).subscription
    assert not resumed.cancel_at_period_end and resumed.plan == "plans/starter"
    assert not resumed.HasField("scheduled_change")
    code, reason, _ = await error_of(
        subs.ResumeSubscription(subscription_pb2.ResumeSubscriptionRequest(name=name), metadata=as_user(org))
    )
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NOTHING_TO_RESUME")
    code, reason, _ = await error_of(
        subs.CancelSubscription(
            subscription_pb2.CancelSubscriptionRequest(name=name), metadata=as_user(org, role="admin")
        )
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    # Ending at once returns the organization to Free.
    ended = (
        await subs.CancelSubscription(
            subscription_pb2.CancelSubscriptionRequest(name=name, immediately=True), metadata=as_user(org)
        )
    ).subscription
    assert (
        ended.plan == "plans/free" and ended.stripe_subscription_id == "" and not ended.cancel_at_period_end
    )
