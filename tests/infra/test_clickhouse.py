"""ClickHouse both ways: Debian's clickhouse-server through clickhouse-driver, and in-process chdb."""

from __future__ import annotations

import asyncio
from pathlib import Path

from clickhouse_driver import Client

from shared.devstack.clickhouse import ClickHouseServer


def test_clickhouse_server_answers_select_1(clickhouse_server: ClickHouseServer) -> None:
    client = Client.from_url(clickhouse_server.url)
    try:
        assert client.execute("SELECT 1") == [(1,)]
    finally:
        client.disconnect()


def test_clickhouse_database_per_test(clickhouse_database: str) -> None:
    client = Client.from_url(clickhouse_database)
    try:
        client.execute(
            "CREATE TABLE impressions (site_id String, day Date, n UInt32) "
            "ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (site_id, day)"
        )
        client.execute("INSERT INTO impressions VALUES", [("s1", _day(), 3), ("s1", _day(), 4)])
        assert client.execute("SELECT site_id, sum(n) FROM impressions GROUP BY site_id") == [("s1", 7)]
    finally:
        client.disconnect()


def _day():  # type: ignore[no-untyped-def]
    import datetime

    return datetime.date(2026, 11, 20)


async def test_chdb_runs_in_a_thread(chdb_path: Path) -> None:
    def query() -> str:
        from chdb import session

        db = session.Session(str(chdb_path))
        try:
            db.query("CREATE DATABASE IF NOT EXISTS analytics")
            db.query("CREATE TABLE analytics.t (n UInt32) ENGINE = MergeTree ORDER BY n")
            db.query("INSERT INTO analytics.t SELECT number FROM numbers(1000)")
            return str(db.query("SELECT sum(n) FROM analytics.t", "CSV")).strip()
        finally:
            db.close()

    # chdb blocks while it runs a query: keep it off the event loop.
    assert await asyncio.to_thread(query) == "499500"
