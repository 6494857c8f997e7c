"""Use cases of backfill: jobs that import a connected store's recent orders, resumable, with progress."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.integrations.adapters.shopify import ShopifyAdmin, ShopifyError
from services.integrations.adapters.stripe_charges import StripeApiError, StripeCharges
from services.integrations.adapters.woocommerce import WooCommerceError, WooCommerceStore
from services.integrations.domain import normalize
from services.integrations.service import ConnectionRecord, IntegrationsService
from services.integrations.shopify_oauth import ShopifyOAuth
from shared.crypto import associated_data
from shared.errors import FailedPrecondition, NotFound, Unavailable, validate
from shared.kafka_bus import KafkaBusError
from socialproof.events.v1.integrations_events_pb2 import IntegrationProvider
from socialproof.integrations.v1.backfill_pb2 import BackfillState
from socialproof.integrations.v1.connections_pb2 import Connection

log = logging.getLogger(__name__)

B = BackfillState
P = IntegrationProvider
DEFAULT_LOOKBACK_DAYS = 30
MAX_LOOKBACK_DAYS = 60
LEASE = timedelta(seconds=60)
_COLUMNS = (
    "id::text AS id, site_id::text AS site_id, connection_id::text AS connection_id, lookback_days, state, "
    "processed_count, imported_count, skipped_count, total_estimate, reached_at, cursor, error, created_at, "
    "started_at, ended_at"
)


@dataclass(frozen=True)
class BackfillJob:
    org_id: str
    row: dict[str, Any]

    @property
    def name(self) -> str:
        r = self.row
        connection = f"organizations/{self.org_id}/sites/{r['site_id']}/connections/{r['connection_id']}"
        return f"{connection}/backfills/{r['id']}"

    @property
    def percent(self) -> float:
        r = self.row
        if r["state"] == B.BACKFILL_STATE_SUCCEEDED:
            return 100.0
        if r["total_estimate"]:
            return min(100.0, 100.0 * r["processed_count"] / r["total_estimate"])
        if r["reached_at"] and r["started_at"]:
            # Unknown total: the share of the look-back window walked so far (the import goes backwards).
            window = timedelta(days=r["lookback_days"]).total_seconds()
            return min(100.0, 100.0 * (r["started_at"] - r["reached_at"]).total_seconds() / window)
        return 0.0


SOURCE_ERRORS = (ShopifyError, WooCommerceError, StripeApiError)
PROVIDER_NAMES: dict[int, str] = {
    P.INTEGRATION_PROVIDER_SHOPIFY: "Shopify",
    P.INTEGRATION_PROVIDER_WOOCOMMERCE: "WooCommerce",
    P.INTEGRATION_PROVIDER_STRIPE: "Stripe",
}
# What each provider's stored API credentials must contain (WooCommerce REST keys, a Stripe secret or
# restricted key with read access to charges).
CREDENTIAL_FIELDS: dict[int, tuple[str, ...]] = {
    P.INTEGRATION_PROVIDER_WOOCOMMERCE: ("consumer_key", "consumer_secret"),
    P.INTEGRATION_PROVIDER_STRIPE: ("api_key",),
}
# The request field each provider's credentials arrive in (SetConnectionCredentialsRequest's oneof).
CREDENTIAL_MESSAGES: dict[int, str] = {
    P.INTEGRATION_PROVIDER_WOOCOMMERCE: "woocommerce",
    P.INTEGRATION_PROVIDER_STRIPE: "stripe",
}
# Key prefixes as the providers issue them; a wrong one is almost always the wrong key pasted (a Stripe
# publishable pk_ key, a WooCommerce key and secret swapped).
KEY_PREFIXES: dict[str, tuple[str, ...]] = {
    "consumer_key": ("ck_",),
    "consumer_secret": ("cs_",),
    "api_key": ("sk_", "rk_"),
}
KEY_FORMATS = {
    "consumer_key": 'must be the WooCommerce consumer key ("ck_...")',
    "consumer_secret": 'must be the WooCommerce consumer secret ("cs_...")',
    "api_key": 'must be a Stripe restricted ("rk_...") or secret ("sk_...") key; publishable keys cannot '
    "list charges",
}


Context = normalize.DeliveryContext


def _label(provider: int) -> str:
    return PROVIDER_NAMES.get(provider) or P.Name(provider).removeprefix("INTEGRATION_PROVIDER_").title()


def credentials_aad(org_id: str, connection_id: str) -> bytes:
    return associated_data(org_id, connection_id, "backfill_credentials")


class OrderSource(Protocol):
    """One provider's history, read newest first in pages; cursors are opaque strings saved per page."""

    async def count(self) -> int:
        """Estimated total (0 = unknown)."""
        ...

    async def page(self, cursor: str) -> tuple[list[dict[str, Any]], str, int]:
        """(records, next cursor or "" at the end, total when the page tells it, else 0)."""
        ...

    def normalize(
        self, record: dict[str, Any], ctx: normalize.DeliveryContext
    ) -> normalize.Normalized | None:
        """What the record becomes, or None when it is skipped (test, refunded, cancelled, malformed)."""
        ...

    def created(self, record: dict[str, Any]) -> datetime | None: ...


def _iso(value: Any) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, TypeError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass
class ShopifyOrders:
    admin: ShopifyAdmin
    shop: str
    token: str
    created_min: str

    async def count(self) -> int:
        return await self.admin.count_orders(self.shop, self.token, self.created_min)

    async def page(self, cursor: str) -> tuple[list[dict[str, Any]], str, int]:
        orders, next_cursor = await self.admin.list_orders(self.shop, self.token, self.created_min, cursor)
        return orders, next_cursor, 0

    def normalize(
        self, record: dict[str, Any], ctx: normalize.DeliveryContext
    ) -> normalize.Normalized | None:
        if str(record.get("financial_status")) in ("refunded", "voided"):
            return None
        paid = record.get("financial_status") in ("paid", "partially_paid")
        result = normalize.normalize_shopify("orders/paid" if paid else "orders/create", record, ctx)
        return None if result.test else result

    def created(self, record: dict[str, Any]) -> datetime | None:
        return _iso(record.get("created_at"))


@dataclass
class WooCommerceOrders:
    store: WooCommerceStore
    store_url: str
    key: str
    secret: str
    created_min: str
    page_size: int = 50

    async def count(self) -> int:
        return 0  # X-WP-Total arrives with the first page

    async def page(self, cursor: str) -> tuple[list[dict[str, Any]], str, int]:
        number = int(cursor or 1)
        orders, total, pages = await self.store.list_orders(
            self.store_url, self.key, self.secret, self.created_min, number, self.page_size
        )
        return orders, str(number + 1) if number < pages and orders else "", total

    def normalize(
        self, record: dict[str, Any], ctx: normalize.DeliveryContext
    ) -> normalize.Normalized | None:
        # Only processing/completed orders become purchases; refunded, cancelled and unpaid ones are
        # history without proof (their retractions would retract nothing that was imported).
        if str(record.get("status")) not in ("processing", "completed"):
            return None
        return normalize.normalize_woocommerce("order.created", record, ctx)

    def created(self, record: dict[str, Any]) -> datetime | None:
        return _iso(record.get("date_created_gmt") or record.get("date_created"))


@dataclass
class StripePayments:
    charges: StripeCharges
    api_key: str
    created_after: int
    page_size: int = 50

    async def count(self) -> int:
        return 0  # Stripe lists have no totals: progress is the share of the window walked

    async def page(self, cursor: str) -> tuple[list[dict[str, Any]], str, int]:
        found, next_cursor = await self.charges.list_charges(
            self.api_key, self.created_after, cursor, self.page_size
        )
        return found, next_cursor, 0

    def normalize(
        self, record: dict[str, Any], ctx: normalize.DeliveryContext
    ) -> normalize.Normalized | None:
        if record.get("status") != "succeeded" or record.get("paid") is False or record.get("refunded"):
            return None
        # The charge as the charge.succeeded event the webhook path sees: same source_ref (its payment
        # intent), so the same activity and event ids. A test-mode key lists only test-mode charges:
        # those are imported marked `test`, as their webhooks would be.
        event = {
            "id": f"evt_backfill_{record.get('id')}",
            "type": "charge.succeeded",
            "created": record.get("created"),
            "livemode": record.get("livemode") is True,
            "data": {"object": record},
        }
        return normalize.normalize_stripe(event, ctx)

    def created(self, record: dict[str, Any]) -> datetime | None:
        created = record.get("created")
        return datetime.fromtimestamp(created, UTC) if isinstance(created, int) else None


class Backfills:
    def __init__(
        self,
        core: IntegrationsService,
        admin: ShopifyAdmin,
        oauth: ShopifyOAuth,
        woocommerce: WooCommerceStore | None = None,
        stripe: StripeCharges | None = None,
        page_size: int = 50,
    ) -> None:
        self.core = core
        self.admin = admin
        self.oauth = oauth
        self.woocommerce = woocommerce or WooCommerceStore()
        self.stripe = stripe or StripeCharges()
        self.page_size = page_size  # WooCommerce per_page and Stripe limit (tests use small pages)
        self.wakeup = asyncio.Event()
        # ConnectionService.Set/ClearConnectionCredentials reach these use cases through the core.
        core.store_credentials = self

    def _credential_connection_check(self, conn: ConnectionRecord, provider: int | None) -> tuple[str, ...]:
        """The fields the connection's credentials need; FAILED_PRECONDITION for other providers."""
        fields = CREDENTIAL_FIELDS.get(conn.provider)
        if provider is not None and provider != conn.provider:
            raise FailedPrecondition(
                f"These are {_label(provider)} credentials but the connection is a {_label(conn.provider)} "
                "connection",
                reason="CONNECTION_CREDENTIALS_PROVIDER_MISMATCH",
                metadata={
                    "connection_provider": P.Name(conn.provider),
                    "credentials_provider": P.Name(provider),
                },
            )
        if fields is None:
            raise FailedPrecondition(
                "Store API credentials are only stored for WooCommerce and Stripe connections"
                + (
                    " (Shopify connects through OAuth)"
                    if conn.provider == P.INTEGRATION_PROVIDER_SHOPIFY
                    else ""
                ),
                reason="BACKFILL_PROVIDER_UNSUPPORTED",
                metadata={"connection_provider": P.Name(conn.provider)},
            )
        return fields

    async def set_credentials(
        self,
        org_id: str,
        site_id: str,
        connection_id: str,
        credentials: Mapping[str, str],
        *,
        provider: int | None = None,
        verify: bool = False,
    ) -> None:
        """Stores a WooCommerce or Stripe connection's store API credentials (AES-GCM, KeyRing) for
        backfill, replacing earlier ones. `provider` is whom the caller meant them for (a mismatch is
        FAILED_PRECONDITION); `verify` first makes one cheap read call with them. A WooCommerce
        `store_url` (else the connection's) is sealed with the keys: they only ever go to that store."""
        conn = await self.core.get_connection(org_id, site_id, connection_id)
        fields = self._credential_connection_check(conn, provider)
        prefix = CREDENTIAL_MESSAGES[conn.provider]
        sealed_values = {name: credentials.get(name, "") for name in fields}
        with validate("Invalid credentials") as v:
            for name in fields:
                value = sealed_values[name]
                if v.check(
                    0 < len(value) <= 256 and value.isprintable() and not any(c.isspace() for c in value),
                    f"{prefix}.{name}",
                    "is required: 1-256 characters without spaces",
                ):
                    v.check(value.startswith(KEY_PREFIXES[name]), f"{prefix}.{name}", KEY_FORMATS[name])
            if conn.provider == P.INTEGRATION_PROVIDER_WOOCOMMERCE:
                store_url = credentials.get("store_url") or conn.settings.woocommerce.store_url
                field = f"{prefix}.store_url"
                if v.check(bool(store_url), field, "is required: the store's https:// base URL"):
                    parts = urlsplit(store_url)
                    v.check(len(store_url) <= 2048, field, "at most 2048 characters")
                    v.check(
                        not (parts.query or parts.fragment or parts.username or parts.password),
                        field,
                        "must be the store's base URL, without query, fragment or user info",
                    )
                    self.core._check_endpoint(store_url, field, v)
                sealed_values["store_url"] = store_url.rstrip("/")
        if verify:
            await self._verify(conn, sealed_values)
        sealed = self.core.keyring.encrypt(json.dumps(sealed_values), credentials_aad(org_id, connection_id))
        # The connection shows the store URL the keys go to (settings rewritten only when it changed).
        settings: bytes | None = None
        if "store_url" in sealed_values and sealed_values["store_url"] != conn.settings.woocommerce.store_url:
            changed = Connection()
            changed.CopyFrom(conn.settings)
            changed.woocommerce.store_url = sealed_values["store_url"]
            settings = changed.SerializeToString()
        async with self.core.db.tenant_session(org_id) as session:
            await session.execute(
                text(
                    "UPDATE connections SET access_token_enc = :sealed, "
                    "settings = COALESCE(CAST(:settings AS bytea), settings), updated_at = now() "
                    "WHERE id = :id AND org_id = :org"
                ),
                {
                    "sealed": sealed,
                    "settings": settings,
                    "id": connection_id,
                    "org": org_id,
                },
            )
        self.core.forget_connection(connection_id)

    async def _verify(self, conn: ConnectionRecord, credentials: Mapping[str, str]) -> None:
        """One cheap read with the credentials; FAILED_PRECONDITION (secret-free) when refused."""
        try:
            if conn.provider == P.INTEGRATION_PROVIDER_WOOCOMMERCE:
                now = datetime.now(UTC).replace(microsecond=0).isoformat()
                await self.woocommerce.list_orders(
                    credentials["store_url"],
                    credentials["consumer_key"],
                    credentials["consumer_secret"],
                    now,
                    1,
                    1,
                )
            else:
                await self.stripe.list_charges(
                    credentials["api_key"], int(datetime.now(UTC).timestamp()), "", 1
                )
        except SOURCE_ERRORS as error:
            provider = PROVIDER_NAMES.get(conn.provider, "provider")
            raise FailedPrecondition(
                f"{provider} did not accept the credentials: {error}",
                reason="CONNECTION_CREDENTIALS_REJECTED",
                metadata={"provider": P.Name(conn.provider), "detail": str(error)[:200]},
            ) from None

    async def clear_credentials(self, org_id: str, site_id: str, connection_id: str) -> None:
        """Forgets a WooCommerce or Stripe connection's store API credentials (idempotent)."""
        conn = await self.core.get_connection(org_id, site_id, connection_id)
        self._credential_connection_check(conn, None)
        async with self.core.db.tenant_session(org_id) as session:
            await session.execute(
                text(
                    "UPDATE connections SET access_token_enc = NULL, updated_at = now() "
                    "WHERE id = :id AND org_id = :org AND access_token_enc IS NOT NULL"
                ),
                {"id": connection_id, "org": org_id},
            )
        self.core.forget_connection(connection_id)

    async def _credentials(self, org_id: str, conn: ConnectionRecord) -> dict[str, str]:
        """The decrypted credentials of the connection ({} when none were stored)."""
        if conn.provider == P.INTEGRATION_PROVIDER_SHOPIFY:
            token = await self.oauth.access_token(org_id, conn.id)
            return {"access_token": token} if token else {}
        async with self.core.db.tenant_session(org_id) as session:
            sealed = (
                await session.execute(
                    text("SELECT access_token_enc FROM connections WHERE id = :id AND org_id = :org"),
                    {"id": conn.id, "org": org_id},
                )
            ).scalar_one_or_none()
        if not sealed:
            return {}
        found = json.loads(self.core.keyring.decrypt_str(bytes(sealed), credentials_aad(org_id, conn.id)))
        return found if all(found.get(f) for f in CREDENTIAL_FIELDS.get(conn.provider, ("-",))) else {}

    def _source(self, conn: ConnectionRecord, credentials: dict[str, str], since: datetime) -> OrderSource:
        if conn.provider == P.INTEGRATION_PROVIDER_SHOPIFY:
            shop = conn.settings.shopify.shop_domain
            return ShopifyOrders(self.admin, shop, credentials["access_token"], since.isoformat())
        if conn.provider == P.INTEGRATION_PROVIDER_WOOCOMMERCE:
            # The URL sealed with the keys (older credentials carry none: the connection's).
            store_url = credentials.get("store_url") or conn.settings.woocommerce.store_url
            parts = urlsplit(store_url)
            loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
            # The consumer secret travels in a Basic header: https only (plain http to loopback in tests).
            if not (parts.scheme == "https" or (loopback and self.core.config.allow_loopback_http)):
                raise WooCommerceError("the store URL must be https://")
            # WooCommerce's `after` is in the site's time zone unless it carries an offset: send UTC.
            after = since.astimezone(UTC).replace(microsecond=0).isoformat()
            key, secret = credentials["consumer_key"], credentials["consumer_secret"]
            return WooCommerceOrders(self.woocommerce, store_url, key, secret, after, self.page_size)
        created_after = int(since.timestamp()) - 1
        return StripePayments(self.stripe, credentials["api_key"], created_after, self.page_size)

    async def _job(self, org_id: str, backfill_id: str) -> BackfillJob:
        async with self.core.db.tenant_session(org_id) as session:
            row = (
                (
                    await session.execute(
                        text(f"SELECT {_COLUMNS} FROM backfills WHERE id = :id AND org_id = :org"),  # noqa: S608
                        {"id": backfill_id, "org": org_id},
                    )
                )
                .mappings()
                .one_or_none()
            )
        if row is None:
            raise NotFound("Backfill not found", reason="BACKFILL_NOT_FOUND")
        return BackfillJob(org_id, dict(row))

    async def get(self, org_id: str, site_id: str, connection_id: str, backfill_id: str) -> BackfillJob:
        job = await self._job(org_id, backfill_id)
        if (job.row["site_id"], job.row["connection_id"]) != (site_id, connection_id):
            raise NotFound("Backfill not found", reason="BACKFILL_NOT_FOUND")
        return job

    async def create(
        self, org_id: str, site_id: str, connection_id: str, lookback_days: int, request_id: str
    ) -> BackfillJob:
        with validate("Invalid backfill") as v:
            v.check(
                0 <= lookback_days <= MAX_LOOKBACK_DAYS, "backfill.lookback_days", "must be 1..60 (0 = 30)"
            )
            v.check(len(request_id) <= 64, "request_id", "at most 64 characters")
        conn = await self.core.get_connection(org_id, site_id, connection_id)
        if conn.provider not in PROVIDER_NAMES:
            raise FailedPrecondition(
                "Backfill is available for Shopify, WooCommerce and Stripe connections",
                reason="BACKFILL_PROVIDER_UNSUPPORTED",
            )
        if not await self._credentials(org_id, conn):
            raise FailedPrecondition(
                "The shop has not authorized SocialProof yet (connect it with Shopify first)"
                if conn.provider == P.INTEGRATION_PROVIDER_SHOPIFY
                else "No store API credentials are stored for this connection (SetConnectionCredentials)",
                reason="BACKFILL_NOT_AUTHORIZED",
            )
        backfill_id = str(uuid.uuid4())
        try:
            async with self.core.db.tenant_session(org_id) as session:
                if request_id:
                    found = (
                        await session.execute(
                            text("SELECT id::text FROM backfills WHERE org_id = :org AND request_id = :rid"),
                            {"org": org_id, "rid": request_id},
                        )
                    ).scalar_one_or_none()
                    if found:
                        return await self._job(org_id, found)
                await session.execute(
                    text(
                        "INSERT INTO backfills (id, org_id, site_id, connection_id, lookback_days, state, "
                        "request_id) VALUES (:id, :org, :site, :conn, :days, :state, :rid)"
                    ),
                    {
                        "id": backfill_id,
                        "org": org_id,
                        "site": site_id,
                        "conn": connection_id,
                        "days": lookback_days or DEFAULT_LOOKBACK_DAYS,
                        "state": B.BACKFILL_STATE_QUEUED,
                        "rid": request_id or None,
                    },
                )
                await session.execute(
                    text("INSERT INTO backfill_queue (backfill_id, org_id) VALUES (:id, :org)"),
                    {"id": backfill_id, "org": org_id},
                )
        except IntegrityError:
            raise FailedPrecondition(
                "A backfill is already queued or running for this connection",
                reason="BACKFILL_ALREADY_RUNNING",
            ) from None
        self.wakeup.set()
        return await self._job(org_id, backfill_id)

    async def list(
        self, org_id: str, site_id: str, connection_id: str, page_size: int, page_token: str
    ) -> tuple[list[BackfillJob], str]:
        with validate("Invalid request") as v:
            v.check(page_size >= 0, "page_size", "must not be negative")
            v.check(page_token == "" or page_token.isdigit(), "page_token", "is not a token from this list")
        size = 20 if page_size == 0 else min(page_size, 100)
        offset = int(page_token or 0)
        await self.core.get_connection(org_id, site_id, connection_id)
        async with self.core.db.tenant_session(org_id) as session:
            rows = (
                (
                    await session.execute(
                        text(
                            f"SELECT {_COLUMNS} FROM backfills WHERE org_id = :org AND connection_id = :conn "  # noqa: S608
                            "ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset"
                        ),
                        {"org": org_id, "conn": connection_id, "limit": size + 1, "offset": offset},
                    )
                )
                .mappings()
                .all()
            )
        jobs = [BackfillJob(org_id, dict(r)) for r in rows[:size]]
        return jobs, str(offset + size) if len(rows) > size else ""

    async def cancel(self, org_id: str, site_id: str, connection_id: str, backfill_id: str) -> BackfillJob:
        await self.get(org_id, site_id, connection_id, backfill_id)
        async with self.core.db.tenant_session(org_id) as session:
            await session.execute(
                text(
                    "UPDATE backfills SET state = :cancelled, ended_at = now() WHERE id = :id "
                    "AND state IN (:queued, :running)"
                ),
                {
                    "cancelled": B.BACKFILL_STATE_CANCELLED,
                    "id": backfill_id,
                    "queued": B.BACKFILL_STATE_QUEUED,
                    "running": B.BACKFILL_STATE_RUNNING,
                },
            )
        return await self._job(org_id, backfill_id)

    # ---- the worker ----------------------------------------------------------------------------

    async def run_due(self) -> int:
        """Leases one due job and runs it to the end (or until cancelled); returns jobs run."""
        async with self.core.db.session() as session:
            due = (
                await session.execute(
                    text(
                        "UPDATE backfill_queue SET leased_until = now() + make_interval(secs => :lease) "
                        "WHERE backfill_id = (SELECT backfill_id FROM backfill_queue "
                        "WHERE leased_until IS NULL OR leased_until < now() LIMIT 1 FOR UPDATE SKIP LOCKED) "
                        "RETURNING backfill_id::text, org_id::text"
                    ),
                    {"lease": LEASE.total_seconds()},
                )
            ).one_or_none()
        if due is None:
            return 0
        await self._run(due[0], due[1])
        return 1

    async def _progress(self, job_id: str, org_id: str, **values: Any) -> int:
        """Writes progress and renews the lease; returns the job's state (a member may have cancelled it)."""
        sets = ", ".join(f"{k} = :{k}" for k in values)
        async with self.core.db.tenant_session(org_id) as session:
            state = (
                await session.execute(
                    text(f"UPDATE backfills SET {sets} WHERE id = :id RETURNING state")  # noqa: S608
                    if sets
                    else text("SELECT state FROM backfills WHERE id = :id"),
                    {"id": job_id, **values},
                )
            ).scalar_one()
        async with self.core.db.session() as session:
            await session.execute(
                text(
                    "UPDATE backfill_queue SET leased_until = now() + make_interval(secs => :lease) "
                    "WHERE backfill_id = :id"
                ),
                {"id": job_id, "lease": LEASE.total_seconds()},
            )
        return int(state)

    async def _finish(self, job_id: str, org_id: str, state: int, error: str = "") -> None:
        async with self.core.db.tenant_session(org_id) as session:
            await session.execute(
                text(
                    "UPDATE backfills SET state = :state, error = :error, ended_at = now() WHERE id = :id "
                    "AND state IN (:queued, :running)"
                ),
                {
                    "state": state,
                    "error": error,
                    "id": job_id,
                    "queued": B.BACKFILL_STATE_QUEUED,
                    "running": B.BACKFILL_STATE_RUNNING,
                },
            )
        async with self.core.db.session() as session:
            await session.execute(text("DELETE FROM backfill_queue WHERE backfill_id = :id"), {"id": job_id})

    async def _run(self, job_id: str, org_id: str) -> None:
        job = (await self._job(org_id, job_id)).row
        if job["state"] not in (B.BACKFILL_STATE_QUEUED, B.BACKFILL_STATE_RUNNING):
            await self._finish(job_id, org_id, job["state"])
            return
        started = job["started_at"] or datetime.now(UTC)
        since = started - timedelta(days=job["lookback_days"])
        conn = await self.core.get_connection(org_id, job["site_id"], job["connection_id"])
        provider = PROVIDER_NAMES.get(conn.provider, "provider")
        counts = {k: job[k] for k in ("processed_count", "imported_count", "skipped_count")}
        try:
            credentials = await self._credentials(org_id, conn)
            if not credentials:
                await self._finish(job_id, org_id, B.BACKFILL_STATE_FAILED, "credentials were removed")
                return
            source = self._source(conn, credentials, since)
            total = job["total_estimate"] or await source.count()
            state = await self._progress(
                job_id, org_id, state=B.BACKFILL_STATE_RUNNING, started_at=started, total_estimate=total
            )
            cursor, first = job["cursor"], True
            while state == B.BACKFILL_STATE_RUNNING and (cursor or first):
                first = False
                records, next_cursor, page_total = await source.page(cursor)
                reached = job["reached_at"]
                ctx = normalize.DeliveryContext(
                    org_id=org_id,
                    site_id=conn.site_id,
                    connection_id=conn.id,
                    received_at=datetime.now(UTC),
                    imported_kinds=frozenset(conn.imported_kinds),
                    shop_domain=conn.settings.shopify.shop_domain,
                )
                for record in records:
                    counts["processed_count"] += 1
                    imported = await self._import(source, record, ctx)
                    counts["imported_count" if imported else "skipped_count"] += 1
                    when = source.created(record)
                    if when is not None:
                        reached = when if reached is None else min(reached, when)
                extra = {"total_estimate": page_total} if page_total and page_total != total else {}
                total = page_total or total
                # The cursor is saved with the counts, so a worker taking over after a crash resumes at
                # the next page; activity ids are derived, so a re-imported page creates nothing twice.
                state = await self._progress(
                    job_id, org_id, cursor=next_cursor, reached_at=reached, **counts, **extra
                )
                job["reached_at"] = reached
                cursor = next_cursor
        except SOURCE_ERRORS as error:
            await self._finish(job_id, org_id, B.BACKFILL_STATE_FAILED, f"{provider}: {error}"[:300])
            return
        except (KafkaBusError, Unavailable):
            # Leave the lease to expire: the job resumes from its saved cursor.
            log.warning("backfill publish failed; will resume", extra={"backfill": job_id})
            return
        await self._finish(job_id, org_id, B.BACKFILL_STATE_SUCCEEDED)

    async def _import(
        self, source: OrderSource, record: dict[str, Any], ctx: normalize.DeliveryContext
    ) -> bool:
        """Publishes one historical record; False when it is skipped (test, refunded, cancelled, bad)."""
        try:
            result = source.normalize(record, ctx)
        except normalize.MalformedPayload:
            return False
        if result is None or not result.activities:
            return False
        for activity in result.activities:
            # Same event id as the webhook path for the same order: consumers drop the overlap.
            await self.core.publisher.recorded(ctx.org_id, ctx.site_id, activity)
        return True

    async def run_worker(self, poll_seconds: float, stop: asyncio.Event) -> None:
        """The third entry point: runs queued backfills until stop is set."""
        while not stop.is_set():
            try:
                worked = await self.run_due()
            except Exception:
                log.exception("backfill pass failed")
                worked = 0
            if worked:
                continue
            self.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), poll_seconds)
