"""Stripe charge listing for backfill through the official SDK (blocking, so run in a thread)."""

from __future__ import annotations

import asyncio
from typing import Any

import stripe


class StripeApiError(Exception):
    """Stripe refused or could not be reached; the message is secret-free."""


class StripeCharges:
    """`api_base` empty means Stripe itself; tests and local stacks point it at localstripe."""

    def __init__(self, timeout_seconds: float = 10.0, api_base: str = "") -> None:
        self._timeout = timeout_seconds
        self._api_base = api_base.rstrip("/")

    def _list(self, api_key: str, created_after: int, starting_after: str, limit: int) -> Any:
        client = stripe.StripeClient(
            api_key,
            base_addresses={"api": self._api_base} if self._api_base else {},  # type: ignore[typeddict-item]
            max_network_retries=2,
            http_client=stripe.RequestsClient(timeout=self._timeout),  # type: ignore[attr-defined]
        )
        params: dict[str, Any] = {"limit": limit, "created": {"gt": created_after}}
        if starting_after:
            params["starting_after"] = starting_after
        return client.v1.charges.list(params=params)  # type: ignore[arg-type]

    async def list_charges(
        self, api_key: str, created_after: int, starting_after: str, limit: int = 50
    ) -> tuple[list[dict[str, Any]], str]:
        """One page of charges created after the unix time and the next page's cursor ("" at the end)."""
        try:
            page = await asyncio.to_thread(self._list, api_key, created_after, starting_after, limit)
        except stripe.StripeError as error:
            status = getattr(error, "http_status", None)
            raise StripeApiError(f"charges list failed ({type(error).__name__}, HTTP {status})") from None
        charges = [c.to_dict() for c in page.data]
        more = bool(page.has_more) and bool(charges)
        return charges, str(charges[-1]["id"]) if more else ""
