"""The dashboard in headless Chromium against the real platform (edge + services), over gRPC-Web."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from shared.devstack.platform import Platform
from shared.devstack.smtp import SmtpSink

from .conftest import ARTIFACTS, drive

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
