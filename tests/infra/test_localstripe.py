"""localstripe fixture: a Stripe-compatible server the stripe client can talk to."""

from __future__ import annotations

import stripe


def test_localstripe_creates_and_reads_a_customer(localstripe_url: str) -> None:
    client = stripe.StripeClient("sk_test_socialproof", base_addresses={"api": localstripe_url})
    created = client.v1.customers.create(params={"email": "owner@example.com", "name": "Demo Shop"})
    assert created.id.startswith("cus_")
    fetched = client.v1.customers.retrieve(created.id)
    assert fetched.email == "owner@example.com"
