"""The edge's HTTP cache for shareable REST responses (the widget feed) and the visitor-country key.

Why this shape (measured on Envoy 1.40, see INFRA-NOTES and docs/mesh.md):
  * cache -> grpc_json_transcoder -> router does not work: on a miss the cache fetches straight from
    the gRPC cluster as a plain GET (503). What works is cache -> router -> an *internal listener*
    (`envoy.bootstrap.internal_listener`, in-process, no socket) whose own connection manager does the
    transcoding and calls the service's sidecar over mTLS. The cached entry is the final JSON.
  * The cache is keyed by host + path + query. The feed depends on the visitor's country, so a Lua
    filter in front of the cache rewrites the query: any client-sent `page.country_code` is dropped and
    the value of the trusted geo header (set by the CDN/load balancer in front) is appended. The
    transcoder then fills `page.country_code` from it, and each country gets its own entry.
  * Freshness comes from the service: the feed says `s-maxage=1`, so a change (pause, publish,
    refund) is visible at the edge within about a second without any purge API, while repeats within
    that second (the bulk of traffic on a busy page) never reach Python. `Vary` is not used: Envoy's v1
    cache crashes on it (open upstream issue).
  * Both filters are disabled by default and enabled only on the routes that want them.
"""

from __future__ import annotations

from envoy_data_plane.envoy.config.cluster.v3 import Cluster, ClusterDiscoveryType
from envoy_data_plane.envoy.config.common.mutation_rules.v3 import HeaderMutation as HeaderMutationRule
from envoy_data_plane.envoy.config.core.v3 import (
    Address,
    DataSource,
    EnvoyInternalAddress,
    TypedExtensionConfig,
)
from envoy_data_plane.envoy.config.endpoint.v3 import (
    ClusterLoadAssignment,
    Endpoint,
    LbEndpoint,
    LocalityLbEndpoints,
)
from envoy_data_plane.envoy.config.listener.v3 import (
    Filter,
    FilterChain,
    Listener,
    ListenerInternalListenerConfig,
)
from envoy_data_plane.envoy.config.route.v3 import FilterConfig, Route, RouteConfiguration, VirtualHost
from envoy_data_plane.envoy.extensions.bootstrap.internal_listener.v3 import InternalListener
from envoy_data_plane.envoy.extensions.compression.gzip.compressor.v3 import Gzip, GzipCompressionLevel
from envoy_data_plane.envoy.extensions.filters.http.cache_v2.v3 import CacheV2Config
from envoy_data_plane.envoy.extensions.filters.http.compressor.v3 import (
    Compressor,
    CompressorCommonDirectionConfig,
    CompressorResponseDirectionConfig,
)
from envoy_data_plane.envoy.extensions.filters.http.grpc_json_transcoder.v3 import GrpcJsonTranscoder
from envoy_data_plane.envoy.extensions.filters.http.header_mutation.v3 import HeaderMutation, Mutations
from envoy_data_plane.envoy.extensions.filters.http.lua.v3 import Lua, LuaPerRoute
from envoy_data_plane.envoy.extensions.filters.http.router.v3 import Router
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import (
    HttpConnectionManager,
    HttpConnectionManagerCodecType,
    HttpFilter,
)
from envoy_data_plane.envoy.extensions.http.cache_v2.simple_http_cache.v3 import SimpleHttpCacheV2Config
from envoy_data_plane.google.protobuf import Any

from .common import pack, seconds
from .topology import Topology

F_CACHE = "envoy.filters.http.cache_v2"
F_KEY = "envoy.filters.http.lua"
FILL_LISTENER = "edge_cache_fill"
FILL_CLUSTER = "edge_cache_fill"
INTERNAL_LISTENER_EXT = "envoy.bootstrap.internal_listener"
# gRPC framing headers mean nothing to an HTTP client and must not be stored with the entry.
GRPC_RESPONSE_HEADERS = ["grpc-status", "grpc-message", "grpc-accept-encoding", "grpc-encoding"]
COUNTRY_PARAMS = ("page.country_code", "page.countryCode")
# Query parameter naming the response encoding the client accepts; part of the cache key (instead of
# `Vary: accept-encoding`, which Envoy's v1 cache cannot store) and ignored by the transcoder.
ENCODING_PARAM = "sp_ae"
LIVE_SCRIPT = "page_key"  # country only (streams are not cached or compressed)
CACHED_SCRIPT = "cached_page_key"  # country and accepted encoding


def _key_lua(geo_header: str, *, encoding: bool) -> str:
    """Lua that makes the query's country come from `geo_header` and nowhere else and, with
    `encoding`, adds the accepted response encoding (gzip or nothing) to the query, so the cache
    key says what the entry holds. Client-sent copies of both parameters are dropped."""
    dropped = " or ".join(f'key == "{p.lower()}"' for p in (*COUNTRY_PARAMS, ENCODING_PARAM))
    country = (
        f"""
  local country = headers:get("{geo_header}")
  if country ~= nil and string.match(country, "^%a%a$") then
    kept[#kept + 1] = "page.country_code=" .. string.upper(country)
  end"""
        if geo_header
        else ""
    )
    accepted = (
        f"""
  local accept = headers:get("accept-encoding")
  if accept ~= nil and string.find(string.lower(accept), "gzip", 1, true) then
    kept[#kept + 1] = "{ENCODING_PARAM}=gzip"
  end"""
        if encoding
        else ""
    )
    return f"""
local function unescape(s)
  return (string.gsub(s, "%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end
function envoy_on_request(handle)
  local headers = handle:headers()
  local path = headers:get(":path")
  if path == nil then return end
  local q = string.find(path, "?", 1, true)
  local base, query = path, ""
  if q ~= nil then base = string.sub(path, 1, q - 1); query = string.sub(path, q + 1) end
  local kept = {{}}
  for part in string.gmatch(query, "[^&]+") do
    local key = string.lower(unescape(string.match(part, "^[^=]*")))
    if not ({dropped}) then kept[#kept + 1] = part end
  end{country}{accepted}
  if #kept > 0 then base = base .. "?" .. table.concat(kept, "&") end
  headers:replace(":path", base)
end
"""


def http_filters(topo: Topology) -> list[HttpFilter]:
    """The request key (off unless a route enables it, see `enable`) and the cache (on; switched off
    on every other route by `disable_elsewhere`)."""
    geo = topo.geo_country_header.lower()
    scripts = {
        LIVE_SCRIPT: DataSource(inline_string=_key_lua(geo, encoding=False)),
        CACHED_SCRIPT: DataSource(inline_string=_key_lua(geo, encoding=True)),
    }
    lua = Lua(default_source_code=scripts[LIVE_SCRIPT], source_codes=scripts)
    cache = CacheV2Config(typed_config=pack(SimpleHttpCacheV2Config()))
    return [
        HttpFilter(name=F_KEY, typed_config=pack(lua), disabled=True),
        HttpFilter(name=F_CACHE, typed_config=pack(cache)),
    ]


def enable(topo: Topology, path: str) -> dict[str, Any]:
    """Per-filter configs turning the request key on for the REST template `path` (Envoy refuses an
    empty per-route config, so it names one of the filter's scripts)."""
    if path in topo.edge_cached_paths:
        return {F_KEY: pack(LuaPerRoute(name=CACHED_SCRIPT))}
    if topo.geo_country_header and path in topo.geo_country_paths:
        return {F_KEY: pack(LuaPerRoute(name=LIVE_SCRIPT))}
    return {}


def disable_elsewhere(routes: list[Route], cached_route_names: set[str]) -> None:
    """The cache filter has no per-route config, so it cannot start disabled and be switched on per
    route: it runs everywhere and is switched off on every route that is not a cached one."""
    off = pack(FilterConfig(disabled=True))
    for r in routes:
        if r.name not in cached_route_names:
            r.typed_per_filter_config = {**r.typed_per_filter_config, F_CACHE: off}


def fill_cluster() -> Cluster:
    """The cache's upstream: the in-process fill listener (no socket, no TLS: same process)."""
    return Cluster(
        name=FILL_CLUSTER,
        type=ClusterDiscoveryType.STATIC,
        connect_timeout=seconds(1),
        load_assignment=ClusterLoadAssignment(
            cluster_name=FILL_CLUSTER,
            endpoints=[
                LocalityLbEndpoints(
                    lb_endpoints=[
                        LbEndpoint(
                            endpoint=Endpoint(
                                address=Address(
                                    envoy_internal_address=EnvoyInternalAddress(
                                        server_listener_name=FILL_LISTENER
                                    )
                                )
                            )
                        )
                    ]
                )
            ],
        ),
    )


def fill_transcoder(transcoder: GrpcJsonTranscoder) -> GrpcJsonTranscoder:
    """The edge's transcoder settings, plus the cache-key parameter it must not reject."""
    transcoder.ignored_query_parameters = [*transcoder.ignored_query_parameters, ENCODING_PARAM]
    return transcoder


def fill_listener(routes: list[Route], transcoder: HttpFilter) -> Listener:
    """The internal listener that turns a cache miss into a transcoded gRPC call to the service.

    `routes` are the cached REST routes, pointing at the services' mTLS clusters."""
    hcm = HttpConnectionManager(
        stat_prefix="edge_cache_fill",
        codec_type=HttpConnectionManagerCodecType.AUTO,
        route_config=RouteConfiguration(
            name="edge_cache_fill", virtual_hosts=[VirtualHost(name="fill", domains=["*"], routes=routes)]
        ),
        # the mutation first, so on the way out it runs last (after the transcoder and the compressor)
        http_filters=[
            HttpFilter(name="envoy.filters.http.header_mutation", typed_config=pack(_strip_grpc_headers())),
            HttpFilter(name="envoy.filters.http.compressor", typed_config=pack(_gzip())),
            transcoder,
            HttpFilter(name="envoy.filters.http.router", typed_config=pack(Router())),
        ],
    )
    return Listener(
        name=FILL_LISTENER,
        internal_listener=ListenerInternalListenerConfig(),
        filter_chains=[
            FilterChain(
                filters=[Filter(name="envoy.filters.network.http_connection_manager", typed_config=pack(hcm))]
            )
        ],
    )


def _strip_grpc_headers() -> HeaderMutation:
    # `vary` too: the compressor adds `vary: accept-encoding`, which the cache cannot store; the
    # encoding is in the key instead (ENCODING_PARAM)
    removed = [*GRPC_RESPONSE_HEADERS, "vary"]
    return HeaderMutation(
        mutations=Mutations(response_mutations=[HeaderMutationRule(remove=h) for h in removed])
    )


def _gzip() -> Compressor:
    """gzip once per miss, stored compressed: hits cost no compression. Level 6 with zlib's full 32 KiB
    window (`window_bits` 15; Envoy's default is 12, a 4 KiB window): on the 354 KB benchmark feed the
    small window gave 28.8 KB in ~6.5 ms of CPU, the full one 23.0 KB in ~3 ms (zlib, same machine):
    a cheaper miss and a smaller entry for every hit. Memory: ~256 KiB per miss while it compresses."""
    library = TypedExtensionConfig(
        name="envoy.compression.gzip.compressor",
        typed_config=pack(
            Gzip(
                compression_level=GzipCompressionLevel.COMPRESSION_LEVEL_6,
                memory_level=8,
                window_bits=15,
            )
        ),
    )
    return Compressor(
        compressor_library=library,
        response_direction_config=CompressorResponseDirectionConfig(
            common_config=CompressorCommonDirectionConfig(
                min_content_length=256, content_type=["application/json"]
            )
        ),
    )


def bootstrap_extension() -> TypedExtensionConfig:
    return TypedExtensionConfig(name=INTERNAL_LISTENER_EXT, typed_config=pack(InternalListener()))
