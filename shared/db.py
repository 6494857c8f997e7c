"""The one database session helper: SQLAlchemy 2 async engine (psycopg 3), tenant sessions, RLS policy SQL."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

#: The Postgres setting row-level security policies read to know the caller's organization.
ORG_SETTING = "app.current_org"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

_SET_ORG = text("SELECT set_config(:name, :org, true)")


def normalize_url(url: str | URL) -> URL:
    """Accept postgres://, postgresql:// or postgresql+psycopg:// and always use the psycopg 3 driver."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg_async"}:
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}; expected postgresql://")


def create_engine(
    url: str | URL,
    *,
    schema: str | None = None,
    pool_size: int = 5,
    max_overflow: int = 5,
    application_name: str | None = None,
    **kwargs: Any,
) -> AsyncEngine:
    """An async engine; schema (the service's own) goes first on the search_path of every connection."""
    connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))
    if schema is not None:
        connect_args["options"] = f"-csearch_path={plain_identifier(schema)},public"
    if application_name:
        connect_args["application_name"] = application_name
    return create_async_engine(
        normalize_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        # A connection killed by a Postgres restart is replaced instead of failing one request.
        pool_pre_ping=True,
        connect_args=connect_args,
        **kwargs,
    )


class Database:
    """One per process: owns the engine and hands out transactional sessions."""

    def __init__(self, url: str | URL, *, schema: str | None = None, **engine_kwargs: Any) -> None:
        self.schema = schema
        self.engine = create_engine(url, schema=schema, **engine_kwargs)
        # Objects stay usable after commit: handlers build responses from them after the transaction.
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed when the block ends, rolled back if it raises."""
        async with session_scope(self.sessions) as session:
            yield session

    @asynccontextmanager
    async def tenant_session(self, org_id: str) -> AsyncIterator[AsyncSession]:
        """Like session(), with app.current_org = org_id for this transaction, so RLS policies apply."""
        async with tenant_scope(self.sessions, org_id) as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


class RawConnections:
    """A few long-lived psycopg connections (autocommit: the caller sends BEGIN/COMMIT itself, e.g. in
    one pipeline with its statements) for a hot path's few fixed statements.

    Only for paths measured to be CPU-bound on the session machinery (the integrations webhook path:
    SQLAlchemy's session, pool checkout and pre-ping cost more CPU than the statements). Same URL, role
    and search_path as the Database's sessions; everything else goes through `Database.session()`.
    A connection is reused only if it came back idle (no transaction left open); one that failed or
    was left in a transaction is closed, which also rolls that transaction back.
    """

    def __init__(self, db: Database, *, size: int = 4) -> None:
        url = db.engine.url
        options = f"-csearch_path={plain_identifier(db.schema)},public" if db.schema else None
        self._conninfo = psycopg.conninfo.make_conninfo(
            "",
            host=url.host,
            port=url.port,
            dbname=url.database,
            user=url.username,
            password=url.password,
            options=options,
            **{k: v for k, v in url.query.items() if isinstance(v, str)},
        )
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._size = size
        self._slots: asyncio.Semaphore | None = None

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[tuple[psycopg.AsyncConnection[Any], bool]]:
        """(connection, reused): reused is False for a connection opened just now (a failure on a
        reused one may be a connection the server dropped while it was idle)."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._size)
        async with self._slots:
            reused = bool(self._idle)
            conn = (
                self._idle.pop()
                if reused
                else await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
            )
            healthy = False
            try:
                yield conn, reused
                healthy = not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE
            finally:
                if healthy:
                    self._idle.append(conn)
                else:
                    with contextlib.suppress(Exception):
                        await conn.close()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(Exception):
                await conn.close()


@asynccontextmanager
async def session_scope(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Open a session, begin a transaction, commit on success and roll back on any exception."""
    async with sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def tenant_scope(
    sessions: async_sessionmaker[AsyncSession], org_id: str
) -> AsyncIterator[AsyncSession]:
    """session_scope() whose transaction first sets app.current_org (transaction-local, so a pooled
    connection never carries one tenant's setting into another tenant's request)."""
    if not org_id:
        raise ValueError("tenant_scope needs a non-empty org_id")
    async with session_scope(sessions) as session:
        await set_current_org(session, org_id)
        yield session


async def set_current_org(session: AsyncSession, org_id: str) -> None:
    """Set app.current_org for the session's current transaction only."""
    await session.execute(_SET_ORG, {"name": ORG_SETTING, "org": org_id})


def rls_policy_sql(
    table: str,
    *,
    schema: str | None = None,
    org_column: str = "org_id",
    org_type: str = "uuid",
    policy: str = "tenant_isolation",
    force: bool = False,
) -> list[str]:
    """SQL that confines table's rows to the organization in app.current_org.

    Without app.current_org set, no row is visible and no row can be written (fail closed).
    Policies bind every role except superusers, BYPASSRLS roles and (unless force=True) the
    table's owner: services must connect as an app role that does not own the tables (see
    shared.migrations.ensure_app_role). Run the statements in a migration, e.g.
    `for stmt in rls_policy_sql("campaigns", schema="notifications"): op.execute(stmt)`.
    """
    qualified = f"{plain_identifier(schema)}.{plain_identifier(table)}" if schema else plain_identifier(table)
    column = plain_identifier(org_column)
    if not re.fullmatch(r"[a-z][a-z0-9_ ]*", org_type):
        raise ValueError(f"bad column type {org_type!r}")
    # Cast the setting, not the column, so an index on org_id still serves the filter; NULLIF turns
    # the empty string (a setting reset after its transaction) into NULL, which matches no row.
    condition = f"{column} = NULLIF(current_setting('{ORG_SETTING}', true), '')::{org_type}"
    statements = [
        f"ALTER TABLE {qualified} ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {plain_identifier(policy)} ON {qualified}",
        f"CREATE POLICY {plain_identifier(policy)} ON {qualified} "
        f"USING ({condition}) WITH CHECK ({condition})",
    ]
    if force:
        statements.insert(1, f"ALTER TABLE {qualified} FORCE ROW LEVEL SECURITY")
    return statements


def plain_identifier(name: str) -> str:
    """Quote-free identifiers only: these names come from code, and refusing others keeps the SQL safe."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name
