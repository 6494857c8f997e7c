"""Helpers for the mesh tests: the fixture contract, a fixture app, Envoy processes and the mesh fixture."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from grpc_health.v1 import health, health_pb2_grpc

from meshconfig import Topology, default_topology, envoy_binary, render_all, with_free_ports
from meshconfig.topology import DEFAULT_ROUTE_CLASSES

HERE = Path(__file__).parent
FIXTURE_PROTOS = HERE / "fixture_protos"
MESH_TOKEN = "test-mesh-token-3f1c"
FEED = "socialproof.notifications.v1.MeshTestWidgetService"


def build_fixture_descriptor(out: Path) -> Path:
    import grpc_tools

    site = Path(grpc_tools.__file__).parent.parent  # site-packages: google/api/*.proto live here
    protos = sorted(str(p.relative_to(FIXTURE_PROTOS)) for p in FIXTURE_PROTOS.rglob("*.proto"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{FIXTURE_PROTOS}",
            f"-I{site}",
            f"-I{Path(grpc_tools.__file__).parent / '_proto'}",
            "--include_imports",
            f"--descriptor_set_out={out}",
            *protos,
        ],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def fixture_descriptor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_descriptor(tmp_path_factory.mktemp("desc") / "meshtest.binpb")


# --- the in-process app ----------------------------------------------------------------------------
class FixtureApp:
    """gRPC server implementing the fixture services from the descriptor (dynamic messages)."""

    def __init__(self, descriptor: Path, port: int) -> None:
        fds = descriptor_pb2.FileDescriptorSet.FromString(descriptor.read_bytes())
        pool = descriptor_pool.DescriptorPool()
        for f in fds.file:
            pool.Add(f)
        self.msg = lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
        self.seen: list[dict[str, str]] = []
        self.health = health.HealthServicer()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self._add_feed_service()
        self._add_simple(
            "socialproof.analytics.v1.MeshTestIngestService",
            "RecordMeshTestEvents",
            "socialproof.analytics.v1.RecordMeshTestEventsRequest",
            "socialproof.analytics.v1.RecordMeshTestEventsResponse",
            lambda req, resp: setattr(resp, "accepted_count", len(req.event_names)),
        )
        self.port = self.server.add_insecure_port(f"127.0.0.1:{port}")
        self.server.start()

    def _record(self, context: grpc.ServicerContext) -> dict[str, str]:
        md = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
        self.seen.append(md)
        return md

    def _add_feed_service(self) -> None:
        pkg = "socialproof.notifications.v1."
        Feed = self.msg(pkg + "MeshTestFeed")

        def feed(req, context):
            md = self._record(context)
            if req.site_key == "missing":
                context.abort(grpc.StatusCode.NOT_FOUND, "no such site")
            return Feed(
                site_key=req.site_key,
                item_texts=["Jana bought shoes"],
                seen_caller=md.get("x-sp-caller", ""),
                mesh_token_ok=md.get("x-sp-mesh-token") == MESH_TOKEN,
            )

        def stream(req, context):
            self._record(context)
            for i in range(3):
                yield Feed(site_key=req.site_key, item_texts=[f"update {i}"])

        def publish(req, context):
            self._record(context)
            return Feed(site_key=req.name)

        des = lambda name: self.msg(pkg + name).FromString  # noqa: E731
        handlers = {
            "GetMeshTestFeed": grpc.unary_unary_rpc_method_handler(
                feed, des("GetMeshTestFeedRequest"), Feed.SerializeToString
            ),
            "StreamMeshTestUpdates": grpc.unary_stream_rpc_method_handler(
                stream, des("StreamMeshTestUpdatesRequest"), Feed.SerializeToString
            ),
            "PublishMeshTestCampaign": grpc.unary_unary_rpc_method_handler(
                publish, des("PublishMeshTestCampaignRequest"), Feed.SerializeToString
            ),
        }
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(FEED, handlers),))

    def _add_simple(self, service: str, method: str, req: str, resp: str, fill) -> None:
        Req, Resp = self.msg(req), self.msg(resp)

        def handler(request, context):
            self._record(context)
            out = Resp()
            fill(request, out)
            return out

        self.server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    service,
                    {
                        method: grpc.unary_unary_rpc_method_handler(
                            handler, Req.FromString, Resp.SerializeToString
                        )
                    },
                ),
            )
        )

    def stop(self) -> None:
        self.server.stop(grace=None)


# --- Envoy processes -------------------------------------------------------------------------------
@dataclass
class EnvoyProc:
    name: str
    proc: subprocess.Popen
    admin_port: int
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def admin(self, path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}{path}", timeout=2) as r:
            return r.read().decode()


def start_envoy(name: str, config: Path, admin_port: int, log_dir: Path, timeout: float = 15) -> EnvoyProc:
    log = log_dir / f"{name}.log"
    fh = open(log, "wb")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [
            str(envoy_binary()),
            "-c",
            str(config),
            "--disable-hot-restart",
            "--concurrency",
            "1",
            "-l",
            "warning",
            "--drain-time-s",
            "1",
        ],
        stdout=fh,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    fh.close()
    ep = EnvoyProc(name, proc, admin_port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"envoy {name} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if ep.admin("/ready").strip() == "LIVE":
                return ep
        time.sleep(0.05)
    ep.stop()
    raise RuntimeError(f"envoy {name} not ready in {timeout}s:\n{log.read_text()[-3000:]}")


@dataclass
class Mesh:
    topology: Topology
    configs: dict[str, Path]
    cert_dir: Path
    app: FixtureApp
    envoys: dict[str, EnvoyProc]


def make_test_topology() -> Topology:
    """Free ports; the partner class is tiny so the 429 test is quick and deterministic."""
    classes = tuple(
        dataclasses.replace(rc, requests_per_second=3, burst=3) if rc.name == "partner" else rc
        for rc in DEFAULT_ROUTE_CLASSES
    )
    return with_free_ports(
        dataclasses.replace(
            default_topology(dashboard_origins=["https://dash.example"]), route_classes=classes
        )
    )


@pytest.fixture(scope="session")
def mesh(tmp_path_factory: pytest.TempPathFactory, fixture_descriptor: Path) -> Iterator[Mesh]:
    """edge + sidecars for notifications and analytics, in front of one fixture app that plays
    notifications (the analytics sidecar is used for its outbound side)."""
    base = tmp_path_factory.mktemp("mesh")
    topo = make_test_topology()
    configs = render_all(topo, base / "cfg", fixture_descriptor, base / "certs", MESH_TOKEN, hc_interval=0.5)
    notif = topo.service("notifications")
    app = FixtureApp(fixture_descriptor, notif.app_port)
    envoys: dict[str, EnvoyProc] = {}
    try:
        for name in ("notifications", "analytics"):
            envoys[name] = start_envoy(name, configs[name], topo.service(name).admin_port, base)
        envoys["edge"] = start_envoy("edge", configs["edge"], topo.edge.admin_port, base)
        yield Mesh(topo, configs, base / "certs", app, envoys)
    finally:
        for ep in envoys.values():
            ep.stop()
        app.stop()


def wait_for(predicate, timeout: float = 10, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
