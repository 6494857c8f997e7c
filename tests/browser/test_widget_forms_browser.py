"""Form capture in headless Chromium: a shop page with the widget submits a form and one activity appears.

The integrations service runs in-process on real Postgres and Tansu (the integrations test fixtures:
settings, the notifications SiteService double); a local HTTP server serves the page and the built
widget and plays the edge's transcoder for the two form routes (JSON ⇄ the contract's messages, errors
as HTTP statuses), so the widget talks to the real service through its REST shape.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import grpc
import pytest
from google.protobuf import json_format
from google.protobuf.field_mask_pb2 import FieldMask

from services.integrations.bootstrap import build
from services.integrations.tests.conftest import SiteDirectoryDouble, TopicReader, make_settings, member
from socialproof.events.v1.activity_pb2 import ActivityKind, ActivityRecorded, ActivitySource
from socialproof.integrations.v1 import forms_pb2, forms_pb2_grpc
from socialproof.integrations.v1.forms_pb2 import FormFieldTarget as T
from socialproof.notifications.v1 import sites_pb2_grpc
from tests.browser.widget_site import DIST, ROOT, snippet, transcoder_json

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("SP_CHROMIUM", "/usr/bin/chromium"))
ORG, SITE, KEY = str(uuid.uuid4()), str(uuid.uuid4()), "sk_forms_on"
OTHER_ORG, OTHER_SITE, OTHER_KEY = str(uuid.uuid4()), str(uuid.uuid4()), "sk_forms_off"
HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.UNAVAILABLE: 503,
}


class FormSite:
    """The shop page, the widget file and the edge's REST shape of the two form RPCs."""

    def __init__(self, grpc_address: str) -> None:
        self.channel = grpc.insecure_channel(grpc_address)
        self.stub = forms_pb2_grpc.FormCaptureServiceStub(self.channel)
        self.submitted: list[forms_pb2.SubmitFormRequest] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FormSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.channel.close()

    def page(self, key: str, *, form: bool = True) -> str:
        if not form:  # the form comes later (the driver adds it, as a signup popup's script would)
            return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
{snippet(self.base, key)}</head><body><h1>Trail Shoes</h1><p>No form here yet.</p></body></html>"""
        return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signup</title>
{snippet(self.base, key)}</head><body><h1>Newsletter</h1>
<form id="newsletter" method="post" action="/thanks">
<input id="name" name="name"><input id="surname" name="surname">
<input id="email" name="email" type="email"><input id="password" name="password" type="password">
<input id="card" name="card_number" autocomplete="cc-number"><input id="phone" name="phone">
<input type="hidden" name="plan" value="Pro"><input type="hidden" name="csrf" value="csrf-token-123">
<button id="send">Subscribe</button></form></body></html>"""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes | str, ctype: str) -> None:
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _rpc(self, call: Any, request: Any) -> None:
                try:
                    reply = call(request, timeout=10)
                except grpc.RpcError as err:
                    code = err.code()  # type: ignore[attr-defined]
                    body = json.dumps({"code": code.value[0], "message": err.details()})  # type: ignore[attr-defined]
                    self._send(HTTP_STATUS.get(code, 500), body, "application/json")
                    return
                self._send(200, transcoder_json(reply), "application/json")

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                parts = url.path.strip("/").split("/")
                if url.path.startswith("/shop/"):
                    page = site.page(url.query.removeprefix("k="), form=url.path != "/shop/later")
                    self._send(200, page, "text/html; charset=utf-8")
                elif url.path.startswith("/static/widget/"):
                    self._send(200, (DIST / parts[-1]).read_bytes(), "text/javascript; charset=utf-8")
                elif parts[:3] == ["v1", "widget", "sites"] and parts[-1] == "forms":
                    request = forms_pb2.GetWidgetFormConfigRequest(site_key=parts[3])
                    self._rpc(site.stub.GetWidgetFormConfig, request)
                else:  # the feed and the rest of the widget's routes: no campaigns here
                    self._send(404, "{}", "application/json")

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                parts = url.path.strip("/").split("/")
                raw = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
                if url.path == "/thanks":
                    self._send(200, "<!doctype html><title>Thanks</title><p>Thanks!</p>", "text/html")
                    return
                if parts[:3] != ["v1", "widget", "sites"] or parts[-1] != "forms":
                    self._send(404, "{}", "application/json")
                    return
                try:  # the contract's message, strictly: a body the transcoder would refuse fails the test
                    request = json_format.Parse(raw, forms_pb2.SubmitFormRequest())
                except json_format.ParseError as exc:
                    self._send(400, json.dumps({"code": 3, "message": str(exc)}), "application/json")
                    return
                request.site_key = parts[3]
                site.submitted.append(request)
                self._rpc(site.stub.SubmitForm, request)

        return Handler


def signup_rule(base: str) -> forms_pb2.FormCaptureRule:
    fields = [
        ("name", T.FORM_FIELD_TARGET_FIRST_NAME, ""),
        ("surname", T.FORM_FIELD_TARGET_LAST_NAME, ""),
        ("email", T.FORM_FIELD_TARGET_EMAIL_FOR_AVATAR, ""),
        ("plan", T.FORM_FIELD_TARGET_ATTRIBUTE, "plan"),
        # allow-listed by mistake: the widget still never sends card data
        ("card_number", T.FORM_FIELD_TARGET_ATTRIBUTE, "card"),
    ]
    return forms_pb2.FormCaptureRule(
        rule_id="newsletter",
        form_selector="form#newsletter",
        url_patterns=[f"{base}/shop/*"],
        activity_kind=ActivityKind.ACTIVITY_KIND_SIGNUP,
        default_product_name="our newsletter",
        fields=[forms_pb2.FormFieldRule(form_field=f, target=t, attribute_key=k) for f, t, k in fields],
    )


@pytest.fixture(scope="module")
def widget_built() -> None:
    node = shutil.which("node")
    if node is None or not (ROOT / "widget" / "node_modules" / "playwright-core").is_dir():
        pytest.fail("node and widget/node_modules are required: run `npm ci --prefix widget`")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    proc = subprocess.run(
        [node, "build.mjs"], cwd=ROOT / "widget", capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture
async def service(
    pg_database: str, kafka_bootstrap: str, kafka_topic_prefix: str
) -> AsyncIterator[tuple[str, str]]:
    directory = SiteDirectoryDouble()
    directory.add(KEY, ORG, SITE)
    directory.add(OTHER_KEY, OTHER_ORG, OTHER_SITE)
    sites = grpc.aio.server()
    sites_pb2_grpc.add_SiteServiceServicer_to_server(directory, sites)
    directory.address = f"127.0.0.1:{sites.add_insecure_port('127.0.0.1:0')}"
    await sites.start()
    topic = f"{kafka_topic_prefix}activity"
    server = build(make_settings(pg_database, kafka_bootstrap, topic, sidecar_outbound=directory.address))
    await server.start()
    yield server.address, topic
    await server.stop(grace=0)
    await sites.stop(grace=0)


@pytest.fixture
def form_site(service: tuple[str, str]) -> Iterator[FormSite]:
    with FormSite(service[0]) as site:
        yield site


async def test_submitted_form_becomes_an_activity_with_only_allow_listed_fields(
    widget_built: None, service: tuple[str, str], form_site: FormSite, kafka_bootstrap: str
) -> None:
    address, topic = service
    async with grpc.aio.insecure_channel(address) as channel:
        await forms_pb2_grpc.FormCaptureServiceStub(channel).UpdateFormCaptureSettings(
            forms_pb2.UpdateFormCaptureSettingsRequest(
                form_capture_settings=forms_pb2.FormCaptureSettings(
                    name=f"organizations/{ORG}/sites/{SITE}/formCaptureSettings",
                    enabled=True,
                    rules=[signup_rule(form_site.base)],
                ),
                update_mask=FieldMask(paths=["enabled", "rules"]),
            ),
            metadata=member(ORG),
        )
    cfg = {
        "optedIn": f"{form_site.base}/shop/signup?k={KEY}",
        "notOptedIn": f"{form_site.base}/shop/signup?k={OTHER_KEY}",
        "formLater": f"{form_site.base}/shop/later?k={KEY}",
        "chromium": str(CHROMIUM),
    }
    # in a thread: the service answers the widget on this event loop meanwhile
    proc = await asyncio.to_thread(
        subprocess.run,
        [shutil.which("node") or "node", "test/forms_browser.mjs", json.dumps(cfg)],
        cwd=ROOT / "widget",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in seen, seen.get("error")

    # Opted in: one keepalive post of the allow-listed, non-sensitive fields, accepted by the service.
    opted = seen["optedIn"]
    assert opted["config"]["enabled"] is True and opted["landed"].endswith("/thanks")
    assert [s["contentType"] for s in opted["sent"]] == ["text/plain"]
    assert opted["sent"][0].get("status") in (200, None)  # None: the page had gone before the answer
    assert len(form_site.submitted) == 2  # this one and the later form's below
    sent = form_site.submitted[0]
    assert dict(sent.fields) == {
        "name": "Jana Marie",
        "surname": "Nováková",
        "email": "Jana@Example.com",
        "plan": "Pro",
    }
    assert (sent.rule_id, sent.page_url) == ("newsletter", cfg["optedIn"])
    # nothing else left the page: the secrets are in no value of the posted body (the random
    # submission id and visitor id may contain any digits, so values are compared, not the raw text)
    posted = json.loads(opted["sent"][0]["body"])
    values = [v for k, v in posted.items() if k not in ("submission_id", "visitor_id")]
    for secret in ("hunter2", "4242", "777", "csrf-token"):
        assert not any(secret in json.dumps(v, ensure_ascii=False) for v in values), (secret, posted)

    # Not opted in: config says disabled, the submit posts nothing.
    assert seen["notOptedIn"]["config"]["enabled"] is False
    assert seen["notOptedIn"]["sent"] == []

    # A page without a form asks nothing; a form added later is asked about at the first focus in it
    # (the config is only needed where a form can be submitted) and then captured as usual.
    later = seen["formLater"]
    assert later["configsBeforeForm"] == 0 and later["configsAfterInsert"] == 0, later
    assert later["configs"] == 1 and later["config"]["enabled"] is True, later
    assert later["landed"].endswith("/thanks") and len(later["sent"]) == 1, later
    late = form_site.submitted[1]
    assert dict(late.fields) == {
        "name": "Petr Pavel",
        "surname": "Svoboda",
        "email": "petr@example.com",
        "plan": "Pro",
    }
    assert (late.rule_id, late.page_url) == ("newsletter", cfg["formLater"])

    reader = TopicReader(kafka_bootstrap, topic)
    try:
        messages = await reader.read(2, within=10, settle=0.5)
    finally:
        reader.close()
    assert len(messages) == 2
    refs = {}
    for message in messages:
        published = ActivityRecorded()
        message.payload.Unpack(published)
        refs[published.activity.source_ref] = message
    assert set(refs) == {sent.submission_id, late.submission_id}
    envelope = refs[sent.submission_id]
    assert (envelope.org_id, envelope.site_id) == (ORG, SITE)
    recorded = ActivityRecorded()
    envelope.payload.Unpack(recorded)
    activity = recorded.activity
    assert activity.kind == ActivityKind.ACTIVITY_KIND_SIGNUP
    assert activity.source == ActivitySource.ACTIVITY_SOURCE_FORM_CAPTURE
    assert activity.source_ref == sent.submission_id
    assert (activity.actor.first_name, activity.actor.last_initial) == ("Jana", "N")
    assert activity.product.name == "our newsletter"
    assert dict(activity.attributes) == {"plan": "Pro"}
    assert activity.visitor_id == sent.visitor_id != ""
