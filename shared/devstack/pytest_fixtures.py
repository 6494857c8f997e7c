"""Pytest fixtures for real infrastructure: session-scoped servers, isolated per test by name or prefix."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from shared.devstack import clickhouse
from shared.devstack.clickhouse import ClickHouseServer
from shared.devstack.localstripe import LocalStripeServer
from shared.devstack.postgres import PostgresServer
from shared.devstack.redis_server import RedisServer
from shared.devstack.smtp import SmtpSink
from shared.devstack.tansu import TansuServer

#: Every per-test Postgres database is a copy of this (empty) one: cloning takes ~20-40 ms.
PG_TEMPLATE = "sp_test_template"
#: Redis logical databases the redis_url fixture cycles through (0 is left for ad-hoc use).
REDIS_DATABASES = 256


def unique_suffix() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="session")
def devstack_dir() -> Iterator[Path]:
    """Root of this session's server data (not pytest's tmp dir: that one is mode 0700 and the
    unprivileged Postgres user must be able to reach its data dir)."""
    root = Path(tempfile.mkdtemp(prefix="sp-devstack-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


# ---- Postgres --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server(devstack_dir: Path) -> Iterator[PostgresServer]:
    """One Postgres for the session (fsync off), with the per-test template database created."""
    server = PostgresServer(devstack_dir / "postgres", durable=False).start()
    try:
        server.create_database(PG_TEMPLATE)
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for this test; yields its URL (postgresql+psycopg://postgres@...)."""
    name = f"t_{unique_suffix()}"
    url = postgres_server.create_database(name, template=PG_TEMPLATE)
    yield url
    postgres_server.drop_database(name)


# ---- Redis -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server(devstack_dir: Path) -> Iterator[RedisServer]:
    server = RedisServer(devstack_dir / "redis", databases=REDIS_DATABASES).start()
    yield server
    server.stop()


_redis_db_numbers = itertools.cycle(range(1, REDIS_DATABASES))


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """A Redis URL with a logical database emptied for this test and a unique key prefix
    (?key_prefix=...; read it with shared.redis_client.redis_keys)."""
    db = next(_redis_db_numbers)
    client = redis.Redis(host=redis_server.host, port=redis_server.port, db=db)
    try:
        client.flushdb()
    finally:
        client.close()
    yield f"{redis_server.url_for(db)}?key_prefix=t{unique_suffix()}:"


# ---- Kafka (Tansu) ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kafka_broker(devstack_dir: Path) -> Iterator[TansuServer]:
    server = TansuServer(devstack_dir / "tansu").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: TansuServer) -> str:
    """bootstrap.servers of the session's broker, e.g. "127.0.0.1:40123"."""
    return kafka_broker.bootstrap_servers


@pytest.fixture
def kafka_topic_prefix() -> str:
    """A unique prefix for this test's topic and group names, e.g. "t1a2b3c4d5e6f." ."""
    return f"t{unique_suffix()}."


# ---- ClickHouse ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def clickhouse_server(devstack_dir: Path) -> Iterator[ClickHouseServer]:
    """Debian's clickhouse-server (18.16). On a developer machine without the package its tests are
    skipped with the reason; CI sets SP_REQUIRE_CLICKHOUSE_SERVER=1, so there a missing server fails
    instead of silently dropping the 18.16 half of the analytics suite."""
    if not clickhouse.available():
        message = "clickhouse-server is not installed (.ci/install-system.sh installs it)"
        if os.environ.get("SP_REQUIRE_CLICKHOUSE_SERVER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = ClickHouseServer(devstack_dir / "clickhouse").start()
    yield server
    server.stop()


@pytest.fixture
def clickhouse_database(clickhouse_server: ClickHouseServer) -> Iterator[str]:
    """A fresh ClickHouse database for this test; yields its clickhouse-driver URL."""
    from clickhouse_driver import Client

    name = f"t_{unique_suffix()}"
    client = Client(host=clickhouse_server.host, port=clickhouse_server.tcp_port)
    try:
        client.execute(f"CREATE DATABASE {name}")
        yield clickhouse_server.url_for(name)
        client.execute(f"DROP DATABASE IF EXISTS {name}")
    finally:
        client.disconnect()


@pytest.fixture
def chdb_path(tmp_path: Path) -> Path:
    """A data directory for an in-process chdb session (one process per directory)."""
    path = tmp_path / "chdb"
    path.mkdir()
    return path


# ---- Stripe ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def localstripe_server(devstack_dir: Path) -> Iterator[LocalStripeServer]:
    server = LocalStripeServer(devstack_dir / "localstripe", from_scratch=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def localstripe_url(localstripe_server: LocalStripeServer) -> str:
    """Base address for StripeClient(key, base_addresses={"api": url}); any sk_test_ key works."""
    return localstripe_server.url


# ---- SMTP ------------------------------------------------------------------------------------


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on a free loopback port that keeps what it receives (`.wait_for(...)`)."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()
