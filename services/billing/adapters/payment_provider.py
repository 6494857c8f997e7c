"""The payment-provider interface billing depends on, and its Stripe implementation (official SDK).

Built around what both api.stripe.com and localstripe support: the legacy Plans API (no Prices),
subscriptions with `items=[{"plan": id}]`, payment methods attached to the customer and made the
customer's `invoice_settings.default_payment_method` (localstripe has no per-subscription one).
"""

from __future__ import annotations

import asyncio
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


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def subscription_from_dict(data: Mapping[str, Any]) -> ProviderSubscription:
    items = ((data.get("items") or {}).get("data")) or []
    plan = (items[0].get("plan") if items else None) or data.get("plan") or {}
    customer = data.get("customer")
    return ProviderSubscription(
        id=str(data["id"]),
        customer_id=str(customer.get("id") if isinstance(customer, Mapping) else customer),
        status=str(data.get("status") or ""),
        stripe_plan_id=str(plan.get("id") or ""),
        # Newer Stripe API versions carry the period on the item rather than the subscription.
        current_period_start=_time(
            data.get("current_period_start") or (items[0] if items else {}).get("current_period_start")
        ),
        current_period_end=_time(
            data.get("current_period_end") or (items[0] if items else {}).get("current_period_end")
        ),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
        trial_end=_time(data.get("trial_end")),
        start=_time(data.get("start_date") or data.get("start") or data.get("created")),
    )


def invoice_from_dict(data: Mapping[str, Any]) -> ProviderInvoice:
    lines = ((data.get("lines") or {}).get("data")) or []
    return ProviderInvoice(
        id=str(data["id"]),
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
        except stripe.CardError as error:
            raise FailedPrecondition(
                "The payment method was declined",
                reason="PAYMENT_DECLINED",
                metadata={"code": str(error.code or "")},
            ) from error
        except stripe.InvalidRequestError as error:
            if (error.param or "") in ("payment_method", "default_payment_method") or "payment" in str(
                error
            ).lower():
                raise InvalidArgument(
                    "The payment method cannot be used",
                    violations=[FieldViolation("payment_method_id", "is not a usable payment method")],
                    reason="PAYMENT_METHOD_INVALID",
                ) from error
            raise FailedPrecondition(
                "The payment provider refused the request", reason="PAYMENT_PROVIDER_REFUSED"
            ) from error
        except stripe.StripeError as error:
            raise Unavailable("The payment provider is unavailable", retry_after_seconds=5) from error

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
            params["trial_period_days"] = trial_days
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
