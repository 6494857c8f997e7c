"""gRPC servicers of billing: proto requests to use-case calls and domain results to proto responses."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from google.protobuf.duration_pb2 import Duration

from services.billing import convert
from services.billing.adapters.payment_provider import ProviderInvoice
from services.billing.domain.billing_details import BillingDetails
from services.billing.domain.pages import next_token, page_of
from services.billing.domain.plans import BillingInterval, parse_plan_name
from services.billing.domain.quotas import MAX_SITE_BUDGET, is_capped, quota_state
from services.billing.service import (
    Billing,
    BillingAccountView,
    PlanCatalog,
    SiteBudgetView,
    SubscriptionView,
    version_tag,
)
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

#: Roles of user principals that may change what the organization pays, or how (the proto
#: contracts: subscription, billing account and payment method changes need owner).
BILLING_ROLES = ("owner",)
#: Roles that may read money matters (invoices, billing details, what a change would cost) and set
#: site budgets (UsageService: "budgets need admin").
FINANCE_READERS = ("owner", "admin")
BUDGET_EDITORS = ("owner", "admin")
_INVOICE_ID = re.compile(r"^in_[A-Za-z0-9]{1,250}$")

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


def _org_and_child(
    name: str, collection: str, id_ok: Any, id_shape: str, field: str = "name"
) -> tuple[str, str]:
    """(org id, child id) of "organizations/{org}/{collection}/{id}"."""
    parts = name.split("/")
    ok = (
        len(parts) == 4
        and parts[0] == "organizations"
        and _is_uuid(parts[1])
        and parts[2] == collection
        and bool(id_ok(parts[3]))
    )
    if not ok:
        raise InvalidArgument(
            "Invalid resource name",
            violations=[
                FieldViolation(
                    field,
                    f'must look like "organizations/{{org}}/{collection}/{{{id_shape}}}" with a UUID org id',
                )
            ],
            reason="INVALID_RESOURCE_NAME",
        )
    return parts[1], parts[3]


def _interval(value: int) -> BillingInterval | None:
    """A requested interval; unspecified is None (the service keeps the current one)."""
    if value == 0:
        return None
    try:
        return BillingInterval(value)
    except ValueError:
        raise InvalidArgument(
            "Invalid billing interval",
            violations=[FieldViolation("billing_interval", "must be BILLING_INTERVAL_MONTH or _YEAR")],
        ) from None


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and bool(parts.netloc) and len(value) <= 2048


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
    if account.cancel_at_period_end and account.billing_period_end:
        # A cancellation is a scheduled move to Free at the period end.
        message.scheduled_change.CopyFrom(
            subscription_pb2.ScheduledChange(
                plan="plans/free", effective_time=convert.timestamp(account.billing_period_end)
            )
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

    async def GetSiteBudget(
        self, request: usage_pb2.GetSiteBudgetRequest, context: Context
    ) -> usage_pb2.GetSiteBudgetResponse:
        org_id, site_id = _org_and_child(request.name, "siteBudgets", _is_uuid, "site")
        require_org_access(org_id)
        view = await self._billing.site_budget(org_id, site_id)
        return usage_pb2.GetSiteBudgetResponse(site_budget=_site_budget_message(view))

    async def ListSiteBudgets(
        self, request: usage_pb2.ListSiteBudgetsRequest, context: Context
    ) -> usage_pb2.ListSiteBudgetsResponse:
        org_id = _org_of(request.parent, "", field="parent")
        require_org_access(org_id)
        page = await self._billing.site_budgets_page(org_id, request.page_size, request.page_token)
        return usage_pb2.ListSiteBudgetsResponse(
            site_budgets=[_site_budget_message(b) for b in page.budgets], next_page_token=page.next_page_token
        )

    async def UpdateSiteBudget(
        self, request: usage_pb2.UpdateSiteBudgetRequest, context: Context
    ) -> usage_pb2.UpdateSiteBudgetResponse:
        budget = request.site_budget
        org_id, site_id = _org_and_child(
            budget.name, "siteBudgets", _is_uuid, "site", field="site_budget.name"
        )
        require_org_access(org_id, roles=BUDGET_EDITORS)
        with validate("Invalid site budget") as v:
            paths = list(request.update_mask.paths)
            v.check(
                all(p == "monthly_impressions" for p in paths),
                "update_mask",
                'only "monthly_impressions" can be changed',
            )
            v.check(
                1 <= budget.monthly_impressions <= MAX_SITE_BUDGET,
                "site_budget.monthly_impressions",
                f"must be between 1 and {MAX_SITE_BUDGET:,}",
            )
        view = await self._billing.set_site_budget(
            org_id, site_id, budget.monthly_impressions, etag=budget.etag, allow_missing=request.allow_missing
        )
        return usage_pb2.UpdateSiteBudgetResponse(site_budget=_site_budget_message(view))

    async def DeleteSiteBudget(
        self, request: usage_pb2.DeleteSiteBudgetRequest, context: Context
    ) -> usage_pb2.DeleteSiteBudgetResponse:
        org_id, site_id = _org_and_child(request.name, "siteBudgets", _is_uuid, "site")
        require_org_access(org_id, roles=BUDGET_EDITORS)
        await self._billing.delete_site_budget(org_id, site_id)
        return usage_pb2.DeleteSiteBudgetResponse()


def _site_budget_message(view: SiteBudgetView) -> usage_pb2.SiteBudget:
    return usage_pb2.SiteBudget(
        name=f"organizations/{view.org_id}/siteBudgets/{view.site_id}",
        site=f"organizations/{view.org_id}/sites/{view.site_id}",
        monthly_impressions=view.monthly_impressions,
        used_impressions=view.used_impressions,
        state=convert.enum(
            usage_pb2.QuotaState, quota_state(view.used_impressions, view.monthly_impressions)
        ),
        update_time=convert.timestamp(view.update_time),
        etag=view.etag,
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
        expected = (
            request.expected_amount_due.amount_minor if request.HasField("expected_amount_due") else None
        )
        view = await self._billing.change_plan(
            org_id,
            slug,
            _interval(request.billing_interval),
            request.payment_method_id,
            request.start_trial,
            expected,
        )
        return subscription_pb2.ChangeSubscriptionPlanResponse(subscription=_subscription_message(view))

    async def PreviewSubscriptionChange(
        self, request: subscription_pb2.PreviewSubscriptionChangeRequest, context: Context
    ) -> subscription_pb2.PreviewSubscriptionChangeResponse:
        org_id = _org_of(request.name, "subscription")
        # Changes nothing, but shows amounts: the roles that read invoices.
        require_org_access(org_id, roles=FINANCE_READERS)
        slug = parse_plan_name(request.plan, field="plan")
        preview = await self._billing.preview_change(org_id, slug, _interval(request.billing_interval))
        response = subscription_pb2.PreviewSubscriptionChangeResponse(
            amount_due_now=convert.money(preview.amount_due_now, preview.currency_code),
            next_period_price=convert.money(preview.next_period_price, preview.currency_code),
            effective_time=convert.timestamp(preview.effective_time),
            starts_trial=preview.starts_trial,
        )
        if preview.invoice is not None:
            names = await self._billing.plan_names({line.stripe_plan_id for line in preview.invoice.lines})
            response.immediate_invoice.CopyFrom(
                _invoice_message(org_id, preview.invoice, names, preview=True)
            )
        return response

    async def CreateCheckoutSession(
        self, request: subscription_pb2.CreateCheckoutSessionRequest, context: Context
    ) -> subscription_pb2.CreateCheckoutSessionResponse:
        org_id = _org_of(request.name, "subscription")
        require_org_access(org_id, roles=BILLING_ROLES)
        slug = parse_plan_name(request.plan, field="plan")
        with validate("Invalid checkout request") as v:
            v.check(request.billing_interval != 0, "billing_interval", "is required")
            v.check(_is_web_url(request.success_uri), "success_uri", "must be an http(s) URL")
            v.check(_is_web_url(request.cancel_uri), "cancel_uri", "must be an http(s) URL")
        interval = _interval(request.billing_interval)
        assert interval is not None
        checkout = await self._billing.create_checkout(
            org_id, slug, interval, request.success_uri, request.cancel_uri, request.request_id
        )
        return subscription_pb2.CreateCheckoutSessionResponse(
            checkout_uri=checkout.url,
            checkout_session_id=checkout.id,
            expire_time=convert.timestamp(checkout.expires),
        )

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
        names = await self._billing.plan_names({line.stripe_plan_id for i in chosen for line in i.lines})
        return invoice_pb2.ListInvoicesResponse(
            invoices=[_invoice_message(org_id, i, names) for i in chosen],
            next_page_token=next_token(page, len(listed)),
        )

    async def GetInvoice(
        self, request: invoice_pb2.GetInvoiceRequest, context: Context
    ) -> invoice_pb2.GetInvoiceResponse:
        org_id, invoice_id = _org_and_child(request.name, "invoices", _INVOICE_ID.match, "in_...")
        require_org_access(org_id, roles=FINANCE_READERS)
        found = await self._billing.invoice(org_id, invoice_id)
        names = await self._billing.plan_names({line.stripe_plan_id for line in found.lines})
        return invoice_pb2.GetInvoiceResponse(invoice=_invoice_message(org_id, found, names))


_INVOICE_STATUS = {"draft": 1, "open": 2, "paid": 3, "void": 4, "uncollectible": 5}


def _invoice_message(
    org_id: str, i: ProviderInvoice, plan_names: dict[str, str], *, preview: bool = False
) -> invoice_pb2.Invoice:
    def m(amount: int) -> Any:
        return convert.money(amount, i.currency_code)

    def period(start: datetime | None, end: datetime | None) -> Any:
        return convert.time_range(start, end) if start and end else None

    return invoice_pb2.Invoice(
        name="" if preview else f"organizations/{org_id}/invoices/{i.id}",
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
                period=period(line.period_start, line.period_end),
                proration=line.proration,
                plan=plan_names.get(line.stripe_plan_id, ""),
            )
            for line in i.lines
        ],
        period=period(i.period_start, i.period_end),
        create_time=convert.timestamp(i.created),
        due_time=convert.timestamp(i.due),
        paid_time=convert.timestamp(i.paid_time),
        attempt_count=i.attempt_count,
        next_payment_attempt_time=convert.timestamp(i.next_payment_attempt),
        pdf_uri=i.pdf_uri,
        hosted_invoice_uri=i.hosted_uri,
        stripe_invoice_id="" if preview else i.id,
    )


def _billing_account_message(org_id: str, view: BillingAccountView) -> billing_account_pb2.BillingAccount:
    a, d = view.account, view.details
    message = billing_account_pb2.BillingAccount(
        name=f"organizations/{org_id}/billingAccount",
        billing_email=d.billing_email,
        company_name=d.company_name,
        tax_id=d.tax_id,
        # Every plan is priced in USD (one currency per catalog).
        currency_code="USD",
        stripe_customer_id=a.stripe_customer_id or "",
        create_time=convert.timestamp(a.create_time),
        update_time=convert.timestamp(a.update_time),
        etag=version_tag(a.update_time),
    )
    if d.address:
        message.address.CopyFrom(billing_account_pb2.PostalAddress(**d.address))
    if a.payment_method_id:
        message.default_payment_method.CopyFrom(
            billing_account_pb2.PaymentMethod(
                stripe_payment_method_id=a.payment_method_id,
                type="card",
                brand=a.payment_method_brand or "",
                last4=a.payment_method_last4 or "",
                exp_month=a.payment_method_exp_month or 0,
                exp_year=a.payment_method_exp_year or 0,
            )
        )
    return message


class BillingAccountServicer(billing_account_pb2_grpc.BillingAccountServiceServicer):  # type: ignore[misc]
    def __init__(self, billing: Billing, publishable_key: str = "") -> None:
        self._billing = billing
        self._publishable_key = publishable_key

    async def GetBillingAccount(
        self, request: billing_account_pb2.GetBillingAccountRequest, context: Context
    ) -> billing_account_pb2.GetBillingAccountResponse:
        org_id = _org_of(request.name, "billingAccount")
        # The billing contact and address are personal data: owners and admins, like invoices.
        require_org_access(org_id, roles=FINANCE_READERS)
        view = await self._billing.billing_account(org_id)
        return billing_account_pb2.GetBillingAccountResponse(
            billing_account=_billing_account_message(org_id, view)
        )

    async def UpdateBillingAccount(
        self, request: billing_account_pb2.UpdateBillingAccountRequest, context: Context
    ) -> billing_account_pb2.UpdateBillingAccountResponse:
        org_id = _org_of(request.billing_account.name, "billingAccount", field="billing_account.name")
        require_org_access(org_id, roles=BILLING_ROLES)
        given = request.billing_account
        address = {
            f.name: getattr(given.address, f.name)
            for f in billing_account_pb2.PostalAddress.DESCRIPTOR.fields
        }
        change = BillingDetails(
            billing_email=given.billing_email.strip(),
            company_name=given.company_name.strip(),
            address={k: v.strip() for k, v in address.items()},
            tax_id=given.tax_id.strip(),
        )
        view = await self._billing.update_billing_account(
            org_id, change, list(request.update_mask.paths), given.etag
        )
        return billing_account_pb2.UpdateBillingAccountResponse(
            billing_account=_billing_account_message(org_id, view)
        )

    async def CreatePaymentMethodSetup(
        self, request: billing_account_pb2.CreatePaymentMethodSetupRequest, context: Context
    ) -> billing_account_pb2.CreatePaymentMethodSetupResponse:
        org_id = _org_of(request.name, "billingAccount")
        require_org_access(org_id, roles=BILLING_ROLES)
        with validate("Invalid payment method setup") as v:
            v.check(
                not request.request_id or _is_uuid(request.request_id.lower()), "request_id", "must be a UUID"
            )
        setup = await self._billing.create_payment_method_setup(org_id, request.request_id.lower())
        return billing_account_pb2.CreatePaymentMethodSetupResponse(
            client_secret=setup.client_secret, setup_intent_id=setup.id, publishable_key=self._publishable_key
        )

    async def UpdatePaymentMethod(
        self, request: billing_account_pb2.UpdatePaymentMethodRequest, context: Context
    ) -> billing_account_pb2.UpdatePaymentMethodResponse:
        org_id = _org_of(request.name, "billingAccount")
        require_org_access(org_id, roles=BILLING_ROLES)
        with validate("Invalid payment method") as v:
            v.check(
                request.payment_method_id.startswith("pm_"),
                "payment_method_id",
                'must be a Stripe "pm_..." id',
            )
        await self._billing.update_payment_method(org_id, request.payment_method_id)
        view = await self._billing.billing_account(org_id)
        return billing_account_pb2.UpdatePaymentMethodResponse(
            billing_account=_billing_account_message(org_id, view)
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
