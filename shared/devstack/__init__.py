"""Launchers for real local infrastructure (Postgres, Redis, Tansu, ClickHouse, localstripe)."""

from shared.devstack.clickhouse import ClickHouseServer
from shared.devstack.localstripe import LocalStripeServer
from shared.devstack.postgres import PostgresServer
from shared.devstack.process import (
    DevstackError,
    LocalServer,
    free_port,
    pid_alive,
    port_accepts,
    stop_all,
    stop_pid,
    wait_until,
)
from shared.devstack.redis_server import RedisServer
from shared.devstack.tansu import TansuServer

__all__ = [
    "ClickHouseServer",
    "DevstackError",
    "LocalServer",
    "LocalStripeServer",
    "PostgresServer",
    "RedisServer",
    "TansuServer",
    "free_port",
    "pid_alive",
    "port_accepts",
    "stop_all",
    "stop_pid",
    "wait_until",
]
