"""The dashboard in headless Chromium against the real platform (edge + services), over gRPC-Web."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import grpc
import pytest

from shared.devstack.platform import Platform
from shared.devstack.smtp import SmtpSink
from shared.principal import MESH_TOKEN_HEADER, PRINCIPAL_HEADER, Principal, PrincipalKind
from socialproof.analytics.v1 import metrics_pb2, metrics_pb2_grpc
from socialproof.common.v1 import common_pb2
from socialproof.events.v1 import activity_pb2
from socialproof.notifications.v1 import (
    activities_pb2,
    activities_pb2_grpc,
    campaigns_pb2,
    campaigns_pb2_grpc,
    sites_pb2,
    sites_pb2_grpc,
)

from .conftest import ARTIFACTS, REPO, drive

PASSWORD = "correct horse battery staple"


def _email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


@pytest.fixture(scope="module")
def owner_run(dashboard_platform: Platform, app_server: str) -> dict[str, Any]:
    """One owner journey shared by the tests below: sign up → site → campaign → publish → invite."""
    email, invitee = _email("owner"), _email("analyst")
    edge = dashboard_platform.edge_url
    result = drive("owner", app=app_server, edge=edge, email=email, password=PASSWORD, invite=invitee)
    result["invitee"] = invitee
    result["email"] = email
    (ARTIFACTS / "owner.json").write_text(json.dumps(result, indent=2))
    return result


def test_sign_up_create_site_create_and_publish_campaign(owner_run: dict[str, Any]) -> None:
    steps = owner_run["steps"]
    assert "exception" not in owner_run, owner_run
    assert steps["signup"]["ok"], steps["signup"]
    assert steps["signup"]["role"] == "Owner"
    assert steps["site"]["ok"], steps["site"]
    assert steps["site"]["siteKey"]
    assert steps["site"]["siteKey"] in steps["site"]["snippet"]
    assert steps["campaign"]["ok"], steps["campaign"]
    assert steps["campaign"]["state"] == "Draft"
    assert steps["preview"]["text"], steps["preview"]
    assert steps["publish"]["ok"], steps["publish"]


def test_server_validation_error_is_shown_beside_its_field(
    dashboard_platform: Platform, app_server: str
) -> None:
    # A password the server refuses (10 to 128 characters): the BadRequest field violation must appear
    # in the password field's own container and be announced through aria-describedby.
    edge = dashboard_platform.edge_url
    result = drive("validation", app=app_server, edge=edge, email=_email("short"), password="short")
    signup = result["steps"]["signup"]
    assert "password" in signup["fieldErrors"], signup
    assert signup["fieldErrors"]["password"] in signup["passwordDescribedBy"]
    assert signup["passwordInvalid"] == "true"
    assert signup["error"], "the server's message is shown as well"


def test_invited_analyst_sees_no_edit_buttons(
    owner_run: dict[str, Any], dashboard_platform: Platform, app_server: str, mail: SmtpSink
) -> None:
    assert owner_run["steps"].get("invite", {}).get("ok"), owner_run["steps"]
    message = mail.wait_for(1, timeout=20, to=owner_run["invitee"])[-1]
    body = message.get_body(preferencelist=("plain", "html"))
    assert body is not None
    found = re.search(r"token=([A-Za-z0-9_\-.~%]+)", body.get_content())
    assert found, "the invitation email carries a link with its token"
    result = drive(
        "invitee", app=app_server, edge=dashboard_platform.edge_url, token=found.group(1), password=PASSWORD
    )
    steps = result["steps"]
    assert steps["accept"]["ok"], steps["accept"]
    assert steps["accept"]["role"] == "Analyst"
    assert steps["site"]["newCampaign"] == 0
    assert steps["campaign"]["ok"], steps["campaign"]
    assert (steps["campaign"]["save"], steps["campaign"]["publish"], steps["campaign"]["pause"]) == (0, 0, 0)
    assert steps["campaign"]["fieldsetDisabled"] is True
    assert steps["sites"]["addSite"] == 0


def test_first_load_on_loopback(dashboard_platform: Platform, app_server: str) -> None:
    result = drive("firstload", app=app_server, edge=dashboard_platform.edge_url)
    first = result["steps"]["firstload"]
    (ARTIFACTS / "firstload.json").write_text(json.dumps(first, indent=2))
    assert first["headingVisibleMs"] < 5000, first


# ---- the visitor's side: a purchase, a shop page with the install snippet, the impression in Analytics


def _auth(platform: Platform, org_id: str) -> tuple[tuple[str, str], ...]:
    """Metadata of a mesh service (the platform's mesh token + a service principal), as demo.py uses."""
    token = (platform.root / "mesh-token").read_text().strip()
    principal = Principal(kind=PrincipalKind.SERVICE, subject="e2e-dashboard", org_id=org_id)
    return ((MESH_TOKEN_HEADER, token), (PRINCIPAL_HEADER, principal.to_header()))


def _channel(platform: Platform, service: str) -> grpc.Channel:
    return grpc.insecure_channel(f"127.0.0.1:{platform.topology.service(service).app_port}")


def record_purchase(platform: Platform, site_key: str) -> sites_pb2.ResolveSiteKeyResponse:
    """One verified purchase for the dashboard-created site (notifications' ActivityService)."""
    with _channel(platform, "notifications") as channel:
        site = sites_pb2_grpc.SiteServiceStub(channel).ResolveSiteKey(
            sites_pb2.ResolveSiteKeyRequest(site_key=site_key), metadata=_auth(platform, ""), timeout=10
        )
        event = activity_pb2.ActivityEvent(
            kind=activity_pb2.ACTIVITY_KIND_PURCHASE,
            actor=activity_pb2.ActivityActor(first_name="Jana"),
            location=common_pb2.Location(city="Brno", country_code="CZ"),
            product=activity_pb2.ActivityProduct(
                name="Trail Shoes", url="https://shop.example.com/trail-shoes"
            ),
            source_ref=f"order-{uuid.uuid4().hex[:8]}",
            verified=True,
        )
        event.occurred_at.FromDatetime(datetime.now(UTC) - timedelta(minutes=4))
        activities_pb2_grpc.ActivityServiceStub(channel).CreateActivity(
            activities_pb2.CreateActivityRequest(
                parent=site.site, activity=activities_pb2.Activity(event=event), request_id=str(uuid.uuid4())
            ),
            metadata=_auth(platform, site.org_id),
            timeout=10,
        )
    return site


def impressions(platform: Platform, site: str, org_id: str, *, include_bots: bool) -> int:
    """Impressions of the last hour as analytics' MetricsService counts them."""
    now = datetime.now(UTC)
    query = metrics_pb2.QueryMetricsRequest(parent=site, granularity=metrics_pb2.GRANULARITY_HOUR)
    query.time_range.start_time.FromDatetime(now - timedelta(hours=1))
    query.time_range.end_time.FromDatetime(now + timedelta(hours=1))
    query.filter.include_bots = include_bots
    with _channel(platform, "analytics") as channel:
        reply = metrics_pb2_grpc.MetricsServiceStub(channel).QueryMetrics(
            query, metadata=_auth(platform, org_id), timeout=10
        )
    return int(reply.totals.impressions)


class _QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet test output


@contextlib.contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A loopback HTTP server for `handler` on a free port, in a thread; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def shop_pages() -> Iterator[tuple[str, dict[str, str]]]:
    """A site owner's shop on its own origin: serves `pages[path]` as HTML."""
    pages: dict[str, str] = {}

    class Handler(_QuietHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?", 1)[0], "").encode()
            self.send_response(200 if body else 404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with _serving(Handler) as url:
        yield url, pages


def snippet_for_this_edge(snippet: str, edge: str) -> str:
    """The dashboard's snippet, checked to load this platform's versioned widget file from the edge
    (the platform sets SP_WIDGET_SCRIPT_URL from widget/dist/manifest.json), used exactly as shown."""
    manifest = json.loads((REPO / "widget" / "dist" / "manifest.json").read_text())
    found = re.search(r'src="([^"]+)"', snippet)
    assert found and found.group(1) == f"{edge}/static/widget/{manifest['file']}", snippet
    return snippet


def test_published_campaign_shows_a_purchase_on_the_owners_page_and_analytics_shows_the_impression(
    owner_run: dict[str, Any],
    dashboard_platform: Platform,
    app_server: str,
    shop_pages: tuple[str, dict[str, str]],
) -> None:
    steps = owner_run["steps"]
    assert steps.get("publish", {}).get("ok"), steps
    key, snippet = steps["site"]["siteKey"], steps["site"]["snippet"]
    assert f'data-site-key="{key}"' in snippet, snippet
    platform, edge = dashboard_platform, dashboard_platform.edge_url
    site = record_purchase(platform, key)
    humans_before = impressions(platform, site.site, site.org_id, include_bots=False)
    all_before = impressions(platform, site.site, site.org_id, include_bots=True)

    origin, pages = shop_pages
    pages["/trail-shoes"] = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Trail Shoes</title>'
        f"{snippet_for_this_edge(snippet, edge)}</head>"
        "<body><h1>Trail Shoes</h1><p>€129</p></body></html>"
    )
    visit = drive("visitor", app=app_server, edge=edge, page=f"{origin}/trail-shoes", human=True)
    assert "exception" not in visit, visit
    seen = visit["steps"]["visitor"]
    assert "Trail Shoes" in seen["text"] and "Brno" in seen["text"], seen
    assert seen["webdriver"] is False and "Headless" not in seen["userAgent"], seen
    assert seen["impressionSent"], seen["posted"]
    assert seen["answers"] and all(status == 200 for status in seen["answers"]), seen["answers"]
    sent = [e for body in seen["posted"] for e in json.loads(body)["events"]]
    assert not any(e.get("automation_suspected") for e in sent), "the widget saw no automation"

    deadline = time.monotonic() + 45
    while impressions(platform, site.site, site.org_id, include_bots=True) <= all_before:
        assert time.monotonic() < deadline, "the impression never reached analytics"
        time.sleep(0.5)
    humans = impressions(platform, site.site, site.org_id, include_bots=False)
    assert humans == humans_before + 1, "a human-looking visit counts as a human impression"

    shown = drive("analytics", app=app_server, edge=edge, email=owner_run["email"], password=PASSWORD)
    assert "exception" not in shown, shown
    analytics = shown["steps"]["analytics"]
    assert analytics["ok"], analytics
    assert analytics["site"] == "Trail Shoes"
    assert int(analytics["impressions"]) == humans >= 1, analytics


# ---- Analytics: campaign names, the funnel, scheduled reports; and the main screens at phone width

HUMAN_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def metric_totals(platform: Platform, site: str, org_id: str) -> metrics_pb2.MetricValues:
    """Human (non-bot) totals of the last hour as analytics' MetricsService counts them."""
    now = datetime.now(UTC)
    query = metrics_pb2.QueryMetricsRequest(parent=site, granularity=metrics_pb2.GRANULARITY_HOUR)
    query.time_range.start_time.FromDatetime(now - timedelta(hours=1))
    query.time_range.end_time.FromDatetime(now + timedelta(hours=1))
    with _channel(platform, "analytics") as channel:
        reply = metrics_pb2_grpc.MetricsServiceStub(channel).QueryMetrics(
            query, metadata=_auth(platform, org_id), timeout=10
        )
    return reply.totals


def post_widget_events(edge: str, site_key: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """One batch through the edge's public ingest route, as the widget on a shop page sends it."""
    body = json.dumps({"events": events, "sent_at": _iso(datetime.now(UTC)), "widget_version": "test"})
    request = urllib.request.Request(  # noqa: S310 (http to this platform's edge)
        f"{edge}/v1/widget/sites/{site_key}/events",
        data=body.encode(),
        method="POST",
        headers={"content-type": "text/plain", "user-agent": HUMAN_UA, "origin": "https://shop.example.com"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read() or b"{}")
    return answer


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture(scope="module")
def analytics_data(owner_run: dict[str, Any], dashboard_platform: Platform) -> dict[str, Any]:
    """Widget events for the owner's campaign: 3 visitors saw it, 2 clicked, 1 of those bought."""
    steps = owner_run["steps"]
    assert steps.get("publish", {}).get("ok"), steps
    platform = dashboard_platform
    site_key = steps["site"]["siteKey"]
    with _channel(platform, "notifications") as channel:
        site = sites_pb2_grpc.SiteServiceStub(channel).ResolveSiteKey(
            sites_pb2.ResolveSiteKeyRequest(site_key=site_key), metadata=_auth(platform, ""), timeout=10
        )
        listed = campaigns_pb2_grpc.CampaignServiceStub(channel).ListCampaigns(
            campaigns_pb2.ListCampaignsRequest(parent=site.site),
            metadata=_auth(platform, site.org_id),
            timeout=10,
        )
    campaign = next(c for c in listed.campaigns if c.display_name == "Recent purchases")
    campaign_id = campaign.name.rsplit("/", 1)[1]
    before = metric_totals(platform, site.site, site.org_id)
    now = datetime.now(UTC)
    page = "https://shop.example.com/trail-shoes"

    def event(kind: str, visitor: str, seconds_ago: int, **extra: Any) -> dict[str, Any]:
        return {
            "event_id": str(uuid.uuid4()),
            "type": f"WIDGET_EVENT_TYPE_{kind}",
            "visitor_id": visitor,
            "session_id": f"{visitor}-s1",
            "occurred_at": _iso(now - timedelta(seconds=seconds_ago)),
            "page_url": page,
            **extra,
        }

    visitors = [f"funnel-{uuid.uuid4().hex[:12]}" for _ in range(3)]
    events = [event("IMPRESSION", v, 120 - 7 * i, campaign_id=campaign_id) for i, v in enumerate(visitors)]
    events += [event("CLICK", v, 90 - 7 * i, campaign_id=campaign_id) for i, v in enumerate(visitors[:2])]
    events.append(event("CONVERSION", visitors[0], 60, conversion={"goal_name": "purchase"}))
    answer = post_widget_events(platform.edge_url, site_key, events)
    assert answer.get("accepted_count", answer.get("acceptedCount")) == len(events), answer

    deadline = time.monotonic() + 45
    while True:
        totals = metric_totals(platform, site.site, site.org_id)
        if totals.clicks >= before.clicks + 2 and totals.conversions >= before.conversions + 1:
            break
        assert time.monotonic() < deadline, f"the events never reached analytics: {totals}"
        time.sleep(0.5)
    return {"site": site.site, "campaign": campaign.display_name, "totals": totals}


@pytest.fixture(scope="module")
def insights_run(
    owner_run: dict[str, Any], analytics_data: dict[str, Any], dashboard_platform: Platform, app_server: str
) -> dict[str, Any]:
    """The owner on the Analytics screen: campaign table, funnel, then a scheduled report (bad, then good)."""
    result = drive(
        "insights",
        app=app_server,
        edge=dashboard_platform.edge_url,
        email=owner_run["email"],
        password=PASSWORD,
        report=f"Weekly shop summary {uuid.uuid4().hex[:6]}",
        recipient="owner@shop.example.com",
        badRecipient="not-an-email",
    )
    (ARTIFACTS / "insights.json").write_text(json.dumps(result, indent=2))
    assert "exception" not in result, result
    return result


def test_analytics_table_shows_campaign_names(
    insights_run: dict[str, Any], analytics_data: dict[str, Any]
) -> None:
    analytics = insights_run["steps"]["analytics"]
    assert analytics["ok"], analytics
    assert analytics_data["campaign"] in analytics["campaigns"], analytics
    # Neither a raw UUID nor an all-zero row for events without a campaign.
    assert not any(re.fullmatch(r"[0-9a-f-]{36}", name) for name in analytics["campaigns"]), analytics
    assert all(name.strip() for name in analytics["campaigns"]), analytics


def test_funnel_renders_for_a_site_with_data(insights_run: dict[str, Any]) -> None:
    funnel = insights_run["steps"]["funnel"]
    labels = [s["label"] for s in funnel]
    assert labels == ["Saw a notification", "Clicked it", "Converted"], insights_run["steps"]
    seen, clicked, bought = (int(re.match(r"\d+", s["visitors"]).group()) for s in funnel)  # type: ignore[union-attr]
    # The visitor test may have added one more impression to this site; clicks and purchases are ours.
    assert seen >= 3 and (clicked, bought) == (2, 1), funnel
    assert funnel[0]["barWidth"] == "100%", funnel
    assert f"{100 * clicked / seen:.1f} %" in funnel[1]["rates"], funnel
    assert "50.0 %" in funnel[2]["rates"], "1 of the 2 who clicked converted"


def test_scheduled_report_bad_recipient_is_shown_beside_its_field_then_a_valid_one_is_listed(
    insights_run: dict[str, Any],
) -> None:
    steps = insights_run["steps"]
    bad = steps["badReport"]
    assert not bad["ok"], "the server refused the bad recipient"
    message = bad["fieldErrors"].get("scheduled_report.recipients", "")
    assert "not-an-email" in message and "is not an e-mail address" in message, bad
    assert message in bad["describedBy"] and bad["invalid"] == "true", bad
    assert steps["report"]["ok"], steps["report"]
    row = next(r for r in steps["report"]["rows"] if "Weekly shop summary" in r)
    assert "owner@shop.example.com" in row and "not-an-email" not in row, row
    assert "Mondays at 08:00" in row, row


# ---- store API credentials of a connection (backfill), checked against a fake WooCommerce store

WOO_KEY, WOO_SECRET = f"ck_{uuid.uuid4().hex}", f"cs_{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def woo_store() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A WooCommerce store's REST API v3 orders route: 200 and no orders for WOO_KEY/WOO_SECRET (HTTP
    Basic, as WooCommerce documents it), 401 for anything else. Records each request it got."""
    seen: list[dict[str, Any]] = []
    good = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()

    class Handler(_QuietHandler):
        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            authorized = self.headers.get("authorization") == good
            seen.append({"path": path, "query": parse_qs(query), "authorized": authorized})
            ok = path == "/wp-json/wc/v3/orders" and authorized
            body = b"[]" if ok else b'{"code":"woocommerce_rest_cannot_view"}'
            self.send_response(200 if ok else 401)
            self.send_header("content-type", "application/json")
            self.send_header("x-wp-total", "0")
            self.send_header("x-wp-totalpages", "0")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with _serving(Handler) as url:
        yield url, seen


def test_connection_store_credentials_are_checked_set_and_cleared(
    owner_run: dict[str, Any],
    dashboard_platform: Platform,
    app_server: str,
    woo_store: tuple[str, list[dict[str, Any]]],
) -> None:
    assert owner_run["steps"].get("site", {}).get("ok"), owner_run["steps"]
    store_url, seen = woo_store
    result = drive(
        "credentials",
        app=app_server,
        edge=dashboard_platform.edge_url,
        email=owner_run["email"],
        password=PASSWORD,
        connection=f"Woo shop {uuid.uuid4().hex[:6]}",
        storeUrl=store_url,
        key=WOO_KEY,
        secret=WOO_SECRET,
        badKey=f"cs_{uuid.uuid4().hex}",  # the secret pasted into the key's field
        wrongSecret=f"cs_{uuid.uuid4().hex}",
        stripeConnection=f"Stripe account {uuid.uuid4().hex[:6]}",
        publishableKey=f"pk_test_{uuid.uuid4().hex}",
    )
    (ARTIFACTS / "credentials.json").write_text(json.dumps(result, indent=2))
    assert "exception" not in result, result
    steps = result["steps"]
    connect = steps["connect"]
    assert connect["ok"] and connect["state"] == "not set", connect
    assert (connect["setButton"], connect["clearButton"]) == (1, 0), connect
    assert steps["inputTypes"] == {
        "woocommerce.store_url": "url",
        "woocommerce.consumer_key": "password",
        "woocommerce.consumer_secret": "password",
    }, "secrets are typed into password inputs"

    # A malformed key: the server's violation beside the key's input, nothing sent to the store.
    bad = steps["badKey"]
    message = bad["fieldErrors"].get("woocommerce.consumer_key", "")
    assert "ck_" in message, bad
    assert message in bad["describedBy"] and bad["invalid"] == "true", bad
    assert bad["formOpen"] == 1 and bad["state"] == "not set", bad

    # A key the store refuses: checked with one read call, refused, not stored.
    rejected = steps["rejected"]
    assert "did not accept" in rejected["error"] and "401" in rejected["error"], rejected
    assert WOO_SECRET not in rejected["error"] and rejected["state"] == "not set", rejected

    saved = steps["saved"]
    assert saved["notice"] == "Store API keys checked with the store and saved.", saved
    assert saved["formOpen"] == 0 and saved["state"] == "set", saved
    assert saved["keysInPage"] == [], "the keys are not shown back"
    assert store_url in saved["storeShown"], saved
    checks = [(r["authorized"], r["query"].get("per_page")) for r in seen]
    assert checks == [(False, ["1"]), (True, ["1"])], seen
    assert all(r["path"] == "/wp-json/wc/v3/orders" for r in seen), seen

    reopened = steps["reopened"]
    assert reopened["state"] == "set" and reopened["keysInPage"] == [], reopened
    assert reopened["setButton"] == 1, reopened

    # Removing asks first; confirmed, the connection has no keys again.
    assert steps["confirming"] == {"state": "set", "confirm": 1}, steps["confirming"]
    cleared = steps["cleared"]
    assert cleared["state"] == "not set" and cleared["error"] == "", cleared
    assert cleared["notice"] == "Store API keys removed." and cleared["clearButton"] == 0, cleared

    # Stripe: one key field; a publishable key is named as such beside it.
    stripe = steps["stripe"]
    assert stripe["labels"][0] == "Secret or restricted key", stripe
    assert "publishable keys" in stripe["fieldErrors"].get("stripe.api_key", ""), stripe
    assert stripe["state"] == "not set", stripe


PHONE_SCREENS = [
    ("sites", "sites", "Sites"),
    ("site", "@first-site", "Trail Shoes"),
    ("campaign", "@first-campaign", "Recent purchases"),
    ("analytics", "analytics", "Analytics"),
    ("integrations", "integrations", "Integrations"),
    ("team", "team", "Team"),
    ("billing", "billing", "Billing"),
    ("api-keys", "api-keys", "API keys"),
]


def test_main_screens_fit_a_phone(
    owner_run: dict[str, Any], dashboard_platform: Platform, app_server: str
) -> None:
    # 375 x 812 (iPhone X class): the document never scrolls sideways (tables scroll inside themselves).
    result = drive(
        "phone",
        app=app_server,
        edge=dashboard_platform.edge_url,
        email=owner_run["email"],
        password=PASSWORD,
        viewport={"width": 375, "height": 812},
        screens=PHONE_SCREENS,
    )
    (ARTIFACTS / "phone.json").write_text(json.dumps(result, indent=2))
    assert "exception" not in result, result
    menu = result["steps"]["menu"]
    assert menu["toggleVisible"] and not menu["navVisibleBefore"], menu
    assert menu["navVisibleOpen"] and menu["expanded"] == "true", menu
    assert not menu["navVisibleAfterChoosing"], menu
    screens = result["steps"]["screens"]
    assert set(screens) == {name for name, _, _ in PHONE_SCREENS}
    for name, _, heading in PHONE_SCREENS:
        shown = screens[name]
        assert shown["heading"] == heading, (name, shown)
        assert shown["scrollWidth"] <= shown["innerWidth"] == 375, (name, shown)
        assert (ARTIFACTS / f"phone-{name}.png").is_file()
