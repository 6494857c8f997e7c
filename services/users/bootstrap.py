"""Wires the users service from its typed settings and serves it."""

from __future__ import annotations

from shared.rpc.domain import domain_server
from shared.rpc.server import RpcServer, run_service
from shared.settings import ServiceSettings


class UsersSettings(ServiceSettings):
    """Settings of the users service (environment variables SP_*)."""

    service_name: str = "users"
    # Required: the service owns the Postgres schema "users" and migrates it at start.
    database_url: str


def build(settings: UsersSettings) -> RpcServer:
    return domain_server("users", settings)


def main() -> None:
    run_service(UsersSettings, build)
