"""Typed building blocks shared by the edge and sidecar configs (envoy-data-plane objects)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from pathlib import Path

import betterproto2
from envoy_data_plane.envoy.config.accesslog.v3 import AccessLog
from envoy_data_plane.envoy.config.bootstrap.v3 import Admin, Bootstrap
from envoy_data_plane.envoy.config.cluster.v3 import (
    CircuitBreakers,
    CircuitBreakersThresholds,
    Cluster,
    ClusterCommonLbConfig,
    ClusterDiscoveryType,
    ClusterLbPolicy,
    OutlierDetection,
)
from envoy_data_plane.envoy.config.core.v3 import (
    Address,
    DataSource,
    HeaderValue,
    HeaderValueOption,
    HeaderValueOptionHeaderAppendAction,
    HealthCheck,
    HealthCheckGrpcHealthCheck,
    Http2ProtocolOptions,
    RuntimeFractionalPercent,
    SocketAddress,
    SubstitutionFormatString,
    TransportSocket,
)
from envoy_data_plane.envoy.config.endpoint.v3 import (
    ClusterLoadAssignment,
    Endpoint,
    LbEndpoint,
    LocalityLbEndpoints,
)
from envoy_data_plane.envoy.config.route.v3 import HeaderMatcher
from envoy_data_plane.envoy.extensions.access_loggers.file.v3 import FileAccessLog
from envoy_data_plane.envoy.extensions.access_loggers.stream.v3 import StdoutAccessLog
from envoy_data_plane.envoy.extensions.transport_sockets.tls.v3 import (
    CertificateValidationContext,
    CommonTlsContext,
    DownstreamTlsContext,
    SubjectAltNameMatcher,
    SubjectAltNameMatcherSanType,
    TlsCertificate,
    TlsParameters,
    TlsParametersTlsProtocol,
    UpstreamTlsContext,
)
from envoy_data_plane.envoy.extensions.upstreams.http.v3 import (
    HttpProtocolOptions,
    HttpProtocolOptionsExplicitHttpConfig,
)
from envoy_data_plane.envoy.type.matcher.v3 import RegexMatcher, StringMatcher
from envoy_data_plane.envoy.type.v3 import FractionalPercent, FractionalPercentDenominatorType, Percent
from envoy_data_plane.google.protobuf import Any, Struct

from .certs import CertPaths

HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

# Principal / mesh headers: set only by Envoy; any client-sent copy is removed.
PRINCIPAL_HEADER = "x-sp-principal"
MESH_TOKEN_HEADER = "x-sp-mesh-token"  # noqa: S105 - a header name, not a secret
CALLER_HEADER = "x-sp-caller"
JWT_PAYLOAD_HEADER = "x-sp-jwt-payload"  # jwt_authn's verified payload (edge_auth.py)
MESH_HEADERS = (PRINCIPAL_HEADER, MESH_TOKEN_HEADER, CALLER_HEADER, JWT_PAYLOAD_HEADER)


def pack(message: betterproto2.Message) -> Any:
    return Any.pack(message)


def addr(host: str, port: int) -> Address:
    return Address(socket_address=SocketAddress(address=host, port_value=port))


def seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def percent100() -> RuntimeFractionalPercent:
    return RuntimeFractionalPercent(
        default_value=FractionalPercent(numerator=100, denominator=FractionalPercentDenominatorType.HUNDRED)
    )


def admin(port: int, log_path: str = "/dev/null") -> Admin:
    """Admin interface, always bound to loopback."""
    return Admin(
        address=addr("127.0.0.1", port),
        access_log=[file_access_log(log_path, json=False)] if log_path != "/dev/null" else [],
    )


def exact(value: str) -> StringMatcher:
    return StringMatcher(exact=value)


def regex(pattern: str) -> RegexMatcher:
    return RegexMatcher(regex=pattern)


def header_option(key: str, value: str, *, overwrite: bool = True) -> HeaderValueOption:
    action = (
        HeaderValueOptionHeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
        if overwrite
        else HeaderValueOptionHeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
    )
    return HeaderValueOption(header=HeaderValue(key=key, value=value), append_action=action)


def header_exact(name: str, value: str) -> HeaderMatcher:
    return HeaderMatcher(name=name, string_match=exact(value))


def header_prefix(name: str, value: str) -> HeaderMatcher:
    return HeaderMatcher(name=name, string_match=StringMatcher(prefix=value))


# --- access logs -------------------------------------------------------------------------------
ACCESS_LOG_FIELDS = {
    "ts": "%START_TIME%",
    "method": "%REQ(:METHOD)%",
    "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
    "protocol": "%PROTOCOL%",
    "status": "%RESPONSE_CODE%",
    "grpc_status": "%GRPC_STATUS(NUMBER)%",
    "flags": "%RESPONSE_FLAGS%",
    "details": "%RESPONSE_CODE_DETAILS%",
    "bytes_in": "%BYTES_RECEIVED%",
    "bytes_out": "%BYTES_SENT%",
    "duration_ms": "%DURATION%",
    "upstream_ms": "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
    "upstream": "%UPSTREAM_HOST%",
    "cluster": "%UPSTREAM_CLUSTER%",
    "route": "%ROUTE_NAME%",
    "request_id": "%REQ(X-REQUEST-ID)%",
    "client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
    "peer": "%DOWNSTREAM_PEER_URI_SAN%",
    "user_agent": "%REQ(USER-AGENT)%",
}


def _json_format(extra: dict[str, str] | None = None) -> SubstitutionFormatString:
    return SubstitutionFormatString(json_format=Struct.from_dict({**ACCESS_LOG_FIELDS, **(extra or {})}))


def file_access_log(path: str, *, json: bool = True, extra: dict[str, str] | None = None) -> AccessLog:
    cfg = FileAccessLog(path=path, log_format=_json_format(extra)) if json else FileAccessLog(path=path)
    return AccessLog(name="envoy.access_loggers.file", typed_config=pack(cfg))


def access_log(path: str | None, extra: dict[str, str] | None = None) -> AccessLog:
    """JSON access log to `path`, or to stdout when `path` is None."""
    if path:
        return file_access_log(path, extra=extra)
    return AccessLog(
        name="envoy.access_loggers.stdout", typed_config=pack(StdoutAccessLog(log_format=_json_format(extra)))
    )


# --- TLS -----------------------------------------------------------------------------------------
def _tls_params() -> TlsParameters:
    return TlsParameters(
        tls_minimum_protocol_version=TlsParametersTlsProtocol.TLSv1_2,
        tls_maximum_protocol_version=TlsParametersTlsProtocol.TLSv1_3,
        ecdh_curves=["X25519", "P-256"],
    )


def _san_matchers(uris: list[str] | tuple[str, ...]) -> list[SubjectAltNameMatcher]:
    return [SubjectAltNameMatcher(san_type=SubjectAltNameMatcherSanType.URI, matcher=exact(u)) for u in uris]


def _common_tls(me: CertPaths, peer_uris: list[str] | tuple[str, ...]) -> CommonTlsContext:
    return CommonTlsContext(
        tls_params=_tls_params(),
        tls_certificates=[
            TlsCertificate(
                certificate_chain=DataSource(filename=str(me.cert)),
                private_key=DataSource(filename=str(me.key)),
            )
        ],
        validation_context=CertificateValidationContext(
            trusted_ca=DataSource(filename=str(me.ca)), match_typed_subject_alt_names=_san_matchers(peer_uris)
        ),
        alpn_protocols=["h2"],
    )


def upstream_tls(me: CertPaths, peer_uri: str) -> TransportSocket:
    """Client side of mTLS: present `me`, accept only a server cert from the mesh CA with `peer_uri`."""
    ctx = UpstreamTlsContext(common_tls_context=_common_tls(me, [peer_uri]))
    return TransportSocket(name="envoy.transport_sockets.tls", typed_config=pack(ctx))


def downstream_mtls(me: CertPaths, allowed_client_uris: list[str] | tuple[str, ...]) -> TransportSocket:
    """Server side of mTLS: require a client cert from the mesh CA whose URI SAN is one of
    `allowed_client_uris`."""
    ctx = DownstreamTlsContext(
        common_tls_context=_common_tls(me, allowed_client_uris), require_client_certificate=True
    )
    return TransportSocket(name="envoy.transport_sockets.tls", typed_config=pack(ctx))


# --- clusters ------------------------------------------------------------------------------------
def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def h2_cluster(
    name: str,
    host: str,
    port: int,
    *,
    transport_socket: TransportSocket | None = None,
    health_check_service: str | None = None,
    hc_interval: float = 1.0,
    connect_timeout: float = 0.5,
    more_ports: Sequence[int] = (),
) -> Cluster:
    """An HTTP/2 (gRPC) cluster with one endpoint (or one per port: `port` and `more_ports` on the
    same host, balanced by least requests), optional TLS and an active gRPC health check."""
    http2 = HttpProtocolOptions(
        explicit_http_config=HttpProtocolOptionsExplicitHttpConfig(
            http2_protocol_options=Http2ProtocolOptions(
                max_concurrent_streams=1024,
                initial_stream_window_size=1 << 20,
                initial_connection_window_size=1 << 21,
            )
        )
    )
    cluster = Cluster(
        name=name,
        type=ClusterDiscoveryType.STATIC if _is_ip(host) else ClusterDiscoveryType.STRICT_DNS,
        connect_timeout=seconds(connect_timeout),
        load_assignment=ClusterLoadAssignment(
            cluster_name=name,
            endpoints=[
                LocalityLbEndpoints(
                    lb_endpoints=[
                        LbEndpoint(endpoint=Endpoint(address=addr(host, p))) for p in (port, *more_ports)
                    ]
                )
            ],
        ),
        # several worker processes: each request to the one with the fewest in flight (of two picked
        # at random), so a worker busy with a slow request gets no more until it catches up
        lb_policy=ClusterLbPolicy.LEAST_REQUEST if more_ports else ClusterLbPolicy.ROUND_ROBIN,
        typed_extension_protocol_options={HTTP_PROTOCOL_OPTIONS: pack(http2)},
        circuit_breakers=CircuitBreakers(
            thresholds=[
                CircuitBreakersThresholds(
                    max_connections=4096, max_pending_requests=4096, max_requests=8192, max_retries=16
                )
            ]
        ),
        outlier_detection=OutlierDetection(
            # consecutive_5xx stays at its default (5): betterproto2 cannot round-trip that name
            consecutive_gateway_failure=3,
            interval=seconds(2),
            base_ejection_time=seconds(5),
            max_ejection_percent=100,
        ),
        transport_socket=transport_socket,
    )
    if health_check_service is not None:
        cluster.health_checks = [
            HealthCheck(
                # A busy single-process Python service can answer its health check late: give it a
                # second and three misses before ejecting it (a killed one still fails fast, since
                # its connections are refused and requests get 503 at once).
                timeout=seconds(max(1.0, hc_interval)),
                interval=seconds(hc_interval),
                no_traffic_interval=seconds(hc_interval),
                no_traffic_healthy_interval=seconds(max(hc_interval, 2.0)),
                unhealthy_interval=seconds(hc_interval),
                unhealthy_threshold=3,
                healthy_threshold=1,
                grpc_health_check=HealthCheckGrpcHealthCheck(service_name=health_check_service),
            )
        ]
        # no panic routing: an unhealthy (killed) service answers 503 at once instead of being tried
        cluster.common_lb_config = ClusterCommonLbConfig(healthy_panic_threshold=Percent(value=0.0))
    return cluster


def read_text(path: Path | str) -> str:
    return Path(path).read_text()


# --- JSON -----------------------------------------------------------------------------------------
# betterproto2 0.9 camel-cases a digit followed by letters wrongly ("consecutive_5xx" ->
# "consecutive5Xx"; protobuf JSON says "consecutive5xx") and Envoy rejects the unknown field.
# These are all such names in envoy-data-plane 2.2.0 (found by scanning every registered message).
_JSON_NAME_FIXES = {
    "consecutive5Xx": "consecutive5xx",
    "enforcingConsecutive5Xx": "enforcingConsecutive5xx",
    "traceId128Bit": "traceId128bit",
    "s2AAddress": "s2aAddress",
}
_JSON_NAME_UNFIXES = {v: k for k, v in _JSON_NAME_FIXES.items()}


def _rename_keys(value: object, names: dict[str, str]) -> object:
    if isinstance(value, dict):
        return {names.get(k, k): _rename_keys(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename_keys(v, names) for v in value]
    return value


def bootstrap_to_json_dict(bootstrap: Bootstrap) -> dict[str, object]:
    """The Bootstrap as protobuf JSON Envoy accepts."""
    out = _rename_keys(bootstrap.to_dict(), _JSON_NAME_FIXES)
    assert isinstance(out, dict)
    return out


def bootstrap_from_json_dict(data: dict[str, object]) -> Bootstrap:
    """Parse rendered JSON back into a typed Bootstrap (catches unknown fields / typos)."""
    return Bootstrap.from_dict(_rename_keys(data, _JSON_NAME_UNFIXES))
