"""The mesh topology: the one typed description of services, ports, identities, call permissions,
rate-limit route classes and CORS origins. Everything mesh-related (Envoy edge and sidecar configs,
the local process set, k8s manifests) is generated from a `Topology`; nothing else hard-codes ports.

This module is plain data (frozen dataclasses) plus pure helpers. It does no I/O except
`free_ports()` (binds port 0 to find free ports) and `from_json`/`to_json`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TRUST_DOMAIN = "socialproof.local"
SERVICE_NAMES: tuple[str, ...] = ("users", "notifications", "integrations", "analytics", "billing")
EDGE_NAME = "edge"

# Environment variable with the dashboard origins allowed by CORS (comma separated).
DASHBOARD_ORIGINS_ENV = "SP_DASHBOARD_ORIGINS"
DEFAULT_DASHBOARD_ORIGINS: tuple[str, ...] = (
    "http://localhost:5173",
    "http://127.0.0.1:5173",
    "http://localhost:8080",
    "http://127.0.0.1:8080",
)


def spiffe_id(name: str, trust_domain: str = TRUST_DOMAIN, namespace: str = "default") -> str:
    """The SPIFFE identity of a workload (service account `name`)."""
    return f"spiffe://{trust_domain}/ns/{namespace}/sa/{name}"


@dataclass(frozen=True)
class Service:
    """One gRPC domain service, its plain loopback app port and its Envoy sidecar's ports."""

    name: str
    app_port: int  # the gRPC server itself: plain HTTP/2, bound to 127.0.0.1 only
    inbound_port: int  # sidecar: mTLS listener peers and the edge connect to
    outbound_port: int  # sidecar: plain HTTP/2 on 127.0.0.1, the app calls peers through it
    admin_port: int  # sidecar admin, 127.0.0.1 only
    host: str = "127.0.0.1"  # where others reach the sidecar's inbound port (k8s: the Service DNS)
    inbound_bind: str = "127.0.0.1"  # address the inbound listener binds (k8s: 0.0.0.0)
    # grpc.health.v1 service name the edge's active health check asks for ("" = whole server)
    health_service: str = ""
    # Ports of further worker processes of this service on the same host (local runs: a Python
    # process uses one core, so a service scales across cores with several processes; each binds
    # its own port and the sidecar balances over all of them). In k8s a pod runs one worker and the
    # service scales by replicas instead.
    worker_ports: tuple[int, ...] = ()
    # Ports of background workers: processes of this service that run its background work (Kafka
    # consumers, relays, schedulers) and get no requests from the sidecar (their port serves only health
    # checks). When a service has any, its serving workers run no background work (SP_RUN_BACKGROUND=
    # false), so e.g. a consumer does not share an event loop with request handling.
    background_ports: tuple[int, ...] = ()

    @property
    def app_ports(self) -> tuple[int, ...]:
        """The app port of every serving worker process, the first one's (`app_port`) first."""
        return (self.app_port, *self.worker_ports)

    @property
    def process_ports(self) -> tuple[int, ...]:
        """The port of every process of the service: serving workers first, then background workers."""
        return (*self.app_ports, *self.background_ports)

    @property
    def workers(self) -> int:
        return 1 + len(self.worker_ports)

    @property
    def package(self) -> str:
        """The protobuf package, e.g. `socialproof.users.v1`."""
        return f"socialproof.{self.name}.v1"

    @property
    def package_prefix(self) -> str:
        """Prefix of every fully qualified service name of this domain: `socialproof.users.v1.`."""
        return f"{self.package}."

    @property
    def grpc_path_prefix(self) -> str:
        """HTTP/2 `:path` prefix of every gRPC call to this domain: `/socialproof.users.v1.`."""
        return f"/{self.package_prefix}"

    @property
    def cluster(self) -> str:
        """Envoy cluster name used for this service everywhere."""
        return f"svc_{self.name}"


@dataclass(frozen=True)
class Edge:
    """The Envoy edge: the only listener browsers, partners and webhook senders reach."""

    http_port: int = 8080
    admin_port: int = 9901
    bind: str = "127.0.0.1"  # k8s: 0.0.0.0 (admin stays on 127.0.0.1 always)
    name: str = EDGE_NAME


@dataclass(frozen=True)
class RouteClass:
    """A rate-limit class of edge routes; one token bucket per class per edge process.

    `requests_per_second` tokens are added every second up to `burst`; 0 disables limiting."""

    name: str
    requests_per_second: int
    burst: int
    description: str = ""
    path_prefixes: tuple[str, ...] = ()  # REST paths in this class (first matching class wins)
    exact_paths: tuple[str, ...] = ()
    # Edge authentication (JWT via jwt_authn, API key via ext_authz) on this class's routes; off for
    # callers that prove themselves otherwise (widget: site key in the path; webhooks: signatures).
    authenticate: bool = True


# The classes are matched in this order against a REST path template; gRPC-Web traffic is
# "dashboard", native gRPC from partner SDKs is "partner".
DEFAULT_ROUTE_CLASSES: tuple[RouteClass, ...] = (
    RouteClass(
        "widget",
        2000,
        4000,
        "browser widget: feed, live stream, events, forms",
        path_prefixes=("/v1/widget/",),
        authenticate=False,
    ),
    RouteClass(
        "webhooks",
        200,
        400,
        "inbound provider webhooks",
        path_prefixes=("/v1/hooks/",),
        exact_paths=("/v1/billing/stripe/webhook",),
        authenticate=False,
    ),
    RouteClass("dashboard", 1000, 2000, "dashboard over gRPC-Web"),
    RouteClass("partner", 500, 1000, "partner REST API and native gRPC (SDK)"),
)


@dataclass(frozen=True)
class EdgeAuth:
    """The one auth decision at the edge: who issues access JWTs and how API keys are checked.

    `jwt_issuer`/`jwt_audience` default to the users service's settings defaults (SP_JWT_ISSUER,
    SP_JWT_AUDIENCE) and are handed to it by `Topology.app_env`, so edge and issuer always agree."""

    jwt_issuer: str = "https://socialproof.local"
    jwt_audience: str = "socialproof"
    # Service that issues the JWTs, publishes the JWKS and answers ext_authz Check for API keys.
    service: str = "users"
    jwks_path: str = "/v1/auth/jwks"  # its REST mapping (AuthService.GetJwks)
    # Short, so a rotated-in key is seen within a minute (retired keys stay published until expiry).
    jwks_cache_seconds: int = 60
    api_key_header: str = "x-api-key"
    ext_authz_timeout_seconds: float = 1.0


# caller -> callees (besides the edge, which may call every service)
DEFAULT_CALLS: Mapping[str, tuple[str, ...]] = {
    "notifications": ("billing",),
    "analytics": ("notifications",),
    "integrations": ("notifications", "users"),
    "billing": ("users",),
}


def _default_origins() -> tuple[str, ...]:
    raw = os.environ.get(DASHBOARD_ORIGINS_ENV, "")
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    return origins or DEFAULT_DASHBOARD_ORIGINS


@dataclass(frozen=True)
class Topology:
    """Services, edge, identities and who may call whom."""

    services: tuple[Service, ...]
    edge: Edge = field(default_factory=Edge)
    # caller service name -> services it may call through its sidecar (edge implicitly: all)
    calls: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_CALLS))
    route_classes: tuple[RouteClass, ...] = DEFAULT_ROUTE_CLASSES
    dashboard_origins: tuple[str, ...] = field(default_factory=_default_origins)
    trust_domain: str = TRUST_DOMAIN
    namespace: str = "default"
    auth: EdgeAuth = field(default_factory=EdgeAuth)
    # REST GET paths the edge answers from its HTTP cache (edge_cache.py): responses that depend only
    # on the URL and carry their own `cache-control` (the widget feed: s-maxage=1).
    edge_cached_paths: tuple[str, ...] = ("/v1/widget/sites/{site_key}/feed",)
    # Request header carrying the visitor's ISO country, set by whatever sits in front of the edge
    # (a CDN or load balancer with GeoIP, e.g. Cloudflare's cf-ipcountry). The edge copies it into
    # `page.country_code` on these paths and drops any client-sent value; empty disables it.
    geo_country_header: str = "cf-ipcountry"
    geo_country_paths: tuple[str, ...] = (
        "/v1/widget/sites/{site_key}/feed",
        "/v1/widget/sites/{site_key}/live",
    )

    def __post_init__(self) -> None:
        names = [s.name for s in self.services]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate service names: {names}")
        if EDGE_NAME in names:
            raise ValueError("a service may not be called 'edge'")
        for caller, callees in self.calls.items():
            if caller not in names:
                raise ValueError(f"calls: unknown caller {caller!r}")
            for callee in callees:
                if callee not in names:
                    raise ValueError(f"calls: {caller} -> unknown service {callee!r}")
                if callee == caller:
                    raise ValueError(f"calls: {caller} calls itself through the mesh")
        ports = self.all_ports()
        dupes = {p for p in ports if ports.count(p) > 1}
        if dupes:
            raise ValueError(f"ports used twice: {sorted(dupes)}")
        if self.auth.service not in names:
            raise ValueError(f"auth: unknown service {self.auth.service!r}")
        classes = [c.name for c in self.route_classes]
        for needed in ("widget", "webhooks", "dashboard", "partner"):
            if needed not in classes:
                raise ValueError(f"route class {needed!r} missing")

    # --- lookups -------------------------------------------------------------------------------
    def service(self, name: str) -> Service:
        for svc in self.services:
            if svc.name == name:
                return svc
        raise KeyError(f"no service {name!r} in the topology")

    def service_for_package(self, full_name: str) -> Service | None:
        """The service owning a fully qualified proto name (e.g. `socialproof.users.v1.AuthService`)."""
        for svc in self.services:
            if full_name.startswith(svc.package_prefix):
                return svc
        return None

    def route_class(self, name: str) -> RouteClass:
        for rc in self.route_classes:
            if rc.name == name:
                return rc
        raise KeyError(name)

    def rest_route_class(self, path: str) -> RouteClass:
        """The class of a REST path template (`/v1/widget/sites/{site_key}/feed` -> widget)."""
        for rc in self.route_classes:
            if path in rc.exact_paths or any(path.startswith(p) for p in rc.path_prefixes):
                return rc
        return self.route_class("partner")

    def spiffe_id(self, name: str) -> str:
        """SPIFFE id of `edge` or a service."""
        return spiffe_id(name, self.trust_domain, self.namespace)

    @property
    def identities(self) -> tuple[str, ...]:
        """Every workload that gets a mesh certificate: the edge and each service."""
        return (self.edge.name, *(s.name for s in self.services))

    def callees(self, caller: str) -> tuple[str, ...]:
        """Services `caller` may call (the edge: all of them)."""
        if caller == self.edge.name:
            return tuple(s.name for s in self.services)
        return tuple(self.calls.get(caller, ()))

    def callers(self, service: str) -> tuple[str, ...]:
        """Workloads allowed to call `service`: the edge first, then peers in topology order."""
        self.service(service)
        peers = tuple(s.name for s in self.services if service in self.calls.get(s.name, ()))
        return (self.edge.name, *peers)

    def allowed_caller_ids(self, service: str) -> tuple[str, ...]:
        """SPIFFE ids the sidecar of `service` accepts as client certificates."""
        return tuple(self.spiffe_id(c) for c in self.callers(service))

    def all_ports(self) -> list[int]:
        ports = [self.edge.http_port, self.edge.admin_port]
        for s in self.services:
            ports += [*s.process_ports, s.inbound_port, s.outbound_port, s.admin_port]
        return ports

    def app_env(self, service: str, worker: int = 0) -> dict[str, str]:
        """SP_* environment process `worker` of a service (an index into `process_ports`) needs to fit
        this topology (without secrets)."""
        svc = self.service(service)
        env = {
            "SP_SERVICE_NAME": svc.name,
            "SP_GRPC_HOST": "127.0.0.1",
            "SP_GRPC_PORT": str(svc.process_ports[worker]),
            "SP_SIDECAR_OUTBOUND": f"127.0.0.1:{svc.outbound_port}",
        }
        if svc.background_ports:
            # background work only in the background workers, and nothing else there
            env["SP_RUN_BACKGROUND"] = "true" if worker >= svc.workers else "false"
        if service == self.auth.service:
            # the issuer signs with exactly what the edge's jwt_authn checks
            env["SP_JWT_ISSUER"] = self.auth.jwt_issuer
            env["SP_JWT_AUDIENCE"] = self.auth.jwt_audience
            env["SP_EDGE_API_KEY_HEADER"] = self.auth.api_key_header
        return env

    # --- (de)serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["calls"] = {k: list(v) for k, v in self.calls.items()}
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Topology:
        return cls(
            services=tuple(
                Service(
                    **{
                        **s,
                        "worker_ports": tuple(s.get("worker_ports", ())),
                        "background_ports": tuple(s.get("background_ports", ())),
                    }
                )
                for s in data["services"]
            ),
            edge=Edge(**data.get("edge", {})),
            calls={k: tuple(v) for k, v in data.get("calls", DEFAULT_CALLS).items()},
            route_classes=tuple(
                RouteClass(
                    **{
                        **rc,
                        "path_prefixes": tuple(rc.get("path_prefixes", ())),
                        "exact_paths": tuple(rc.get("exact_paths", ())),
                    }
                )
                for rc in data.get("route_classes", [dataclasses.asdict(r) for r in DEFAULT_ROUTE_CLASSES])
            ),
            dashboard_origins=tuple(data.get("dashboard_origins") or _default_origins()),
            trust_domain=data.get("trust_domain", TRUST_DOMAIN),
            namespace=data.get("namespace", "default"),
            auth=EdgeAuth(**data.get("auth", {})),
        )

    @classmethod
    def from_json(cls, text: str) -> Topology:
        return cls.from_dict(json.loads(text))


def default_topology(
    *,
    dashboard_origins: Iterable[str] | None = None,
    base_app: int = 50051,
    base_inbound: int = 15051,
    base_outbound: int = 16051,
    base_admin: int = 19051,
) -> Topology:
    """The `make up` topology: edge 8080 (admin 9901), apps 50051.., inbound 15051..,
    outbound 16051.., sidecar admin 19051.. in SERVICE_NAMES order."""
    services = tuple(
        Service(name, base_app + i, base_inbound + i, base_outbound + i, base_admin + i)
        for i, name in enumerate(SERVICE_NAMES)
    )
    kwargs: dict[str, Any] = {}
    if dashboard_origins is not None:
        kwargs["dashboard_origins"] = tuple(dashboard_origins)
    return Topology(services=services, **kwargs)


_handed_out: set[int] = set()
_LOWEST_PORT = 15000


def _ephemeral_range_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # as the servers do: a port whose old connections linger in TIME_WAIT is still usable
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` distinct ports that are free right now and were not handed out before in this process.

    They are picked below the kernel's ephemeral range on purpose: outgoing connections (Kafka,
    Postgres, Redis clients of an already running service) take their local ports from that range, so
    a port the kernel chose with bind(0) could be taken by one of them between picking and binding
    (seen as "address already in use" while a platform started)."""
    low, high = _LOWEST_PORT, _ephemeral_range_start() - 1
    rng = random.SystemRandom()
    ports: list[int] = []
    for _ in range(200 * count):
        if len(ports) == count:
            break
        port = rng.randint(low, high) if high > low else 0
        if port == 0:  # no room below the ephemeral range: let the kernel choose
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((host, 0))
                port = int(sock.getsockname()[1])
        if port not in ports and port not in _handed_out and _bindable(host, port):
            ports.append(port)
    if len(ports) < count:
        raise RuntimeError(f"found only {len(ports)} of {count} free TCP ports on {host}")
    _handed_out.update(ports)
    return ports


def with_free_ports(topology: Topology | None = None) -> Topology:
    """A copy of `topology` (default: `default_topology()`) with every port replaced by a port
    that is free right now (all distinct); for tests and parallel stacks."""
    topo = topology or default_topology()
    ports = iter(
        free_ports(2 + sum(4 + len(s.worker_ports) + len(s.background_ports) for s in topo.services))
    )
    edge = dataclasses.replace(topo.edge, http_port=next(ports), admin_port=next(ports))
    services = tuple(
        dataclasses.replace(
            s,
            app_port=next(ports),
            inbound_port=next(ports),
            outbound_port=next(ports),
            admin_port=next(ports),
            worker_ports=tuple(next(ports) for _ in s.worker_ports),
            background_ports=tuple(next(ports) for _ in s.background_ports),
        )
        for s in topo.services
    )
    return dataclasses.replace(topo, edge=edge, services=services)


def _resized(ports: tuple[int, ...], count: int) -> tuple[int, ...]:
    kept = ports[:count]
    return kept + (tuple(free_ports(count - len(kept))) if count > len(kept) else ())


def with_workers(
    topology: Topology, workers: Mapping[str, int], background: Mapping[str, int] | None = None
) -> Topology:
    """A copy of `topology` where service `name` runs `workers[name]` serving worker processes (at
    least 1) and `background[name]` background workers (default: as before); new ones get free ports.
    Services not named keep what they have."""
    background = background or {}
    services = []
    for svc in topology.services:
        count = workers.get(svc.name, svc.workers)
        if count < 1:
            raise ValueError(f"workers: {svc.name} needs at least one worker, not {count}")
        behind = background.get(svc.name, len(svc.background_ports))
        if behind < 0:
            raise ValueError(f"background workers: {svc.name} cannot have {behind}")
        services.append(
            dataclasses.replace(
                svc,
                worker_ports=_resized(svc.worker_ports, count - 1),
                background_ports=_resized(svc.background_ports, behind),
            )
        )
    return dataclasses.replace(topology, services=tuple(services))


def parse_workers(text: str) -> tuple[dict[str, int], dict[str, int]]:
    """The SP_WORKERS setting, e.g. `"integrations=3,analytics=2+1"`: serving workers per service and,
    after a `+`, background workers (see `Service.background_ports`); names are checked against
    SERVICE_NAMES. Returns (serving, background) mappings for `with_workers`."""
    serving: dict[str, int] = {}
    background: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, counts = item.partition("=")
        name = name.strip()
        count, plus, behind = counts.strip().partition("+")
        valid = (
            sep
            and name in SERVICE_NAMES
            and count.isdigit()
            and int(count) >= 1
            and (not plus or behind.isdigit())
        )
        if not valid:
            raise ValueError(f"SP_WORKERS: expected service=count or service=count+background (count >= 1, "
                             f"service one of {', '.join(SERVICE_NAMES)}), got {item!r}")  # fmt: skip
        serving[name] = int(count)
        if plus:
            background[name] = int(behind)
    return serving, background


def apply_ports(topology: Topology, ports: Mapping[str, Any]) -> Topology:
    """Override ports from a mapping such as the `--ports-json` file:

    {"edge": {"http_port": 8080, "admin_port": 9901},
     "users": {"app_port": 50051, "inbound_port": 15051, "outbound_port": 16051, "admin_port": 19051}, ...}

    A full topology dict (with "services") is accepted too and replaces everything."""
    if "services" in ports:
        return Topology.from_dict(ports)
    edge = dataclasses.replace(topology.edge, **ports.get("edge", {}))
    services = []
    for svc in topology.services:
        changes = dict(ports.get(svc.name, {}))
        for key in ("worker_ports", "background_ports"):
            if key in changes:
                changes[key] = tuple(changes[key])
        services.append(dataclasses.replace(svc, **changes))
    return dataclasses.replace(topology, edge=edge, services=tuple(services))
