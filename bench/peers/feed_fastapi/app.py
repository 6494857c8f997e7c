"""The peer's widget feed: FastAPI + asyncpg + a Redis cache of the whole response per site and page.

What a team would build without the mesh: one HTTP app, a pool of Postgres connections, a Redis
cache-aside of the rendered JSON (short TTL, no invalidation), URL-glob targeting and a small safe
`{{ variable | filter }}` substitution. Run: `uvicorn --factory bench.peers.feed_fastapi.app:create_app`
with PEER_DATABASE_URL and PEER_REDIS_URL set (see `bench/peers/feed_fastapi/server.py`).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlsplit

import asyncpg
import redis.asyncio as aioredis
from fastapi import FastAPI, Query, Request, Response
from fastapi.middleware.gzip import GZipMiddleware

# the same English wording as ours, so the two feeds' texts can be compared (tests/tools/test_feed_peer.py)
from services.notifications.domain.templates import relative_time
from shared.redis_client import split_url

# ---- settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerSettings:
    """PEER_DATABASE_URL (postgresql://…), PEER_REDIS_URL (redis://…[?key_prefix=…]),
    PEER_CACHE_TTL_SECONDS (10), PEER_POOL_SIZE (10 per worker)."""

    database_url: str
    redis_url: str
    cache_ttl_seconds: int = 10
    pool_size: int = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> PeerSettings:
        missing = [name for name in ("PEER_DATABASE_URL", "PEER_REDIS_URL") if not env.get(name)]
        if missing:
            raise RuntimeError(f"feed peer: set {', '.join(missing)}")
        database_url = env["PEER_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        if not database_url.startswith("postgresql://"):
            raise RuntimeError("feed peer: PEER_DATABASE_URL must be a postgresql:// URL")
        try:
            ttl = int(env.get("PEER_CACHE_TTL_SECONDS", "10"))
            pool = int(env.get("PEER_POOL_SIZE", "10"))
        except ValueError as error:
            raise RuntimeError(f"feed peer: PEER_CACHE_TTL_SECONDS / PEER_POOL_SIZE: {error}") from None
        if ttl < 1 or pool < 1:
            raise RuntimeError("feed peer: PEER_CACHE_TTL_SECONDS and PEER_POOL_SIZE must be ≥ 1")
        return cls(database_url, env["PEER_REDIS_URL"], ttl, pool)


# ---- templates: `{{ var | filter: arg }}` and **emphasis**, values HTML-escaped, never re-parsed ----

_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
_FILTER = re.compile(r'\s*([a-z_]+)\s*(?::\s*(?:"([^"]*)"|(\d+)))?\s*$')
_CONTROLS = dict.fromkeys([*range(0x00, 0x20), 0x7F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
MAX_VALUE_CHARS = 200

Part = str | tuple[str, tuple[tuple[str, str], ...]]


@lru_cache(maxsize=4096)
def compile_template(text: str) -> tuple[Part, ...]:
    """Literal text and (variable, filters) parts; an unknown filter or bad syntax raises ValueError."""
    parts: list[Part] = []
    position = 0
    for match in _EXPRESSION.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        variable, *filters = match.group(1).split("|")
        name = variable.strip()
        if not re.fullmatch(r"[a-z_][a-z0-9_.]*", name):
            raise ValueError(f"bad variable {name!r}")
        parsed: list[tuple[str, str]] = []
        for f in filters:
            fm = _FILTER.match(f)
            if fm is None or fm.group(1) not in ("default", "relative_time", "capitalize", "truncate"):
                raise ValueError(f"bad filter {f.strip()!r}")
            parsed.append((fm.group(1), fm.group(2) if fm.group(2) is not None else fm.group(3) or ""))
        parts.append((name, tuple(parsed)))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return tuple(parts)


def clean(value: str) -> str:
    text = unicodedata.normalize("NFC", value.translate(_CONTROLS)).strip()
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _value(raw: object, filters: tuple[tuple[str, str], ...], now: datetime) -> str:
    text = raw.isoformat() if isinstance(raw, datetime) else clean(str(raw)) if raw not in (None, "") else ""
    for name, arg in filters:
        if name == "default" and not text:
            text = clean(arg)
        elif name == "relative_time" and isinstance(raw, datetime):
            text = relative_time(raw, now)
        elif name == "capitalize":
            text = text[:1].upper() + text[1:]
        elif name == "truncate" and arg and len(text) > int(arg):
            text = text[: max(1, int(arg) - 1)].rstrip() + "…"
    return text


@lru_cache(maxsize=4096)
def compile_html(text: str) -> tuple[Part, ...]:
    """The template with its literal text already escaped and `**…**` turned into <strong> (the
    emphasis comes only from the template's own text, so it is decided once per template)."""
    out: list[Part] = []
    strong = False
    for part in compile_template(text):
        if isinstance(part, str):
            pieces = part.split("**")
            for i, piece in enumerate(pieces):
                if i:
                    out.append("</strong>" if strong else "<strong>")
                    strong = not strong
                out.append(html.escape(piece, quote=False))
        else:
            out.append(part)
    if strong:
        out.append("</strong>")
    return tuple(out)


def render_html(parts: Sequence[Part], values: Mapping[str, object], now: datetime) -> str:
    """HTML from compile_html parts: values escaped, never re-parsed."""
    text = "".join(
        p if isinstance(p, str) else html.escape(_value(values.get(p[0]), p[1], now), quote=False)
        for p in parts
    )
    if "  " in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


_SPACES = re.compile(r" {2,}")
_URL_START = re.compile(r"https?://[^\s/?#]+", re.I)
_URL_BAD = re.compile(r"[\x00-\x1f\s]")


def render_url(parts: Sequence[Part], values: Mapping[str, object], now: datetime) -> str:
    url = "".join(p if isinstance(p, str) else _value(values.get(p[0]), p[1], now) for p in parts)
    return url if _URL_START.match(url) and not _URL_BAD.search(url) else ""


# ---- targeting: URL include/exclude (exact, contains, prefix, glob; `*` within a segment, `**` across) --


@lru_cache(maxsize=4096)
def glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _rule_matches(rule: Mapping[str, str], url: str) -> bool:
    parts = urlsplit(url)
    component = rule.get("component", "url")
    subject = {"path": parts.path.rstrip("/") or "/", "host": (parts.hostname or "")}.get(component, url)
    pattern = rule["pattern"]
    match = rule.get("match", "glob")
    if match == "exact":
        return subject == pattern
    if match == "contains":
        return pattern in subject
    if match == "prefix":
        return subject.startswith(pattern)
    return glob_regex(pattern).match(subject) is not None


def url_targeted(targeting: Mapping[str, Any], url: str) -> bool:
    rules = targeting.get("url") or {}
    if any(_rule_matches(r, url) for r in rules.get("exclude", ())):
        return False
    includes = rules.get("include", ())
    return not includes or any(_rule_matches(r, url) for r in includes)


# ---- the feed --------------------------------------------------------------------------------

DISPLAY_DEFAULTS = {
    "first_delay_ms": 3000, "display_ms": 7000, "min_gap_ms": 12000, "max_gap_ms": 20000,
    "max_per_page": 10, "max_per_session": 30, "loop": True, "pause_on_hover": True,
    "hide_own_activity": True, "skip_seen_within_hours": 24, "show_close_button": True,
}  # fmt: skip

SITE_AND_CAMPAIGNS = """
SELECT s.id AS site_id, s.name AS site_name, s.settings, c.id, c.name, c.priority, c.template,
       c.targeting, c.display
FROM sites s LEFT JOIN campaigns c ON c.site_id = s.id AND c.state = 'published'
WHERE s.public_key = $1
ORDER BY c.priority DESC, c.name, c.id
"""
# Newest activities per matching campaign in one round trip: per campaign and kind an ordered scan of
# the index (site, kind, occurred_at desc) that stops after max_items rows, then the kinds merged.
LATEST_PER_CAMPAIGN = """
SELECT c.id AS campaign_id, a.id, a.occurred_at, a.first_name, a.last_initial, a.city, a.product_name,
       a.product_url, a.product_image_url, a.verified
FROM campaigns c
CROSS JOIN LATERAL (
    SELECT a.* FROM unnest(c.kinds) AS k (kind)
    CROSS JOIN LATERAL (
        SELECT * FROM activities a
        WHERE a.site_id = c.site_id AND a.kind = k.kind AND a.state = 'active' AND NOT a.test
          AND a.occurred_at >= now() - make_interval(secs => c.max_age_seconds)
        ORDER BY a.occurred_at DESC
        LIMIT c.max_items
    ) a
    ORDER BY a.occurred_at DESC
    LIMIT c.max_items
) a
WHERE c.id = ANY ($1::uuid[])
ORDER BY a.occurred_at DESC
"""


def _actor(row: asyncpg.Record, anonymity: str, anonymous_name: str) -> tuple[str, bool]:
    first = clean(row["first_name"])[:40]
    initial = clean(row["last_initial"])[:1].upper()
    if anonymity == "anonymous" or not first:
        return anonymous_name, True
    if anonymity == "first_name" or not initial:
        return first, False
    return f"{first} {initial}.", False


async def build_feed(conn: asyncpg.Connection, site_key: str, page_url: str) -> dict[str, Any] | None:
    """The feed for a page, or None for an unknown site key."""
    rows = await conn.fetch(SITE_AND_CAMPAIGNS, site_key)
    if not rows:
        return None
    site = rows[0]
    settings = site["settings"]
    now = datetime.now(UTC)
    matching = [r for r in rows if r["id"] is not None and url_targeted(r["targeting"], page_url)]
    by_campaign: dict[uuid.UUID, list[asyncpg.Record]] = {r["id"]: [] for r in matching}
    if matching:
        for a in await conn.fetch(LATEST_PER_CAMPAIGN, list(by_campaign)):
            by_campaign[a["campaign_id"]].append(a)
    anonymity = settings.get("anonymity", "anonymous")
    anonymous_name = settings.get("anonymous_name", "Someone")
    campaigns = []
    values_by_activity: dict[uuid.UUID, tuple[dict[str, object], bool]] = {}
    for c in matching:
        template = c["template"]
        title, body, footer = (compile_html(template.get(f, "")) for f in ("title", "body", "footer"))
        link = compile_template(template.get("link_url", ""))
        notifications = []
        for a in by_campaign[c["id"]]:
            # Campaigns of the same kind show the same activities: their variables are built once.
            known = values_by_activity.get(a["id"])
            if known is None:
                name, anonymous = _actor(a, anonymity, anonymous_name)
                values: dict[str, object] = {
                    "name": name, "first_name": "" if anonymous else clean(a["first_name"]),
                    "city": a["city"], "product.name": a["product_name"], "product.url": a["product_url"],
                    "occurred_at": a["occurred_at"], "site.name": site["site_name"],
                }  # fmt: skip
                known = values_by_activity[a["id"]] = (values, anonymous)
            values, anonymous = known
            image = a["product_image_url"]
            notifications.append(
                {
                    "id": f"{c['id']}:{a['id']}",
                    "activity_id": str(a["id"]),
                    "title": render_html(title, values, now),
                    "body": render_html(body, values, now),
                    "footer": render_html(footer, values, now),
                    "link_url": render_url(link, values, now),
                    "image_url": image if image.lower().startswith("https://") else "",
                    "occurred_at": a["occurred_at"].isoformat(),
                    "verified": a["verified"],
                    "anonymous": anonymous,
                }
            )
        if notifications:
            campaigns.append(
                {
                    "id": str(c["id"]),
                    "name": c["name"],
                    "priority": c["priority"],
                    "display": DISPLAY_DEFAULTS | c["display"],
                    "notifications": notifications,
                }
            )
    return {
        "site": {
            "id": str(site["site_id"]),
            "name": site["site_name"],
            "locale": settings.get("locale", "en"),
        },
        "generated_at": now.isoformat(),
        "campaigns": campaigns,
    }


def _cache_key(prefix: str, site_key: str, page_url: str) -> str:
    return f"{prefix}peerfeed:{site_key}:{hashlib.sha256(page_url.encode()).hexdigest()[:32]}"


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def create_app(settings: PeerSettings | None = None) -> FastAPI:
    settings = settings or PeerSettings.from_env()
    redis_url, keys = split_url(settings.redis_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            settings.database_url, min_size=2, max_size=settings.pool_size, init=_init_connection
        )
        app.state.redis = aioredis.Redis.from_url(redis_url, max_connections=settings.pool_size * 2)
        try:
            yield
        finally:
            await app.state.redis.aclose()
            await app.state.pool.close()

    app = FastAPI(title="feed peer", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    # what a team would add for a JSON API that browsers call: gzip when the client accepts it
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    cache_control = f"public, max-age={settings.cache_ttl_seconds}"

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response(b"ok", media_type="text/plain")

    @app.get("/v1/widget/sites/{site_key}/feed")
    async def feed(
        request: Request,
        site_key: str,
        page_url: Annotated[str, Query(alias="page.url", min_length=8, max_length=2048)],
        nocache: bool = False,
    ) -> Response:
        redis: aioredis.Redis = request.app.state.redis
        key = _cache_key(keys.prefix, site_key, page_url)
        if not nocache:
            cached = await redis.get(key)
            if cached is not None:
                return Response(
                    cached, media_type="application/json", headers={"cache-control": cache_control}
                )
        async with request.app.state.pool.acquire() as conn:
            body = await build_feed(conn, site_key, page_url)
        if body is None:
            return Response(b'{"error":"unknown site key"}', status_code=404, media_type="application/json")
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        if not nocache:
            await redis.set(key, payload, ex=settings.cache_ttl_seconds)
        return Response(payload, media_type="application/json", headers={"cache-control": cache_control})

    return app
