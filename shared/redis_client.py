"""Redis client factory (redis.asyncio) from a URL, with key prefixes for tenants and tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis

#: Query parameter of a Redis URL naming the prefix every key of this client starts with,
#: e.g. redis://127.0.0.1:6379/0?key_prefix=test-1a2b: (tests) or ...?key_prefix=sp: (shared servers).
KEY_PREFIX_PARAM = "key_prefix"


@dataclass(frozen=True)
class RedisKeys:
    """Builds keys under one prefix: RedisKeys("sp:")("feed", site_id) == "sp:feed:<site_id>"."""

    prefix: str = ""

    def __call__(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def pattern(self, *parts: str) -> str:
        """A SCAN MATCH pattern for keys under parts (glob characters in the prefix are escaped)."""
        escaped = "".join("\\" + c if c in "*?[]\\" else c for c in self(*parts))
        return escaped + "*"


def split_url(url: str) -> tuple[str, RedisKeys]:
    """Separate our key_prefix parameter from a Redis URL (redis-py would reject it)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = "".join(v for k, v in query if k == KEY_PREFIX_PARAM)
    rest = urlencode([(k, v) for k, v in query if k != KEY_PREFIX_PARAM])
    return urlunsplit(parts._replace(query=rest)), RedisKeys(prefix)


def create_redis(url: str, *, decode_responses: bool = False, **kwargs: Any) -> Redis:
    """An asyncio Redis client (with its own connection pool) for url; key_prefix is ignored here,
    read it with redis_keys(url)."""
    plain_url, _ = split_url(url)
    kwargs.setdefault("socket_connect_timeout", 5)
    kwargs.setdefault("health_check_interval", 30)
    return Redis.from_url(plain_url, decode_responses=decode_responses, **kwargs)


def redis_keys(url: str) -> RedisKeys:
    """The key builder for url's key_prefix (empty prefix when none)."""
    return split_url(url)[1]


async def delete_prefixed(client: Redis, keys: RedisKeys, batch: int = 500) -> int:
    """Delete every key under keys.prefix (tests clean up with this); returns how many."""
    if not keys.prefix:
        raise ValueError("refusing to delete every key: the prefix is empty")
    deleted = 0
    pending: list[Any] = []
    async for key in client.scan_iter(match=keys.pattern(), count=batch):
        pending.append(key)
        if len(pending) >= batch:
            deleted += int(await client.delete(*pending))
            pending.clear()
    if pending:
        deleted += int(await client.delete(*pending))
    return deleted
