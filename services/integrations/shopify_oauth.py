"""Use cases of Shopify OAuth connect: install URL with a single-use state, and the callback."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import text

from services.integrations.adapters.shopify import ShopifyAdmin, ShopifyError
from services.integrations.domain import oauth
from services.integrations.domain.signatures import verify_shopify_query
from services.integrations.service import IntegrationsService
from shared.crypto import associated_data
from shared.errors import FailedPrecondition, InvalidArgument, validate
from shared.errors import FieldViolation as Fv
from socialproof.events.v1.integrations_events_pb2 import ConnectionStatus, IntegrationProvider
from socialproof.integrations.v1.connections_pb2 import Connection, ShopifySettings

log = logging.getLogger(__name__)

SHOPIFY = IntegrationProvider.INTEGRATION_PROVIDER_SHOPIFY
# Topics registered on the shop after a successful install (what normalize_shopify understands).
WEBHOOK_TOPICS = ("orders/create", "orders/paid", "orders/cancelled", "refunds/create", "customers/create")
CALLBACK_MAX_AGE = timedelta(minutes=10)


@dataclass(frozen=True)
class ShopifyApp:
    """The Shopify app's credentials and where things live (from settings)."""

    client_id: str
    client_secret: str
    scopes: str
    redirect_uri: str
    dashboard_url: str
    state_ttl: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class InstallStart:
    install_url: str
    state: str
    expire_time: datetime
    connection: str


@dataclass(frozen=True)
class CallbackPage:
    ok: bool
    reason: str  # "" when ok, else a stable UPPER_SNAKE code (also in the redirect's query)
    html: bytes


class CallbackRejected(Exception):
    def __init__(self, reason: str, message: str, return_path: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.return_path = return_path


def token_aad(org_id: str, connection_id: str) -> bytes:
    return associated_data(org_id, connection_id, "shopify_access_token")


class ShopifyOAuth:
    def __init__(self, core: IntegrationsService, admin: ShopifyAdmin, app: ShopifyApp) -> None:
        self.core = core
        self.admin = admin
        self.app = app

    def _configured(self) -> None:
        if not (self.app.client_id and self.app.client_secret):
            raise FailedPrecondition(
                "The Shopify app is not configured (SP_SHOPIFY_CLIENT_ID / SP_SHOPIFY_CLIENT_SECRET)",
                reason="SHOPIFY_APP_NOT_CONFIGURED",
            )

    async def start(
        self, org_id: str, site_id: str, shop_domain: str, connection_id: str | None, return_path: str
    ) -> InstallStart:
        shop = oauth.normalize_shop(shop_domain)
        with validate("Invalid install request") as v:
            v.check(bool(shop), "shop_domain", "must be a *.myshopify.com shop domain")
            v.check(oauth.safe_return_path(return_path), "return_path", "must be a relative dashboard path")
        self._configured()
        if connection_id:
            record = await self.core.get_connection(org_id, site_id, connection_id)
            if record.provider != SHOPIFY:
                raise InvalidArgument(
                    "Only Shopify connections can be authorized",
                    violations=[Fv("connection", "must be a Shopify connection")],
                )
        else:
            record, _secret = await self.core.create_connection(
                org_id,
                site_id,
                Connection(provider=SHOPIFY, display_name=shop, shopify=ShopifySettings(shop_domain=shop)),
                "",
                "",
            )
        expires = datetime.now(UTC).replace(microsecond=0) + self.app.state_ttl
        state = oauth.new_state(self.app.client_secret, int(expires.timestamp()), shop)
        async with self.core.db.session() as session:
            await session.execute(
                text(
                    "INSERT INTO oauth_states (state_hash, org_id, site_id, connection_id, shop_domain, "
                    "return_path, expires_at) VALUES (:hash, :org, :site, :conn, :shop, :path, :expires)"
                ),
                {
                    "hash": oauth.state_hash(state),
                    "org": org_id,
                    "site": site_id,
                    "conn": record.id,
                    "shop": shop,
                    "path": return_path,
                    "expires": expires,
                },
            )
        url = oauth.install_url(shop, self.app.client_id, self.app.scopes, self.app.redirect_uri, state)
        return InstallStart(url, state, expires, record.name)

    async def callback(self, params: dict[str, str]) -> CallbackPage:
        """Never raises for a bad callback: the browser gets a page that says what went wrong."""
        try:
            org_id, connection_id, return_path = await self._complete(params)
        except CallbackRejected as rejected:
            log.info("shopify oauth callback rejected", extra={"reason": rejected.reason})
            return self._page(False, rejected.reason, rejected.message, rejected.return_path, {})
        return self._page(
            True, "", "Your Shopify store is connected.", return_path, {"connection": connection_id}
        )

    def _page(
        self, ok: bool, reason: str, message: str, return_path: str, extra: dict[str, str]
    ) -> CallbackPage:
        query = {"result": "ok"} if ok else {"result": "error", "error": reason}
        query.update(extra)
        path = return_path or "/"
        target = f"{self.app.dashboard_url.rstrip('/')}{path}{'&' if '?' in path else '?'}{urlencode(query)}"
        return CallbackPage(ok, reason, oauth.result_page(target, ok, message))

    async def _complete(self, params: dict[str, str]) -> tuple[str, str, str]:
        if not (self.app.client_id and self.app.client_secret):
            raise CallbackRejected("SHOPIFY_APP_NOT_CONFIGURED", "The Shopify app is not configured.")
        given = [(k, v) for k, v in params.items() if v]
        # 1. Shopify's signature over the query: nothing else is looked at before it holds.
        if not params.get("hmac") or not verify_shopify_query(given, self.app.client_secret):
            raise CallbackRejected("OAUTH_HMAC_INVALID", "The request was not signed by Shopify.")
        timestamp = params.get("timestamp", "")
        now = time.time()
        if not timestamp.isdigit() or not -60 <= now - int(timestamp) <= CALLBACK_MAX_AGE.total_seconds():
            raise CallbackRejected(
                "OAUTH_CALLBACK_STALE", "The authorization took too long; please try again."
            )
        shop = params.get("shop", "")
        if not oauth.is_shop_domain(shop):
            raise CallbackRejected("OAUTH_SHOP_INVALID", "The shop domain is not a *.myshopify.com domain.")
        state = params.get("state", "")
        expires = oauth.state_expiry(self.app.client_secret, state, shop)
        if expires is None:
            raise CallbackRejected(
                "OAUTH_STATE_INVALID", "The authorization state is not valid for this shop."
            )
        if expires < now:
            raise CallbackRejected("OAUTH_STATE_EXPIRED", "The authorization expired; please start again.")
        # 2. Single use: the state is consumed atomically, whatever happens next.
        async with self.core.db.session() as session:
            row = (
                await session.execute(
                    text(
                        "UPDATE oauth_states SET used_at = now() "
                        "WHERE state_hash = :hash AND used_at IS NULL RETURNING org_id::text, site_id::text, "
                        "connection_id::text, shop_domain, return_path, expires_at"
                    ),
                    {"hash": oauth.state_hash(state)},
                )
            ).one_or_none()
        if row is None:
            raise CallbackRejected("OAUTH_STATE_REPLAYED", "This authorization link was already used.")
        org_id, site_id, connection_id, state_shop, return_path, expires_at = row
        if state_shop != shop:
            raise CallbackRejected("OAUTH_STATE_INVALID", "The state belongs to another shop.", return_path)
        if expires_at < datetime.now(UTC):
            raise CallbackRejected("OAUTH_STATE_EXPIRED", "The authorization expired.", return_path)
        # 3. The code exchange; nothing is stored unless it succeeds.
        try:
            token = await self.admin.exchange_code(
                shop, self.app.client_id, self.app.client_secret, params.get("code", "")
            )
        except ShopifyError as error:
            log.warning("shopify token exchange failed", extra={"reason": str(error)})
            raise CallbackRejected(
                "OAUTH_TOKEN_EXCHANGE_FAILED", "Shopify did not grant access; please try again.", return_path
            ) from None
        await self._store(org_id, site_id, connection_id, shop, token.access_token, token.scopes)
        return org_id, connection_id, return_path

    async def _store(
        self, org_id: str, site_id: str, connection_id: str, shop: str, access_token: str, scopes: list[str]
    ) -> None:
        record = await self.core.get_connection(org_id, site_id, connection_id)
        settings = Connection(shopify=ShopifySettings(shop_domain=shop, granted_scopes=scopes))
        address = f"{self.core.config.public_base_url.rstrip('/')}/v1/hooks/shopify/{connection_id}"
        error = ""
        for topic in WEBHOOK_TOPICS:
            try:
                await self.admin.register_webhook(shop, access_token, topic, address)
            except ShopifyError as failure:
                error = f"webhook registration for {topic} failed: {failure}"
                break
        async with self.core.db.tenant_session(org_id) as session:
            # Webhooks an app registers are signed with the app's client secret, so that becomes the
            # connection's signing secret (the old one keeps verifying during the usual overlap).
            await session.execute(
                text(
                    "UPDATE connections SET access_token_enc = :token, settings = :settings, "
                    "status = :status, previous_secret_enc = secret_enc, "
                    "previous_secret_expires_at = now() + interval '24 hours', "
                    "secret_enc = :secret, secret_hint = :hint, secret_rotated_at = now(), "
                    "last_error = :error, "
                    "last_error_at = CASE WHEN :error = '' THEN last_error_at ELSE now() END, "
                    "updated_at = now() WHERE id = :id AND org_id = :org"
                ),
                {
                    "token": self.core.keyring.encrypt(access_token, token_aad(org_id, connection_id)),
                    "settings": settings.SerializeToString(),
                    "status": ConnectionStatus.CONNECTION_STATUS_ACTIVE
                    if record.enabled
                    else ConnectionStatus.CONNECTION_STATUS_PAUSED,
                    "secret": self.core._seal(org_id, connection_id, self.app.client_secret),
                    "hint": self.app.client_secret[-4:],
                    "error": error,
                    "id": connection_id,
                    "org": org_id,
                },
            )
        self.core.forget_connection(connection_id)  # the signing secret changed

    async def access_token(self, org_id: str, connection_id: str) -> str:
        """The decrypted token (for backfill); empty when the connection was never authorized."""
        async with self.core.db.tenant_session(org_id) as session:
            sealed = (
                await session.execute(
                    text("SELECT access_token_enc FROM connections WHERE id = :id AND org_id = :org"),
                    {"id": connection_id, "org": org_id},
                )
            ).scalar_one_or_none()
        return (
            self.core.keyring.decrypt_str(bytes(sealed), token_aad(org_id, connection_id)) if sealed else ""
        )
