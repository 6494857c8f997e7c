"""Use cases of the integrations service: connections, inbound webhooks, test delivery, outbound webhooks."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import json
import logging
import secrets as pysecrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import psycopg
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.adapters.http_sender import HttpResult, HttpSender
from services.integrations.adapters.publisher import ActivityPublisher
from services.integrations.domain import mapping as mapping_rules
from services.integrations.domain import normalize, outbound, signatures
from services.integrations.domain.names import site_name
from services.integrations.domain.normalize import DeliveryContext, MalformedPayload, Normalized
from shared.crypto import KeyRing, associated_data
from shared.db import Database, RawConnections
from shared.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unauthenticated,
    validate,
)
from shared.errors import FieldViolation as Fv
from socialproof.events.v1.activity_pb2 import ActivityEvent, ActivityRetracted
from socialproof.events.v1.integrations_events_pb2 import (
    ConnectionStatus,
    IntegrationProvider,
    WebhookEventType,
)
from socialproof.integrations.v1.connections_pb2 import Connection
from socialproof.integrations.v1.mapping_pb2 import PayloadMapping
from socialproof.integrations.v1.outbound_pb2 import WebhookDeliveryState, WebhookPayload
from socialproof.integrations.v1.webhooks_pb2 import WebhookOutcome
from socialproof.integrations.v1.zapier_pb2 import ZapierSample

log = logging.getLogger(__name__)

P = IntegrationProvider
S = ConnectionStatus
O = WebhookOutcome  # noqa: E741
D = WebhookDeliveryState

PROVIDER_SEGMENTS = {
    "shopify": P.INTEGRATION_PROVIDER_SHOPIFY,
    "woocommerce": P.INTEGRATION_PROVIDER_WOOCOMMERCE,
    "stripe": P.INTEGRATION_PROVIDER_STRIPE,
    "generic": P.INTEGRATION_PROVIDER_GENERIC,
}
SEGMENT_OF: dict[int, str] = {v: k for k, v in PROVIDER_SEGMENTS.items()}
DEFAULT_OVERLAP = timedelta(hours=24)
ZAPIER_HOOK_KIND = 1
# Trigger samples kept per site and trigger: Zapier asks for at most 25, so older ones are dropped
# as new ones arrive and the table stays bounded without a retention job.
SAMPLES_KEPT = 25
#: Samples in the order Zapier reads them (newest first; item_id breaks ties of one group commit).
SAMPLES_ORDER = "occurred_at DESC, created_at DESC, item_id DESC"
#: Deletes every sample of a site and trigger after the newest SAMPLES_KEPT: the (SAMPLES_KEPT + 1)-th in
#: SAMPLES_ORDER is found once (an init plan reading SAMPLES_KEPT + 1 index entries) and every row at or
#: below it goes. (It was `item_id IN (subquery … OFFSET)`: a hashed semi-join over every sample row, re-run
#: per row when a concurrent trim of another replica had locked it — under load the trims of two replicas
#: were most of Postgres' CPU per webhook, docs/integrations.md.)
_TRIM_SAMPLES = text(
    "DELETE FROM recent_events WHERE site_id = :site AND event_type = :type "  # noqa: S608 - constants
    "AND (occurred_at, created_at, item_id) <= (SELECT occurred_at, created_at, item_id FROM recent_events "
    f"WHERE site_id = :site AND event_type = :type ORDER BY {SAMPLES_ORDER} OFFSET :keep LIMIT 1)"
)


async def trim_samples(session: AsyncSession, site_id: str, event_type: int) -> None:
    """Keeps the newest SAMPLES_KEPT Zapier samples of a site and trigger (in the caller's tenant session)."""
    await session.execute(_TRIM_SAMPLES, {"site": site_id, "type": event_type, "keep": SAMPLES_KEPT})


ZAPIER_TRIGGERS = (
    WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED,
    WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RETRACTED,
    WebhookEventType.WEBHOOK_EVENT_TYPE_FORM_SUBMITTED,
)
MAX_OVERLAP = timedelta(days=7)


@dataclass(frozen=True)
class IntegrationsConfig:
    """The knobs of the use cases (from IntegrationsSettings)."""

    public_base_url: str = "https://hooks.socialproof.local"
    max_body_bytes: int = 1024 * 1024
    default_tolerance_seconds: float = 300.0
    retry_policy: outbound.RetryPolicy = field(default_factory=outbound.RetryPolicy)
    lease_seconds: float = 30.0
    allow_loopback_http: bool = False
    #: How long the webhook path reuses a connection (route, settings, decrypted secrets) without
    #: reading it again. Changes made through this process take effect at once; another replica's
    #: changes (pause, delete, an overlap ended early) within this many seconds.
    connection_cache_seconds: float = 5.0


@dataclass
class ConnectionRecord:
    """A connection row with its secrets decrypted only when asked for."""

    id: str
    org_id: str
    site_id: str
    provider: int
    display_name: str
    enabled: bool
    status: int
    secret_hint: str
    secret_rotated_at: datetime
    previous_secret_expires_at: datetime | None
    imported_kinds: list[int]
    settings: Connection
    last_event_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    created_at: datetime
    updated_at: datetime
    accepted_24h: int = 0
    rejected_24h: int = 0
    secret_enc: bytes | None = None
    previous_secret_enc: bytes | None = None
    #: Store API credentials (backfill) are stored; they are read only by the backfill use cases.
    has_store_credentials: bool = False

    @property
    def name(self) -> str:
        return f"organizations/{self.org_id}/sites/{self.site_id}/connections/{self.id}"


class StoreCredentials(Protocol):
    """Stores and clears a connection's store API credentials (the backfill use cases implement it)."""

    async def set_credentials(
        self,
        org_id: str,
        site_id: str,
        connection_id: str,
        credentials: Mapping[str, str],
        *,
        provider: int | None = None,
        verify: bool = False,
    ) -> None: ...

    async def clear_credentials(self, org_id: str, site_id: str, connection_id: str) -> None: ...


@dataclass(frozen=True)
class ReceiveResult:
    receipt_id: str
    outcome: int
    activity_count: int
    retraction_count: int


@dataclass(frozen=True)
class TestDeliveryResult:
    normalized: Normalized
    violations: list[mapping_rules.Violation]


def zapier_sample(
    event_type: int,
    event_id: str,
    activity: ActivityEvent | None,
    retraction: ActivityRetracted | None,
    occurred_at: Timestamp,
) -> ZapierSample | None:
    """Zapier's flat item for an activity trigger (None for other event types)."""
    if event_type not in ZAPIER_TRIGGERS:
        return None
    sample = ZapierSample(event_type=event_type, occurred_at=occurred_at)  # type: ignore[arg-type]
    if activity is not None:
        sample.activity.CopyFrom(activity)
        sample.id = activity.activity_id
    elif retraction is not None:
        # Zapier deduplicates on id: a retraction is its own item, distinct from the activity.
        sample.id = event_id
        target = retraction.activity_id or retraction.source_ref
        sample.activity.activity_id = retraction.activity_id
        sample.activity.source_ref = retraction.source_ref or target
        sample.activity.source = retraction.source
    else:
        return None
    return sample


def zapier_json(sample: ZapierSample) -> str:
    return json.dumps(json_format.MessageToDict(sample), separators=(",", ":"), ensure_ascii=False)


def _now() -> datetime:
    return datetime.now(UTC)


def _new_secret() -> str:
    return "whsec_" + pysecrets.token_urlsafe(32)


_CONNECTION_COLUMNS = """
    c.id::text, c.org_id::text, c.site_id::text, c.provider, c.display_name, c.enabled, c.status,
    c.secret_hint,
    c.secret_rotated_at, c.previous_secret_expires_at, c.imported_kinds, c.settings, c.last_event_at,
    c.last_error, c.last_error_at, c.created_at, c.updated_at, c.secret_enc, c.previous_secret_enc,
    (SELECT count(*) FROM webhook_receipts r WHERE r.connection_id = c.id AND r.outcome IN (1, 2, 3)
        AND r.received_at > now() - interval '24 hours') AS accepted_24h,
    (SELECT count(*) FROM webhook_receipts r WHERE r.connection_id = c.id AND r.outcome IN (4, 5, 6, 7)
        AND r.received_at > now() - interval '24 hours') AS rejected_24h,
    c.access_token_enc IS NOT NULL AS has_store_credentials
"""


def _record(row: Any) -> ConnectionRecord:
    settings = Connection.FromString(bytes(row[11] or b""))
    return ConnectionRecord(
        id=row[0],
        org_id=row[1],
        site_id=row[2],
        provider=row[3],
        display_name=row[4],
        enabled=row[5],
        status=row[6],
        secret_hint=row[7],
        secret_rotated_at=row[8],
        previous_secret_expires_at=row[9],
        imported_kinds=list(row[10] or []),
        settings=settings,
        last_event_at=row[12],
        last_error=row[13],
        last_error_at=row[14],
        created_at=row[15],
        updated_at=row[16],
        secret_enc=row[17],
        previous_secret_enc=row[18],
        accepted_24h=row[19],
        rejected_24h=row[20],
        has_store_credentials=bool(row[21]),
    )


def settings_only(connection: Connection) -> Connection:
    """The provider settings oneof of a connection, as stored."""
    kept = Connection()
    which = connection.WhichOneof("settings")
    if which:
        getattr(kept, which).CopyFrom(getattr(connection, which))
    return kept


@dataclass(frozen=True)
class _HotConnection:
    """A connection as the webhook path needs it, with its secrets decrypted once per cache fill."""

    conn: ConnectionRecord
    current: str
    previous: str
    expires: float  # time.monotonic()

    def secrets(self) -> list[str]:
        found = [self.current] if self.current else []
        previous_expires = self.conn.previous_secret_expires_at
        if self.previous and previous_expires and previous_expires > _now():
            found.append(self.previous)
        return found


async def driver_connection(session: AsyncSession) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under a session (its transaction included), for statements sent in
    pipeline mode on the hot paths; everything else goes through the session."""
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    assert isinstance(driver, psycopg.AsyncConnection)
    return driver


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _event_id(org_id: str, event_type: int, key: str) -> str:
    """The outbound event id of a fact (the same for its redeliveries and its Zapier sample)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{org_id}:{event_type}:{key}"))


# Accepted deliveries of one organization that arrive together share one transaction (group commit:
# one connection, one statement and one commit per batch instead of per delivery). Per delivery it
# stays atomic: its receipt and, only if the receipt is new, its outbox rows and samples. Rows go in
# (connection, delivery id) order so concurrent batches lock the unique index in the same order. The
# last column says whether any outbound subscription could want the facts.
# The rows travel as three JSON documents (bytes in base64): psycopg's per-element adaptation of two
# dozen array parameters cost ~0.8 ms of CPU per batch, json.dumps ~0.1 ms.
_ACCEPT_MANY = (
    "WITH input AS (SELECT * FROM json_to_recordset(CAST(%(receipts)s AS json)) AS t(id uuid, conn uuid, "
    "provider smallint, topic text, did text, outcome smallint, error text, test boolean, size bigint, "
    "acts text, retr integer, prev boolean)), "
    "w AS (SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE org_id = CAST(%(org)s AS uuid) "
    "AND enabled) AS wanted), "
    "r AS (INSERT INTO webhook_receipts (id, org_id, connection_id, provider, topic, provider_delivery_id, "
    "outcome, error, test, body_bytes, activity_ids, retraction_count, previous_secret) "
    "SELECT id, CAST(%(org)s AS uuid), conn, provider, topic, did, outcome, error, test, size, "
    "string_to_array(acts, ','), retr, prev FROM input {guard}ORDER BY conn, did "
    "ON CONFLICT (connection_id, provider_delivery_id) WHERE provider_delivery_id IS NOT NULL "
    "AND outcome IN (1, 3, 8) DO NOTHING RETURNING id), "
    "o AS (INSERT INTO activity_outbox (org_id, site_id, connection_id, message_key, envelope) "
    "SELECT CAST(%(org)s AS uuid), u.site, u.conn, u.k, decode(u.e, 'base64') "
    "FROM json_to_recordset(CAST(%(outbox)s AS json)) AS u(rid uuid, site uuid, conn uuid, k text, e text, "
    "seq integer) WHERE u.rid IN (SELECT id FROM r) ORDER BY u.seq), "
    "s AS (INSERT INTO recent_events (org_id, site_id, event_type, item_id, occurred_at, sample) "
    "SELECT CAST(%(org)s AS uuid), u.site, u.t, u.i, u.a, decode(u.b, 'base64') "
    "FROM json_to_recordset(CAST(%(samples)s AS json)) AS u(rid uuid, site uuid, t integer, i text, "
    "a timestamptz, b text) WHERE u.rid IN (SELECT id FROM r) ON CONFLICT DO NOTHING) "
    "SELECT ARRAY(SELECT id::text FROM r), (SELECT wanted FROM w)"
)
#: The hot path's variant (raw connection, no session): writes nothing when an outbound subscription
#: could want the facts, because their deliveries are queued by the session path in the same transaction
#: (`_enqueue`); the batch is then written again there. Evaluated inside the statement, so a subscription
#: enabled meanwhile is never missed. It runs as the function `accept_webhooks` (migration
#: integrations_0006, the same statement after `set_config(app.current_org, org, true)`): one statement
#: is one query on the wire, where the tenant setting and the statement sent side by side needed a
#: pipeline, whose machinery cost more client CPU than the rest of the write (~0.42 vs ~0.27 ms per
#: batch measured). Kept here as the reference the function's body must match
#: (test_accept_function_matches_the_statement).
_ACCEPT_MANY_UNLESS_WANTED = _ACCEPT_MANY.format(guard="WHERE NOT (SELECT wanted FROM w) ")
_ACCEPT_MANY = _ACCEPT_MANY.format(guard="")
_ACCEPT_RAW = (
    "SELECT inserted_ids, subscribed FROM accept_webhooks(%(org)s, %(receipts)s, %(outbox)s, %(samples)s)"
)
#: Deliveries per group-commit transaction at most.
ACCEPT_BATCH = 200


@dataclass
class _Acceptance:
    """One accepted (or ignored) delivery waiting for its organization's next group commit."""

    conn: ConnectionRecord
    receipt_id: str
    row: dict[str, Any]
    result: Normalized
    staged: list[tuple[str, bytes]]
    samples: list[ZapierSample]
    done: asyncio.Future[str]  # the first receipt's id when this was a duplicate, else ""


class IntegrationsService:
    def __init__(
        self,
        db: Database,
        keyring: KeyRing,
        publisher: ActivityPublisher,
        sender: HttpSender,
        config: IntegrationsConfig,
        raw: RawConnections | None = None,
    ) -> None:
        self.db = db
        # The webhook path's group commit; the outbox relay shares them (bootstrap).
        self.raw = raw if raw is not None else RawConnections(db)
        # Organizations whose last batch found enabled outbound subscriptions: their batches go straight
        # to the session path (the raw path would write nothing for them) until one finds none.
        self._subscribed: set[str] = set()
        self.keyring = keyring
        self.publisher = publisher
        self.sender = sender
        self.config = config
        self.outbound_wakeup = asyncio.Event()
        self.outbox_wakeup = asyncio.Event()
        self._hot: dict[str, _HotConnection] = {}
        self._filling: dict[str, asyncio.Future[_HotConnection | None]] = {}
        self._accepting: dict[str, list[_Acceptance]] = {}
        self._committers: dict[str, asyncio.Task[None]] = {}
        # Filled in by the backfill use cases, which own the store adapters that verify credentials:
        # ConnectionService.SetConnectionCredentials reaches them through the core it is built with.
        self.store_credentials: StoreCredentials | None = None

    # ---- secrets -------------------------------------------------------------------------------

    def _seal(self, org_id: str, owner_id: str, secret: str) -> bytes:
        return self.keyring.encrypt(secret, associated_data(org_id, owner_id, "signing_secret"))

    def _open(self, org_id: str, owner_id: str, sealed: bytes) -> str:
        return self.keyring.decrypt_str(bytes(sealed), associated_data(org_id, owner_id, "signing_secret"))

    def _secrets(
        self,
        org_id: str,
        owner_id: str,
        current: bytes | None,
        previous: bytes | None,
        previous_expires: datetime | None,
    ) -> list[str]:
        found = [self._open(org_id, owner_id, current)] if current else []
        if previous and previous_expires and previous_expires > _now():
            found.append(self._open(org_id, owner_id, previous))
        return found

    # ---- connections ---------------------------------------------------------------------------

    def _validate_connection(self, connection: Connection, prefix: str = "connection") -> None:
        with validate("Invalid connection") as v:
            provider_ok = v.check(
                connection.provider in SEGMENT_OF,
                f"{prefix}.provider",
                "must be SHOPIFY, WOOCOMMERCE, STRIPE or GENERIC (Zapier connections are created by Zapier)",
            )
            v.check(len(connection.display_name) <= 100, f"{prefix}.display_name", "at most 100 characters")
            which = connection.WhichOneof("settings")
            expected = {
                P.INTEGRATION_PROVIDER_SHOPIFY: "shopify",
                P.INTEGRATION_PROVIDER_WOOCOMMERCE: "woocommerce",
                P.INTEGRATION_PROVIDER_STRIPE: "stripe",
                P.INTEGRATION_PROVIDER_GENERIC: "generic",
            }.get(connection.provider)
            if provider_ok and which is not None:
                v.check(
                    which == expected, f"{prefix}.{which}", f"settings must be {expected} for this provider"
                )
            if connection.provider == P.INTEGRATION_PROVIDER_GENERIC and v.check(
                which == "generic", f"{prefix}.generic.mapping", "a generic connection needs a mapping"
            ):
                for problem in mapping_rules.validate_mapping(
                    connection.generic.mapping, f"{prefix}.generic.mapping"
                ):
                    if problem.severity == mapping_rules.ERROR:
                        v.add(problem.field, problem.description)
            if connection.provider == P.INTEGRATION_PROVIDER_SHOPIFY and which == "shopify":
                domain = connection.shopify.shop_domain
                v.check(
                    not domain or domain.endswith(".myshopify.com"),
                    f"{prefix}.shopify.shop_domain",
                    "must be the shop's *.myshopify.com domain",
                )
            for index, kind in enumerate(connection.imported_kinds):
                v.check(kind > 0, f"{prefix}.imported_kinds[{index}]", "must be a known activity kind")

    async def create_connection(
        self, org_id: str, site_id: str, connection: Connection, request_id: str, provider_secret: str
    ) -> tuple[ConnectionRecord, str]:
        self._validate_connection(connection)
        with validate("Invalid request") as v:
            v.check(len(provider_secret) <= 256, "provider_signing_secret", "at most 256 characters")
            v.check(len(request_id) <= 64, "request_id", "at most 64 characters")
        async with self.db.tenant_session(org_id) as session:
            if request_id:
                existing = await session.execute(
                    text("SELECT id::text FROM connections WHERE org_id = :org AND request_id = :rid"),
                    {"org": org_id, "rid": request_id},
                )
                found = existing.scalar_one_or_none()
                if found is not None:
                    return await self._load(session, org_id, found), ""
            connection_id = str(uuid.uuid4())
            secret = provider_secret or _new_secret()
            await session.execute(
                text(
                    "INSERT INTO connections (id, org_id, site_id, provider, display_name, enabled, status, "
                    "secret_enc, secret_hint, imported_kinds, settings, request_id) VALUES (:id, :org, "
                    ":site, "
                    ":provider, :name, :enabled, :status, :secret, :hint, :kinds, :settings, :rid)"
                ),
                {
                    "id": connection_id,
                    "org": org_id,
                    "site": site_id,
                    "provider": connection.provider,
                    "name": connection.display_name,
                    "enabled": True,  # created enabled; pausing is an update (decision in docs)
                    "status": S.CONNECTION_STATUS_PENDING,
                    "secret": self._seal(org_id, connection_id, secret),
                    "hint": secret[-4:],
                    "kinds": list(connection.imported_kinds),
                    "settings": settings_only(connection).SerializeToString(),
                    "rid": request_id or None,
                },
            )
            await session.execute(
                text(
                    "INSERT INTO connection_routes (connection_id, org_id, site_id, provider) "
                    "VALUES (:id, :org, :site, :provider)"
                ),
                {"id": connection_id, "org": org_id, "site": site_id, "provider": connection.provider},
            )
            record = await self._load(session, org_id, connection_id)
        return record, "" if provider_secret else secret

    async def _load(self, session: AsyncSession, org_id: str, connection_id: str) -> ConnectionRecord:
        row = (
            await session.execute(
                # _CONNECTION_COLUMNS is a constant of this module; values are bound parameters.
                text(f"SELECT {_CONNECTION_COLUMNS} FROM connections c WHERE c.id = :id AND c.org_id = :org"),  # noqa: S608
                {"id": connection_id, "org": org_id},
            )
        ).one_or_none()
        if row is None:
            raise NotFound("Connection not found", reason="CONNECTION_NOT_FOUND")
        return _record(row)

    async def get_connection(self, org_id: str, site_id: str, connection_id: str) -> ConnectionRecord:
        async with self.db.tenant_session(org_id) as session:
            record = await self._load(session, org_id, connection_id)
        if record.site_id != site_id:
            raise NotFound("Connection not found", reason="CONNECTION_NOT_FOUND")
        return record

    async def list_connections(
        self, org_id: str, site_id: str, page_size: int, page_token: str
    ) -> tuple[list[ConnectionRecord], str]:
        size = 50 if page_size <= 0 else min(page_size, 200)
        with validate("Invalid request") as v:
            v.check(page_size >= 0, "page_size", "must not be negative")
            v.check(page_token == "" or page_token.isdigit(), "page_token", "is not a token from this list")
        offset = int(page_token or 0)
        async with self.db.tenant_session(org_id) as session:
            rows = (
                await session.execute(
                    text(
                        f"SELECT {_CONNECTION_COLUMNS} FROM connections c WHERE c.org_id = :org AND "  # noqa: S608
                        f"c.site_id = :site "
                        "ORDER BY c.created_at DESC, c.id LIMIT :limit OFFSET :offset"
                    ),
                    {"org": org_id, "site": site_id, "limit": size + 1, "offset": offset},
                )
            ).all()
        records = [_record(r) for r in rows[:size]]
        return records, str(offset + size) if len(rows) > size else ""

    async def _update_connection(
        self, org_id: str, site_id: str, connection_id: str, changes: Connection, paths: Sequence[str]
    ) -> ConnectionRecord:
        allowed = {
            "display_name",
            "enabled",
            "imported_kinds",
            "generic.mapping",
            "generic",
            "generic.timestamp_tolerance",
            "woocommerce",
            "woocommerce.store_url",
            "stripe",
            "stripe.account_id",
            "stripe.timestamp_tolerance",
        }
        with validate("Invalid update") as v:
            v.check(bool(paths), "update_mask", "is required")
            for path in paths:
                v.check(path in allowed, "update_mask", f"{path!r} cannot be updated")
        async with self.db.tenant_session(org_id) as session:
            current = await self._load(session, org_id, connection_id)
            if current.site_id != site_id:
                raise NotFound("Connection not found", reason="CONNECTION_NOT_FOUND")
            merged = Connection(display_name=current.display_name, enabled=current.enabled)
            merged.provider = current.provider  # type: ignore[assignment]
            merged.imported_kinds.extend(current.imported_kinds)
            merged.MergeFrom(current.settings)
            for path in paths:
                top = path.split(".")[0]
                if top in ("display_name", "enabled"):
                    setattr(merged, top, getattr(changes, top))
                elif top == "imported_kinds":
                    del merged.imported_kinds[:]
                    merged.imported_kinds.extend(changes.imported_kinds)
                elif path == top:
                    getattr(merged, top).CopyFrom(getattr(changes, top))
                else:
                    sub = path.split(".")[1]
                    target = getattr(merged, top)
                    source = getattr(changes, top)
                    if source.HasField(sub) if sub in ("mapping", "timestamp_tolerance") else True:
                        if sub in ("mapping", "timestamp_tolerance"):
                            getattr(target, sub).CopyFrom(getattr(source, sub))
                        else:
                            setattr(target, sub, getattr(source, sub))
            self._validate_connection(merged)
            status = current.status
            if not merged.enabled:
                status = S.CONNECTION_STATUS_PAUSED
            elif status == S.CONNECTION_STATUS_PAUSED:
                status = S.CONNECTION_STATUS_ACTIVE if current.last_event_at else S.CONNECTION_STATUS_PENDING
            # Store API keys were given for one store: a new store URL drops them, so they are never
            # sent to another host without being entered again (SetConnectionCredentials).
            moved = (
                current.provider == P.INTEGRATION_PROVIDER_WOOCOMMERCE
                and merged.woocommerce.store_url != current.settings.woocommerce.store_url
            )
            await session.execute(
                text(
                    "UPDATE connections SET display_name = :name, enabled = :enabled, imported_kinds = "
                    ":kinds, settings = :settings, status = :status, updated_at = now(), "
                    "access_token_enc = CASE WHEN :moved THEN NULL ELSE access_token_enc END WHERE id = :id"
                ),
                {
                    "name": merged.display_name,
                    "enabled": merged.enabled,
                    "kinds": list(merged.imported_kinds),
                    "settings": settings_only(merged).SerializeToString(),
                    "status": status,
                    "moved": moved,
                    "id": connection_id,
                },
            )
            return await self._load(session, org_id, connection_id)

    async def _delete_connection(self, org_id: str, site_id: str, connection_id: str) -> None:
        async with self.db.tenant_session(org_id) as session:
            current = await self._load(session, org_id, connection_id)
            if current.site_id != site_id:
                raise NotFound("Connection not found", reason="CONNECTION_NOT_FOUND")
            await session.execute(
                text("DELETE FROM connection_routes WHERE connection_id = :id"), {"id": connection_id}
            )
            await session.execute(text("DELETE FROM connections WHERE id = :id"), {"id": connection_id})

    async def _rotate_secret(
        self, org_id: str, site_id: str, connection_id: str, overlap: timedelta | None, provider_secret: str
    ) -> tuple[ConnectionRecord, str]:
        overlap = DEFAULT_OVERLAP if overlap is None else overlap
        with validate("Invalid rotation") as v:
            v.check(timedelta(0) <= overlap <= MAX_OVERLAP, "overlap", "must be between 0 and 7 days")
            v.check(len(provider_secret) <= 256, "provider_signing_secret", "at most 256 characters")
        async with self.db.tenant_session(org_id) as session:
            current = await self._load(session, org_id, connection_id)
            if current.site_id != site_id:
                raise NotFound("Connection not found", reason="CONNECTION_NOT_FOUND")
            secret = provider_secret or _new_secret()
            await session.execute(
                text(
                    "UPDATE connections SET previous_secret_enc = CASE WHEN :keep THEN secret_enc END, "
                    "previous_secret_expires_at = CASE WHEN :keep THEN :expires END, secret_enc = :secret, "
                    "secret_hint = :hint, secret_rotated_at = now(), updated_at = now() WHERE id = :id"
                ),
                {
                    "keep": overlap > timedelta(0),
                    "expires": _now() + overlap,
                    "secret": self._seal(org_id, connection_id, secret),
                    "hint": secret[-4:],
                    "id": connection_id,
                },
            )
            record = await self._load(session, org_id, connection_id)
        return record, "" if provider_secret else secret

    # The webhook path caches connections briefly: every change here drops that copy after its commit.
    async def update_connection(
        self, org_id: str, site_id: str, connection_id: str, changes: Connection, paths: Sequence[str]
    ) -> ConnectionRecord:
        try:
            return await self._update_connection(org_id, site_id, connection_id, changes, paths)
        finally:
            self.forget_connection(connection_id)

    async def delete_connection(self, org_id: str, site_id: str, connection_id: str) -> None:
        try:
            await self._delete_connection(org_id, site_id, connection_id)
        finally:
            self.forget_connection(connection_id)

    async def rotate_secret(
        self, org_id: str, site_id: str, connection_id: str, overlap: timedelta | None, provider_secret: str
    ) -> tuple[ConnectionRecord, str]:
        try:
            return await self._rotate_secret(org_id, site_id, connection_id, overlap, provider_secret)
        finally:
            self.forget_connection(connection_id)

    # ---- inbound webhooks ----------------------------------------------------------------------

    async def receive_webhook(
        self, provider_segment: str, connection_id: str, body: bytes, headers: Mapping[str, str]
    ) -> ReceiveResult:
        provider = PROVIDER_SEGMENTS.get(provider_segment)
        hot = await self._webhook_connection(provider, connection_id)
        conn = hot.conn
        org_id, site_id = conn.org_id, conn.site_id
        now = _now()
        topic, delivery_id = self._delivery_identity(conn.provider, headers, body)
        if len(body) > self.config.max_body_bytes:
            await self._reject(
                conn, O.WEBHOOK_OUTCOME_REJECTED_TOO_LARGE, "body too large", topic, delivery_id, len(body)
            )
            raise ResourceExhausted(
                f"The body is larger than {self.config.max_body_bytes} bytes", reason="WEBHOOK_BODY_TOO_LARGE"
            )
        secrets_ = hot.secrets()
        try:
            verified = self._verify(conn, body, headers, secrets_, now.timestamp())
        except signatures.SignatureError as error:
            stale = error.failure is signatures.SignatureFailure.STALE
            outcome = O.WEBHOOK_OUTCOME_REJECTED_STALE if stale else O.WEBHOOK_OUTCOME_REJECTED_SIGNATURE
            await self._reject(conn, outcome, error.failure.value, topic, delivery_id, len(body))
            reason = "WEBHOOK_TIMESTAMP_STALE" if stale else f"WEBHOOK_SIGNATURE_{error.failure.name}"
            raise Unauthenticated(f"Webhook rejected: {error.failure.value}", reason=reason) from None
        ctx = DeliveryContext(
            org_id=org_id,
            site_id=site_id,
            connection_id=conn.id,
            received_at=now,
            imported_kinds=frozenset(conn.imported_kinds),
            shop_domain=conn.settings.shopify.shop_domain,
            mark_verified=conn.settings.generic.mapping.mark_verified,
        )
        try:
            payload = normalize.parse_json_object(body)
            result, violations = self._normalize(conn, topic, payload, ctx)
        except MalformedPayload as error:
            await self._reject(
                conn, O.WEBHOOK_OUTCOME_REJECTED_MALFORMED, str(error), topic, delivery_id, len(body)
            )
            raise InvalidArgument(
                "The webhook body is malformed",
                violations=[Fv("http_body", str(error))],
                reason="WEBHOOK_MALFORMED",
            ) from None
        if conn.provider == P.INTEGRATION_PROVIDER_STRIPE:
            topic = str(payload.get("type", ""))[:100]
            delivery_id = str(payload.get("id", ""))[:200] or delivery_id
        errors = [v for v in violations if v.severity == mapping_rules.ERROR]
        if not conn.enabled:
            outcome, error_text = O.WEBHOOK_OUTCOME_IGNORED, "connection is paused"
            result = Normalized(ignored_reason="connection is paused", test=result.test)
        elif errors and not result.activities and not result.retractions:
            outcome, error_text = O.WEBHOOK_OUTCOME_MAPPING_FAILED, errors[0].description[:300]
        elif result.ignored_reason:
            outcome, error_text = O.WEBHOOK_OUTCOME_IGNORED, result.ignored_reason
        else:
            outcome, error_text = O.WEBHOOK_OUTCOME_ACCEPTED, ""
        if outcome != O.WEBHOOK_OUTCOME_ACCEPTED:
            result = Normalized(ignored_reason=result.ignored_reason, test=result.test)
        return await self._accept(conn, result, outcome, error_text, topic, delivery_id, len(body), verified)

    async def _webhook_connection(self, provider: int | None, connection_id: str) -> _HotConnection:
        """The connection of a webhook URL, from the short-lived cache or the database."""
        try:
            uuid.UUID(connection_id)
            valid_id = len(connection_id) == 36
        except ValueError:
            valid_id = False
        connection_id = connection_id.lower()
        hot = self._hot.get(connection_id) if valid_id else None
        if (hot is None or hot.expires < time.monotonic()) and provider is not None and valid_id:
            # One fill per connection at a time: when the entry expires, every delivery in flight for
            # that connection (all of them, under load) would otherwise run its own two lookups and
            # decryptions, and queue behind one another for pool connections.
            fill = self._filling.get(connection_id)
            if fill is None:
                fill = asyncio.ensure_future(self._fill_connection(connection_id))
                self._filling[connection_id] = fill
                fill.add_done_callback(functools.partial(self._fill_done, connection_id))
            hot = await asyncio.shield(fill)
        if hot is None or hot.conn.provider != provider:
            # One answer for unknown provider, unknown id and mismatch: the URL is the only secret-free hint.
            raise NotFound("Unknown webhook URL", reason="WEBHOOK_NOT_FOUND")
        return hot

    def _fill_done(self, connection_id: str, fill: asyncio.Future[_HotConnection | None]) -> None:
        if self._filling.get(connection_id) is fill:
            del self._filling[connection_id]
        if not fill.cancelled():
            fill.exception()  # read: each waiting delivery reports it

    async def _fill_connection(self, connection_id: str) -> _HotConnection | None:
        async with self.db.session() as session:
            route = (
                await session.execute(
                    text(
                        "SELECT org_id::text, site_id::text, provider FROM connection_routes WHERE "
                        "connection_id = :id"
                    ),
                    {"id": connection_id},
                )
            ).one_or_none()
        if route is None:
            return None
        async with self.db.tenant_session(route[0]) as session:
            conn = await self._load(session, route[0], connection_id)
        hot = _HotConnection(
            conn,
            self._open(conn.org_id, conn.id, conn.secret_enc) if conn.secret_enc else "",
            self._open(conn.org_id, conn.id, conn.previous_secret_enc) if conn.previous_secret_enc else "",
            time.monotonic() + self.config.connection_cache_seconds,
        )
        # A change made through this process while the fill ran dropped the fill: keep it out of the cache.
        if self._filling.get(connection_id) is asyncio.current_task():
            if len(self._hot) > 10_000:  # bounded: many connections per process is fine, unbounded is not
                self._hot.clear()
            self._hot[connection_id] = hot
        return hot

    def forget_connection(self, connection_id: str) -> None:
        """Drops the cached webhook view of a connection after a change (settings, secrets, delete)."""
        self._hot.pop(connection_id.lower(), None)
        self._filling.pop(connection_id.lower(), None)

    def _delivery_identity(self, provider: int, headers: Mapping[str, str], body: bytes) -> tuple[str, str]:
        if provider == P.INTEGRATION_PROVIDER_SHOPIFY:
            return headers.get("x-shopify-topic", "")[:100], headers.get("x-shopify-webhook-id", "")[:200]
        if provider == P.INTEGRATION_PROVIDER_WOOCOMMERCE:
            return headers.get("x-wc-webhook-topic", "")[:100], headers.get("x-wc-webhook-delivery-id", "")[
                :200
            ]
        if provider == P.INTEGRATION_PROVIDER_GENERIC:
            given = headers.get("x-socialproof-delivery-id", "")[:200]
            # Without a delivery id, the signed timestamp and body identify the delivery: a replay of
            # the very same signed request inside the window is then a duplicate.
            fallback = (
                "sha256:"
                + hashlib.sha256(
                    headers.get("x-socialproof-timestamp", "").encode() + b"." + body
                ).hexdigest()
            )
            return "", given or fallback
        return "", ""

    def _verify(
        self, conn: ConnectionRecord, body: bytes, headers: Mapping[str, str], keys: list[str], now: float
    ) -> signatures.Verified:
        if not keys:
            raise signatures.SignatureError(signatures.SignatureFailure.MISMATCH)
        if conn.provider == P.INTEGRATION_PROVIDER_SHOPIFY:
            return signatures.verify_shopify(body, headers.get("x-shopify-hmac-sha256"), keys)
        if conn.provider == P.INTEGRATION_PROVIDER_WOOCOMMERCE:
            return signatures.verify_woocommerce(body, headers.get("x-wc-webhook-signature"), keys)
        if conn.provider == P.INTEGRATION_PROVIDER_STRIPE:
            tolerance = conn.settings.stripe.timestamp_tolerance.ToTimedelta().total_seconds()
            return signatures.verify_stripe(
                body,
                headers.get("stripe-signature"),
                keys,
                now=now,
                tolerance=tolerance or self.config.default_tolerance_seconds,
            )
        tolerance = conn.settings.generic.timestamp_tolerance.ToTimedelta().total_seconds()
        return signatures.verify_generic(
            body,
            headers.get("x-socialproof-signature"),
            headers.get("x-socialproof-timestamp"),
            keys,
            now=now,
            tolerance=tolerance or self.config.default_tolerance_seconds,
        )

    def _normalize(
        self, conn: ConnectionRecord, topic: str, payload: dict[str, Any], ctx: DeliveryContext
    ) -> tuple[Normalized, list[mapping_rules.Violation]]:
        if conn.provider == P.INTEGRATION_PROVIDER_SHOPIFY:
            return normalize.normalize_shopify(topic, payload, ctx), []
        if conn.provider == P.INTEGRATION_PROVIDER_WOOCOMMERCE:
            return normalize.normalize_woocommerce(topic, payload, ctx), []
        if conn.provider == P.INTEGRATION_PROVIDER_STRIPE:
            account = conn.settings.stripe.account_id
            if account and payload.get("account") not in (None, account):
                return Normalized(ignored_reason="event belongs to another Stripe account"), []
            return normalize.normalize_stripe(payload, ctx), []
        return mapping_rules.apply_mapping(conn.settings.generic.mapping, payload, ctx)

    async def _reject(
        self, conn: ConnectionRecord, outcome: int, error: str, topic: str, delivery_id: str, size: int
    ) -> None:
        async with self.db.tenant_session(conn.org_id) as session:
            await session.execute(
                text(
                    "INSERT INTO webhook_receipts (id, org_id, connection_id, provider, topic, "
                    "provider_delivery_id, "
                    "outcome, error, body_bytes) VALUES (:id, :org, :conn, :provider, :topic, :did, "
                    ":outcome, :error, :size)"
                ),
                {
                    "id": str(uuid.uuid4()),
                    "org": conn.org_id,
                    "conn": conn.id,
                    "provider": conn.provider,
                    "topic": topic,
                    "did": delivery_id or None,
                    "outcome": outcome,
                    "error": error,
                    "size": size,
                },
            )
            await session.execute(
                text("UPDATE connections SET last_error = :error, last_error_at = now() WHERE id = :id"),
                {"error": error, "id": conn.id},
            )

    async def _accept(
        self,
        conn: ConnectionRecord,
        result: Normalized,
        outcome: int,
        error: str,
        topic: str,
        delivery_id: str,
        size: int,
        verified: signatures.Verified,
    ) -> ReceiveResult:
        receipt_id = str(uuid.uuid4())
        org_id, site_id = conn.org_id, conn.site_id
        staged: list[tuple[str, bytes]] = []
        samples: list[ZapierSample] = []
        recorded, retracted = (
            WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED,
            WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RETRACTED,
        )
        for activity in result.activities:
            staged.append(self.publisher.staged(self.publisher.recorded_envelope(org_id, site_id, activity)))
            event_id = _event_id(org_id, recorded, activity.activity_id)
            sample = zapier_sample(recorded, event_id, activity, None, activity.occurred_at)
            if sample is not None:
                samples.append(sample)
        for retraction in result.retractions:
            key = f"{conn.id}:{delivery_id}:{retraction.source_ref}"
            staged.append(self.publisher.staged(self.publisher.retracted_envelope(org_id, retraction, key)))
            when = Timestamp()
            when.FromDatetime(_now())
            event_id = _event_id(org_id, retracted, retraction.source_ref)
            sample = zapier_sample(retracted, event_id, None, retraction, when)
            if sample is not None:
                samples.append(sample)
        row = {
            "id": receipt_id,
            "conn": conn.id,
            "provider": conn.provider,
            "topic": topic,
            "did": delivery_id or None,
            "outcome": outcome,
            "error": error,
            "test": result.test,
            "size": size,
            "acts": ",".join(a.activity_id for a in result.activities),
            "retr": len(result.retractions),
            "prev": verified.previous_secret,
        }
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        # A request cancelled meanwhile (client gone) leaves its result unread: mark it read.
        done.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._accepting.setdefault(org_id, []).append(
            _Acceptance(conn, receipt_id, row, result, staged, samples, done)
        )
        if org_id not in self._committers:
            self._committers[org_id] = asyncio.create_task(self._commit_accepted(org_id))
        # A concurrent copy of this delivery (same batch or another transaction) finds the first one.
        first = await asyncio.shield(done)
        if first and first != receipt_id:  # its own id: a retried write found it committed
            return ReceiveResult(first, O.WEBHOOK_OUTCOME_DUPLICATE, 0, 0)
        return ReceiveResult(receipt_id, outcome, len(result.activities), len(result.retractions))

    async def _commit_accepted(self, org_id: str) -> None:
        """The organization's committer: writes what accumulated while the previous batch was in flight."""
        try:
            while pending := self._accepting.pop(org_id, None):
                for start in range(0, len(pending), ACCEPT_BATCH):
                    batch = pending[start : start + ACCEPT_BATCH]
                    try:
                        firsts = await self._write_accepted(org_id, batch)
                    except Exception as error:  # each waiting request reports it (the provider retries)
                        log.exception("webhook receipts could not be stored")
                        for item in batch:
                            if not item.done.done():
                                item.done.set_exception(error)
                        continue
                    for item in batch:
                        if not item.done.done():
                            item.done.set_result(firsts.get(item.receipt_id, ""))
        finally:
            self._committers.pop(org_id, None)

    def _accept_params(self, org_id: str, batch: list[_Acceptance]) -> dict[str, Any]:
        outbox: list[dict[str, Any]] = []
        samples: list[dict[str, Any]] = []
        for item in batch:
            rid, site, conn = item.receipt_id, item.conn.site_id, item.conn.id
            for key, envelope in item.staged:
                outbox.append(
                    {
                        "rid": rid,
                        "site": site,
                        "conn": conn,
                        "k": key,
                        "e": _b64(envelope),
                        "seq": len(outbox),
                    }
                )
            for x in item.samples:
                samples.append(
                    {
                        "rid": rid,
                        "site": site,
                        "t": x.event_type,
                        "i": x.id,
                        "a": x.occurred_at.ToJsonString(),
                        "b": _b64(x.SerializeToString()),
                    }
                )
        return {
            "org": org_id,
            "receipts": json.dumps([item.row for item in batch]),
            "outbox": json.dumps(outbox),
            "samples": json.dumps(samples),
        }

    async def _write_accepted(self, org_id: str, batch: list[_Acceptance]) -> dict[str, str]:
        """One transaction for the batch; returns receipt id → first receipt id for duplicates (a
        delivery's own id when a retried write finds it already committed)."""
        params = self._accept_params(org_id, batch)
        inserted: set[str] | None = None
        if org_id not in self._subscribed:
            inserted = await self._write_accepted_raw(params)
        if inserted is None:  # outbound subscriptions want the facts: the session path queues them
            inserted, wanted = await self._write_accepted_session(org_id, batch, params)
            # Its answer is as fresh as the raw path's: the next batch takes the path it points to.
            if wanted and len(self._subscribed) < 10_000:
                self._subscribed.add(org_id)
            elif not wanted:
                self._subscribed.discard(org_id)
        firsts: dict[str, str] = {}
        repeats = [item for item in batch if item.receipt_id not in inserted]
        if repeats:
            # Rare (a provider's retry racing its first delivery): the receipts they collided with are
            # committed (ON CONFLICT waited for them), so a second transaction finds them.
            async with self.db.tenant_session(org_id) as session:
                found = (
                    await session.execute(
                        text(
                            "SELECT connection_id::text, provider_delivery_id, id::text "
                            "FROM webhook_receipts WHERE connection_id = ANY(CAST(:conns AS uuid[])) "
                            "AND provider_delivery_id = ANY(CAST(:dids AS text[])) AND outcome IN (1, 3, 8)"
                        ),
                        {"conns": [i.conn.id for i in repeats], "dids": [i.row["did"] for i in repeats]},
                    )
                ).all()
            first_of = {(c, d): rid for c, d, rid in found}
            for item in repeats:
                firsts[item.receipt_id] = first_of[(item.conn.id, item.row["did"])]
        if any(item.staged for item in batch):
            self.outbox_wakeup.set()
        return firsts

    async def _write_accepted_raw(self, params: dict[str, Any]) -> set[str] | None:
        """The batch on a raw connection: the tenant setting and the statement in one function call
        (one query, one round trip, none of SQLAlchemy's per-session work). None: nothing was written
        because outbound subscriptions want the facts."""
        for attempt in (1, 2):
            try:
                async with self.raw.connection() as (conn, reused):
                    # No BEGIN/COMMIT: on an autocommit connection the one statement is its own
                    # transaction (the function's tenant setting is local to it).
                    found = await (await conn.execute(_ACCEPT_RAW, params)).fetchone()
            except psycopg.OperationalError:
                # A pooled connection the server dropped while idle fails its first use: once more on a
                # new one. If the first COMMIT did land, the second finds the receipts (as its own).
                if attempt == 2 or not reused:
                    raise
                continue
            assert found is not None  # the statement always answers one row
            inserted_ids, wanted = found
            return None if wanted else set(inserted_ids or [])
        raise AssertionError("unreachable")

    async def _write_accepted_session(
        self, org_id: str, batch: list[_Acceptance], params: dict[str, Any]
    ) -> tuple[set[str], bool]:
        """The batch through a tenant session, with the outbound deliveries of its new facts queued in
        the same transaction."""
        async with self.db.tenant_session(org_id) as session:
            driver = await driver_connection(session)
            async with driver.cursor() as accept:
                await accept.execute(_ACCEPT_MANY, params)
                found = await accept.fetchone()
            assert found is not None  # the statement always answers one row
            inserted_ids, wanted = found
            inserted = set(inserted_ids or [])
            if wanted:
                recorded, retracted = (
                    WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED,
                    WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RETRACTED,
                )
                for item in batch:
                    if item.receipt_id not in inserted:
                        continue
                    site = item.conn.site_id
                    for activity in item.result.activities:
                        await self._enqueue(session, org_id, site, recorded, activity=activity)
                    for retraction in item.result.retractions:
                        await self._enqueue(session, org_id, site, retracted, retraction=retraction)
        if wanted:
            self.outbound_wakeup.set()
        return inserted, bool(wanted)

    async def get_receipt(self, org_id: str, connection_id: str, receipt_id: str) -> Any:
        async with self.db.tenant_session(org_id) as session:
            row = (
                await session.execute(
                    text(
                        "SELECT id::text, provider, topic, coalesce(provider_delivery_id, ''), "
                        "outcome, error, test, "
                        "body_bytes, activity_ids, retraction_count, previous_secret, received_at "
                        "FROM webhook_receipts WHERE id = :id AND connection_id = :conn AND org_id = :org"
                    ),
                    {"id": receipt_id, "conn": connection_id, "org": org_id},
                )
            ).one_or_none()
        if row is None:
            raise NotFound("Webhook receipt not found", reason="WEBHOOK_RECEIPT_NOT_FOUND")
        return row

    async def list_receipts(self, org_id: str, connection_id: str, page_size: int) -> list[Any]:
        size = 50 if page_size <= 0 else min(page_size, 200)
        async with self.db.tenant_session(org_id) as session:
            return list(
                (
                    await session.execute(
                        text(
                            "SELECT id::text, provider, topic, coalesce(provider_delivery_id, ''), "
                            "outcome, error, test, "
                            "body_bytes, activity_ids, retraction_count, previous_secret, received_at "
                            "FROM webhook_receipts "
                            "WHERE connection_id = :conn ORDER BY received_at DESC LIMIT :limit"
                        ),
                        {"conn": connection_id, "limit": size},
                    )
                ).all()
            )

    # ---- mapping -------------------------------------------------------------------------------

    async def test_delivery(
        self,
        org_id: str,
        site_id: str,
        connection_id: str,
        payload_text: str,
        topic: str,
        mapping: PayloadMapping | None,
    ) -> TestDeliveryResult:
        with validate("Invalid test delivery") as v:
            v.check(len(payload_text.encode()) <= 256 * 1024, "payload", "at most 256 KiB")
        conn = await self.get_connection(org_id, site_id, connection_id)
        if mapping is not None:
            if conn.provider != P.INTEGRATION_PROVIDER_GENERIC:
                raise InvalidArgument(
                    "Only generic connections have a mapping",
                    violations=[Fv("mapping", "only for generic connections")],
                )
            problems = [
                p for p in mapping_rules.validate_mapping(mapping) if p.severity == mapping_rules.ERROR
            ]
            if problems:
                return TestDeliveryResult(Normalized(), problems)
            conn.settings.generic.mapping.CopyFrom(mapping)
        ctx = DeliveryContext(
            org_id=org_id,
            site_id=site_id,
            connection_id=conn.id,
            received_at=_now(),
            imported_kinds=frozenset(conn.imported_kinds),
            shop_domain=conn.settings.shopify.shop_domain,
            mark_verified=conn.settings.generic.mapping.mark_verified,
        )
        try:
            payload = normalize.parse_json_object(payload_text.encode())
            result, violations = self._normalize(conn, topic, payload, ctx)
        except MalformedPayload as error:
            raise InvalidArgument(
                "The sample payload is malformed", violations=[Fv("payload", str(error))]
            ) from None
        return TestDeliveryResult(result, violations)

    # ---- outbound webhooks ---------------------------------------------------------------------

    def _check_endpoint(self, url: str, field_name: str, v: Any) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        host = parts.hostname or ""
        loopback = host in ("127.0.0.1", "localhost", "::1")
        if parts.scheme == "https" and host and not loopback:
            private = host.startswith(("10.", "192.168.", "169.254.")) or host.endswith(".local")
            v.check(not private, field_name, "private and link-local addresses are refused")
            return
        v.check(
            parts.scheme == "http" and loopback and self.config.allow_loopback_http,
            field_name,
            "must be an https:// URL",
        )

    async def create_subscription(
        self,
        org_id: str,
        endpoint_url: str,
        event_types: Sequence[int],
        sites: Sequence[str],
        description: str,
        enabled: bool,
        max_attempts: int,
        request_id: str,
    ) -> tuple[dict[str, Any], str]:
        self._validate_subscription(org_id, endpoint_url, event_types, sites, description, max_attempts)
        secret = _new_secret()
        subscription_id = str(uuid.uuid4())
        async with self.db.tenant_session(org_id) as session:
            if request_id:
                found = (
                    await session.execute(
                        text(
                            "SELECT id::text FROM webhook_subscriptions WHERE org_id = :org AND "
                            "request_id = :rid"
                        ),
                        {"org": org_id, "rid": request_id},
                    )
                ).scalar_one_or_none()
                if found:
                    return await self._subscription(session, org_id, found), ""
            await session.execute(
                text(
                    "INSERT INTO webhook_subscriptions (id, org_id, endpoint_url, event_types, sites, "
                    "description, enabled, "
                    "secret_enc, secret_hint, max_attempts, request_id) VALUES (:id, :org, :url, :types, "
                    ":sites, :desc, "
                    ":enabled, :secret, :hint, :max, :rid)"
                ),
                {
                    "id": subscription_id,
                    "org": org_id,
                    "url": endpoint_url,
                    "types": list(event_types),
                    "sites": list(sites),
                    "desc": description,
                    "enabled": enabled,
                    "secret": self._seal(org_id, subscription_id, secret),
                    "hint": secret[-4:],
                    "max": max_attempts or outbound.DEFAULT_MAX_ATTEMPTS,
                    "rid": request_id or None,
                },
            )
            return await self._subscription(session, org_id, subscription_id), secret

    def _validate_subscription(
        self,
        org_id: str,
        endpoint_url: str,
        event_types: Sequence[int],
        sites: Sequence[str],
        description: str,
        max_attempts: int,
    ) -> None:
        with validate("Invalid webhook subscription") as v:
            if v.require(endpoint_url, "webhook_subscription.endpoint_url"):
                self._check_endpoint(endpoint_url, "webhook_subscription.endpoint_url", v)
            v.require(list(event_types), "webhook_subscription.event_types")
            for index, kind in enumerate(event_types):
                v.check(
                    kind in outbound.WIRE_NAMES,
                    f"webhook_subscription.event_types[{index}]",
                    "unknown event type",
                )
            for index, site in enumerate(sites):
                v.check(
                    site.startswith(f"organizations/{org_id}/sites/"),
                    f"webhook_subscription.sites[{index}]",
                    "must be a site of this organization",
                )
            v.check(len(description) <= 200, "webhook_subscription.description", "at most 200 characters")
            v.check(
                0 <= max_attempts <= outbound.MAX_MAX_ATTEMPTS,
                "webhook_subscription.max_attempts",
                "must be 0..15",
            )

    async def update_subscription(
        self, org_id: str, subscription_id: str, changes: Mapping[str, Any], paths: Sequence[str]
    ) -> dict[str, Any]:
        """Applies the masked fields of `changes` (endpoint_url, event_types, sites, description,
        enabled, max_attempts); queued deliveries keep their URL lookup, so a new URL applies at once."""
        allowed = ("endpoint_url", "event_types", "sites", "description", "enabled", "max_attempts")
        with validate("Invalid update") as v:
            v.check(bool(paths), "update_mask", "is required")
            for path in paths:
                v.check(path in allowed, "update_mask", f"{path!r} cannot be updated")
        async with self.db.tenant_session(org_id) as session:
            current = await self._subscription(session, org_id, subscription_id)
            merged = {key: current[key] for key in allowed}
            for path in paths:
                merged[path] = changes[path]
            self._validate_subscription(
                org_id,
                merged["endpoint_url"],
                merged["event_types"],
                merged["sites"],
                merged["description"],
                merged["max_attempts"],
            )
            await session.execute(
                text(
                    "UPDATE webhook_subscriptions SET endpoint_url = :url, event_types = :types, "
                    "sites = :sites, description = :desc, enabled = :enabled, max_attempts = :max, "
                    "updated_at = now() WHERE id = :id AND org_id = :org AND kind = 0"
                ),
                {
                    "url": merged["endpoint_url"],
                    "types": list(merged["event_types"]),
                    "sites": list(merged["sites"]),
                    "desc": merged["description"],
                    "enabled": merged["enabled"],
                    "max": merged["max_attempts"] or outbound.DEFAULT_MAX_ATTEMPTS,
                    "id": subscription_id,
                    "org": org_id,
                },
            )
            return await self._subscription(session, org_id, subscription_id)

    async def rotate_subscription_secret(
        self, org_id: str, subscription_id: str, overlap: timedelta | None
    ) -> tuple[dict[str, Any], str]:
        overlap = DEFAULT_OVERLAP if overlap is None else overlap
        with validate("Invalid rotation") as v:
            v.check(timedelta(0) <= overlap <= MAX_OVERLAP, "overlap", "must be between 0 and 7 days")
        secret = _new_secret()
        async with self.db.tenant_session(org_id) as session:
            await self._subscription(session, org_id, subscription_id)
            await session.execute(
                text(
                    "UPDATE webhook_subscriptions "
                    "SET previous_secret_enc = CASE WHEN :keep THEN secret_enc END, "
                    "previous_secret_expires_at = CASE WHEN :keep THEN CAST(:expires AS timestamptz) END, "
                    "secret_enc = :secret, secret_hint = :hint, updated_at = now() WHERE id = :id"
                ),
                {
                    "keep": overlap > timedelta(0),
                    "expires": _now() + overlap,
                    "secret": self._seal(org_id, subscription_id, secret),
                    "hint": secret[-4:],
                    "id": subscription_id,
                },
            )
            return await self._subscription(session, org_id, subscription_id), secret

    async def _subscription(self, session: AsyncSession, org_id: str, subscription_id: str) -> dict[str, Any]:
        row = (
            (
                await session.execute(
                    text(
                        "SELECT id::text, endpoint_url, event_types, sites, description, enabled, "
                        "secret_hint, "
                        "previous_secret_expires_at, max_attempts, created_at, updated_at FROM "
                        "webhook_subscriptions "
                        "WHERE id = :id AND org_id = :org AND kind = 0"
                    ),
                    {"id": subscription_id, "org": org_id},
                )
            )
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise NotFound("Webhook subscription not found", reason="WEBHOOK_SUBSCRIPTION_NOT_FOUND")
        return dict(row)

    async def get_subscription(self, org_id: str, subscription_id: str) -> dict[str, Any]:
        async with self.db.tenant_session(org_id) as session:
            return await self._subscription(session, org_id, subscription_id)

    async def list_subscriptions(self, org_id: str) -> list[dict[str, Any]]:
        async with self.db.tenant_session(org_id) as session:
            ids = (
                (
                    await session.execute(
                        text(
                            "SELECT id::text FROM webhook_subscriptions WHERE org_id = :org AND kind = 0 "
                            "ORDER BY created_at DESC LIMIT 200"
                        ),
                        {"org": org_id},
                    )
                )
                .scalars()
                .all()
            )
            return [await self._subscription(session, org_id, i) for i in ids]

    async def delete_subscription(self, org_id: str, subscription_id: str) -> None:
        async with self.db.tenant_session(org_id) as session:
            await self._subscription(session, org_id, subscription_id)
            await self._cancel_pending(session, subscription_id)
            await session.execute(
                text("DELETE FROM webhook_subscriptions WHERE id = :id"), {"id": subscription_id}
            )

    async def _cancel_pending(self, session: AsyncSession, subscription_id: str) -> None:
        pending = (
            (
                await session.execute(
                    text(
                        "UPDATE webhook_deliveries SET state = :cancelled, completed_at = now(), "
                        "next_attempt_at = NULL "
                        "WHERE subscription_id = :id AND state IN (:pending, :retrying) RETURNING id"
                    ),
                    {
                        "cancelled": D.WEBHOOK_DELIVERY_STATE_CANCELLED,
                        "id": subscription_id,
                        "pending": D.WEBHOOK_DELIVERY_STATE_PENDING,
                        "retrying": D.WEBHOOK_DELIVERY_STATE_RETRYING,
                    },
                )
            )
            .scalars()
            .all()
        )
        await session.execute(
            text("DELETE FROM outbound_queue WHERE delivery_id = ANY(:ids)"), {"ids": list(pending)}
        )

    async def _enqueue(
        self,
        session: AsyncSession,
        org_id: str,
        site_id: str,
        event_type: int,
        *,
        activity: Any = None,
        retraction: Any = None,
        generic: Mapping[str, str] | None = None,
        only_subscription: str | None = None,
        event_id: str | None = None,
    ) -> list[str]:
        """Queues one delivery per matching subscription, in the caller's transaction (nothing is lost
        between the fact and its deliveries)."""
        subs = (
            await session.execute(
                text(
                    "SELECT id::text, event_types, sites, max_attempts, kind, site_id::text, activity_kinds "
                    "FROM webhook_subscriptions WHERE org_id = :org AND (enabled OR id::text = :only)"
                ),
                {"org": org_id, "only": only_subscription or ""},
            )
        ).all()
        key = (
            activity.activity_id
            if activity is not None
            else (retraction.source_ref if retraction is not None else "")
        )
        event_id = (event_id or _event_id(org_id, event_type, key)) if key else str(uuid.uuid4())
        payload = WebhookPayload(
            id=event_id,
            type=outbound.WIRE_NAMES[event_type],
            organization=f"organizations/{org_id}",
            site=site_name(org_id, site_id) if site_id else "",
        )
        payload.occurred_at.FromDatetime(_now())
        if activity is not None:
            payload.activity.CopyFrom(activity)
            payload.occurred_at.CopyFrom(activity.occurred_at)
        if retraction is not None:
            payload.retraction.CopyFrom(retraction)
        if generic is not None:
            payload.generic.values.update(generic)
        body = json.dumps(json_format.MessageToDict(payload), separators=(",", ":"), ensure_ascii=False)
        sample = zapier_sample(event_type, event_id, activity, retraction, payload.occurred_at)
        if sample is not None and site_id:
            await session.execute(
                text(
                    "INSERT INTO recent_events (org_id, site_id, event_type, item_id, occurred_at, sample) "
                    "VALUES (:org, :site, :type, :item, :at, :sample) ON CONFLICT DO NOTHING"
                ),
                {
                    "org": org_id,
                    "site": site_id,
                    "type": event_type,
                    "item": sample.id,
                    "at": sample.occurred_at.ToDatetime(tzinfo=UTC),
                    "sample": sample.SerializeToString(),
                },
            )
            await trim_samples(session, site_id, event_type)
        queued: list[str] = []
        for sub_id, types, sites, max_attempts, kind, hook_site, hook_kinds in subs:
            if only_subscription is not None and sub_id != only_subscription:
                continue
            if only_subscription is None and event_type not in (types or []):
                continue
            if sites and site_id and site_name(org_id, site_id) not in sites:
                continue
            delivered = body
            if kind == ZAPIER_HOOK_KIND:
                # A Zapier hook belongs to one site and gets Zapier's flat item, optionally only for
                # some activity kinds (a retraction carries no kind, so it always passes).
                if sample is None or hook_site != site_id:
                    continue
                if hook_kinds and activity is not None and activity.kind not in hook_kinds:
                    continue
                delivered = zapier_json(sample)
            delivery_id = str(uuid.uuid4())
            created = (
                await session.execute(
                    text(
                        "INSERT INTO webhook_deliveries (id, org_id, subscription_id, event_id, "
                        "event_type, state, "
                        "max_attempts, next_attempt_at, payload_json) VALUES (:id, :org, :sub, :event, "
                        ":type, :state, "
                        ":max, now(), :payload) ON CONFLICT DO NOTHING RETURNING id::text"
                    ),
                    {
                        "id": delivery_id,
                        "org": org_id,
                        "sub": sub_id,
                        "event": event_id,
                        "type": event_type,
                        "state": D.WEBHOOK_DELIVERY_STATE_PENDING,
                        "max": max_attempts,
                        "payload": delivered,
                    },
                )
            ).scalar_one_or_none()
            if created:
                await session.execute(
                    text(
                        "INSERT INTO outbound_queue (delivery_id, org_id, due_at) VALUES (:id, :org, now())"
                    ),
                    {"id": delivery_id, "org": org_id},
                )
                queued.append(delivery_id)
        return queued

    async def deliver_due(self, limit: int = 20) -> int:
        """One pass of the delivery worker: leases due deliveries and attempts each once."""
        async with self.db.session() as session:
            due = (
                await session.execute(
                    text(
                        "UPDATE outbound_queue SET leased_until = now() + make_interval(secs => :lease) "
                        "WHERE delivery_id IN "
                        "(SELECT delivery_id FROM outbound_queue WHERE due_at <= now() AND (leased_until "
                        "IS NULL OR "
                        "leased_until < now()) ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED) "
                        "RETURNING delivery_id::text, org_id::text"
                    ),
                    {"lease": self.config.lease_seconds, "limit": limit},
                )
            ).all()
        if due:
            await asyncio.gather(*(self._attempt(d, org) for d, org in due))
        return len(due)

    async def _attempt(self, delivery_id: str, org_id: str) -> None:
        async with self.db.tenant_session(org_id) as session:
            row = (
                await session.execute(
                    text(
                        "SELECT d.state, d.attempt_count, d.max_attempts, d.payload_json, "
                        "d.event_id::text, d.event_type, "
                        "s.id::text, s.endpoint_url, s.secret_enc, s.previous_secret_enc, "
                        "s.previous_secret_expires_at, s.kind "
                        "FROM webhook_deliveries d LEFT JOIN webhook_subscriptions s ON s.id = "
                        "d.subscription_id "
                        "WHERE d.id = :id"
                    ),
                    {"id": delivery_id},
                )
            ).one_or_none()
            if (
                row is None
                or row[6] is None
                or row[0] not in (D.WEBHOOK_DELIVERY_STATE_PENDING, D.WEBHOOK_DELIVERY_STATE_RETRYING)
            ):
                await session.execute(
                    text("DELETE FROM outbound_queue WHERE delivery_id = :id"), {"id": delivery_id}
                )
                return
        state, attempts, max_attempts, payload_json, event_id, event_type, sub_id, url = row[:8]
        keys = self._secrets(org_id, sub_id, row[8], row[9], row[10])
        body = payload_json.encode()
        timestamp = int(time.time())
        started = _now()
        result: HttpResult = await self.sender.post(
            url,
            body,
            {
                "Content-Type": "application/json",
                "SocialProof-Event-Id": event_id,
                "SocialProof-Event-Type": outbound.WIRE_NAMES.get(event_type, ""),
                "SocialProof-Signature": outbound.signature_header(keys, timestamp, body),
                "User-Agent": "SocialProof-Webhooks/1",
            },
        )
        attempt_number = attempts + 1
        decision = outbound.after_attempt(
            succeeded=outbound.is_success(result.status),
            attempt_count=attempt_number,
            max_attempts=max_attempts,
            now=_now(),
            policy=self.config.retry_policy,
        )
        new_state = {
            "succeeded": D.WEBHOOK_DELIVERY_STATE_SUCCEEDED,
            "retrying": D.WEBHOOK_DELIVERY_STATE_RETRYING,
            "dead_lettered": D.WEBHOOK_DELIVERY_STATE_DEAD_LETTERED,
        }[decision.state]
        # Zapier's REST hook contract: 410 Gone means the zap is off for good, so the hook is removed.
        hook_gone = row[11] == ZAPIER_HOOK_KIND and result.status == 410
        if hook_gone:
            new_state = D.WEBHOOK_DELIVERY_STATE_CANCELLED
            decision = outbound.AttemptOutcome(state="cancelled", next_attempt_at=None)
        async with self.db.tenant_session(org_id) as session:
            await session.execute(
                text(
                    "INSERT INTO webhook_delivery_attempts (delivery_id, attempt_number, org_id, "
                    "started_at, duration_ms, "
                    "response_code, response_excerpt, error) VALUES (:id, :n, :org, :start, :ms, :code, "
                    ":excerpt, :error) "
                    "ON CONFLICT DO NOTHING"
                ),
                {
                    "id": delivery_id,
                    "n": attempt_number,
                    "org": org_id,
                    "start": started,
                    "ms": result.duration_ms,
                    "code": result.status,
                    "excerpt": result.body_excerpt,
                    "error": result.error,
                },
            )
            await session.execute(
                text(
                    "UPDATE webhook_deliveries SET state = :state, attempt_count = :n, "
                    "last_response_code = :code, "
                    "next_attempt_at = CAST(:next AS timestamptz), "
                    "completed_at = CASE WHEN CAST(:next AS timestamptz) IS NULL THEN now() END WHERE id "
                    "= :id"
                ),
                {
                    "state": new_state,
                    "n": attempt_number,
                    "code": result.status,
                    "next": decision.next_attempt_at,
                    "id": delivery_id,
                },
            )
            if new_state == D.WEBHOOK_DELIVERY_STATE_SUCCEEDED:
                await session.execute(
                    text("UPDATE webhook_subscriptions SET last_delivery_at = now() WHERE id = :id"),
                    {"id": sub_id},
                )
            if hook_gone:
                await self._cancel_pending(session, sub_id)
                await session.execute(
                    text("DELETE FROM webhook_subscriptions WHERE id = :id"), {"id": sub_id}
                )
            if decision.next_attempt_at is None:
                await session.execute(
                    text("DELETE FROM outbound_queue WHERE delivery_id = :id"), {"id": delivery_id}
                )
            else:
                await session.execute(
                    text(
                        "UPDATE outbound_queue SET due_at = :due, leased_until = NULL WHERE delivery_id = :id"
                    ),
                    {"due": decision.next_attempt_at, "id": delivery_id},
                )

    async def get_delivery(
        self, org_id: str, delivery_id: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        async with self.db.tenant_session(org_id) as session:
            row = (
                (
                    await session.execute(
                        text(
                            "SELECT id::text, subscription_id::text, event_id::text, event_type, state, "
                            "attempt_count, "
                            "last_response_code, next_attempt_at, payload_json, redelivery_of::text, "
                            "created_at, completed_at "
                            "FROM webhook_deliveries WHERE id = :id AND org_id = :org"
                        ),
                        {"id": delivery_id, "org": org_id},
                    )
                )
                .mappings()
                .one_or_none()
            )
            if row is None:
                raise NotFound("Webhook delivery not found", reason="WEBHOOK_DELIVERY_NOT_FOUND")
            attempts = (
                (
                    await session.execute(
                        text(
                            "SELECT attempt_number, started_at, duration_ms, response_code, "
                            "response_excerpt, error "
                            "FROM webhook_delivery_attempts WHERE delivery_id = :id ORDER BY attempt_number"
                        ),
                        {"id": delivery_id},
                    )
                )
                .mappings()
                .all()
            )
        return dict(row), [dict(a) for a in attempts]

    async def list_deliveries(self, org_id: str, subscription_id: str | None, page_size: int) -> list[str]:
        size = 50 if page_size <= 0 else min(page_size, 200)
        async with self.db.tenant_session(org_id) as session:
            return list(
                (
                    await session.execute(
                        text(
                            "SELECT id::text FROM webhook_deliveries WHERE org_id = :org AND (:sub = '' OR "
                            "subscription_id::text = :sub) ORDER BY created_at DESC LIMIT :limit"
                        ),
                        {"org": org_id, "sub": subscription_id or "", "limit": size},
                    )
                )
                .scalars()
                .all()
            )

    async def redeliver(self, org_id: str, delivery_id: str, request_id: str) -> str:
        async with self.db.tenant_session(org_id) as session:
            if request_id:
                found = (
                    await session.execute(
                        text(
                            "SELECT id::text FROM webhook_deliveries WHERE org_id = :org AND request_id "
                            "= :rid"
                        ),
                        {"org": org_id, "rid": request_id},
                    )
                ).scalar_one_or_none()
                if found:
                    return str(found)
            original = (
                await session.execute(
                    text(
                        "SELECT d.subscription_id, d.event_id, d.event_type, d.payload_json, "
                        "s.max_attempts FROM "
                        "webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id "
                        "WHERE d.id = :id AND d.org_id = :org"
                    ),
                    {"id": delivery_id, "org": org_id},
                )
            ).one_or_none()
            if original is None:
                raise NotFound("Webhook delivery not found", reason="WEBHOOK_DELIVERY_NOT_FOUND")
            new_id = str(uuid.uuid4())
            await session.execute(
                text(
                    "INSERT INTO webhook_deliveries (id, org_id, subscription_id, event_id, event_type, "
                    "state, max_attempts, "
                    "next_attempt_at, payload_json, redelivery_of, request_id) VALUES (:id, :org, :sub, "
                    ":event, :type, "
                    ":state, :max, now(), :payload, :orig, :rid)"
                ),
                {
                    "id": new_id,
                    "org": org_id,
                    "sub": original[0],
                    "event": original[1],
                    "type": original[2],
                    "state": D.WEBHOOK_DELIVERY_STATE_PENDING,
                    "max": original[4],
                    "payload": original[3],
                    "orig": delivery_id,
                    "rid": request_id or None,
                },
            )
            await session.execute(
                text("INSERT INTO outbound_queue (delivery_id, org_id, due_at) VALUES (:id, :org, now())"),
                {"id": new_id, "org": org_id},
            )
        self.outbound_wakeup.set()
        return new_id

    async def test_subscription(self, org_id: str, subscription_id: str) -> str:
        async with self.db.tenant_session(org_id) as session:
            await self._subscription(session, org_id, subscription_id)
            queued = await self._enqueue(
                session,
                org_id,
                "",
                WebhookEventType.WEBHOOK_EVENT_TYPE_PING,
                generic={"message": "ping"},
                only_subscription=subscription_id,
            )
            # A ping is tried once; it is not retried.
            await session.execute(
                text("UPDATE webhook_deliveries SET max_attempts = 1 WHERE id = :id"), {"id": queued[0]}
            )
            await session.execute(
                text("DELETE FROM outbound_queue WHERE delivery_id = :id"), {"id": queued[0]}
            )
        await self._attempt(queued[0], org_id)
        return queued[0]

    async def run_outbound_worker(self, poll_seconds: float, stop: asyncio.Event) -> None:
        """The second entry point: delivers due webhooks until stop is set."""
        while not stop.is_set():
            try:
                worked = await self.deliver_due()
            except Exception:
                log.exception("outbound delivery pass failed")
                worked = 0
            if worked:
                continue
            self.outbound_wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.outbound_wakeup.wait(), poll_seconds)


__all__ = ["FailedPrecondition", "IntegrationsConfig", "IntegrationsService"]
