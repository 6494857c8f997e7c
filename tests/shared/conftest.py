"""Fixtures for shared/ tests: tracing to memory, and an echo server on 127.0.0.1:0."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.rpc import RpcServer
from tests.shared.echo_service import EchoBehaviour, echo_registrations, make_settings


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracer_provider(spans: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return provider


@pytest.fixture
def behaviour() -> EchoBehaviour:
    return EchoBehaviour()


@pytest.fixture
async def server(behaviour: EchoBehaviour, tracer_provider: TracerProvider) -> AsyncIterator[RpcServer]:
    rpc_server = RpcServer(make_settings(), echo_registrations(behaviour), tracer_provider=tracer_provider)
    await rpc_server.start()
    yield rpc_server
    await rpc_server.stop(grace=0)


@pytest.fixture
async def channel(server: RpcServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(server.address) as ch:
        yield ch
