"""The edge's HTTP cache for shareable REST responses (the widget feed) and the visitor-country key.

Why this shape (measured on Envoy 1.40, see INFRA-NOTES and docs/mesh.md):
  * cache -> grpc_json_transcoder -> router does not work: on a miss the cache fetches straight from
    the gRPC cluster as a plain GET (503). What works is cache -> router -> an *internal listener*
    (`envoy.bootstrap.internal_listener`, in-process, no socket) whose own connection manager does the
    transcoding and calls the service's sidecar over mTLS. The cached entry is the final response.
  * The key. cache_v2's key is the route's cluster name + host + path + query, and nothing native can
    rewrite the path before the cache (header_mutation's query mutations percent-decode the whole query
    and write it back decoded: `page.url=...%26page.country_code%3DUS` becomes a second country
    parameter). So the entry is told apart by the *cluster name*: the connection manager's early
    header mutation (before routing, every request) overwrites `KEY_HEADER` with
    `<geo header>|<accept-encoding>`, and the cached route takes its cluster name from that header
    (`cluster_header`); the cache's `override_upstream_cluster` sends misses to the fill listener
    whatever that name is, so the name only keys. No per-request script on a hit (the Lua key filter
    cost ~25 us of ~110 us of edge CPU per hit, docs/mesh.md).
  * The fill listener derives everything the response depends on *from that key header*, never from
    the headers it came with: the country before the first `|` (a two-letter code, upper-cased, else
    none) replaces any client-sent `page.country_code`/`page.countryCode` in the query (Lua, run once
    per miss), and the rest becomes the `accept-encoding` its compressors see. So an entry is a
    function of its key alone: a spoofed query parameter or an odd header makes another entry, never
    another country's or another encoding's bytes under a legitimate key.
  * Encodings: brotli (quality 4, 512 KiB window) for clients that take `br`, else gzip, else identity,
    each its own entry; compressed once per miss, hits copy the stored bytes.
  * Freshness comes from the service: the feed says `s-maxage=1`, so a change (pause, publish,
    refund) is visible at the edge within about a second without any purge API, while repeats within
    that second (the bulk of traffic on a busy page) never reach Python. `Vary` is not used: Envoy's v1
    cache crashes on it (open upstream issue) and v2 never stores it.
  * Only requests the cache can serve take the keyed route (GET, no body, no `authorization` and no
    conditional `if-modified-since`/`if-range`): the cache hands any other request to the router,
    which must then find a real cluster, so those take a plain route to the fill listener, uncached.
  * The cache filter runs only on the cached route; the Lua filter at the edge only on the live
    stream (the country for `/live`, which is not cached).
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
from envoy_data_plane.envoy.config.route.v3 import (
    FilterConfig,
    HeaderMatcher,
    Route,
    RouteConfiguration,
    VirtualHost,
)
from envoy_data_plane.envoy.extensions.bootstrap.internal_listener.v3 import InternalListener
from envoy_data_plane.envoy.extensions.compression.brotli.compressor.v3 import Brotli
from envoy_data_plane.envoy.extensions.compression.gzip.compressor.v3 import Gzip, GzipCompressionLevel
from envoy_data_plane.envoy.extensions.filters.http.cache_v2.v3 import CacheV2Config
from envoy_data_plane.envoy.extensions.filters.http.compressor.v3 import (
    Compressor,
    CompressorCommonDirectionConfig,
    CompressorResponseDirectionConfig,
)
from envoy_data_plane.envoy.extensions.filters.http.header_mutation.v3 import HeaderMutation, Mutations
from envoy_data_plane.envoy.extensions.filters.http.lua.v3 import Lua, LuaPerRoute
from envoy_data_plane.envoy.extensions.filters.http.router.v3 import Router
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import (
    HttpConnectionManager,
    HttpConnectionManagerCodecType,
    HttpFilter,
)
from envoy_data_plane.envoy.extensions.http.cache_v2.simple_http_cache.v3 import SimpleHttpCacheV2Config
from envoy_data_plane.envoy.extensions.http.early_header_mutation.header_mutation.v3 import (
    HeaderMutation as EarlyHeaderMutation,
)
from envoy_data_plane.google.protobuf import Any

from .common import header_exact, header_option, pack, seconds
from .topology import Topology

F_CACHE = "envoy.filters.http.cache_v2"
F_KEY = "envoy.filters.http.lua"
FILL_LISTENER = "edge_cache_fill"
FILL_CLUSTER = "edge_cache_fill"
INTERNAL_LISTENER_EXT = "envoy.bootstrap.internal_listener"
EARLY_MUTATION_EXT = "envoy.http.early_header_mutation.header_mutation"
# Set by the edge before routing (any client-sent copy is overwritten), read by the cached route as its
# cluster name (= the cache key's cluster part) and by the fill listener, which removes it.
KEY_HEADER = "x-sp-edge-cache-key"
KEY_SEPARATOR = "|"
# gRPC framing headers mean nothing to an HTTP client and must not be stored with the entry; neither
# must the fill's own timing or the request id of whichever visitor happened to miss.
GRPC_RESPONSE_HEADERS = ["grpc-status", "grpc-message", "grpc-accept-encoding", "grpc-encoding"]
STORED_HEADERS_DROPPED = [*GRPC_RESPONSE_HEADERS, "x-envoy-upstream-service-time", "x-request-id"]
COUNTRY_PARAMS = ("page.country_code", "page.countryCode")
LIVE_SCRIPT = "page_key"  # the live stream's country (streams are neither cached nor compressed)
# What the cache hands to the router instead of serving (CacheabilityUtils::canServeRequestFromCache):
# such requests must not take the keyed route, whose cluster name is not a cluster.
UNCACHEABLE_REQUEST_HEADERS = (
    "authorization",
    "if-modified-since",
    "if-range",
    "content-length",
    "transfer-encoding",
)
BROTLI_QUALITY = 4
BROTLI_WINDOW_BITS = 19


def _country_lua(source: str) -> str:
    """Lua statements that leave the visitor's country (two letters, upper-cased) in `country`, or
    nil, from the Lua expression `source` (a string or nil)."""
    return f"""
  local country = {source}
  if country ~= nil and string.match(country, "^%a%a$") then
    country = string.upper(country)
  else
    country = nil
  end"""


def _query_lua(prelude: str) -> str:
    """Lua that runs `prelude` (which sets `country`) and rewrites the query so the country parameter
    is that one or absent: client-sent copies (any case, percent-encoded names too) are dropped."""
    dropped = " or ".join(f'key == "{p.lower()}"' for p in COUNTRY_PARAMS)
    return f"""
local function unescape(s)
  return (string.gsub(s, "%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end
function envoy_on_request(handle)
  local headers = handle:headers(){prelude}
  local path = headers:get(":path")
  if path == nil then return end
  local q = string.find(path, "?", 1, true)
  local base, query = path, ""
  if q ~= nil then base = string.sub(path, 1, q - 1); query = string.sub(path, q + 1) end
  local kept = {{}}
  for part in string.gmatch(query, "[^&]+") do
    local key = string.lower(unescape(string.match(part, "^[^=]*")))
    if not ({dropped}) then kept[#kept + 1] = part end
  end
  if country ~= nil then kept[#kept + 1] = "page.country_code=" .. country end
  if #kept > 0 then base = base .. "?" .. table.concat(kept, "&") end
  headers:replace(":path", base)
end
"""


def _live_lua(geo_header: str) -> str:
    """The live stream's country, straight from the trusted geo header (not cached)."""
    return _query_lua(_country_lua(f'headers:get("{geo_header}")'))


def _fill_lua(with_country: bool) -> str:
    """The fill listener's request side: country and accepted encoding from the key header alone (see
    the module docstring), so what is stored under a key depends on nothing else."""
    split = f"""
  local key = headers:get("{KEY_HEADER}") or ""
  headers:remove("{KEY_HEADER}")
  local bar = string.find(key, "{KEY_SEPARATOR}", 1, true)
  local geo, accept = nil, key
  if bar ~= nil then geo = string.sub(key, 1, bar - 1); accept = string.sub(key, bar + 1) end
  headers:replace("accept-encoding", accept)"""
    return _query_lua(split + (_country_lua("geo") if with_country else "\n  local country = nil"))


def key_header_mutation(topo: Topology) -> TypedExtensionConfig:
    """The connection manager's early header mutation (runs before routing on every request): the
    cache key header, `<geo header>|<accept-encoding>` as received (any client-sent copy replaced)."""
    geo = f"%REQ({topo.geo_country_header})%" if _keys_country(topo) else ""
    value = f"{geo}{KEY_SEPARATOR}%REQ(accept-encoding)%"
    mutation = EarlyHeaderMutation(mutations=[HeaderMutationRule(append=header_option(KEY_HEADER, value))])
    return TypedExtensionConfig(name=EARLY_MUTATION_EXT, typed_config=pack(mutation))


def _keys_country(topo: Topology) -> bool:
    return bool(topo.geo_country_header) and any(p in topo.geo_country_paths for p in topo.edge_cached_paths)


def http_filters(topo: Topology) -> list[HttpFilter]:
    """The live stream's country (off unless a route enables it, see `enable`) and the cache (on;
    switched off on every other route by `disable_elsewhere`)."""
    script = DataSource(inline_string=_live_lua(topo.geo_country_header.lower()))
    lua = Lua(default_source_code=script, source_codes={LIVE_SCRIPT: script})
    # misses go to the fill listener whatever the route's cluster name (the key) says
    cache = CacheV2Config(
        typed_config=pack(SimpleHttpCacheV2Config()), override_upstream_cluster=FILL_CLUSTER
    )
    return [
        HttpFilter(name=F_KEY, typed_config=pack(lua), disabled=True),
        HttpFilter(name=F_CACHE, typed_config=pack(cache)),
    ]


def enable(topo: Topology, path: str) -> dict[str, Any]:
    """Per-filter configs turning the Lua country on for the REST template `path` when it is a live
    (uncached) one; cached paths get their country in the fill listener. Envoy refuses an empty
    per-route config, so it names the filter's script."""
    if topo.geo_country_header and path in topo.geo_country_paths and path not in topo.edge_cached_paths:
        return {F_KEY: pack(LuaPerRoute(name=LIVE_SCRIPT))}
    return {}


def cacheable_request() -> list[HeaderMatcher]:
    """Header matchers of the keyed route: a GET the cache will answer itself."""
    absent = [HeaderMatcher(name=h, present_match=False) for h in UNCACHEABLE_REQUEST_HEADERS]
    return [header_exact(":method", "GET"), *absent]


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


def fill_listener(topo: Topology, routes: list[Route], transcoder: HttpFilter) -> Listener:
    """The internal listener that turns a cache miss into a transcoded gRPC call to the service.

    `routes` are the cached REST routes, pointing at the services' mTLS clusters."""
    key = Lua(default_source_code=DataSource(inline_string=_fill_lua(_keys_country(topo))))
    hcm = HttpConnectionManager(
        stat_prefix="edge_cache_fill",
        codec_type=HttpConnectionManagerCodecType.AUTO,
        route_config=RouteConfiguration(
            name="edge_cache_fill", virtual_hosts=[VirtualHost(name="fill", domains=["*"], routes=routes)]
        ),
        # the mutation first, so on the way out it runs last (after the transcoder and the compressors);
        # the key before the compressors, which read accept-encoding on the way in
        http_filters=[
            HttpFilter(name="envoy.filters.http.header_mutation", typed_config=pack(_strip_stored_headers())),
            HttpFilter(name=F_KEY, typed_config=pack(key)),
            HttpFilter(name="envoy.filters.http.compressor.brotli", typed_config=pack(_brotli())),
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


def _strip_stored_headers() -> HeaderMutation:
    # `vary` too: the compressors add `vary: accept-encoding`, which the cache cannot store; the
    # encoding is in the key instead (KEY_HEADER)
    removed = [*STORED_HEADERS_DROPPED, "vary"]
    return HeaderMutation(
        mutations=Mutations(response_mutations=[HeaderMutationRule(remove=h) for h in removed])
    )


def _json_only() -> CompressorResponseDirectionConfig:
    return CompressorResponseDirectionConfig(
        common_config=CompressorCommonDirectionConfig(
            min_content_length=256, content_type=["application/json"]
        )
    )


def _brotli() -> Compressor:
    """brotli for clients that take it (`choose_first`: preferred over gzip at equal q-values, as every
    browser sends them). Quality 4 with a 512 KiB window (the whole feed in view): on the 354 KB
    benchmark feed 8.8 KB instead of gzip's 22.5 KB, and less edge CPU per miss than gzip level 6
    (2.6-3.8 vs 3.4-4.5 ms, loaded box); quality 5 gives 6.3 KB for ~1.5 ms more per miss
    (docs/mesh.md). Memory while it compresses: the 512 KiB window plus brotli's quality-4 hash table
    (512 KiB), about 1 MiB per concurrent miss (from brotli's parameters, not measured)."""
    library = TypedExtensionConfig(
        name="envoy.compression.brotli.compressor",
        typed_config=pack(Brotli(quality=BROTLI_QUALITY, window_bits=BROTLI_WINDOW_BITS)),
    )
    return Compressor(compressor_library=library, response_direction_config=_json_only(), choose_first=True)


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
    return Compressor(compressor_library=library, response_direction_config=_json_only())


def bootstrap_extension() -> TypedExtensionConfig:
    return TypedExtensionConfig(name=INTERNAL_LISTENER_EXT, typed_config=pack(InternalListener()))
