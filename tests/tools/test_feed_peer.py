"""The benchmark's FastAPI feed peer does the same job as our widget feed: for a targeted page the newest
matching activities per published campaign, rendered to the same text as our template language; for a
page no campaign targets, nothing. (So the benchmark compares two implementations of one feed.)"""

from __future__ import annotations

import asyncio
import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bench.peers.feed_fastapi import data
from bench.peers.feed_fastapi.server import FeedPeer
from services.notifications.domain import templates
from shared.devstack.postgres import PostgresServer
from shared.devstack.pytest_fixtures import unique_suffix

ACTIVITIES = 30  # 24 purchases (every fifth one is a signup), more than a campaign carries (17)
SECRET_GLOB = "/products/secret/**"


@pytest.fixture
def peer_db(postgres_server: PostgresServer) -> Iterator[str]:
    name = f"peer_{unique_suffix()}"
    postgres_server.create_database(name)
    yield postgres_server.dsn(name)
    postgres_server.drop_database(name)


@pytest.fixture
def seeded(peer_db: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[FeedPeer, str, datetime]]:
    now = datetime.now(UTC)
    # Two campaigns (a signup one at priority 0, a purchase one at priority 1), one more purchase
    # campaign that excludes /products/secret/**, and a draft that must never show.
    signup, purchase = data.bench_campaigns(2)
    excluding = replace(purchase, name="Not on secret pages", priority=5, body="{{ name }} got it")
    draft = replace(purchase, name="Draft", priority=9)
    peer = FeedPeer(peer_db, redis_url, workers=1, log_path=tmp_path / "peer.log").start()

    async def seed() -> str:
        conn = await asyncpg.connect(peer_db)
        try:
            key = await data.seed_site(conn, data.bench_activities(ACTIVITIES, now), [signup, purchase])
            site_id = await data.site_id_for(conn, key)
            await data.add_campaign(conn, site_id, excluding, exclude_globs=[SECRET_GLOB])
            await data.add_campaign(conn, site_id, draft, state="draft")
            return key
        finally:
            await conn.close()

    try:
        yield peer, asyncio.run(seed()), now
    finally:
        peer.stop()


def get(peer: FeedPeer, site_key: str, page: str, **params: str) -> tuple[int, Any]:
    query = urllib.parse.urlencode({"page.url": page, **params})
    try:
        url = f"{peer.url}/v1/widget/sites/{site_key}/feed?{query}"
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - the peer on loopback
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def ours(text: str, activity: data.BenchActivity, now: datetime) -> str:
    """What our template language renders for the same template and activity (plain text)."""
    parsed = templates.parse(text, "RECENT_ACTIVITY")
    values: dict[str, templates.Value] = {
        "name": activity.first_name,  # the site's default anonymity: first name
        "city": "",
        "product.name": activity.product_name,
        "product.url": activity.product_url,
        "occurred_at": activity.occurred_at,
    }
    return templates.plain_text(templates.render(parsed, templates.RenderContext(values, "en", now)))


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"</?strong>", "", markup))


def test_the_peer_shows_the_newest_matching_activities_per_campaign_rendered_like_ours(
    seeded: tuple[FeedPeer, str, datetime],
) -> None:
    peer, site_key, now = seeded
    status, feed = get(peer, site_key, data.PAGE)
    assert status == 200
    assert [c["name"] for c in feed["campaigns"]] == ["Not on secret pages", "Campaign 1", "Campaign 0"]
    activities = data.bench_activities(ACTIVITIES, now)
    purchases = [a for a in activities if a.kind == "purchase"][: data.ITEMS_PER_CAMPAIGN]  # newest first
    signups = [a for a in activities if a.kind == "signup"]
    campaigns = {c["name"]: c for c in feed["campaigns"]}
    for name, expected, campaign in (
        ("Campaign 0", signups, data.bench_campaigns(2)[0]),
        ("Campaign 1", purchases, data.bench_campaigns(2)[1]),
    ):
        shown = campaigns[name]["notifications"]
        assert len(shown) == len(expected)
        for notification, activity in zip(shown, expected, strict=True):
            assert text_of(notification["title"]) == ours(campaign.title, activity, now)
            assert text_of(notification["body"]) == ours(campaign.body, activity, now)
            assert notification["link_url"] == ours(campaign.link_url, activity, now)
            assert datetime.fromisoformat(notification["occurred_at"]) == activity.occurred_at
    first = campaigns["Campaign 1"]["notifications"][0]
    assert first["body"] == "bought <strong>Product 1</strong> (offer 1)"
    assert campaigns["Campaign 1"]["display"]["max_per_page"] == 10

    # Without its cache the peer builds the same feed.
    status, uncached = get(peer, site_key, data.PAGE, nocache="1")
    assert status == 200
    assert [
        [(n["activity_id"], n["title"], n["body"]) for n in c["notifications"]] for c in uncached["campaigns"]
    ] == [[(n["activity_id"], n["title"], n["body"]) for n in c["notifications"]] for c in feed["campaigns"]]


def test_the_peer_shows_nothing_where_no_campaign_targets_and_honours_excludes(
    seeded: tuple[FeedPeer, str, datetime],
) -> None:
    peer, site_key, _ = seeded
    status, feed = get(peer, site_key, "https://shop.example.com/cart")
    assert (status, feed["campaigns"]) == (200, [])
    status, feed = get(peer, site_key, "https://shop.example.com/products/secret/gift")
    assert status == 200
    assert [c["name"] for c in feed["campaigns"]] == ["Campaign 1", "Campaign 0"]
    status, body = get(peer, "pk_" + "0" * 24, data.PAGE)
    assert (status, body) == (404, {"error": "unknown site key"})
