"""Load generator of the analytics end-to-end benchmark (a separate process): widget event batches
POSTed to the edge's REST route at a paced rate for a bounded time; one JSON line per request
(start, end, status, accepted events) so the parent computes throughput, loss and freshness.

Usage: python -m bench.analytics_load CONFIG_JSON OUTPUT_PATH
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp

#: A desktop Chrome: the batches must count as human traffic (bots are stored but not counted).
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
VISITORS_PER_BATCH = 5


def batch_body(prefix: str, n: int, events: int, campaign_id: str) -> bytes:
    """One widget batch: page views and impressions of a few visitors (never more than 20 events
    per visitor and second, so none is flagged as a bot)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    items = []
    for i in range(events):
        visitor = f"{prefix}-{n}-{i % VISITORS_PER_BATCH}"
        event: dict[str, Any] = {
            "eventId": f"{prefix}-{n}-{i}",
            "visitorId": visitor,
            "sessionId": visitor,
            "occurredAt": now,
            "pageUrl": f"https://shop.example/p/{i % 7}",
        }
        if i % 2 and campaign_id:
            event["type"] = "WIDGET_EVENT_TYPE_IMPRESSION"
            event["campaignId"] = campaign_id
        else:
            event["type"] = "WIDGET_EVENT_TYPE_PAGE_VIEW"
        items.append(event)
    return json.dumps({"events": items, "sentAt": now}).encode()


async def run(config: dict[str, Any]) -> list[tuple[float, float, int, int, int]]:
    url: str = config["url"]
    seconds: float = config["seconds"]
    events: int = config["events_per_request"]
    interval = events / config["events_per_second"]
    prefix = uuid.uuid4().hex[:10]
    results: list[tuple[float, float, int, int, int]] = []
    started = time.monotonic()
    deadline = started + seconds
    next_index = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal next_index
        while True:
            n = next_index
            next_index += 1
            due = started + n * interval
            if due >= deadline or time.monotonic() >= deadline:
                return
            # Paced (open loop) while on schedule; when behind, as fast as the concurrency allows.
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            body = batch_body(prefix, n, events, config.get("campaign_id", ""))
            t0 = time.time()
            try:
                async with session.post(
                    url, data=body, headers={"content-type": "application/json", "user-agent": USER_AGENT}
                ) as reply:
                    payload = await reply.read()
                    status = reply.status
                answer = json.loads(payload) if status == 200 else {}
                # The edge's transcoder may keep proto field names (accepted_count) or use JSON names.
                accepted = int(answer.get("accepted_count", answer.get("acceptedCount", 0)))
            except (aiohttp.ClientError, TimeoutError, ValueError):
                status, accepted = 0, 0
            results.append((t0, time.time(), status, events, accepted))

    connector = aiohttp.TCPConnector(limit=config["concurrency"])
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(config["concurrency"])))
    return results


def main() -> None:
    config = json.loads(sys.argv[1])
    results = asyncio.run(run(config))
    with open(sys.argv[2], "w") as out:
        for row in results:
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
