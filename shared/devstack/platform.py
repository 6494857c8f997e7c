"""The whole local platform from one topology: infrastructure, services, sidecars, edge, supervised.

`make up` and the end-to-end tests both use `Platform`: it starts (or adopts) the infrastructure,
writes certificates and Envoy configs from the topology, starts every service, its sidecar and the
edge, waits until each is healthy, and then keeps them running: a process that exits is restarted
with backoff. Every child is started in its own session and stopped by PID.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared.crypto import generate_key
from shared.devstack.clickhouse import ClickHouseServer
from shared.devstack.localstripe import LocalStripeServer
from shared.devstack.postgres import PostgresServer
from shared.devstack.process import DevstackError, LocalServer, pid_alive, stop_pid
from shared.devstack.redis_server import RedisServer
from shared.devstack.smtp import SmtpSink
from shared.devstack.tansu import TansuServer

if TYPE_CHECKING:
    from meshconfig import Topology

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTOR = ROOT / "gen" / "descriptors" / "socialproof.binpb"
WIDGET_DIST = ROOT / "widget" / "dist"
DASHBOARD_DIST = ROOT / "dashboard" / "dist"
DATABASE = "socialproof"

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class Child:
    """One supervised process (a service, a sidecar or the edge)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    ready: Callable[[], bool]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0
    backoff: float = 0.5

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def spawn(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=ROOT,
                # Own session: Ctrl-C in the terminal reaches the supervisor only, which then
                # stops children in order (and Envoy is not killed by its parent's exit).
                start_new_session=True,
            )
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise DevstackError(f"{self.name} exited during start:\n{_tail(self.log)}")
            if self.ready():
                return
            time.sleep(0.1)
        raise DevstackError(f"{self.name} was not ready after {timeout:.0f} s:\n{_tail(self.log)}")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_pid(self.process.pid, timeout)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(1)


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def grpc_serving(port: int) -> Callable[[], bool]:
    def check() -> bool:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
            except grpc.RpcError:
                return False
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    return check


def envoy_live(admin_port: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/ready", timeout=1) as reply:
                return bool(reply.read().strip() == b"LIVE")
        except OSError:
            return False

    return check


@dataclass
class Infrastructure:
    """Where the platform's infrastructure is: started here, or external via its URL setting."""

    database_url: str
    redis_url: str
    kafka_bootstrap: str
    clickhouse_url: str
    stripe_api_base: str
    smtp_url: str
    servers: list[LocalServer] = field(default_factory=list)


def service_env(infra: Infrastructure, *, edge_url: str, installation: Mapping[str, str]) -> dict[str, str]:
    """The environment every service process gets: where the infrastructure is, and secrets.
    The one definition used by `make up`, the end-to-end tests and the service start-up tests."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "gen" / "python"), str(ROOT / "envoy")]),
        "PYTHONUNBUFFERED": "1",
        "SP_ENV": "dev",
        "SP_DATABASE_URL": infra.database_url,
        "SP_REDIS_URL": infra.redis_url,
        "SP_KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap,
        "SP_CLICKHOUSE_URL": infra.clickhouse_url,
        "SP_STRIPE_API_BASE": infra.stripe_api_base,
        # integrations' name for it (Stripe keys a user enters are checked, and backfilled, there too)
        "SP_STRIPE_API_BASE_URL": infra.stripe_api_base,
        "SP_SMTP_URL": infra.smtp_url,
        "SP_PUBLIC_BASE_URL": edge_url,
        "SP_DASHBOARD_URL": edge_url,
        "SP_DRAIN_SECONDS": "2",
        # Tansu joins consumer groups slowly with Kafka's default timeouts (INFRA-NOTES).
        "SP_KAFKA_FAST_GROUP_JOIN": "true",
        # localstripe always prorates and rejects the proration_behavior parameter (docs/billing.md).
        "SP_STRIPE_PRORATION_BEHAVIOR": "false",
        # Generated secrets never override ones the operator set in the environment.
        **{name: value for name, value in installation.items() if not os.environ.get(name)},
    }


def new_secrets() -> dict[str, str]:
    """Secrets of one local installation: the PII key ring (encryption key + lookup-hash key), and
    the Stripe test key and webhook secret localstripe is used with."""
    return {
        "SP_PII_KEYS": f"k1:{generate_key()},lookup:{generate_key()}",
        "SP_STRIPE_API_KEY": f"sk_test_{secrets.token_hex(12)}",
        "SP_STRIPE_WEBHOOK_SECRET": f"whsec_{secrets.token_hex(16)}",
    }


EDGE_WORKERS = max(1, min(2, os.cpu_count() or 1))


class Platform:
    """The local SocialProof platform under `root` (data, certs, configs, logs, pids)."""

    def __init__(
        self,
        root: Path,
        topology: Topology,
        *,
        durable: bool = True,
        external: Mapping[str, str] | None = None,
        progress: Progress = _quiet,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root.absolute()
        self.topology = topology
        self.durable = durable
        self.external = dict(external or {})
        self.progress = progress
        self.extra_env = dict(extra_env or {})
        self.logs = self.root / "logs"
        self.children: dict[str, Child] = {}
        self.infra: Infrastructure | None = None
        self._smtp: SmtpSink | None = None
        self._stop = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._lock = threading.Lock()
        self.events: list[str] = []
        # The edge serves the widget, the demo page and the dashboard when they are built (make web).
        self.static_dir = WIDGET_DIST if (WIDGET_DIST / "manifest.json").is_file() else None
        self.dashboard_dir = DASHBOARD_DIST if (DASHBOARD_DIST / "index.html").is_file() else None
        demo = self.root / "demo.json"
        self.demo_site_key: str | None = json.loads(demo.read_text())["site_key"] if demo.is_file() else None

    # ---- start -------------------------------------------------------------------------------

    def start(self) -> Platform:
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        started = time.monotonic()
        try:
            self.infra = self._start_infrastructure()
            configs = self._render_mesh()
            self._start_children(configs)
        except BaseException:
            self.stop()
            raise
        self._write_state()
        self._supervisor = threading.Thread(target=self._supervise, name="supervisor", daemon=True)
        self._supervisor.start()
        self.progress(f"platform up in {time.monotonic() - started:.1f} s")
        return self

    def _start_infrastructure(self) -> Infrastructure:
        servers: list[LocalServer] = []

        def local(name: str, server: LocalServer) -> LocalServer:
            t = time.monotonic()
            server.start()
            servers.append(server)
            how = "adopted running" if server.adopted else "started"
            self.progress(f"{name:<13} {how} ({time.monotonic() - t:.1f} s)  {server.url}")
            return server

        database_url = self.external.get("DATABASE_URL")
        if not database_url:
            pg = local("postgres", PostgresServer(self.root / "postgres", durable=self.durable))
            assert isinstance(pg, PostgresServer)
            if not pg.database_exists(DATABASE):
                pg.create_database(DATABASE)
            database_url = pg.url_for(DATABASE)
        else:
            self.progress("postgres      external")
        redis_url = (
            self.external.get("REDIS_URL")
            or local("redis", RedisServer(self.root / "redis", persist=self.durable)).url
        )
        kafka = self.external.get("KAFKA_BOOTSTRAP_SERVERS")
        if not kafka:
            tansu = local("kafka (tansu)", TansuServer(self.root / "tansu"))
            assert isinstance(tansu, TansuServer)
            kafka = tansu.bootstrap_servers
        stripe = (
            self.external.get("STRIPE_API_BASE")
            or local("stripe (local)", LocalStripeServer(self.root / "localstripe")).url
        )
        clickhouse = self.external.get("CLICKHOUSE_URL")
        if clickhouse:
            self.progress(f"{'clickhouse':<13} external")
        elif len(self.topology.service("analytics").process_ports) > 1:
            # chdb lives inside one process: several analytics workers share a ClickHouse server
            ch = local("clickhouse", ClickHouseServer(self.root / "clickhouse-server"))
            assert isinstance(ch, ClickHouseServer)
            clickhouse = ch.url
        else:
            # chdb is in-process in analytics: a data directory, not a server.
            clickhouse = f"chdb://{self.root / 'clickhouse'}"
            self.progress(f"{'clickhouse':<13} {clickhouse}")
        smtp = self.external.get("SMTP_URL")
        if not smtp:
            self._smtp = SmtpSink().start()
            smtp = self._smtp.url
            self.progress(f"{'smtp (sink)':<13} {smtp}")
        return Infrastructure(database_url, redis_url, kafka, clickhouse, stripe, smtp, servers)

    def _render_mesh(self) -> dict[str, Path]:
        from meshconfig import ensure_mesh_token, render_all

        t = time.monotonic()
        token = ensure_mesh_token(self.root / "mesh-token")
        configs = render_all(
            self.topology,
            self.root / "envoy",
            DESCRIPTOR,
            self.root / "certs",
            token,
            access_log_dir=self.logs,
            hc_interval=0.5,
            static_dir=self.static_dir,
            demo_site_key=self.demo_site_key if self.static_dir else None,
            dashboard_dir=self.dashboard_dir if self.static_dir else None,
        )
        self.progress(f"{'mesh':<13} certs + {len(configs)} Envoy configs ({time.monotonic() - t:.1f} s)")
        return configs

    def _secrets(self) -> dict[str, str]:
        """Per-installation secrets, generated once and kept (0600) so data stays readable."""
        path = self.root / "secrets.json"
        kept: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        # Keys a newer version needs are added; existing ones are never replaced (data depends on them).
        values = {**new_secrets(), **kept}
        if values != kept:
            path.write_text(json.dumps(values))
            path.chmod(0o600)
        return values

    def service_env(self, service: str, worker: int = 0) -> dict[str, str]:
        assert self.infra is not None
        from meshconfig import ensure_mesh_token

        return {
            **service_env(self.infra, edge_url=self.edge_url, installation=self._secrets()),
            **self.topology.app_env(service, worker),
            "SP_MESH_TOKEN": ensure_mesh_token(self.root / "mesh-token"),
            **self._widget_script_env(service),
            **self.extra_env,
        }

    def _widget_script_env(self, service: str) -> dict[str, str]:
        """Install snippets name the widget file this edge serves (the versioned name in the manifest)."""
        if service != "notifications" or self.static_dir is None:
            return {}
        from meshconfig.static import WIDGET_PREFIX, widget_file

        return {"SP_WIDGET_SCRIPT_URL": f"{self.edge_url}{WIDGET_PREFIX}{widget_file(self.static_dir)}"}

    def _start_children(self, configs: dict[str, Path]) -> None:
        from meshconfig import envoy_binary

        envoy = str(envoy_binary())

        def envoy_argv(config: Path, workers: int = 1) -> list[str]:
            return [envoy, "-c", str(config), "--disable-hot-restart", "--concurrency", str(workers),
                    "-l", "warning", "--drain-time-s", "1"]  # fmt: skip

        for svc in self.topology.services:
            # worker 0 is "<service>", further workers (Topology.worker_ports) "<service>-2", …, then
            # background workers (Topology.background_ports) "<service>-bg", "<service>-bg2", …
            for worker, port in enumerate(svc.process_ports):
                behind = worker - svc.workers
                if behind >= 0:
                    name = f"{svc.name}-bg" if behind == 0 else f"{svc.name}-bg{behind + 1}"
                else:
                    name = svc.name if worker == 0 else f"{svc.name}-{worker + 1}"
                self.children[name] = Child(
                    name,
                    [sys.executable, "-m", f"services.{svc.name}"],
                    self.service_env(svc.name, worker),
                    self.logs / f"{name}.log",
                    grpc_serving(port),
                )
            self.children[f"sidecar-{svc.name}"] = Child(
                f"sidecar-{svc.name}",
                envoy_argv(configs[svc.name]),
                dict(os.environ),
                self.logs / f"sidecar-{svc.name}.log",
                envoy_live(svc.admin_port),
            )
        edge = self.topology.edge
        self.children["edge"] = Child(
            "edge",
            # the edge does the public work (TLS-free here, but transcoding, cache hits, static files):
            # a worker per core, so a cache fill's transcoding does not hold up hits queued behind it
            envoy_argv(configs["edge"], workers=EDGE_WORKERS),
            dict(os.environ),
            self.logs / "edge.log",
            envoy_live(edge.admin_port),
        )
        # Spawn everything first so the services start (imports, migrations) in parallel.
        t = time.monotonic()
        for child in self.children.values():
            child.spawn()
        for child in self.children.values():
            child.wait_ready(timeout=90)
            self.progress(f"{child.name:<22} ready  pid={child.pid}")
        self._wait_edge_healthy(timeout=30)
        self.progress(f"{len(self.children)} processes ready in {time.monotonic() - t:.1f} s")

    def _wait_edge_healthy(self, timeout: float) -> None:
        """Until the edge's own active health checks pass for every service cluster, it answers 503:
        "up" means a request sent now is served."""
        admin = f"http://127.0.0.1:{self.topology.edge.admin_port}/clusters"
        wanted = {svc.cluster for svc in self.topology.services}
        deadline = time.monotonic() + timeout
        healthy: set[str] = set()
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(admin, timeout=2) as reply:  # noqa: S310
                healthy = {
                    line.split("::", 1)[0]
                    for line in reply.read().decode().splitlines()
                    if "::health_flags::healthy" in line
                }
            if wanted <= healthy:
                return
            time.sleep(0.1)
        raise DevstackError(f"the edge does not see healthy clusters: {sorted(wanted - healthy)}")

    def show_demo(self, site_key: str) -> None:
        """Serve the demo page for `site_key`: re-render the edge config and restart the edge (Envoy
        reads static bodies when its config loads)."""
        if site_key == self.demo_site_key or self.static_dir is None:
            self.demo_site_key = site_key
            return
        self.demo_site_key = site_key
        self._render_mesh()
        with self._lock:
            edge = self.children["edge"]
            edge.stop()
            edge.spawn()
        edge.wait_ready(timeout=30)
        self._wait_edge_healthy(timeout=30)
        self._write_state()

    # ---- supervision -------------------------------------------------------------------------

    def _supervise(self) -> None:
        while not self._stop.wait(0.2):
            for child in list(self.children.values()):
                with self._lock:
                    if self._stop.is_set() or child.alive():
                        # A child that stayed up for a while earns a fresh backoff.
                        if child.alive() and time.monotonic() - child.started_at > 30:
                            child.backoff = 0.5
                        continue
                    code = child.process.returncode if child.process else None
                    if time.monotonic() - child.started_at < child.backoff:
                        continue
                    child.restarts += 1
                    self._event(f"{child.name} exited ({code}); restart #{child.restarts}")
                    child.spawn()
                    child.backoff = min(child.backoff * 2, 10.0)
                    self._write_state()

    def _event(self, text: str) -> None:
        self.events.append(text)
        self.progress(text)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Kill one child the hard way (tests: the supervisor must bring it back)."""
        child = self.children[name]
        assert child.pid is not None
        pid = child.pid
        os.kill(pid, sig)
        return pid

    def wait_ready(self, name: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            child = self.children[name]
            if child.alive() and child.ready():
                return
            time.sleep(0.1)
        raise DevstackError(
            f"{name} did not come back within {timeout:.0f} s:\n{_tail(self.children[name].log)}"
        )

    # ---- state, urls, stop -------------------------------------------------------------------

    @property
    def edge_url(self) -> str:
        return f"http://127.0.0.1:{self.topology.edge.http_port}"

    def urls(self) -> dict[str, str]:
        edge = self.edge_url
        return {
            "edge (REST + gRPC-Web)": edge,
            "plans (REST example)": f"{edge}/v1/plans",
            "widget feed (REST)": f"{edge}/v1/widget/sites/<site_key>/feed",
            "edge admin (loopback)": f"http://127.0.0.1:{self.topology.edge.admin_port}",
            **({"dashboard": f"{edge}/app/"} if self.static_dir and self.dashboard_dir else {}),
            **({"demo shop (widget)": f"{edge}/demo/"} if self.static_dir and self.demo_site_key else {}),
            "logs": str(self.logs),
        }

    def _write_state(self) -> None:
        state = {
            "supervisor_pid": os.getpid(),
            "children": {name: c.pid for name, c in self.children.items()},
            "edge": self.edge_url,
        }
        path = self.root / "platform.json"
        path.write_text(json.dumps(state, indent=2))

    def stop(self) -> None:
        self._stop.set()
        if self._supervisor is not None:
            self._supervisor.join(5)
        with self._lock:
            # Edge first (no new traffic), then sidecars and services.
            for name in reversed(list(self.children)):
                self.children[name].stop()
        if self._smtp is not None:
            self._smtp.stop()
            self._smtp = None
        if self.infra is not None:
            for server in reversed(self.infra.servers):
                server.stop()
        with contextlib.suppress(FileNotFoundError):
            (self.root / "platform.json").unlink()


def stop_recorded(root: Path) -> list[str]:
    """`make down`: stop the supervisor and every child recorded under root, by PID."""
    from shared.devstack.process import stop_all

    stopped: list[str] = []
    path = root / "platform.json"
    if path.exists():
        state = json.loads(path.read_text())
        supervisor = state.get("supervisor_pid")
        if isinstance(supervisor, int) and supervisor != os.getpid() and pid_alive(supervisor):
            stop_pid(supervisor, 30)  # it stops its own children on SIGTERM
            stopped.append("supervisor")
        for name, pid in state.get("children", {}).items():
            if isinstance(pid, int) and pid_alive(pid):
                stop_pid(pid, 10)
                stopped.append(name)
        path.unlink(missing_ok=True)
    stopped += stop_all(root)
    return stopped
