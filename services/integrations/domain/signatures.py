"""Webhook signature checks exactly as each provider signs, with secret-rotation overlap."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum


class SignatureFailure(Enum):
    """Why a delivery was not authenticated; the values are safe to show to the sender."""

    MISSING = "signature header missing"
    MISMATCH = "signature mismatch"
    MALFORMED = "signature header malformed"
    STALE = "timestamp outside the replay window"


class SignatureError(Exception):
    """The delivery is not authentic (or too old); nothing from it may be used."""

    def __init__(self, failure: SignatureFailure) -> None:
        super().__init__(failure.value)
        self.failure = failure


@dataclass(frozen=True)
class Verified:
    """A delivery that passed; `previous_secret` says the rotation's old secret matched."""

    previous_secret: bool = False


def _hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def _equal(expected: bytes, presented: bytes) -> bool:
    # Constant time, so a sender cannot learn the signature byte by byte from response times.
    return hmac.compare_digest(expected, presented)


def _first_matching(secrets: Sequence[str], check: Callable[[str], bool]) -> Verified:
    """Tries the current secret, then the previous one (rotation overlap)."""
    for index, secret in enumerate(secrets):
        if check(secret):
            return Verified(previous_secret=index > 0)
    raise SignatureError(SignatureFailure.MISMATCH)


def _b64(header: str | None) -> bytes:
    if not header:
        raise SignatureError(SignatureFailure.MISSING)
    try:
        return base64.b64decode(header.strip(), validate=True)
    except ValueError:
        raise SignatureError(SignatureFailure.MALFORMED) from None


def verify_shopify(body: bytes, header: str | None, secrets: Sequence[str]) -> Verified:
    """X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256(secret, raw body)."""
    presented = _b64(header)
    return _first_matching(secrets, lambda s: _equal(_hmac_sha256(s, body), presented))


def verify_woocommerce(body: bytes, header: str | None, secrets: Sequence[str]) -> Verified:
    """X-WC-Webhook-Signature: base64 of HMAC-SHA256(secret, raw body) (WC_Webhook::generate_signature)."""
    presented = _b64(header)
    return _first_matching(secrets, lambda s: _equal(_hmac_sha256(s, body), presented))


def parse_stripe_header(header: str) -> tuple[int, list[bytes]]:
    """`t=<unix>,v1=<hex>[,v1=<hex>][,v0=...]` → (timestamp, v1 signatures); other schemes ignored."""
    timestamp: int | None = None
    signatures: list[bytes] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isdigit():
                raise SignatureError(SignatureFailure.MALFORMED)
            timestamp = int(value)
        elif key == "v1":
            try:
                signatures.append(bytes.fromhex(value))
            except ValueError:
                raise SignatureError(SignatureFailure.MALFORMED) from None
    if timestamp is None or not signatures:
        raise SignatureError(SignatureFailure.MALFORMED)
    return timestamp, signatures


def verify_stripe(
    body: bytes, header: str | None, secrets: Sequence[str], *, now: float, tolerance: float = 300.0
) -> Verified:
    """Stripe-Signature: hex HMAC-SHA256(secret, "<t>.<raw body>") in any v1=, and |now - t| <= tolerance.

    The signature is checked before the timestamp, so a forged header learns nothing about the clock.
    """
    if not header:
        raise SignatureError(SignatureFailure.MISSING)
    timestamp, presented = parse_stripe_header(header)
    signed = str(timestamp).encode() + b"." + body

    def check(secret: str) -> bool:
        expected = _hmac_sha256(secret, signed)
        # Evaluate every candidate: stopping early would leak which position matched.
        return any([_equal(expected, p) for p in presented])

    verified = _first_matching(secrets, check)
    if abs(now - timestamp) > tolerance:
        raise SignatureError(SignatureFailure.STALE)
    return verified


def sign_generic(secret: str, timestamp: int, body: bytes) -> str:
    """SocialProof's scheme (inbound generic webhooks and outbound deliveries): hex HMAC-SHA256 of
    "<unix seconds>.<raw body>"."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_generic(
    body: bytes,
    signature: str | None,
    timestamp_header: str | None,
    secrets: Sequence[str],
    *,
    now: float,
    tolerance: float = 300.0,
) -> Verified:
    """X-SocialProof-Signature: hex HMAC-SHA256(secret, "<ts>.<raw body>") (an optional "sha256=" or
    "v1=" prefix is accepted); X-SocialProof-Timestamp: unix seconds within ±tolerance of now."""
    if not signature or not timestamp_header:
        raise SignatureError(SignatureFailure.MISSING)
    value = signature.strip()
    for prefix in ("sha256=", "v1="):
        value = value.removeprefix(prefix)
    ts_text = timestamp_header.strip()
    if not ts_text.isdigit() or len(ts_text) > 12:
        raise SignatureError(SignatureFailure.MALFORMED)
    try:
        presented = bytes.fromhex(value)
    except ValueError:
        raise SignatureError(SignatureFailure.MALFORMED) from None
    timestamp = int(ts_text)
    signed = ts_text.encode() + b"." + body
    verified = _first_matching(secrets, lambda s: _equal(_hmac_sha256(s, signed), presented))
    if abs(now - timestamp) > tolerance:
        raise SignatureError(SignatureFailure.STALE)
    return verified


def shopify_query_hmac(params: Sequence[tuple[str, str]], secret: str) -> str:
    """Hex HMAC-SHA256 Shopify puts in an OAuth redirect's `hmac`: over the other parameters sorted by
    name and joined as k=v with &, keyed with the app's client secret."""
    message = "&".join(f"{k}={v}" for k, v in sorted(params) if k not in ("hmac", "signature"))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_shopify_query(params: Sequence[tuple[str, str]], secret: str) -> bool:
    presented = next((v for k, v in params if k == "hmac"), "")
    expected = shopify_query_hmac(params, secret)
    return _equal(expected.encode(), presented.strip().lower().encode())
