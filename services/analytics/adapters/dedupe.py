"""Redis ledger of recorded event ids and conversion references, so a retried batch counts once."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from shared.redis_client import RedisKeys

#: Longer than the 24 h an event may lag behind the server clock, so every valid retry is caught.
LEDGER_TTL_SECONDS = 26 * 3600


class EventLedger:
    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._keys = keys

    def _key(self, site_id: str, kind: str, ident: str) -> str:
        return self._keys("analytics", kind, site_id, ident)

    async def claim(self, site_id: str, kind: str, idents: Sequence[str]) -> list[bool]:
        """Marks each id as recorded; True where this call was the first to claim it."""
        if not idents:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for ident in idents:
            pipe.set(self._key(site_id, kind, ident), b"1", nx=True, ex=LEDGER_TTL_SECONDS)
        return [bool(r) for r in await pipe.execute()]

    async def release(self, site_id: str, kind: str, idents: Sequence[str]) -> None:
        """Forgets claims of a batch that could not be published, so the widget's retry is accepted."""
        if idents:
            await self._redis.delete(*[self._key(site_id, kind, i) for i in idents])

    async def close(self) -> None:
        await self._redis.aclose()
