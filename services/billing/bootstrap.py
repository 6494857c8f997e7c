"""Wires the billing service from its typed settings and serves it."""

from __future__ import annotations

from shared.rpc.domain import domain_server
from shared.rpc.server import RpcServer, run_service
from shared.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    """Settings of the billing service (environment variables SP_*)."""

    service_name: str = "billing"
    # Required: the service owns the Postgres schema "billing" and migrates it at start.
    database_url: str


def build(settings: BillingSettings) -> RpcServer:
    return domain_server("billing", settings)


def main() -> None:
    run_service(BillingSettings, build)
