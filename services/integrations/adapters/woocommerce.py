"""WooCommerce REST API v3 order listing for backfill (consumer key/secret, page/per_page paging)."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp


class WooCommerceError(Exception):
    """The store refused or could not be reached; the message is secret-free."""


class WooCommerceStore:
    """GET {store_url}/wp-json/wc/v3/orders with HTTP Basic auth (WooCommerce's documented scheme over
    HTTPS: consumer key as user, consumer secret as password)."""

    def __init__(self, timeout_seconds: float = 10.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def list_orders(
        self, store_url: str, key: str, secret: str, after: str, page: int, per_page: int = 50
    ) -> tuple[list[dict[str, Any]], int, int]:
        """One page of orders created after `after` (ISO 8601), newest first, with X-WP-Total and
        X-WP-TotalPages (0 when the store does not send them)."""
        url = f"{store_url.rstrip('/')}/wp-json/wc/v3/orders"
        params = {
            "after": after,
            "page": str(page),
            "per_page": str(per_page),
            "orderby": "date",
            "order": "desc",
        }
        try:
            async with self._client().get(
                url,
                params=params,
                headers={"Accept": "application/json", "Authorization": _basic(key, secret)},
                allow_redirects=False,
            ) as response:
                if response.status != 200:
                    raise WooCommerceError(f"orders answered HTTP {response.status}")
                body = await response.json(content_type=None)
                total = _int(response.headers.get("X-WP-Total"))
                pages = _int(response.headers.get("X-WP-TotalPages"))
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise WooCommerceError(f"orders unreachable or invalid ({type(error).__name__})") from None
        if not isinstance(body, list):
            raise WooCommerceError("orders returned no list")
        return [o for o in body if isinstance(o, dict)], total, pages

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0
