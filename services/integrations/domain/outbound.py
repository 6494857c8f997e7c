"""Outbound webhook rules: signature header, retry schedule with full jitter, event wire names."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.integrations.domain.signatures import sign_generic
from socialproof.events.v1.integrations_events_pb2 import WebhookEventType

WIRE_NAMES: dict[int, str] = {
    WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED: "activity.recorded",
    WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RETRACTED: "activity.retracted",
    WebhookEventType.WEBHOOK_EVENT_TYPE_FORM_SUBMITTED: "form.submitted",
    WebhookEventType.WEBHOOK_EVENT_TYPE_CONNECTION_CHANGED: "connection.changed",
    WebhookEventType.WEBHOOK_EVENT_TYPE_CAMPAIGN_CHANGED: "campaign.changed",
    WebhookEventType.WEBHOOK_EVENT_TYPE_QUOTA_WARNING: "quota.warning",
    WebhookEventType.WEBHOOK_EVENT_TYPE_QUOTA_EXCEEDED: "quota.exceeded",
    WebhookEventType.WEBHOOK_EVENT_TYPE_PING: "ping",
}

DEFAULT_MAX_ATTEMPTS = 8
MAX_MAX_ATTEMPTS = 15


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex>[,v1=<hex of the previous secret during a rotation overlap>]`."""
    parts = [f"t={timestamp}"] + [f"v1={sign_generic(s, timestamp, body)}" for s in secrets]
    return ",".join(parts)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**(n-1)))."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=6)

    def delay(self, failed_attempts: int, rng: random.Random | None = None) -> timedelta:
        ceiling = min(self.cap.total_seconds(), self.base.total_seconds() * 2 ** max(failed_attempts - 1, 0))
        # Full jitter spreads a burst of failing receivers out instead of retrying in lock step.
        return timedelta(seconds=(rng or random).uniform(0, ceiling))


@dataclass(frozen=True)
class AttemptOutcome:
    """What the worker decides after one attempt."""

    state: str  # "succeeded" | "retrying" | "dead_lettered"
    next_attempt_at: datetime | None


def after_attempt(
    *,
    succeeded: bool,
    attempt_count: int,
    max_attempts: int,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random | None = None,
) -> AttemptOutcome:
    if succeeded:
        return AttemptOutcome("succeeded", None)
    if attempt_count >= max_attempts:
        return AttemptOutcome("dead_lettered", None)
    return AttemptOutcome("retrying", now + policy.delay(attempt_count, rng))


def is_success(status: int) -> bool:
    return 200 <= status < 300
