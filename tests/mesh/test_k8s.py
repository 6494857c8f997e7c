"""The Kubernetes manifests in k8s/: schema-valid offline, what the topology says, no secrets inline,
Envoy accepts their configs, and the committed files are what the generator writes."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import kubernetes_validate
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

from meshconfig import default_topology, ensure_certs, k8s, uri_sans, validate_file, with_free_ports
from meshconfig.__main__ import main as cli
from meshconfig.topology import free_ports
from tests.mesh.meshkit import FEED, FixtureApp, start_envoy

ROOT = Path(__file__).resolve().parents[2]
REAL_DESCRIPTOR = ROOT / "gen" / "descriptors" / "socialproof.binpb"
COMMITTED = ROOT / "k8s"
# The oldest version these manifests target (native sidecar containers are GA in 1.33) and the
# newest whose schemas kubernetes-validate bundles.
K8S_VERSIONS = ("1.33", kubernetes_validate.latest_version())
CONFIGMAP_LIMIT = 1024 * 1024
# settings that carry credentials: connection strings (user:password@), keys, tokens
SECRETISH = re.compile(
    r"(SECRET|TOKEN|PASSWORD|_KEYS|API_KEY|DATABASE_URL|REDIS_URL|CLICKHOUSE_URL|SMTP_URL)$"
)


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return k8s.generate(descriptor=REAL_DESCRIPTOR)


@pytest.fixture(scope="module")
def docs(files: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rel, text in files.items():
        if rel.endswith(".yaml") and rel != k8s.KUSTOMIZATION:
            out += [d for d in yaml.safe_load_all(text) if d]
    return out


def _configmaps(files: dict[str, str]) -> list[dict[str, Any]]:
    """The ConfigMaps kustomize's configMapGenerator makes of the Envoy configs."""
    kust = yaml.safe_load(files[k8s.KUSTOMIZATION])
    maps = []
    for gen in kust["configMapGenerator"]:
        data = {}
        for entry in gen["files"]:
            key, _, rel = entry.partition("=")
            data[key] = files[rel]
        maps.append(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": gen["name"]}, "data": data}
        )
    return maps


def _find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _pod(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return _find(docs, "Deployment", name)["spec"]["template"]["spec"]


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


# --- schema ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_manifest_validates_against_the_kubernetes_schema(
    files: dict[str, str], docs: list[dict[str, Any]], version: str
) -> None:
    # strict: unknown fields (a typo such as `readinesProbe`) fail too
    for doc in [*docs, *_configmaps(files)]:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} invalid for {version}: {exc}")


def test_the_validator_rejects_a_broken_manifest(docs: list[dict[str, Any]]) -> None:
    # the check above is only worth something if it can fail
    bad = json.loads(json.dumps(_find(docs, "Deployment", "users")))
    bad["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSIONS[0], strict=True)


def test_envoy_configmaps_fit(files: dict[str, str]) -> None:
    for cm in _configmaps(files):
        size = sum(len(v.encode()) for v in cm["data"].values())
        assert size < CONFIGMAP_LIMIT // 2, f"{cm['metadata']['name']} is {size} bytes"


def test_kustomization_lists_every_manifest_and_config(files: dict[str, str]) -> None:
    kust = yaml.safe_load(files[k8s.KUSTOMIZATION])
    yamls = {rel for rel in files if rel.endswith(".yaml") and rel != k8s.KUSTOMIZATION}
    assert set(kust["resources"]) == yamls
    topo = default_topology()
    assert {g["name"] for g in kust["configMapGenerator"]} == {
        k8s.envoy_configmap(n) for n in topo.identities
    }
    assert kust["namespace"] == k8s.DEFAULT_NAMESPACE


# --- structure -------------------------------------------------------------------------------------
def test_each_workload_has_its_objects(docs: list[dict[str, Any]]) -> None:
    topo = default_topology()
    for name in topo.identities:
        for kind in (
            "ServiceAccount",
            "Deployment",
            "Service",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
        ):
            _find(docs, kind, name)
        _find(docs, "NetworkPolicy", f"{name}-ingress")
        hpa = _find(docs, "HorizontalPodAutoscaler", name)["spec"]
        assert hpa["minReplicas"] >= 2
        assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        metric = hpa["metrics"][0]
        assert metric[metric["type"][0].lower() + metric["type"][1:]]["name"] == "cpu"
        assert _find(docs, "PodDisruptionBudget", name)["spec"]["minAvailable"] == 1
        assert "replicas" not in _find(docs, "Deployment", name)["spec"]  # the HPA owns it
    assert {d["metadata"]["namespace"] for d in docs if d["kind"] != "Namespace"} == {k8s.DEFAULT_NAMESPACE}


def test_default_deny_ingress(docs: list[dict[str, Any]]) -> None:
    deny = _find(docs, "NetworkPolicy", "default-deny-ingress")["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}


def test_network_policy_admits_exactly_the_topologys_callers(docs: list[dict[str, Any]]) -> None:
    topo = default_topology()
    for svc in topo.services:
        spec = _find(docs, "NetworkPolicy", f"{svc.name}-ingress")["spec"]
        assert spec["podSelector"]["matchLabels"] == k8s.selector(svc.name)
        (rule,) = spec["ingress"]
        allowed = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in rule["from"]]
        assert allowed == list(topo.callers(svc.name))
        assert rule["ports"] == [{"protocol": "TCP", "port": svc.inbound_port}]
    # billing is called by notifications only (and the edge); users is not among them
    billing = _find(docs, "NetworkPolicy", "billing-ingress")["spec"]["ingress"][0]["from"]
    assert "users" not in {p["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in billing}
    edge = _find(docs, "NetworkPolicy", "edge-ingress")["spec"]["ingress"]
    assert edge == [{"ports": [{"protocol": "TCP", "port": topo.edge.http_port}]}]


def test_services_expose_only_the_sidecars_mtls_port(docs: list[dict[str, Any]]) -> None:
    topo = default_topology()
    for svc in topo.services:
        spec = _find(docs, "Service", svc.name)["spec"]
        assert spec["type"] == "ClusterIP" and spec["clusterIP"] == "None"
        assert [(p["port"], p["targetPort"]) for p in spec["ports"]] == [(svc.inbound_port, "mesh")]
        sidecar = _pod(docs, svc.name)["initContainers"][0]
        ports = {p["name"]: p["containerPort"] for p in sidecar["ports"]}
        assert ports["mesh"] == svc.inbound_port
        assert svc.app_port not in ports.values()
    edge = _find(docs, "Service", "edge")["spec"]
    assert edge["type"] == "LoadBalancer"
    assert [p["targetPort"] for p in edge["ports"]] == ["http"]


def test_app_container_runs_the_service_with_the_topology_env(docs: list[dict[str, Any]]) -> None:
    topo = default_topology()
    for svc in topo.services:
        pod = _pod(docs, svc.name)
        (app,) = pod["containers"]
        assert app["command"] == ["python", "-m", f"services.{svc.name}"]
        assert app["image"] == k8s.DEFAULT_IMAGE
        env = {e["name"]: e.get("value") for e in app["env"]}
        for key, value in topo.app_env(svc.name).items():
            assert env[key] == value
        assert env["SP_GRPC_HOST"] == "127.0.0.1"  # only the sidecar reaches the app
        (sidecar,) = pod["initContainers"]
        assert sidecar["restartPolicy"] == "Always"  # native sidecar: starts first, stops last
        assert sidecar["command"][:3] == ["envoy", "-c", f"{k8s.ENVOY_CONFIG_DIR}/{k8s.ENVOY_CONFIG_KEY}"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["envoy-config"]["configMap"]["name"] == k8s.envoy_configmap(svc.name)
        assert volumes["mesh-certs"]["secret"]["secretName"] == k8s.mesh_cert_secret(svc.name)
        assert pod["serviceAccountName"] == svc.name


def test_probes_are_grpc_with_the_services_health_name(docs: list[dict[str, Any]]) -> None:
    topo = default_topology()
    for svc in topo.services:
        (app,) = _pod(docs, svc.name)["containers"]
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            assert app[probe]["grpc"] == {"port": k8s.PROBE_PORT, "service": svc.health_service}


def test_no_secret_values_inline(files: dict[str, str], docs: list[dict[str, Any]]) -> None:
    assert not [d for d in docs if d["kind"] == "Secret"]
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        for c in _containers(doc["spec"]["template"]["spec"]):
            for e in c.get("env", []):
                if SECRETISH.search(e["name"]):
                    assert "value" not in e, f"{c['name']}: {e['name']} is inline"
                    assert "secretKeyRef" in e["valueFrom"], e
    platform = _find(docs, "ConfigMap", k8s.PLATFORM_CONFIG)["data"]
    assert not [k for k in platform if SECRETISH.search(k)]
    for rel, text in files.items():
        assert "PRIVATE KEY" not in text and "BEGIN CERTIFICATE" not in text, rel
    # the sidecars get the mesh token from their environment at start
    for svc in default_topology().services:
        text = files[k8s.envoy_config_file(svc.name)]
        assert k8s.MESH_TOKEN_FROM_ENV in text


def test_secret_env_names_are_settings_of_the_service(docs: list[dict[str, Any]]) -> None:
    from shared.settings import env_var_name

    for svc in default_topology().services:
        settings = _settings_class(svc.name)
        names = {env_var_name(settings, f) for f in settings.model_fields}
        wanted = {e.env for e in k8s.secret_env(svc.name)}
        assert wanted <= names, f"{svc.name}: not settings: {wanted - names}"
        (app,) = _pod(docs, svc.name)["containers"]
        refs = {e["name"] for e in app["env"] if "valueFrom" in e}
        assert refs == wanted


# plausible values for the Secrets an operator creates, to start each settings class as a pod would
FAKE_SECRETS = {
    "database-url": "postgresql+psycopg://sp:pw@postgres:5432/socialproof",
    "redis-url": "redis://redis:6379/0",
    "smtp-url": "smtp://mail:25",
    "clickhouse-url": "clickhouse://ch:9000/analytics",
    "token": "mesh-token-value",
    "keys": f"k1:{'A' * 43}=,lookup:{'B' * 43}=",
    "stripe-api-key": "sk_live_x",
    "stripe-webhook-secret": "whsec_x",
}


def test_each_service_starts_its_settings_from_the_pod_env(
    docs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # SP_ENV=prod has requirements of its own (e.g. the mesh token, the widget script URL)
    from shared.settings import load_settings

    platform = _find(docs, "ConfigMap", k8s.PLATFORM_CONFIG)["data"]
    for svc in default_topology().services:
        (app,) = _pod(docs, svc.name)["containers"]
        env = dict(platform)
        for e in app["env"]:
            if "value" in e:
                env[e["name"]] = e["value"]
            elif not e["valueFrom"]["secretKeyRef"].get("optional"):
                env[e["name"]] = FAKE_SECRETS[e["valueFrom"]["secretKeyRef"]["key"]]
        with monkeypatch.context() as mp:
            for name in [n for n in os.environ if n.startswith("SP_")]:
                mp.delenv(name)
            for name, value in env.items():
                mp.setenv(name, value)
            settings = load_settings(_settings_class(svc.name))
        assert settings.env == "prod"
        assert settings.grpc_port == svc.app_port


def _settings_class(service: str) -> type:
    from shared.settings import ServiceSettings

    module = importlib.import_module(f"services.{service}.bootstrap")
    (cls,) = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, ServiceSettings) and v is not ServiceSettings
    ]
    return cls


def test_every_container_is_locked_down_and_sized(docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} == {
            "topology.kubernetes.io/zone",
            "kubernetes.io/hostname",
        }
        for c in _containers(pod):
            sec = c["securityContext"]
            assert sec["runAsNonRoot"] is True and sec["readOnlyRootFilesystem"] is True
            assert sec["allowPrivilegeEscalation"] is False
            assert sec["capabilities"] == {"drop": ["ALL"]}
            assert set(c["resources"]) == {"requests", "limits"}
            assert set(c["resources"]["requests"]) == set(c["resources"]["limits"]) == {"cpu", "memory"}


# --- the Envoy configs -----------------------------------------------------------------------------
def _clusters(cfg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in cfg["staticResources"]["clusters"]}


def _endpoint(cluster: dict[str, Any]) -> tuple[str, int]:
    sa = cluster["loadAssignment"]["endpoints"][0]["lbEndpoints"][0]["endpoint"]["address"]["socketAddress"]
    return sa["address"], sa["portValue"]


def test_envoy_configs_use_the_service_dns_names(files: dict[str, str]) -> None:
    topo = default_topology()
    ns = k8s.DEFAULT_NAMESPACE
    edge = json.loads(files[k8s.envoy_config_file("edge")])
    for svc in topo.services:
        cluster = _clusters(edge)[svc.cluster]
        assert cluster["type"] == "STRICT_DNS"
        assert _endpoint(cluster) == (f"{svc.name}.{ns}.svc.cluster.local", svc.inbound_port)
        side = json.loads(files[k8s.envoy_config_file(svc.name)])
        clusters = _clusters(side)
        assert _endpoint(clusters["local_app"]) == ("127.0.0.1", svc.app_port)
        for peer in topo.callees(svc.name):
            p = topo.service(peer)
            assert _endpoint(clusters[f"peer_{peer}"]) == (f"{peer}.{ns}.svc.cluster.local", p.inbound_port)
        listeners = {
            lis["name"]: lis["address"]["socketAddress"] for lis in side["staticResources"]["listeners"]
        }
        assert listeners[f"{svc.name}_inbound"]["address"] == "0.0.0.0"
        assert listeners[f"{svc.name}_outbound"]["address"] == "127.0.0.1"
        assert listeners[f"{svc.name}_probe"] == {"address": "0.0.0.0", "portValue": k8s.PROBE_PORT}
        # SPIFFE ids of the cluster's namespace
        assert f"spiffe://socialproof.local/ns/{ns}/sa/edge" in files[k8s.envoy_config_file(svc.name)]
    assert k8s.POD_DESCRIPTOR in files[k8s.envoy_config_file("edge")]
    assert str(ROOT) not in "".join(files.values())  # nothing of this checkout leaks into the output


def _localise(text: str, identity: str, cert_dir: Path, descriptor: Path) -> str:
    """A pod config with its mounted paths pointed at files on this machine."""
    d = k8s.MESH_CERT_DIR
    return (
        text.replace(f"{d}/tls.crt", str(cert_dir / f"{identity}.crt"))
        .replace(f"{d}/tls.key", str(cert_dir / f"{identity}.key"))
        .replace(f"{d}/ca.crt", str(cert_dir / "ca.crt"))
        .replace(k8s.POD_DESCRIPTOR, str(descriptor))
    )


def test_envoy_accepts_every_k8s_config(
    files: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    topo = k8s.k8s_topology(default_topology(), k8s.DEFAULT_NAMESPACE)
    certs = tmp_path / "certs"
    ensure_certs(certs, topo)
    monkeypatch.setenv("SP_MESH_TOKEN", "validate-token")
    paths = []
    for name in topo.identities:
        path = tmp_path / f"{name}.json"
        path.write_text(_localise(files[k8s.envoy_config_file(name)], name, certs, REAL_DESCRIPTOR))
        paths.append(path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip([p.name for p in paths], pool.map(validate_file, paths), strict=True))
    bad = {name: out for name, (ok, out) in results.items() if not ok}
    assert not bad


# --- a real sidecar from the k8s config --------------------------------------------------------------
@pytest.fixture(scope="module")
def k8s_sidecar(
    tmp_path_factory: pytest.TempPathFactory, fixture_descriptor: Path
) -> Iterator[tuple[Any, Path, int, FixtureApp]]:
    """The notifications sidecar exactly as the pod runs it (ports freed for the test machine), the
    mesh token from its environment, in front of the fixture app."""
    base = tmp_path_factory.mktemp("k8s-sidecar")
    topo = k8s.k8s_topology(with_free_ports(default_topology()), k8s.DEFAULT_NAMESPACE)
    (probe_port,) = free_ports(1)
    certs = base / "certs"
    ensure_certs(certs, topo)
    cfg = json.dumps(k8s.sidecar_config(topo, "notifications", probe_port=probe_port))
    path = base / "notifications.json"
    path.write_text(_localise(cfg, "notifications", certs, fixture_descriptor))
    svc = topo.service("notifications")
    app = FixtureApp(fixture_descriptor, svc.app_port)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SP_MESH_TOKEN", "k8s-token-from-secret")
        envoy = start_envoy("k8s-notifications", path, svc.admin_port, base)
    try:
        yield topo, certs, probe_port, app
    finally:
        envoy.stop()
        app.stop()


def test_kubelet_grpc_probe_reaches_the_app_through_the_probe_listener(k8s_sidecar: Any) -> None:
    _topo, _certs, probe_port, _app = k8s_sidecar
    with grpc.insecure_channel(f"127.0.0.1:{probe_port}") as ch:
        status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=3).status
        assert status == health_pb2.HealthCheckResponse.SERVING
        # nothing but the health check passes the plain-text probe port
        with pytest.raises(grpc.RpcError) as err:
            ch.unary_unary(f"/{FEED}/GetMeshTestFeed")(b"", timeout=3)
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_sidecar_fills_the_mesh_token_from_its_environment(k8s_sidecar: Any) -> None:
    topo, certs, _probe, app = k8s_sidecar
    creds = grpc.ssl_channel_credentials(
        root_certificates=(certs / "ca.crt").read_bytes(),
        private_key=(certs / "edge.key").read_bytes(),
        certificate_chain=(certs / "edge.crt").read_bytes(),
    )
    port = topo.service("notifications").inbound_port
    with grpc.secure_channel(
        f"127.0.0.1:{port}", creds, options=[("grpc.ssl_target_name_override", "localhost")]
    ) as ch:
        Req = app.msg("socialproof.notifications.v1.GetMeshTestFeedRequest")
        Feed = app.msg("socialproof.notifications.v1.MeshTestFeed")
        call = ch.unary_unary(
            f"/{FEED}/GetMeshTestFeed",
            request_serializer=Req.SerializeToString,
            response_deserializer=Feed.FromString,
        )
        call(Req(site_key="s1"), timeout=3)
    seen = app.seen[-1]
    assert seen["x-sp-mesh-token"] == "k8s-token-from-secret"
    assert seen["x-sp-caller"] == topo.spiffe_id("edge")


# --- drift -----------------------------------------------------------------------------------------
def test_committed_k8s_matches_a_fresh_generation(files: dict[str, str], tmp_path: Path) -> None:
    k8s.write(files, tmp_path)
    fresh = {str(p.relative_to(tmp_path)): p.read_text() for p in tmp_path.rglob("*") if p.is_file()}
    committed = {str(p.relative_to(COMMITTED)): p.read_text() for p in COMMITTED.rglob("*") if p.is_file()}
    stale = sorted(rel for rel in fresh.keys() | committed.keys() if fresh.get(rel) != committed.get(rel))
    assert not stale, f"k8s/ is out of date, run `make k8s`: {stale}"


def test_generation_is_deterministic(files: dict[str, str]) -> None:
    assert k8s.generate(descriptor=REAL_DESCRIPTOR) == files


def test_cli_writes_checks_and_passes_options(
    files: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}

    def fake_generate(
        topology: Any = None, *, descriptor: Any, opts: k8s.K8sOptions | None = None
    ) -> dict[str, str]:
        seen["opts"] = opts
        return files

    monkeypatch.setattr(k8s, "generate", fake_generate)
    out = tmp_path / "k8s"
    (out / "envoy").mkdir(parents=True)
    (out / "envoy" / "gone.json").write_text("{}")  # a config no longer generated is removed...
    (out / "old.yaml").write_text(k8s.HEADER + "---\n{}\n")
    (out / "overlay.yaml").write_text("kind: Kustomization\n")  # ...but not a file it did not write
    args = [
        "k8s",
        "--out",
        str(out),
        "--image",
        "reg/sp:1",
        "--namespace",
        "prod",
        "--dashboard-origin",
        "https://a",
    ]
    assert cli(args) == 0
    opts = seen["opts"]
    assert (opts.image, opts.namespace, opts.dashboard_origins) == ("reg/sp:1", "prod", ("https://a",))
    assert not (out / "envoy" / "gone.json").exists() and not (out / "old.yaml").exists()
    assert (out / "overlay.yaml").exists()
    assert cli([*args, "--check"]) == 0
    (out / "users.yaml").write_text("# edited by hand\n")
    capsys.readouterr()
    assert cli([*args, "--check"]) == 1
    assert "users.yaml" in capsys.readouterr().err
    # --certs issues the mesh identities for the chosen namespace (outside the manifests)
    assert cli([*args, "--certs", str(tmp_path / "certs")]) == 0
    assert uri_sans(tmp_path / "certs" / "users.crt") == ["spiffe://socialproof.local/ns/prod/sa/users"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (its built-in kustomize) not installed")
def test_kustomize_builds_the_directory(files: dict[str, str], tmp_path: Path) -> None:
    # what `kubectl apply -k` would send: generated ConfigMaps named with their hash, and the
    # Deployments pointing at those names; all of it schema-valid
    k8s.write(files, tmp_path)
    proc = subprocess.run(
        ["kubectl", "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    built = [d for d in yaml.safe_load_all(proc.stdout) if d]
    for doc in built:
        kubernetes_validate.validate(doc, K8S_VERSIONS[0], strict=True)
    maps = {d["metadata"]["name"] for d in built if d["kind"] == "ConfigMap"}
    for name in default_topology().identities:
        pod = _pod(built, name)
        (ref,) = [v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v]
        assert ref in maps and ref.startswith(k8s.envoy_configmap(name) + "-")


def test_namespace_and_image_change_names_ids_and_images(tmp_path: Path) -> None:
    opts = k8s.K8sOptions(namespace="staging", image="reg/sp:2", envoy_image="envoyproxy/envoy:v1.40.0")
    topo = k8s.k8s_topology(default_topology(), opts.namespace)
    docs = k8s.service_manifests(topo, "billing", opts)
    pod = _pod(docs, "billing")
    assert pod["containers"][0]["image"] == "reg/sp:2"
    assert pod["initContainers"][0]["image"] == "envoyproxy/envoy:v1.40.0"
    assert {d["metadata"]["namespace"] for d in docs} == {"staging"}
    cfg = json.dumps(k8s.sidecar_config(topo, "billing"))
    assert "users.staging.svc.cluster.local" in cfg
    assert "spiffe://socialproof.local/ns/staging/sa/notifications" in cfg
