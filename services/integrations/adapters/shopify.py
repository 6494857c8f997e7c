"""Shopify Admin endpoints the OAuth flow needs: code → access-token exchange, webhook registration."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import aiohttp

API_VERSION = "2025-01"


class ShopifyError(Exception):
    """Shopify refused or could not be reached; the message is secret-free."""


@dataclass(frozen=True)
class ShopifyToken:
    access_token: str
    scopes: list[str]


class ShopifyAdmin:
    """`base_url` empty means https://{shop}; local stacks and tests point it at a fake shop server."""

    def __init__(self, timeout_seconds: float = 10.0, base_url: str = "") -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    def _url(self, shop: str, path: str) -> str:
        return f"{self._base_url or 'https://' + shop}{path}"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def exchange_code(self, shop: str, client_id: str, client_secret: str, code: str) -> ShopifyToken:
        try:
            async with self._client().post(
                self._url(shop, "/admin/oauth/access_token"),
                json={"client_id": client_id, "client_secret": client_secret, "code": code},
                headers={"Accept": "application/json"},
                allow_redirects=False,
            ) as response:
                if response.status != 200:
                    raise ShopifyError(f"token endpoint answered HTTP {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ShopifyError(f"token endpoint unreachable or invalid ({type(error).__name__})") from None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ShopifyError("token endpoint returned no access_token")
        scope = body.get("scope", "")
        return ShopifyToken(token, [s for s in str(scope).split(",") if s])

    async def register_webhook(self, shop: str, access_token: str, topic: str, address: str) -> None:
        try:
            async with self._client().post(
                self._url(shop, f"/admin/api/{API_VERSION}/webhooks.json"),
                json={"webhook": {"topic": topic, "address": address, "format": "json"}},
                headers={"X-Shopify-Access-Token": access_token},
                allow_redirects=False,
            ) as response:
                # 422 "address for this topic has already been taken" means it is registered already.
                if response.status not in (200, 201, 422):
                    raise ShopifyError(f"webhook registration answered HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise ShopifyError(f"webhook registration failed ({type(error).__name__})") from None

    async def _get(self, shop: str, access_token: str, path: str, params: dict[str, str]) -> tuple[Any, str]:
        try:
            async with self._client().get(
                self._url(shop, path),
                params=params,
                headers={"X-Shopify-Access-Token": access_token, "Accept": "application/json"},
                allow_redirects=False,
            ) as response:
                if response.status != 200:
                    raise ShopifyError(f"{path} answered HTTP {response.status}")
                return await response.json(content_type=None), response.headers.get("Link", "")
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ShopifyError(f"{path} unreachable or invalid ({type(error).__name__})") from None

    async def count_orders(self, shop: str, access_token: str, created_min: str) -> int:
        body, _ = await self._get(
            shop,
            access_token,
            f"/admin/api/{API_VERSION}/orders/count.json",
            {"status": "any", "created_at_min": created_min},
        )
        count = body.get("count") if isinstance(body, dict) else None
        return count if isinstance(count, int) else 0

    async def list_orders(
        self, shop: str, access_token: str, created_min: str, page_info: str, limit: int = 50
    ) -> tuple[list[dict[str, Any]], str]:
        """One page of orders, newest first, and the next page's page_info ("" on the last page)."""
        # Shopify's cursor pagination: after the first page only limit and page_info may be sent.
        params = (
            {"limit": str(limit), "page_info": page_info}
            if page_info
            else {
                "limit": str(limit),
                "status": "any",
                "created_at_min": created_min,
                "order": "created_at desc",
            }
        )
        body, link = await self._get(shop, access_token, f"/admin/api/{API_VERSION}/orders.json", params)
        orders = body.get("orders") if isinstance(body, dict) else None
        if not isinstance(orders, list):
            raise ShopifyError("orders.json returned no orders list")
        return [o for o in orders if isinstance(o, dict)], next_page_info(link)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def next_page_info(link_header: str) -> str:
    """page_info of the rel="next" URL in Shopify's Link header, or ""."""
    for part in link_header.split(","):
        if 'rel="next"' in part:
            match = re.search(r"[?&]page_info=([^&>]+)", part)
            if match:
                return match.group(1)
    return ""
