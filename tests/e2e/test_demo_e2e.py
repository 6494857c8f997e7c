"""The demo data `make up` seeds is real: through the edge, the widget feed shows its notifications."""

from __future__ import annotations

import json
import urllib.parse

import grpc
from google.protobuf import json_format

from shared.devstack.demo import ACTIVITIES, seed_demo
from shared.devstack.platform import Platform
from socialproof.notifications.v1 import targeting_pb2, widget_pb2, widget_pb2_grpc
from tests.e2e.test_edge_e2e import http


def test_seeded_demo_site_serves_its_recent_purchases_through_the_edge(platform: Platform) -> None:
    lines: list[str] = []
    demo = seed_demo(platform, progress=lines.append)
    assert demo["site_key"].startswith("sk_pub_")
    assert any("published" in line for line in lines)

    page = urllib.parse.quote(f"{platform.edge_url}/demo/", safe="")
    status, headers, body = http(
        "GET",
        f"{platform.edge_url}/v1/widget/sites/{demo['site_key']}/feed?page.url={page}",
        headers={"origin": "https://any-shop.example"},
    )
    assert status == 200, body
    assert headers.get("access-control-allow-origin") in ("*", "https://any-shop.example")
    feed = json.loads(body)["feed"]
    shown = [
        notification["accessible_text"]
        for campaign in feed["campaigns"]
        for variant in campaign["variants"]
        for notification in variant.get("notifications", [])
    ]
    first_name, city = ACTIVITIES[0][0], ACTIVITIES[0][1]
    assert any(first_name in text and city in text for text in shown), shown

    # Seeding is once: a second call finds demo.json and creates nothing new.
    again = seed_demo(platform, progress=lines.append)
    assert again == demo


def test_rest_feed_is_the_json_mapping_of_the_grpc_feed(platform: Platform) -> None:
    """The REST feed body is WidgetFeed's proto3 JSON mapping (field names as in the proto, fields
    without presence printed): exactly what the gRPC GetWidgetFeed returns for the same page, so the
    widget's contract is the one in widget.proto whichever way the feed is produced."""
    demo = seed_demo(platform)
    url = f"{platform.edge_url}/demo/"
    request = widget_pb2.GetWidgetFeedRequest(
        site_key=demo["site_key"], page=targeting_pb2.PageContext(url=url)
    )
    query = f"page.url={urllib.parse.quote(url, safe='')}&locale=en"
    request.locale = "en"
    with grpc.insecure_channel(f"127.0.0.1:{platform.topology.edge.http_port}") as channel:
        stub = widget_pb2_grpc.WidgetServiceStub(channel)
        for _attempt in range(3):  # a relative time may tick between the two calls
            status, headers, body = http(
                "GET", f"{platform.edge_url}/v1/widget/sites/{demo['site_key']}/feed?{query}"
            )
            assert status == 200, body
            assert headers["content-type"].startswith("application/json")
            rest = json.loads(body)["feed"]
            grpc_feed = json_format.MessageToDict(
                stub.GetWidgetFeed(request, timeout=10).feed,
                preserving_proto_field_name=True,
                always_print_fields_with_no_presence=True,
            )
            for volatile in ("generate_time", "live_counts"):
                rest.pop(volatile, None), grpc_feed.pop(volatile, None)
            if rest == grpc_feed:
                break
        assert rest["campaigns"], rest
        assert rest == grpc_feed
