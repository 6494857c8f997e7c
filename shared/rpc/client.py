"""Channels for service-to-service calls through the local sidecar, carrying request context along."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import grpc
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from shared import telemetry
from shared.logging import request_id_var
from shared.principal import PRINCIPAL_HEADER, current_principal
from shared.rpc.status import REQUEST_ID_HEADER, SERVER_FAULT_CODES
from shared.settings import ServiceSettings

# Set by the receiving sidecar, or by this interceptor from the current call: never copied.
_HOP_HEADERS = frozenset({"x-sp-mesh-token", "x-sp-caller", PRINCIPAL_HEADER})


class _TaskSet:
    """Keeps fire-and-forget tasks referenced until they finish (asyncio holds them weakly)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def add_task(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


# grpc ships no type stubs, so its base classes are Any to mypy.
class ContextPropagationInterceptor(
    grpc.aio.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.aio.UnaryStreamClientInterceptor,  # type: ignore[misc]
    grpc.aio.StreamUnaryClientInterceptor,  # type: ignore[misc]
    grpc.aio.StreamStreamClientInterceptor,  # type: ignore[misc]
):
    """Adds x-request-id, the principal and W3C trace context to every outgoing call.

    It also opens a CLIENT span so the peer's server span nests under this call.
    """

    def __init__(
        self,
        *,
        default_timeout: float | None = None,
        tracer_provider: trace.TracerProvider | None = None,
    ) -> None:
        self._default_timeout = default_timeout
        self._tracer_provider = tracer_provider
        self._finishers = _TaskSet()

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata()
        request_id = request_id_var.get()
        for key, value in details.metadata or ():
            if key in _HOP_HEADERS or (key == REQUEST_ID_HEADER and request_id):
                continue
            metadata.add(key, value)
        if request_id:
            metadata.add(REQUEST_ID_HEADER, request_id)
        principal = current_principal()
        if not principal.is_anonymous:
            metadata.add(PRINCIPAL_HEADER, principal.to_header())
        for key, value in telemetry.inject_context({}).items():
            metadata.add(key, value)
        return grpc.aio.ClientCallDetails(
            method=details.method,
            timeout=details.timeout if details.timeout is not None else self._default_timeout,
            metadata=metadata,
            credentials=details.credentials,
            wait_for_ready=details.wait_for_ready,
        )

    def _span(self, details: grpc.aio.ClientCallDetails) -> trace.Span:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        service, _, name = method.lstrip("/").rpartition("/")
        tracer = telemetry.get_tracer("socialproof.rpc.client", self._tracer_provider)
        return tracer.start_span(
            f"{service}/{name}",
            kind=SpanKind.CLIENT,
            attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": name},
        )

    async def _invoke(
        self, continuation: Callable[..., Any], details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        span = self._span(details)
        with trace.use_span(span, end_on_exit=False):
            call = await continuation(self._details(details), request)

        async def finish(done: grpc.aio.Call) -> None:
            try:
                code = await done.code()
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
            span.set_attribute("rpc.grpc.status_code", code.value[0])
            if code in SERVER_FAULT_CODES:
                span.set_status(Status(StatusCode.ERROR, code.name))
            span.end()

        # aio's code() is a coroutine even on a finished call, so the span ends in a small task.
        call.add_done_callback(lambda done: self._finishers.add_task(finish(done)))
        return call

    async def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return await self._invoke(continuation, client_call_details, request)

    async def intercept_unary_stream(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return await self._invoke(continuation, client_call_details, request)

    async def intercept_stream_unary(
        self, continuation: Any, client_call_details: Any, request_iterator: Any
    ) -> Any:
        return await self._invoke(continuation, client_call_details, request_iterator)

    async def intercept_stream_stream(
        self, continuation: Any, client_call_details: Any, request_iterator: Any
    ) -> Any:
        return await self._invoke(continuation, client_call_details, request_iterator)


def connect(
    target: str,
    *,
    authority: str | None = None,
    default_timeout: float | None = 10.0,
    max_message_bytes: int = 8 * 1024 * 1024,
    interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
    tracer_provider: trace.TracerProvider | None = None,
) -> grpc.aio.Channel:
    """An insecure channel to `target` with context propagation (mTLS is the sidecar's job)."""
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
    ]
    if authority:
        options.append(("grpc.default_authority", authority))
    return grpc.aio.insecure_channel(
        target,
        options=options,
        interceptors=[
            ContextPropagationInterceptor(default_timeout=default_timeout, tracer_provider=tracer_provider),
            *interceptors,
        ],
    )


def peer_channel(
    settings: ServiceSettings,
    peer: str,
    *,
    default_timeout: float | None = 10.0,
    tracer_provider: trace.TracerProvider | None = None,
) -> grpc.aio.Channel:
    """A channel to `peer` (e.g. "billing") via the local sidecar's outbound listener.

    The sidecar routes on the :authority, which is set to the peer's name.
    """
    return connect(
        settings.sidecar_outbound,
        authority=peer,
        default_timeout=default_timeout,
        max_message_bytes=settings.max_receive_message_bytes,
        tracer_provider=tracer_provider,
    )
