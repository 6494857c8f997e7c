"""Redis: feed versions and composed feeds, the site-key index, live presence and live fan-out (pub/sub)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from shared.redis_client import RedisKeys


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class FeedCache:
    """The per-site feed version (`feedver:<site>`), the feed last composed per (site, targeting class)
    and the site-key index. Anything that can change a feed bumps the version, so every replica's kept
    feed source (service.FeedSources, in memory) and every stored feed (it carries its version) is
    stale at once."""

    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self.redis, self.keys = redis, keys

    async def version(self, site_id: str) -> int:
        value = await self.redis.get(self.keys("feedver", site_id))
        return int(value or 0)

    async def bump(self, site_id: str) -> int:
        return int(await self.redis.incr(self.keys("feedver", site_id)))

    async def site_for_key(self, site_key: str) -> tuple[str, str] | None:
        """(org_id, site_id) remembered for a public site key, saving two queries per cache hit."""
        value = await self.redis.get(self.keys("sitekey", site_key))
        if value is None:
            return None
        org_id, _, site_id = bytes(value).decode().partition("/")
        return org_id, site_id

    async def remember_key(self, site_key: str, org_id: str, site_id: str, ttl: int = 60) -> None:
        await self.redis.set(self.keys("sitekey", site_key), f"{org_id}/{site_id}", ex=max(1, ttl))

    async def forget_key(self, site_key: str) -> None:
        await self.redis.delete(self.keys("sitekey", site_key))

    async def composed(self, site_id: str, targeting_class: str) -> bytes | None:
        value = await self.redis.get(self._composed_key(site_id, targeting_class))
        return bytes(value) if value is not None else None

    async def keep_composed(self, site_id: str, targeting_class: str, value: bytes, ttl: int) -> None:
        """A composed feed of one targeting class (the caller puts its version in the value)."""
        await self.redis.set(self._composed_key(site_id, targeting_class), value, ex=max(1, ttl))

    def _composed_key(self, site_id: str, targeting_class: str) -> str:
        return self.keys("feed", site_id, _digest(targeting_class))

    async def remember_domain_proof(self, site_id: str, domain: str, token: str, ttl: int) -> None:
        """The widget saw the domain's verification token on one of its pages (kept for `ttl` s)."""
        await self.redis.set(self.keys("domainproof", site_id, domain), token, ex=max(1, ttl))

    async def domain_proof(self, site_id: str, domain: str) -> str | None:
        value = await self.redis.get(self.keys("domainproof", site_id, domain))
        return bytes(value).decode() if value is not None else None

    async def erasure_result(self, org_id: str, request_id: str) -> int | None:
        value = await self.redis.get(self.keys("erasure", org_id, request_id))
        return int(value) if value is not None else None

    async def remember_erasure(self, org_id: str, request_id: str, count: int) -> None:
        await self.redis.set(self.keys("erasure", org_id, request_id), count, ex=7 * 86400)


class Presence:
    """Active visitors per site and page: sorted sets of visitor-id digests scored by last heartbeat."""

    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self.redis, self.keys = redis, keys

    def site_key(self, site_id: str) -> str:
        return self.keys("presence", site_id, "site")

    def page_key(self, site_id: str, page: str) -> str:
        return self.keys("presence", site_id, "page", _digest(page))

    async def heartbeat(
        self,
        site_id: str,
        page: str,
        visitor_id: str,
        *,
        leaving: bool,
        window_seconds: float,
        now: float | None = None,
    ) -> tuple[int, int]:
        """Records (or removes) the visitor; returns (page count, site count) within the window."""
        now = time.time() if now is None else now
        member = _digest(visitor_id)  # raw visitor ids are never stored
        site_key, page_key = self.site_key(site_id), self.page_key(site_id, page)
        cutoff = now - window_seconds
        expire = int(window_seconds) + 60
        async with self.redis.pipeline(transaction=True) as pipe:
            if leaving:
                pipe.zrem(page_key, member)
                pipe.zrem(site_key, member)
            else:
                pipe.zadd(page_key, {member: now})
                pipe.zadd(site_key, {member: now})
            pipe.zremrangebyscore(page_key, "-inf", cutoff)
            pipe.zremrangebyscore(site_key, "-inf", cutoff)
            pipe.zcard(page_key)
            pipe.zcard(site_key)
            # Keys of quiet pages disappear by themselves.
            pipe.expire(page_key, expire)
            pipe.expire(site_key, expire)
            results = await pipe.execute()
        return int(results[4]), int(results[5])

    async def counts(
        self, site_id: str, page: str, window_seconds: float, now: float | None = None
    ) -> tuple[int, int]:
        now = time.time() if now is None else now
        cutoff = f"({now - window_seconds}"
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcount(self.page_key(site_id, page), cutoff, "+inf")
            pipe.zcount(self.site_key(site_id), cutoff, "+inf")
            page_count, site_count = await pipe.execute()
        return int(page_count), int(site_count)


async def feed_state(
    cache: FeedCache,
    presence: Presence,
    site_id: str,
    page: str,
    window_seconds: float,
    targeting_class: str | None,
) -> tuple[int, int, int, bytes | None]:
    """The site's feed version, its (page, site) presence counts and the feed last composed for the
    targeting class (None: not asked) in one round trip: every feed request needs them (both adapters
    share one Redis)."""
    cutoff = f"({time.time() - window_seconds}"
    async with cache.redis.pipeline(transaction=False) as pipe:
        pipe.get(cache.keys("feedver", site_id))
        pipe.zcount(presence.page_key(site_id, page), cutoff, "+inf")
        pipe.zcount(presence.site_key(site_id), cutoff, "+inf")
        if targeting_class is not None:
            pipe.get(cache._composed_key(site_id, targeting_class))
        version, page_count, site_count, *stored = await pipe.execute()
    composed = bytes(stored[0]) if stored and stored[0] is not None else None
    return int(version or 0), int(page_count), int(site_count), composed


class LiveChannel:
    """Fan-out of live events across replicas: one pub/sub channel per site."""

    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self.redis, self.keys = redis, keys

    async def publish(self, site_id: str, event: bytes) -> None:
        await self.redis.publish(self.keys("live", site_id), event)

    @contextlib.asynccontextmanager
    async def subscribe(self, site_id: str) -> AsyncIterator[asyncio.Queue[bytes]]:
        """A queue receiving the site's events while the block runs (subscribed before it starts)."""
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1000)
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(self.keys("live", site_id))

        async def pump() -> None:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None and message.get("type") == "message":
                    with contextlib.suppress(asyncio.QueueFull):  # a stalled client drops events
                        queue.put_nowait(bytes(message["data"]))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe()
                await pubsub.aclose()
