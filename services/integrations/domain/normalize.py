"""Provider payloads (Shopify, WooCommerce, Stripe) normalized into ActivityEvents and retractions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.integrations.domain import values
from socialproof.common.v1.common_pb2 import Location, Money
from socialproof.events.v1.activity_pb2 import (
    ActivityActor,
    ActivityEvent,
    ActivityKind,
    ActivityProduct,
    ActivityRetracted,
    ActivityRetractionReason,
    ActivitySource,
)

# Activity ids are derived, not random, so a repeated delivery or a backfill of the same order
# yields the same id and consumers can deduplicate on it.
ACTIVITY_NAMESPACE = uuid.UUID("6f1c7e52-3b1a-4d1e-9c7a-2a8f0c6d5e41")

MAX_ITEMS_PER_PAYLOAD = 50


class MalformedPayload(ValueError):
    """The body is not JSON of the shape the provider documents; the message says what is wrong."""


@dataclass(frozen=True)
class DeliveryContext:
    """What the service knows about the connection a payload arrived on."""

    org_id: str
    site_id: str
    connection_id: str
    received_at: datetime
    imported_kinds: frozenset[int] = frozenset()
    shop_domain: str = ""
    mark_verified: bool = False


@dataclass
class Normalized:
    """What one delivery becomes."""

    activities: list[ActivityEvent] = field(default_factory=list)
    retractions: list[ActivityRetracted] = field(default_factory=list)
    ignored_reason: str = ""
    test: bool = False


def activity_id(connection_id: str, source_ref: str) -> str:
    return str(uuid.uuid5(ACTIVITY_NAMESPACE, f"{connection_id}:{source_ref}"))


def parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedPayload(f"body is not valid JSON ({type(error).__name__})") from None
    if not isinstance(payload, dict):
        raise MalformedPayload("body must be a JSON object")
    return payload


def _str(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _obj(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def _list(payload: Mapping[str, Any], key: str) -> list[Any]:
    value = payload.get(key)
    return value if isinstance(value, list) else []


def _required_id(payload: Mapping[str, Any], key: str = "id") -> str:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise MalformedPayload(f'"{key}" is missing or not an id')
    return str(value).strip()


def _money(amount: Any, currency: str) -> Money | None:
    if amount in (None, "") or not currency:
        return None
    try:
        return Money(amount_minor=values.to_minor_units(amount, currency), currency_code=currency.upper())
    except values.ValueProblem as problem:
        raise MalformedPayload(str(problem)) from None


def _time(text: str, fallback: datetime) -> datetime:
    if not text:
        return fallback
    try:
        return values.parse_time(text)
    except values.ValueProblem as problem:
        raise MalformedPayload(str(problem)) from None


def _new_activity(
    ctx: DeliveryContext,
    *,
    kind: ActivityKind,
    source: ActivitySource,
    source_ref: str,
    occurred_at: datetime,
    test: bool,
    verified: bool,
) -> ActivityEvent:
    event = ActivityEvent(
        activity_id=activity_id(ctx.connection_id, source_ref),
        kind=kind,
        source=source,
        source_ref=source_ref,
        connection_id=ctx.connection_id,
        test=test,
        verified=verified or ctx.mark_verified,
    )
    event.occurred_at.FromDatetime(occurred_at)
    event.received_at.FromDatetime(ctx.received_at)
    return event


def _retraction(
    ctx: DeliveryContext,
    source: ActivitySource,
    source_ref: str,
    reason: ActivityRetractionReason,
    when: datetime,
) -> ActivityRetracted:
    retraction = ActivityRetracted(site_id=ctx.site_id, source_ref=source_ref, source=source, reason=reason)
    retraction.retracted_at.FromDatetime(when)
    return retraction


def _wanted(ctx: DeliveryContext, kind: int) -> bool:
    return not ctx.imported_kinds or kind in ctx.imported_kinds


def _filtered(ctx: DeliveryContext, result: Normalized) -> Normalized:
    kept = [a for a in result.activities if _wanted(ctx, a.kind)]
    if result.activities and not kept and not result.retractions:
        return Normalized(ignored_reason="activity kind not imported by this connection", test=result.test)
    result.activities = kept
    return result


# ---- Shopify ---------------------------------------------------------------------------------

SHOPIFY_TOPICS = (
    "orders/create",
    "orders/paid",
    "orders/cancelled",
    "refunds/create",
    "customers/create",
    "checkouts/create",
)


def _shopify_actor_location(order: Mapping[str, Any]) -> tuple[ActivityActor, Location]:
    customer = _obj(order, "customer")
    address = (
        _obj(order, "billing_address") or _obj(order, "shipping_address") or _obj(customer, "default_address")
    )
    first = _str(customer, "first_name") or _str(address, "first_name")
    last = _str(customer, "last_name") or _str(address, "last_name")
    actor = ActivityActor(first_name=values.first_word(first), last_initial=values.initial(last))
    location = Location(
        city=_str(address, "city"),
        region=_str(address, "province"),
        country_code=values.country_code(_str(address, "country_code") or _str(address, "country")),
    )
    return actor, location


def normalize_shopify(topic: str, order: dict[str, Any], ctx: DeliveryContext) -> Normalized:
    """Shopify Admin API webhook payloads (orders, refunds, customers, checkouts)."""
    source = ActivitySource.ACTIVITY_SOURCE_SHOPIFY
    test = order.get("test") is True
    if topic in ("orders/create", "orders/paid"):
        order_id = _required_id(order)
        if _str(order, "cancelled_at"):
            return Normalized(ignored_reason="order is already cancelled", test=test)
        actor, location = _shopify_actor_location(order)
        event = _new_activity(
            ctx,
            kind=ActivityKind.ACTIVITY_KIND_PURCHASE,
            source=source,
            source_ref=order_id,
            occurred_at=_time(_str(order, "processed_at") or _str(order, "created_at"), ctx.received_at),
            test=test,
            # A paid order is proof of purchase; a merely created one may still be pending payment.
            verified=_str(order, "financial_status") in ("paid", "partially_paid") or topic == "orders/paid",
        )
        event.actor.CopyFrom(actor)
        event.location.CopyFrom(location)
        items = [i for i in _list(order, "line_items") if isinstance(i, dict)]
        if items:
            first = items[0]
            event.product.CopyFrom(
                ActivityProduct(
                    name=_str(first, "title") or _str(first, "name"),
                    product_ref=_str(first, "product_id"),
                    variant_ref=_str(first, "variant_id"),
                    url=f"https://{ctx.shop_domain}/products/{_str(first, 'handle')}"
                    if ctx.shop_domain and _str(first, "handle")
                    else "",
                )
            )
            event.quantity = sum(
                int(i.get("quantity") or 0) for i in items if isinstance(i.get("quantity"), int)
            )
        money = _money(order.get("current_total_price") or order.get("total_price"), _str(order, "currency"))
        if money is not None:
            event.amount.CopyFrom(money)
        if _str(order, "name"):
            event.attributes["order_name"] = _str(order, "name")
        return _filtered(ctx, Normalized(activities=[event], test=test))
    if topic == "orders/cancelled":
        order_id = _required_id(order)
        when = _time(_str(order, "cancelled_at"), ctx.received_at)
        reason = ActivityRetractionReason.ACTIVITY_RETRACTION_REASON_CANCEL
        return Normalized(retractions=[_retraction(ctx, source, order_id, reason, when)], test=test)
    if topic == "refunds/create":
        # A refund webhook carries the order it belongs to; any refund makes the purchase no longer a
        # clean social proof, so the activity is retracted (see docs/integrations.md).
        order_id = _required_id(order, "order_id")
        when = _time(_str(order, "created_at"), ctx.received_at)
        reason = ActivityRetractionReason.ACTIVITY_RETRACTION_REASON_REFUND
        return Normalized(retractions=[_retraction(ctx, source, order_id, reason, when)], test=test)
    if topic == "customers/create":
        address = _obj(order, "default_address")
        location = Location(
            city=_str(address, "city"),
            region=_str(address, "province"),
            country_code=values.country_code(_str(address, "country_code")),
        )
        return _customer_signup(ctx, source, order, _str(order, "created_at"), location)
    if topic == "checkouts/create":
        checkout_id = _required_id(order)
        actor, location = _shopify_actor_location(order)
        event = _new_activity(
            ctx,
            kind=ActivityKind.ACTIVITY_KIND_CUSTOM,
            source=source,
            source_ref=f"checkout:{checkout_id}",
            occurred_at=_time(_str(order, "created_at"), ctx.received_at),
            test=False,
            # A started checkout is not a purchase: never shown as verified.
            verified=False,
        )
        event.custom_kind = "checkout_started"
        event.actor.CopyFrom(actor)
        event.location.CopyFrom(location)
        items = [i for i in _list(order, "line_items") if isinstance(i, dict)]
        if items:
            event.product.name = _str(items[0], "title")
            event.product.product_ref = _str(items[0], "product_id")
        return _filtered(ctx, Normalized(activities=[event]))
    return Normalized(ignored_reason=f"topic {topic[:64]!r} is not imported")


# ---- WooCommerce -----------------------------------------------------------------------------

_WC_PAID = ("processing", "completed")


def normalize_woocommerce(topic: str, order: dict[str, Any], ctx: DeliveryContext) -> Normalized:
    """WooCommerce REST API v3 webhook payloads (order.created/updated, customer.created)."""
    source = ActivitySource.ACTIVITY_SOURCE_WOOCOMMERCE
    if topic in ("order.created", "order.updated"):
        order_id = _required_id(order)
        status = _str(order, "status")
        when = _time(_str(order, "date_modified_gmt"), ctx.received_at)
        if status == "refunded":
            reason = ActivityRetractionReason.ACTIVITY_RETRACTION_REASON_REFUND
            return Normalized(retractions=[_retraction(ctx, source, order_id, reason, when)])
        if status == "cancelled":
            reason = ActivityRetractionReason.ACTIVITY_RETRACTION_REASON_CANCEL
            return Normalized(retractions=[_retraction(ctx, source, order_id, reason, when)])
        if status not in _WC_PAID:
            return Normalized(ignored_reason=f"order status {status[:32]!r} is not a purchase yet")
        billing = _obj(order, "billing")
        event = _new_activity(
            ctx,
            kind=ActivityKind.ACTIVITY_KIND_PURCHASE,
            source=source,
            source_ref=order_id,
            occurred_at=_time(
                _str(order, "date_paid_gmt") or _str(order, "date_created_gmt"), ctx.received_at
            ),
            test=False,
            verified=True,
        )
        event.actor.CopyFrom(
            ActivityActor(
                first_name=values.first_word(_str(billing, "first_name")),
                last_initial=values.initial(_str(billing, "last_name")),
            )
        )
        event.location.CopyFrom(
            Location(
                city=_str(billing, "city"),
                region=_str(billing, "state"),
                country_code=values.country_code(_str(billing, "country")),
            )
        )
        items = [i for i in _list(order, "line_items") if isinstance(i, dict)]
        if items:
            first = items[0]
            event.product.CopyFrom(
                ActivityProduct(
                    name=_str(first, "name"),
                    product_ref=_str(first, "product_id"),
                    variant_ref=_str(first, "variation_id") if _str(first, "variation_id") != "0" else "",
                    image_url=values.https_url(_str(_obj(first, "image"), "src")),
                )
            )
            event.quantity = sum(
                int(i.get("quantity") or 0) for i in items if isinstance(i.get("quantity"), int)
            )
        money = _money(order.get("total"), _str(order, "currency"))
        if money is not None:
            event.amount.CopyFrom(money)
        return _filtered(ctx, Normalized(activities=[event]))
    if topic == "customer.created":
        billing = _obj(order, "billing")
        location = Location(
            city=_str(billing, "city"), country_code=values.country_code(_str(billing, "country"))
        )
        return _customer_signup(ctx, source, order, _str(order, "date_created_gmt"), location)
    return Normalized(ignored_reason=f"topic {topic[:64]!r} is not imported")


# ---- Stripe ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StripeEventHeader:
    """The envelope fields of a Stripe event used for idempotency and routing."""

    event_id: str
    event_type: str
    account: str
    livemode: bool


def stripe_header(event: Mapping[str, Any]) -> StripeEventHeader:
    event_id = _str(event, "id")
    event_type = _str(event, "type")
    if not event_id or not event_type or not isinstance(_obj(event, "data").get("object"), dict):
        raise MalformedPayload('a Stripe event needs "id", "type" and "data.object"')
    return StripeEventHeader(event_id, event_type, _str(event, "account"), event.get("livemode") is True)


def _stripe_ref(obj: Mapping[str, Any]) -> str:
    # The payment intent ties a checkout session, its charge and a later refund together.
    return _str(obj, "payment_intent") or _str(obj, "id")


def normalize_stripe(event: dict[str, Any], ctx: DeliveryContext) -> Normalized:
    """Stripe events: checkout.session.completed, charge.succeeded → purchase; customer.subscription.created
    → subscription; customer.created → signup; charge.refunded → refund retraction."""
    header = stripe_header(event)
    obj: Mapping[str, Any] = _obj(event, "data")["object"]
    source = ActivitySource.ACTIVITY_SOURCE_STRIPE
    test = not header.livemode
    created = event.get("created")
    when = values.from_unix(created) if isinstance(created, int) else ctx.received_at
    kind_by_type = {
        "checkout.session.completed": ActivityKind.ACTIVITY_KIND_PURCHASE,
        "charge.succeeded": ActivityKind.ACTIVITY_KIND_PURCHASE,
        "customer.subscription.created": ActivityKind.ACTIVITY_KIND_SUBSCRIPTION,
        "customer.created": ActivityKind.ACTIVITY_KIND_SIGNUP,
    }
    if header.event_type == "charge.refunded":
        reason = ActivityRetractionReason.ACTIVITY_RETRACTION_REASON_REFUND
        return Normalized(retractions=[_retraction(ctx, source, _stripe_ref(obj), reason, when)], test=test)
    kind = kind_by_type.get(header.event_type)
    if kind is None:
        return Normalized(ignored_reason=f"event type {header.event_type[:64]!r} is not imported", test=test)
    if header.event_type == "checkout.session.completed" and _str(obj, "payment_status") not in ("paid", ""):
        return Normalized(ignored_reason="checkout session is not paid", test=test)
    if header.event_type == "customer.subscription.created":
        ref = _str(obj, "id")
    elif header.event_type == "customer.created":
        ref = f"customer:{_str(obj, 'id')}"
    else:
        ref = _stripe_ref(obj)
    if not ref:
        raise MalformedPayload('"data.object.id" is missing')
    details = _obj(obj, "customer_details") or _obj(obj, "billing_details") or obj
    address = _obj(details, "address")
    first, last_initial = values.split_full_name(_str(details, "name"))
    activity = _new_activity(
        ctx, kind=kind, source=source, source_ref=ref, occurred_at=when, test=test, verified=True
    )
    activity.actor.CopyFrom(ActivityActor(first_name=first, last_initial=last_initial))
    activity.location.CopyFrom(
        Location(
            city=_str(address, "city"),
            region=_str(address, "state"),
            country_code=values.country_code(_str(address, "country")),
        )
    )
    amount = obj.get("amount_total", obj.get("amount"))
    currency = _str(obj, "currency")
    if isinstance(amount, int) and currency:
        activity.amount.CopyFrom(Money(amount_minor=amount, currency_code=currency.upper()))
    if _str(obj, "description"):
        activity.product.name = _str(obj, "description")[:200]
    plan = _obj(obj, "plan")
    if plan:
        activity.product.name = _str(plan, "nickname") or _str(plan, "id")
        activity.product.product_ref = _str(plan, "product")
    return _filtered(ctx, Normalized(activities=[activity], test=test))


def _customer_signup(
    ctx: DeliveryContext,
    source: ActivitySource,
    customer: Mapping[str, Any],
    created_at: str,
    location: Location,
) -> Normalized:
    """A store's new customer as a verified signup (first name and last initial only)."""
    event = _new_activity(
        ctx,
        kind=ActivityKind.ACTIVITY_KIND_SIGNUP,
        source=source,
        source_ref=f"customer:{_required_id(customer)}",
        occurred_at=_time(created_at, ctx.received_at),
        test=False,
        verified=True,
    )
    event.actor.CopyFrom(
        ActivityActor(
            first_name=values.first_word(_str(customer, "first_name")),
            last_initial=values.initial(_str(customer, "last_name")),
        )
    )
    event.location.CopyFrom(location)
    return _filtered(ctx, Normalized(activities=[event]))
