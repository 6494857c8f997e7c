"""The edge's one auth decision: jwt_authn for people, ext_authz (gRPC, to users) for partner API keys.

Design (docs/mesh.md, "Authentication at the edge"):
- jwt_authn verifies `authorization: Bearer <access JWT>` (ES256) against the users service's JWKS and
  forwards the verified payload in `x-sp-jwt-payload`; a missing token is allowed (services decide
  what anonymous may do), a bad one is a 401.
- The JWKS is fetched by Envoy from the edge's own listener (`/v1/auth/jwks`), i.e. transcoded to
  AuthService.GetJwks and sent over the existing mTLS cluster to users' sidecar: jwt_authn can only
  GET JSON over HTTP and the sidecar forwards to a gRPC-only app, so the edge's transcoder is the one
  place that speaks both.
- ext_authz runs only when the API-key header is present (an ExtensionWithMatcher skips it otherwise,
  so anonymous and JWT calls never pay for it); users answers with `x-sp-principal`, or a denial.
- Both filters are enabled per route (route classes with `authenticate`), never on the JWKS route.
"""

from __future__ import annotations

from envoy_data_plane.envoy.config.accesslog.v3 import (
    AccessLogFilter,
    AndFilter,
    ComparisonFilter,
    ComparisonFilterOp,
    HeaderFilter,
    StatusCodeFilter,
)
from envoy_data_plane.envoy.config.cluster.v3 import Cluster
from envoy_data_plane.envoy.config.core.v3 import (
    ApiVersion,
    GrpcService,
    GrpcServiceEnvoyGrpc,
    HttpUri,
    RuntimeUInt32,
    SubstitutionFormatString,
    TypedExtensionConfig,
)
from envoy_data_plane.envoy.config.route.v3 import HeaderMatcher
from envoy_data_plane.envoy.extensions.common.matching.v3 import (
    ExtensionWithMatcher,
    ExtensionWithMatcherPerRoute,
)
from envoy_data_plane.envoy.extensions.filters.common.matcher.action.v3 import SkipFilter
from envoy_data_plane.envoy.extensions.filters.http.ext_authz.v3 import ExtAuthz
from envoy_data_plane.envoy.extensions.filters.http.jwt_authn.v3 import (
    JwksAsyncFetch,
    JwtAuthentication,
    JwtCacheConfig,
    JwtHeader,
    JwtProvider,
    JwtRequirement,
    JwtRequirementOrList,
    PerRouteConfig,
    ProviderWithAudiences,
    RemoteJwks,
)
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import (
    HttpFilter,
    LocalReplyConfig,
    ResponseMapper,
)
from envoy_data_plane.envoy.type.matcher.v3 import HttpRequestHeaderMatchInput
from envoy_data_plane.envoy.type.matcher.v3 import ListStringMatcher as EnvoyListStringMatcher
from envoy_data_plane.envoy.type.matcher.v3 import StringMatcher as EnvoyStringMatcher
from envoy_data_plane.envoy.type.v3 import HttpStatus, StatusCode
from envoy_data_plane.google.protobuf import Any, Empty, Struct
from envoy_data_plane.xds.core.v3 import TypedExtensionConfig as XdsTypedExtensionConfig
from envoy_data_plane.xds.type.matcher.v3 import (
    Matcher,
    MatcherMatcherList,
    MatcherMatcherListFieldMatcher,
    MatcherMatcherListPredicate,
    MatcherMatcherListPredicateSinglePredicate,
    MatcherOnMatch,
    StringMatcher,
)
from envoy_data_plane.xds.type.matcher.v3 import RegexMatcher as XdsRegexMatcher
from envoy_data_plane.xds.type.matcher.v3 import RegexMatcherGoogleRe2 as XdsGoogleRe2

from . import common
from .common import h2_cluster, pack, seconds
from .topology import Topology

F_JWT = "envoy.filters.http.jwt_authn"
F_EXT_AUTHZ = "envoy.filters.http.ext_authz"

JWT_PROVIDER = "users"
JWT_REQUIREMENT = "user_if_present"
JWT_PAYLOAD_HEADER = common.JWT_PAYLOAD_HEADER
JWKS_CLUSTER = "edge_self_jwks"
EXT_AUTHZ_SERVICE = "envoy.service.auth.v3.Authorization"


def jwks_cluster(topo: Topology) -> Cluster:
    """The edge's own listener over loopback (HTTP/2 cleartext), for the JWKS fetch."""
    return h2_cluster(JWKS_CLUSTER, "127.0.0.1", topo.edge.http_port)


def jwt_filter(topo: Topology) -> JwtAuthentication:
    auth = topo.auth
    provider = JwtProvider(
        issuer=auth.jwt_issuer,
        audiences=[auth.jwt_audience],
        remote_jwks=RemoteJwks(
            http_uri=HttpUri(
                uri=f"http://127.0.0.1:{topo.edge.http_port}{auth.jwks_path}",
                cluster=JWKS_CLUSTER,
                timeout=seconds(2),
            ),
            cache_duration=seconds(auth.jwks_cache_seconds),
            # Fetch in the background from start-up: the listener must not wait for a JWKS that is
            # served through itself; a failed fetch (users not up yet) is retried every second.
            async_fetch=JwksAsyncFetch(fast_listener=True, failed_refetch_duration=seconds(1)),
        ),
        from_headers=[JwtHeader(name="authorization", value_prefix="Bearer ")],
        forward=False,  # services get the verified payload, never the bearer token itself
        forward_payload_header=JWT_PAYLOAD_HEADER,
        require_expiration=True,
        clock_skew_seconds=30,
        # verified tokens are remembered (until they expire): a dashboard repeats the same token
        jwt_cache_config=JwtCacheConfig(jwt_cache_size=10_000),
    )
    return JwtAuthentication(
        providers={JWT_PROVIDER: provider},
        requirement_map={JWT_REQUIREMENT: _if_present()},
        bypass_cors_preflight=True,
    )


def _if_present() -> JwtRequirement:
    # requires_any(provider, allow_missing): a token present must verify (else 401; wrong audience
    # 403); no token at all passes without a payload header, and services see an anonymous caller.
    return JwtRequirement(
        requires_any=JwtRequirementOrList(
            requirements=[
                JwtRequirement(
                    provider_and_audiences=ProviderWithAudiences(provider_name=JWT_PROVIDER, audiences=[])
                ),
                JwtRequirement(allow_missing=Empty()),
            ]
        )
    )


def ext_authz_filter(topo: Topology) -> ExtensionWithMatcher:
    """ext_authz to the users service, skipped unless the request carries the API-key header."""
    auth = topo.auth
    svc = topo.service(auth.service)
    ext_authz = ExtAuthz(
        grpc_service=GrpcService(
            envoy_grpc=GrpcServiceEnvoyGrpc(cluster_name=svc.cluster),
            timeout=seconds(auth.ext_authz_timeout_seconds),
        ),
        transport_api_version=ApiVersion.V3,
        failure_mode_allow=False,  # fail closed: an API key we could not check is no identity
        status_on_error=HttpStatus(code=StatusCode.ServiceUnavailable),
        # Only what the decision needs travels to users (not cookies, bodies, other secrets).
        allowed_headers=EnvoyListStringMatcher(
            patterns=[
                EnvoyStringMatcher(exact=auth.api_key_header),
                # jwt_authn has already consumed `authorization`; its verified payload says a
                # person is signed in too
                EnvoyStringMatcher(exact=JWT_PAYLOAD_HEADER),
                EnvoyStringMatcher(exact="authorization"),
                EnvoyStringMatcher(exact="x-envoy-external-address"),
            ]
        ),
        clear_route_cache=False,
        stat_prefix="edge_authz",
    )
    return ExtensionWithMatcher(
        xds_matcher=_skip_without(auth.api_key_header),
        extension_config=TypedExtensionConfig(name=F_EXT_AUTHZ, typed_config=pack(ext_authz)),
    )


def _skip_without(header: str) -> Matcher:
    """A matcher whose action skips the wrapped filter when `header` is absent."""
    header_present = MatcherMatcherListPredicate(
        single_predicate=MatcherMatcherListPredicateSinglePredicate(
            input=XdsTypedExtensionConfig(
                name="api_key_header",
                typed_config=pack(HttpRequestHeaderMatchInput(header_name=header)),
            ),
            # any value, even empty (an empty key is checked and refused, not ignored)
            value_match=StringMatcher(safe_regex=XdsRegexMatcher(regex=".*", google_re2=XdsGoogleRe2())),
        )
    )
    return Matcher(
        matcher_list=MatcherMatcherList(
            matchers=[
                MatcherMatcherListFieldMatcher(
                    predicate=MatcherMatcherListPredicate(not_matcher=header_present),
                    on_match=MatcherOnMatch(
                        action=XdsTypedExtensionConfig(name="skip", typed_config=pack(SkipFilter()))
                    ),
                )
            ]
        )
    )


def auth_filters(topo: Topology) -> list[HttpFilter]:
    """jwt_authn then ext_authz, both disabled by default and enabled on authenticated routes."""
    return [
        HttpFilter(name=F_JWT, typed_config=pack(jwt_filter(topo)), disabled=True),
        HttpFilter(name=F_EXT_AUTHZ, typed_config=pack(ext_authz_filter(topo)), disabled=True),
    ]


def auth_per_route(topo: Topology) -> dict[str, Any]:
    """typed_per_filter_config that turns both auth filters on for one route."""
    return {
        F_JWT: pack(PerRouteConfig(requirement_name=JWT_REQUIREMENT)),
        # Envoy refuses an empty per-route config; the wrapper's own (same matcher) enables it.
        F_EXT_AUTHZ: pack(ExtensionWithMatcherPerRoute(xds_matcher=_skip_without(topo.auth.api_key_header))),
    }


def _status_is(code: int) -> AccessLogFilter:
    return AccessLogFilter(
        status_code_filter=StatusCodeFilter(
            comparison=ComparisonFilter(
                op=ComparisonFilterOp.EQ, value=RuntimeUInt32(default_value=code, runtime_key="")
            )
        )
    )


def local_reply_config() -> LocalReplyConfig:
    """401/403 local replies (jwt_authn, ext_authz) to REST clients as the transcoder's JSON error
    shape; gRPC and gRPC-Web callers keep the grpc-status Envoy derives (16, 7)."""
    not_grpc = AccessLogFilter(
        header_filter=HeaderFilter(
            header=HeaderMatcher(
                name="content-type",
                string_match=EnvoyStringMatcher(prefix="application/grpc"),
                invert_match=True,
                treat_missing_header_as_empty=True,
            )
        )
    )

    def json_error(code: int, grpc_code: int) -> ResponseMapper:
        return ResponseMapper(
            filter=AccessLogFilter(and_filter=AndFilter(filters=[_status_is(code), not_grpc])),
            body_format_override=SubstitutionFormatString(
                json_format=Struct.from_dict(
                    {"code": grpc_code, "message": "%LOCAL_REPLY_BODY%", "details": []}
                ),
                content_type="application/json",
            ),
        )

    return LocalReplyConfig(mappers=[json_error(401, 16), json_error(403, 7)])
