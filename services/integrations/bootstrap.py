"""Wires the integrations service from its typed settings and serves it."""

from __future__ import annotations

from shared.rpc.domain import domain_server
from shared.rpc.server import RpcServer, run_service
from shared.settings import ServiceSettings


class IntegrationsSettings(ServiceSettings):
    """Settings of the integrations service (environment variables SP_*)."""

    service_name: str = "integrations"
    # Required: the service owns the Postgres schema "integrations" and migrates it at start.
    database_url: str


def build(settings: IntegrationsSettings) -> RpcServer:
    return domain_server("integrations", settings)


def main() -> None:
    run_service(IntegrationsSettings, build)
