"""Brute-force protection in Redis: fixed-window failure counters per account and per client IP."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from shared.redis_client import RedisKeys


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `attempts` failures per `window_seconds` for one subject."""

    attempts: int
    window_seconds: int


class AttemptLimiter:
    """Counts failures; a subject over its limit is refused until its window ends.

    Fixed windows (SET NX EX + INCR in one round trip) are enough here: the aim is to make
    password guessing slow, not to shape traffic precisely.
    """

    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._keys = keys

    async def blocked_for(self, action: str, subject: str, limit: Limit) -> int:
        """Seconds until `subject` may try `action` again; 0 when it may now."""
        key = self._keys("attempts", action, subject)
        pipe = self._redis.pipeline(transaction=False)
        pipe.get(key)
        pipe.ttl(key)
        count, ttl = await pipe.execute()
        if count is not None and int(count) >= limit.attempts:
            return max(int(ttl), 1)
        return 0

    async def record_failure(self, action: str, subject: str, limit: Limit) -> None:
        key = self._keys("attempts", action, subject)
        pipe = self._redis.pipeline(transaction=True)
        # SET NX starts the window once; INCR keeps the TTL (EXPIRE NX needs Redis 7, we allow 6.2).
        pipe.set(key, 0, ex=limit.window_seconds, nx=True)
        pipe.incr(key)
        await pipe.execute()

    async def reset(self, action: str, subject: str) -> None:
        await self._redis.delete(self._keys("attempts", action, subject))
