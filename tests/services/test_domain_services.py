"""The five domain services start as real processes, migrate, and serve health + reflection."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from shared.devstack.platform import Infrastructure, new_secrets, service_env
from shared.devstack.process import free_port
from shared.devstack.smtp import SmtpSink
from shared.rpc.domain import contract_services

DOMAINS = ("users", "notifications", "integrations", "analytics", "billing")


def _reflect(
    channel: grpc.Channel, request: reflection_pb2.ServerReflectionRequest
) -> reflection_pb2.ServerReflectionResponse:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    return next(iter(stub.ServerReflectionInfo(iter([request]), timeout=5)))


@pytest.fixture(scope="module")
def running_services(  # type: ignore[no-untyped-def]
    postgres_server, redis_server, kafka_bootstrap, localstripe_url, tmp_path_factory
) -> Iterator[dict[str, int]]:
    """All five services as `python -m services.<name>` processes sharing one fresh database,
    with the same environment `make up` gives them (but no mesh)."""
    database_url = postgres_server.create_database(
        f"svc_{os.getpid()}_{int(time.time())}", template="template0"
    )
    logs = tmp_path_factory.mktemp("service-logs")
    smtp = SmtpSink().start()
    infra = Infrastructure(
        database_url=database_url,
        redis_url=f"{redis_server.url.rsplit('/', 1)[0]}/0?key_prefix=svc{os.getpid()}:",
        kafka_bootstrap=kafka_bootstrap,
        clickhouse_url=f"chdb://{tmp_path_factory.mktemp('chdb')}",
        stripe_api_base=localstripe_url,
        smtp_url=smtp.url,
    )
    env_base = {
        **service_env(infra, edge_url="http://127.0.0.1:9", installation=new_secrets()),
        "SP_DRAIN_SECONDS": "1",
    }
    ports: dict[str, int] = {}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for domain in DOMAINS:
        ports[domain] = free_port()
        with open(logs / f"{domain}.log", "wb") as log:
            processes[domain] = subprocess.Popen(
                [sys.executable, "-m", f"services.{domain}"],
                env={**env_base, "SP_GRPC_PORT": str(ports[domain])},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    try:
        deadline = time.monotonic() + 60
        for domain, port in ports.items():
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            while True:
                try:
                    status = (
                        health_pb2_grpc.HealthStub(channel)
                        .Check(health_pb2.HealthCheckRequest(), timeout=1)
                        .status
                    )
                    if status == health_pb2.HealthCheckResponse.SERVING:
                        break
                except grpc.RpcError:
                    pass
                if processes[domain].poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{domain} did not start:\n{(logs / f'{domain}.log').read_text()[-3000:]}")
                time.sleep(0.2)
            channel.close()
        yield ports
    finally:
        smtp.stop()
        for process in processes.values():
            process.terminate()
        for domain, process in processes.items():
            try:
                assert process.wait(timeout=15) == 0, f"{domain} did not drain cleanly on SIGTERM"
            except subprocess.TimeoutExpired:
                process.kill()
                raise


@pytest.mark.parametrize("domain", DOMAINS)
def test_reflection_lists_every_rpc_and_health_is_serving(
    running_services: dict[str, int], domain: str
) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{running_services[domain]}") as channel:
        listed = {
            s.name
            for s in _reflect(
                channel, reflection_pb2.ServerReflectionRequest(list_services="")
            ).list_services_response.service
        }
        expected = {s.full_name for s in contract_services(domain)}
        assert expected <= listed
        assert {"grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= listed

        health = health_pb2_grpc.HealthStub(channel)
        for service in expected:
            reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, service

        # Using reflection alone (no generated code), every RPC of the contract is discoverable.
        for service in expected:
            response = _reflect(
                channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol=service)
            )
            methods = set()
            for raw in response.file_descriptor_response.file_descriptor_proto:
                file = descriptor_pb2.FileDescriptorProto.FromString(raw)
                for svc in file.service:
                    if f"{file.package}.{svc.name}" == service:
                        methods = {m.name for m in svc.method}
            contract = next(s for s in contract_services(domain) if s.full_name == service)
            assert methods == {m.name for m in contract.descriptor.methods}, service


@pytest.mark.parametrize("domain", DOMAINS)
def test_unbuilt_rpcs_answer_unimplemented_naming_the_rpc(
    running_services: dict[str, int], domain: str
) -> None:
    service = contract_services(domain)[0]
    method = next(m for m in service.descriptor.methods if not m.client_streaming)
    with grpc.insecure_channel(f"127.0.0.1:{running_services[domain]}") as channel:
        path = f"/{service.full_name}/{method.name}"
        if method.server_streaming:
            call = channel.unary_stream(path, request_serializer=None, response_deserializer=None)
            with pytest.raises(grpc.RpcError) as caught:
                list(call(b"", timeout=5))
        else:
            call = channel.unary_unary(path, request_serializer=None, response_deserializer=None)
            with pytest.raises(grpc.RpcError) as caught:
                call(b"", timeout=5)
    error = caught.value
    if error.code() == grpc.StatusCode.UNIMPLEMENTED:
        assert error.details() == f"{service.full_name}/{method.name} is not implemented yet"
    else:
        # Once built, an empty request is refused by validation or auth, never by a crash.
        assert error.code() in {
            grpc.StatusCode.INVALID_ARGUMENT,
            grpc.StatusCode.UNAUTHENTICATED,
            grpc.StatusCode.PERMISSION_DENIED,
            grpc.StatusCode.NOT_FOUND,
        }, (path, error.code(), error.details())


def test_not_built_servicer_names_each_rpc() -> None:
    from shared.rpc.domain import not_built_servicer

    for domain in DOMAINS:
        for service in contract_services(domain):
            servicer = not_built_servicer(service)
            assert isinstance(servicer, service.base_class)
            for method in service.descriptor.methods:
                assert getattr(type(servicer), method.name) is not getattr(service.base_class, method.name)
