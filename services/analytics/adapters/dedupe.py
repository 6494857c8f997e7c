"""Redis ledger of recorded event ids and conversion references, so a retried batch counts once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from redis.asyncio import Redis

from shared.redis_client import RedisKeys

#: Longer than the 24 h an event may lag behind the server clock, so every valid retry is caught.
LEDGER_TTL_SECONDS = 26 * 3600
#: Keys per claim command at most (the script blocks Redis while it runs: ~1 µs per key).
MAX_KEYS_PER_CLAIM = 2000

# SET NX EX of every key in one command: a pipeline of one SET per event cost more client CPU
# (command packing and reply parsing in redis-py) than the rest of ingest. The reply is one string
# with "1" where the key was set and "0" where it existed: redis-py parses an array reply element by
# element, which cost twice the client CPU of the whole call (73-80 vs 162-168 µs per 25 keys).
# The same key twice in one call is claimed by its first occurrence only, as with separate SETs.
_CLAIM = """
local claimed = {}
for i, key in ipairs(KEYS) do
  claimed[i] = redis.call('SET', key, '1', 'NX', 'EX', ARGV[1]) and '1' or '0'
end
return table.concat(claimed)
"""
_SET = ord("1")


class EventLedger:
    """Claims are coalesced: the claims of batches that arrive while one command is in flight go
    to Redis together in the next one, so concurrent ingest calls share the client-side cost."""

    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._keys = keys
        self._script = redis.register_script(_CLAIM)
        self._waiting: list[tuple[list[str], asyncio.Future[list[bool]]]] = []
        self._sender: asyncio.Task[None] | None = None

    def _key(self, site_id: str, kind: str, ident: str) -> str:
        return self._keys("analytics", kind, site_id, ident)

    async def claim(self, site_id: str, kind: str, idents: Sequence[str]) -> list[bool]:
        """Marks each id as recorded; True where this call was the first to claim it."""
        if not idents:
            return []
        prefix = self._key(site_id, kind, "")
        loop = asyncio.get_running_loop()
        claimed: asyncio.Future[list[bool]] = loop.create_future()
        self._waiting.append(([prefix + ident for ident in idents], claimed))
        if self._sender is None or self._sender.done():
            self._sender = loop.create_task(self._send_claims())
        return await claimed

    async def _send_claims(self) -> None:
        """Sends what is waiting, one command at a time, until nothing is left."""
        while self._waiting:
            batch: list[tuple[list[str], asyncio.Future[list[bool]]]] = []
            count = 0
            while self._waiting and (not batch or count + len(self._waiting[0][0]) <= MAX_KEYS_PER_CLAIM):
                keys, claimed = self._waiting.pop(0)
                if claimed.done():
                    continue  # its call was cancelled before sending: claim nothing for it
                batch.append((keys, claimed))
                count += len(keys)
            if not batch:
                continue
            try:
                reply = await self._script(
                    keys=[k for keys, _ in batch for k in keys], args=[LEDGER_TTL_SECONDS]
                )
                flags: bytes = reply if isinstance(reply, bytes) else str(reply).encode()
                if len(flags) != count:
                    raise RuntimeError(f"claim script answered {len(flags)} flags for {count} keys")
            except Exception as error:
                for _, claimed in batch:
                    if not claimed.done():
                        claimed.set_exception(error)
                continue
            start = 0
            for keys, claimed in batch:
                if not claimed.done():
                    claimed.set_result([f == _SET for f in flags[start : start + len(keys)]])
                start += len(keys)

    async def release(self, site_id: str, kind: str, idents: Sequence[str]) -> None:
        """Forgets claims of a batch that could not be published, so the widget's retry is accepted."""
        if idents:
            await self._redis.delete(*[self._key(site_id, kind, i) for i in idents])

    async def close(self) -> None:
        if self._sender is not None and not self._sender.done():
            await asyncio.wait_for(self._sender, 5)
        await self._redis.aclose()
