"""Redis fixture and shared.redis_client: a real server, an empty database and a key prefix per test."""

from __future__ import annotations

from shared.redis_client import RedisKeys, create_redis, delete_prefixed, redis_keys, split_url


async def test_each_test_starts_with_an_empty_database(redis_url: str) -> None:
    redis = create_redis(redis_url, decode_responses=True)
    try:
        assert await redis.dbsize() == 0
        await redis.set("left-behind", "x")
    finally:
        await redis.aclose()


async def test_prefix_from_url_scopes_keys_and_cleanup(redis_url: str) -> None:
    keys = redis_keys(redis_url)
    assert keys.prefix.startswith("t") and keys.prefix.endswith(":")
    redis = create_redis(redis_url, decode_responses=True)
    try:
        assert await redis.dbsize() == 0  # the previous test's key is not visible
        await redis.set(keys("feed", "site-1"), "a")
        await redis.set(keys("feed", "site-2"), "b")
        await redis.set("other-tenant:feed:site-1", "c")
        assert await redis.get(keys("feed", "site-1")) == "a"
        assert await delete_prefixed(redis, keys) == 2
        assert await redis.keys("*") == ["other-tenant:feed:site-1"]
    finally:
        await redis.aclose()


def test_url_parsing_keeps_other_parameters() -> None:
    url, keys = split_url("redis://127.0.0.1:6379/3?key_prefix=sp:&socket_timeout=2")
    assert url == "redis://127.0.0.1:6379/3?socket_timeout=2"
    assert keys == RedisKeys("sp:")
    assert RedisKeys("a*b:").pattern("x") == "a\\*b:x*"
