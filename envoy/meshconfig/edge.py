"""The Envoy edge: one HTTP listener for browsers (REST + SSE, gRPC-Web), partners (REST, gRPC)
and webhook senders, in front of mTLS clusters to each service's sidecar.

Filter chain (order matters):
    header_mutation  strip client-sent x-sp-* (and, on REST routes, every `*-bin` header)
    grpc_web         gRPC-Web -> gRPC, so later local replies are gRPC-shaped for gRPC-Web clients
    cors             per-route CorsPolicy (widget: any origin; API/dashboard: configured origins)
    lua (country)    visitor country from the trusted geo header into the query (live stream only)
    cache            HTTP cache for shareable GETs (feed only), keyed by country and accepted encoding
                     through the route's cluster name (an early header mutation, before routing);
                     misses go through an internal listener that sets the country, compresses and
                     transcodes (edge_cache.py); hits skip everything below
    local_ratelimit  one token bucket per route class, selected by a generic_key descriptor
    jwt_authn        people: Bearer access JWT -> x-sp-jwt-payload (edge_auth.py; per route)
    ext_authz        partners: x-api-key -> users Check -> x-sp-principal (edge_auth.py; per route)
    grpc_json_transcoder  REST/JSON <-> gRPC from the descriptor set (SSE for server streaming)
    router
"""

from __future__ import annotations

import json
from pathlib import Path

from envoy_data_plane.envoy.config.bootstrap.v3 import Bootstrap, BootstrapStaticResources
from envoy_data_plane.envoy.config.common.mutation_rules.v3 import (
    HeaderMutation as HeaderMutationRule,
)
from envoy_data_plane.envoy.config.common.mutation_rules.v3 import (
    HeaderMutationRemoveOnMatch,
)
from envoy_data_plane.envoy.config.core.v3 import (
    DataSource,
    HttpProtocolOptionsHeadersWithUnderscoresAction,
    Metadata,
)
from envoy_data_plane.envoy.config.core.v3 import (
    HttpProtocolOptions as CoreHttpProtocolOptions,
)
from envoy_data_plane.envoy.config.listener.v3 import Filter, FilterChain, Listener
from envoy_data_plane.envoy.config.route.v3 import (
    DirectResponseAction,
    FilterConfig,
    RateLimit,
    RateLimitAction,
    RateLimitActionMetaData,
    RateLimitActionMetaDataSource,
    Route,
    RouteAction,
    RouteActionMaxStreamDuration,
    RouteConfiguration,
    RouteMatch,
    VirtualHost,
)
from envoy_data_plane.envoy.extensions.common.ratelimit.v3 import (
    LocalRateLimitDescriptor,
    RateLimitDescriptorEntry,
    XRateLimitHeadersRfcVersion,
)
from envoy_data_plane.envoy.extensions.filters.http.cors.v3 import Cors, CorsPolicy
from envoy_data_plane.envoy.extensions.filters.http.grpc_json_transcoder.v3 import (
    GrpcJsonTranscoder,
    GrpcJsonTranscoderPrintOptions,
    GrpcJsonTranscoderRequestValidationOptions,
)
from envoy_data_plane.envoy.extensions.filters.http.grpc_web.v3 import GrpcWeb
from envoy_data_plane.envoy.extensions.filters.http.header_mutation.v3 import (
    HeaderMutation,
    HeaderMutationPerRoute,
    Mutations,
)
from envoy_data_plane.envoy.extensions.filters.http.local_ratelimit.v3 import LocalRateLimit
from envoy_data_plane.envoy.extensions.filters.http.router.v3 import Router
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import (
    HttpConnectionManager,
    HttpConnectionManagerCodecType,
    HttpFilter,
)
from envoy_data_plane.envoy.type.matcher.v3 import StringMatcher
from envoy_data_plane.envoy.type.metadata.v3 import MetadataKey, MetadataKeyPathSegment
from envoy_data_plane.envoy.type.v3 import TokenBucket
from envoy_data_plane.google.protobuf import Any, Struct

from . import edge_auth, edge_cache
from . import static as static_assets
from .certs import CertPaths
from .common import (
    MESH_HEADERS,
    access_log,
    addr,
    admin,
    h2_cluster,
    header_exact,
    header_option,
    header_prefix,
    pack,
    percent100,
    regex,
    seconds,
    upstream_tls,
)
from .descriptor import (
    HttpBinding,
    http_bindings,
    streaming_methods,
    transcoded_services,
    unsupported_by_envoy,
)
from .topology import RouteClass, Topology

F_HEADERS = "envoy.filters.http.header_mutation"
F_GRPC_WEB = "envoy.filters.http.grpc_web"
F_CORS = "envoy.filters.http.cors"
F_RATELIMIT = "envoy.filters.http.local_ratelimit"
F_TRANSCODER = "envoy.filters.http.grpc_json_transcoder"
F_ROUTER = "envoy.filters.http.router"

MAX_REQUEST_BODY = 4 * 1024 * 1024
MAX_RESPONSE_BODY = 8 * 1024 * 1024
UNARY_TIMEOUT_S = 60
HEALTH_PATH = "/healthz"
PING_DIRECT_PATH = "/v1/ping/direct"
PING_DIRECT_BODY = '{"message":"pong"}'

CORS_ALLOW_HEADERS = ",".join(
    [
        "content-type",
        "authorization",
        "x-api-key",
        "x-grpc-web",
        "x-user-agent",
        "grpc-timeout",
        "x-request-id",
        "connect-protocol-version",
        "connect-timeout-ms",
        "last-event-id",
    ]
)
CORS_EXPOSE_HEADERS = "grpc-status,grpc-message,grpc-status-details-bin,x-request-id,retry-after"
UPSTREAM_TIMING = ("x-envoy-upstream-service-time",)
RATE_LIMIT_KEY = "route_class"
METADATA_NS = "socialproof"


# --- per-route pieces ---------------------------------------------------------------------------
def _cors(origins: tuple[str, ...] | None) -> CorsPolicy:
    """CorsPolicy for explicit origins, or any origin when `origins` is None."""
    matchers = (
        [StringMatcher(safe_regex=regex(".*"))]
        if origins is None
        else [StringMatcher(exact=o) for o in origins]
    )
    return CorsPolicy(
        allow_origin_string_match=matchers,
        allow_methods="GET,POST,PUT,PATCH,DELETE,OPTIONS",
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        max_age="600",
        allow_credentials=False,
        forward_not_matching_preflights=False,
    )


def _disabled() -> Any:
    return pack(FilterConfig(disabled=True))


def _strip_bin_headers(*, response_removed: tuple[str, ...] = ()) -> HeaderMutationPerRoute:
    # REST clients have no business sending gRPC binary metadata; grpcio fails a call whose
    # `-bin` header is not base64, so drop them all on REST routes.
    return HeaderMutationPerRoute(
        mutations=Mutations(
            request_mutations=[
                HeaderMutationRule(
                    remove_on_match=HeaderMutationRemoveOnMatch(key_matcher=StringMatcher(suffix="-bin"))
                )
            ],
            response_mutations=[HeaderMutationRule(remove=h) for h in response_removed],
        )
    )


def _class_metadata(rc: RouteClass) -> Metadata:
    """Route metadata naming the route class; the rate-limit filter turns it into a descriptor."""
    return Metadata(filter_metadata={METADATA_NS: Struct.from_dict({RATE_LIMIT_KEY: rc.name})})


def _per_filter(
    topo: Topology, rc: RouteClass, *, rest: bool, any_origin: bool, auth: bool = False
) -> dict[str, Any]:
    cfg: dict[str, Any] = edge_auth.auth_per_route(topo) if auth else {}
    if rc.name != "webhooks":  # server-to-server senders: no CORS at all
        cfg[F_CORS] = pack(_cors(None if any_origin else topo.dashboard_origins))
    if rest:
        cfg[F_HEADERS] = pack(_strip_bin_headers())
    return cfg


# Streaming routes have no overall timeout (the default 15 s would cut an SSE stream); the HCM
# stream_idle_timeout (300 s) still applies, so servers send heartbeats more often than that.
def _rest_routes(topo: Topology, bindings: list[HttpBinding]) -> tuple[list[Route], list[Route]]:
    """One route per distinct path regex (streaming GETs get their own timeout-free route first),
    and the routes of the cache's fill listener (cached paths only)."""
    fill: list[Route] = []
    by_regex: dict[str, list[HttpBinding]] = {}
    for b in bindings:
        by_regex.setdefault(b.path_regex(), []).append(b)
    streaming, unary = [], []
    for rx, group in by_regex.items():
        maybe = {b.service: topo.service_for_package(b.service) for b in group}
        bad = [name for name, owner in maybe.items() if owner is None]
        if bad:
            raise ValueError(f"REST rules of {bad} belong to no service in the topology")
        owners = {owner for owner in maybe.values() if owner is not None}
        if len(owners) != 1:
            raise ValueError(
                f"path {group[0].path} is bound by several services: {sorted(o.name for o in owners)}"
            )
        svc = owners.pop()
        rc = topo.rest_route_class(group[0].path)
        # the JWKS route stays unauthenticated: jwt_authn fetches it through this very listener
        auth = rc.authenticate and group[0].path != topo.auth.jwks_path
        per_filter = _per_filter(topo, rc, rest=True, any_origin=rc.name == "widget", auth=auth)
        per_filter.update(edge_cache.enable(topo, group[0].path))
        for b in group:
            if b.server_streaming:
                streaming.append(
                    Route(
                        name=f"rest_stream:{b.service}.{b.method}",
                        match=RouteMatch(
                            safe_regex=regex(rx), headers=[header_exact(":method", b.http_method)]
                        ),
                        route=RouteAction(cluster=svc.cluster, timeout=seconds(0)),
                        metadata=_class_metadata(rc),
                        typed_per_filter_config=per_filter,
                    )
                )
        name = "rest:" + ",".join(sorted({f"{b.service}.{b.method}" for b in group}))
        cluster = svc.cluster
        if group[0].path in topo.edge_cached_paths:
            if any(b.http_method != "GET" for b in group):
                raise ValueError(f"only GET routes can be cached at the edge: {group[0].path}")
            # here: cache -> fill listener; the fill listener transcodes and calls the service
            per_filter[F_TRANSCODER] = _disabled()
            cluster = edge_cache.FILL_CLUSTER
            fill.append(
                Route(
                    name=name,
                    match=RouteMatch(safe_regex=regex(rx)),
                    route=RouteAction(cluster=svc.cluster, timeout=seconds(UNARY_TIMEOUT_S)),
                )
            )
            # what the cache serves: keyed by the cluster name taken from the key header (edge_cache.py);
            # the cache's own upstream client stamps the fill's timing on every stored entry
            cached = {**per_filter, F_HEADERS: pack(_strip_bin_headers(response_removed=UPSTREAM_TIMING))}
            unary.append(
                Route(
                    name=name,
                    match=RouteMatch(safe_regex=regex(rx), headers=edge_cache.cacheable_request()),
                    route=RouteAction(cluster_header=edge_cache.KEY_HEADER, timeout=seconds(UNARY_TIMEOUT_S)),
                    metadata=_class_metadata(rc),
                    typed_per_filter_config=cached,
                )
            )
            # anything else the cache would hand to the router: the fill listener, uncached
            name = "rest_uncached:" + name.removeprefix("rest:")
        unary.append(
            Route(
                name=name,
                match=RouteMatch(safe_regex=regex(rx)),
                route=RouteAction(cluster=cluster, timeout=seconds(UNARY_TIMEOUT_S)),
                metadata=_class_metadata(rc),
                typed_per_filter_config=per_filter,
            )
        )
    return streaming + unary, fill


def _grpc_routes(topo: Topology, streaming: list[str]) -> list[Route]:
    """gRPC-Web (dashboard class) and native gRPC (partner class) by package prefix."""
    routes: list[Route] = []
    for svc in topo.services:
        svc_streams = [p for p in streaming if p.startswith(svc.grpc_path_prefix)]
        for kind, rc_name, content in (
            ("grpcweb", "dashboard", "application/grpc-web"),
            ("grpc", "partner", None),
        ):
            rc = topo.route_class(rc_name)
            headers = [header_prefix("content-type", content)] if content else []
            per_filter = _per_filter(topo, rc, rest=False, any_origin=False, auth=rc.authenticate)
            honour_deadline = RouteActionMaxStreamDuration(grpc_timeout_header_max=seconds(0))
            for path in svc_streams:
                routes.append(
                    Route(
                        name=f"{kind}_stream:{path}",
                        match=RouteMatch(path=path, headers=headers),
                        route=RouteAction(
                            cluster=svc.cluster, timeout=seconds(0), max_stream_duration=honour_deadline
                        ),
                        metadata=_class_metadata(rc),
                        typed_per_filter_config=per_filter,
                    )
                )
            routes.append(
                Route(
                    name=f"{kind}:{svc.name}",
                    match=RouteMatch(prefix=svc.grpc_path_prefix, headers=headers),
                    route=RouteAction(
                        cluster=svc.cluster,
                        timeout=seconds(UNARY_TIMEOUT_S),
                        max_stream_duration=honour_deadline,
                    ),
                    metadata=_class_metadata(rc),
                    typed_per_filter_config=per_filter,
                )
            )
    return routes


def _direct(name: str, path: str, status: int, body: str, content_type: str, *, cors: bool) -> Route:
    per_filter = {F_TRANSCODER: _disabled(), F_RATELIMIT: _disabled()}
    if cors:
        per_filter[F_CORS] = pack(_cors(None))
    return Route(
        name=name,
        match=RouteMatch(path=path),
        direct_response=DirectResponseAction(status=status, body=DataSource(inline_string=body)),
        response_headers_to_add=[header_option("content-type", content_type)],
        typed_per_filter_config=per_filter,
    )


class UnsupportedContract(ValueError):
    """The descriptor has REST rules Envoy's transcoder cannot load."""


def check_descriptor(descriptor: Path | str) -> None:
    """Fail early, listing every offending RPC, instead of Envoy's one-at-a-time startup error."""
    bad = unsupported_by_envoy(http_bindings(descriptor))
    if bad:
        raise UnsupportedContract(
            "Envoy 1.40's gRPC-JSON transcoder rejects `response_body` on non-HttpBody fields "
            '("Setting response_body is not supported yet for non-HttpBody fields"); the edge '
            "would not start. Remove response_body from:\n  " + "\n  ".join(bad)
        )


def edge_routes(
    topo: Topology,
    descriptor: Path | str,
    *,
    static_dir: Path | str | None = None,
    demo_site_key: str | None = None,
    dashboard_dir: Path | str | None = None,
) -> tuple[RouteConfiguration, list[Route]]:
    """The edge listener's routes, and the cache fill listener's routes (edge_cache.py)."""
    bindings = http_bindings(descriptor)
    rest, fill = _rest_routes(topo, bindings)
    # Static assets (widget build, demo page): see static.py. Served before the catch-all 404.
    static: list[Route] = []
    max_direct: int | None = None
    if static_dir is not None:
        no_api = {F_TRANSCODER: _disabled(), F_RATELIMIT: _disabled()}
        static = static_assets.static_routes(
            static_dir, demo_site_key=demo_site_key, per_filter=no_api, dashboard_dir=dashboard_dir
        )
        max_direct = static_assets.max_body_size(static_dir, dashboard_dir=dashboard_dir)
    routes = [
        _direct("healthz", HEALTH_PATH, 200, "ok\n", "text/plain", cors=False),
        _direct("ping_direct", PING_DIRECT_PATH, 200, PING_DIRECT_BODY, "application/json", cors=True),
        *rest,
        *_grpc_routes(topo, streaming_methods(descriptor)),
        *static,
        Route(
            name="not_found",
            match=RouteMatch(prefix="/"),
            direct_response=DirectResponseAction(
                status=404,
                body=DataSource(
                    inline_string=json.dumps({"code": 5, "message": "no such route", "details": []})
                ),
            ),
            response_headers_to_add=[header_option("content-type", "application/json")],
            typed_per_filter_config={F_TRANSCODER: _disabled(), F_RATELIMIT: _disabled()},
        ),
    ]
    edge_cache.disable_elsewhere(routes, {r.name for r in fill})
    config = RouteConfiguration(
        name="edge",
        virtual_hosts=[VirtualHost(name="edge", domains=["*"], routes=routes)],
        # belt and braces: never forward mesh headers a filter did not set (router stage)
        request_headers_to_remove=["x-sp-mesh-token", "x-sp-caller", edge_cache.KEY_HEADER],
        response_headers_to_remove=[*UPSTREAM_TIMING, "x-sp-mesh-token", "x-sp-caller"],
        max_direct_response_body_size_bytes=max_direct,
    )
    return config, fill


# --- filters -------------------------------------------------------------------------------------
def _rate_limit_filter(topo: Topology) -> LocalRateLimit:
    descriptors = [
        LocalRateLimitDescriptor(
            entries=[RateLimitDescriptorEntry(key=RATE_LIMIT_KEY, value=rc.name)],
            token_bucket=TokenBucket(
                max_tokens=max(rc.burst, 1), tokens_per_fill=rc.requests_per_second, fill_interval=seconds(1)
            ),
        )
        for rc in topo.route_classes
        if rc.requests_per_second > 0
    ]
    return LocalRateLimit(
        stat_prefix="edge_rl",
        # the default bucket only applies to requests without a class; effectively unlimited
        token_bucket=TokenBucket(max_tokens=1_000_000, tokens_per_fill=1_000_000, fill_interval=seconds(1)),
        always_consume_default_token_bucket=False,
        filter_enabled=percent100(),
        filter_enforced=percent100(),
        descriptors=descriptors,
        rate_limits=[
            RateLimit(
                actions=[
                    RateLimitAction(
                        metadata=RateLimitActionMetaData(
                            descriptor_key=RATE_LIMIT_KEY,
                            metadata_key=MetadataKey(
                                key=METADATA_NS, path=[MetadataKeyPathSegment(key=RATE_LIMIT_KEY)]
                            ),
                            source=RateLimitActionMetaDataSource.ROUTE_ENTRY,
                            skip_if_absent=True,
                        )
                    )
                ]
            )
        ],
        rate_limited_as_resource_exhausted=True,
        enable_x_ratelimit_headers=XRateLimitHeadersRfcVersion.DRAFT_VERSION_03,
        response_headers_to_add=[header_option("retry-after", "1")],
    )


def _transcoder(descriptor: Path | str) -> GrpcJsonTranscoder:
    services = transcoded_services(descriptor)
    return GrpcJsonTranscoder(
        proto_descriptor=str(Path(descriptor).resolve()),
        services=services,
        match_incoming_request_route=True,  # route on the REST path: per-route CORS/limits/timeouts
        print_options=GrpcJsonTranscoderPrintOptions(
            add_whitespace=False,
            always_print_primitive_fields=True,
            preserve_proto_field_names=True,
            stream_sse_style_delimited=True,  # server streaming -> text/event-stream `data: {json}\n\n`
        ),
        convert_grpc_status=True,
        request_validation_options=GrpcJsonTranscoderRequestValidationOptions(
            reject_unknown_method=True, reject_unknown_query_parameters=True
        ),
        query_param_unescape_plus=True,
        max_request_body_size=MAX_REQUEST_BODY,
        max_response_body_size=MAX_RESPONSE_BODY,
    )


def edge_http_filters(topo: Topology, descriptor: Path | str) -> list[HttpFilter]:
    strip = HeaderMutation(
        mutations=Mutations(request_mutations=[HeaderMutationRule(remove=h) for h in MESH_HEADERS])
    )
    return [
        HttpFilter(name=F_HEADERS, typed_config=pack(strip)),
        HttpFilter(name=F_GRPC_WEB, typed_config=pack(GrpcWeb())),
        HttpFilter(name=F_CORS, typed_config=pack(Cors())),
        # before the rate limit: a cache hit costs about what a 429 would, so the buckets only meter
        # requests that reach a service
        *edge_cache.http_filters(topo),
        HttpFilter(name=F_RATELIMIT, typed_config=pack(_rate_limit_filter(topo))),
        # after the rate limit, so floods are refused before they cost a JWT check or a users call
        *edge_auth.auth_filters(topo),
        HttpFilter(name=F_TRANSCODER, typed_config=pack(_transcoder(descriptor))),
        HttpFilter(name=F_ROUTER, typed_config=pack(Router())),
    ]


def edge_bootstrap(
    topo: Topology,
    descriptor: Path | str,
    edge_cert: CertPaths,
    *,
    log_path: str | None = None,
    hc_interval: float = 1.0,
    static_dir: Path | str | None = None,
    demo_site_key: str | None = None,
    dashboard_dir: Path | str | None = None,
) -> Bootstrap:
    """The full edge Envoy bootstrap. `edge_cert` is the edge's mesh identity (client cert towards
    the sidecars); `descriptor` is the binary descriptor set (absolute path is written)."""
    check_descriptor(descriptor)
    route_config, fill_routes = edge_routes(
        topo, descriptor, static_dir=static_dir, demo_site_key=demo_site_key, dashboard_dir=dashboard_dir
    )
    hcm = HttpConnectionManager(
        stat_prefix="edge",
        codec_type=HttpConnectionManagerCodecType.AUTO,
        route_config=route_config,
        http_filters=edge_http_filters(topo, descriptor),
        access_log=[access_log(log_path)],
        use_remote_address=True,
        local_reply_config=edge_auth.local_reply_config(),
        normalize_path=True,
        merge_slashes=True,
        server_name="socialproof-edge",
        stream_idle_timeout=seconds(300),
        request_headers_timeout=seconds(10),
        common_http_protocol_options=CoreHttpProtocolOptions(
            headers_with_underscores_action=HttpProtocolOptionsHeadersWithUnderscoresAction.DROP_HEADER
        ),
        # before routing: the cache key header the cached routes take their cluster name from
        early_header_mutation_extensions=[edge_cache.key_header_mutation(topo)] if fill_routes else [],
    )
    listener = Listener(
        name="edge_http",
        address=addr(topo.edge.bind, topo.edge.http_port),
        per_connection_buffer_limit_bytes=1 << 20,
        filter_chains=[
            FilterChain(
                filters=[Filter(name="envoy.filters.network.http_connection_manager", typed_config=pack(hcm))]
            )
        ],
    )
    clusters = [
        h2_cluster(
            svc.cluster,
            svc.host,
            svc.inbound_port,
            transport_socket=upstream_tls(edge_cert, topo.spiffe_id(svc.name)),
            health_check_service=svc.health_service,
            hc_interval=hc_interval,
        )
        for svc in topo.services
    ]
    listeners = [listener]
    extensions = []
    if fill_routes:
        transcoder = HttpFilter(name=F_TRANSCODER, typed_config=pack(_transcoder(descriptor)))
        listeners.append(edge_cache.fill_listener(topo, fill_routes, transcoder))
        clusters.append(edge_cache.fill_cluster())
        extensions.append(edge_cache.bootstrap_extension())
    return Bootstrap(
        admin=admin(topo.edge.admin_port),
        static_resources=BootstrapStaticResources(
            listeners=listeners, clusters=[*clusters, edge_auth.jwks_cluster(topo)]
        ),
        bootstrap_extensions=extensions,
    )
