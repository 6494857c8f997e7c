"""The payment-provider interface billing depends on, and its Stripe implementation (official SDK).

Built around what both api.stripe.com and localstripe support: the legacy Plans API (no Prices),
subscriptions with `items=[{"plan": id}]`, payment methods attached to the customer and made the
customer's `invoice_settings.default_payment_method` (localstripe has no per-subscription one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import stripe

from services.billing.domain.plans import BillingInterval, Plan
from shared.errors import FailedPrecondition, FieldViolation, InvalidArgument, Unavailable


@dataclass(frozen=True, slots=True)
class ProviderSubscription:
    """A subscription as the provider reports it (from an API answer or a webhook payload)."""

    id: str
    customer_id: str
    status: str
    stripe_plan_id: str
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    trial_end: datetime | None
    start: datetime | None


@dataclass(frozen=True, slots=True)
class ProviderPaymentMethod:
    id: str
    type: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True, slots=True)
class ProviderInvoiceLine:
    description: str
    amount_minor: int
    quantity: int
    proration: bool
    stripe_plan_id: str
    period_start: datetime | None
    period_end: datetime | None


@dataclass(frozen=True, slots=True)
class ProviderInvoice:
    id: str
    customer_id: str
    number: str
    status: str
    currency_code: str
    subtotal: int
    tax: int
    total: int
    amount_due: int
    amount_paid: int
    attempt_count: int
    created: datetime | None
    due: datetime | None
    period_start: datetime | None
    period_end: datetime | None
    pdf_uri: str
    hosted_uri: str
    lines: tuple[ProviderInvoiceLine, ...]
    paid_time: datetime | None = None
    next_payment_attempt: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProviderSetup:
    """A SetupIntent the browser confirms with Stripe.js to collect a payment method."""

    id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class ProviderCheckout:
    id: str
    url: str
    expires: datetime | None


@dataclass(frozen=True, slots=True)
class CustomerDetails:
    """What the Stripe customer shows on invoices (synced from the billing account)."""

    name: str
    email: str
    address: dict[str, str]
    tax_id: str


class PaymentProvider(Protocol):
    async def ensure_plans(self, plans: Sequence[Plan]) -> None: ...
    async def create_customer(self, org_id: str, name: str, email: str | None) -> str: ...
    async def attach_payment_method(
        self, customer_id: str, payment_method_id: str
    ) -> ProviderPaymentMethod: ...
    async def create_subscription(
        self, customer_id: str, stripe_plan_id: str, trial_days: int, org_id: str
    ) -> ProviderSubscription: ...
    async def change_plan(self, subscription_id: str, stripe_plan_id: str) -> ProviderSubscription: ...
    async def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> ProviderSubscription: ...
    async def cancel_now(self, subscription_id: str) -> ProviderSubscription: ...
    async def list_invoices(self, customer_id: str, limit: int) -> list[ProviderInvoice]: ...
    async def get_invoice(self, invoice_id: str) -> ProviderInvoice | None: ...
    async def retry_open_invoices(self, customer_id: str) -> int: ...
    async def preview_change(
        self, customer_id: str, subscription_id: str | None, stripe_plan_id: str
    ) -> ProviderInvoice: ...
    async def create_setup_intent(self, customer_id: str, org_id: str, request_id: str) -> ProviderSetup: ...
    async def create_checkout_session(
        self,
        customer_id: str,
        stripe_plan_id: str,
        trial_days: int,
        org_id: str,
        success_url: str,
        cancel_url: str,
        request_id: str,
    ) -> ProviderCheckout: ...
    async def update_customer(self, customer_id: str, details: CustomerDetails) -> None: ...


def _provider_error(error: stripe.StripeError) -> Exception:
    """The domain error a Stripe failure means for our caller."""
    if isinstance(error, stripe.CardError):
        return FailedPrecondition(
            "The payment method was declined",
            reason="PAYMENT_DECLINED",
            metadata={"code": str(error.code or "")},
        )
    if isinstance(error, stripe.InvalidRequestError):
        if (error.param or "") in ("payment_method", "default_payment_method") or "payment" in str(
            error
        ).lower():
            return InvalidArgument(
                "The payment method cannot be used",
                violations=[FieldViolation("payment_method_id", "is not a usable payment method")],
                reason="PAYMENT_METHOD_INVALID",
            )
        return FailedPrecondition(
            "The payment provider refused the request", reason="PAYMENT_PROVIDER_REFUSED"
        )
    return Unavailable("The payment provider is unavailable", retry_after_seconds=5)


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def subscription_from_dict(data: Mapping[str, Any]) -> ProviderSubscription:
    items = ((data.get("items") or {}).get("data")) or []
    plan = (items[0].get("plan") if items else None) or data.get("plan") or {}
    customer = data.get("customer")
    status = str(data.get("status") or "")
    trial_end = _time(data.get("trial_end"))
    if status == "incomplete" and trial_end is not None and not data.get("latest_invoice"):
        # localstripe never reports "trialing": a subscription created with a trial stays
        # "incomplete" with no invoice. api.stripe.com never sends this combination (a trial starts
        # as "trialing" without payment), so reading it as a trial changes nothing there.
        status = "trialing"
    return ProviderSubscription(
        id=str(data["id"]),
        customer_id=str(customer.get("id") if isinstance(customer, Mapping) else customer),
        status=status,
        stripe_plan_id=str(plan.get("id") or ""),
        # Newer Stripe API versions carry the period on the item rather than the subscription.
        current_period_start=_time(
            data.get("current_period_start") or (items[0] if items else {}).get("current_period_start")
        ),
        current_period_end=_time(
            data.get("current_period_end") or (items[0] if items else {}).get("current_period_end")
        ),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
        trial_end=trial_end,
        start=_time(data.get("start_date") or data.get("start") or data.get("created")),
    )


def invoice_from_dict(data: Mapping[str, Any]) -> ProviderInvoice:
    lines = ((data.get("lines") or {}).get("data")) or []
    customer = data.get("customer")
    transitions = data.get("status_transitions") or {}
    return ProviderInvoice(
        id=str(data.get("id") or ""),
        customer_id=str((customer.get("id") if isinstance(customer, Mapping) else customer) or ""),
        number=str(data.get("number") or ""),
        status=str(data.get("status") or ""),
        currency_code=str(data.get("currency") or "usd").upper(),
        subtotal=int(data.get("subtotal") or 0),
        tax=int(data.get("tax") or 0),
        total=int(data.get("total") or 0),
        amount_due=int(data.get("amount_due") or 0),
        amount_paid=int(data.get("amount_paid") or 0),
        attempt_count=int(data.get("attempt_count") or 0),
        created=_time(data.get("created") or data.get("date")),
        due=_time(data.get("due_date")),
        period_start=_time(data.get("period_start")),
        period_end=_time(data.get("period_end")),
        pdf_uri=str(data.get("invoice_pdf") or ""),
        hosted_uri=str(data.get("hosted_invoice_url") or ""),
        lines=tuple(
            ProviderInvoiceLine(
                description=str(line.get("description") or ""),
                amount_minor=int(line.get("amount") or 0),
                quantity=int(line.get("quantity") or 0),
                proration=bool(line.get("proration")),
                stripe_plan_id=str((line.get("plan") or {}).get("id") or ""),
                period_start=_time((line.get("period") or {}).get("start")),
                period_end=_time((line.get("period") or {}).get("end")),
            )
            for line in lines
        ),
        paid_time=_time(transitions.get("paid_at")),
        next_payment_attempt=_time(data.get("next_payment_attempt")),
    )


class StripePaymentProvider:
    """PaymentProvider over the official `stripe` SDK. The SDK is blocking, so every call runs in a
    thread. `api_base` points it at localstripe in tests and `make up`.
    """

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        supports_proration_behavior: bool = True,
    ) -> None:
        addresses: dict[str, str] = {"api": api_base} if api_base else {}
        self._client = stripe.StripeClient(api_key, base_addresses=addresses, max_network_retries=2)  # type: ignore[arg-type]
        self._proration_param = supports_proration_behavior

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except stripe.StripeError as error:
            raise _provider_error(error) from error

    async def ensure_plans(self, plans: Sequence[Plan]) -> None:
        """Creates each Stripe plan of the catalog that does not exist yet (idempotent at start-up)."""
        for plan in plans:
            for price in plan.prices:
                try:
                    await asyncio.to_thread(self._client.v1.plans.retrieve, price.stripe_plan_id)
                    continue
                except stripe.InvalidRequestError:
                    pass
                await self._call(
                    self._client.v1.plans.create,
                    params={
                        "id": price.stripe_plan_id,
                        "amount": price.amount_minor,
                        "currency": price.currency_code.lower(),
                        "interval": "month" if price.interval is BillingInterval.MONTH else "year",
                        "product": {"name": f"SocialProof {plan.display_name} v{plan.version}"},
                        "metadata": {"plan": plan.name, "version": str(plan.version)},
                    },
                )

    async def create_customer(self, org_id: str, name: str, email: str | None) -> str:
        params: dict[str, Any] = {"name": name or org_id, "metadata": {"org_id": org_id}}
        if email:
            params["email"] = email
        customer = await self._call(
            self._client.v1.customers.create, params=params, options={"idempotency_key": f"customer-{org_id}"}
        )
        return str(customer.id)

    async def attach_payment_method(self, customer_id: str, payment_method_id: str) -> ProviderPaymentMethod:
        method = await self._call(
            self._client.v1.payment_methods.attach, payment_method_id, params={"customer": customer_id}
        )
        await self._call(
            self._client.v1.customers.update,
            customer_id,
            params={"invoice_settings": {"default_payment_method": method.id}},
        )
        data = method.to_dict()
        card = data.get("card") or {}
        return ProviderPaymentMethod(
            id=str(data["id"]),
            type=str(data.get("type") or "card"),
            brand=str(card.get("brand") or ""),
            last4=str(card.get("last4") or ""),
            exp_month=int(card.get("exp_month") or 0),
            exp_year=int(card.get("exp_year") or 0),
        )

    async def create_subscription(
        self, customer_id: str, stripe_plan_id: str, trial_days: int, org_id: str
    ) -> ProviderSubscription:
        params: dict[str, Any] = {
            "customer": customer_id,
            "items": [{"plan": stripe_plan_id}],
            "metadata": {"org_id": org_id},
        }
        if trial_days:
            # trial_end rather than trial_period_days: both APIs honour it, and localstripe ignores
            # trial_period_days (it would report no trial at all).
            params["trial_end"] = int(time.time()) + trial_days * 86_400
        created = await self._call(self._client.v1.subscriptions.create, params=params)
        return subscription_from_dict(created.to_dict())

    async def change_plan(self, subscription_id: str, stripe_plan_id: str) -> ProviderSubscription:
        current = await self._call(self._client.v1.subscriptions.retrieve, subscription_id)
        item_id = current.to_dict()["items"]["data"][0]["id"]
        params: dict[str, Any] = {"items": [{"id": item_id, "plan": stripe_plan_id}]}
        if self._proration_param:
            # Charge the prorated difference at once (localstripe always prorates and rejects the
            # parameter, hence the switch).
            params["proration_behavior"] = "always_invoice"
        updated = await self._call(self._client.v1.subscriptions.update, subscription_id, params=params)
        return subscription_from_dict(updated.to_dict())

    async def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> ProviderSubscription:
        updated = await self._call(
            self._client.v1.subscriptions.update, subscription_id, params={"cancel_at_period_end": cancel}
        )
        return subscription_from_dict(updated.to_dict())

    async def cancel_now(self, subscription_id: str) -> ProviderSubscription:
        cancelled = await self._call(self._client.v1.subscriptions.cancel, subscription_id)
        return subscription_from_dict(cancelled.to_dict())

    async def list_invoices(self, customer_id: str, limit: int) -> list[ProviderInvoice]:
        page = await self._call(
            self._client.v1.invoices.list, params={"customer": customer_id, "limit": limit}
        )
        # PDF links are Stripe's own (invoice_pdf); localstripe renders none, so they stay empty there.
        return [invoice_from_dict(item.to_dict()) for item in page.data]

    async def get_invoice(self, invoice_id: str) -> ProviderInvoice | None:
        """The invoice, or None when the provider has no such invoice."""
        try:
            found = await asyncio.to_thread(self._client.v1.invoices.retrieve, invoice_id)
        except stripe.StripeError as error:
            if isinstance(error, stripe.InvalidRequestError) and error.http_status == 404:
                return None
            raise _provider_error(error) from error
        return invoice_from_dict(found.to_dict())

    async def preview_change(
        self, customer_id: str, subscription_id: str | None, stripe_plan_id: str
    ) -> ProviderInvoice:
        """The invoice Stripe would issue now for moving to `stripe_plan_id` (nothing is stored)."""
        item: dict[str, Any] = {"plan": stripe_plan_id}
        details: dict[str, Any] = {"items": [item]}
        params: dict[str, Any] = {"customer": customer_id, "subscription_details": details}
        if subscription_id:
            current = await self._call(self._client.v1.subscriptions.retrieve, subscription_id)
            item["id"] = current.to_dict()["items"]["data"][0]["id"]
            params["subscription"] = subscription_id
            if self._proration_param:
                details["proration_behavior"] = "always_invoice"
        preview = await self._call(self._client.v1.invoices.create_preview, params=params)
        return invoice_from_dict(preview.to_dict())

    async def create_setup_intent(self, customer_id: str, org_id: str, request_id: str) -> ProviderSetup:
        options: dict[str, Any] = {"idempotency_key": f"setup-{org_id}-{request_id}"} if request_id else {}
        intent = await self._call(
            self._client.v1.setup_intents.create,
            params={"customer": customer_id, "usage": "off_session", "metadata": {"org_id": org_id}},
            options=options,
        )
        return ProviderSetup(str(intent.id), str(intent.client_secret))

    async def create_checkout_session(
        self,
        customer_id: str,
        stripe_plan_id: str,
        trial_days: int,
        org_id: str,
        success_url: str,
        cancel_url: str,
        request_id: str,
    ) -> ProviderCheckout:
        subscription_data: dict[str, Any] = {"metadata": {"org_id": org_id}}
        if trial_days:
            subscription_data["trial_period_days"] = trial_days
        params: dict[str, Any] = {
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": org_id,
            # A legacy plan id is accepted wherever a price id is (Stripe keeps them compatible).
            "line_items": [{"price": stripe_plan_id, "quantity": 1}],
            "subscription_data": subscription_data,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": {"org_id": org_id},
        }
        options: dict[str, Any] = {"idempotency_key": f"checkout-{org_id}-{request_id}"} if request_id else {}
        try:
            create: Any = self._client.v1.checkout.sessions.create
            session = await asyncio.to_thread(create, params=params, options=options)
        except stripe.StripeError as error:
            if error.http_status == 404:
                # localstripe has no Checkout at all; say so instead of a retryable UNAVAILABLE.
                raise FailedPrecondition(
                    "The payment provider offers no hosted checkout; change the plan with a payment method",
                    reason="CHECKOUT_UNAVAILABLE",
                ) from error
            raise _provider_error(error) from error
        data = session.to_dict()
        return ProviderCheckout(str(data["id"]), str(data.get("url") or ""), _time(data.get("expires_at")))

    async def update_customer(self, customer_id: str, details: CustomerDetails) -> None:
        params: dict[str, Any] = {
            "name": details.name,
            # The tax id goes in metadata: a Stripe TaxId object needs its type (eu_vat, ...), which
            # this API does not ask for.
            "metadata": {"tax_id": details.tax_id},
        }
        if details.address:
            params["address"] = details.address
        if details.email:
            params["email"] = details.email
        await self._call(self._client.v1.customers.update, customer_id, params=params)

    async def retry_open_invoices(self, customer_id: str) -> int:
        """Tries to pay the customer's open invoices with its (new) default payment method; returns
        how many were paid. A decline is not an error here: the invoice.payment_failed webhook
        carries it into dunning like any other failed attempt."""
        page = await self._call(self._client.v1.invoices.list, params={"customer": customer_id, "limit": 100})
        paid = 0
        # Filtered here: localstripe does not take the `status` filter.
        for invoice in (i for i in page.data if i.get("status") == "open"):
            try:
                await self._call(self._client.v1.invoices.pay, invoice.id)
                paid += 1
            except FailedPrecondition:
                continue
        return paid
