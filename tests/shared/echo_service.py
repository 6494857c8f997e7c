"""An in-process echo service for shared/ tests, described by a proto registered at runtime."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, wrappers_pb2

from shared import errors
from shared.principal import current_caller, current_principal
from shared.rpc import ServiceRegistration, add_response_header
from shared.settings import ServiceSettings

PACKAGE = "socialproof.testing.v1"
ECHO = f"{PACKAGE}.EchoService"
AUDIT = f"{PACKAGE}.AuditService"
MESH_TOKEN = "mesh-token-for-tests"
SECRET = "hunter2-super-secret"
StringValue = wrappers_pb2.StringValue


def _register_descriptors() -> None:
    """Puts a real proto file for the test services in the default pool, so reflection can describe them."""
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName("socialproof/testing/v1/echo.proto")
        return
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto(
        name="socialproof/testing/v1/echo.proto",
        package=PACKAGE,
        dependency=["google/protobuf/wrappers.proto"],
        syntax="proto3",
    )
    for service_name, methods in (
        ("EchoService", [("Echo", False), ("StreamEcho", True)]),
        ("AuditService", [("Record", False)]),
    ):
        service = proto.service.add(name=service_name)
        for method_name, streaming in methods:
            service.method.add(
                name=method_name,
                input_type=".google.protobuf.StringValue",
                output_type=".google.protobuf.StringValue",
                server_streaming=streaming,
            )
    pool.Add(proto)


_register_descriptors()


class EchoBehaviour:
    """What the echo servicer does for each request text; tests read what it saw."""

    def __init__(self) -> None:
        self.seen_metadata: list[tuple[str, str | bytes]] = []
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.peer_call: Callable[[str], Any] | None = None

    async def echo(self, request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        self.seen_metadata = list(context.invocation_metadata() or ())
        text = request.value
        if text == "invalid":
            with errors.validate("The campaign is invalid") as v:
                v.check(False, "campaign.display_rules.gap", "must not be negative")
                v.require("", "campaign.title")
        if text == "notfound":
            raise errors.NotFound(
                "Campaign not found", reason="CAMPAIGN_NOT_FOUND", metadata={"campaign": "c1"}
            )
        if text == "quota":
            raise errors.ResourceExhausted("Monthly quota used up", retry_after_seconds=30)
        if text == "todo":
            raise NotImplementedError("Method not implemented!")
        if text == "boom":
            raise RuntimeError(f"database password={SECRET} rejected")
        if text == "whoami":
            principal = current_principal()
            return StringValue(
                value=json.dumps(
                    {"kind": principal.kind.value, "org_id": principal.org_id, "caller": current_caller()}
                )
            )
        if text == "slow":
            self.started.set()
            await self.release.wait()
        if text == "cached":
            add_response_header("cache-control", "public, max-age=5")
        if text.startswith("peer:") and self.peer_call is not None:
            return StringValue(value=await self.peer_call(text.removeprefix("peer:")))
        return StringValue(value=text)

    async def stream_echo(
        self, request: StringValue, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[StringValue]:
        for index in range(3):
            yield StringValue(value=f"{request.value}-{index}")
        if request.value == "fail":
            raise errors.FailedPrecondition("The site is paused", reason="SITE_PAUSED")


def echo_registrations(behaviour: EchoBehaviour) -> list[ServiceRegistration]:
    def handler(service: str, methods: dict[str, grpc.RpcMethodHandler]) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(service, methods)

    codec = {
        "request_deserializer": StringValue.FromString,
        "response_serializer": StringValue.SerializeToString,
    }
    echo = handler(
        ECHO,
        {
            "Echo": grpc.unary_unary_rpc_method_handler(behaviour.echo, **codec),
            "StreamEcho": grpc.unary_stream_rpc_method_handler(behaviour.stream_echo, **codec),
        },
    )
    audit = handler(AUDIT, {"Record": grpc.unary_unary_rpc_method_handler(behaviour.echo, **codec)})

    def add(servicer: Any, server: grpc.aio.Server) -> None:
        server.add_generic_rpc_handlers((servicer,))

    return [ServiceRegistration(add, echo, ECHO), ServiceRegistration(add, audit, AUDIT)]


def make_settings(**overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "service_name": "echo",
        "grpc_port": 0,
        "env": "test",
        "mesh_token": MESH_TOKEN,
        "drain_seconds": 2.0,
    }
    values.update(overrides)
    return ServiceSettings(**values)


def echo_stub(channel: grpc.aio.Channel, method: str = "Echo", service: str = ECHO) -> Any:
    return channel.unary_unary(
        f"/{service}/{method}",
        request_serializer=StringValue.SerializeToString,
        response_deserializer=StringValue.FromString,
    )


def stream_stub(channel: grpc.aio.Channel) -> Any:
    return channel.unary_stream(
        f"/{ECHO}/StreamEcho",
        request_serializer=StringValue.SerializeToString,
        response_deserializer=StringValue.FromString,
    )
