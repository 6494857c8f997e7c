"""Hosting a whole domain: every gRPC service of `socialproof.<domain>.v1`, built or not yet built.

A domain's services are discovered from its generated modules, so a service added to the contract is
served (answering UNIMPLEMENTED with its full RPC name) the moment the stubs are regenerated, and a
service is switched to its real servicer by passing it in `servicers`.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from shared.errors import Unimplemented
from shared.rpc.server import RpcServer, ServiceRegistration
from shared.settings import ServiceSettings


@dataclass(frozen=True)
class ContractService:
    """One service of a domain's contract with the generated pieces needed to host it."""

    descriptor: ServiceDescriptor
    grpc_module: ModuleType

    @property
    def full_name(self) -> str:
        return self.descriptor.full_name

    @property
    def base_class(self) -> type:
        return getattr(self.grpc_module, f"{self.descriptor.name}Servicer")  # type: ignore[no-any-return]

    def registration(self, servicer: Any) -> ServiceRegistration:
        add = getattr(self.grpc_module, f"add_{self.descriptor.name}Servicer_to_server")
        return ServiceRegistration(add, servicer, self.full_name)


def contract_services(domain: str) -> list[ContractService]:
    """Every service declared in `socialproof.<domain>.v1`, in a stable order."""
    package = importlib.import_module(f"socialproof.{domain}.v1")
    found: list[ContractService] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.name.endswith("_pb2"):
            continue
        pb2 = importlib.import_module(f"{package.__name__}.{info.name}")
        services = pb2.DESCRIPTOR.services_by_name
        if not services:
            continue
        grpc_module = importlib.import_module(f"{package.__name__}.{info.name}_grpc")
        found.extend(ContractService(services[name], grpc_module) for name in sorted(services))
    if not found:
        raise LookupError(f"socialproof.{domain}.v1 declares no services: run `make gen`")
    return found


def _not_built(service: str, method: MethodDescriptor) -> Callable[..., Any]:
    message = f"{service}/{method.name} is not implemented yet"
    if method.server_streaming:

        async def stream(self: Any, request: Any, context: Any) -> AsyncIterator[Any]:
            raise Unimplemented(message)
            yield  # makes this an async generator, as grpc.aio expects for streaming handlers

        return stream

    async def unary(self: Any, request: Any, context: Any) -> Any:
        raise Unimplemented(message)

    return unary


def not_built_servicer(service: ContractService) -> Any:
    """A servicer whose every RPC fails with UNIMPLEMENTED naming the RPC (not the stub's bare
    'Method not implemented!'), so a caller knows exactly which part of the contract is missing."""
    methods = {m.name: _not_built(service.full_name, m) for m in service.descriptor.methods}
    cls = type(f"NotBuilt{service.descriptor.name}", (service.base_class,), methods)
    return cls()


def domain_registrations(domain: str, servicers: Mapping[str, Any]) -> list[ServiceRegistration]:
    """Registrations for every service of the domain; `servicers` maps short service names
    (e.g. "CampaignService") to built servicers, the rest answer UNIMPLEMENTED."""
    services = contract_services(domain)
    known = {s.descriptor.name for s in services}
    unknown = set(servicers) - known
    if unknown:
        raise ValueError(f"not services of socialproof.{domain}.v1: {sorted(unknown)}")
    return [s.registration(servicers.get(s.descriptor.name) or not_built_servicer(s)) for s in services]


Hook = Callable[[], Awaitable[None]]


def migrations_hook(service_name: str, settings: ServiceSettings) -> Hook:
    """An on_start hook upgrading the service's Postgres schema before it reports SERVING."""
    from shared.migrations import run_migrations

    async def migrate() -> None:
        if not settings.database_url:
            raise RuntimeError(f"{service_name}: SP_DATABASE_URL is required to run migrations")
        await asyncio.to_thread(run_migrations, service_name, settings.database_url)

    return migrate


def domain_server(
    domain: str,
    settings: ServiceSettings,
    servicers: Mapping[str, Any] | None = None,
    *,
    on_start: Sequence[Hook] = (),
    on_stop: Sequence[Hook] = (),
    extra: Sequence[ServiceRegistration] = (),
) -> RpcServer:
    """The RpcServer for one domain service: its migrations first, then the given hooks.
    `extra` hosts services outside the contract next to it (e.g. Envoy's ext_authz Check)."""
    return RpcServer(
        settings,
        [*domain_registrations(domain, servicers or {}), *extra],
        on_start=[migrations_hook(domain, settings), *on_start],
        on_stop=on_stop,
    )
