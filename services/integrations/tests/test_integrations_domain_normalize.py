"""Provider payloads become the activities and retractions a visitor may see."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.integrations.domain.normalize import (
    DeliveryContext,
    MalformedPayload,
    activity_id,
    normalize_shopify,
    normalize_stripe,
    normalize_woocommerce,
    parse_json_object,
)
from services.integrations.domain.values import to_minor_units
from socialproof.events.v1.activity_pb2 import ActivityKind, ActivityRetractionReason, ActivitySource

CTX = DeliveryContext(
    org_id="o",
    site_id="s",
    connection_id="c",
    received_at=datetime(2026, 11, 21, tzinfo=UTC),
    shop_domain="trail-shoes.myshopify.com",
)

SHOPIFY_ORDER = {
    "id": 820982911946154508,
    "name": "#1001",
    "created_at": "2026-11-21T10:00:00-05:00",
    "financial_status": "paid",
    "test": True,
    "total_price": "199.00",
    "currency": "EUR",
    "customer": {"first_name": "Jana", "last_name": "Nováková"},
    "billing_address": {"city": "Brno", "province": "South Moravia", "country_code": "CZ"},
    "line_items": [{"title": "Trail Shoes", "product_id": 632910392, "variant_id": 1, "quantity": 2}],
}


def test_shopify_order_becomes_a_verified_test_purchase() -> None:
    result = normalize_shopify("orders/create", SHOPIFY_ORDER, CTX)
    (activity,) = result.activities
    assert result.test and activity.test
    assert activity.kind == ActivityKind.ACTIVITY_KIND_PURCHASE
    assert activity.source == ActivitySource.ACTIVITY_SOURCE_SHOPIFY
    assert activity.source_ref == "820982911946154508"
    assert activity.activity_id == activity_id("c", "820982911946154508")
    assert (activity.actor.first_name, activity.actor.last_initial) == ("Jana", "N")
    assert (activity.location.city, activity.location.country_code) == ("Brno", "CZ")
    assert activity.product.name == "Trail Shoes" and activity.quantity == 2
    assert (activity.amount.amount_minor, activity.amount.currency_code) == (19900, "EUR")
    assert activity.occurred_at.ToDatetime(UTC) == datetime(2026, 11, 21, 15, tzinfo=UTC)
    assert activity.verified


def test_shopify_refund_and_cancel_retract_by_order_id() -> None:
    refund = normalize_shopify("refunds/create", {"id": 5, "order_id": 820982911946154508}, CTX)
    (retraction,) = refund.retractions
    assert retraction.source_ref == "820982911946154508" and retraction.site_id == "s"
    assert retraction.reason == ActivityRetractionReason.ACTIVITY_RETRACTION_REASON_REFUND
    cancel = normalize_shopify(
        "orders/cancelled", {**SHOPIFY_ORDER, "cancelled_at": "2026-11-21T11:00:00Z"}, CTX
    )
    assert cancel.retractions[0].reason == ActivityRetractionReason.ACTIVITY_RETRACTION_REASON_CANCEL
    assert not refund.activities and not cancel.activities


def test_shopify_customer_and_unknown_topic_and_imported_kinds() -> None:
    signup = normalize_shopify(
        "customers/create", {"id": 7, "first_name": "Ann Marie", "last_name": "o'Neil"}, CTX
    )
    assert signup.activities[0].kind == ActivityKind.ACTIVITY_KIND_SIGNUP
    assert signup.activities[0].actor.first_name == "Ann" and signup.activities[0].actor.last_initial == "O"
    assert normalize_shopify("products/update", {"id": 1}, CTX).ignored_reason
    only_purchases = DeliveryContext(
        **{**CTX.__dict__, "imported_kinds": frozenset({ActivityKind.ACTIVITY_KIND_PURCHASE})}
    )
    assert normalize_shopify("customers/create", {"id": 7}, only_purchases).ignored_reason
    with pytest.raises(MalformedPayload, match='"id"'):
        normalize_shopify("orders/create", {"name": "#1"}, CTX)


def test_woocommerce_statuses() -> None:
    order = {
        "id": 727,
        "status": "processing",
        "currency": "JPY",
        "total": "1500",
        "date_created_gmt": "2026-11-21T09:00:00",
        "billing": {"first_name": "Ken", "last_name": "Sato", "city": "Osaka", "country": "JP"},
        "line_items": [
            {
                "name": "Tea",
                "product_id": 9,
                "variation_id": 0,
                "quantity": 1,
                "image": {"src": "https://shop.example/tea.jpg"},
            }
        ],
    }
    (activity,) = normalize_woocommerce("order.created", order, CTX).activities
    assert activity.amount.amount_minor == 1500 and activity.amount.currency_code == "JPY"
    assert activity.product.image_url == "https://shop.example/tea.jpg" and activity.product.variant_ref == ""
    assert activity.occurred_at.ToDatetime(UTC) == datetime(2026, 11, 21, 9, tzinfo=UTC)
    refunded = normalize_woocommerce("order.updated", {**order, "status": "refunded"}, CTX)
    assert refunded.retractions[0].source_ref == "727"
    assert normalize_woocommerce("order.updated", {**order, "status": "pending"}, CTX).ignored_reason


def test_stripe_checkout_and_refund_share_the_payment_intent() -> None:
    session = {
        "id": "evt_1",
        "type": "checkout.session.completed",
        "livemode": False,
        "created": 1790000000,
        "data": {
            "object": {
                "id": "cs_1",
                "payment_intent": "pi_9",
                "payment_status": "paid",
                "amount_total": 4900,
                "currency": "usd",
                "customer_details": {"name": "Mia Wong", "address": {"city": "Austin", "country": "US"}},
            }
        },
    }
    result = normalize_stripe(session, CTX)
    (activity,) = result.activities
    assert activity.test and result.test
    assert activity.source_ref == "pi_9" and activity.amount.amount_minor == 4900
    assert activity.amount.currency_code == "USD" and activity.actor.first_name == "Mia"
    refund = {
        "id": "evt_2",
        "type": "charge.refunded",
        "livemode": False,
        "data": {"object": {"id": "ch_1", "payment_intent": "pi_9"}},
    }
    assert normalize_stripe(refund, CTX).retractions[0].source_ref == "pi_9"
    with pytest.raises(MalformedPayload):
        normalize_stripe({"id": "evt_3"}, CTX)


def test_json_and_money_edge_cases() -> None:
    with pytest.raises(MalformedPayload):
        parse_json_object(b'{"id": 1')
    with pytest.raises(MalformedPayload):
        parse_json_object(b"[1, 2]")
    with pytest.raises(MalformedPayload):
        parse_json_object(b"\xff\xfe")
    assert parse_json_object(json.dumps({"a": "ž"}).encode()) == {"a": "ž"}
    assert to_minor_units("19.99", "usd") == 1999
    assert to_minor_units("1.234", "KWD") == 1234
