"""Alembic wiring for every service: one Postgres schema and version table per service; app role grants."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import errors, sql
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from shared.db import normalize_url, plain_identifier

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: Written into services/<name>/migrations/env.py; nothing else goes there.
ENV_PY = '''"""Alembic environment of this service; the wiring lives in shared.migrations."""

from shared.migrations import run_env

run_env()
'''


def migrations_dir(service_name: str) -> Path:
    return PROJECT_ROOT / "services" / service_name / "migrations"


def alembic_config(
    service_name: str, database_url: str | URL, *, directory: str | os.PathLike[str] | None = None
) -> Config:
    """An Alembic Config for one service, built in code (no alembic.ini)."""
    plain_identifier(service_name)
    script_location = Path(directory) if directory is not None else migrations_dir(service_name)
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(script_location / "versions"))
    # Passed as attributes, not options: Config options go through configparser, which would
    # treat a '%' in a password as interpolation syntax.
    config.attributes["service_name"] = service_name
    config.attributes["database_url"] = normalize_url(database_url)
    return config


def run_migrations(
    service_name: str,
    database_url: str | URL,
    *,
    revision: str = "head",
    directory: str | os.PathLike[str] | None = None,
    app_role: str | None = None,
) -> None:
    """Upgrade the service's schema to revision (head by default); blocking, so call it in a thread
    from async code. Replicas starting together are serialized by an advisory lock per schema.
    With app_role, that role is (re)granted use of the schema's tables afterwards."""
    command.upgrade(alembic_config(service_name, database_url, directory=directory), revision)
    if app_role:
        grant_app_role(database_url, app_role, [service_name])


def new_revision(service_name: str, message: str, *, directory: str | os.PathLike[str] | None = None) -> None:
    """Create an empty revision file in the service's versions/ folder."""
    config = alembic_config(service_name, "postgresql://unused/unused", directory=directory)
    command.revision(config, message=message)


def run_env() -> None:
    """Body of every services/<name>/migrations/env.py."""
    from alembic import context

    config = context.config
    service_name = config.attributes.get("service_name") or config.get_main_option("service_name")
    if not service_name:
        raise RuntimeError("run migrations through shared.migrations.run_migrations(service, url)")
    schema = plain_identifier(service_name)
    target_metadata = config.attributes.get("target_metadata")
    configure: dict[str, Any] = {
        "version_table_schema": schema,
        "target_metadata": target_metadata,
        "transactional_ddl": True,
    }

    if context.is_offline_mode():
        context.configure(url=config.attributes["database_url"], literal_binds=True, **configure)
        with context.begin_transaction():
            context.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            context.execute(f"SET LOCAL search_path TO {schema}, public")
            context.run_migrations()
        return

    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _upgrade_on(connection, schema, configure)
        return
    engine = create_engine(config.attributes["database_url"], poolclass=NullPool)
    try:
        with engine.connect() as own_connection:
            _upgrade_on(own_connection, schema, configure)
    finally:
        engine.dispose()


def _upgrade_on(connection: Connection, schema: str, configure: dict[str, Any]) -> None:
    from alembic import context

    # Everything below runs in one transaction (Postgres has transactional DDL): a failing
    # migration leaves the schema exactly as it was.
    connection.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"socialproof.migrations.{schema}"}
    )
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    # Unqualified names in migrations land in the service's own schema.
    connection.execute(text(f"SET LOCAL search_path TO {schema}, public"))
    context.configure(connection=connection, **configure)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


# ---- roles -----------------------------------------------------------------------------------


def _libpq_url(database_url: str | URL) -> str:
    return normalize_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_app_role(database_url: str | URL, role: str, *, password: str | None = None) -> None:
    """Create (or fix up) the login role services connect as: not superuser, no BYPASSRLS, so
    row-level security applies to it. Run as the migrating (owner) role."""
    attributes: sql.Composable = sql.SQL("LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
    if password is not None:
        attributes = sql.SQL("{} PASSWORD {}").format(attributes, sql.Literal(password))
    name = sql.Identifier(plain_identifier(role))
    with psycopg.connect(_libpq_url(database_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE ROLE {} {}").format(name, attributes))
                return
            except errors.DuplicateObject:
                pass  # created concurrently by another service starting up
        conn.execute(sql.SQL("ALTER ROLE {} {}").format(name, attributes))


def grant_app_role(database_url: str | URL, role: str, schemas: Iterable[str]) -> None:
    """Let role read and write (not alter) the tables of schemas, including tables created later by
    the role running this (the migrator)."""
    name = sql.Identifier(plain_identifier(role))
    with psycopg.connect(_libpq_url(database_url), autocommit=True) as conn:
        for schema in schemas:
            ident = sql.Identifier(plain_identifier(schema))
            for statement in (
                "GRANT USAGE ON SCHEMA {schema} TO {role}",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
                "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
            ):
                conn.execute(sql.SQL(statement).format(schema=ident, role=name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.migrations", description="Upgrade one service's schema to head."
    )
    parser.add_argument("service")
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    parser.add_argument("--revision", default="head")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("no database URL: pass --url or set DATABASE_URL")
    run_migrations(args.service, args.url, revision=args.revision)
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ---- the baseline every service starts from ---------------------------------------------------


def create_schema_info(service_name: str) -> None:
    """Body of every service's first revision: a `schema_info` table recording which service owns the
    schema (operators read it when debugging a deployment). Runs inside an Alembic migration."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "schema_info",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.execute(
        sa.text("INSERT INTO schema_info (key, value) VALUES ('service', :service)").bindparams(
            service=plain_identifier(service_name)
        )
    )


def drop_schema_info() -> None:
    from alembic import op

    op.drop_table("schema_info")
