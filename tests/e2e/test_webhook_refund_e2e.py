"""Issue 6 end to end: a signed Shopify order webhook posted through the edge shows up in the widget
feed (once, however often it is delivered), and a signed refund for that order retracts it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import uuid
from collections.abc import Callable

from shared.devstack.platform import Platform
from shared.devstack.seeding import (
    create_site,
    publish_campaign,
    recent_activity_campaign,
    service_auth,
    shopify_connection,
    sign_up,
)
from socialproof.notifications.v1 import (
    sites_pb2,
)
from tests.e2e.test_edge_e2e import http

SHOP = "refund-e2e.myshopify.com"
PAGE = "https://refund-e2e.example/products/trail"
#: Kafka → notifications consumer → Postgres → feed: seconds on a loaded 2-core box, never a minute.
FEED_WAIT_S = 30.0
#: The e2e session shrinks the webhooks route class to 1 token/s (tests/e2e/conftest.py).
RATE_LIMIT_WAIT_S = 10.0


def shopify_headers(body: bytes, secret: str, webhook_id: str, topic: str) -> dict[str, str]:
    """Exactly what Shopify sends: base64 HMAC-SHA256 of the raw body with the shared secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "content-type": "application/json",
        "x-shopify-hmac-sha256": base64.b64encode(digest).decode(),
        "x-shopify-topic": topic,
        "x-shopify-webhook-id": webhook_id,
        "x-shopify-shop-domain": SHOP,
    }


def post_hook(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """POST through the edge; a 429 from the edge's webhook bucket never reached the service, so it is
    retried (bounded) the way a provider retries, instead of depending on the other tests' traffic."""
    deadline = time.monotonic() + RATE_LIMIT_WAIT_S
    while True:
        status, reply_headers, reply = http("POST", url, body, headers)
        if status != 429:
            return status, reply_headers, reply
        assert time.monotonic() < deadline, "the edge kept answering 429 to webhooks"
        time.sleep(1.1)


def feed_texts(platform: Platform, site_key: str, poll: int) -> list[str]:
    # A distinct query per poll: every answer reflects the current state even if a cache sits in front.
    page = urllib.parse.quote(f"{PAGE}?poll={poll}", safe="")
    status, _, body = http("GET", f"{platform.edge_url}/v1/widget/sites/{site_key}/feed?page.url={page}")
    assert status == 200, body
    feed = json.loads(body)["feed"]
    return [
        notification["accessible_text"]
        for campaign in feed.get("campaigns", [])
        for variant in campaign.get("variants", [])
        for notification in variant.get("notifications", [])
    ]


def wait_for(condition: Callable[[int], bool], what: str) -> None:
    deadline = time.monotonic() + FEED_WAIT_S
    poll = 0
    while not condition(poll):
        assert time.monotonic() < deadline, f"timed out after {FEED_WAIT_S} s waiting until {what}"
        poll += 1
        time.sleep(0.25)


def test_signed_order_webhook_shows_once_and_its_refund_retracts_it(platform: Platform) -> None:
    run = uuid.uuid4().hex[:8]
    signed_up = sign_up(
        platform,
        email=f"refund-{run}@socialproof.local",
        password=f"pw-{uuid.uuid4().hex}",
        display_name="Refund Owner",
        organization=f"Refund Shop {run}",
    )
    org = signed_up.organization.name
    auth = service_auth(platform, org, "e2e-refund")
    site = create_site(
        platform,
        auth,
        org,
        display_name="Refund Shop",
        domain="refund-e2e.example",
        settings=sites_pb2.SiteSettings(
            time_zone="Europe/Prague", default_anonymity=sites_pb2.ANONYMITY_LEVEL_FIRST_NAME
        ),
    )
    publish_campaign(
        platform,
        auth,
        site.name,
        recent_activity_campaign(
            title="{{ name }}", body="bought **{{ product.name }}**", url_contains="/products/"
        ),
    )

    # No provider secret given: integrations generates one and shows it this once.
    created = shopify_connection(platform, auth, site.name, shop_domain=SHOP, display_name="Main store")
    secret = created.signing_secret
    assert secret and created.connection.secret_hint == secret[-4:]
    connection_id = created.connection.name.rsplit("/", 1)[1]
    hook_url = f"{platform.edge_url}/v1/hooks/shopify/{connection_id}"

    # A product name unique to this run, so the feed text identifies exactly this order.
    product = f"Trail Shoes {run}"
    order_id = int(uuid.uuid4().int % 10**12)
    order = json.dumps(
        {
            "id": order_id,
            "name": "#1001",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "financial_status": "paid",
            "test": False,
            "total_price": "59.00",
            "currency": "EUR",
            "customer": {"first_name": "Jana", "last_name": "Novak"},
            "billing_address": {"city": "Brno", "country_code": "CZ"},
            "line_items": [{"title": product, "product_id": 1, "variant_id": 2, "quantity": 1}],
        }
    ).encode()
    order_headers = shopify_headers(order, secret, f"order-{run}", "orders/paid")

    # A forged signature through the edge (an order of its own, so the feed can tell whether it was
    # published): 401 with a JSON error.
    forged_product = f"Forged Boots {run}"
    forged_order = order.replace(product.encode(), forged_product.encode()).replace(
        f'"id": {order_id},'.encode(), f'"id": {order_id + 1},'.encode()
    )
    assert forged_order.count(str(order_id + 1).encode()) == 1
    forged = shopify_headers(forged_order, "not-the-secret", f"forged-{run}", "orders/paid")
    status, headers, body = post_hook(hook_url, forged_order, forged)
    assert status == 401, body
    assert headers["content-type"].startswith("application/json")
    assert "WEBHOOK_SIGNATURE_MISMATCH" in body.decode(), body

    status, _, body = post_hook(hook_url, order, order_headers)
    assert status == 200, body
    assert json.loads(body)["outcome"] == "WEBHOOK_OUTCOME_ACCEPTED"

    def shown(poll: int) -> list[str]:
        return [text for text in feed_texts(platform, site.site_key, poll) if product in text]

    wait_for(lambda poll: len(shown(poll)) == 1, "the order is in the feed")
    (card,) = shown(9000)  # a poll number of its own: a URL the edge has not cached yet
    assert "Jana" in card
    # The forged delivery was posted before the real one, so anything it had published would be in
    # the feed by now.
    assert not [text for text in feed_texts(platform, site.site_key, 9001) if forged_product in text]

    # The same delivery twice more (same X-Shopify-Webhook-Id): acknowledged, stored once.
    for _ in range(2):
        status, _, body = post_hook(hook_url, order, order_headers)
        assert status == 200, body
        assert json.loads(body)["outcome"] == "WEBHOOK_OUTCOME_DUPLICATE"
    assert len(shown(1000)) == 1

    refund = json.dumps(
        {
            "id": int(uuid.uuid4().int % 10**12),
            "order_id": order_id,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    ).encode()
    status, _, body = post_hook(
        hook_url, refund, shopify_headers(refund, secret, f"refund-{run}", "refunds/create")
    )
    assert status == 200, body
    reply = json.loads(body)
    assert reply["outcome"] == "WEBHOOK_OUTCOME_ACCEPTED" and reply["retraction_count"] == 1, reply

    wait_for(lambda poll: not shown(2000 + poll), "the refunded order left the feed")
