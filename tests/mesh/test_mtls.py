"""Real mTLS through a real Envoy sidecar: who may connect, and what the app is told."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from meshconfig import rotate
from meshconfig.certs import ensure_certs
from tests.mesh.meshkit import FEED, MESH_TOKEN, Mesh


def _creds(cert_dir: Path, name: str | None, ca_dir: Path | None = None) -> grpc.ChannelCredentials:
    ca = ((ca_dir or cert_dir) / "ca.crt").read_bytes()
    if name is None:
        return grpc.ssl_channel_credentials(root_certificates=ca)
    return grpc.ssl_channel_credentials(
        root_certificates=ca,
        private_key=(cert_dir / f"{name}.key").read_bytes(),
        certificate_chain=(cert_dir / f"{name}.crt").read_bytes(),
    )


def _health(mesh: Mesh, creds: grpc.ChannelCredentials, service: str = "notifications") -> int:
    port = mesh.topology.service(service).inbound_port
    with grpc.secure_channel(
        f"127.0.0.1:{port}", creds, options=[("grpc.ssl_target_name_override", "localhost")]
    ) as ch:
        return health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=3).status


def _feed(mesh: Mesh, channel: grpc.Channel, metadata=()) -> object:
    Req = mesh.app.msg("socialproof.notifications.v1.GetMeshTestFeedRequest")
    Feed = mesh.app.msg("socialproof.notifications.v1.MeshTestFeed")
    call = channel.unary_unary(
        f"/{FEED}/GetMeshTestFeed",
        request_serializer=Req.SerializeToString,
        response_deserializer=Feed.FromString,
    )
    return call(Req(site_key="s1"), timeout=3, metadata=metadata)


def test_edge_cert_gets_serving_through_sidecar(mesh: Mesh) -> None:
    assert _health(mesh, _creds(mesh.cert_dir, "edge")) == health_pb2.HealthCheckResponse.SERVING


def test_no_client_cert_is_refused(mesh: Mesh) -> None:
    with pytest.raises(grpc.RpcError) as err:
        _health(mesh, _creds(mesh.cert_dir, None))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_cert_from_another_ca_is_refused(mesh: Mesh, tmp_path: Path) -> None:
    # same identity name and SPIFFE id as the edge, but issued by a different CA
    ensure_certs(tmp_path, mesh.topology, names=["edge"])
    creds = grpc.ssl_channel_credentials(
        root_certificates=(mesh.cert_dir / "ca.crt").read_bytes(),
        private_key=(tmp_path / "edge.key").read_bytes(),
        certificate_chain=(tmp_path / "edge.crt").read_bytes(),
    )
    with pytest.raises(grpc.RpcError) as err:
        _health(mesh, creds)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_mesh_cert_with_disallowed_san_is_refused(mesh: Mesh) -> None:
    # billing has a valid mesh cert but the topology does not let billing call notifications
    assert "billing" not in mesh.topology.callers("notifications")
    with pytest.raises(grpc.RpcError) as err:
        _health(mesh, _creds(mesh.cert_dir, "billing"))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    # ...while an allowed peer (analytics) gets through
    assert _health(mesh, _creds(mesh.cert_dir, "analytics")) == health_pb2.HealthCheckResponse.SERVING


def test_app_sees_verified_caller_and_mesh_token(mesh: Mesh) -> None:
    port = mesh.topology.service("notifications").inbound_port
    spoof = (
        ("x-sp-caller", "spiffe://socialproof.local/ns/default/sa/billing"),
        ("x-sp-mesh-token", "guessed"),
    )
    with grpc.secure_channel(
        f"127.0.0.1:{port}",
        _creds(mesh.cert_dir, "integrations"),
        options=[("grpc.ssl_target_name_override", "localhost")],
    ) as ch:
        feed = _feed(mesh, ch, metadata=spoof)
    assert feed.seen_caller == mesh.topology.spiffe_id("integrations")
    assert feed.mesh_token_ok
    md = mesh.app.seen[-1]
    assert md["x-sp-mesh-token"] == MESH_TOKEN  # the client's copy was replaced, not appended


def test_outbound_reaches_allowed_peer_with_own_identity(mesh: Mesh) -> None:
    # analytics app -> analytics sidecar outbound (plain, loopback) -> mTLS -> notifications
    out = mesh.topology.service("analytics").outbound_port
    with grpc.insecure_channel(f"127.0.0.1:{out}") as ch:
        feed = _feed(mesh, ch, metadata=(("x-sp-caller", "spiffe://evil"),))
    assert feed.seen_caller == mesh.topology.spiffe_id("analytics")
    assert feed.mesh_token_ok


def test_outbound_refuses_peer_not_in_topology(mesh: Mesh) -> None:
    out = mesh.topology.service("analytics").outbound_port
    with grpc.insecure_channel(f"127.0.0.1:{out}") as ch:
        call = ch.unary_unary("/socialproof.billing.v1.AnyService/Anything")
        with pytest.raises(grpc.RpcError) as err:
            call(b"", timeout=3)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_rotated_leaf_still_chains_to_same_ca(tmp_path: Path, mesh: Mesh) -> None:
    before = ensure_certs(tmp_path, mesh.topology)
    ca = (tmp_path / "ca.crt").read_bytes()
    old = before["edge"].cert.read_bytes()
    rotate(tmp_path, mesh.topology)
    assert (tmp_path / "ca.crt").read_bytes() == ca
    assert (tmp_path / "edge.crt").read_bytes() != old
