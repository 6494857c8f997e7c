"""Wires the analytics service from its typed settings and serves it."""

from __future__ import annotations

from shared.rpc.domain import domain_server
from shared.rpc.server import RpcServer, run_service
from shared.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    """Settings of the analytics service (environment variables SP_*)."""

    service_name: str = "analytics"
    # Required: the service owns the Postgres schema "analytics" and migrates it at start.
    database_url: str


def build(settings: AnalyticsSettings) -> RpcServer:
    return domain_server("analytics", settings)


def main() -> None:
    run_service(AnalyticsSettings, build)
