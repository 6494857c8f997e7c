"""The benchmark site (one definition for our platform and the peer) and the peer's schema and seeding."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

PAGE = "https://shop.example.com/products/trail"
DOMAIN = "shop.example.com"
TITLE = '{{ name }} from {{ city | default: "nearby" }}'
FOOTER = "{{ occurred_at | relative_time }}"
LINK_URL = "{{ product.url }}"
URL_GLOB = "/products/**"
# Our feed carries what the widget can show per campaign with the default display rules (10 per page
# + 5 spares for skip-seen + 2 for hide-own = 17; services/notifications/domain/display.py feed_items):
# the peer gets the same cap, so both feeds carry the same notifications.
ITEMS_PER_CAMPAIGN = 17


@dataclass(frozen=True)
class BenchActivity:
    """One seeded activity: activity i happened i minutes ago; every fifth is a signup."""

    index: int
    kind: str  # "purchase" | "signup"
    first_name: str
    last_initial: str
    product_name: str
    product_url: str
    source_ref: str
    occurred_at: datetime
    verified: bool = True


@dataclass(frozen=True)
class BenchCampaign:
    """One seeded recent-activity campaign: distinct wording, alternating kinds, path glob targeting."""

    index: int
    name: str
    kind: str
    priority: int
    title: str
    body: str
    footer: str
    link_url: str
    url_glob: str


def bench_activities(count: int, now: datetime) -> list[BenchActivity]:
    return [
        BenchActivity(
            index=i,
            kind="purchase" if i % 5 else "signup",
            first_name=f"Buyer{i}",
            last_initial="K",
            product_name=f"Product {i % 40}",
            product_url=f"{PAGE}/{i % 40}",
            source_ref=f"order-{i}",
            occurred_at=now - timedelta(minutes=i),
        )
        for i in range(count)
    ]


def bench_campaigns(count: int) -> list[BenchCampaign]:
    return [
        BenchCampaign(
            index=i,
            name=f"Campaign {i}",
            kind="purchase" if i % 2 else "signup",
            priority=i,
            title=TITLE,
            # Distinct wording per campaign, so nothing is shared between campaigns' renders.
            body=f"bought **{{{{ product.name }}}}** (offer {i})",
            footer=FOOTER,
            link_url=LINK_URL,
            url_glob=URL_GLOB,
        )
        for i in range(count)
    ]


# ---- the peer's own tables -------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS sites (
    id uuid PRIMARY KEY,
    public_key text NOT NULL UNIQUE,
    name text NOT NULL,
    settings jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS campaigns (
    id uuid PRIMARY KEY,
    site_id uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name text NOT NULL,
    state text NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    kinds text[] NOT NULL,
    max_items integer NOT NULL,
    max_age_seconds integer NOT NULL DEFAULT 604800,
    template jsonb NOT NULL,
    targeting jsonb NOT NULL,
    display jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS campaigns_published ON campaigns (site_id) WHERE state = 'published';
CREATE TABLE IF NOT EXISTS activities (
    id uuid PRIMARY KEY,
    site_id uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind text NOT NULL,
    state text NOT NULL DEFAULT 'active',
    test boolean NOT NULL DEFAULT false,
    occurred_at timestamptz NOT NULL,
    first_name text NOT NULL DEFAULT '',
    last_initial text NOT NULL DEFAULT '',
    city text NOT NULL DEFAULT '',
    product_name text NOT NULL DEFAULT '',
    product_url text NOT NULL DEFAULT '',
    product_image_url text NOT NULL DEFAULT '',
    verified boolean NOT NULL DEFAULT false,
    source_ref text NOT NULL,
    UNIQUE (site_id, source_ref)
);
-- The feed's query: newest active, non-test activities of some kinds for a site.
CREATE INDEX IF NOT EXISTS activities_feed ON activities (site_id, kind, occurred_at DESC)
    WHERE state = 'active' AND NOT test;
"""


def new_site_key() -> str:
    return f"pk_{secrets.token_hex(12)}"


async def create_schema(conn: asyncpg.Connection) -> None:
    await conn.execute(SCHEMA)


async def seed_site(
    conn: asyncpg.Connection,
    activities: Sequence[BenchActivity],
    campaigns: Sequence[BenchCampaign],
    *,
    site_key: str | None = None,
    settings: dict[str, Any] | None = None,
) -> str:
    """Creates a site with the activities (COPY) and published campaigns; returns its public key."""
    site_id = uuid.uuid4()
    key = site_key or new_site_key()
    site_settings = {"anonymity": "first_name", "anonymous_name": "Someone"} | (settings or {})
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO sites (id, public_key, name, settings) VALUES ($1, $2, $3, $4::jsonb)",
            site_id, key, "Bench Shop", json.dumps(site_settings),
        )  # fmt: skip
        await conn.copy_records_to_table(
            "activities",
            records=[
                (
                    uuid.uuid4(),
                    site_id,
                    a.kind,
                    a.occurred_at,
                    a.first_name,
                    a.last_initial,
                    a.product_name,
                    a.product_url,
                    a.verified,
                    a.source_ref,
                )
                for a in activities
            ],  # fmt: skip
            columns=[
                "id",
                "site_id",
                "kind",
                "occurred_at",
                "first_name",
                "last_initial",
                "product_name",
                "product_url",
                "verified",
                "source_ref",
            ],  # fmt: skip
        )
        for c in campaigns:
            await add_campaign(conn, site_id, c)
    await conn.execute("ANALYZE activities")
    return key


async def add_campaign(
    conn: asyncpg.Connection,
    site_id: uuid.UUID,
    campaign: BenchCampaign,
    *,
    exclude_globs: Sequence[str] = (),
    state: str = "published",
    max_items: int = ITEMS_PER_CAMPAIGN,
) -> uuid.UUID:
    campaign_id = uuid.uuid4()
    template = {"title": campaign.title, "body": campaign.body, "footer": campaign.footer,
                "link_url": campaign.link_url}  # fmt: skip
    targeting = {
        "url": {
            "include": [{"match": "glob", "component": "path", "pattern": campaign.url_glob}],
            "exclude": [{"match": "glob", "component": "path", "pattern": g} for g in exclude_globs],
        }
    }
    await conn.execute(
        "INSERT INTO campaigns (id, site_id, name, state, priority, kinds, max_items, template, targeting)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)",
        campaign_id, site_id, campaign.name, state, campaign.priority, [campaign.kind], max_items,
        json.dumps(template), json.dumps(targeting),
    )  # fmt: skip
    return campaign_id


async def site_id_for(conn: asyncpg.Connection, site_key: str) -> uuid.UUID:
    value = await conn.fetchval("SELECT id FROM sites WHERE public_key = $1", site_key)
    assert isinstance(value, uuid.UUID)
    return value
