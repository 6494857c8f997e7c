"""Posts outbound webhook deliveries over HTTP (aiohttp) and reports status, excerpt and timing."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class HttpResult:
    status: int
    body_excerpt: str
    error: str
    duration_ms: int


class HttpSender:
    def __init__(self, timeout_seconds: float = 10.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> HttpResult:
        if self._session is None:
            # Redirects are not followed: a receiver moving must update its URL, and following
            # would let a receiver bounce our signed payload to another host.
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        started = time.monotonic()
        try:
            async with self._session.post(url, data=body, headers=headers, allow_redirects=False) as response:
                excerpt = (await response.content.read(1024)).decode("utf-8", errors="replace")
                return HttpResult(response.status, excerpt, "", int((time.monotonic() - started) * 1000))
        except TimeoutError:
            return HttpResult(0, "", "timeout", int((time.monotonic() - started) * 1000))
        except (aiohttp.ClientError, OSError) as error:
            reason = (
                "connection refused"
                if isinstance(error, aiohttp.ClientConnectorError)
                else type(error).__name__
            )
            return HttpResult(0, "", reason, int((time.monotonic() - started) * 1000))
        except asyncio.CancelledError:
            raise

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
