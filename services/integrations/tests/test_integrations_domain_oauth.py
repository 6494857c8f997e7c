"""Shopify OAuth rules: shop domains, return paths (no open redirect), signed expiring states, the page."""

from __future__ import annotations

import pytest

from services.integrations.adapters.shopify import next_page_info
from services.integrations.domain import oauth


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Trail-Shoes", "trail-shoes.myshopify.com"),
        ("https://trail-shoes.myshopify.com/", "trail-shoes.myshopify.com"),
        ("trail-shoes.myshopify.com.evil.com", ""),
        ("evil.com", ""),
        ("-bad.myshopify.com", ""),
        ("", ""),
    ],
)
def test_shop_domains_are_normalized_or_refused(given: str, expected: str) -> None:
    assert oauth.normalize_shop(given) == expected


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("", True),
        ("/sites/abc/integrations", True),
        ("/sites/abc?tab=shopify", True),
        ("//evil.com/x", False),
        ("https://evil.com", False),
        ("/\\evil.com", False),
        ("/sites/../../admin", False),
        ("sites/abc", False),
    ],
)
def test_return_paths_never_leave_the_dashboard(path: str, ok: bool) -> None:
    assert oauth.safe_return_path(path) is ok


def test_states_are_bound_to_key_shop_and_expiry() -> None:
    state = oauth.new_state("app-secret", 1_900_000_000, "a.myshopify.com")
    assert oauth.state_expiry("app-secret", state, "a.myshopify.com") == 1_900_000_000
    assert oauth.state_expiry("other-secret", state, "a.myshopify.com") is None
    assert oauth.state_expiry("app-secret", state, "b.myshopify.com") is None
    nonce, _expiry, mac = state.split(".")
    assert oauth.state_expiry("app-secret", f"{nonce}.1999999999.{mac}", "a.myshopify.com") is None
    assert oauth.state_expiry("app-secret", "garbage", "a.myshopify.com") is None
    assert oauth.new_state("app-secret", 1, "a.myshopify.com") != oauth.new_state(
        "app-secret", 1, "a.myshopify.com"
    )


def test_result_page_escapes_and_links_back() -> None:
    page = oauth.result_page('https://app.example/x?a=1&b="<script>', False, "<b>no</b>").decode()
    assert "<script>" not in page and "&lt;b&gt;no&lt;/b&gt;" in page
    assert 'content="0;url=https://app.example/x?a=1&amp;b=&quot;&lt;script&gt;"' in page


def test_next_page_info_reads_shopifys_link_header() -> None:
    header = (
        '<https://s.myshopify.com/admin/api/2025-01/orders.json?limit=50&page_info=prev1>; rel="previous", '
        '<https://s.myshopify.com/admin/api/2025-01/orders.json?limit=50&page_info=next2>; rel="next"'
    )
    assert next_page_info(header) == "next2"
    assert next_page_info('<https://x/orders.json?page_info=p>; rel="previous"') == ""
    assert next_page_info("") == ""
