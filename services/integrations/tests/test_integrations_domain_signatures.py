"""Signature checks computed the way each provider documents them."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from services.integrations.domain.signatures import (
    SignatureError,
    SignatureFailure,
    shopify_query_hmac,
    verify_generic,
    verify_shopify,
    verify_shopify_query,
    verify_stripe,
    verify_woocommerce,
)

BODY = b'{"id": 820982911946154508, "note": "caf\xc3\xa9 "}'
SECRET = "shpss_current"
OLD = "shpss_previous"
NOW = 1_790_000_000


def b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def stripe_header(secret: str, ts: int, body: bytes) -> str:
    sig = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={sig},v0=deadbeef"


@pytest.mark.parametrize("verify", [verify_shopify, verify_woocommerce])
def test_base64_providers_accept_exact_body_and_reject_one_changed_byte(verify) -> None:  # type: ignore[no-untyped-def]
    header = b64_hmac(SECRET, BODY)
    assert verify(BODY, header, [SECRET]).previous_secret is False
    altered = BODY[:-2] + b"!" + BODY[-1:]
    with pytest.raises(SignatureError) as caught:
        verify(altered, header, [SECRET])
    assert caught.value.failure is SignatureFailure.MISMATCH
    with pytest.raises(SignatureError) as missing:
        verify(BODY, None, [SECRET])
    assert missing.value.failure is SignatureFailure.MISSING
    with pytest.raises(SignatureError) as malformed:
        verify(BODY, "not base64!!", [SECRET])
    assert malformed.value.failure is SignatureFailure.MALFORMED


def test_rotation_overlap_accepts_previous_secret_and_says_so() -> None:
    assert verify_shopify(BODY, b64_hmac(OLD, BODY), [SECRET, OLD]).previous_secret is True
    with pytest.raises(SignatureError):
        verify_shopify(BODY, b64_hmac(OLD, BODY), [SECRET])


def test_stripe_signature_and_tolerance() -> None:
    header = stripe_header("whsec_x", NOW - 299, BODY)
    assert verify_stripe(BODY, header, ["whsec_x"], now=NOW).previous_secret is False
    with pytest.raises(SignatureError) as stale:
        verify_stripe(BODY, stripe_header("whsec_x", NOW - 301, BODY), ["whsec_x"], now=NOW)
    assert stale.value.failure is SignatureFailure.STALE
    with pytest.raises(SignatureError) as wrong:
        verify_stripe(BODY, stripe_header("whsec_other", NOW, BODY), ["whsec_x"], now=NOW)
    assert wrong.value.failure is SignatureFailure.MISMATCH
    # A second v1 (Stripe's own secret rolling) is accepted.
    two = stripe_header("whsec_other", NOW, BODY) + "," + stripe_header("whsec_x", NOW, BODY).split(",")[1]
    assert verify_stripe(BODY, two, ["whsec_x"], now=NOW)
    for bad in ("v1=abc", "t=x,v1=00", "t=1", "t=1,v1=zz"):
        with pytest.raises(SignatureError) as caught:
            verify_stripe(BODY, bad, ["whsec_x"], now=NOW)
        assert caught.value.failure is SignatureFailure.MALFORMED


def test_generic_signature_with_replay_window() -> None:
    sig = hmac.new(b"gen", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert verify_generic(BODY, sig, str(NOW), ["gen"], now=NOW + 300)
    assert verify_generic(BODY, "sha256=" + sig, str(NOW), ["gen"], now=NOW)
    with pytest.raises(SignatureError) as stale:
        verify_generic(BODY, sig, str(NOW), ["gen"], now=NOW + 301)
    assert stale.value.failure is SignatureFailure.STALE
    with pytest.raises(SignatureError) as future:
        verify_generic(BODY, sig, str(NOW), ["gen"], now=NOW - 301)
    assert future.value.failure is SignatureFailure.STALE
    # The timestamp is signed: moving it forward breaks the signature.
    with pytest.raises(SignatureError) as moved:
        verify_generic(BODY, sig, str(NOW + 1), ["gen"], now=NOW)
    assert moved.value.failure is SignatureFailure.MISMATCH
    with pytest.raises(SignatureError) as missing:
        verify_generic(BODY, sig, None, ["gen"], now=NOW)
    assert missing.value.failure is SignatureFailure.MISSING


def test_shopify_oauth_query_hmac_matches_the_documented_example() -> None:
    # The example from Shopify's OAuth docs (secret "hush").
    params = [
        ("code", "0907a61c0c8d55e99db179b68161bc00"),
        ("shop", "some-shop.myshopify.com"),
        ("state", "0.6784241404160823"),
        ("timestamp", "1337178173"),
    ]
    digest = "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
    assert shopify_query_hmac(params, "hush") == digest
    assert verify_shopify_query([*params, ("hmac", digest)], "hush")
    assert not verify_shopify_query([*params, ("hmac", digest.replace("7", "8"))], "hush")
