"""CLI: python -m meshconfig {render,certs,validate,topology,k8s}."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import k8s
from .certs import ensure_certs, rotate
from .edge import UnsupportedContract
from .render import ensure_mesh_token, render_all, validate_dir
from .topology import Topology, apply_ports, default_topology


def _topology(ports_json: str | None) -> Topology:
    topo = default_topology()
    if ports_json:
        topo = apply_ports(topo, json.loads(Path(ports_json).read_text()))
    return topo


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m meshconfig", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("render", help="write edge.json and sidecar-<svc>.json")
    r.add_argument("--out", required=True)
    r.add_argument("--descriptor", default="gen/descriptors/socialproof.binpb")
    r.add_argument("--certs", required=True, help="cert dir (created if missing)")
    r.add_argument(
        "--mesh-token-file",
        help="file holding the mesh token (created 0600 if missing); default: <out>/mesh-token",
    )
    r.add_argument("--ports-json", help="port overrides or a full topology (JSON)")
    r.add_argument("--access-log-dir", help="write JSON access logs here instead of stdout")
    r.add_argument("--validate", action="store_true", help="run envoy --mode validate afterwards")
    r.add_argument(
        "--strip-response-body",
        action="store_true",
        help="stop-gap: drop non-HttpBody response_body rules Envoy 1.40 cannot load",
    )

    c = sub.add_parser("certs", help="create (idempotent) or rotate the mesh CA and certs")
    c.add_argument("--dir", required=True)
    c.add_argument("--rotate", action="store_true", help="issue new leaf certs")
    c.add_argument("--new-ca", action="store_true", help="with --rotate: new CA too")
    c.add_argument("--ports-json", help="topology overrides (identities come from the topology)")

    v = sub.add_parser("validate", help="envoy --mode validate every config in DIR")
    v.add_argument("dir")

    t = sub.add_parser("topology", help="print the topology as JSON")
    t.add_argument("--ports-json")

    k = sub.add_parser("k8s", help="write the Kubernetes manifests (k8s/, see docs/deploy.md)")
    k.add_argument("--out", default="k8s")
    k.add_argument("--descriptor", default="gen/descriptors/socialproof.binpb")
    k.add_argument("--image", default=k8s.DEFAULT_IMAGE, help="app image (services + edge descriptor)")
    k.add_argument("--envoy-image", help="image running Envoy (default: the app image)")
    k.add_argument("--namespace", default=k8s.DEFAULT_NAMESPACE)
    k.add_argument(
        "--dashboard-origin",
        action="append",
        dest="dashboard_origins",
        help="CORS origin of the dashboard (repeat; default: the topology's local ones)",
    )
    k.add_argument("--check", action="store_true", help="write nothing; fail if --out differs")
    k.add_argument("--certs", help="also issue the mesh certs for this namespace into DIR (not --out)")

    a = ap.parse_args(argv)
    if a.cmd == "k8s":
        return _k8s(a)
    if a.cmd == "render":
        topo = _topology(a.ports_json)
        token = ensure_mesh_token(a.mesh_token_file or Path(a.out) / "mesh-token")
        try:
            paths = render_all(
                topo,
                a.out,
                a.descriptor,
                a.certs,
                token,
                access_log_dir=a.access_log_dir,
                strip_response_body=a.strip_response_body,
            )
        except UnsupportedContract as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        for name, path in paths.items():
            print(f"{name:14} {path}")
        if a.validate:
            return _report(validate_dir(a.out))
        return 0
    if a.cmd == "certs":
        topo = _topology(a.ports_json)
        done = rotate(a.dir, topo, new_ca=a.new_ca) if a.rotate else ensure_certs(a.dir, topo)
        for name, p in done.items():
            print(f"{name:14} {p.cert}")
        if a.rotate:
            print("rotated: restart the Envoy processes to load the new certificates", file=sys.stderr)
        return 0
    if a.cmd == "validate":
        return _report(validate_dir(a.dir))
    if a.cmd == "topology":
        print(_topology(a.ports_json).to_json())
        return 0
    return 2


def _k8s(a: argparse.Namespace) -> int:
    opts = k8s.K8sOptions(
        namespace=a.namespace,
        image=a.image,
        envoy_image=a.envoy_image,
        dashboard_origins=tuple(a.dashboard_origins or k8s.DEFAULT_DASHBOARD_ORIGINS),
    )
    try:
        files = k8s.generate(descriptor=a.descriptor, opts=opts)
    except UnsupportedContract as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if a.check:
        stale = k8s.drift(files, a.out)
        if stale:
            print(f"{a.out}/ is out of date (run `make k8s`): {', '.join(stale)}", file=sys.stderr)
            return 1
        print(f"k8s-check: {a.out}/ matches the topology")
        return 0
    for path in k8s.write(files, a.out):
        print(path)
    if a.certs:
        topo = k8s.k8s_topology(default_topology(), a.namespace)
        for name, p in ensure_certs(a.certs, topo).items():
            print(f"cert {name:14} {p.cert} -> secret {k8s.mesh_cert_secret(name)}")
    return 0


def _report(results: dict[str, tuple[bool, str]]) -> int:
    bad = 0
    for name, (ok, out) in results.items():
        print(f"{'OK  ' if ok else 'FAIL'} {name}")
        if not ok:
            bad += 1
            print("  " + out.replace("\n", "\n  "))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
