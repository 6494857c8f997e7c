"""Form capture through the real gRPC server, Postgres, Tansu and a notifications SiteService double."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from services.integrations.bootstrap import build
from services.integrations.domain import forms
from services.integrations.tests.conftest import SiteDirectoryDouble, error_details, make_settings, member
from shared.errors import Violations
from socialproof.events.v1.activity_pb2 import ActivityKind, ActivityRecorded, ActivitySource
from socialproof.integrations.v1 import forms_pb2, forms_pb2_grpc
from socialproof.integrations.v1.forms_pb2 import FormFieldTarget as T

ORG_A, SITE_A, KEY_A = str(uuid.uuid4()), str(uuid.uuid4()), "pk_site_a"
ORG_B, SITE_B, KEY_B = str(uuid.uuid4()), str(uuid.uuid4()), "pk_site_b"


def newsletter_rule() -> forms_pb2.FormCaptureRule:
    return forms_pb2.FormCaptureRule(
        rule_id="newsletter",
        display_name="Newsletter",
        form_selector="form#newsletter",
        url_patterns=["https://shop.example.com/*"],
        activity_kind=ActivityKind.ACTIVITY_KIND_SIGNUP,
        default_product_name="our newsletter",
        fields=[
            forms_pb2.FormFieldRule(form_field="name", target=T.FORM_FIELD_TARGET_FIRST_NAME),
            forms_pb2.FormFieldRule(form_field="surname", target=T.FORM_FIELD_TARGET_LAST_NAME),
            forms_pb2.FormFieldRule(form_field="town", target=T.FORM_FIELD_TARGET_CITY),
            forms_pb2.FormFieldRule(form_field="country", target=T.FORM_FIELD_TARGET_COUNTRY),
            forms_pb2.FormFieldRule(form_field="email", target=T.FORM_FIELD_TARGET_EMAIL_FOR_AVATAR),
            forms_pb2.FormFieldRule(
                form_field="plan", target=T.FORM_FIELD_TARGET_ATTRIBUTE, attribute_key="plan"
            ),
        ],
    )


async def enable(
    channel: grpc.aio.Channel, org: str, site: str, *, require_consent: bool = False
) -> forms_pb2.FormCaptureSettings:
    stub = forms_pb2_grpc.FormCaptureServiceStub(channel)
    reply = await stub.UpdateFormCaptureSettings(
        forms_pb2.UpdateFormCaptureSettingsRequest(
            form_capture_settings=forms_pb2.FormCaptureSettings(
                name=f"organizations/{org}/sites/{site}/formCaptureSettings",
                enabled=True,
                require_consent=require_consent,
                rules=[newsletter_rule()],
            ),
            update_mask=FieldMask(paths=["enabled", "require_consent", "rules"]),
        ),
        metadata=member(org),
    )
    return reply.form_capture_settings


def submission(site_key: str = KEY_A, **overrides: Any) -> forms_pb2.SubmitFormRequest:
    request = forms_pb2.SubmitFormRequest(
        site_key=site_key,
        submission_id=str(uuid.uuid4()),
        rule_id="newsletter",
        page_url="https://shop.example.com/signup#top",
        fields={
            "name": "Jana Marie",
            "surname": "Nováková",
            "town": "Brno",
            "country": "Czech Republic",
            "email": "Jana@Example.com",
            "plan": "Pro",
            "password": "hunter2",
            "phone": "+420 777 000 000",
        },
        visitor_id="v-123",
    )
    for key, value in overrides.items():
        setattr(request, key, value)
    return request


@pytest.fixture
def sites(site_directory: SiteDirectoryDouble) -> SiteDirectoryDouble:
    site_directory.add(KEY_A, ORG_A, SITE_A)
    site_directory.add(KEY_B, ORG_B, SITE_B)
    return site_directory


async def test_opted_in_submission_becomes_one_activity_with_only_allow_listed_fields(
    integrations, sites, topic_reader
) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    stub = forms_pb2_grpc.FormCaptureServiceStub(channel)
    config = await stub.GetWidgetFormConfig(forms_pb2.GetWidgetFormConfigRequest(site_key=KEY_A))
    assert config.enabled is False and not config.rules  # opt-in: off until enabled

    await enable(channel, ORG_A, SITE_A)
    config = await stub.GetWidgetFormConfig(forms_pb2.GetWidgetFormConfigRequest(site_key=KEY_A))
    assert config.enabled is True
    assert [r.rule_id for r in config.rules] == ["newsletter"]
    assert list(config.rules[0].allowed_fields) == ["name", "surname", "town", "country", "email", "plan"]

    request = submission()
    for _ in range(2):  # the widget retrying the same submission id stores and publishes it once
        reply = await stub.SubmitForm(request)
        assert reply.accepted is True

    messages = await topic_reader().read(1, settle=0.7)
    assert len(messages) == 1
    envelope = messages[0]
    assert (envelope.org_id, envelope.site_id) == (ORG_A, SITE_A)
    recorded = ActivityRecorded()
    envelope.payload.Unpack(recorded)
    activity = recorded.activity
    assert activity.kind == ActivityKind.ACTIVITY_KIND_SIGNUP
    assert activity.source == ActivitySource.ACTIVITY_SOURCE_FORM_CAPTURE
    assert activity.source_ref == request.submission_id
    assert (activity.actor.first_name, activity.actor.last_initial) == ("Jana", "N")
    assert activity.actor.avatar_url == forms.gravatar_url("jana@example.com")
    assert (activity.location.city, activity.location.country_code) == ("Brno", "CZ")
    assert activity.product.name == "our newsletter"
    assert dict(activity.attributes) == {"plan": "Pro"}
    assert activity.visitor_id == "v-123"
    serialized = activity.SerializeToString()
    # Non-allow-listed fields and the raw e-mail / surname never leave the service.
    for secret in (b"hunter2", b"777", b"Jana@Example.com", b"jana@example.com", "Nováková".encode()):
        assert secret not in serialized


async def test_unknown_site_key_and_site_not_opted_in_are_refused_and_nothing_published(
    integrations, sites, topic_reader
) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    stub = forms_pb2_grpc.FormCaptureServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await stub.SubmitForm(submission(site_key="pk_nobody"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_details(unknown.value)[0] == "SITE_KEY_NOT_FOUND"
    with pytest.raises(grpc.aio.AioRpcError) as config_unknown:
        await stub.GetWidgetFormConfig(forms_pb2.GetWidgetFormConfigRequest(site_key="pk_nobody"))
    assert config_unknown.value.code() == grpc.StatusCode.NOT_FOUND

    with pytest.raises(grpc.aio.AioRpcError) as off:
        await stub.SubmitForm(submission())
    assert off.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(off.value)[0] == "FORM_CAPTURE_DISABLED"

    await enable(channel, ORG_A, SITE_A, require_consent=True)
    with pytest.raises(grpc.aio.AioRpcError) as consent:
        await stub.SubmitForm(submission())
    assert consent.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(consent.value)[0] == "FORM_CONSENT_REQUIRED"
    with pytest.raises(grpc.aio.AioRpcError) as wrong_rule:
        await stub.SubmitForm(submission(rule_id="contact", consent_given=True))
    assert wrong_rule.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_details(wrong_rule.value)[0] == "FORM_RULE_NOT_FOUND"
    assert await topic_reader().read(1, within=0.5, settle=0) == []


async def test_malformed_and_oversized_submissions_are_rejected_with_field_violations(
    integrations, sites
) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    stub = forms_pb2_grpc.FormCaptureServiceStub(channel)
    await enable(channel, ORG_A, SITE_A)
    bad = submission(submission_id="not-a-uuid", rule_id="")
    with pytest.raises(grpc.aio.AioRpcError) as malformed:
        await stub.SubmitForm(bad)
    assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    reason, fields = error_details(malformed.value)
    assert reason == "FORM_SUBMISSION_INVALID"
    assert ("submission_id", "must be a UUID") in fields
    assert ("rule_id", "1-64 characters") in fields

    huge = submission()
    huge.fields["name"] = "J" * 257
    with pytest.raises(grpc.aio.AioRpcError) as oversized:
        await stub.SubmitForm(huge)
    assert oversized.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(oversized.value)[1] == [('fields["name"]', "at most 256 characters")]

    many = submission()
    many.fields.update({f"f{i}": "x" for i in range(20)})
    with pytest.raises(grpc.aio.AioRpcError) as too_many:
        await stub.SubmitForm(many)
    assert ("fields", "at most 20 fields") in error_details(too_many.value)[1]

    with pytest.raises(grpc.aio.AioRpcError) as other_page:
        await stub.SubmitForm(submission(page_url="https://evil.example.net/signup"))
    assert error_details(other_page.value)[1] == [("page_url", "is not a page the rule applies to")]


async def test_settings_are_validated_and_tenant_scoped(integrations, sites, topic_reader) -> None:  # type: ignore[no-untyped-def]
    _, channel = integrations
    stub = forms_pb2_grpc.FormCaptureServiceStub(channel)
    name_b = f"organizations/{ORG_B}/sites/{SITE_B}/formCaptureSettings"
    broken = newsletter_rule()
    broken.fields[5].attribute_key = "Plan Name"
    broken.fields.add(form_field="name", target=T.FORM_FIELD_TARGET_CITY)
    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await stub.UpdateFormCaptureSettings(
            forms_pb2.UpdateFormCaptureSettingsRequest(
                form_capture_settings=forms_pb2.FormCaptureSettings(name=name_b, rules=[broken]),
                update_mask=FieldMask(paths=["rules"]),
            ),
            metadata=member(ORG_B),
        )
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(invalid.value)[1] == [
        ("form_capture_settings.rules[0].fields[5].attribute_key", "lower_snake_case, at most 40 characters"),
        ("form_capture_settings.rules[0].fields[6].form_field", "duplicate form field"),
    ]

    # Org A's member can neither read nor change org B's settings.
    with pytest.raises(grpc.aio.AioRpcError) as read_other:
        await stub.GetFormCaptureSettings(
            forms_pb2.GetFormCaptureSettingsRequest(name=name_b), metadata=member(ORG_A)
        )
    assert read_other.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_details(read_other.value)[0] == "ORG_ACCESS_DENIED"
    with pytest.raises(grpc.aio.AioRpcError) as viewer:
        await stub.UpdateFormCaptureSettings(
            forms_pb2.UpdateFormCaptureSettingsRequest(
                form_capture_settings=forms_pb2.FormCaptureSettings(name=name_b, enabled=True),
                update_mask=FieldMask(paths=["enabled"]),
            ),
            metadata=member(ORG_B, role="viewer"),
        )
    assert error_details(viewer.value)[0] == "ROLE_NOT_ALLOWED"

    # Site B opts in; site A's key does not inherit it, and B's submissions land in org B only.
    saved = await enable(channel, ORG_B, SITE_B)
    assert saved.name == name_b and saved.enabled and saved.HasField("update_time")
    got = await stub.GetFormCaptureSettings(
        forms_pb2.GetFormCaptureSettingsRequest(name=name_b), metadata=member(ORG_B)
    )
    assert got.form_capture_settings == saved
    with pytest.raises(grpc.aio.AioRpcError) as a_off:
        await stub.SubmitForm(submission(site_key=KEY_A))
    assert error_details(a_off.value)[0] == "FORM_CAPTURE_DISABLED"
    await stub.SubmitForm(submission(site_key=KEY_B))
    messages = await topic_reader().read(1)
    assert [(m.org_id, m.site_id) for m in messages] == [(ORG_B, SITE_B)]


async def test_site_directory_down_is_unavailable(pg_database, kafka_bootstrap, activity_topic) -> None:  # type: ignore[no-untyped-def]
    # Nothing listens where the sidecar should be: the widget gets a retryable UNAVAILABLE, not INTERNAL.
    server = build(
        make_settings(pg_database, kafka_bootstrap, activity_topic, sidecar_outbound="127.0.0.1:9")
    )
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as down:
            await forms_pb2_grpc.FormCaptureServiceStub(channel).SubmitForm(submission())
        assert down.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await channel.close()
        await server.stop(grace=0)


def test_capture_drops_unlisted_fields_and_clamps_client_time() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    captured = forms.capture(
        newsletter_rule(),
        {"name": "  Ada   Lovelace ", "ssn": "123", "plan": "Team"},
        site_id=SITE_A,
        submission_id=str(uuid.uuid4()),
        visitor_id="v",
        occurred_at=now + timedelta(days=3),
        received_at=now,
    )
    assert captured.dropped_fields == ["ssn"]
    assert captured.activity.actor.first_name == "Ada"
    assert captured.activity.occurred_at.ToDatetime(tzinfo=UTC) == now  # future client clock → now
    assert forms.clamp_occurred_at(now - timedelta(days=9), now) == now - forms.MAX_SUBMISSION_AGE
    v = Violations()
    forms.validate_settings(forms_pb2.FormCaptureSettings(rules=[forms_pb2.FormCaptureRule()]), v)
    assert [i.field for i in v.items] == [
        "form_capture_settings.rules[0].rule_id",
        "form_capture_settings.rules[0].activity_kind",
        "form_capture_settings.rules[0].fields",
    ]
