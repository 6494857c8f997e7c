"""Postgres fixture: a real server, and a separate empty database for every test."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from shared.devstack.postgres import PostgresServer

_seen_databases: list[str] = []


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_its_own_empty_database(pg_database: str, run: int) -> None:
    # Both runs create the same table: the second would fail if the database were shared.
    with psycopg.connect(_libpq(pg_database), autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()
        conn.execute("CREATE TABLE marker (id int primary key)")
        conn.execute("INSERT INTO marker VALUES (%s)", (run,))
        assert conn.execute("SELECT count(*) FROM marker").fetchone() == (1,)
    assert name is not None
    assert name[0] not in _seen_databases
    _seen_databases.append(name[0])


def test_server_runs_unprivileged_over_tcp(postgres_server: PostgresServer, pg_database: str) -> None:
    assert make_url(pg_database).host == "127.0.0.1"
    with psycopg.connect(_libpq(pg_database)) as conn:
        row = conn.execute("SELECT current_setting('server_version_num')::int").fetchone()
    assert row is not None and row[0] >= 150000
    # The postmaster is the process we track by pid, and it does not run as root.
    assert postgres_server.pid is not None
    status = Path(f"/proc/{postgres_server.pid}/status").read_text()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert uid_line.split()[1] != "0"


def test_dropped_database_is_gone_after_the_test(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("t_drop_check", template="sp_test_template")
    assert postgres_server.database_exists("t_drop_check")
    postgres_server.drop_database("t_drop_check")
    assert not postgres_server.database_exists("t_drop_check")
    assert url.endswith("/t_drop_check")
