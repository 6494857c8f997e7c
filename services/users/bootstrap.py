"""Wires the users service from its typed settings and serves it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from pydantic import Field, model_validator
from sqlalchemy.engine import make_url

from services.users.adapters.limiter import AttemptLimiter, Limit
from services.users.adapters.outbox import users_outbox_relay
from services.users.adapters.postgres import Store
from services.users.domain.credentials import PasswordPolicy, Passwords
from services.users.domain.signing import TokenSettings
from services.users.edge_auth import ApiKeyAuthorizer, ext_authz_registration
from services.users.service import Policy, UsersService
from services.users.servicer import servicers
from shared.crypto import KeyRing
from shared.db import Database
from shared.kafka_bus import EventProducer, ensure_topics
from shared.mail import Mailer
from shared.migrations import ensure_app_role, grant_app_role
from shared.redis_client import create_redis, redis_keys
from shared.rpc.domain import domain_server
from shared.rpc.server import RpcServer, run_service
from shared.settings import ServiceSettings


class UsersSettings(ServiceSettings):
    """Settings of the users service (environment variables SP_*)."""

    service_name: str = "users"
    # Required: the service owns the Postgres schema "users" and migrates it at start (as this role).
    database_url: str
    # Requests run as this NOBYPASSRLS role so row-level security binds them; created at start.
    db_app_role: str = Field(default="sp_users_app", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    db_app_password: str | None = None
    redis_url: str
    smtp_url: str = Field(description="smtp://host:port for password reset, verification, invitations.")
    mail_from: str = "SocialProof <no-reply@socialproof.local>"
    dashboard_url: str = "http://localhost:8080"
    users_topic: str = "users"
    jwt_issuer: str = "https://socialproof.local"
    jwt_audience: str = "socialproof"
    # Header the edge's ext_authz reads the partner API key from (meshconfig EdgeAuth.api_key_header).
    edge_api_key_header: str = "x-api-key"
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=90)
    signing_key_rotation_days: int = Field(default=30, ge=1, le=365)
    # argon2id cost (RFC 9106 "second recommendation" by default); tests lower it.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    login_attempts_per_account: int = Field(default=5, ge=1)
    login_attempts_per_ip: int = Field(default=50, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    org_purge_days: int = Field(default=30, ge=0)
    purge_interval_seconds: float = Field(default=3600.0, gt=0)
    outbox_interval_seconds: float = Field(default=2.0, gt=0)

    @model_validator(mode="after")
    def _needs_keys(self) -> UsersSettings:
        # PII and signing keys are sealed with the key ring: without it nothing can be stored.
        if not self.pii_keys.get_secret_value().strip():
            raise ValueError("SP_PII_KEYS must be set (e.g. k1:<base64 key>,lookup:<base64 key>)")
        if not self.smtp_url.startswith(("smtp://", "smtps://")):
            raise ValueError("SP_SMTP_URL must look like smtp://host:port")
        return self


def app_database_url(settings: UsersSettings) -> str:
    url = make_url(settings.database_url).set(
        username=settings.db_app_role, password=settings.db_app_password
    )
    return url.render_as_string(hide_password=False)


def build(settings: UsersSettings) -> RpcServer:
    keys = KeyRing.from_settings(settings)
    db = Database(app_database_url(settings), schema="users")
    store = Store(db, keys)
    redis = create_redis(settings.redis_url)
    producer = (
        EventProducer(settings.kafka_bootstrap_servers, client_id="users")
        if settings.kafka_bootstrap_servers
        else None
    )
    relay = users_outbox_relay(store, producer, interval=settings.outbox_interval_seconds)
    window = settings.login_window_seconds
    service = UsersService(
        store,
        Passwords(
            PasswordPolicy(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
        ),
        AttemptLimiter(redis, redis_keys(settings.redis_url)),
        Mailer(settings.smtp_url, settings.mail_from),
        relay,
        Policy(
            tokens=TokenSettings(
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            ),
            refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
            signing_key_rotation=timedelta(days=settings.signing_key_rotation_days),
            purge_after=timedelta(days=settings.org_purge_days),
            login_per_account=Limit(settings.login_attempts_per_account, window),
            login_per_ip=Limit(settings.login_attempts_per_ip, window),
            dashboard_url=settings.dashboard_url.rstrip("/"),
            users_topic=settings.users_topic,
        ),
    )
    purge_task: list[asyncio.Task[None]] = []

    async def prepare_database() -> None:
        await asyncio.to_thread(
            ensure_app_role, settings.database_url, settings.db_app_role, password=settings.db_app_password
        )
        await asyncio.to_thread(grant_app_role, settings.database_url, settings.db_app_role, ["users"])
        await service.ensure_signing_key()

    async def start_background() -> None:
        if settings.kafka_bootstrap_servers:
            await ensure_topics(settings.kafka_bootstrap_servers, [settings.users_topic])
        if producer is not None:
            await relay.start()

        async def purge_forever() -> None:
            while True:
                await asyncio.sleep(settings.purge_interval_seconds)
                await service.purge_due_organizations()

        purge_task.append(asyncio.create_task(purge_forever(), name="users-org-purge"))

    async def stop_background() -> None:
        for task in purge_task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await relay.stop()
        if producer is not None:
            await producer.close()
        await redis.aclose()
        await db.dispose()

    # The edge's ext_authz for partner API keys, hosted here so it uses the same service layer.
    authorizer = ApiKeyAuthorizer(
        service, header=settings.edge_api_key_header, ttl=service.policy.api_key_cache_ttl.total_seconds()
    )
    server = domain_server(
        "users",
        settings,
        servicers(service),
        on_start=[prepare_database, start_background],
        on_stop=[stop_background],
        extra=[ext_authz_registration(authorizer)],
    )
    server.users_service = service  # type: ignore[attr-defined]  # tests drive use cases directly
    return server


def main() -> None:
    run_service(UsersSettings, build)
