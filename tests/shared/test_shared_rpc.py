"""The shared gRPC core seen from a client: error details, request ids, principal, health, reflection."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared import telemetry
from shared.logging import JsonFormatter
from shared.principal import Principal, PrincipalKind, set_current_principal
from shared.rpc import RpcServer, connect
from tests.shared.echo_service import (
    AUDIT,
    ECHO,
    MESH_TOKEN,
    SECRET,
    EchoBehaviour,
    StringValue,
    echo_registrations,
    echo_stub,
    make_settings,
    stream_stub,
)

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _details(status: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for detail in status.details:
        for cls in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.BadRequest,
            error_details_pb2.RequestInfo,
            error_details_pb2.RetryInfo,
        ):
            if detail.Is(cls.DESCRIPTOR):
                message = cls()
                detail.Unpack(message)
                found[cls.__name__] = message
    return found


async def _eventually(check: Any, timeout: float = 2.0) -> None:
    """Waits for server-side bookkeeping: after an abort the client may return before it runs."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def _trailing(call_or_error: Any) -> dict[str, Any]:
    return dict(call_or_error.trailing_metadata() or ())


async def test_domain_error_arrives_with_code_reason_and_field_violations(channel: grpc.aio.Channel) -> None:
    call = echo_stub(channel)(StringValue(value="invalid"), metadata=(("x-request-id", "req-invalid-1"),))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details() == "The campaign is invalid"

    status = await rpc_status.aio.from_call(call)
    details = _details(status)
    info = details["ErrorInfo"]
    assert (info.reason, info.domain) == ("INVALID_ARGUMENT", "socialproof.io")
    violations = [(v.field, v.description) for v in details["BadRequest"].field_violations]
    assert violations == [
        ("campaign.display_rules.gap", "must not be negative"),
        ("campaign.title", "is required"),
    ]
    assert details["RequestInfo"].request_id == "req-invalid-1"
    assert _trailing(raised.value)["x-request-id"] == "req-invalid-1"


async def test_not_found_carries_custom_reason_and_metadata(channel: grpc.aio.Channel) -> None:
    call = echo_stub(channel)(StringValue(value="notfound"))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    assert raised.value.code() is grpc.StatusCode.NOT_FOUND
    info = _details(await rpc_status.aio.from_call(call))["ErrorInfo"]
    assert info.reason == "CAMPAIGN_NOT_FOUND"
    assert dict(info.metadata) == {"campaign": "c1"}


async def test_retryable_error_carries_retry_info(channel: grpc.aio.Channel) -> None:
    call = echo_stub(channel)(StringValue(value="quota"))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    assert raised.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    retry = _details(await rpc_status.aio.from_call(call))["RetryInfo"]
    assert retry.retry_delay.seconds == 30


async def test_unexpected_exception_is_internal_without_trace_or_secret(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    call = echo_stub(channel)(StringValue(value="boom"), metadata=(("x-request-id", "req-boom-7"),))
    with (
        caplog.at_level(logging.ERROR, logger="socialproof.rpc"),
        pytest.raises(grpc.aio.AioRpcError) as raised,
    ):
        await call
    error = raised.value
    assert error.code() is grpc.StatusCode.INTERNAL
    assert error.details() == "Internal error (request id req-boom-7)"
    everything_sent = repr(error.details()) + repr(error.trailing_metadata()) + repr(error.initial_metadata())
    for leak in (SECRET, "password", "Traceback", "RuntimeError", "conftest.py"):
        assert leak not in everything_sent
    info = _details(await rpc_status.aio.from_call(call))["ErrorInfo"]
    assert info.reason == "INTERNAL"
    # The traceback is kept, server-side only.
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)


async def test_unoverridden_generated_method_is_unimplemented_naming_the_rpc(
    channel: grpc.aio.Channel,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await echo_stub(channel)(StringValue(value="todo"))
    assert raised.value.code() is grpc.StatusCode.UNIMPLEMENTED
    assert raised.value.details() == f"{ECHO}/Echo is not implemented yet"


async def test_request_id_is_echoed_or_generated(channel: grpc.aio.Channel) -> None:
    # Unary calls echo it in the trailers (headers are sent only when a servicer adds some);
    # streams and calls with response headers also carry it in the initial metadata.
    call = echo_stub(channel)(StringValue(value="hi"), metadata=(("x-request-id", "abc-123"),))
    assert (await call).value == "hi"
    assert dict(await call.trailing_metadata())["x-request-id"] == "abc-123"

    generated = echo_stub(channel)(StringValue(value="hi"))
    await generated
    request_id = dict(await generated.trailing_metadata())["x-request-id"]
    assert len(request_id) == 32

    # A value that could forge log lines is replaced, not echoed.
    hostile = echo_stub(channel)(StringValue(value="hi"), metadata=(("x-request-id", 'x" level=ERROR'),))
    await hostile
    assert dict(await hostile.trailing_metadata())["x-request-id"] != 'x" level=ERROR'


async def test_response_header_set_by_servicer_reaches_client(channel: grpc.aio.Channel) -> None:
    call = echo_stub(channel)(StringValue(value="cached"))
    await call
    headers = dict(await call.initial_metadata())
    assert headers["cache-control"] == "public, max-age=5"
    assert headers["x-request-id"] == dict(await call.trailing_metadata())["x-request-id"]


async def test_server_streaming_passes_items_then_maps_error(channel: grpc.aio.Channel) -> None:
    ok = stream_stub(channel)(StringValue(value="a"), metadata=(("x-request-id", "stream-1"),))
    assert [m.value async for m in ok] == ["a-0", "a-1", "a-2"]
    assert dict(await ok.initial_metadata())["x-request-id"] == "stream-1"

    failing = stream_stub(channel)(StringValue(value="fail"))
    received = []
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        async for message in failing:
            received.append(message.value)
    assert received == ["fail-0", "fail-1", "fail-2"]
    assert raised.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert _details(await rpc_status.aio.from_call(failing))["ErrorInfo"].reason == "SITE_PAUSED"


def _principal_metadata(token: str | None, principal: Principal) -> tuple[tuple[str, str], ...]:
    metadata = [("x-sp-principal", principal.to_header()), ("x-sp-caller", "spiffe://socialproof/edge")]
    if token is not None:
        metadata.append(("x-sp-mesh-token", token))
    return tuple(metadata)


@pytest.mark.parametrize(
    ("token", "expected_kind", "expected_caller"),
    [
        (MESH_TOKEN, "user", "spiffe://socialproof/edge"),
        ("wrong-token", "anonymous", None),
        (None, "anonymous", None),
    ],
)
async def test_principal_is_trusted_only_with_the_mesh_token(
    channel: grpc.aio.Channel, token: str | None, expected_kind: str, expected_caller: str | None
) -> None:
    user = Principal(kind=PrincipalKind.USER, subject="u1", org_id="org-1", role="owner")
    response = await echo_stub(channel)(
        StringValue(value="whoami"), metadata=_principal_metadata(token, user)
    )
    seen = json.loads(response.value)
    assert seen["kind"] == expected_kind
    assert seen["caller"] == expected_caller
    assert seen["org_id"] == ("org-1" if expected_kind == "user" else None)


async def test_without_configured_mesh_token_nobody_is_trusted(behaviour: EchoBehaviour) -> None:
    server = RpcServer(make_settings(mesh_token=""), echo_registrations(behaviour))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(server.address) as ch:
            user = Principal(kind=PrincipalKind.USER, subject="u1", org_id="org-1")
            response = await echo_stub(ch)(
                StringValue(value="whoami"), metadata=_principal_metadata("", user)
            )
        assert json.loads(response.value)["kind"] == "anonymous"
    finally:
        await server.stop(grace=0)


async def test_metrics_count_calls_by_method_and_code(channel: grpc.aio.Channel) -> None:
    def count(code: str) -> float:
        value = telemetry.REGISTRY.get_sample_value(
            "sp_rpc_requests_total", {"service": AUDIT, "method": "Record", "code": code}
        )
        return value or 0.0

    ok_before, not_found_before = count("OK"), count("NOT_FOUND")
    stub = echo_stub(channel, "Record", AUDIT)
    await stub(StringValue(value="x"))
    await stub(StringValue(value="y"))
    with pytest.raises(grpc.aio.AioRpcError):
        await stub(StringValue(value="notfound"))
    assert count("OK") - ok_before == 2
    await _eventually(lambda: count("NOT_FOUND") - not_found_before == 1)
    latency = telemetry.REGISTRY.get_sample_value(
        "sp_rpc_latency_seconds_count", {"service": AUDIT, "method": "Record"}
    )
    assert latency is not None and latency >= 3


async def test_metrics_endpoint_serves_prometheus_text(behaviour: EchoBehaviour) -> None:
    server = RpcServer(make_settings(metrics_port=_free_port()), echo_registrations(behaviour))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(server.address) as ch:
            await echo_stub(ch)(StringValue(value="m"))
        reader, writer = await asyncio.open_connection("127.0.0.1", server.metrics_port)
        writer.write(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
        body = (await reader.read()).decode()
        writer.close()
        assert "sp_rpc_requests_total" in body
        assert f'service="{ECHO}"' in body
    finally:
        await server.stop(grace=0)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_server_span_continues_the_callers_trace(
    channel: grpc.aio.Channel, spans: InMemorySpanExporter
) -> None:
    await echo_stub(channel)(StringValue(value="traced"), metadata=(("traceparent", TRACEPARENT),))
    (span,) = [s for s in spans.get_finished_spans() if s.name == f"{ECHO}/Echo"]
    assert span.kind is SpanKind.SERVER
    assert format(span.context.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
    assert span.parent is not None and format(span.parent.span_id, "016x") == "b7ad6b7169203331"
    assert span.attributes is not None
    assert span.attributes["rpc.grpc.status_code"] == 0
    assert span.attributes["rpc.service"] == ECHO


async def test_access_log_line_is_structured_and_free_of_secrets(channel: grpc.aio.Channel) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("echo"))
    logger = logging.getLogger("socialproof.rpc")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        user = Principal(kind=PrincipalKind.USER, subject="u1", org_id="org-9", site_id="site-3")
        metadata = (*_principal_metadata(MESH_TOKEN, user), ("x-request-id", "log-1"))
        await echo_stub(channel)(StringValue(value="logged"), metadata=metadata)
        with pytest.raises(grpc.aio.AioRpcError):
            await echo_stub(channel)(StringValue(value="boom"), metadata=(("x-request-id", "log-2"),))
        await _eventually(lambda: '"code": "INTERNAL"' in stream.getvalue())
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = next(line for line in lines if line.get("request_id") == "log-1")
    assert access["rpc_method"] == "Echo" and access["code"] == "OK"
    assert (access["org_id"], access["site_id"], access["service"]) == ("org-9", "site-3", "echo")
    assert isinstance(access["duration_ms"], float)
    failure = [line for line in lines if line.get("request_id") == "log-2"]
    assert any(line.get("code") == "INTERNAL" for line in failure)
    assert any("traceback" in line for line in failure)
    # The servicer's exception text quoted a password; the log guard masks it even in tracebacks.
    assert MESH_TOKEN not in stream.getvalue()
    assert SECRET not in stream.getvalue()


async def test_health_reports_each_service_and_not_serving_during_drain(behaviour: EchoBehaviour) -> None:
    server = RpcServer(
        make_settings(drain_notice_seconds=0.3, drain_seconds=5), echo_registrations(behaviour)
    )
    await server.start()
    async with grpc.aio.insecure_channel(server.address) as ch:
        health = health_pb2_grpc.HealthStub(ch)

        async def status(service: str) -> int:
            response = await health.Check(health_pb2.HealthCheckRequest(service=service))
            return int(response.status)

        for name in ("", ECHO, AUDIT):
            assert await status(name) == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await status("socialproof.nope.v1.Nope")
        assert unknown.value.code() is grpc.StatusCode.NOT_FOUND

        in_flight = asyncio.ensure_future(echo_stub(ch)(StringValue(value="slow")))
        await behaviour.started.wait()
        stopping = asyncio.ensure_future(server.stop())
        await asyncio.sleep(0.1)
        assert server.draining.is_set()
        for name in ("", ECHO, AUDIT):
            assert await status(name) == health_pb2.HealthCheckResponse.NOT_SERVING
        behaviour.release.set()
        assert (await in_flight).value == "slow"  # the in-flight call finished during the drain
        await stopping
    await server.wait_stopped()


async def test_reflection_lists_services_and_their_methods(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol=ECHO),
    ]
    responses = [r async for r in stub.ServerReflectionInfo(iter(requests))]
    names = {s.name for s in responses[0].list_services_response.service}
    assert {ECHO, AUDIT, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= names

    from google.protobuf import descriptor_pb2

    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in responses[1].file_descriptor_response.file_descriptor_proto
    ]
    echo_file = next(f for f in files if f.package == "socialproof.testing.v1")
    methods = {m.name for s in echo_file.service if s.name == "EchoService" for m in s.method}
    assert methods == {"Echo", "StreamEcho"}


async def test_sigterm_drains_and_returns(behaviour: EchoBehaviour) -> None:
    stopped: list[str] = []

    async def on_stop() -> None:
        stopped.append("consumers")

    server = RpcServer(make_settings(drain_seconds=1), echo_registrations(behaviour), on_stop=[on_stop])
    serving = asyncio.ensure_future(server.serve())
    await asyncio.wait_for(server.serving.wait(), timeout=5)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(serving, timeout=5)
    assert stopped == ["consumers"]


async def test_peer_channel_propagates_request_id_principal_and_trace(
    behaviour: EchoBehaviour, tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    downstream_behaviour = EchoBehaviour()
    downstream = RpcServer(make_settings(service_name="peer"), echo_registrations(downstream_behaviour))
    upstream = RpcServer(make_settings(), echo_registrations(behaviour), tracer_provider=tracer_provider)
    await downstream.start()
    await upstream.start()
    peer = connect(downstream.address, tracer_provider=tracer_provider)

    async def call_peer(text: str) -> str:
        response = await echo_stub(peer)(
            StringValue(value=text), metadata=(("x-sp-mesh-token", "must-not-leak"),)
        )
        return str(response.value)

    behaviour.peer_call = call_peer
    try:
        user = Principal(kind=PrincipalKind.USER, subject="u1", org_id="org-1")
        metadata = (
            *_principal_metadata(MESH_TOKEN, user),
            ("x-request-id", "chain-1"),
            ("traceparent", TRACEPARENT),
        )
        async with grpc.aio.insecure_channel(upstream.address) as ch:
            assert (await echo_stub(ch)(StringValue(value="peer:hello"), metadata=metadata)).value == "hello"
        seen = dict(downstream_behaviour.seen_metadata)
        assert seen["x-request-id"] == "chain-1"
        assert Principal.from_header(seen["x-sp-principal"]).org_id == "org-1"
        assert "x-sp-mesh-token" not in seen  # only the receiving sidecar may add it
        assert seen["traceparent"].split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
        client_span = next(s for s in spans.get_finished_spans() if s.kind is SpanKind.CLIENT)
        assert seen["traceparent"].split("-")[2] == format(client_span.context.span_id, "016x")
    finally:
        await peer.close()
        await upstream.stop(grace=0)
        await downstream.stop(grace=0)
        set_current_principal(Principal(kind=PrincipalKind.ANONYMOUS))
