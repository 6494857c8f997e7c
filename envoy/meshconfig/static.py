"""Static assets at the edge: the built widget (versioned, pre-compressed, immutable) and the demo shop page.

Compressing on the fly is slow in Envoy (brotli q11 ≈ 8 req/s here), so the widget build writes
`sp-<version>.js` with `.br` and `.gz` beside it and the edge picks one per request from
`accept-encoding` with a `direct_response` route (files are read when the config loads: versioned
names make that safe, and a new version means a new config). Bodies over 4 KB need the route
configuration's `max_direct_response_body_size_bytes`: use `max_body_size()`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from envoy_data_plane.envoy.config.core.v3 import DataSource, HeaderValueOption
from envoy_data_plane.envoy.config.route.v3 import DirectResponseAction, HeaderMatcher, Route, RouteMatch
from envoy_data_plane.envoy.type.matcher.v3 import StringMatcher
from envoy_data_plane.google.protobuf import Any

from .common import header_option, regex

WIDGET_PREFIX = "/static/widget/"
DEMO_PATH = "/demo/"
#: The dashboard (a hash-routed single-page app) lives under this prefix; its index is `/app/`.
DASHBOARD_PREFIX = "/app/"
IMMUTABLE = "public, max-age=31536000, immutable"
DEFAULT_DEMO_HTML = Path(__file__).resolve().parents[2] / "widget" / "demo" / "index.html"

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".map": "application/json",
}
# Best first. Each entry: (content-encoding, file suffix).
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def accepts(coding: str) -> str:
    """RE2 regex matching an accept-encoding header that lists `coding` with a non-zero q-value
    ("gzip, deflate, br", "br;q=0.5"), but not "br;q=0" or a longer token such as "brotli"."""
    return rf"^(.*,)?\s*{coding}\s*(;\s*q\s*=\s*(1(\.0{{0,3}})?|0\.[0-9]{{0,2}}[1-9]))?\s*(,.*)?$"


@dataclass(frozen=True, slots=True)
class Asset:
    """One servable file and its pre-compressed variants (encoding -> path)."""

    url_path: str
    path: Path
    content_type: str
    encoded: tuple[tuple[str, Path], ...]


def assets(dist_dir: Path | str, prefix: str = WIDGET_PREFIX) -> list[Asset]:
    """The files of a widget build (`dist/`), skipping the `.br`/`.gz` copies and the manifest."""
    d = Path(dist_dir).resolve()
    if not d.is_dir():
        raise FileNotFoundError(f"static directory {d} does not exist (build the widget: npm run build)")
    found = []
    for f in sorted(d.iterdir()):
        if not f.is_file() or f.suffix in (".br", ".gz") or f.name == "manifest.json":
            continue
        ctype = CONTENT_TYPES.get(f.suffix)
        if ctype is None:
            continue
        encoded = tuple(
            (coding, f.with_name(f.name + suffix))
            for coding, suffix in ENCODINGS
            if f.with_name(f.name + suffix).is_file()
        )
        found.append(Asset(prefix + f.name, f, ctype, encoded))
    return found


def widget_file(dist_dir: Path | str) -> str:
    """The current widget file name (`sp-<version>.js`) from the build's manifest.json."""
    return str(json.loads((Path(dist_dir) / "manifest.json").read_text())["file"])


def render_demo(html: str, *, site_key: str, widget_file: str) -> str:
    """The demo shop page with the install snippet pointing at this edge's widget and the demo site."""
    return html.replace("__WIDGET_FILE__", widget_file).replace("__SITE_KEY__", site_key)


def _asset_headers(asset: Asset, coding: str | None) -> list[HeaderValueOption]:
    # An index page must be revalidated (it names the current hashed assets); the rest never change.
    cache = "no-cache" if asset.path.name == "index.html" else IMMUTABLE
    headers = [
        header_option("content-type", asset.content_type),
        header_option("cache-control", cache),
        header_option("vary", "accept-encoding"),
        # lets the widget measure its own transfer size on customers' pages (Resource Timing)
        header_option("timing-allow-origin", "*"),
        header_option("access-control-allow-origin", "*"),
        header_option("x-content-type-options", "nosniff"),
    ]
    if coding:
        headers.append(header_option("content-encoding", coding))
    return headers


def asset_routes(
    dist_dir: Path | str, *, prefix: str = WIDGET_PREFIX, per_filter: dict[str, Any] | None = None
) -> list[Route]:
    """Per asset: a route per pre-compressed variant (matched on accept-encoding, best first), then
    the identity body for clients that accept neither. An `index.html` is also served at the prefix
    itself (and without its trailing slash)."""
    routes: list[Route] = []
    for asset in assets(dist_dir, prefix):
        paths = [asset.url_path]
        if asset.path.name == "index.html":
            paths += [prefix, prefix.rstrip("/")]
        for url_path in paths:
            routes += _variant_routes(asset, url_path, per_filter)
    return routes


def _variant_routes(asset: Asset, url_path: str, per_filter: dict[str, Any] | None) -> list[Route]:
    routes: list[Route] = []
    variants: list[tuple[str | None, Path]] = [*asset.encoded, (None, asset.path)]
    for coding, path in variants:
        headers = (
            []
            if coding is None
            else [
                HeaderMatcher(
                    name="accept-encoding", string_match=StringMatcher(safe_regex=regex(accepts(coding)))
                )
            ]
        )
        routes.append(
            Route(
                name=f"static:{url_path}:{coding or 'identity'}",
                match=RouteMatch(path=url_path, headers=headers),
                direct_response=DirectResponseAction(status=200, body=DataSource(filename=str(path))),
                response_headers_to_add=_asset_headers(asset, coding),
                typed_per_filter_config=dict(per_filter or {}),
            )
        )
    return routes


def demo_routes(
    dist_dir: Path | str,
    site_key: str,
    *,
    demo_html: Path | str = DEFAULT_DEMO_HTML,
    per_filter: dict[str, Any] | None = None,
) -> list[Route]:
    """`/demo/` (and `/demo`): the demo shop page, its snippet filled in with the widget file and site key."""
    body = render_demo(Path(demo_html).read_text(), site_key=site_key, widget_file=widget_file(dist_dir))
    return [
        Route(
            name=f"static:demo{suffix}",
            match=RouteMatch(path=DEMO_PATH.rstrip("/") + suffix),
            direct_response=DirectResponseAction(status=200, body=DataSource(inline_string=body)),
            response_headers_to_add=[
                header_option("content-type", CONTENT_TYPES[".html"]),
                header_option("cache-control", "no-cache"),
            ],
            typed_per_filter_config=dict(per_filter or {}),
        )
        for suffix in ("/", "")
    ]


def static_routes(
    dist_dir: Path | str,
    *,
    demo_site_key: str | None = None,
    demo_html: Path | str = DEFAULT_DEMO_HTML,
    per_filter: dict[str, Any] | None = None,
    dashboard_dir: Path | str | None = None,
) -> list[Route]:
    """Widget asset routes, plus the demo page when `demo_site_key` is given and the dashboard at
    `/app/` when `dashboard_dir` (its build) is. `per_filter` is the typed_per_filter_config each route
    gets (the edge disables its transcoder and rate limit)."""
    routes = asset_routes(dist_dir, per_filter=per_filter)
    if demo_site_key is not None:
        routes += demo_routes(dist_dir, demo_site_key, demo_html=demo_html, per_filter=per_filter)
    if dashboard_dir is not None:
        routes += asset_routes(dashboard_dir, prefix=DASHBOARD_PREFIX, per_filter=per_filter)
    return routes


def max_body_size(
    dist_dir: Path | str,
    *,
    demo_html: Path | str = DEFAULT_DEMO_HTML,
    dashboard_dir: Path | str | None = None,
) -> int:
    """A `max_direct_response_body_size_bytes` that fits every asset (and the demo page), with headroom."""
    every = [*assets(dist_dir), *(assets(dashboard_dir, DASHBOARD_PREFIX) if dashboard_dir else [])]
    sizes = [p.stat().st_size for a in every for p in (a.path, *(e[1] for e in a.encoded))]
    if Path(demo_html).is_file():
        sizes.append(Path(demo_html).stat().st_size + 1024)
    return max([4096, *sizes]) * 2
