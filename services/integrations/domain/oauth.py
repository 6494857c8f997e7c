"""Shopify OAuth rules: shop domains, safe return paths, signed expiring states, the callback page."""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import secrets
from urllib.parse import urlencode

_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$")
_RETURN_PATH = re.compile(r"^/[A-Za-z0-9/_\-.~%?=&]*$")


def normalize_shop(value: str) -> str:
    """ "Trail-Shoes", "https://trail-shoes.myshopify.com/" → "trail-shoes.myshopify.com"; "" if invalid."""
    text = value.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if text and "." not in text:
        text += ".myshopify.com"
    return text if _SHOP.match(text) else ""


def is_shop_domain(value: str) -> bool:
    return bool(_SHOP.match(value))


def safe_return_path(value: str) -> bool:
    """A dashboard-relative path only: no scheme, no host, no "//" (no open redirects)."""
    return value == "" or (
        len(value) <= 500
        and bool(_RETURN_PATH.match(value))
        and not value.startswith("//")
        and ".." not in value
    )


def _state_mac(key: str, nonce: str, expires: int, shop: str) -> str:
    message = f"shopify-oauth-state:{nonce}.{expires}.{shop}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def new_state(key: str, expires: int, shop: str) -> str:
    """`<nonce>.<expiry unix>.<HMAC>`: forged or altered states fail before any database lookup."""
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{expires}.{_state_mac(key, nonce, expires, shop)}"


def state_expiry(key: str, state: str, shop: str) -> int | None:
    """The state's expiry when its signature is valid for this shop, else None."""
    parts = state.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    nonce, expires, mac = parts
    if not hmac.compare_digest(_state_mac(key, nonce, int(expires), shop), mac):
        return None
    return int(expires)


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def install_url(shop: str, client_id: str, scopes: str, redirect_uri: str, state: str) -> str:
    query = urlencode({"client_id": client_id, "scope": scopes, "redirect_uri": redirect_uri, "state": state})
    return f"https://{shop}/admin/oauth/authorize?{query}"


def result_page(target: str, ok: bool, message: str) -> bytes:
    """The HTML the browser lands on: a meta refresh plus a link back to the dashboard."""
    href = html.escape(target, quote=True)
    title = "Shopify connected" if ok else "Shopify connection failed"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="refresh" content="0;url={href}"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{html.escape(message)}</p>"
        f'<p><a href="{href}">Back to SocialProof</a></p></body></html>'
    ).encode()
