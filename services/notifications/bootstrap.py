"""Wires the notifications service from its typed settings and serves it."""

from __future__ import annotations

from shared.rpc.domain import domain_server
from shared.rpc.server import RpcServer, run_service
from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Settings of the notifications service (environment variables SP_*)."""

    service_name: str = "notifications"
    # Required: the service owns the Postgres schema "notifications" and migrates it at start.
    database_url: str


def build(settings: NotificationsSettings) -> RpcServer:
    return domain_server("notifications", settings)


def main() -> None:
    run_service(NotificationsSettings, build)
