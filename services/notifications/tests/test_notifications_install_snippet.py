"""The install snippet names the configured widget script URL; a bad SP_WIDGET_SCRIPT_URL stops the start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.notifications.bootstrap import NotificationsSettings
from services.notifications.tests.conftest import PII_KEYS, make_settings, start_stubs
from shared.settings import SettingsError, load_settings
from socialproof.notifications.v1 import sites_pb2

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = "https://edge.example.test/static/widget/sp-9.9.9.js"


async def test_snippet_loads_the_configured_widget_script(pg_database: str, redis_url: str) -> None:
    n = await start_stubs(make_settings(pg_database, redis_url, widget_script_url=SCRIPT))
    try:
        site = (
            await n.sites.CreateSite(
                sites_pb2.CreateSiteRequest(
                    parent=f"organizations/{n.org_id}",
                    site=sites_pb2.Site(
                        display_name="Shop", domains=[sites_pb2.SiteDomain(domain="shop.example.com")]
                    ),
                ),
                metadata=n.auth,
            )
        ).site
        expected = f'<script async src="{SCRIPT}" data-site-key="{site.site_key}"></script>'
        assert site.install_snippet == expected
        again = await n.sites.GetSite(sites_pb2.GetSiteRequest(name=site.name), metadata=n.auth)
        assert again.site.install_snippet == expected
    finally:
        await n.channel.close()
        await n.server.stop(grace=0)


def required() -> dict[str, str]:
    return {
        "grpc_port": "0",
        "database_url": "postgresql://x@127.0.0.1/x",
        "redis_url": "redis://127.0.0.1/0",
        "pii_keys": PII_KEYS,
    }


@pytest.mark.parametrize(
    "bad",
    [
        "cdn.socialproof.io/w.js",  # no scheme
        "/static/widget/sp-1.0.0.js",  # relative: customers' pages are on other hosts
        "javascript:alert(1)",
        "ftp://cdn.example.com/sp.js",
        'https://cdn.example.com/sp.js"onload="alert(1)',
    ],
)
def test_bad_widget_script_url_is_refused_with_the_variable_named(bad: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(NotificationsSettings, widget_script_url=bad, **required())
    assert "SP_WIDGET_SCRIPT_URL: must" in str(error.value)


def test_production_needs_an_explicit_https_widget_script_url() -> None:
    prod = {**required(), "env": "prod", "mesh_token": "t"}
    with pytest.raises(SettingsError, match="SP_WIDGET_SCRIPT_URL must be set to an https:// URL"):
        load_settings(NotificationsSettings, **prod)
    with pytest.raises(SettingsError, match="SP_WIDGET_SCRIPT_URL must be set to an https:// URL"):
        load_settings(NotificationsSettings, widget_script_url="http://cdn.example.com/sp.js", **prod)
    settings = load_settings(NotificationsSettings, widget_script_url=SCRIPT, **prod)
    assert settings.widget_script_url == SCRIPT


def test_service_start_fails_with_a_clear_message_for_a_bad_url() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "gen" / "python")]),
        **{f"SP_{k.upper()}": v for k, v in required().items()},
        "SP_WIDGET_SCRIPT_URL": "cdn.socialproof.io/w.js",
    }
    done = subprocess.run(
        [sys.executable, "-m", "services.notifications"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "SP_WIDGET_SCRIPT_URL: must be an absolute http(s) URL of the widget script" in done.stderr


def test_devstack_passes_the_edges_versioned_widget_file(tmp_path: Path) -> None:
    from meshconfig import default_topology
    from meshconfig.static import widget_file
    from shared.devstack.platform import WIDGET_DIST, Platform

    if not (WIDGET_DIST / "manifest.json").is_file():
        pytest.skip("widget not built (npm run build in widget/)")
    platform = Platform(tmp_path, default_topology(), durable=False)
    url = platform._widget_script_env("notifications")["SP_WIDGET_SCRIPT_URL"]
    assert url == f"{platform.edge_url}/static/widget/{widget_file(WIDGET_DIST)}"
    assert (WIDGET_DIST / url.rsplit("/", 1)[1]).is_file(), "the edge serves that file"
    assert load_settings(NotificationsSettings, widget_script_url=url, **required()).widget_script_url == url
    assert platform._widget_script_env("billing") == {}
