"""Outbound signing and the retry schedule."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime, timedelta

from services.integrations.domain.outbound import RetryPolicy, after_attempt, signature_header


def test_signature_header_has_one_v1_per_secret() -> None:
    header = signature_header(["new", "old"], 1700000000, b"{}")
    t, v1_new, v1_old = header.split(",")
    assert t == "t=1700000000"
    assert v1_new == "v1=" + hmac.new(b"new", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert v1_old == "v1=" + hmac.new(b"old", b"1700000000.{}", hashlib.sha256).hexdigest()


def test_backoff_is_capped_full_jitter_and_dead_letters_at_the_limit() -> None:
    policy = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(hours=6))
    rng = random.Random(7)
    delays = [policy.delay(n, rng).total_seconds() for n in range(1, 16)]
    for n, delay in enumerate(delays, start=1):
        assert 0 <= delay <= min(21600, 30 * 2 ** (n - 1))
    assert max(delays[-5:]) > 600  # grows
    now = datetime(2026, 1, 1, tzinfo=UTC)
    retry = after_attempt(succeeded=False, attempt_count=2, max_attempts=3, now=now, policy=policy, rng=rng)
    assert retry.state == "retrying" and retry.next_attempt_at is not None
    assert now <= retry.next_attempt_at <= now + timedelta(seconds=60)
    assert after_attempt(succeeded=False, attempt_count=3, max_attempts=3, now=now, policy=policy).state == (
        "dead_lettered"
    )
    assert (
        after_attempt(succeeded=True, attempt_count=3, max_attempts=3, now=now, policy=policy).state
        == "succeeded"
    )
