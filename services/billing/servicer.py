"""gRPC servicers of billing: proto requests to use-case calls and domain results to proto responses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from google.protobuf.duration_pb2 import Duration

from services.billing import convert
from services.billing.adapters.payment_provider import ProviderInvoice
from services.billing.domain.pages import next_token, page_of
from services.billing.domain.plans import BillingInterval, parse_plan_name
from services.billing.domain.quotas import is_capped, quota_state
from services.billing.service import Billing, PlanCatalog, SubscriptionView
from shared.errors import FieldViolation, InvalidArgument, validate
from shared.principal import require_org_access
from socialproof.billing.v1 import (
    billing_account_pb2,
    billing_account_pb2_grpc,
    entitlement_pb2,
    entitlement_pb2_grpc,
    invoice_pb2,
    invoice_pb2_grpc,
    plan_pb2,
    plan_pb2_grpc,
    stripe_webhook_pb2,
    stripe_webhook_pb2_grpc,
    subscription_pb2,
    subscription_pb2_grpc,
    usage_pb2,
    usage_pb2_grpc,
)

#: Roles of user principals that may change what the organization pays.
BILLING_ROLES = ("owner",)

Context = Any


class PlanServicer(plan_pb2_grpc.PlanServiceServicer):  # type: ignore[misc]
    """PlanService: public, works for anonymous callers (the pricing page)."""

    def __init__(self, catalog: PlanCatalog) -> None:
        self._catalog = catalog

    async def ListPlans(
        self, request: plan_pb2.ListPlansRequest, context: Context
    ) -> plan_pb2.ListPlansResponse:
        page = await self._catalog.list_plans(request.page_size, request.page_token, request.show_unavailable)
        return plan_pb2.ListPlansResponse(
            plans=[convert.plan_message(p) for p in page.plans], next_page_token=page.next_page_token
        )

    async def GetPlan(self, request: plan_pb2.GetPlanRequest, context: Context) -> plan_pb2.GetPlanResponse:
        plan = await self._catalog.get_plan(parse_plan_name(request.name), request.version)
        return plan_pb2.GetPlanResponse(plan=convert.plan_message(plan))


def _org_of(name: str, suffix: str, field: str = "name") -> str:
    """The org id of "organizations/{org}/{suffix}" ("organizations/{org}" when suffix is empty)."""
    parts = name.split("/")
    expected = 3 if suffix else 2
    ok = len(parts) == expected and parts[0] == "organizations" and _is_uuid(parts[1])
    if suffix:
        ok = ok and parts[2] == suffix
    if not ok:
        shape = f"organizations/{{org}}/{suffix}" if suffix else "organizations/{org}"
        raise InvalidArgument(
            "Invalid resource name",
            violations=[FieldViolation(field, f'must look like "{shape}" with a UUID org id')],
            reason="INVALID_RESOURCE_NAME",
        )
    return parts[1]


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _subscription_message(view: SubscriptionView) -> subscription_pb2.Subscription:
    account, plan = view.account, view.plan
    interval = BillingInterval(account.billing_interval) if account.billing_interval else None
    price = plan.price_for(interval) if interval else None
    message = subscription_pb2.Subscription(
        name=f"organizations/{account.org_id}/subscription",
        plan=plan.name,
        plan_version=plan.version,
        plan_display_name=plan.display_name,
        plan_tier=convert.enum(plan_pb2.PlanTier, plan.tier),
        billing_interval=convert.enum(plan_pb2.BillingInterval, interval or 0),
        price=convert.money(price.amount_minor if price else 0, price.currency_code if price else "USD"),
        status=convert.enum(subscription_pb2.SubscriptionStatus, account.subscription_status),
        dunning_state=convert.enum(subscription_pb2.DunningState, view.dunning.state),
        grace_period_end_time=convert.timestamp(view.dunning.grace_period_end),
        current_period=convert.time_range(
            account.billing_period_start or view.period.start, account.billing_period_end or view.period.end
        ),
        trial_end_time=convert.timestamp(account.trial_end),
        trial_used=account.trial_used,
        cancel_at_period_end=account.cancel_at_period_end,
        start_time=convert.timestamp(account.subscription_start),
        stripe_subscription_id=account.stripe_subscription_id or "",
        update_time=convert.timestamp(account.update_time),
        etag=str(account.revision),
    )
    return message


class EntitlementServicer(entitlement_pb2_grpc.EntitlementServiceServicer):  # type: ignore[misc]
    def __init__(self, billing: Billing) -> None:
        self._billing = billing

    async def GetEntitlements(
        self, request: entitlement_pb2.GetEntitlementsRequest, context: Context
    ) -> entitlement_pb2.GetEntitlementsResponse:
        org_id = _org_of(request.name, "entitlements")
        require_org_access(org_id)
        e = await self._billing.entitlements(org_id)
        ttl = Duration()
        ttl.FromTimedelta(e.cache_ttl)
        return entitlement_pb2.GetEntitlementsResponse(
            entitlements=entitlement_pb2.Entitlements(
                name=f"organizations/{org_id}/entitlements",
                plan=e.plan.name,
                plan_version=e.plan.version,
                plan_tier=convert.enum(plan_pb2.PlanTier, e.plan.tier),
                limits=convert.plan_limits(e.plan),
                features=convert.plan_features(e.plan),
                subscription_status=convert.enum(subscription_pb2.SubscriptionStatus, e.subscription_status),
                dunning_state=convert.enum(subscription_pb2.DunningState, e.dunning.state),
                impressions_state=convert.enum(usage_pb2.QuotaState, e.impressions_state),
                serving_allowed=e.serving_allowed,
                capped_sites=[f"organizations/{org_id}/sites/{s}" for s in e.capped_site_ids],
                current_period=convert.time_range(e.period.start, e.period.end),
                revision=e.revision,
                compute_time=convert.timestamp(e.compute_time),
            ),
            cache_ttl=ttl,
        )


class UsageServicer(usage_pb2_grpc.UsageServiceServicer):  # type: ignore[misc]
    def __init__(self, billing: Billing) -> None:
        self._billing = billing

    async def GetUsage(
        self, request: usage_pb2.GetUsageRequest, context: Context
    ) -> usage_pb2.GetUsageResponse:
        org_id = _org_of(request.name, "usage")
        require_org_access(org_id)
        at = request.period_time.ToDatetime(UTC) if request.HasField("period_time") else None
        report = await self._billing.usage(org_id, at)
        limit = report.plan.limits.monthly_impressions
        meter = usage_pb2.UsageMeter(
            metric=usage_pb2.QUOTA_METRIC_IMPRESSIONS,
            used=report.used_impressions,
            state=convert.enum(usage_pb2.QuotaState, quota_state(report.used_impressions, limit)),
            warning_time=convert.timestamp(report.warning_time),
            exceeded_time=convert.timestamp(report.exceeded_time),
        )
        if limit is not None:
            meter.limit = limit
        sites = []
        for site_id, (counted, _) in sorted(report.sites.items(), key=lambda kv: -kv[1][0]):
            site = usage_pb2.SiteUsage(site=f"organizations/{org_id}/sites/{site_id}", impressions=counted)
            budget = report.budgets.get(site_id)
            site.state = convert.enum(usage_pb2.QuotaState, quota_state(counted, budget))
            if budget is not None:
                site.budget = budget
            sites.append(site)
        return usage_pb2.GetUsageResponse(
            usage=usage_pb2.Usage(
                name=f"organizations/{org_id}/usage",
                period=convert.time_range(report.period.start, report.period.end),
                current=report.current,
                meters=[meter],
                excluded_bot_impressions=report.bot_impressions,
                site_usages=sites,
                daily_usages=[
                    usage_pb2.DailyUsage(
                        day_start_time=convert.timestamp(datetime(d.year, d.month, d.day, tzinfo=UTC)),
                        impressions=c,
                        excluded_bot_impressions=b,
                    )
                    for d, c, b in report.daily
                ],
                hard_cap_reached=is_capped(report.used_impressions, limit),
                update_time=convert.timestamp(report.update_time),
            )
        )


class SubscriptionServicer(subscription_pb2_grpc.SubscriptionServiceServicer):  # type: ignore[misc]
    def __init__(self, billing: Billing) -> None:
        self._billing = billing

    async def GetSubscription(
        self, request: subscription_pb2.GetSubscriptionRequest, context: Context
    ) -> subscription_pb2.GetSubscriptionResponse:
        org_id = _org_of(request.name, "subscription")
        require_org_access(org_id)
        return subscription_pb2.GetSubscriptionResponse(
            subscription=_subscription_message(await self._billing.subscription(org_id))
        )

    async def ChangeSubscriptionPlan(
        self, request: subscription_pb2.ChangeSubscriptionPlanRequest, context: Context
    ) -> subscription_pb2.ChangeSubscriptionPlanResponse:
        org_id = _org_of(request.name, "subscription")
        require_org_access(org_id, roles=BILLING_ROLES)
        slug = parse_plan_name(request.plan, field="plan")
        interval = BillingInterval(request.billing_interval or BillingInterval.MONTH)
        view = await self._billing.change_plan(
            org_id, slug, interval, request.payment_method_id, request.start_trial
        )
        return subscription_pb2.ChangeSubscriptionPlanResponse(subscription=_subscription_message(view))

    async def CancelSubscription(
        self, request: subscription_pb2.CancelSubscriptionRequest, context: Context
    ) -> subscription_pb2.CancelSubscriptionResponse:
        org_id = _org_of(request.name, "subscription")
        require_org_access(org_id, roles=BILLING_ROLES)
        view = await self._billing.cancel(org_id, request.immediately)
        return subscription_pb2.CancelSubscriptionResponse(subscription=_subscription_message(view))

    async def ResumeSubscription(
        self, request: subscription_pb2.ResumeSubscriptionRequest, context: Context
    ) -> subscription_pb2.ResumeSubscriptionResponse:
        org_id = _org_of(request.name, "subscription")
        require_org_access(org_id, roles=BILLING_ROLES)
        view = await self._billing.resume(org_id)
        return subscription_pb2.ResumeSubscriptionResponse(subscription=_subscription_message(view))


class InvoiceServicer(invoice_pb2_grpc.InvoiceServiceServicer):  # type: ignore[misc]
    def __init__(self, billing: Billing) -> None:
        self._billing = billing

    async def ListInvoices(
        self, request: invoice_pb2.ListInvoicesRequest, context: Context
    ) -> invoice_pb2.ListInvoicesResponse:
        org_id = _org_of(request.parent, "", field="parent")
        require_org_access(org_id, roles=("owner", "admin"))
        page = page_of(request.page_size, request.page_token, default_size=20)
        # Stripe pages by cursor; we ask for everything up to this page (bounded by 100 per call).
        found = await self._billing.invoices(org_id, min(page.offset + page.size + 1, 100))
        wanted = set(request.statuses)
        listed = [
            i
            for i in found
            if (_INVOICE_STATUS.get(i.status, 0) in wanted) or (not wanted and i.status != "draft")
        ]
        chosen = listed[page.offset : page.offset + page.size]
        return invoice_pb2.ListInvoicesResponse(
            invoices=[_invoice_message(org_id, i) for i in chosen],
            next_page_token=next_token(page, len(listed)),
        )


_INVOICE_STATUS = {"draft": 1, "open": 2, "paid": 3, "void": 4, "uncollectible": 5}


def _invoice_message(org_id: str, i: ProviderInvoice) -> invoice_pb2.Invoice:
    def m(amount: int) -> Any:
        return convert.money(amount, i.currency_code)

    return invoice_pb2.Invoice(
        name=f"organizations/{org_id}/invoices/{i.id}",
        number=i.number,
        status=convert.enum(invoice_pb2.InvoiceStatus, _INVOICE_STATUS.get(i.status, 0)),
        subtotal=m(i.subtotal),
        tax=m(i.tax),
        total=m(i.total),
        amount_due=m(i.amount_due),
        amount_paid=m(i.amount_paid),
        lines=[
            invoice_pb2.InvoiceLine(
                description=line.description,
                amount=m(line.amount_minor),
                quantity=line.quantity,
                proration=line.proration,
            )
            for line in i.lines
        ],
        create_time=convert.timestamp(i.created),
        due_time=convert.timestamp(i.due),
        attempt_count=i.attempt_count,
        pdf_uri=i.pdf_uri,
        hosted_invoice_uri=i.hosted_uri,
        stripe_invoice_id=i.id,
    )


class BillingAccountServicer(billing_account_pb2_grpc.BillingAccountServiceServicer):  # type: ignore[misc]
    def __init__(self, billing: Billing) -> None:
        self._billing = billing

    async def UpdatePaymentMethod(
        self, request: billing_account_pb2.UpdatePaymentMethodRequest, context: Context
    ) -> billing_account_pb2.UpdatePaymentMethodResponse:
        org_id = _org_of(request.name, "billingAccount")
        require_org_access(org_id, roles=("owner",))
        with validate("Invalid payment method") as v:
            v.check(
                request.payment_method_id.startswith("pm_"),
                "payment_method_id",
                'must be a Stripe "pm_..." id',
            )
        view = await self._billing.update_payment_method(org_id, request.payment_method_id)
        a = view.account
        return billing_account_pb2.UpdatePaymentMethodResponse(
            billing_account=billing_account_pb2.BillingAccount(
                name=f"organizations/{org_id}/billingAccount",
                company_name=a.display_name,
                currency_code="USD",
                default_payment_method=billing_account_pb2.PaymentMethod(
                    stripe_payment_method_id=a.payment_method_id or "",
                    type="card",
                    brand=a.payment_method_brand or "",
                    last4=a.payment_method_last4 or "",
                    exp_month=a.payment_method_exp_month or 0,
                    exp_year=a.payment_method_exp_year or 0,
                ),
                stripe_customer_id=a.stripe_customer_id or "",
                create_time=convert.timestamp(a.create_time),
                update_time=convert.timestamp(a.update_time),
                etag=str(a.revision),
            )
        )


class StripeWebhookServicer(stripe_webhook_pb2_grpc.StripeWebhookServiceServicer):  # type: ignore[misc]
    """Public (Stripe calls it through the edge); trust comes only from the signature."""

    def __init__(self, billing: Billing) -> None:
        self._billing = billing

    async def ReceiveStripeWebhook(
        self, request: stripe_webhook_pb2.ReceiveStripeWebhookRequest, context: Context
    ) -> stripe_webhook_pb2.ReceiveStripeWebhookResponse:
        signature = None
        for key, value in context.invocation_metadata() or ():
            if key == "stripe-signature":
                signature = value if isinstance(value, str) else value.decode("latin-1")
        event_id, duplicate = await self._billing.receive_stripe_event(request.body.data, signature)
        return stripe_webhook_pb2.ReceiveStripeWebhookResponse(event_id=event_id, duplicate=duplicate)
