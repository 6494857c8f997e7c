"""A local HTTP server for the widget's browser tests: test pages, the built widget, and the widget
routes of the edge answered in the exact JSON shape of the edge's transcoder.

The feed is built from the real protobuf classes and printed like the transcoder prints it
(proto field names, primitive fields always printed), and every body the widget posts is parsed
with json_format into the contract's request message (unknown fields fail), so neither side can
drift from protos/ unnoticed. The full platform runs in the e2e tests; this server only stands in
for the edge so the browser tests stay fast.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from google.protobuf import json_format
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from meshconfig.static import render_demo, widget_file
from socialproof.analytics.v1 import ingest_pb2
from socialproof.notifications.v1 import campaigns_pb2, sites_pb2, targeting_pb2, templates_pb2, widget_pb2

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "widget" / "dist"
DEMO = ROOT / "widget" / "demo" / "index.html"


def transcoder_json(msg: Message) -> str:
    """The edge's REST body for `msg` (preserve_proto_field_names + always_print_primitive_fields)."""
    return json.dumps(
        json_format.MessageToDict(
            msg, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
    )


def duration(seconds: float) -> Duration:
    d = Duration()
    d.FromNanoseconds(int(seconds * 1e9))
    return d


def ago(seconds: float) -> Timestamp:
    t = Timestamp()
    t.FromNanoseconds(int((time.time() - seconds) * 1e9))
    return t


def notification(campaign_id: str, nid: str, who: str, product: str, base_url: str, **kw: Any) -> Any:
    """A rendered recent-purchase notification ("Jana from Brno bought Trail Shoes · 4 min ago")."""
    span = templates_pb2.TextSpan
    n = templates_pb2.RenderedNotification(
        notification_id=nid,
        campaign_id=campaign_id,
        activity_id=f"00000000-0000-4000-8000-{nid[-12:].rjust(12, '0')}",
        title_spans=[span(text=who)],
        body_spans=[span(text="bought "), span(text=product, emphasized=True)],
        footer_spans=[span(text="4 min ago", relative_time=ago(240))],
        accessible_text=f"{who} bought {product}, 4 minutes ago",
        link_url=f"{base_url}/product/{nid}",
        image_url=kw.pop("image_url", f"{base_url}/img/{nid}.svg"),
        image_source=templates_pb2.IMAGE_SOURCE_PRODUCT,
        fallback_initials=who[:1],
        verified=True,
        **kw,
    )
    return n


@dataclass
class Scenario:
    """One site key's feed: site look and behaviour plus its campaigns."""

    site: widget_pb2.WidgetSiteConfig
    campaigns: list[widget_pb2.FeedCampaign]
    excluded_paths: tuple[str, ...] = ()  # stands in for the campaign's URL exclude rules
    live_events: list[widget_pb2.StreamLiveUpdatesResponse] = field(default_factory=list)
    fail_event_posts: int = 0  # answer this many event batches with 503 first (retry test)


@dataclass
class Recorded:
    """What the widget sent, parsed into the contract's messages."""

    events: list[tuple[str, ingest_pb2.RecordWidgetEventsRequest, str]] = field(default_factory=list)
    presence: list[widget_pb2.RecordPresenceRequest] = field(default_factory=list)
    feed_requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    live_connects: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # bodies the contract refused (test must fail)
    failed: list[tuple[str, ingest_pb2.RecordWidgetEventsRequest]] = field(default_factory=list)  # got 503
    lock: threading.Lock = field(default_factory=threading.Lock)

    def widget_events(self, site_key: str) -> list[Any]:
        with self.lock:
            return [e for key, req, _ in self.events if key == site_key for e in req.events]


class WidgetSite:
    """Threaded HTTP server on 127.0.0.1:<free port>; `scenarios` maps site keys to feeds."""

    def __init__(self, scenarios: dict[str, Scenario]) -> None:
        self.scenarios = scenarios
        self.recorded = Recorded()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WidgetSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the widget routes ----------------------------------------------------------------------
    def feed(self, site_key: str, query: dict[str, list[str]]) -> tuple[int, str]:
        scenario = self.scenarios.get(site_key)
        if scenario is None:
            return 404, json.dumps({"code": 5, "message": "site key not found", "details": []})
        # the transcoder rejects unknown query parameters: so do we
        allowed = {f"page.{f.name}" for f in targeting_pb2.PageContext.DESCRIPTOR.fields}
        allowed |= {f.name for f in widget_pb2.GetWidgetFeedRequest.DESCRIPTOR.fields} - {"page", "site_key"}
        unknown = sorted(set(query) - allowed)
        if unknown:
            return 400, json.dumps(
                {"code": 3, "message": f"unknown query parameters {unknown}", "details": []}
            )
        page_url = query.get("page.url", [""])[0]
        path = urlsplit(page_url).path
        campaigns = [] if any(p in path for p in scenario.excluded_paths) else scenario.campaigns
        feed = widget_pb2.WidgetFeed(
            status=widget_pb2.FEED_STATUS_ACTIVE,
            site=scenario.site,
            campaigns=campaigns,
            live_counts=widget_pb2.LiveCounts(page_count=3, site_count=12),
            generate_time=ago(0),
            cache=widget_pb2.CacheHints(max_age=duration(15), feed_version="v1"),
        )
        return 200, transcoder_json(widget_pb2.GetWidgetFeedResponse(feed=feed))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                return

            def _send(
                self, status: int, body: bytes | str, ctype: str, extra: dict[str, str] | None = None
            ) -> None:
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                self.send_header("access-control-allow-origin", "*")
                self.send_header("timing-allow-origin", "*")
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_OPTIONS(self) -> None:
                self._send(
                    204,
                    b"",
                    "text/plain",
                    {
                        "access-control-allow-headers": "content-type",
                        "access-control-allow-methods": "GET,POST",
                    },
                )

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query, keep_blank_values=True)
                parts = url.path.strip("/").split("/")
                if url.path.startswith("/v1/widget/sites/") and parts[-1] == "feed":
                    with site.recorded.lock:
                        site.recorded.feed_requests.append((parts[3], query))
                    status, body = site.feed(parts[3], query)
                    self._send(status, body, "application/json")
                elif url.path.startswith("/v1/widget/sites/") and parts[-1] == "live":
                    self._live(parts[3], query)
                elif url.path.startswith("/static/widget/"):
                    f = DIST / parts[-1]
                    if not f.is_file():
                        self._send(404, "no such file", "text/plain")
                        return
                    self._send(
                        200,
                        f.read_bytes(),
                        "text/javascript; charset=utf-8",
                        {"cache-control": "public, max-age=31536000, immutable"},
                    )
                elif url.path.startswith("/img/"):
                    if "broken" in url.path:
                        self._send(404, "", "image/svg+xml")
                    else:
                        svg = (
                            '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48">'
                            '<rect width="48" height="48" fill="#c53"/></svg>'
                        )
                        self._send(200, svg, "image/svg+xml")
                elif url.path == "/demo/":
                    key = query.get("site_key", [""])[0]
                    html = render_demo(DEMO.read_text(), site_key=key, widget_file=widget_file(DIST))
                    self._send(200, html, "text/html; charset=utf-8")
                else:
                    self._send(200, test_page(site.base, url.path, query), "text/html; charset=utf-8")

            def _live(self, site_key: str, query: dict[str, list[str]]) -> None:
                with site.recorded.lock:
                    site.recorded.live_connects.append((site_key, query))
                scenario = site.scenarios.get(site_key)
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("access-control-allow-origin", "*")
                self.send_header("connection", "close")
                self.end_headers()
                events = scenario.live_events if scenario else []
                # resume after last_event_id, as the service replays its buffer
                last = query.get("last_event_id", [""])[0]
                ids = [e.event_id for e in events]
                events = events[ids.index(last) + 1 :] if last in ids else events
                for ev in events:
                    self.wfile.write(f"data: {transcoder_json(ev)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(0.05)
                self.close_connection = True

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                parts = url.path.strip("/").split("/")
                raw = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
                ctype = self.headers.get("content-type", "")
                try:
                    if parts[-1] == "events":
                        req = json_format.Parse(raw, ingest_pb2.RecordWidgetEventsRequest())
                        req.site_key = parts[3]
                        scenario = site.scenarios.get(parts[3])
                        with site.recorded.lock:
                            fail = scenario is not None and scenario.fail_event_posts > 0
                            if fail and scenario is not None:
                                scenario.fail_event_posts -= 1
                                site.recorded.failed.append((parts[3], req))
                            else:
                                site.recorded.events.append((parts[3], req, ctype))
                        if fail:
                            self._send(503, "upstream connect error", "text/plain")
                            return
                        resp: Message = ingest_pb2.RecordWidgetEventsResponse(accepted_count=len(req.events))
                    elif parts[-1] == "presence":
                        preq = json_format.Parse(raw, widget_pb2.RecordPresenceRequest())
                        with site.recorded.lock:
                            site.recorded.presence.append(preq)
                        resp = widget_pb2.RecordPresenceResponse(
                            live_counts=widget_pb2.LiveCounts(page_count=5, site_count=20),
                            next_heartbeat=duration(1),
                        )
                    else:
                        self._send(404, "{}", "application/json")
                        return
                except json_format.ParseError as exc:
                    with site.recorded.lock:
                        site.recorded.rejected.append(f"{url.path}: {exc}: {raw[:500]}")
                    self._send(400, json.dumps({"code": 3, "message": str(exc)}), "application/json")
                    return
                self._send(200, transcoder_json(resp), "application/json")

        return Handler


def snippet(base: str, site_key: str) -> str:
    """The one-line async install snippet (the same shape docs/widget.md gives site owners)."""
    manifest = json.loads((DIST / "manifest.json").read_text())
    return (
        "<script>window.socialproof=window.socialproof||function(){(socialproof.q=socialproof.q||[])"
        f'.push(arguments)}};</script><script async src="{base}/static/widget/{manifest["file"]}" '
        f'data-site-key="{site_key}"></script>'
    )


def test_page(base: str, path: str, query: dict[str, list[str]]) -> str:
    """A plain shop page with a few focusable links before the widget."""
    key = query.get("k", [""])[0]
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test shop {path}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">{snippet(base, key) if key else ""}</head>
<body style="font-family:sans-serif;margin:0"><header style="padding:16px"><a href="/">Home</a>
<a href="/products">Products</a></header><main style="padding:16px;min-height:1400px"><h1>Trail Shoes</h1>
<p>Lightweight shoes for long days outside.</p><button id="buy">Buy</button></main></body></html>"""


SiteFactory = Callable[[str], dict[str, Scenario]]


def campaign(
    campaign_id: str,
    notifications: list[Any],
    rules: campaigns_pb2.DisplayRules,
    *,
    experiment_id: str = "",
    holdout_basis_points: int = 0,
    variants: list[tuple[str, int, list[Any]]] | None = None,
) -> widget_pb2.FeedCampaign:
    arms = variants or [("", 1, notifications)]
    return widget_pb2.FeedCampaign(
        campaign_id=campaign_id,
        type=templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY,
        priority=50,
        revision=1,
        experiment_id=experiment_id,
        holdout_basis_points=holdout_basis_points,
        variants=[
            widget_pb2.FeedVariant(variant_id=v, weight=w, display_rules=rules, notifications=ns)
            for v, w, ns in arms
        ],
    )


def site_config(**kw: Any) -> widget_pb2.WidgetSiteConfig:
    defaults: dict[str, Any] = {
        "site_id": "5f0c6c8e-8a41-4b6e-9d1e-3c2b1a000001",
        "locale": "en",
        "time_zone": "UTC",
        "theme": sites_pb2.WidgetTheme(preset=sites_pb2.THEME_PRESET_LIGHT, corner_radius_px=10, shadow=True),
        "position": sites_pb2.WIDGET_POSITION_BOTTOM_LEFT,
        "mobile_position": sites_pb2.WIDGET_POSITION_BOTTOM_CENTER,
        "consent_mode": sites_pb2.CONSENT_MODE_NOT_REQUIRED,
        "add_utm_to_links": True,
        "utm_source": "socialproof",
    }
    defaults.update(kw)
    return widget_pb2.WidgetSiteConfig(**defaults)
