"""Billing's outbound adapters: events on the `billing` topic, usage counters in Redis, alert emails."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.message import Message
from redis.asyncio import Redis

from shared.kafka_bus import EventProducer, make_envelope
from shared.mail import Email, Mailer
from shared.redis_client import RedisKeys

# Sets the counter only upward: a slow writer holding an older total never lowers it.
_SET_MAX = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
local value = tonumber(ARGV[1])
if value > current then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return value end
return current
"""


class BillingEvents:
    """Publishes billing events keyed by organization."""

    def __init__(self, producer: EventProducer, topic: str) -> None:
        self._producer = producer
        self._topic = topic

    async def publish(self, org_id: str, payload: Message, site_id: str = "") -> None:
        await self._producer.publish(
            self._topic, make_envelope(payload, org_id, site_id, producer="billing"), key=org_id
        )


class UsageCounters:
    """The fast read path of usage: the current total of each org's period in Redis, written from
    the durable Postgres total after each commit (never incremented separately, so it cannot drift
    or double count); a miss or a lost Redis falls back to Postgres and is refilled."""

    def __init__(self, redis: Redis, keys: RedisKeys, ttl_seconds: int = 40 * 24 * 3600) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_seconds
        self._set_max = redis.register_script(_SET_MAX)

    def _key(self, org_id: str, period_start: datetime) -> str:
        return self._keys("usage", org_id, str(int(period_start.timestamp())))

    async def get(self, org_id: str, period_start: datetime) -> int | None:
        value = await self._redis.get(self._key(org_id, period_start))
        return int(value) if value is not None else None

    async def raise_to(self, org_id: str, period_start: datetime, total: int) -> None:
        await self._set_max(keys=[self._key(org_id, period_start)], args=[total, self._ttl])

    async def overwrite(self, org_id: str, period_start: datetime, total: int) -> None:
        """Reconciliation: Postgres is the truth, including downward corrections."""
        await self._redis.set(self._key(org_id, period_start), total, ex=self._ttl)


class AlertMailer:
    """Quota alert emails to the organization's billing address."""

    def __init__(self, mailer: Mailer, dashboard_url: str) -> None:
        self._mailer = mailer
        self._dashboard_url = dashboard_url.rstrip("/")

    async def send_quota_alert(
        self,
        to: str,
        org_name: str,
        threshold: int,
        used: int,
        limit: int,
        period_end: datetime,
        capped: bool,
    ) -> None:
        if capped:
            subject = (
                f"SocialProof: {org_name or 'your organization'} reached 100% of its monthly impressions"
            )
            body = (
                f"Your sites have used {used:,} of {limit:,} counted impressions this period. "
                "Notifications are "
                f"paused until the period resets on {period_end:%Y-%m-%d %H:%M} UTC or you change plan. "
                "We never upgrade you automatically.\n"
            )
        else:
            subject = (
                f"SocialProof: {org_name or 'your organization'} used {threshold}% of its monthly impressions"
            )
            body = (
                f"Your sites have used {used:,} of {limit:,} counted impressions this period "
                f"(it resets on {period_end:%Y-%m-%d %H:%M} UTC). Bot traffic is never counted.\n"
            )
        body += f"\nPlans and usage: {self._dashboard_url}/billing\n"
        await self._mailer.send(Email(to=(to,), subject=subject, text=body))
