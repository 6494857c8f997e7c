"""The demo data `make up` seeds is real: through the edge, the widget feed shows its notifications."""

from __future__ import annotations

import json
import urllib.parse

from shared.devstack.demo import ACTIVITIES, seed_demo
from shared.devstack.platform import Platform
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
