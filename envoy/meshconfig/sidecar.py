"""The Envoy sidecar of one service: an mTLS inbound listener in front of the app and a plain
loopback outbound listener the app uses to call the peers the topology allows."""

from __future__ import annotations

from envoy_data_plane.envoy.config.bootstrap.v3 import Bootstrap, BootstrapStaticResources
from envoy_data_plane.envoy.config.cluster.v3 import Cluster
from envoy_data_plane.envoy.config.core.v3 import DataSource, Http2ProtocolOptions
from envoy_data_plane.envoy.config.listener.v3 import Filter, FilterChain, Listener
from envoy_data_plane.envoy.config.route.v3 import (
    DirectResponseAction,
    RetryPolicy,
    RetryPolicyRetryHostPredicate,
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
from envoy_data_plane.envoy.extensions.retry.host.previous_hosts.v3 import PreviousHostsPredicate

from .certs import CertPaths
from .common import (
    CALLER_HEADER,
    MESH_TOKEN_HEADER,
    access_log,
    addr,
    admin,
    downstream_mtls,
    h2_cluster,
    header_option,
    pack,
    seconds,
    upstream_tls,
)
from .topology import Topology

APP_CLUSTER = "local_app"


def _router() -> HttpFilter:
    return HttpFilter(name="envoy.filters.http.router", typed_config=pack(Router()))


def _hcm(stat_prefix: str, routes: RouteConfiguration, log_path: str | None, *, edge_facing: bool) -> Filter:
    hcm = HttpConnectionManager(
        stat_prefix=stat_prefix,
        codec_type=HttpConnectionManagerCodecType.HTTP2,
        route_config=routes,
        http_filters=[_router()],
        http2_protocol_options=Http2ProtocolOptions(
            max_concurrent_streams=1024,
            initial_stream_window_size=1 << 20,
            initial_connection_window_size=1 << 21,
        ),
        stream_idle_timeout=seconds(600),
        access_log=[access_log(log_path)],
        # the peer identity comes from the TLS handshake; never trust forwarded addresses here
        use_remote_address=edge_facing,
        generate_request_id=False,
    )
    return Filter(name="envoy.filters.network.http_connection_manager", typed_config=pack(hcm))


def _worker_retry() -> RetryPolicy:
    """With several workers, a request whose worker is gone (restarting: connection refused, or a
    stream the app refused before reading it) goes to another one. Only failures where the app never
    saw the request are retried, so a non-idempotent call never runs twice."""
    return RetryPolicy(
        retry_on="connect-failure,refused-stream,reset-before-request",
        num_retries=2,
        # a retry goes to a worker not tried yet for this request
        retry_host_predicate=[
            RetryPolicyRetryHostPredicate(
                name="envoy.retry_host_predicates.previous_hosts", typed_config=pack(PreviousHostsPredicate())
            )
        ],
        host_selection_retry_max_attempts=5,
    )


def inbound_listener(
    topo: Topology, service: str, me: CertPaths, mesh_token: str, log_path: str | None = None
) -> Listener:
    svc = topo.service(service)
    routes = RouteConfiguration(
        name=f"{service}_inbound",
        # Client-sent copies go first, then Envoy sets the verified caller and the token.
        request_headers_to_remove=[MESH_TOKEN_HEADER, CALLER_HEADER],
        request_headers_to_add=[
            header_option(CALLER_HEADER, "%DOWNSTREAM_PEER_URI_SAN%"),
            header_option(MESH_TOKEN_HEADER, mesh_token),
        ],
        virtual_hosts=[
            VirtualHost(
                name=f"{service}_app",
                domains=["*"],
                routes=[
                    Route(
                        name=f"{service}_app",
                        match=RouteMatch(prefix="/"),
                        route=RouteAction(
                            cluster=APP_CLUSTER,
                            timeout=seconds(0),
                            retry_policy=_worker_retry() if svc.worker_ports else None,
                        ),
                    ),
                ],
            )
        ],
    )
    return Listener(
        name=f"{service}_inbound",
        address=addr(svc.inbound_bind, svc.inbound_port),
        filter_chains=[
            FilterChain(
                filters=[_hcm(f"{service}_inbound", routes, log_path, edge_facing=False)],
                transport_socket=downstream_mtls(me, topo.allowed_caller_ids(service)),
            )
        ],
    )


def outbound_listener(topo: Topology, service: str, log_path: str | None = None) -> Listener:
    svc = topo.service(service)
    routes = [
        Route(
            name=f"to_{peer}",
            match=RouteMatch(prefix=topo.service(peer).grpc_path_prefix),
            route=RouteAction(cluster=f"peer_{peer}", timeout=seconds(0)),
        )
        for peer in topo.callees(service)
    ]
    routes.append(
        Route(
            name="not_allowed",
            match=RouteMatch(prefix="/"),
            direct_response=DirectResponseAction(
                status=403,
                body=DataSource(inline_string=f"{service} may not call this service (mesh topology)\n"),
            ),
        )
    )
    return Listener(
        name=f"{service}_outbound",
        address=addr("127.0.0.1", svc.outbound_port),
        filter_chains=[
            FilterChain(
                filters=[
                    _hcm(
                        f"{service}_outbound",
                        RouteConfiguration(
                            name=f"{service}_outbound",
                            # the app never speaks for the mesh: drop anything it set by mistake
                            request_headers_to_remove=[MESH_TOKEN_HEADER, CALLER_HEADER],
                            virtual_hosts=[VirtualHost(name="peers", domains=["*"], routes=routes)],
                        ),
                        log_path,
                        edge_facing=False,
                    )
                ]
            )
        ],
    )


def sidecar_bootstrap(
    topo: Topology,
    service: str,
    me: CertPaths,
    mesh_token: str,
    *,
    log_path: str | None = None,
    hc_interval: float = 1.0,
) -> Bootstrap:
    """The full Envoy bootstrap for `service`'s sidecar; `me` is the service's own cert/key."""
    svc = topo.service(service)
    clusters: list[Cluster] = [
        h2_cluster(
            APP_CLUSTER,
            "127.0.0.1",
            svc.app_port,
            connect_timeout=0.25,
            more_ports=svc.worker_ports,
            # Several workers: the sidecar checks each one, so a worker that is restarting (up but
            # not serving yet) gets no requests and the edge's check of the service, which lands on
            # any worker, still passes. One worker: the edge's own check covers it.
            health_check_service=svc.health_service if svc.worker_ports else None,
            hc_interval=hc_interval,
        )
    ]
    for peer in topo.callees(service):
        p = topo.service(peer)
        clusters.append(
            h2_cluster(
                f"peer_{peer}",
                p.host,
                p.inbound_port,
                transport_socket=upstream_tls(me, topo.spiffe_id(peer)),
            )
        )
    return Bootstrap(
        admin=admin(svc.admin_port),
        static_resources=BootstrapStaticResources(
            listeners=[
                inbound_listener(topo, service, me, mesh_token, log_path),
                outbound_listener(topo, service, log_path),
            ],
            clusters=clusters,
        ),
    )
