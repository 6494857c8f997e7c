"""TemplateService CRUD and built-ins on real Postgres: validation, etags, filters, tenancy, preview."""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.protobuf import field_mask_pb2

from services.notifications.domain import builtin_templates, templates
from services.notifications.tests.conftest import Stubs, error_details, principal_metadata
from services.notifications.tests.test_notifications_service_feed import make_site
from socialproof.notifications.v1 import templates_pb2

RECENT = templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY


def template(name: str = "Purchases", body: str = "bought **{{ product.name }}**") -> templates_pb2.Template:
    return templates_pb2.Template(
        display_name=name,
        campaign_type=RECENT,
        content=templates_pb2.TemplateContent(title="{{ name }}", body=body),
    )


def test_every_builtin_template_is_valid_for_its_type() -> None:
    for b in builtin_templates.BUILTINS:
        fields = {"title": b.title, "body": b.body, "footer": b.footer, "cta_text": b.cta_text}
        check = templates.check_content(fields | {"link_url": b.link_url}, b.campaign_type)
        assert check.ok, (b.id, [i.describe() for i in check.issues])
    assert {b.campaign_type for b in builtin_templates.BUILTINS} == {
        "RECENT_ACTIVITY",
        "LIVE_VISITORS",
        "AGGREGATE_COUNTER",
        "REVIEW",
        "ANNOUNCEMENT",
    }


async def test_template_crud_idempotency_etag_and_filters(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    request_id = str(uuid.uuid4())
    created = (
        await n.templates.CreateTemplate(
            templates_pb2.CreateTemplateRequest(parent=site.name, template=template(), request_id=request_id),
            metadata=n.auth,
        )
    ).template
    assert created.name.startswith(site.name + "/templates/")
    assert created.locale == "en" and not created.builtin and created.etag == 'W/"1"'
    again = await n.templates.CreateTemplate(
        templates_pb2.CreateTemplateRequest(
            parent=site.name, template=template("Other"), request_id=request_id
        ),
        metadata=n.auth,
    )
    assert again.template.name == created.name and again.template.display_name == "Purchases"
    await n.templates.CreateTemplate(
        templates_pb2.CreateTemplateRequest(
            parent=site.name,
            template=templates_pb2.Template(
                display_name="Stars",
                campaign_type=templates_pb2.CAMPAIGN_TYPE_REVIEW,
                content=templates_pb2.TemplateContent(body="rated {{ rating }}"),
            ),
        ),
        metadata=n.auth,
    )

    listed = await n.templates.ListTemplates(
        templates_pb2.ListTemplatesRequest(parent=site.name), metadata=n.auth
    )
    assert [t.display_name for t in listed.templates] == ["Purchases", "Stars"]
    reviews = await n.templates.ListTemplates(
        templates_pb2.ListTemplatesRequest(parent=site.name, filter="campaign_type = REVIEW"), metadata=n.auth
    )
    assert [t.display_name for t in reviews.templates] == ["Stars"]
    named = await n.templates.ListTemplates(
        templates_pb2.ListTemplatesRequest(parent=site.name, filter='display_name : "purch"'), metadata=n.auth
    )
    assert [t.display_name for t in named.templates] == ["Purchases"]
    with pytest.raises(grpc.aio.AioRpcError) as bad_filter:
        await n.templates.ListTemplates(
            templates_pb2.ListTemplatesRequest(parent=site.name, filter="state = X"), metadata=n.auth
        )
    assert bad_filter.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(bad_filter.value)[1] == [
        ("filter", 'supported: campaign_type = REVIEW, display_name : "text"')
    ]

    changed = templates_pb2.Template(name=created.name, etag=created.etag)
    changed.content.body = "ordered **{{ product.name }}**"
    updated = (
        await n.templates.UpdateTemplate(
            templates_pb2.UpdateTemplateRequest(
                template=changed, update_mask=field_mask_pb2.FieldMask(paths=["content.body"])
            ),
            metadata=n.auth,
        )
    ).template
    assert updated.content.body == "ordered **{{ product.name }}**"
    assert updated.content.title == "{{ name }}", "fields outside the mask stay"
    assert updated.etag == 'W/"2"'

    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await n.templates.UpdateTemplate(
            templates_pb2.UpdateTemplateRequest(
                template=changed, update_mask=field_mask_pb2.FieldMask(paths=["content.body"])
            ),
            metadata=n.auth,
        )
    assert stale.value.code() == grpc.StatusCode.ABORTED
    assert error_details(stale.value)[0] == "ETAG_MISMATCH"

    with pytest.raises(grpc.aio.AioRpcError) as type_change:
        await n.templates.UpdateTemplate(
            templates_pb2.UpdateTemplateRequest(
                template=templates_pb2.Template(
                    name=created.name, campaign_type=templates_pb2.CAMPAIGN_TYPE_REVIEW
                ),
                update_mask=field_mask_pb2.FieldMask(paths=["campaign_type"]),
            ),
            metadata=n.auth,
        )
    assert error_details(type_change.value)[1] == [
        ("update_mask", "campaign_type cannot change after creation")
    ]

    await n.templates.DeleteTemplate(templates_pb2.DeleteTemplateRequest(name=created.name), metadata=n.auth)
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await n.templates.GetTemplate(templates_pb2.GetTemplateRequest(name=created.name), metadata=n.auth)
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_details(gone.value)[0] == "TEMPLATE_NOT_FOUND"


async def test_bad_template_text_gets_positions_and_tenancy_is_enforced(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await n.templates.CreateTemplate(
            templates_pb2.CreateTemplateRequest(
                parent=site.name, template=template(body="bought {{ prodct.name }}")
            ),
            metadata=n.auth,
        )
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    reason, violations = error_details(bad.value)
    assert reason == "INVALID_TEMPLATE"
    assert len(violations) == 1
    field, description = violations[0]
    assert field == "template.content.body"
    assert description.startswith("1:11: ") and "product.name" in description

    with pytest.raises(grpc.aio.AioRpcError) as no_type:
        await n.templates.CreateTemplate(
            templates_pb2.CreateTemplateRequest(
                parent=site.name, template=templates_pb2.Template(display_name="x")
            ),
            metadata=n.auth,
        )
    assert error_details(no_type.value)[1] == [
        ("template.campaign_type", "must be one of the CAMPAIGN_TYPE values")
    ]

    created = (
        await n.templates.CreateTemplate(
            templates_pb2.CreateTemplateRequest(parent=site.name, template=template()), metadata=n.auth
        )
    ).template
    other_org = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as foreign:
        await n.templates.GetTemplate(
            templates_pb2.GetTemplateRequest(name=created.name), metadata=principal_metadata(other_org)
        )
    assert foreign.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # Another org's template id under my own org: not found, nothing leaks.
    _, _, template_id = created.name.rsplit("/", 2)
    with pytest.raises(grpc.aio.AioRpcError) as moved:
        await n.templates.GetTemplate(
            templates_pb2.GetTemplateRequest(
                name=f"organizations/{other_org}/sites/{uuid.uuid4()}/templates/{template_id}"
            ),
            metadata=principal_metadata(other_org),
        )
    assert moved.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as viewer:
        await n.templates.DeleteTemplate(
            templates_pb2.DeleteTemplateRequest(name=created.name),
            metadata=principal_metadata(n.org_id, role="viewer"),
        )
    assert viewer.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_builtins_listed_by_type_and_locale_read_only_and_previewable(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    everything = await n.templates.ListBuiltinTemplates(
        templates_pb2.ListBuiltinTemplatesRequest(), metadata=n.auth
    )
    assert {t.campaign_type for t in everything.templates} == set(range(1, 6))
    assert all(t.builtin and t.name.startswith("builtinTemplates/") for t in everything.templates)
    german = await n.templates.ListBuiltinTemplates(
        templates_pb2.ListBuiltinTemplatesRequest(campaign_type=RECENT, locale="de-AT"), metadata=n.auth
    )
    assert [t.name for t in german.templates] == ["builtinTemplates/recent-purchase-de"]
    french = await n.templates.ListBuiltinTemplates(
        templates_pb2.ListBuiltinTemplatesRequest(campaign_type=RECENT, locale="fr"), metadata=n.auth
    )
    assert [t.name for t in french.templates] == [
        "builtinTemplates/recent-purchase",
        "builtinTemplates/recent-signup",
    ]
    got = await n.templates.GetTemplate(
        templates_pb2.GetTemplateRequest(name="builtinTemplates/recent-purchase"), metadata=n.auth
    )
    with pytest.raises(grpc.aio.AioRpcError) as read_only:
        await n.templates.DeleteTemplate(
            templates_pb2.DeleteTemplateRequest(name="builtinTemplates/recent-purchase"), metadata=n.auth
        )
    assert read_only.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(read_only.value)[0] == "TEMPLATE_BUILTIN"
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await n.templates.GetTemplate(
            templates_pb2.GetTemplateRequest(name="builtinTemplates/nope"), metadata=n.auth
        )
    assert error_details(unknown.value)[0] == "TEMPLATE_NOT_FOUND"

    preview = await n.templates.PreviewTemplate(
        templates_pb2.PreviewTemplateRequest(
            parent=site.name,
            campaign_type=RECENT,
            content=got.template.content,
            anonymity=2,  # first name
        ),
        metadata=n.auth,
    )
    text = preview.notification.accessible_text
    assert text.startswith("Jana from nearby bought Trail Shoes"), text
    assert [(s.text, s.HasField("relative_time")) for s in preview.notification.footer_spans] == [
        ("4 min ago", True)
    ]
