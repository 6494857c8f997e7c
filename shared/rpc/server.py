"""The one grpc.aio server bootstrap: interceptors, health, reflection, metrics and graceful drain."""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry import trace

from shared import telemetry
from shared.logging import configure_logging
from shared.rpc.interceptors import default_interceptors
from shared.settings import ServiceSettings, load_settings

log = logging.getLogger("socialproof.server")

Hook = Callable[[], Awaitable[None]]
AddToServer = Callable[[Any, grpc.aio.Server], None]


@dataclass(frozen=True)
class ServiceRegistration:
    """One gRPC service to host: `add(servicer, server)` and its full name (`pkg.v1.FooService`)."""

    add: AddToServer
    servicer: Any
    name: str

    @classmethod
    def of(cls, add: AddToServer, servicer: Any, service: ServiceDescriptor | str) -> ServiceRegistration:
        """E.g. `ServiceRegistration.of(users_pb2_grpc.add_UserServiceServicer_to_server,
        UserServicer(...), users_pb2.DESCRIPTOR.services_by_name["UserService"])`."""
        name = service if isinstance(service, str) else service.full_name
        return cls(add, servicer, name)


def _listen_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


class RpcServer:
    """Hosts a service's gRPC services with health, reflection, interceptors and drain.

    Lifecycle: `await start()` → serving → `await stop()` (drain), or `await serve()` which starts,
    waits for SIGTERM/SIGINT and drains. `on_start` hooks run after the port is bound but before
    health reports SERVING (e.g. start Kafka consumers); `on_stop` hooks run after in-flight calls
    have finished, in reverse order.
    """

    def __init__(
        self,
        settings: ServiceSettings,
        registrations: Sequence[ServiceRegistration],
        *,
        on_start: Sequence[Hook] = (),
        on_stop: Sequence[Hook] = (),
        interceptors: Sequence[grpc.aio.ServerInterceptor] | None = None,
        tracer_provider: trace.TracerProvider | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        names = [r.name for r in registrations]
        if len(set(names)) != len(names):
            raise ValueError(f"a service is registered twice: {names}")
        self.settings = settings
        self.registrations = list(registrations)
        self._on_start = list(on_start)
        self._on_stop = list(on_stop)
        self._interceptors = (
            list(interceptors)
            if interceptors is not None
            else list(
                default_interceptors(settings.mesh_token.get_secret_value(), tracer_provider=tracer_provider)
            )
        )
        self._options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", settings.max_receive_message_bytes),
            ("grpc.max_send_message_length", settings.max_receive_message_bytes),
            # Two processes silently sharing a port would split traffic between old and new code.
            ("grpc.so_reuseport", 0),
            *options,
        ]
        self.health = health.aio.HealthServicer()
        self.draining = asyncio.Event()
        """Set when drain begins: long-lived streams should send a final message and end."""
        self._server: grpc.aio.Server | None = None
        self._port: int | None = None
        self._metrics: telemetry.MetricsEndpoint | None = None
        self.serving = asyncio.Event()
        """Set once the port is bound, hooks have run and health says SERVING."""
        self._stopped = asyncio.Event()
        self._stop_task: asyncio.Future[None] | None = None
        self._force_stop: asyncio.Future[None] | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the server is not started")
        return self._port

    @property
    def address(self) -> str:
        return _listen_address(self.settings.grpc_host, self.port)

    @property
    def metrics_port(self) -> int | None:
        return self._metrics.port if self._metrics else None

    @property
    def service_names(self) -> list[str]:
        return [r.name for r in self.registrations]

    async def start(self) -> None:
        server = grpc.aio.server(interceptors=self._interceptors, options=self._options)
        for registration in self.registrations:
            registration.add(registration.servicer, server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        reflection.enable_server_reflection(
            [
                *self.service_names,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ],
            server,
        )
        address = _listen_address(self.settings.grpc_host, self.settings.grpc_port)
        port = server.add_insecure_port(address)
        if not port:
            raise RuntimeError(f"could not bind gRPC port {address}")
        self._server = server
        self._port = port
        # Report NOT_SERVING until hooks are done, so no traffic arrives half-initialized.
        for name in ("", *self.service_names):
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await server.start()
        for hook in self._on_start:
            await hook()
        self._metrics = telemetry.start_metrics_server(self.settings)
        for name in ("", *self.service_names):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self.serving.set()
        log.info(
            "serving %s on %s",
            ", ".join(self.service_names),
            self.address,
            extra={"grpc_port": port, "metrics_port": self.metrics_port},
        )

    async def stop(self, grace: float | None = None) -> None:
        """Drains and stops; safe to call more than once (later calls wait for the first)."""
        if self._stop_task is None:
            self._stop_task = asyncio.ensure_future(self._drain(grace))
        await asyncio.shield(self._stop_task)

    async def _drain(self, grace: float | None) -> None:
        if self._server is None:
            self._stopped.set()
            return
        grace = self.settings.drain_seconds if grace is None else grace
        log.info("draining", extra={"drain_seconds": grace})
        self.draining.set()
        await self.health.enter_graceful_shutdown()
        if self.settings.drain_notice_seconds:
            # Keep serving while health checkers notice NOT_SERVING and route elsewhere.
            await asyncio.sleep(self.settings.drain_notice_seconds)
        # Refuses new calls at once and cancels what is still running after `grace`.
        await self._server.stop(grace)
        for hook in reversed(self._on_stop):
            try:
                await hook()
            except Exception:
                log.exception("stop hook failed")
        if self._metrics is not None:
            await asyncio.to_thread(self._metrics.close)
        self._stopped.set()
        log.info("stopped")

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    async def serve(self) -> None:
        """Starts, then runs until SIGTERM/SIGINT and drains; a second signal stops at once."""
        loop = asyncio.get_running_loop()
        signals = (signal.SIGTERM, signal.SIGINT)
        stop_requested = asyncio.Event()

        def on_signal(signum: int) -> None:
            if not stop_requested.is_set():
                log.info("received %s", signal.Signals(signum).name)
                stop_requested.set()
            elif self._server is not None:
                log.warning("second signal: stopping without waiting for calls")
                self._force_stop = asyncio.ensure_future(self._server.stop(0))

        for signum in signals:
            loop.add_signal_handler(signum, on_signal, signum)
        try:
            await self.start()
            await stop_requested.wait()
            await self.stop()
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def run_service(
    settings_cls: type[SettingsT],
    build: Callable[[SettingsT], RpcServer | Awaitable[RpcServer]],
) -> None:
    """The body of a service's `__main__`: settings (exit 2 if bad), logging, tracing, serve."""
    settings = load_settings(settings_cls, exit_on_error=True)
    configure_logging(settings)
    telemetry.configure_tracing(settings)

    async def main() -> None:
        built = build(settings)
        server = await built if inspect.isawaitable(built) else built
        await server.serve()

    try:
        asyncio.run(main())
    finally:
        telemetry.shutdown_tracing()
